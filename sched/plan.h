/*
 * plan.h: conservative backfilling's reservations for one site (struct
 * backfill_plan), kept between passes and made again only behind what
 * changed. backfill.c tells the plan what happens to the site (a job
 * queued, started or ended early, the queue re-ordered) and runs its
 * passes through it; the plan starts jobs through the site's callback, so
 * that it calls nothing in backfill.c.
 */
#ifndef SCHED_PLAN_H
#define SCHED_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backfill.h"
#include "due_heap.h"
#include "profile.h"

/* Accepts NULL. */
void plan_free(struct backfill_plan *p);

/*
 * The profile of site s at now: its free processors, and its running jobs'
 * estimated ends (into p). 0, or -1 (ENOMEM).
 */
int plan_site_profile(
	struct profile *p, const struct backfill_site *s, int64_t now);

/*
 * Job idx joined s's queue at now. A static queue's plan reserves it in
 * place when it is ahead of reservations none of which starts before its
 * earliest fit, else gives back those behind it. 0 (also without a plan),
 * or -1 (ENOMEM: the plan is dropped, the next pass makes another).
 */
int plan_enqueue(struct backfill_site *s, uint32_t idx, int64_t now);

/*
 * s's dynamic queue was re-ordered: the reservations behind the first
 * change are given back, and no previous reservation is trusted.
 */
void plan_follow_order(struct backfill_site *s);

/*
 * A job of procs processors, expected to end at exp_end, ended at now: if
 * before its estimate, every reservation is given back (any may move
 * earlier).
 */
void plan_job_end(
	struct backfill_site *s, int32_t procs, int64_t exp_end, int64_t now);

/* Job idx left the queue to start. Accepts a NULL plan. */
void plan_started(struct backfill_plan *p, uint32_t idx);

/*
 * How the plan starts the queued job idx at position pos now: the site's
 * own start (its running set, free processors, queue and out). 0, or -1
 * (ENOMEM).
 */
typedef int plan_start_fn(struct backfill_site *s, uint32_t idx, size_t pos,
	int64_t now, struct backfill_starts *out);

/*
 * A conservative pass at now (backfill_pass says what it does), making
 * s's plan on its first call. 0, or -1 (ENOMEM: the plan is dropped).
 */
int plan_pass(struct backfill_site *s, int64_t now,
	struct backfill_starts *out, plan_start_fn *start_job);

/*
 * Reserve every queued job of s at now, so that plan_profile holds them
 * all (backfill_expected_start). s has a plan. 0, or -1 (ENOMEM: the plan
 * is dropped).
 */
int plan_expected_start(struct backfill_site *s, int64_t now);

/* The running jobs' estimated ends and the reservations of the plan. */
const struct profile *plan_profile(const struct backfill_plan *p);

/*
 * The queued jobs whose reservations are made and hold: how far down the
 * queue the passes have planned (0 without a plan). For the tests.
 */
size_t plan_validated(const struct backfill_plan *p);

#endif
