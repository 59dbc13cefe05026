/*
 * plan.c: conservative backfilling's reservations, kept between passes and
 * made again only behind what changed (see plan.h and backfill_pass).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef BACKFILL_CHECK /* make CPPFLAGS=-DBACKFILL_CHECK: each plan checked */
#include <stdio.h>
#endif

#include "array.h"
#include "plan.h"

/*
 * Conservative reservations kept between passes. The validated jobs,
 * pref[0..plen) in queue order (with some that have started since, skipped),
 * are a prefix of the queue; their reservations are in prof with the
 * running jobs, exactly as a recomputation from scratch would make them.
 * Every other job may hold a hint: the reservation last computed for it,
 * still right if it lies after now and ends by t_change, the earliest time
 * at which the profile before it may have changed since.
 */
enum {
	PLAN_QUEUED = 1,    /* in the queue */
	PLAN_VALIDATED = 2, /* in pref, reserved in prof */
	PLAN_HINTED = 4,    /* hint[idx] holds a reservation */
};

struct backfill_plan {
	struct profile prof;
	int64_t *hint;
	uint8_t *flags;
	uint32_t *pref;
	size_t plen, pcap;
	size_t nvalid;	  /* queued validated jobs */
	int64_t t_change; /* INT64_MAX: every hint is as computed */
	bool reordered;	  /* a dynamic queue changed order */
	struct due_heap starts; /* validated reservations by start */
	struct due *list; /* scratch: the ones due now */
	size_t nlist, listcap;
};

void plan_free(struct backfill_plan *p)
{
	if (!p)
		return;
	profile_free(&p->prof);
	free(p->hint);
	free(p->flags);
	free(p->pref);
	due_heap_free(&p->starts);
	free(p->list);
	free(p);
}

/*
 * Job idx takes [at, at + estimate) in the profile and place pos of pref,
 * validated. Its start is queued if after now, or if queue_now (a pass
 * starts a job due now itself, unless it joined between passes). 0, or -1
 * (ENOMEM).
 */
static int plan_take(struct backfill_plan *p, const struct swf_job *j,
	uint32_t idx, int64_t at, size_t pos, bool queue_now, int64_t now)
{
	if (profile_add(&p->prof, at, at + j->estimate, -j->procs) < 0 ||
		!array_grow((void **)&p->pref, &p->pcap, p->plen,
			sizeof(*p->pref)) ||
		((queue_now || at > now) &&
			due_heap_set(&p->starts, idx, at) < 0))
		return -1;
	memmove(&p->pref[pos + 1], &p->pref[pos],
		(p->plen - pos) * sizeof(*p->pref));
	p->pref[pos] = idx;
	p->plen++;
	p->hint[idx] = at;
	p->flags[idx] |= PLAN_VALIDATED | PLAN_HINTED;
	p->nvalid++;
	return 0;
}

/* Drop the started jobs from pref. */
static void plan_compact(struct backfill_plan *p)
{
	size_t o = 0;

	for (size_t i = 0; i < p->plen; i++)
		if (p->flags[p->pref[i]] & PLAN_QUEUED)
			p->pref[o++] = p->pref[i];
	p->plen = o;
}

int plan_site_profile(
	struct profile *p, const struct backfill_site *s, int64_t now)
{
	size_t k;

	if (profile_reset(p, now, s->free) < 0)
		return -1;
	for (k = 0; k < s->nrun; k++)
		if (profile_release(p, s->run[k].exp_end, s->run[k].procs) < 0)
			return -1;
	return 0;
}

static bool plan_holds(const struct backfill_plan *p, uint32_t idx)
{
	return (p->flags[idx] & (PLAN_QUEUED | PLAN_VALIDATED)) ==
	       (PLAN_QUEUED | PLAN_VALIDATED);
}

/*
 * The plan's profile made again from the site's running jobs and the
 * validated reservations left in pref. From the profile's start on, it is
 * the profile the reservations given back one by one would leave. 0, or
 * -1 (ENOMEM).
 */
static int plan_remake_profile(struct backfill_site *s)
{
	struct backfill_plan *p = s->plan;

	if (plan_site_profile(&p->prof, s, profile_now(&p->prof)) < 0)
		return -1;
	for (size_t i = 0; i < p->plen; i++) {
		uint32_t k = p->pref[i];

		if (plan_holds(p, k) &&
			profile_add(&p->prof, p->hint[k],
				p->hint[k] + s->jobs[k].estimate,
				-s->jobs[k].procs) < 0)
			return -1;
	}
	return 0;
}

