/*
 * sim_state.h: the replay's internal state, shared by sim.c (events,
 * arrivals, accounting) and backfill.c (scheduling passes). Not installed.
 */
#ifndef SCHED_SIM_STATE_H
#define SCHED_SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "queue.h"
#include "sim.h"

/* A running job, kept sorted by (exp_end, idx) per site. */
struct run {
	int64_t exp_end;
	int32_t procs;
	uint32_t idx;
};

/* Min-heap entry: time, then idx. */
struct hent {
	int64_t t;
	int64_t tie;
	uint32_t idx;
};

struct heap {
	struct hent *a;
	size_t n, cap;
};

struct site_state {
	int64_t procs;
	int64_t free;
	struct wait_queue queue;
	struct run *run;
	size_t nrun, runcap;
	bool dirty;
};

struct sim {
	const struct workload *w;
	const struct sim_config *cfg;
	struct sim_result *res;
	struct site_state *sites;
	struct heap ends;	  /* running jobs by actual end; tie = site */
	struct heap held;	  /* held jobs by eligible; tie = submit */
	struct profile prof;	  /* scratch */
	struct queue_ranks ranks; /* static policies: the order of all jobs */
	int64_t origin;		  /* earliest submit: r = submit - origin */
	bool dynamic;
	size_t done;
};

/* The job's queue score at now under the configured policy. */
double sim_job_score(const struct sim *s, uint32_t idx, int64_t now);

/* Start job idx at site now (it fits): 0, or -1 (ENOMEM). */
int sim_start_job(struct sim *s, size_t site, uint32_t idx, int64_t now);

/*
 * One scheduling pass at site at time now under the configured backfilling
 * (queue re-scored first for dynamic policies): 0, or -1 (ENOMEM).
 */
int backfill_pass(struct sim *s, size_t site, int64_t now);

/*
 * Expected start of job idx (not queued) at site: the earliest slot in the
 * profile of the running jobs' estimates and the queued jobs' reservations
 * in queue order. -1 on ENOMEM.
 */
int64_t backfill_expected_start(
	struct sim *s, size_t site, uint32_t idx, int64_t now);

#endif
