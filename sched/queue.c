/*
 * queue.c: wait queues: a min-tree of procs over static ranks, so EASY
 * finds the next job that fits in O(log n), or an array re-sorted by pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

int queue_entry_cmp(const void *pa, const void *pb)
{
	const struct queue_entry *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->submit != b->submit)
		return a->submit < b->submit ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

int queue_ranks_build(struct queue_ranks *r, struct queue_entry *all, size_t n)
{
	size_t k;

	r->n = n;
	r->rank_of = malloc((n ? n : 1) * sizeof(*r->rank_of));
	if (!r->rank_of) {
		errno = ENOMEM;
		return -1;
	}
	qsort(all, n, sizeof(*all), queue_entry_cmp);
	for (k = 0; k < n; k++)
		r->rank_of[all[k].idx] = (uint32_t)k;
	return 0;
}

void queue_ranks_free(struct queue_ranks *r)
{
	if (!r)
		return;
	free(r->rank_of);
	r->rank_of = NULL;
	r->n = 0;
}

int queue_init_static(struct wait_queue *q, const struct queue_ranks *ranks)
{
	size_t cap = 1;

	memset(q, 0, sizeof(*q));
	while (cap < ranks->n)
		cap *= 2;
	q->ranks = ranks;
	q->cap = cap;
	q->tree = malloc(2 * cap * sizeof(*q->tree));
	q->idx_of = malloc(cap * sizeof(*q->idx_of));
	if (!q->tree || !q->idx_of) {
		queue_free(q);
		errno = ENOMEM;
		return -1;
	}
	memset(q->tree, 0xff, 2 * cap * sizeof(*q->tree));
	return 0;
}

void queue_init_dynamic(struct wait_queue *q)
{
	memset(q, 0, sizeof(*q));
}

void queue_free(struct wait_queue *q)
{
	if (!q)
		return;
	free(q->tree);
	free(q->idx_of);
	free(q->a);
	memset(q, 0, sizeof(*q));
}

/* Set leaf pos to v and update the minima above it. */
static void tree_set(struct wait_queue *q, size_t pos, uint32_t v)
{
	size_t i = q->cap + pos;

	q->tree[i] = v;
	for (i /= 2; i >= 1; i /= 2) {
		uint32_t m = q->tree[2 * i] < q->tree[2 * i + 1]
				     ? q->tree[2 * i]
				     : q->tree[2 * i + 1];
		if (q->tree[i] == m)
			break;
		q->tree[i] = m;
	}
}

int queue_insert(struct wait_queue *q, const struct queue_entry *e)
{
	struct queue_entry *grown;

	if (q->ranks) {
		uint32_t rank = q->ranks->rank_of[e->idx];

		q->idx_of[rank] = e->idx;
		tree_set(q, rank, (uint32_t)e->procs);
		q->count++;
		return 0;
	}
	if (q->len == q->acap) {
		size_t cap = q->acap ? q->acap * 2 : 256;

		grown = realloc(q->a, cap * sizeof(*grown));
		if (!grown) {
			errno = ENOMEM;
			return -1;
		}
		q->a = grown;
		q->acap = cap;
	}
	q->a[q->len++] = *e;
	q->count++;
	return 0;
}

/* First leaf >= from with value <= limit in node's [lo, hi), or cap. */
static size_t tree_find(const uint32_t *t, size_t node, size_t lo, size_t hi,
	size_t from, uint32_t limit)
{
	size_t mid, r;

	if (hi <= from || t[node] > limit)
		return SIZE_MAX;
	if (hi - lo == 1)
		return lo;
	mid = lo + (hi - lo) / 2;
	r = tree_find(t, 2 * node, lo, mid, from, limit);
	if (r != SIZE_MAX)
		return r;
	return tree_find(t, 2 * node + 1, mid, hi, from, limit);
}

uint32_t queue_next(const struct wait_queue *q, size_t *pos, int64_t limit)
{
	size_t i;

	if (limit <= 0 || q->count == 0)
		return QUEUE_NONE;
	if (limit >= UINT32_MAX)
		limit = UINT32_MAX - 1;
	if (q->ranks) {
		if (*pos >= q->cap)
			return QUEUE_NONE;
		i = tree_find(q->tree, 1, 0, q->cap, *pos, (uint32_t)limit);
		if (i == SIZE_MAX)
			return QUEUE_NONE;
		*pos = i;
		return q->idx_of[i];
	}
	for (i = *pos; i < q->len; i++) {
		if (q->a[i].idx != QUEUE_NONE && q->a[i].procs <= limit) {
			*pos = i;
			return q->a[i].idx;
		}
	}
	return QUEUE_NONE;
}

void queue_remove_at(struct wait_queue *q, size_t pos)
{
	if (q->ranks) {
		tree_set(q, pos, UINT32_MAX);
	} else {
		q->a[pos].idx = QUEUE_NONE;
		q->removed = true;
	}
	q->count--;
}

void queue_commit(struct wait_queue *q)
{
	size_t i, o = 0;

	if (q->ranks || !q->removed)
		return;
	for (i = 0; i < q->len; i++)
		if (q->a[i].idx != QUEUE_NONE)
			q->a[o++] = q->a[i];
	q->len = o;
	q->removed = false;
}

void queue_resort(
	struct wait_queue *q, double (*score)(void *, uint32_t), void *arg)
{
	size_t i;

	if (q->ranks)
		return;
	queue_commit(q);
	for (i = 0; i < q->len; i++)
		q->a[i].key = score(arg, q->a[i].idx);
	qsort(q->a, q->len, sizeof(q->a[0]), queue_entry_cmp);
}
