/*
 * validate.h: the selection step of SC17: learned candidates replayed on a
 * trace under the paper's window protocol (metrics.h), as the paper chose
 * F1..F4 among its fitted functions by their simulated AVEbsld.
 */
#ifndef SCHED_LEARN_VALIDATE_H
#define SCHED_LEARN_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "sc_error.h"
#include "sim.h"
#include "swf.h"

/*
 * Replay w under kind and bf in 15-day windows with 16 warm-up jobs, on
 * one site of w->machine_procs processors without carbon: *mean gets the
 * mean of the windows' AVEbsld (the paper's figure), *pooled the AVEbsld
 * of all counted jobs. 0, or -1 with err.
 */
int validate_windows(const struct workload *w, enum policy_kind kind,
	enum backfill_kind bf, double *mean, double *pooled,
	struct sc_error *err);

/*
 * A bootstrap replicate of w for validation: n jobs, inter-arrival times
 * (in arrival order) and (runtime, estimate, processors) triples each
 * drawn with replacement from w, by a generator seeded with seed; users
 * -1. The marginal distributions are w's, the sequence is new. *out is
 * the caller's (workload_free). 0, or -1 (ENOMEM, or w has < 2 jobs).
 */
int validate_bootstrap(const struct workload *w, uint64_t seed, size_t n,
	struct workload *out);

#endif
