/*
 * queue_internal.h: what queue.c and queue_linear.c share: a dynamic
 * queue's sort, and the certificate of two neighbours of the kinetic
 * sorted array (queue_commit certifies the neighbours a removal makes).
 * Not for the queue's callers.
 */
#ifndef SCHED_QUEUE_INTERNAL_H
#define SCHED_QUEUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kinetic.h"
#include "policy.h"
#include "queue.h"

/*
 * Sort a[0..n) by queue_entry_cmp: by insertion while that takes few moves,
 * else qsort.
 */
void queue_sort_entries(struct queue_entry *a, size_t n);

static inline int64_t queue_sooner(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* e's line at now; it orders e only once e has waited (submit <= now). */
static inline double queue_line_at(const struct policy_linear *lin,
	const struct queue_entry *e, int64_t now)
{
	const struct policy_linear *l = &lin[e->idx];

	return l->rate * (double)(now - e->submit) + l->offset;
}

/*
 * The second from which y, behind x at now, may run before it. Lines hold
 * only once both have waited (a wait is clamped at 0). Until y's submit,
 * y's score stays as it is and x's can only rise: x stays ahead. Once y
 * has waited, an x that has not cannot be certified: each second.
 */
static inline int64_t queue_pair_fail(const struct policy_linear *lin,
	const struct queue_entry *x, const struct queue_entry *y, int64_t now)
{
	const struct policy_linear *lx = &lin[x->idx], *ly = &lin[y->idx];

	if (y->submit > now)
		return y->submit;
	if (x->submit > now)
		return now + 1;
	if (kinetic_near_parallel(lx->rate, ly->rate))
		return kinetic_same_line(lx, ly) ? INT64_MAX : now + 1;
	return kinetic_crossing(lx->rate, ly->rate, queue_line_at(lin, x, now),
		queue_line_at(lin, y, now), now);
}

#endif
