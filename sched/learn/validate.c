/*
 * validate.c: a policy's AVEbsld under the SC17 window protocol, for
 * choosing among learned candidates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "validate.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1, without modulo bias. */
static uint64_t below(uint64_t *x, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = splitmix64(x);
	while (v >= limit);
	return v % n;
}

int validate_bootstrap(
	const struct workload *w, uint64_t seed, size_t n, struct workload *out)
{
	uint32_t *order = NULL;
	uint64_t x = seed ^ 0xb00757a9c0ffee11ULL;
	int64_t t = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (w->njobs < 2 || !n) {
		errno = EINVAL;
		return -1;
	}
	if (!(order = malloc(w->njobs * sizeof(*order))) ||
		workload_arrival_order(w, order) < 0 ||
		!(out->jobs = calloc(n, sizeof(*out->jobs)))) {
		free(order);
		free(out->jobs);
		out->jobs = NULL;
		errno = ENOMEM;
		return -1;
	}
	out->njobs = n;
	out->machine_procs = w->machine_procs;
	out->header = w->header;
	for (i = 0; i < n; i++) {
		const struct swf_job *src = &w->jobs[below(&x, w->njobs)];
		struct swf_job *j = &out->jobs[i];

		if (i) {
			size_t g = (size_t)below(&x, w->njobs - 1);

			t += w->jobs[order[g + 1]].submit -
			     w->jobs[order[g]].submit;
		}
		j->id = (int64_t)i + 1;
		j->submit = t;
		j->runtime = src->runtime;
		j->estimate = src->estimate;
		j->procs = src->procs;
		j->user = -1;
	}
	free(order);
	return 0;
}

int validate_windows(const struct workload *w, enum policy_kind kind,
	enum backfill_kind bf, double *mean, double *pooled,
	struct sc_error *err)
{
	struct sim_site site = {.name = "site", .procs = w->machine_procs};
	struct sim_config cfg = {
		.policy = kind,
		.backfill = bf,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 10, .watts_idle = 3, .pue = 1.2},
	};
	struct metrics_protocol proto = {
		.window_seconds = 15 * 86400, .warmup = 16};
	struct metrics_windows mw = {0};

	if (metrics_windows_run(w, &cfg, &proto, &mw, err) < 0)
		return -1;
	*mean = mw.mean_avg_bsld;
	*pooled = mw.overall.avg_bsld;
	metrics_windows_free(&mw);
	return 0;
}
