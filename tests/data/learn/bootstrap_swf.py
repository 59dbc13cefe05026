#!/usr/bin/env python3
"""A second Lublin-model trace for evaluating learned policies: a bootstrap
of lublin_256.swf. Inter-arrival times are drawn (with replacement) from the
trace's own, and each job's (runtime, processors) pair is drawn jointly from
its jobs, with a fixed seed. The marginal distributions are the model's; the
sequence of jobs (which job follows which, bursts, daily cycles) is new.

    bootstrap_swf.py IN.swf SEED N > OUT.swf
"""
import random
import sys


def main():
    src, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    header, jobs = [], []
    with open(src) as f:
        for line in f:
            if line.startswith(';'):
                header.append(line.rstrip('\n'))
                continue
            fld = line.split()
            if len(fld) == 18:
                jobs.append((int(fld[1]), int(fld[3]), int(fld[4]),
                             int(fld[7])))
    jobs.sort(key=lambda j: j[0])
    gaps = [b[0] - a[0] for a, b in zip(jobs, jobs[1:])]
    rng = random.Random(seed)
    print('; bootstrap of %s (seed %d, %d jobs): inter-arrival times and '
          '(runtime, processors) pairs drawn with replacement from it, by '
          'tests/data/learn/bootstrap_swf.py' % (src.split('/')[-1], seed, n))
    for h in header:
        if h.startswith('; MaxProcs') or h.startswith('; MaxNodes'):
            print(h)
    t = 0
    for i in range(n):
        if i:
            t += rng.choice(gaps)
        _, run, alloc, req = rng.choice(jobs)
        print('%d %d -1 %d %d -1 -1 %d -1 -1 1 -1 -1 -1 -1 -1 -1 -1'
              % (i + 1, t, run, alloc, req))


if __name__ == '__main__':
    main()
