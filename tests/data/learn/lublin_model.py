#!/usr/bin/env python3
"""An independent run of the Lublin-Feitelson workload model, written from
its description (U. Lublin and D. G. Feitelson, "The Workload on Parallel
Supercomputers: Modeling the Characteristics of Rigid Jobs", JPDC 63(11),
2003), with the model's whole-sample ("typeless") parameters, the ones that
made lublin_256.swf (25 % serial jobs, runtimes capped at e^12 s):

- processors: serial with probability 0.244; else 2^u with u drawn from a
  two-stage uniform (0.8..UMED with probability 0.86, UMED..UHI otherwise,
  UHI = log2 of the machine, UMED = UHI - 2.5), u rounded first with
  probability 0.576 (a power of 2);
- runtime: e^g, g from a hyper-gamma: gamma(4.2, 0.94) with probability
  p = -0.0054 * processors + 0.78 (in [0, 1]), else gamma(312, 0.03); g
  is drawn again while above 12;
- arrivals: inter-arrival e^g s at rush hour, g from gamma(10.2303 *
  1.0225, 0.4871) (drawn again above 13), stretched over the day by 48
  half-hour weights, the probability of each half hour under gamma(8.1737,
  3.9631) over buckets 11..58 folded onto the day and normalised to a mean
  of 1: a bucket of weight w takes w points of every 1800 s, and an
  inter-arrival time of e^g s is e^g / 1800 points spent from the last
  arrival on.

It is not the authors' program (not available here) and does not repeat
its random sequence: it is another trace of the same model, for checking
that a policy learned on lublin_256 is not fitted to that one sample.

With LOAD, the arrival times are scaled so that the offered load (sum of
runtime x processors over PROCS x the last arrival) is LOAD: these
parameters give about 0.73 at 256 processors, where lublin_256 has 1.06
(its arrivals are denser than the published parameters give).

    lublin_model.py SEED N [PROCS [LOAD]] > OUT.swf
"""
import math
import random
import sys

SERIAL, POW2, ULOW, UPROB = 0.244, 0.576, 0.8, 0.86
A1, B1, A2, B2, PA, PB = 4.2, 0.94, 312.0, 0.03, -0.0054, 0.78
AARR, BARR, ARAR, ANUM, BNUM = 10.2303, 0.4871, 1.0225, 8.1737, 3.9631
MAX_LOG_RUNTIME, MAX_LOG_GAP = 12.0, 13.0
BUCKETS, BUCKET_S, DAY_SHIFT = 48, 1800, 11


def gamma_cdf(x, shape, scale):
    """Regularised lower incomplete gamma P(shape, x / scale)."""
    x /= scale
    if x <= 0:
        return 0.0
    log_front = -x + shape * math.log(x) - math.lgamma(shape)
    if x < shape + 1:  # power series
        term = total = 1.0 / shape
        a = shape
        while abs(term) > abs(total) * 1e-15:
            a += 1
            term *= x / a
            total += term
        return total * math.exp(log_front)
    # continued fraction for Q (modified Lentz)
    tiny = 1e-300
    b = x + 1 - shape
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - shape)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return 1 - math.exp(log_front) * h


def day_weights():
    w = [0.0] * BUCKETS
    for i in range(DAY_SHIFT, BUCKETS + DAY_SHIFT):
        w[(i - 1) % BUCKETS] = (gamma_cdf(i + 0.5, ANUM, BNUM) -
                                gamma_cdf(i - 0.5, ANUM, BNUM))
    mean = sum(w) / BUCKETS
    return [x / mean for x in w]


def processors(rng, uhi):
    umed = uhi - 2.5
    u = rng.random()
    if u <= SERIAL:
        return 1
    if rng.random() <= UPROB:
        par = rng.uniform(ULOW, umed)
    else:
        par = rng.uniform(umed, uhi)
    if u <= SERIAL + POW2:
        par = math.floor(par + 0.5)
    return min(int(2 ** par + 0.5), int(2 ** uhi + 0.5))


def runtime(rng, procs):
    p = min(1.0, max(0.0, PA * procs + PB))
    while True:
        if rng.random() <= p:
            g = rng.gammavariate(A1, B1)
        else:
            g = rng.gammavariate(A2, B2)
        if g <= MAX_LOG_RUNTIME:
            return int(math.exp(g))


class Arrivals:
    """Arrival times: rush-hour gaps spent over the day's weights."""

    def __init__(self, rng, weights):
        self.rng, self.w = rng, weights
        self.t = 0.0  # seconds from midnight of day 0

    def next(self):
        while True:
            g = self.rng.gammavariate(AARR * ARAR, BARR)
            if g <= MAX_LOG_GAP:
                break
        points = math.exp(g) / BUCKET_S
        while True:
            b = int(self.t // BUCKET_S) % BUCKETS
            left = BUCKET_S - self.t % BUCKET_S  # seconds to the bucket's end
            cost = self.w[b] * left / BUCKET_S
            if points <= cost:
                self.t += points / self.w[b] * BUCKET_S
                return int(self.t)
            points -= cost
            self.t += left


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    procs = int(sys.argv[3]) if len(sys.argv) >= 4 else 256
    load = float(sys.argv[4]) if len(sys.argv) == 5 else None
    uhi = math.log2(procs)
    rng = random.Random(seed)
    arrivals = Arrivals(rng, day_weights())
    jobs = []
    for _ in range(n):
        t = arrivals.next()
        q = processors(rng, uhi)
        jobs.append((t, runtime(rng, q), q))
    note = ''
    if load:
        work = sum(rt * q for _, rt, q in jobs)
        scale = work / (procs * jobs[-1][0] * load)
        jobs = [(int(t * scale), rt, q) for t, rt, q in jobs]
        note = ', arrival times x %.4f for a load of %.2f' % (scale, load)
    print('; Version: 2')
    print('; Acknowledge: Uri Lublin and Dror G. Feitelson (the model)')
    print('; Note: Lublin-Feitelson model, whole-sample parameters, '
          'tests/data/learn/lublin_model.py seed %d, %d jobs%s' %
          (seed, n, note))
    print('; MaxJobs: %d' % n)
    print('; MaxRecords: %d' % n)
    print('; MaxNodes: %d' % procs)
    print('; MaxRuntime: %d' % max(j[1] for j in jobs))
    for i, (t, rt, q) in enumerate(jobs, 1):
        print('%-4d %7d -1 %7d %3d -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1' %
              (i, t, rt, q))


if __name__ == '__main__':
    main()