/*
 * Give back the reservations of pref[cut..plen): those jobs are no longer
 * validated, their reservations become hints. When fewer reservations stay
 * than go (an early end gives back all of them; under SPF a short job
 * joins near the head), the profile is made again from the running jobs
 * and those that stay instead. 0, or -1 (ENOMEM).
 */
static int plan_truncate(struct backfill_site *s, size_t cut)
{
	struct backfill_plan *p = s->plan;
	size_t going = 0;
	bool remake;

	for (size_t i = cut; i < p->plen; i++)
		going += plan_holds(p, p->pref[i]);
	/* a running job's end is cheaper to add than a reservation */
	remake = p->nvalid - going + s->nrun / 8 < going;
	for (size_t i = cut; i < p->plen; i++) {
		uint32_t idx = p->pref[i];
		const struct swf_job *j = &s->jobs[idx];

		if (!plan_holds(p, idx))
			continue;
		if (!remake && profile_add(&p->prof, p->hint[idx],
				       p->hint[idx] + j->estimate,
				       j->procs) < 0)
			return -1;
		p->flags[idx] &= (uint8_t)~PLAN_VALIDATED;
		p->nvalid--;
	}
	if (cut < p->plen)
		p->plen = cut;
	return remake ? plan_remake_profile(s) : 0;
}

/* The site's plan, made on the first conservative pass. NULL on ENOMEM. */
static struct backfill_plan *plan_of(struct backfill_site *s, int64_t now)
{
	struct backfill_plan *p = s->plan;
	size_t pos = 0, n = s->njobs ? s->njobs : 1;
	uint32_t idx;

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->hint = calloc(n, sizeof(*p->hint));
	p->flags = calloc(n, sizeof(*p->flags));
	if (!p->hint || !p->flags || due_heap_init(&p->starts, n) < 0 ||
		plan_site_profile(&p->prof, s, now) < 0)
		goto nomem;
	p->t_change = INT64_MAX;
	for (; (idx = queue_next(&s->queue, &pos, INT64_MAX)) != QUEUE_NONE;
		pos++)
		p->flags[idx] = PLAN_QUEUED;
	s->plan = p;
	return p;
nomem:
	plan_free(p);
	errno = ENOMEM;
	return NULL;
}

/* ---- the site's changes ---- */

/*
 * Job idx joins a static queue ahead of the validated reservations
 * pref[lo..plen), at now. Let at be its earliest fit in the whole plan. If
 * none of those reservations starts before at, at is also its earliest fit
 * in the plan without them: before at the two plans agree, and from at on
 * the job fits in the whole plan. And taking [at, at + estimate) leaves
 * each of theirs feasible (the whole plan had room for the job) and, with
 * less room before it, still the earliest. So the job is reserved in
 * place, instead of all of theirs being given back to be made again (under
 * SPF a short job overtakes most of the queue, and usually fits now). 1
 * when done, 0 when not applicable, -1 (ENOMEM).
 */
static int plan_insert_ahead(
	struct backfill_site *s, uint32_t idx, size_t lo, int64_t now)
{
	struct backfill_plan *p = s->plan;
	const struct swf_job *j = &s->jobs[idx];
	int64_t at;

	profile_advance(&p->prof, now);
	at = profile_earliest(&p->prof, j->procs, j->estimate);
	for (size_t i = lo; i < p->plen; i++) {
		uint32_t k = p->pref[i];

		if (plan_holds(p, k) && p->hint[k] < at)
			return 0;
	}
	/* due at or after now: the next pass starts it from the heap */
	return plan_take(p, j, idx, at, lo, true, now) < 0 ? -1 : 1;
}

/* Where job idx goes in pref, in queue order (static queues). */
static size_t plan_position(
	const struct backfill_plan *p, const uint32_t *rank, uint32_t idx)
{
	size_t lo = 0, hi = p->plen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rank[p->pref[mid]] < rank[idx])
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int plan_enqueue(struct backfill_site *s, uint32_t idx, int64_t now)
{
	struct backfill_plan *p = s->plan;

	if (!p)
		return 0;
	p->flags[idx] = PLAN_QUEUED;
	if (s->queue.ranks) {
		size_t lo = plan_position(p, s->queue.ranks->rank_of, idx);
		int rc = lo < p->plen ? plan_insert_ahead(s, idx, lo, now) : 0;

		if (rc < 0) {
			/* half made: the next pass makes a new plan */
			plan_free(s->plan);
			s->plan = NULL;
			return -1;
		}
		/* Else behind it, the reservations must be made again. */
		return rc ? 0 : plan_truncate(s, lo);
	}
	return 0;
}

