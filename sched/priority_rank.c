/*
 * priority_rank.c: policy scores to site factors by rank, with room left
 * between neighbours for jobs that arrive between two updates.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "priority_rank.h"

double rank_score(enum policy_kind policy, double time_limit_s, double cpus,
	int64_t submit, int64_t origin, int64_t now, double c)
{
	struct policy_job pj = {
		.p = time_limit_s,
		.q = cpus,
		.r = (double)(submit - origin),
		.w = (double)(now - submit),
		.c = c,
	};

	return policy_score(policy, &pj);
}

/* -1 when a runs before b. */
static int cmp_jobs(const void *x, const void *y)
{
	const struct rank_job *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	if (a->submit != b->submit)
		return a->submit < b->submit ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

static inline int before(const struct rank_job *a, const struct rank_job *b)
{
	if (a->score != b->score)
		return a->score < b->score;
	if (a->submit != b->submit)
		return a->submit < b->submit;
	return a->id < b->id;
}

/*
 * Sort by (score, submit, id): a bottom-up merge sort with the comparison
 * inlined, since qsort's indirect calls were most of an update's time.
 * tmp holds n jobs. The order is total, so stability does not matter.
 */
static void sort_jobs(struct rank_job *a, struct rank_job *tmp, size_t n)
{
	struct rank_job *src = a, *dst = tmp, *swap;
	size_t width, i;

	for (i = 1; i < n; i++) { /* runs of 8 by insertion first */
		struct rank_job x = a[i];
		size_t j = i;

		if (i % 8 == 0)
			continue;
		while (j % 8 && before(&x, &a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
	for (width = 8; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t l = i, m = i + width < n ? i + width : n;
			size_t r = m, e = i + 2 * width < n ? i + 2 * width : n;
			size_t k = i;

			while (l < m && r < e)
				dst[k++] = before(&src[r], &src[l]) ? src[r++]
								     : src[l++];
			while (l < m)
				dst[k++] = src[l++];
			while (r < e)
				dst[k++] = src[r++];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static int reserve(struct rank_state *st, size_t n)
{
	struct rank_job *j;
	size_t cap;

	if (n <= st->cap)
		return 0;
	cap = st->cap ? st->cap : 64;
	while (cap < n)
		cap *= 2;
	if (!(j = realloc(st->jobs, cap * sizeof(*j)))) {
		errno = ENOMEM;
		return -1;
	}
	st->jobs = j;
	st->cap = cap;
	return 0;
}

/* The band ranked jobs occupy: the middle half of [1, max]. */
static void band(uint32_t max, double *lo, double *hi)
{
	*lo = (double)(max / 4);
	*hi = (double)max - (double)(max / 4);
	if (*lo < 1)
		*lo = 1;
}

/* The step between jobs added above the first or below the last. */
static uint32_t edge_step(uint32_t max)
{
	uint32_t step = max / 4 / RANK_EDGE_ROOM;

	return step ? step : 1;
}

int rank_update(struct rank_state *st, struct rank_job *jobs, size_t n,
	uint32_t max, int64_t origin)
{
	double lo, hi;
	size_t k;

	if (max < 1)
		max = 1;
	band(max, &lo, &hi);
	if (n > 1) {
		struct rank_job *tmp = malloc(n * sizeof(*tmp));

		if (tmp) {
			sort_jobs(jobs, tmp, n);
			free(tmp);
		} else {
			qsort(jobs, n, sizeof(*jobs), cmp_jobs);
		}
	}
	st->ties = 0;
	for (k = 0; k < n; k++) {
		double f = floor(lo + (hi - lo) * (double)(n - k) /
					       (double)(n + 1) +
			       0.5);

		jobs[k].factor = f < 1 ? 1 : f > max ? max : (uint32_t)f;
		if (k && jobs[k].factor == jobs[k - 1].factor)
			st->ties++;
	}
	st->max = max;
	st->origin = origin;
	if (reserve(st, n) < 0) {
		st->n = 0;
		return -1;
	}
	if (n)
		memcpy(st->jobs, jobs, n * sizeof(*jobs));
	st->n = n;
	return 0;
}

/* The first position whose job runs after job (binary search). */
static size_t position(const struct rank_state *st, const struct rank_job *job)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_jobs(&st->jobs[mid], job) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The factor for a job at position at of the current ranking. */
static uint64_t insert_factor(const struct rank_state *st, size_t at)
{
	uint64_t step = edge_step(st->max), f;
	double lo, hi;

	if (!st->n) {
		band(st->max, &lo, &hi);
		return (uint64_t)((lo + hi) / 2);
	}
	if (at == 0) {
		f = st->jobs[0].factor + step;
		return f > st->max ? st->max : f;
	}
	if (at == st->n) {
		f = st->jobs[at - 1].factor;
		return f > step ? f - step : 1;
	}
	f = ((uint64_t)st->jobs[at - 1].factor + st->jobs[at].factor) / 2;
	return f;
}

uint32_t rank_insert(struct rank_state *st, struct rank_job *job)
{
	size_t at = position(st, job);
	uint64_t f;

	if (!st->max)
		st->max = 1;
	f = insert_factor(st, at);
	job->factor = (uint32_t)(f < 1 ? 1 : f);
	if (reserve(st, st->n + 1) < 0)
		return job->factor;
	memmove(&st->jobs[at + 1], &st->jobs[at],
		(st->n - at) * sizeof(st->jobs[0]));
	st->jobs[at] = *job;
	st->n++;
	return job->factor;
}

void rank_release(struct rank_state *st)
{
	free(st->jobs);
	memset(st, 0, sizeof(*st));
}
