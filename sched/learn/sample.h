/*
 * sample.h: the SC17 training data: tuples (S, Q) drawn from a trace,
 * many random orders of Q simulated per tuple (trial.h), and each queued
 * job's score derived from the trials' outcomes; threads, shards, and the
 * data file that shards write and a merge reads.
 *
 * Reference: hpcsched/gen-sched-policies @ b73f9fa, training-data-generator/
 * generate_simulation_data.py:
 * - line 33: jobs with 0 < procs <= 256 and runtime > 0 are kept;
 * - lines 52-67: a tuple is the 16 + 32 consecutive jobs from a random
 *   index choose in [0, n - 1 - 48], submit times relative to the first;
 * - lines 93-124: each of the 5000 trials shuffles Q (lines 98-111: for k
 *   in 0..31, swap k with a uniformly chosen index) and lists S in trace
 *   order, then Q (lines 112-115), and runs trials_simulator;
 * - lines 138-139, 150-154, 162-163, 168-169: score[k] = (sum of the trial
 *   outcomes, the AVEbsld of Q, over the trials whose first job was k) /
 *   (sum over all trials); lines 172-175 write "p,q,r,score".
 * The score is lower for a job that does well at the head of the queue,
 * and the 32 scores of a tuple sum to 1.
 */
#ifndef SCHED_LEARN_SAMPLE_H
#define SCHED_LEARN_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"
#include "swf.h"
#include "trial.h"

struct intensity_series;

/*
 * How each trial's order is drawn. The paper's swap loop is not a uniform
 * shuffle: with Q = 32 the job at trace position 1 comes first in 1.34 / 32
 * of the trials and the last one in 0.75 / 32 (exact, by propagating the
 * swaps' probabilities), and a score sums over the trials where a job
 * came first, so the scores carry that bias. Uniform is the default.
 */
enum sample_first {
	SAMPLE_FIRST_UNIFORM,  /* Fisher-Yates: every order equally likely */
	SAMPLE_FIRST_BALANCED, /* trial j puts job j mod Q first, the rest
				* uniform: every job first equally often */
	SAMPLE_FIRST_PAPER,    /* the paper's swap loop, bias included */
};

/*
 * Optional carbon objective: each trial's outcome becomes
 * AVEbsld + weight * G / Gref, where G = sum over Q of procs times the
 * integral of the grid's intensity over the job's run, and Gref the same
 * jobs' processor-seconds times the series' mean intensity (so G / Gref
 * is 1 for a schedule at average intensity). Each tuple also gets its
 * carbon variable c = I(t0) / min over [t0, t0 + 1 day) of I - 1, the
 * intensity when the queue is first ordered over the day-ahead minimum
 * (an oracle forecast), t0 the tuple's decision time on the series clock.
 */
struct sample_carbon {
	const struct intensity_series *ci; /* NULL: no carbon */
	int64_t epoch;			   /* unix time of trace time 0 */
	double weight;			   /* lambda, >= 0 */
};

struct sample_config {
	size_t nstate;	/* |S|, 16 */
	size_t nqueue;	/* |Q|, 32 */
	size_t ntuples; /* tuples of the whole run (all shards) */
	size_t nperms;	/* trials per tuple, 5000 */
	uint64_t seed;
	enum sample_first first;
	struct sample_carbon carbon;
};

/* One training row: a queued job of tuple `tuple` and its score. */
struct sample_row {
	uint32_t tuple;
	double p, q, r, c;
	double score;
};

/* What a data set was made from; the merge checks shards agree on it. */
struct sample_meta {
	char trace[256];    /* the trace's file name, as given */
	uint64_t trace_sum; /* FNV-1a of the jobs' (runtime, procs, submit) */
	size_t njobs;
	int32_t procs;
	struct sample_config cfg; /* carbon.ci not kept */
	char carbon[256];	  /* the intensity file, "" for none */
	unsigned shard, nshards;  /* 0/1 for a whole run */
	/*
	 * What making the data cost (set by the caller, kept in the file,
	 * summed by a merge): CPU and wall seconds, joules (NAN unknown).
	 */
	double cpu_s, wall_s, energy_j;
};

/* Rows sorted by tuple, each tuple's nqueue rows in trace order. */
struct sample_set {
	struct sample_meta meta;
	struct sample_row *rows;
	size_t nrows;
	uint64_t trials; /* trial simulations run to make it */
};

/* FNV-1a of a workload's jobs, for sample_meta.trace_sum. */
uint64_t sample_trace_sum(const struct workload *w);

/*
 * Tuple index of the run described by cfg, drawn from w (jobs in arrival
 * order): t filled and prepared. Depends only on (cfg->seed, index), so
 * threads and shards give the same tuples. 0, or -1 with err (a trace
 * shorter than S + Q + 1 jobs, a bad size).
 */
int sample_draw(const struct workload *w, const uint32_t *arrival,
	const struct sample_config *cfg, size_t index, struct trial_tuple *t,
	size_t *first_job, struct sc_error *err);

/*
 * The trials of one tuple: score[0..nqueue) as defined above, and its
 * carbon variable in *c (0 without carbon). t0 is the tuple's first job's
 * submit in trace time (for the carbon clock). Returns 0, or -1 with err.
 */
int sample_scores(const struct trial_tuple *t, const struct sample_config *cfg,
	size_t index, int64_t t0, double *score, double *c,
	struct sc_error *err);

/*
 * The score of each queued job from given trials: orders[j * nqueue ..]
 * is trial j's order, outcome[j] its outcome (trial_run's AVEbsld, or the
 * carbon objective): score[k] = sum of outcome[j] over the trials whose
 * first job is k, over the sum of all outcomes (0 when that sum is 0).
 */
void sample_score_orders(size_t nqueue, const uint8_t *orders,
	const double *outcome, size_t ntrials, double *score);

/* Progress: tuples done of total, called from the caller's thread. */
typedef void sample_progress_fn(void *arg, size_t done, size_t total);

/*
 * Make the data of shard `shard` of nshards (tuples i with i % nshards ==
 * shard) with nthreads threads, into *out (meta filled from w, cfg and the
 * names). progress may be NULL. 0, or -1 with err; out is then empty.
 */
int sample_run(const struct workload *w, const char *trace_name,
	const char *carbon_name, const struct sample_config *cfg,
	unsigned shard, unsigned nshards, unsigned nthreads,
	sample_progress_fn *progress, void *progress_arg,
	struct sample_set *out, struct sc_error *err);

/* Write a data set (CSV with a '#' header): 0, or -1 with err. */
int sample_write(
	const struct sample_set *s, const char *path, struct sc_error *err);

/* Read one written by sample_write: 0, or -1 with err. */
int sample_read(const char *path, struct sample_set *s, struct sc_error *err);

/*
 * Merge shards: all from the same run (meta equal but for the shard),
 * every shard 0..N-1 exactly once. *out gets the whole run's rows in tuple
 * order and meta with shard 0/1. 0, or -1 with err.
 */
int sample_merge(struct sample_set *shards, size_t n, struct sample_set *out,
	struct sc_error *err);

void sample_set_free(struct sample_set *s);

#endif
