/*
 * backfill.c: scheduling passes: start jobs in queue order, then backfill
 * (none, EASY, conservative); and the expected start used by space shifting.
 *
 * EASY: when the head job does not fit, its shadow time is the earliest
 * running job's estimated end at which enough processors are free for it;
 * the extra processors are those free at the shadow time beyond its need,
 * counting every running job estimated to end by then. A later job is
 * backfilled if it fits now and ends by its estimate by the shadow time, or
 * if it needs no more than the extra processors, which it then consumes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "profile.h"
#include "queue.h"
#include "sim_state.h"

const char *backfill_name(enum backfill_kind kind)
{
	switch (kind) {
	case BACKFILL_NONE:
		return "none";
	case BACKFILL_EASY:
		return "easy";
	case BACKFILL_CONSERVATIVE:
		return "conservative";
	}
	return "unknown";
}

int backfill_parse(const char *name, enum backfill_kind *kind)
{
	static const enum backfill_kind all[] = {
		BACKFILL_NONE, BACKFILL_EASY, BACKFILL_CONSERVATIVE};
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcasecmp(name, backfill_name(all[i])) == 0) {
			*kind = all[i];
			return 0;
		}
	}
	return -1;
}

static int pass_easy(struct sim *s, size_t site, int64_t now, bool backfill)
{
	struct site_state *st = &s->sites[site];
	struct wait_queue *q = &st->queue;
	const struct swf_job *jobs = s->w->jobs, *j;
	int64_t shadow = 0, avail, extra;
	size_t pos = 0, k;
	uint32_t idx;

	/* Start jobs from the head while they fit. */
	while ((idx = queue_next(q, &pos, INT64_MAX)) != QUEUE_NONE &&
		jobs[idx].procs <= st->free) {
		if (sim_start_job(s, site, idx, now) < 0)
			return -1;
		queue_remove_at(q, pos);
	}
	if (!backfill || idx == QUEUE_NONE || st->free == 0)
		goto out;

	/* Shadow time and extra processors of the head job. */
	j = &jobs[idx];
	avail = st->free;
	for (k = 0; k < st->nrun; k++) {
		avail += st->run[k].procs;
		if (avail >= j->procs) {
			shadow = st->run[k].exp_end;
			while (k + 1 < st->nrun &&
				st->run[k + 1].exp_end == shadow)
				avail += st->run[++k].procs;
			break;
		}
	}
	extra = avail - j->procs;

	/* Later jobs that fit now, in queue order. */
	for (pos++; st->free > 0; pos++) {
		idx = queue_next(q, &pos, st->free);
		if (idx == QUEUE_NONE)
			break;
		j = &jobs[idx];
		if (now + j->estimate <= shadow) {
			/* ends by the shadow time */
		} else if (j->procs <= extra) {
			extra -= j->procs;
		} else {
			continue;
		}
		if (sim_start_job(s, site, idx, now) < 0)
			return -1;
		queue_remove_at(q, pos);
	}
out:
	queue_commit(q);
	return 0;
}

/* Profile of a site at now: free procs, and running jobs' estimated ends. */
static int profile_of_site(
	struct profile *p, const struct site_state *st, int64_t now)
{
	size_t k;

	if (profile_reset(p, now, st->free) < 0)
		return -1;
	for (k = 0; k < st->nrun; k++)
		if (profile_release(p, st->run[k].exp_end, st->run[k].procs) <
			0)
			return -1;
	return 0;
}

static int pass_conservative(struct sim *s, size_t site, int64_t now)
{
	struct site_state *st = &s->sites[site];
	struct wait_queue *q = &st->queue;
	size_t pos, probe = 0;
	int64_t free_now, probe_free = -1;
	int rc = 0;

	if (!queue_count(q) || st->free == 0)
		return 0;
	if (profile_of_site(&s->prof, st, now) < 0)
		return -1;
	for (pos = 0; (free_now = profile_free_now(&s->prof)) > 0; pos++) {
		uint32_t idx;
		const struct swf_job *j;
		int64_t at;

		/*
		 * Stop once no later job is narrow enough to start now: the
		 * reservations left to make could only lie in the future.
		 * free_now never grows, so the probe only moves forward.
		 */
		if (probe < pos || free_now != probe_free) {
			if (probe < pos)
				probe = pos;
			if (queue_next(q, &probe, free_now) == QUEUE_NONE)
				break;
			probe_free = free_now;
		}
		idx = queue_next(q, &pos, INT64_MAX);
		if (idx == QUEUE_NONE)
			break;
		j = &s->w->jobs[idx];
		at = profile_earliest(&s->prof, j->procs, j->estimate);
		if (profile_reserve(&s->prof, at, j->estimate, j->procs) < 0) {
			rc = -1;
			break;
		}
		if (at == now) {
			if (sim_start_job(s, site, idx, now) < 0) {
				rc = -1;
				break;
			}
			queue_remove_at(q, pos);
		}
	}
	queue_commit(q);
	return rc;
}

struct rescore {
	const struct sim *s;
	int64_t now;
};

static double rescore_job(void *arg, uint32_t idx)
{
	const struct rescore *r = arg;

	return sim_job_score(r->s, idx, r->now);
}

int backfill_pass(struct sim *s, size_t site, int64_t now)
{
	struct site_state *st = &s->sites[site];

	if (s->dynamic) {
		struct rescore r = {.s = s, .now = now};

		queue_resort(&st->queue, rescore_job, &r);
	}
	switch (s->cfg->backfill) {
	case BACKFILL_CONSERVATIVE:
		return pass_conservative(s, site, now);
	case BACKFILL_EASY:
		return pass_easy(s, site, now, true);
	case BACKFILL_NONE:
		break;
	}
	return pass_easy(s, site, now, false);
}

int64_t backfill_expected_start(
	struct sim *s, size_t site, uint32_t idx, int64_t now)
{
	const struct site_state *st = &s->sites[site];
	const struct swf_job *j;
	size_t pos;
	uint32_t q;

	if (profile_of_site(&s->prof, st, now) < 0)
		return -1;
	for (pos = 0;
		(q = queue_next(&st->queue, &pos, INT64_MAX)) != QUEUE_NONE;
		pos++) {
		int64_t at;

		j = &s->w->jobs[q];
		at = profile_earliest(&s->prof, j->procs, j->estimate);
		if (profile_reserve(&s->prof, at, j->estimate, j->procs) < 0)
			return -1;
	}
	j = &s->w->jobs[idx];
	return profile_earliest(&s->prof, j->procs, j->estimate);
}
