/*
 * profile.c: a step function of free processors over time, with splitting
 * at reservation bounds and a linear earliest-fit search.
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
	p->n = 0;
	if (profile_grow(p) < 0)
		return -1;
	p->steps[0].t = now;
	p->steps[0].free = free;
	p->n = 1;
	return 0;
}

/* Index of the step starting at t (t >= steps[0].t), splitting if needed. */
static long profile_split(struct profile *p, int64_t t)
{
	size_t lo = 0, hi = p->n;

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
	if (profile_grow(p) < 0)
		return -1;
	memmove(&p->steps[lo + 1], &p->steps[lo],
		(p->n - lo) * sizeof(p->steps[0]));
	p->steps[lo].t = t;
	p->steps[lo].free = p->steps[lo - 1].free;
	p->n++;
	return (long)lo;
}

int profile_release(struct profile *p, int64_t t, int64_t procs)
{
	long i;
	size_t k;

	if (t < p->steps[0].t)
		t = p->steps[0].t;
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
	size_t i = 0, j;
	int64_t end;

	while (i < p->n) {
		if (p->steps[i].free < procs) {
			i++;
			continue;
		}
		end = p->steps[i].t + duration;
		for (j = i + 1; j < p->n && p->steps[j].t < end; j++)
			if (p->steps[j].free < procs)
				break;
		if (j == p->n || p->steps[j].t >= end)
			return p->steps[i].t;
		i = j + 1;
	}
	/* Unreachable when procs fits the machine: the last step lasts. */
	return p->steps[p->n - 1].t;
}

int profile_reserve(
	struct profile *p, int64_t start, int64_t duration, int64_t procs)
{
	long i, j;
	size_t k;

	i = profile_split(p, start);
	if (i < 0)
		return -1;
	j = profile_split(p, start + duration);
	if (j < 0)
		return -1;
	for (k = (size_t)i; k < (size_t)j; k++)
		p->steps[k].free -= procs;
	return 0;
}

int64_t profile_free_now(const struct profile *p)
{
	return p->n ? p->steps[0].free : 0;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->steps);
	p->steps = NULL;
	p->n = p->cap = 0;
}
