/*
 * fairness.c: bounded slowdown and wait by size class, the wait's tail and
 * Jain's index over users, for a replay.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fairness.h"
#include "metrics.h"

static const char *const class_names[FAIRNESS_NCLASSES] = {
	"narrow-short", "narrow-long", "wide-short", "wide-long"};

const char *fairness_class_name(enum fairness_class c)
{
	return (unsigned)c < FAIRNESS_NCLASSES ? class_names[c] : "unknown";
}

static void swap_double(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of a[0..n) (k < n), partly reordering a: Hoare's
 * selection (Wirth's form, the middle element as pivot), linear on
 * average, where sorting a million waits took a tenth of a replay.
 */
static double select_kth(double *a, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		double pivot = a[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
				swap_double(&a[i++], &a[j--]);
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			return a[want];
	}
	return a[want];
}

struct user_sum {
	int32_t user;
	size_t n;
	double bsld;
};

static int cmp_user(const void *a, const void *b)
{
	const struct user_sum *x = a, *y = b;

	return (x->user > y->user) - (x->user < y->user);
}

int fairness_compute(const struct workload *w, const struct sim_result *res,
	const bool *include, int32_t machine_procs, struct fairness *f)
{
	size_t n = res->njobs < w->njobs ? res->njobs : w->njobs, i, k = 0;
	size_t nu = 0;
	double *waits = malloc((n ? n : 1) * sizeof(*waits));
	struct user_sum *us = malloc((n ? n : 1) * sizeof(*us));
	double s = 0.0, s2 = 0.0;
	int c;

	memset(f, 0, sizeof(*f));
	f->jain = NAN;
	if (!waits || !us) {
		free(waits);
		free(us);
		errno = ENOMEM;
		return -1;
	}
	f->narrow_procs = machine_procs / FAIRNESS_NARROW_DIV;
	if (f->narrow_procs < 1)
		f->narrow_procs = 1;
	for (i = 0; i < n; i++) {
		const struct swf_job *j = &w->jobs[i];
		int64_t wait = res->jobs[i].start - j->submit;
		double b = metrics_bsld(wait, j->runtime);
		struct fairness_class_stats *cs;

		if (include && !include[i])
			continue;
		c = (j->procs > f->narrow_procs ? 2 : 0) +
		    (j->runtime > FAIRNESS_SHORT_S ? 1 : 0);
		cs = &f->cls[c];
		cs->njobs++;
		cs->mean_bsld += b;
		cs->mean_wait += (double)wait;
		waits[k++] = (double)wait;
		if (j->user >= 0)
			us[nu++] = (struct user_sum){j->user, 1, b};
	}
	for (c = 0; c < FAIRNESS_NCLASSES; c++)
		if (f->cls[c].njobs) {
			f->cls[c].mean_bsld /= (double)f->cls[c].njobs;
			f->cls[c].mean_wait /= (double)f->cls[c].njobs;
		}
	if (k) {
		size_t rank = (size_t)ceil(0.99 * (double)k);

		f->max_wait = waits[0];
		for (i = 1; i < k; i++)
			if (waits[i] > f->max_wait)
				f->max_wait = waits[i];
		f->p99_wait = select_kth(waits, k, (rank ? rank : 1) - 1);
	}
	if (nu) {
		size_t m = 0;

		qsort(us, nu, sizeof(*us), cmp_user);
		for (i = 0; i < nu; i++) {
			if (m && us[m - 1].user == us[i].user) {
				us[m - 1].n++;
				us[m - 1].bsld += us[i].bsld;
			} else {
				us[m++] = us[i];
			}
		}
		for (i = 0; i < m; i++) {
			double x = us[i].bsld / (double)us[i].n;

			s += x;
			s2 += x * x;
		}
		f->nusers = m;
		if (m >= 2 && s2 > 0)
			f->jain = s * s / ((double)m * s2);
	}
	free(waits);
	free(us);
	return 0;
}
