/*
 * backfill.c: a site's running set and wait queue, and its scheduling
 * passes (none, EASY, conservative) returning the jobs they start.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "backfill.h"
#include "plan.h"

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

/* An empty site, its queue not yet made. */
static void site_empty(struct backfill_site *s, int64_t procs,
	const struct swf_job *jobs, size_t njobs)
{
	memset(s, 0, sizeof(*s));
	s->procs = s->free = procs;
	s->jobs = jobs;
	s->njobs = njobs;
}

int backfill_site_init(struct backfill_site *s, int64_t procs,
	const struct queue_ranks *ranks, const struct swf_job *jobs,
	size_t njobs)
{
	site_empty(s, procs, jobs, njobs);
	if (!ranks) {
		queue_init_dynamic(&s->queue);
		return 0;
	}
	return queue_init_static(&s->queue, ranks);
}

int backfill_site_init_kinetic(struct backfill_site *s, int64_t procs,
	int (*linear_of)(void *arg, uint32_t idx, struct policy_linear *lin),
	void *arg, const struct swf_job *jobs, size_t njobs)
{
	site_empty(s, procs, jobs, njobs);
	return queue_init_kinetic(&s->queue, linear_of, arg);
}

void backfill_site_free(struct backfill_site *s)
{
	if (!s)
		return;
	queue_free(&s->queue);
	free(s->run);
	profile_free(&s->prof);
	plan_free(s->plan);
	memset(s, 0, sizeof(*s));
}

/* ---- the wait queue ---- */

int backfill_enqueue(
	struct backfill_site *s, const struct queue_entry *e, int64_t now)
{
	if (queue_insert(&s->queue, e) < 0)
		return -1;
	return plan_enqueue(s, e->idx, now);
}

void backfill_set_time(struct backfill_site *s, int64_t now)
{
	queue_set_time(&s->queue, now);
}

void backfill_rescore(struct backfill_site *s,
	double (*score)(void *arg, uint32_t idx), void *arg)
{
	queue_resort(&s->queue, score, arg);
	plan_follow_order(s);
}

void backfill_rescore_linear(
	struct backfill_site *s, const struct policy_linear *lin, int64_t now)
{
	queue_resort_linear(&s->queue, lin, now);
	plan_follow_order(s);
}

/* ---- the running set, sorted by (exp_end, idx) ---- */

/* First position in the running set not before (exp_end, idx). */
static size_t run_lower_bound(
	const struct backfill_site *s, int64_t exp_end, uint32_t idx)
{
	size_t lo = 0, hi = s->nrun;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->run[mid].exp_end < exp_end ||
			(s->run[mid].exp_end == exp_end &&
				s->run[mid].idx < idx))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int run_insert(
	struct backfill_site *s, int64_t exp_end, int32_t procs, uint32_t idx)
{
	struct backfill_run e = {
		.exp_end = exp_end, .procs = procs, .idx = idx};
	size_t lo;

	if (!array_grow((void **)&s->run, &s->runcap, s->nrun, sizeof(e)))
		return -1;
	lo = run_lower_bound(s, exp_end, idx);
	memmove(&s->run[lo + 1], &s->run[lo], (s->nrun - lo) * sizeof(e));
	s->run[lo] = e;
	s->nrun++;
	return 0;
}

void backfill_job_end(struct backfill_site *s, uint32_t idx, int32_t procs,
	int64_t exp_end, int64_t now)
{
	size_t lo = run_lower_bound(s, exp_end, idx);

	s->free += procs;
	if (lo < s->nrun && s->run[lo].idx == idx) {
		memmove(&s->run[lo], &s->run[lo + 1],
			(s->nrun - lo - 1) * sizeof(s->run[0]));
		s->nrun--;
	}
	plan_job_end(s, procs, exp_end, now);
}

/* ---- starting jobs ---- */

void backfill_starts_free(struct backfill_starts *st)
{
	if (!st)
		return;
	free(st->idx);
	memset(st, 0, sizeof(*st));
}

/* Start the queued job idx at queue position pos now. 0 or -1 (ENOMEM). */
static int start_job(struct backfill_site *s, uint32_t idx, size_t pos,
	int64_t now, struct backfill_starts *out)
{
	const struct swf_job *j = &s->jobs[idx];

	if (!array_grow(
		    (void **)&out->idx, &out->cap, out->n, sizeof(*out->idx)) ||
		run_insert(s, now + j->estimate, j->procs, idx) < 0)
		return -1;
	out->idx[out->n++] = idx;
	s->free -= j->procs;
	if (queue_remove_at(&s->queue, pos) < 0)
		return -1;
	plan_started(s->plan, idx);
	return 0;
}

