/*
 * trial.h: the SC17 trial simulator (Carastan-Santos & de Camargo,
 * "Obtaining Dynamic Scheduling Policies with Simulation and Machine
 * Learning", SC17): a tuple of S jobs that fill the machine and Q queued
 * jobs, the Q jobs started strictly in a given order, no backfilling, and
 * the average bounded slowdown (tau = 10 s) of the Q jobs as the outcome.
 *
 * It reproduces hpcsched/gen-sched-policies, training-data-generator/
 * trials_simulator.c (commit b73f9fa), function master(): jobs are taken
 * in list order (the S jobs in trace order, then Q in the trial's order);
 * each waits for its submit time, then for enough free processors
 * (MSG_process_suspend until a job ends), then starts; a job never starts
 * before the one listed before it. The S jobs' part is the same in every
 * trial, so trial_prepare runs it once and each trial starts from the
 * machine it leaves: the S jobs still running, with their remaining
 * runtimes, at the time the last S job started (the paper's t0).
 * Differences: SimGrid's 1000-byte task messages (microseconds) are not
 * modelled; a job ending at t frees its processors for a job starting at t.
 */
#ifndef SCHED_LEARN_TRIAL_H
#define SCHED_LEARN_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

#define TRIAL_MAX_STATE 64
#define TRIAL_MAX_QUEUE 64
#define TRIAL_TAU 10 /* bounded slowdown's threshold, s (the code's TAO) */

/* A job of a tuple; submit is relative to the first S job's submit. */
struct trial_job {
	int64_t runtime; /* > 0 */
	int32_t procs;	 /* 1..machine */
	int64_t submit;	 /* >= 0 */
};

/* The machine after the S jobs: running jobs and the clock. */
struct trial_state {
	int64_t clock; /* start of the last S job (t0) */
	int32_t free;  /* processors free at clock */
	size_t nrun;   /* S jobs still running at clock */
	int64_t end[TRIAL_MAX_STATE];
	int32_t procs[TRIAL_MAX_STATE];
};

struct trial_tuple {
	int32_t machine;
	size_t nstate, nqueue;
	struct trial_job state[TRIAL_MAX_STATE];
	struct trial_job queue[TRIAL_MAX_QUEUE];
	struct trial_state after; /* filled by trial_prepare */
};

/*
 * Replay the S jobs of t (t->state, trace order) from an empty machine and
 * keep the machine they leave in t->after. 0, or -1 with err when a job is
 * wider than the machine, has runtime <= 0 or the sizes are out of range.
 */
int trial_prepare(struct trial_tuple *t, struct sc_error *err);

/*
 * One trial: the Q jobs started in the order order[0..nqueue) (a
 * permutation of queue indices) from t->after. Returns the Q jobs'
 * average bounded slowdown; when start is not NULL, start[k] is the start
 * time of queue job k (k a queue index, not a position).
 */
double trial_run(
	const struct trial_tuple *t, const uint8_t *order, int64_t *start);

/* max(1, (wait + runtime) / max(runtime, tau)), tau = TRIAL_TAU. */
double trial_bsld(int64_t wait, int64_t runtime);

#endif
