/*
 * experiment.c: carbonsim's runs: planning them with their baselines,
 * placing trace time on the grid's clock, and replaying one (or its windows).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "intensity.h"
#include "metrics.h"
#include "shift.h"

int experiment_plan(const struct options *opt, size_t nsites,
	struct report_run **runs, size_t *nruns)
{
	bool shifting = opt->ndelays > 0 || nsites > 1;
	size_t per = 1 + (opt->ndelays > 0 ? opt->ndelays : nsites > 1);
	struct report_run *r;
	size_t n = 0;

	r = calloc(opt->npolicies * opt->nbackfills * per, sizeof(*r));
	if (r == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t p = 0; p < opt->npolicies; p++)
		for (size_t b = 0; b < opt->nbackfills; b++) {
			size_t base = n;

			r[n++] = (struct report_run){
				.policy = opt->policies[p],
				.backfill = opt->backfills[b],
				.baseline = shifting,
				.baseline_run = -1,
			};
			if (!shifting)
				continue;
			for (size_t d = 0; d < per - 1; d++) {
				r[n] = r[base];
				r[n].baseline = false;
				r[n].baseline_run = (long)base;
				/* Several sites, no --max-delay: "0". */
				r[n].delay = opt->ndelays > 0 ? &opt->delays[d]
							      : NULL;
				n++;
			}
		}
	*runs = r;
	*nruns = n;
	return 0;
}

void experiment_free(struct report_run *runs, size_t nruns)
{
	for (size_t i = 0; runs != NULL && i < nruns; i++) {
		sim_result_free(&runs[i].res);
		free(runs[i].windows);
		free(runs[i].rep_co2e_g);
	}
	free(runs);
}

int64_t experiment_epoch(const struct experiment *x, const char **source)
{
	int64_t ust = x->w->header.unix_start_time, start = INT64_MIN;
	bool covered = ust >= 0;

	if (x->opt->carbon_start_set) {
		*source = "--carbon-start";
		return x->opt->carbon_start;
	}
	for (size_t i = 0; i < x->nsites; i++) {
		const struct intensity_series *s = x->sites[i].ci;

		if (intensity_series_start(s) > start)
			start = intensity_series_start(s);
		if (ust < intensity_series_start(s) ||
			ust >= intensity_series_end(s))
			covered = false;
	}
	if (covered) {
		*source = "the trace's UnixStartTime";
		return ust;
	}
	*source = ust >= 0 ? "the series start: the trace's UnixStartTime "
			     "is outside the series"
			   : "the series start: the trace has no "
			     "UnixStartTime";
	return start;
}

static void fill_metrics(struct report_metrics *rm, const struct metrics *m,
	const struct sim_result *res)
{
	rm->jobs = m->njobs;
	rm->mean_wait = m->mean_wait;
	rm->ave_bsld = m->avg_bsld;
	rm->max_bsld = m->max_bsld;
	rm->utilization = m->utilization;
	rm->makespan = m->makespan;
	rm->energy_j = res->energy_j;
	rm->co2e_g = res->co2e_g;
}

/*
 * Gather the windows' results into one result in workload order (jobs in
 * no window keep site -1); energy and carbon are the windows' sums.
 */
/* Fairness over the windows' counted jobs (warm-up jobs left out). */
static int window_fairness(struct report_run *run,
	const struct metrics_windows *mw, const struct workload *w)
{
	bool *counted = calloc(w->njobs ? w->njobs : 1, sizeof(*counted));
	int rc;

	if (counted == NULL)
		return -1;
	for (size_t i = 0; i < mw->nwindows; i++)
		for (size_t k = EXPERIMENT_WARMUP; k < mw->windows[i].njobs; k++)
			counted[mw->windows[i].jobs[k]] = true;
	rc = fairness_compute(w, &run->res, counted,
		(int32_t)run->res.total_procs, &run->fair);
	free(counted);
	return rc;
}

