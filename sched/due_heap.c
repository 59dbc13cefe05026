/*
 * due_heap.c: an indexed min-heap of reservation starts, each job's entry
 * found by its idx (see due_heap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "due_heap.h"

int due_heap_init(struct due_heap *h, size_t njobs)
{
	size_t bytes = (njobs ? njobs : 1) * sizeof(*h->pos);

	memset(h, 0, sizeof(*h));
	h->pos = malloc(bytes);
	if (!h->pos)
		return -1;
	memset(h->pos, 0xff, bytes); /* DUE_HEAP_NONE */
	return 0;
}

void due_heap_free(struct due_heap *h)
{
	free(h->a);
	free(h->pos);
	memset(h, 0, sizeof(*h));
}

static bool due_less(const struct due *a, const struct due *b)
{
	return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

static void place(struct due_heap *h, size_t i, struct due d)
{
	h->a[i] = d;
	h->pos[d.idx] = (uint32_t)i;
}

static void sift_up(struct due_heap *h, size_t i)
{
	struct due d = h->a[i];

	while (i > 0 && due_less(&d, &h->a[(i - 1) / 2])) {
		place(h, i, h->a[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, d);
}

static void sift_down(struct due_heap *h, size_t i)
{
	struct due d = h->a[i];

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= h->n)
			break;
		if (l + 1 < h->n && due_less(&h->a[l + 1], &h->a[l]))
			m = l + 1;
		if (!due_less(&h->a[m], &d))
			break;
		place(h, i, h->a[m]);
		i = m;
	}
	place(h, i, d);
}

struct due due_heap_pop(struct due_heap *h)
{
	struct due top = h->a[0];

	h->pos[top.idx] = DUE_HEAP_NONE;
	if (--h->n) {
		h->a[0] = h->a[h->n];
		sift_down(h, 0);
	}
	return top;
}

int due_heap_set(struct due_heap *h, uint32_t idx, int64_t t)
{
	uint32_t i = h->pos[idx];
	int64_t old;

	if (i == DUE_HEAP_NONE) {
		if (!array_grow((void **)&h->a, &h->cap, h->n, sizeof(*h->a)))
			return -1;
		h->a[h->n] = (struct due){t, idx};
		sift_up(h, h->n++);
		return 0;
	}
	old = h->a[i].t;
	h->a[i].t = t;
	if (t < old)
		sift_up(h, i);
	else if (t > old)
		sift_down(h, i);
	return 0;
}
