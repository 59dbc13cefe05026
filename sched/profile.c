/*
 * profile.c: a step function of free processors over time, with splitting
 * at reservation bounds, a linear earliest-fit search, and a start that
 * advances with the clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static int profile_grow(struct profile *p)
{
	struct profile_step *grown;
	size_t cap;

	if (p->n < p->cap)
		return 0;
	if (p->head > 0) { /* reuse the dropped past first */
		memmove(p->steps, p->steps + p->head,
			(p->n - p->head) * sizeof(p->steps[0]));
		p->n -= p->head;
		p->head = 0;
		return 0;
	}
	cap = p->cap ? p->cap * 2 : 64;
	grown = realloc(p->steps, cap * sizeof(*grown));
	if (!grown) {
		errno = ENOMEM;
		return -1;
	}
	p->steps = grown;
	p->cap = cap;
	return 0;
}

int profile_reset(struct profile *p, int64_t now, int64_t free)
{
	p->n = p->head = 0;
	if (profile_grow(p) < 0)
		return -1;
	p->steps[0].t = now;
	p->steps[0].free = free;
	p->n = 1;
	return 0;
}

/*
 * A bound at t, with free processors from it, before step lo > head (the
 * steps from lo on move up one). Growing may reuse the dropped past, which
 * moves every step down by the same count: that count (indices the caller
 * holds must lose it), or -1 (ENOMEM: nothing changed).
 */
static inline long insert_step(
	struct profile *p, size_t lo, int64_t t, int64_t free)
{
	size_t head = p->head;

	if (p->n == p->cap && profile_grow(p) < 0)
		return -1;
	lo -= head - p->head;
	memmove(&p->steps[lo + 1], &p->steps[lo],
		(p->n - lo) * sizeof(p->steps[0]));
	p->steps[lo].t = t;
	p->steps[lo].free = free;
	p->n++;
	return (long)(head - p->head);
}

/* Index of the step starting at t (t >= the start), splitting if needed. */
static long profile_split(struct profile *p, int64_t t)
{
	size_t lo = p->head, hi = p->n;
	long shift;

	if (p->steps[p->n - 1].t < t) {
		lo = p->n;
	} else {
		while (lo < hi) { /* first step with t' >= t */
			size_t mid = lo + (hi - lo) / 2;

			if (p->steps[mid].t < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (p->steps[lo].t == t)
			return (long)lo;
	}
	shift = insert_step(p, lo, t, p->steps[lo - 1].free);
	return shift < 0 ? -1 : (long)(lo - (size_t)shift);
}

/* Remove the bound at step i > head: step i - 1 extends over it. */
static void merge_step(struct profile *p, size_t i)
{
	memmove(&p->steps[i], &p->steps[i + 1],
		(p->n - i - 1) * sizeof(p->steps[0]));
	p->n--;
}

int profile_release(struct profile *p, int64_t t, int64_t procs)
{
	long i;
	size_t k;

	if (t < p->steps[p->head].t)
		t = p->steps[p->head].t;
	i = profile_split(p, t);
	if (i < 0)
		return -1;
	for (k = (size_t)i; k < p->n; k++)
		p->steps[k].free += procs;
	return 0;
}

int64_t profile_earliest(
	const struct profile *p, int64_t procs, int64_t duration)
{
	const struct profile_step *step = p->steps;
	const struct profile_step *last = &step[p->n - 1];
	size_t i = p->head, j;

	/* Unreachable when procs fits the machine: the last step lasts. */
	if (last->free < procs)
		return last->t;
	/*
	 * The last step has room and no step starts after it, so neither
	 * loop needs a bound on the index: the first stops at the last step
	 * at the latest, the second at the first step starting at or after
	 * the run's end, or at the last step, whose room lasts.
	 */
	for (;; i = j + 1) {
		int64_t end;

		while (step[i].free < procs)
			i++;
		end = step[i].t + duration;
		if (end > last->t)
			end = last->t;
		if (step[i].t >= end)
			return step[i].t;
		for (j = i + 1; step[j].t < end && step[j].free >= procs; j++)
			;
		if (step[j].t >= end)
			return step[i].t;
	}
}

int64_t profile_free_for(
	const struct profile *p, int64_t duration, int64_t enough)
{
	const struct profile_step *step = p->steps;
	int64_t now = step[p->head].t, m = step[p->head].free;

	for (size_t i = p->head + 1;
		m >= enough && i < p->n && step[i].t - now < duration; i++)
		if (step[i].free < m)
			m = step[i].free;
	return m;
}

/*
 * Add delta over [t0, t1), t0 < t1; i and j: the steps starting at t0 and
 * t1. One search, for t0: the walk that adds delta finds t1's place.
 */
static int add_range(struct profile *p, int64_t t0, int64_t t1, int64_t delta,
	long *i, long *j)
{
	size_t k;

	if ((*i = profile_split(p, t0)) < 0)
		return -1;
	for (k = (size_t)*i; k < p->n && p->steps[k].t < t1; k++)
		p->steps[k].free += delta;
	if (k == p->n || p->steps[k].t != t1) {
		/* t1 inside step k - 1: a bound there, with the old value */
		long shift = insert_step(p, k, t1, p->steps[k - 1].free - delta);

		if (shift < 0) {
			/* undone: the profile is as it was */
			while (k-- > (size_t)*i)
				p->steps[k].free -= delta;
			return -1;
		}
		k -= (size_t)shift;
		*i -= shift;
	}
	*j = (long)k;
	return 0;
}

int profile_add(struct profile *p, int64_t t0, int64_t t1, int64_t delta)
{
	long i, j;

	if (t1 <= t0)
		return 0;
	if (add_range(p, t0, t1, delta, &i, &j) < 0)
		return -1;
	/* Drop the bounds that no longer separate different values. */
	if ((size_t)j < p->n && p->steps[j].free == p->steps[j - 1].free)
		merge_step(p, (size_t)j);
	if ((size_t)i > p->head && p->steps[i].free == p->steps[i - 1].free)
		merge_step(p, (size_t)i);
	return 0;
}

int64_t profile_min(const struct profile *p, int64_t t0, int64_t t1)
{
	size_t lo = p->head, hi = p->n;
	int64_t m;

	while (lo < hi) { /* the last step starting at or before t0 */
		size_t mid = lo + (hi - lo) / 2;

		if (p->steps[mid].t <= t0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > p->head)
		lo--;
	m = p->steps[lo].free;
	for (lo++; lo < p->n && p->steps[lo].t < t1; lo++)
		if (p->steps[lo].free < m)
			m = p->steps[lo].free;
	return m;
}

int profile_reserve(
	struct profile *p, int64_t start, int64_t duration, int64_t procs)
{
	long i, j;

	if (duration <= 0)
		return 0;
	return add_range(p, start, start + duration, -procs, &i, &j);
}

void profile_advance(struct profile *p, int64_t now)
{
	size_t i = p->head;

	while (i + 1 < p->n && p->steps[i + 1].t <= now)
		i++;
	if (p->steps[i].t < now)
		p->steps[i].t = now;
	p->head = i;
}

int64_t profile_now(const struct profile *p)
{
	return p->steps[p->head].t;
}

int64_t profile_free_now(const struct profile *p)
{
	return p->n ? p->steps[p->head].free : 0;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->steps);
	p->steps = NULL;
	p->n = p->cap = p->head = 0;
}