static int merge_windows(struct report_run *run,
	const struct metrics_windows *mw, const struct workload *w)
{
	struct sim_result *res = &run->res;
	int64_t last = INT64_MIN;

	res->jobs = calloc(w->njobs, sizeof(*res->jobs));
	run->windows =
		calloc(mw->nwindows ? mw->nwindows : 1, sizeof(*run->windows));
	if (res->jobs == NULL || run->windows == NULL)
		return -1;
	res->njobs = w->njobs;
	res->first_submit = INT64_MAX;
	for (size_t k = 0; k < w->njobs; k++)
		res->jobs[k].site = -1;
	run->nwindows = mw->nwindows;
	for (size_t i = 0; i < mw->nwindows; i++) {
		const struct metrics_window *win = &mw->windows[i];
		const struct sim_result *wr = &win->res;
		struct report_window *rw = &run->windows[i];

		rw->start = win->start;
		rw->end = win->start;
		for (size_t k = 0; k < win->njobs; k++) {
			res->jobs[win->jobs[k]] = wr->jobs[k];
			if (w->jobs[win->jobs[k]].submit > rw->end)
				rw->end = w->jobs[win->jobs[k]].submit;
			if (wr->jobs[k].end > last)
				last = wr->jobs[k].end;
		}
		fill_metrics(&rw->m, &win->m, wr);
		if (wr->first_submit < res->first_submit)
			res->first_submit = wr->first_submit;
		res->total_procs = wr->total_procs;
		res->busy_proc_seconds += wr->busy_proc_seconds;
		res->energy_j += wr->energy_j;
		res->idle_energy_j += wr->idle_energy_j;
		res->co2e_g += wr->co2e_g;
		res->idle_co2e_g += wr->idle_co2e_g;
	}
	if (mw->nwindows == 0)
		res->first_submit = 0;
	res->makespan = last > res->first_submit ? last - res->first_submit : 0;
	fill_metrics(&run->m, &mw->overall, res);
	run->window_mean_bsld = mw->mean_avg_bsld;
	return window_fairness(run, mw, w);
}

/* One replay of run on sites (x's, with or without forecast errors). */
static int run_once(const struct experiment *x, const struct sim_site *sites,
	struct report_run *run, struct sc_error *err)
{
	const struct options *opt = x->opt;
	struct sim_config cfg = {
		.policy = run->policy,
		.backfill = run->backfill,
		.sites = sites,
		.nsites = x->nsites,
		.power = opt->power,
		.carbon_epoch = x->carbon_epoch,
		.space = {.wait_weight = opt->space_wait_weight / 3600.0,
			.max_wait = opt->space_max_wait},
		.progress = x->progress,
		.progress_arg = x->progress_arg,
	};
	struct metrics_windows mw = {0};
	struct metrics m;

	sc_error_clear(err);
	cfg.shift.forecast = opt->forecast;
	if (run->delay != NULL) {
		cfg.shift.enabled = run->delay->seconds > 0 ||
				    run->delay->factor > 0.0 ||
				    run->delay->advance > 0;
		cfg.shift.max_delay = run->delay->seconds;
		cfg.shift.max_delay_factor = run->delay->factor;
		cfg.shift.max_advance = run->delay->advance;
	}
	/* The baseline of space shifting places jobs blind to carbon. */
	cfg.space.carbon_unaware = run->baseline && x->nsites > 1;

	if (opt->windows) {
		struct metrics_protocol p = {
			EXPERIMENT_WINDOW_SECONDS, EXPERIMENT_WARMUP};

		if (metrics_windows_run(x->w, &cfg, &p, &mw, err) < 0)
			goto error;
		if (merge_windows(run, &mw, x->w) < 0)
			goto nomem;
		metrics_windows_free(&mw);
	} else {
		if (sim_run(x->w, &cfg, &run->res, err) < 0)
			goto error;
		metrics_compute(x->w, &run->res, NULL, &m);
		fill_metrics(&run->m, &m, &run->res);
		if (fairness_compute(x->w, &run->res, NULL,
			    (int32_t)run->res.total_procs, &run->fair) < 0)
			goto nomem;
	}
	return 0;
nomem:
	sc_errprintf(err, "out of memory");
error:
	metrics_windows_free(&mw);
	return -1;
}

