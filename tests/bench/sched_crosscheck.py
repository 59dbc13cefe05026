#!/usr/bin/env python3
# Differential check of the scheduling core: random small workloads (some
# with estimates above runtimes) replayed by a deliberately naive Python
# model of sim.h's rules (whole-queue re-sorts, rescans, a list profile) and
# by libsched through sched_dump; every job's start must agree, for every
# policy and backfilling mode.
# Usage: sched_crosscheck.py SCHED_DUMP [SEED [WORKLOADS]] (1, 300)
import math
import random
import subprocess
import sys
import tempfile

POLICIES = ["fcfs", "spf", "saf", "f1", "f2", "f3", "f4", "wfp3", "unicef"]
MODES = ["none", "easy", "conservative"]


def score(pol, job, now, origin):
    s, _, e, q = job
    r, p, w = max(s - origin, 1), max(e, 1), now - s
    l2 = math.log2(q) if q >= 2 else 0.01
    return {"fcfs": s - origin, "spf": p, "saf": p * q,
            "wfp3": -((w / p) ** 3 * q), "unicef": -((w + 1e-6) / (l2 * p)),
            "f1": math.log10(p) * q + 870 * math.log10(r),
            "f2": math.sqrt(p) * q + 25600 * math.log10(r),
            "f3": p * q + 6860000 * math.log10(r),
            "f4": p * math.sqrt(q) + 530000 * math.log10(r)}[pol]


def free_at(prof, t):
    return [f for tt, f in prof if tt <= t][-1]


def change(prof, start, end, delta):
    times = sorted({t for t, _ in prof} | {start, end})
    return [(t, free_at(prof, t) + (delta if start <= t < end else 0))
            for t in times]


def earliest(prof, q, d):
    for t, f in prof:
        if all(f2 >= q for t2, f2 in prof if t <= t2 < t + d):
            return t
    return None


def replay(jobs, procs, pol, mode):
    n = len(jobs)
    origin = min(j[0] for j in jobs)
    order = sorted(range(n), key=lambda i: (jobs[i][0], i))
    start, free, running, queue, ai = [None] * n, procs, [], [], 0
    dynamic = pol in ("wfp3", "unicef")
    while ai < n or running or queue:
        times = [jobs[order[ai]][0]] if ai < n else []
        times += [x[0] for x in running]
        now = min(times)
        free += sum(jobs[x[1]][3] for x in running if x[0] == now)
        running = [x for x in running if x[0] != now]
        while ai < n and jobs[order[ai]][0] == now:
            queue.append(order[ai])
            ai += 1
        queue.sort(key=lambda i: (score(pol, jobs[i], now if dynamic else
                                        jobs[i][0], origin), jobs[i][0], i))

        def run(i):
            start[i] = now
            running.append((now + jobs[i][1], i, now + jobs[i][2]))

        if mode == "conservative":
            if not queue or free == 0:
                continue
            prof = [(now, free)]
            for x in running:
                prof = change(prof, x[2], 10 ** 15, jobs[x[1]][3])
            rest = []
            for i in queue:
                if prof[0][1] <= 0:
                    rest.append(i)
                    continue
                t = earliest(prof, jobs[i][3], jobs[i][2])
                prof = change(prof, t, t + jobs[i][2], -jobs[i][3])
                if t == now:
                    run(i)
                    free -= jobs[i][3]
                else:
                    rest.append(i)
            queue = rest
            continue
        while queue and jobs[queue[0]][3] <= free:
            i = queue.pop(0)
            run(i)
            free -= jobs[i][3]
        if mode == "easy" and queue and free > 0:
            need, avail = jobs[queue[0]][3], free
            for x in sorted(running, key=lambda x: x[2]):
                avail += jobs[x[1]][3]
                if avail >= need:
                    shadow = x[2]
                    break
            extra = free + sum(jobs[x[1]][3] for x in running
                               if x[2] <= shadow) - need
            rest = []
            for i in queue[1:]:
                q, ok = jobs[i][3], False
                if q <= free:
                    if now + jobs[i][2] <= shadow:
                        ok = True
                    elif q <= extra:
                        ok, extra = True, extra - q
                if ok:
                    run(i)
                    free -= q
                else:
                    rest.append(i)
            queue = queue[:1] + rest
    return start


def main():
    dump = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    workloads = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    cases = bad = 0
    with tempfile.NamedTemporaryFile("w", suffix=".jobs") as tmp:
        for _ in range(workloads):
            procs = rng.choice([4, 8, 16])
            jobs = []
            for _ in range(rng.randint(1, 25)):
                rt = rng.randint(1, 60)
                est = rt + rng.choice([0, 0, rng.randint(0, 60)])
                jobs.append((rng.randint(0, 200), rt, est,
                             rng.randint(1, procs)))
            tmp.seek(0)
            tmp.truncate()
            tmp.write("".join("%d %d %d %d\n" % j for j in jobs))
            tmp.flush()
            for pol in POLICIES:
                for mode in MODES:
                    want = replay(jobs, procs, pol, mode)
                    out = subprocess.run([dump, pol, mode, str(procs),
                                          tmp.name], capture_output=True,
                                         text=True, check=True).stdout
                    cases += 1
                    if [int(x) for x in out.split()] != want:
                        bad += 1
                        print("mismatch: %s/%s on %d procs: %s"
                              % (pol, mode, procs, jobs))
    print("sched_crosscheck: %d schedules, %d mismatches" % (cases, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