void plan_follow_order(struct backfill_site *s)
{
	struct backfill_plan *p = s->plan;
	const struct wait_queue *q = &s->queue;
	size_t i = 0, k = 0;

	if (!p)
		return;
	/* The validated prefix holds as far as the order is unchanged. */
	plan_compact(p);
	while (i < p->plen && k < q->len && p->pref[i] == q->a[k].idx) {
		i++;
		k++;
	}
	if (i < p->plen || k < q->len) {
		p->reordered = true;
		/* An error here leaves reservations to give back: rebuild. */
		if (plan_truncate(s, i) < 0) {
			plan_free(s->plan);
			s->plan = NULL;
		}
	}
}

void plan_job_end(
	struct backfill_site *s, int32_t procs, int64_t exp_end, int64_t now)
{
	struct backfill_plan *p = s->plan;

	if (!p || now >= exp_end)
		return;
	/*
	 * Ended before its estimate: its processors are free earlier than
	 * planned, and any reservation may move earlier.
	 */
	profile_advance(&p->prof, now);
	if (profile_add(&p->prof, now, exp_end, procs) < 0 ||
		plan_truncate(s, 0) < 0) {
		plan_free(s->plan);
		s->plan = NULL;
		return;
	}
	p->t_change = now;
}

void plan_started(struct backfill_plan *p, uint32_t idx)
{
	if (!p)
		return;
	if (p->flags[idx] & PLAN_VALIDATED)
		p->nvalid--;
	p->flags[idx] = 0;
}

/* ---- the pass ---- */

/*
 * Reserve job idx in the plan, its previous reservation if it still holds
 * (see struct backfill_plan), else the earliest fit: *start. 0, or -1
 * (ENOMEM). (A start may be negative: jobs known before their submit
 * time, under --max-advance, are planned before the trace's first.)
 */
static int plan_reserve(struct backfill_plan *p, const struct swf_job *jobs,
	uint32_t idx, int64_t now, int64_t *start)
{
	const struct swf_job *j = &jobs[idx];
	int64_t at, old = p->hint[idx];
	bool hinted = p->flags[idx] & PLAN_HINTED;

	if (hinted && old >= now && old <= p->t_change - j->estimate &&
		profile_min(&p->prof, old, old + j->estimate) >= j->procs) {
		at = old;
#ifdef BACKFILL_CHECK
		if (profile_earliest(&p->prof, j->procs, j->estimate) != at)
			abort();
#endif
	} else {
		at = profile_earliest(&p->prof, j->procs, j->estimate);
		/* It left [old, old + estimate): more room there. */
		if (hinted && old != at) {
			int64_t from = old > now ? old : now;

			if (from < p->t_change)
				p->t_change = from;
		}
	}
	*start = at;
	/* one due now is started by the pass that reserves it */
	return plan_take(p, j, idx, at, p->plen, false, now);
}

/* Where the queue's unvalidated part starts. */
static size_t plan_walk_start(const struct backfill_site *s)
{
	const struct backfill_plan *p = s->plan;

	if (!s->queue.ranks)
		return p->nvalid; /* the array, compacted */
	for (size_t i = p->plen; i-- > 0;)
		if (p->flags[p->pref[i]] & PLAN_QUEUED)
			return s->queue.ranks->rank_of[p->pref[i]] + 1;
	return 0;
}

static int cmp_due_rank(const void *a, const void *b, const uint32_t *rank)
{
	uint32_t x = rank[((const struct due *)a)->idx];
	uint32_t y = rank[((const struct due *)b)->idx];

	return x < y ? -1 : x > y;
}

