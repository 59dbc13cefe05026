/*
 * due_heap.h: conservative backfilling's validated reservations by start
 * (plan.c): a min-heap of (start, idx) with at most one entry per job,
 * moved when the job's reservation moves, so that a pass finds the ones
 * due now without a walk.
 */
#ifndef SCHED_DUE_HEAP_H
#define SCHED_DUE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A job's reservation start (also a scratch pair in plan.c). */
struct due {
	int64_t t;
	uint32_t idx;
};

/* Zero-initialise, then due_heap_init; release with due_heap_free. */
struct due_heap {
	struct due *a; /* by (t, idx) */
	size_t n, cap;
	uint32_t *pos; /* by idx: its entry's place in a, or DUE_HEAP_NONE */
};

#define DUE_HEAP_NONE UINT32_MAX

/* For jobs 0..njobs-1, none in the heap. 0, or -1 (ENOMEM). */
int due_heap_init(struct due_heap *h, size_t njobs);

/* Accepts a zeroed heap. */
void due_heap_free(struct due_heap *h);

/*
 * Job idx is due at t: its entry is made, or moved there (not a second
 * one: under SPF most reservations move many times before they fall due).
 * 0, or -1 (ENOMEM, the heap unchanged).
 */
int due_heap_set(struct due_heap *h, uint32_t idx, int64_t t);

/* True if the earliest entry is due at or before now. */
static inline bool due_heap_due(const struct due_heap *h, int64_t now)
{
	return h->n && h->a[0].t <= now;
}

/* Remove and return the earliest entry; the heap is not empty. */
struct due due_heap_pop(struct due_heap *h);

#endif
