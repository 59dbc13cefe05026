/*
 * array.h: growing an array by doubling, the one way sched's modules grow
 * theirs (the plan's lists, the running set, the replay's heaps, the
 * trace's jobs).
 */
#ifndef SCHED_ARRAY_H
#define SCHED_ARRAY_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Room for element n (n <= *cap) of size bytes in *a, of capacity *cap:
 * doubled when full, 64 elements at first. False with errno ENOMEM, *a and
 * *cap then unchanged.
 */
static inline bool array_grow(void **a, size_t *cap, size_t n, size_t size)
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

#endif
