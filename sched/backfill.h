/*
 * backfill.h: one site's scheduler: its processors, running jobs and wait
 * queue, and the scheduling pass that picks the jobs to start now (in queue
 * order, then backfilled: none, EASY or conservative). It knows nothing of
 * the replay's clock, events or accounting (sim.c): a pass returns the jobs
 * it starts, so that backfilling is tested alone (tests/unit/test_backfill).
 */
#ifndef SCHED_BACKFILL_H
#define SCHED_BACKFILL_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "queue.h"
#include "swf.h"

enum backfill_kind {
	BACKFILL_NONE,
	BACKFILL_EASY,	       /* reservation for the head job only */
	BACKFILL_CONSERVATIVE, /* a reservation for every queued job */
};

/* "none", "easy", "conservative"; parse is case-insensitive, 0 or -1. */
const char *backfill_name(enum backfill_kind kind);
int backfill_parse(const char *name, enum backfill_kind *kind);

/* A running job: when the scheduler expects it to end (start + estimate). */
struct backfill_run {
	int64_t exp_end;
	int32_t procs;
	uint32_t idx;
};

/* Conservative backfilling's reservations, kept between passes. */
struct backfill_plan;

/*
 * A site as its scheduler sees it. Jobs are indices into the caller's job
 * array (struct swf_job: procs and estimate are read). Initialise with
 * backfill_site_init; the caller adds waiting jobs with backfill_enqueue
 * (and re-orders a dynamic queue with backfill_rescore) and reports ends
 * with backfill_job_end; backfill_pass starts jobs.
 */
struct backfill_site {
	int64_t procs;		    /* the machine */
	int64_t free;		    /* processors free now */
	const struct swf_job *jobs; /* the caller's, not owned */
	size_t njobs;
	struct wait_queue queue;  /* waiting jobs, in priority order */
	struct backfill_run *run; /* running jobs by (exp_end, idx) */
	size_t nrun, runcap;
	struct profile prof; /* scratch */
	/* conservative's reservations: NULL until its first pass */
	struct backfill_plan *plan;
};

/*
 * An empty site of procs processors over jobs[0..njobs) (not owned; they
 * must outlive the site). ranks: a static policy's order of all jobs (not
 * owned either), or NULL for a dynamic queue ordered by backfill_rescore.
 * 0, or -1 (ENOMEM).
 */
int backfill_site_init(struct backfill_site *s, int64_t procs,
	const struct queue_ranks *ranks, const struct swf_job *jobs,
	size_t njobs);

/*
 * An empty site whose queue is kinetic (queue_init_kinetic: WFP3 or
 * UNICEF, passes without backfilling only). 0, or -1 (ENOMEM).
 */
int backfill_site_init_kinetic(struct backfill_site *s, int64_t procs,
	int (*linear_of)(void *arg, uint32_t idx, struct policy_linear *lin),
	void *arg, const struct swf_job *jobs, size_t njobs);

/* Accepts a zeroed or NULL site. */
void backfill_site_free(struct backfill_site *s);

/*
 * Add a waiting job at now, the time of the next pass (its key orders a
 * dynamic queue). 0, or -1 (ENOMEM).
 */
int backfill_enqueue(
	struct backfill_site *s, const struct queue_entry *e, int64_t now);

/* A kinetic queue in its order at now (queue_set_time); others: nothing. */
void backfill_set_time(struct backfill_site *s, int64_t now);

/*
 * Dynamic queues: recompute every waiting job's key with score(arg, idx)
 * and re-order the queue.
 */
void backfill_rescore(struct backfill_site *s,
	double (*score)(void *arg, uint32_t idx), void *arg);

/* backfill_rescore from each job's line (lin, by job index) at now. */
void backfill_rescore_linear(
	struct backfill_site *s, const struct policy_linear *lin, int64_t now);

/*
 * Running job idx (procs processors, expected to end at exp_end) ended at
 * now: its processors are free again.
 */
void backfill_job_end(struct backfill_site *s, uint32_t idx, int32_t procs,
	int64_t exp_end, int64_t now);

/* The jobs a pass started, in the order it started them. */
struct backfill_starts {
	uint32_t *idx;
	size_t n, cap;
};

/* Accepts a zeroed or NULL list. */
void backfill_starts_free(struct backfill_starts *st);

/*
 * One scheduling pass at now under kind: jobs start in queue order while
 * they fit, then later ones are backfilled (EASY: without delaying the
 * head job's reservation; conservative: without delaying any queued job's
 * reservation). Every job started is removed from the queue, its
 * processors taken and it joins the running set, expected to end at now +
 * its estimate; its idx is appended to out (emptied first). 0, or -1
 * (ENOMEM, the site then unchanged for the jobs not yet listed).
 *
 * EASY: when the head job does not fit, its shadow time is the earliest
 * running job's estimated end at which enough processors are free for it;
 * the extra processors are those free at the shadow time beyond its need,
 * counting every running job estimated to end by then. A later job is
 * backfilled if it fits now and ends by its estimate by the shadow time,
 * or if it needs no more than the extra processors, which it then
 * consumes.
 *
 * Conservative: every queued job, in queue order, has a reservation at the
 * earliest time it fits in the profile of the running jobs' estimated ends
 * and the reservations before it; the jobs whose reservation is now start.
 * Reservations may move earlier from one pass to the next (compression).
 * The schedule is that of recomputing every reservation at every pass, but
 * they are kept between passes (plan.h): the reservations of
 * a prefix of the queue are valid, and only what changed is recomputed: a
 * job queued before them invalidates those behind it, a job that ends
 * before its estimate or a re-ordered dynamic queue invalidates them all.
 * A recomputed job first tries its previous reservation: it still holds
 * when nothing before it changed until the reservation's end. The passes
 * stop, as a full recomputation would, once no later job could start now.
 *
 * A kinetic queue knows only its head: a pass over it must be
 * BACKFILL_NONE (else -1, EINVAL), after backfill_set_time.
 */
int backfill_pass(struct backfill_site *s, enum backfill_kind kind, int64_t now,
	struct backfill_starts *out);

/*
 * When job idx (not queued here) could start at this site, in *start: the
 * earliest slot for it in the profile of the running jobs' estimated ends
 * and the queued jobs' conservative reservations in queue order (before
 * the trace's first submit, and so negative, for a job known in advance).
 * 0; -1 on ENOMEM, or with a kinetic queue (EINVAL: its order is not
 * known).
 */
int backfill_expected_start(
	struct backfill_site *s, uint32_t idx, int64_t now, int64_t *start);

#endif