/* ---- passes ---- */

static int pass_easy(struct backfill_site *s, int64_t now, bool backfill,
	struct backfill_starts *out)
{
	struct wait_queue *q = &s->queue;
	const int64_t *least = q->ranks ? q->ranks->least : NULL;
	const struct swf_job *j;
	int64_t shadow = 0, avail, extra;
	size_t pos = 0, k;
	uint32_t idx;
	int rc = -1;

	if (s->free == 0)
		return 0; /* nothing fits */
	/* Start jobs from the head while they fit. */
	while ((idx = queue_first_if_fits(q, &pos, s->free)) != QUEUE_NONE)
		if (start_job(s, idx, pos, now, out) < 0)
			goto out;
	/* pos: the head that did not fit, or the last job started */
	if (!backfill || s->free == 0 ||
		(idx = queue_at(q, pos)) == QUEUE_NONE)
		goto done;

	/* Shadow time and extra processors of the head job. */
	j = &s->jobs[idx];
	avail = s->free;
	for (k = 0; k < s->nrun; k++) {
		avail += s->run[k].procs;
		if (avail >= j->procs) {
			shadow = s->run[k].exp_end;
			while (k + 1 < s->nrun &&
				s->run[k + 1].exp_end == shadow)
				avail += s->run[++k].procs;
			break;
		}
	}
	extra = avail - j->procs;

	/* Later jobs that fit now, in queue order. */
	for (pos++; s->free > 0; pos++) {
		int64_t limit = s->free;

		/*
		 * When no job from pos on ends by the shadow time, only the
		 * extra processors are left to them: the queue's tree looks
		 * for those that narrow (under SPF, from the first job that
		 * does not end by then on).
		 */
		if (least && extra < limit &&
			least[pos < q->ranks->n ? pos : q->ranks->n] >
				shadow - now)
			limit = extra;
		idx = queue_next(q, &pos, limit);
		if (idx == QUEUE_NONE)
			break;
		j = &s->jobs[idx];
		if (now + j->estimate <= shadow) {
			/* ends by the shadow time */
		} else if (j->procs <= extra) {
			extra -= j->procs;
		} else {
			continue;
		}
		if (start_job(s, idx, pos, now, out) < 0)
			goto out;
	}
done:
	rc = 0;
out:
	queue_commit(q);
	return rc;
}

int backfill_pass(struct backfill_site *s, enum backfill_kind kind, int64_t now,
	struct backfill_starts *out)
{
	out->n = 0;
	if (s->queue.kin && kind != BACKFILL_NONE) {
		errno = EINVAL;
		return -1;
	}
	switch (kind) {
	case BACKFILL_CONSERVATIVE:
		return plan_pass(s, now, out, start_job);
	case BACKFILL_EASY:
		return pass_easy(s, now, true, out);
	case BACKFILL_NONE:
		break;
	}
	return pass_easy(s, now, false, out);
}

int backfill_expected_start(
	struct backfill_site *s, uint32_t idx, int64_t now, int64_t *start)
{
	const struct profile *plan;
	const struct swf_job *j;

	if (s->queue.kin) {
		errno = EINVAL;
		return -1;
	}
	if (s->plan) {
		/* Conservative: validate the whole queue, then look. */
		if (plan_expected_start(s, now) < 0)
			return -1;
		plan = plan_profile(s->plan);
	} else {
		size_t pos = 0;
		uint32_t q;

		if (plan_site_profile(&s->prof, s, now) < 0)
			return -1;
		for (; (q = queue_next(&s->queue, &pos, INT64_MAX)) !=
			QUEUE_NONE;
			pos++) {
			int64_t at;

			j = &s->jobs[q];
			at = profile_earliest(&s->prof, j->procs, j->estimate);
			if (profile_reserve(&s->prof, at, j->estimate,
				    j->procs) < 0)
				return -1;
		}
		plan = &s->prof;
	}
	j = &s->jobs[idx];
	*start = profile_earliest(plan, j->procs, j->estimate);
	return 0;
}
