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

#include "backfill.h"

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

struct due {
	int64_t t;
	uint32_t idx;
};

#define HEAP_NONE UINT32_MAX /* a job with no entry in the heap */

struct backfill_plan {
	struct profile prof;
	int64_t *hint;
	uint32_t *heap_pos; /* its one entry's place in heap, or HEAP_NONE */
	uint8_t *flags;
	uint32_t *pref;
	size_t plen, pcap;
	size_t nvalid;	  /* queued validated jobs */
	int64_t t_change; /* INT64_MAX: every hint is as computed */
	bool reordered;	  /* a dynamic queue changed order */
	struct due *heap; /* validated reservations by start */
	size_t nheap, heapcap;
	struct due *list; /* scratch: the ones due now */
	size_t nlist, listcap;
};

static void plan_free(struct backfill_plan *p)
{
	if (!p)
		return;
	profile_free(&p->prof);
	free(p->hint);
	free(p->heap_pos);
	free(p->flags);
	free(p->pref);
	free(p->heap);
	free(p->list);
	free(p);
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

/* ---- the plan's bookkeeping ---- */

static bool plan_grow(void **a, size_t *cap, size_t n, size_t size)
{
	void *grown;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 64;
	grown = realloc(*a, c * size);
	if (!grown) {
		errno = ENOMEM;
		return false;
	}
	*a = grown;
	*cap = c;
	return true;
}

static bool due_less(const struct due *a, const struct due *b)
{
	return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

static void heap_place(struct backfill_plan *p, size_t i, struct due d)
{
	p->heap[i] = d;
	p->heap_pos[d.idx] = (uint32_t)i;
}

static void heap_sift_up(struct backfill_plan *p, size_t i)
{
	struct due d = p->heap[i];

	while (i > 0 && due_less(&d, &p->heap[(i - 1) / 2])) {
		heap_place(p, i, p->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_place(p, i, d);
}

static void heap_sift_down(struct backfill_plan *p, size_t i)
{
	struct due d = p->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= p->nheap)
			break;
		if (l + 1 < p->nheap && due_less(&p->heap[l + 1], &p->heap[l]))
			m = l + 1;
		if (!due_less(&p->heap[m], &d))
			break;
		heap_place(p, i, p->heap[m]);
		i = m;
	}
	heap_place(p, i, d);
}

static struct due heap_pop(struct backfill_plan *p)
{
	struct due top = p->heap[0];

	p->heap_pos[top.idx] = HEAP_NONE;
	if (--p->nheap) {
		p->heap[0] = p->heap[p->nheap];
		heap_sift_down(p, 0);
	}
	return top;
}

/*
 * Job idx is reserved to start at at: the pass at or after at starts it
 * from the heap. A job has one entry, moved when its reservation moves
 * (not one more per move: under SPF most reservations move many times
 * before they fall due). 0, or -1 (ENOMEM).
 */
static int plan_queue_start(struct backfill_plan *p, uint32_t idx, int64_t at)
{
	uint32_t i = p->heap_pos[idx];
	int64_t old;

	if (i == HEAP_NONE) {
		if (!plan_grow((void **)&p->heap, &p->heapcap, p->nheap,
			    sizeof(*p->heap)))
			return -1;
		p->heap[p->nheap] = (struct due){at, idx};
		heap_sift_up(p, p->nheap++);
		return 0;
	}
	old = p->heap[i].t;
	p->heap[i].t = at;
	if (at < old)
		heap_sift_up(p, i);
	else if (at > old)
		heap_sift_down(p, i);
	return 0;
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
		!plan_grow((void **)&p->pref, &p->pcap, p->plen,
			sizeof(*p->pref)) ||
		((queue_now || at > now) && plan_queue_start(p, idx, at) < 0))
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

/* Profile of a site at now: free procs, and running jobs' estimated ends. */
static int profile_of_site(
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

	if (profile_of_site(&p->prof, s, profile_now(&p->prof)) < 0)
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
	p->heap_pos = malloc(n * sizeof(*p->heap_pos));
	p->flags = calloc(n, sizeof(*p->flags));
	if (!p->hint || !p->heap_pos || !p->flags ||
		profile_of_site(&p->prof, s, now) < 0)
		goto nomem;
	memset(p->heap_pos, 0xff, n * sizeof(*p->heap_pos)); /* HEAP_NONE */
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

/* ---- the wait queue ---- */

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

int backfill_enqueue(
	struct backfill_site *s, const struct queue_entry *e, int64_t now)
{
	struct backfill_plan *p = s->plan;

	if (queue_insert(&s->queue, e) < 0)
		return -1;
	if (!p)
		return 0;
	p->flags[e->idx] = PLAN_QUEUED;
	if (s->queue.ranks) {
		size_t lo = plan_position(p, s->queue.ranks->rank_of, e->idx);
		int rc = lo < p->plen ? plan_insert_ahead(s, e->idx, lo, now)
				      : 0;

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

void backfill_set_time(struct backfill_site *s, int64_t now)
{
	queue_set_time(&s->queue, now);
}

/* The queue was re-ordered: keep the plan's prefix that still holds. */
static void plan_follow_order(struct backfill_site *s)
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

	if (!plan_grow((void **)&s->run, &s->runcap, s->nrun, sizeof(e)))
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
	struct backfill_plan *p = s->plan;
	size_t lo = run_lower_bound(s, exp_end, idx);

	s->free += procs;
	if (lo < s->nrun && s->run[lo].idx == idx) {
		memmove(&s->run[lo], &s->run[lo + 1],
			(s->nrun - lo - 1) * sizeof(s->run[0]));
		s->nrun--;
	}
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

	if (!plan_grow(
		    (void **)&out->idx, &out->cap, out->n, sizeof(*out->idx)) ||
		run_insert(s, now + j->estimate, j->procs, idx) < 0)
		return -1;
	out->idx[out->n++] = idx;
	s->free -= j->procs;
	if (queue_remove_at(&s->queue, pos) < 0)
		return -1;
	if (s->plan) {
		if (s->plan->flags[idx] & PLAN_VALIDATED)
			s->plan->nvalid--;
		s->plan->flags[idx] = 0;
	}
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

	return profile_room_now(&s->plan->prof, j->procs, j->estimate);
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
			limit = profile_free_for(prof, least);
		}
		idx = queue_next(&s->queue, probe, limit);
		if (idx == QUEUE_NONE || could_start_now(s, idx))
			return idx;
	}
}

static int pass_conservative(
	struct backfill_site *s, int64_t now, struct backfill_starts *out)
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
	while (p->nheap && p->heap[0].t <= now) {
		struct due d = heap_pop(p);

		if (!plan_holds(p, d.idx) || p->hint[d.idx] != d.t)
			continue;
#ifdef BACKFILL_CHECK
		if (d.t < now) /* a reservation left in the past */
			abort();
#endif
		if (!plan_grow((void **)&p->list, &p->listcap, p->nlist,
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
		 * The probe's job started, or can no longer start now (at
		 * pos, it is reserved next whatever the answer).
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
#include <stdio.h>
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
	if (profile_of_site(&f, s, now) < 0)
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
#ifdef BACKFILL_CHECK
	{
		int rc = pass_conservative(s, now, out);

		plan_check(s, now);
		return rc;
	}
#else
		return pass_conservative(s, now, out);
#endif
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
	struct backfill_plan *p = s->plan;
	struct profile *prof = &s->prof;
	const struct swf_job *j;
	size_t pos;
	uint32_t q;

	if (s->queue.kin) {
		errno = EINVAL;
		return -1;
	}
	if (p) {
		/* Conservative: validate the whole queue, then look. */
		profile_advance(&p->prof, now);
		if (p->reordered && now < p->t_change)
			p->t_change = now;
		p->reordered = false;
		for (pos = plan_walk_start(s);
			(q = queue_next(&s->queue, &pos, INT64_MAX)) !=
			QUEUE_NONE;
			pos++) {
			int64_t at;

			/*
			 * One that may start now (queued at this instant,
			 * before the pass): the pass starts it from the heap,
			 * as it starts a reservation that fell due.
			 */
			if (plan_reserve(p, s->jobs, q, now, &at) < 0 ||
				(at == now && plan_queue_start(p, q, at) < 0)) {
				plan_free(s->plan);
				s->plan = NULL;
				return -1;
			}
		}
		p->t_change = INT64_MAX;
		prof = &p->prof;
	} else {
		if (profile_of_site(prof, s, now) < 0)
			return -1;
		for (pos = 0; (q = queue_next(&s->queue, &pos, INT64_MAX)) !=
			      QUEUE_NONE;
			pos++) {
			int64_t at;

			j = &s->jobs[q];
			at = profile_earliest(prof, j->procs, j->estimate);
			if (profile_reserve(prof, at, j->estimate, j->procs) <
				0)
				return -1;
		}
	}
	j = &s->jobs[idx];
	*start = profile_earliest(prof, j->procs, j->estimate);
	return 0;
}