/* Add m to sum (jobs: the same in every repetition). */
static void metrics_add(struct report_metrics *sum,
	const struct report_metrics *m)
{
	sum->jobs = m->jobs;
	sum->mean_wait += m->mean_wait;
	sum->ave_bsld += m->ave_bsld;
	sum->max_bsld += m->max_bsld;
	sum->utilization += m->utilization;
	sum->makespan += m->makespan;
	sum->energy_j += m->energy_j;
	sum->co2e_g += m->co2e_g;
}

/* The mean of n > 0 added metrics (the makespan rounded). */
static void metrics_mean(struct report_metrics *sum, size_t n)
{
	sum->mean_wait /= (double)n;
	sum->ave_bsld /= (double)n;
	sum->max_bsld /= (double)n;
	sum->utilization /= (double)n;
	sum->makespan = (sum->makespan + (int64_t)n / 2) / (int64_t)n;
	sum->energy_j /= (double)n;
	sum->co2e_g /= (double)n;
}

/*
 * A shifted run with forecast errors: one replay per repetition, each
 * site's forecast a perturbed copy of its series (seed: the repetition's,
 * mixed with the site's index), and the means (report_run).
 */
static int run_repeated(const struct experiment *x, struct report_run *run,
	struct sc_error *err)
{
	const struct options *opt = x->opt;
	size_t n = opt->repetitions;
	struct sim_site *sites = calloc(x->nsites, sizeof(*sites));
	struct report_metrics sum = {0};
	double window_sum = 0.0;
	int rc = -1;

	run->nreps = n;
	run->first_seed = opt->forecast_seed;
	run->rep_co2e_g = calloc(n, sizeof(*run->rep_co2e_g));
	if (sites == NULL || run->rep_co2e_g == NULL) {
		sc_errprintf(err, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		struct report_run scratch = *run, *target = r ? &scratch : run;
		uint64_t seed = opt->forecast_seed + r;
		int once;

		memset(&scratch.res, 0, sizeof(scratch.res));
		scratch.windows = NULL;
		scratch.nwindows = 0;
		for (size_t k = 0; k < x->nsites; k++) {
			sites[k] = x->sites[k];
			sites[k].forecast = shift_forecast_with_error(
				x->sites[k].ci, opt->forecast_error,
				seed ^ ((uint64_t)k * 0x9e3779b97f4a7c15ULL),
				err);
			if (sites[k].forecast == NULL)
				goto out;
		}
		once = run_once(x, sites, target, err);
		for (size_t k = 0; k < x->nsites; k++) {
			intensity_series_destroy(
				(struct intensity_series *)sites[k].forecast);
			sites[k].forecast = NULL;
		}
		if (r) {
			sim_result_free(&scratch.res);
			free(scratch.windows);
		}
		if (once < 0)
			goto out;
		metrics_add(&sum, &target->m);
		window_sum += target->window_mean_bsld;
		run->rep_co2e_g[r] = target->m.co2e_g;
	}
	metrics_mean(&sum, n);
	run->m = sum;
	run->window_mean_bsld = window_sum / (double)n;
	rc = 0;
out:
	if (sites != NULL)
		for (size_t k = 0; k < x->nsites; k++)
			intensity_series_destroy(
				(struct intensity_series *)sites[k].forecast);
	free(sites);
	return rc;
}

int experiment_run(const struct experiment *x, struct report_run *run,
	struct sc_error *err)
{
	if (!run->baseline && run->baseline_run >= 0 &&
		x->opt->forecast_error > 0.0 && x->sites[0].ci != NULL)
		return run_repeated(x, run, err);
	return run_once(x, x->sites, run, err);
}
