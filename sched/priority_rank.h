/*
 * priority_rank.h: a live queue ordered by a policy's scores, mapped onto
 * Slurm's site factor (an integer added to the priority): the order of
 * the scores kept exactly, without overflow, and without ties the scores
 * do not have. site_factor/carbon is a thin adapter over this.
 */
#ifndef SCHED_PRIORITY_RANK_H
#define SCHED_PRIORITY_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* One pending job: what the policy looks at, plus a caller's handle. */
struct rank_job {
	double score;	/* policy_score: smaller runs first */
	int64_t submit; /* ties: earlier submit first */
	uint32_t id;	/* then the lower job id */
	uint32_t factor; /* out: 1..max, larger runs first */
	void *handle;	/* the caller's (slurmctld's job record) */
};

/*
 * The last ranking, kept between updates so that a job submitted in
 * between is placed among the others. Plain data; zero-initialise it, set
 * max before the first rank_insert (rank_update sets it too), free it with
 * rank_release. The handles it keeps are never dereferenced here.
 */
struct rank_state {
	struct rank_job *jobs; /* sorted, first to run first */
	size_t n, cap;
	uint32_t max;	      /* SiteFactorMax */
	int64_t origin;	      /* r = submit - origin (F1..F4) */
	size_t ties;	      /* neighbours given equal factors (N > max) */
};

/*
 * The policy inputs of a live job: p its time limit (s), q its CPUs,
 * submit time, and now; r = submit - origin, w = now - submit; c the
 * grid's intensity now over its day-ahead minimum, minus 1, where it will
 * run (shift_carbon_ratio; 0 when unknown), read only by learned policies
 * with a carbon term.
 */
double rank_score(enum policy_kind policy, double time_limit_s, double cpus,
	int64_t submit, int64_t origin, int64_t now, double c);

/*
 * Jobs added between two updates above the first or below the last ranked
 * job before two of them can share a factor (each new one is placed
 * (max / 4) / RANK_EDGE_ROOM from its neighbour).
 */
#define RANK_EDGE_ROOM 10000

/*
 * Rank jobs[0..n) (scores filled in) and give each a factor in [1, max]:
 * sorted by (score, submit, id), the k-th of n (k from 0) gets
 * lo + (hi - lo) * (n - k) / (n + 1), rounded, in the band lo = max / 4,
 * hi = max - max / 4. The first job gets the largest factor; the quarters
 * above and below the band, and the gaps between neighbours, are room for
 * jobs that arrive before the next update. Factors are strictly
 * decreasing while n < max / 2; beyond, neighbours may tie (st->ties
 * counts them). The ranking is copied into st (handles included). 0, or
 * -1 on ENOMEM.
 */
int rank_update(struct rank_state *st, struct rank_job *jobs, size_t n,
	uint32_t max, int64_t origin);

/*
 * The factor of a job arriving between updates, which then joins the
 * ranking at its place by (score, submit, id): halfway between its
 * neighbours' factors, or one edge step above the first or below the last
 * (the middle of the band when the ranking is empty). It equals a
 * neighbour's only when no integer is left there. Returns the factor
 * (1..max); job->factor is set too. On ENOMEM the job is not added but
 * still gets its factor.
 */
uint32_t rank_insert(struct rank_state *st, struct rank_job *job);

void rank_release(struct rank_state *st);

#endif