/* Sort the due jobs by queue position (insertion sort: they are few). */
static void sort_due(struct backfill_site *s)
{
	struct backfill_plan *p = s->plan;
	const uint32_t *rank = s->queue.ranks ? s->queue.ranks->rank_of : NULL;

	if (!rank) {
		/* dynamic: positions in the array, as hints in t */
		for (size_t k = 0; k < s->queue.len; k++)
			if (s->queue.a[k].idx != QUEUE_NONE &&
				(p->flags[s->queue.a[k].idx] & PLAN_VALIDATED))
				for (size_t i = 0; i < p->nlist; i++)
					if (p->list[i].idx == s->queue.a[k].idx)
						p->list[i].t = (int64_t)k;
	}
	for (size_t i = 1; i < p->nlist; i++) {
		struct due x = p->list[i];
		size_t j = i;

		while (j > 0 &&
			(rank ? cmp_due_rank(&x, &p->list[j - 1], rank) < 0
			      : x.t < p->list[j - 1].t)) {
			p->list[j] = p->list[j - 1];
			j--;
		}
		p->list[j] = x;
	}
}

/*
 * True if job idx could start now in the plan made so far: narrow enough
 * for the processors free now, and for those free over its whole
 * estimate. The walk only adds reservations, so a job that fails this
 * cannot start now in this pass, whatever is reserved before it.
 */
static bool could_start_now(const struct backfill_site *s, uint32_t idx)
{
	const struct swf_job *j = &s->jobs[idx];

	return profile_free_for(&s->plan->prof, j->estimate, j->procs) >=
	       j->procs;
}

/*
 * The first job from *probe on that could start now, its position in
 * *probe; QUEUE_NONE if none. The queue's tree finds those narrow enough
 * for the processors free over the least estimate from *probe on (over
 * now alone for a dynamic queue).
 */
static uint32_t next_could_start(const struct backfill_site *s, size_t *probe)
{
	const struct profile *prof = &s->plan->prof;
	const struct queue_ranks *r = s->queue.ranks;
	int64_t limit = profile_free_now(prof), least = 0;

	for (;; (*probe)++) {
		uint32_t idx;

		/* the least estimate only grows along the ranks */
		if (r && r->least && *probe < r->n &&
			r->least[*probe] != least) {
			least = r->least[*probe];
			limit = profile_free_for(prof, least, 1);
		}
		idx = queue_next(&s->queue, probe, limit);
		if (idx == QUEUE_NONE || could_start_now(s, idx))
			return idx;
	}
}

static int pass_conservative(struct backfill_site *s, int64_t now,
	struct backfill_starts *out, plan_start_fn *start_job)
{
	struct wait_queue *q = &s->queue;
	struct backfill_plan *p = plan_of(s, now);
	uint32_t idx, probe_idx = QUEUE_NONE;
	size_t pos, probe, i;
	int rc = -1;

	if (!p)
		return -1;
	profile_advance(&p->prof, now);
	if (p->reordered) {
		/* a re-ordered queue: no hint can be trusted */
		if (now < p->t_change)
			p->t_change = now;
		p->reordered = false;
	}
	if (!queue_count(q) || s->free == 0)
		return 0;

	/* The validated reservations that start now, in queue order. */
	p->nlist = 0;
	while (due_heap_due(&p->starts, now)) {
		struct due d = due_heap_pop(&p->starts);

		if (!plan_holds(p, d.idx) || p->hint[d.idx] != d.t)
			continue;
#ifdef BACKFILL_CHECK
		if (d.t < now) /* a reservation left in the past */
			abort();
#endif
		if (!array_grow((void **)&p->list, &p->listcap, p->nlist,
			    sizeof(*p->list)))
			goto out;
		p->list[p->nlist++] = d;
	}
	sort_due(s);
	for (i = 0; i < p->nlist; i++) {
		idx = p->list[i].idx;
		pos = q->ranks ? q->ranks->rank_of[idx] : (size_t)p->list[i].t;
		if (start_job(s, idx, pos, now, out) < 0)
			goto out;
	}
	queue_commit(q);

	/*
	 * Then reservations further down the queue, in order, while a later
	 * job could still start now; the rest could only lie in the future.
	 */
	pos = probe = plan_walk_start(s);
	for (; profile_free_now(&p->prof) > 0; pos++) {
		int64_t at;

		/*
		 * The probe's job was reserved (and maybe started), or can
		 * no longer start now (at pos, it is reserved next whatever
		 * the answer).
		 */
		if (probe_idx == QUEUE_NONE || probe < pos ||
			(probe > pos && !could_start_now(s, probe_idx))) {
			if (probe < pos)
				probe = pos;
			probe_idx = next_could_start(s, &probe);
			if (probe_idx == QUEUE_NONE)
				break;
		}
		idx = queue_next(q, &pos, INT64_MAX);
		if (idx == QUEUE_NONE)
			break;
		if (plan_reserve(p, s->jobs, idx, now, &at) < 0 ||
			(at == now && start_job(s, idx, pos, now, out) < 0))
			goto out;
	}
	rc = 0;
out:
	queue_commit(q);
	if (p->nvalid == queue_count(q))
		p->t_change = INT64_MAX; /* no hint left to trust */
	if (p->plen > 2 * p->nvalid + 64)
		plan_compact(p);
	if (rc < 0) {
		plan_free(s->plan);
		s->plan = NULL;
	}
	return rc;
}

