/*
 * queue_linear.c: a dynamic queue ordered by WFP3 or UNICEF, kept in order
 * between passes as a kinetic sorted array (queue_resort_linear).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef QUEUE_CHECK /* make CPPFLAGS=-DQUEUE_CHECK: each order checked */
#include <stdio.h>
#include <stdlib.h>
#endif

#include "queue.h"
#include "queue_internal.h"

static inline double linear_key(const struct policy_linear *lin,
	const struct queue_entry *e, int64_t now)
{
	return policy_linear_score(&lin[e->idx], (double)(now - e->submit));
}

/*
 * x before y at now, x's key at now given: queue_entry_cmp's order with
 * the keys at now.
 */
static inline bool runs_before(const struct policy_linear *lin,
	const struct queue_entry *x, double kx, const struct queue_entry *y,
	int64_t now)
{
	double ky = linear_key(lin, y, now);

	if (kx != ky)
		return kx < ky;
	if (x->submit != y->submit)
		return x->submit < y->submit;
	return x->idx < y->idx;
}

/*
 * x before y at now, as runs_before: by their lines when both have waited
 * and the lines are clear apart (KINETIC_CLEAR), without the scores'
 * divisions and cubes; else by the scores.
 */
static inline bool ahead(const struct policy_linear *lin,
	const struct queue_entry *x, const struct queue_entry *y, int64_t now)
{
	if (x->submit <= now && y->submit <= now) {
		double vx = queue_line_at(lin, x, now),
		       vy = queue_line_at(lin, y, now);
		double clear = KINETIC_CLEAR * (vx + vy);

		if (vx - vy > clear)
			return true;
		if (vy - vx > clear)
			return false;
	}
	return runs_before(lin, x, linear_key(lin, x, now), y, now);
}

/* Every key scored at now, the queue sorted and every pair certified. */
static void resort_linear_full(
	struct wait_queue *q, const struct policy_linear *lin, int64_t now)
{
	int64_t due = INT64_MAX;
	size_t i;

	for (i = 0; i < q->len; i++)
		q->a[i].key = linear_key(lin, &q->a[i], now);
	queue_sort_entries(q->a, q->len);
	for (i = 0; i + 1 < q->len; i++) {
		q->fail[i] = queue_pair_fail(lin, &q->a[i], &q->a[i + 1], now);
		due = queue_sooner(due, q->fail[i]);
	}
	q->due = due;
	q->placed = q->len;
	q->lin = lin;
	q->lin_now = now;
	q->lin_ok = true;
}

/*
 * The placed entries in order at now again: a pass of insertion sort that
 * compares only the pairs whose certificate failed. Before pair i is
 * looked at, a[0..i] is in order at now; a pair that still holds extends
 * that, and one out of order moves its second entry back among them.
 * (Locals, not q's fields: a store to fail[] may alias them.)
 */
static void repair_order(
	struct wait_queue *q, const struct policy_linear *lin, int64_t now)
{
	struct queue_entry *a = q->a;
	int64_t *fail = q->fail, due = INT64_MAX;
	size_t i = 0, n = q->placed;

	if (n < 2)
		return;
	fail[n - 1] = INT64_MIN; /* the last has no pair: it stops the scan */
	for (;; i++) {
		struct queue_entry x;
		size_t j;

		for (; fail[i] > now; i++)
			due = queue_sooner(due, fail[i]);
		if (i + 1 >= n)
			break;
		x = a[i + 1];
		if (!ahead(lin, &x, &a[i], now)) {
			fail[i] = queue_pair_fail(lin, &a[i], &x, now);
			due = queue_sooner(due, fail[i]);
			continue;
		}
		j = i;
		while (j > 0 && ahead(lin, &x, &a[j - 1], now))
			j--;
		/* a[j..i] moves up one, with the pairs among them */
		memmove(&a[j + 1], &a[j], (i + 1 - j) * sizeof(*a));
		memmove(&fail[j + 1], &fail[j], (i - j) * sizeof(*fail));
		a[j] = x;
		if (j > 0) {
			fail[j - 1] = queue_pair_fail(lin, &a[j - 1], &x, now);
			due = queue_sooner(due, fail[j - 1]);
		}
		fail[j] = queue_pair_fail(lin, &x, &a[j + 1], now);
		due = queue_sooner(due, fail[j]);
		/* where x was: new neighbours, compared next */
		fail[i + 1] = INT64_MIN;
	}
	q->due = due;
}

/* The entries queued since the last call, each in its place at now. */
static void place_queued(
	struct wait_queue *q, const struct policy_linear *lin, int64_t now)
{
	struct queue_entry *a = q->a;
	int64_t *fail = q->fail, due = q->due;
	size_t n = q->placed;

	for (; n < q->len; n++) {
		struct queue_entry x = a[n];
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ahead(lin, &x, &a[mid], now))
				hi = mid;
			else
				lo = mid + 1;
		}
		memmove(&a[lo + 1], &a[lo], (n - lo) * sizeof(*a));
		memmove(&fail[lo + 1], &fail[lo], (n - lo) * sizeof(*fail));
		a[lo] = x;
		if (lo > 0) {
			fail[lo - 1] =
				queue_pair_fail(lin, &a[lo - 1], &x, now);
			due = queue_sooner(due, fail[lo - 1]);
		}
		if (lo < n) {
			fail[lo] = queue_pair_fail(lin, &x, &a[lo + 1], now);
			due = queue_sooner(due, fail[lo]);
		}
	}
	q->placed = n;
	q->due = due;
}

#ifdef QUEUE_CHECK
/* Abort unless the queue is in the order a full sort at now gives. */
static void check_order(const struct wait_queue *q,
	const struct policy_linear *lin, int64_t now)
{
	for (size_t i = 0; i + 1 < q->len; i++) {
		const struct queue_entry *x = &q->a[i], *y = x + 1;

		if (runs_before(lin, y, linear_key(lin, y, now), x, now)) {
			fprintf(stderr, "queue: %u, %u out of order at %lld\n",
				x->idx, y->idx, (long long)now);
			abort();
		}
	}
}
#endif

void queue_resort_linear(
	struct wait_queue *q, const struct policy_linear *lin, int64_t now)
{
	if (q->ranks || q->kin)
		return;
	queue_commit(q);
	/*
	 * Sorted anew: the first call, after queue_resort, with other lines,
	 * a clock gone back, or many queued at once (beyond about a 30th of
	 * the queue, binary searches and moves cost more than a sort).
	 */
	if (!q->lin_ok || lin != q->lin || now < q->lin_now ||
		q->len - q->placed > q->placed / 32 + 8) {
		resort_linear_full(q, lin, now);
	} else {
		if (q->due <= now)
			repair_order(q, lin, now);
		place_queued(q, lin, now);
		q->lin_now = now;
	}
#ifdef QUEUE_CHECK
	check_order(q, lin, now);
#endif
}
