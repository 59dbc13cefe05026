/*
 * fairness.h: who a schedule serves well: bounded slowdown and wait by job
 * size class (narrow/wide x short/long), the tail of the wait, and Jain's
 * fairness index over the users' mean bounded slowdown.
 */
#ifndef SCHED_FAIRNESS_H
#define SCHED_FAIRNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "swf.h"

/*
 * Size classes. A job is short if its runtime is at most
 * FAIRNESS_SHORT_S (1 hour), narrow if its processors are at most
 * FAIRNESS_NARROW_DIV-th of the machine (256 / 32 = 8 processors), at
 * least 1. Classes index FAIRNESS_NARROW_SHORT..FAIRNESS_WIDE_LONG.
 */
#define FAIRNESS_SHORT_S 3600
#define FAIRNESS_NARROW_DIV 32

enum fairness_class {
	FAIRNESS_NARROW_SHORT,
	FAIRNESS_NARROW_LONG,
	FAIRNESS_WIDE_SHORT,
	FAIRNESS_WIDE_LONG,
	FAIRNESS_NCLASSES
};

struct fairness_class_stats {
	size_t njobs;
	double mean_bsld; /* 0 when njobs is 0 */
	double mean_wait;
};

struct fairness {
	struct fairness_class_stats cls[FAIRNESS_NCLASSES];
	int32_t narrow_procs; /* the threshold used */
	double max_wait;      /* s */
	double p99_wait;      /* nearest rank: the ceil(0.99 n)-th smallest */
	size_t nusers;	      /* users with a counted job; 0: no user ids */
	double jain;	      /* (sum x)^2 / (n sum x^2) over users' mean
			       * bsld; NAN when fewer than 2 users */
};

/* "narrow-short", "narrow-long", "wide-short", "wide-long". */
const char *fairness_class_name(enum fairness_class c);

/*
 * The figures over the jobs i of res (a replay of w) with include[i] true
 * (include NULL: every job); machine_procs sets the narrow threshold. Jobs
 * with user -1 count in the classes and the waits but not in Jain's index;
 * when no job has a user id, nusers is 0 and jain NAN. 0, or -1 (ENOMEM).
 */
int fairness_compute(const struct workload *w, const struct sim_result *res,
	const bool *include, int32_t machine_procs, struct fairness *f);

#endif
