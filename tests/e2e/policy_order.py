#!/usr/bin/env python3
"""policy_order.py POLICY: read pending jobs on stdin, one per line
"JOBID|CPUS|TIMELIMIT|SUBMIT" as squeue prints %i|%C|%l|%V, and print their
job ids in the order the policy runs them, one per line.

An independent model of sched/policy.c for the end-to-end tests (it shares
no code with it): F1..F4 of Carastan-Santos & de Camargo (SC17), SPF, SAF,
FCFS. p is the time limit in seconds, q the CPUs, r the submit time minus
the earliest submit among these jobs; policy.h's guards: p and r at least
1 s. Ties: earlier submit, then lower job id."""
import math
import sys
import time


def seconds(limit):
    """squeue's %l: [D-]HH:MM:SS, MM:SS or UNLIMITED."""
    if limit in ("UNLIMITED", "INFINITE"):
        return 365 * 86400
    days = 0
    if "-" in limit:
        d, limit = limit.split("-", 1)
        days = int(d)
    parts = [int(x) for x in limit.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts
    return ((days * 24 + h) * 60 + m) * 60 + s


def epoch(stamp):
    """squeue's %V: local YYYY-MM-DDTHH:MM:SS."""
    return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))


SCORES = {
    "f1": lambda p, q, r: math.log10(p) * q + 870 * math.log10(r),
    "f2": lambda p, q, r: math.sqrt(p) * q + 25600 * math.log10(r),
    "f3": lambda p, q, r: p * q + 6860000 * math.log10(r),
    "f4": lambda p, q, r: p * math.sqrt(q) + 530000 * math.log10(r),
    "spf": lambda p, q, r: p,
    "saf": lambda p, q, r: p * q,
}


def main():
    policy = sys.argv[1].lower()
    jobs = []
    for line in sys.stdin:
        if not line.strip():
            continue
        jid, cpus, limit, submit = line.strip().split("|")
        jobs.append((int(jid), float(cpus), seconds(limit), epoch(submit)))
    if not jobs:
        return
    origin = min(j[3] for j in jobs)
    keyed = []
    for jid, q, p, submit in jobs:
        r = max(submit - origin, 1.0)
        score = submit if policy == "fcfs" else SCORES[policy](max(p, 1.0), q, r)
        keyed.append((score, submit, jid))
    for _, _, jid in sorted(keyed):
        print(jid)


if __name__ == "__main__":
    main()
