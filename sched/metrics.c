/*
 * metrics.c: wait, bounded slowdown and utilization of a replay, and the
 * SC17 protocol: consecutive windows replayed alone, warm-up jobs excluded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "metrics.h"

double metrics_bsld(int64_t wait, int64_t runtime)
{
	double r = (double)runtime;
	double v = ((double)wait + r) / (r > METRICS_TAU ? r : METRICS_TAU);

	return v > 1.0 ? v : 1.0;
}

void metrics_compute(const struct workload *w, const struct sim_result *res,
	const bool *include, struct metrics *m)
{
	double sum_wait = 0.0, sum_bsld = 0.0, b;
	int64_t wait;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->makespan = res->makespan;
	if (res->makespan > 0 && res->total_procs > 0)
		m->utilization =
			res->busy_proc_seconds /
			((double)res->total_procs * (double)res->makespan);
	for (i = 0; i < res->njobs && i < w->njobs; i++) {
		if (include && !include[i])
			continue;
		wait = res->jobs[i].start - w->jobs[i].submit;
		b = metrics_bsld(wait, w->jobs[i].runtime);
		sum_wait += (double)wait;
		sum_bsld += b;
		if (b > m->max_bsld)
			m->max_bsld = b;
		m->njobs++;
	}
	if (m->njobs) {
		m->mean_wait = sum_wait / (double)m->njobs;
		m->avg_bsld = sum_bsld / (double)m->njobs;
	}
}

void metrics_windows_free(struct metrics_windows *out)
{
	size_t i;

	if (!out)
		return;
	for (i = 0; i < out->nwindows; i++) {
		free(out->windows[i].jobs);
		sim_result_free(&out->windows[i].res);
	}
	free(out->windows);
	memset(out, 0, sizeof(*out));
}

/* Replay jobs order[0..n) as one window; fill win. 0 or -1. */
static int run_window(const struct workload *w, const struct sim_config *cfg,
	const struct metrics_protocol *p, const uint32_t *order, size_t n,
	struct metrics_window *win, struct sc_error *err)
{
	struct workload sub = {0};
	struct sim_config c = *cfg;
	bool *include = NULL;
	size_t k;
	int rc = -1;

	win->start = w->jobs[order[0]].submit;
	win->njobs = n;
	win->jobs = malloc(n * sizeof(*win->jobs));
	sub.jobs = malloc(n * sizeof(*sub.jobs));
	include = malloc(n * sizeof(*include));
	if (!win->jobs || !sub.jobs || !include) {
		sc_errprintf(err, "out of memory");
		goto out;
	}
	sub.njobs = n;
	sub.machine_procs = w->machine_procs;
	sub.header = w->header;
	for (k = 0; k < n; k++) {
		win->jobs[k] = order[k];
		sub.jobs[k] = w->jobs[order[k]];
		sub.jobs[k].submit -= win->start;
		include[k] = k >= p->warmup;
	}
	c.carbon_epoch = cfg->carbon_epoch + win->start;
	if (sim_run(&sub, &c, &win->res, err) < 0)
		goto out;
	metrics_compute(&sub, &win->res, include, &win->m);
	/* Back to trace time. */
	win->res.first_submit += win->start;
	for (k = 0; k < n; k++) {
		win->res.jobs[k].eligible += win->start;
		win->res.jobs[k].start += win->start;
		win->res.jobs[k].end += win->start;
	}
	rc = 0;
out:
	free(include);
	free(sub.jobs);
	return rc;
}

int metrics_windows_run(const struct workload *w, const struct sim_config *cfg,
	const struct metrics_protocol *p, struct metrics_windows *out,
	struct sc_error *err)
{
	uint32_t *order = NULL;
	size_t pos = 0, end, i, nwin = 0, cap = 0;
	double sum_wait = 0.0, sum_bsld = 0.0, busy = 0.0, area = 0.0;
	size_t counted = 0, with_jobs = 0;
	struct metrics *o = &out->overall;
	int64_t start;

	memset(out, 0, sizeof(*out));
	sc_error_clear(err);
	if (!w->njobs)
		return 0;
	order = malloc(w->njobs * sizeof(*order));
	if (!order || workload_arrival_order(w, order) < 0)
		goto nomem;

	while (pos < w->njobs) {
		start = w->jobs[order[pos]].submit;
		end = pos + p->warmup < w->njobs ? pos + p->warmup : w->njobs;
		while (end < w->njobs &&
			w->jobs[order[end]].submit - start <= p->window_seconds)
			end++;
		if (end == pos)
			end = pos + 1;
		if (!array_grow((void **)&out->windows, &cap, nwin,
			    sizeof(*out->windows)))
			goto nomem;
		memset(&out->windows[nwin], 0, sizeof(out->windows[0]));
		out->nwindows = ++nwin;
		if (run_window(w, cfg, p, order + pos, end - pos,
			    &out->windows[nwin - 1], err) < 0)
			goto error;
		pos = end;
	}

	for (i = 0; i < nwin; i++) {
		const struct metrics *m = &out->windows[i].m;

		sum_wait += m->mean_wait * (double)m->njobs;
		sum_bsld += m->avg_bsld * (double)m->njobs;
		if (m->max_bsld > o->max_bsld)
			o->max_bsld = m->max_bsld;
		counted += m->njobs;
		busy += out->windows[i].res.busy_proc_seconds;
		area += (double)out->windows[i].res.total_procs *
			(double)out->windows[i].res.makespan;
		o->makespan += out->windows[i].res.makespan;
		if (m->njobs) {
			out->mean_avg_bsld += m->avg_bsld;
			with_jobs++;
		}
	}
	o->njobs = counted;
	if (counted) {
		o->mean_wait = sum_wait / (double)counted;
		o->avg_bsld = sum_bsld / (double)counted;
	}
	if (area > 0.0)
		o->utilization = busy / area;
	if (with_jobs)
		out->mean_avg_bsld /= (double)with_jobs;
	free(order);
	return 0;

nomem:
	sc_errprintf(err, "out of memory");
error:
	free(order);
	metrics_windows_free(out);
	return -1;
}