#ifdef BACKFILL_CHECK
/* Free procs at t in profile f. */
static int64_t free_at(const struct profile *f, int64_t t)
{
	int64_t v = f->steps[f->head].free;

	for (size_t i = f->head; i < f->n && f->steps[i].t <= t; i++)
		v = f->steps[i].free;
	return v;
}

/* The plan against a recomputation from scratch; aborts on a difference. */
static void plan_check(struct backfill_site *s, int64_t now)
{
	struct backfill_plan *p = s->plan;
	struct profile f = {0};

	if (!p)
		return;
	if (plan_site_profile(&f, s, now) < 0)
		abort();
	for (size_t i = 0; i < p->plen; i++) {
		uint32_t idx = p->pref[i];
		const struct swf_job *j = &s->jobs[idx];
		int64_t at;

		if (!plan_holds(p, idx))
			continue;
		at = profile_earliest(&f, j->procs, j->estimate);
		if (at != p->hint[idx]) {
			fprintf(stderr,
				"plan_check at %lld: job %u reserved at %lld, "
				"fresh %lld\n",
				(long long)now, idx, (long long)p->hint[idx],
				(long long)at);
			abort();
		}
		profile_reserve(&f, at, j->estimate, j->procs);
	}
	for (size_t i = f.head; i < f.n; i++)
		if (free_at(&p->prof, f.steps[i].t) != f.steps[i].free) {
			fprintf(stderr,
				"plan_check at %lld: free at %lld %lld, fresh "
				"%lld\n",
				(long long)now, (long long)f.steps[i].t,
				(long long)free_at(&p->prof, f.steps[i].t),
				(long long)f.steps[i].free);
			abort();
		}
	for (size_t i = p->prof.head; i < p->prof.n; i++)
		if (free_at(&f, p->prof.steps[i].t) != p->prof.steps[i].free) {
			fprintf(stderr,
				"plan_check at %lld: free at %lld %lld, fresh "
				"%lld\n",
				(long long)now, (long long)p->prof.steps[i].t,
				(long long)p->prof.steps[i].free,
				(long long)free_at(&f, p->prof.steps[i].t));
			abort();
		}
	profile_free(&f);
}
#endif

int plan_pass(struct backfill_site *s, int64_t now,
	struct backfill_starts *out, plan_start_fn *start_job)
{
#ifdef BACKFILL_CHECK
	int rc = pass_conservative(s, now, out, start_job);

	plan_check(s, now);
	return rc;
#else
	return pass_conservative(s, now, out, start_job);
#endif
}

int plan_expected_start(struct backfill_site *s, int64_t now)
{
	struct backfill_plan *p = s->plan;
	size_t pos;
	uint32_t q;

	/* Conservative: validate the whole queue. */
	profile_advance(&p->prof, now);
	if (p->reordered && now < p->t_change)
		p->t_change = now;
	p->reordered = false;
	for (pos = plan_walk_start(s);
		(q = queue_next(&s->queue, &pos, INT64_MAX)) != QUEUE_NONE;
		pos++) {
		int64_t at;

		/*
		 * One that may start now (queued at this instant, before the
		 * pass): the pass starts it from the heap, as it starts a
		 * reservation that fell due.
		 */
		if (plan_reserve(p, s->jobs, q, now, &at) < 0 ||
			(at == now && due_heap_set(&p->starts, q, at) < 0)) {
			plan_free(s->plan);
			s->plan = NULL;
			return -1;
		}
	}
	p->t_change = INT64_MAX;
	return 0;
}

const struct profile *plan_profile(const struct backfill_plan *p)
{
	return &p->prof;
}

size_t plan_validated(const struct backfill_plan *p)
{
	return p ? p->nvalid : 0;
}
