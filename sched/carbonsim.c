/*
 * carbonsim.c: replay an SWF trace under several policies, backfilling modes
 * and carbon-aware shifting settings side by side, and report the results.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carbon.h"
#include "intensity.h"
#include "metrics.h"
#include "options.h"
#include "outfile.h"
#include "report.h"
#include "sim.h"
#include "svg.h"
#include "swf.h"

#define EXIT_USAGE 2
#define PROGRESS_AFTER 1.0 /* s: only long runs show progress */

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: carbonsim [OPTION]... TRACE\n"
		"Replay an SWF trace (plain or gzip) under queue policies, "
		"backfilling and\ncarbon-aware time and space shifting; "
		"report wait, bounded slowdown, energy\nand carbon.\n\n"
		"Trace:\n"
		"  --procs N              machine size (default: the header's "
		"MaxProcs/MaxNodes)\n"
		"  --runtime MODE         actual (default) or requested\n"
		"  --lenient              skip malformed lines, report how "
		"many\n"
		"Scheduling (every combination runs):\n"
		"  --policy LIST          fcfs,spf,saf,wfp3,unicef,f1,f2,f3,f4 "
		"(default fcfs)\n"
		"  --backfill LIST        none,easy,conservative (default "
		"none)\n"
		"  --windows              SC17 protocol: 15-day windows, 16 "
		"warm-up jobs each\n"
		"Carbon:\n"
		"  --carbon SERIES        intensity series of the one site\n"
		"  --site NAME:PROCS:SERIES  a site (repeat: space shifting)\n"
		"  --space-wait-weight G  grams CO2e one hour of wait is worth "
		"(default %g)\n"
		"  --space-max-wait DUR   consider sites starting within DUR "
		"of the first (1h)\n"
		"  --carbon-start TIME    ISO 8601 time of trace time 0 "
		"(default: header's\n"
		"                         UnixStartTime if covered, else the "
		"series start)\n"
		"  --watts-busy W         watts per busy processor (default "
		"%g)\n"
		"  --watts-idle W         watts per idle processor (default "
		"%g)\n"
		"  --pue X                power usage effectiveness (default "
		"%g)\n"
		"  --max-delay LIST       time shifting: durations (6h, 30m, "
		"86400) or factors\n"
		"                         of the requested time (2x); each "
		"is paired with a\n"
		"                         carbon-unaware baseline\n"
		"  --forecast KIND        oracle (default) or persistence\n"
		"Output:\n"
		"  --json FILE            summary of the configuration and "
		"every run\n"
		"  --jobs-csv FILE        per job (one file per run when "
		"several)\n"
		"  --plot-utilization F   SVG: utilization and intensity over "
		"time (per run)\n"
		"  --plot-tradeoff F      SVG: kg CO2e versus AVEbsld across "
		"--max-delay\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n\n"
		"Exit status: 0 success, 1 bad input or failed output, 2 bad "
		"command line.\nSee carbonsim(1).\n",
		OPTIONS_SPACE_WAIT_WEIGHT, OPTIONS_WATTS_BUSY,
		OPTIONS_WATTS_IDLE, OPTIONS_PUE);
}

/* Progress on stderr, only when it is a terminal and the run is long. */
struct progress {
	bool tty;
	bool shown;
	size_t run;
	size_t nruns;
	char label[64];
	struct timespec t0;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_cb(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;

	if (!p->tty || total == 0 || elapsed(&p->t0) < PROGRESS_AFTER)
		return;
	fprintf(stderr, "\rcarbonsim: run %zu/%zu %s: %3.0f%%", p->run + 1,
		p->nruns, p->label, 100.0 * (double)done / (double)total);
	p->shown = true;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = false;
}

/* Everything main owns, released in one place. */
struct state {
	struct options opt;
	struct workload w;
	struct intensity_series **series;
	struct sim_site *sites;
	size_t nsites;
	struct report_run *runs;
	size_t nruns;
	struct outfile *files;
	size_t nfiles;
};

static void state_free(struct state *st)
{
	for (size_t i = 0; i < st->nfiles; i++)
		outfile_abort(&st->files[i]);
	free(st->files);
	for (size_t i = 0; i < st->nruns; i++) {
		sim_result_free(&st->runs[i].res);
		free(st->runs[i].windows);
	}
	free(st->runs);
	for (size_t i = 0; st->series != NULL && i < st->nsites; i++)
		intensity_series_destroy(st->series[i]);
	free(st->series);
	free(st->sites);
	workload_free(&st->w);
	options_free(&st->opt);
}

static int load_sites(struct state *st)
{
	const struct options *opt = &st->opt;
	struct intensity_error ierr = {{0}};

	st->nsites = opt->nsites > 0 ? opt->nsites : 1;
	st->sites = calloc(st->nsites, sizeof(*st->sites));
	st->series = calloc(st->nsites, sizeof(*st->series));
	if (st->sites == NULL || st->series == NULL) {
		fprintf(stderr, "carbonsim: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < st->nsites; i++) {
		const char *path =
			opt->nsites > 0 ? opt->sites[i].series : opt->carbon;

		st->sites[i].name =
			opt->nsites > 0 ? opt->sites[i].name : "site";
		st->sites[i].procs = opt->nsites > 0 ? opt->sites[i].procs
						     : st->w.machine_procs;
		if (path == NULL)
			continue;
		st->series[i] = intensity_series_load(path, &ierr);
		if (st->series[i] == NULL) {
			fprintf(stderr, "carbonsim: %s\n", ierr.text);
			return -1;
		}
		st->sites[i].ci = st->series[i];
	}
	return 0;
}

/* The last job end over every run, in trace seconds. */
static int64_t last_end(const struct report *rep)
{
	int64_t end = 0;

	for (size_t i = 0; i < rep->nruns; i++) {
		const struct sim_result *res = &rep->runs[i].res;

		if (res->first_submit + res->makespan > end)
			end = res->first_submit + res->makespan;
	}
	return end;
}

/*
 * Trace time 0 in the grid's time: --carbon-start, else the header's
 * UnixStartTime if every series covers it, else the latest series start
 * (so every site's series covers trace time 0).
 */
static int64_t choose_epoch(const struct state *st, const char **source)
{
	int64_t ust = st->w.header.unix_start_time, start = INT64_MIN;
	bool covered = ust >= 0;

	if (st->opt.carbon_start_set) {
		*source = "--carbon-start";
		return st->opt.carbon_start;
	}
	for (size_t i = 0; i < st->nsites; i++) {
		const struct intensity_series *s = st->sites[i].ci;

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

static void print_header(const struct state *st, const struct report *rep)
{
	const struct options *opt = &st->opt;
	const struct workload *w = &st->w;
	int64_t end = last_end(rep);
	char when[32];

	printf("trace     %s: %zu jobs, %d processors, %s runtime; %zu "
	       "dropped, %zu capped, %zu malformed skipped\n",
		opt->trace, w->njobs, w->machine_procs,
		opt->swf.runtime_mode == SWF_RUNTIME_ACTUAL ? "actual"
							    : "requested",
		w->dropped, w->capped, w->malformed);
	printf("power     %g W busy, %g W idle per processor, PUE %g\n",
		opt->power.watts_busy, opt->power.watts_idle, opt->power.pue);
	if (!rep->carbon)
		return;
	options_format_time(rep->carbon_epoch, when, sizeof(when));
	printf("carbon    trace time 0 = %s (%s)\n", when, rep->epoch_source);
	for (size_t i = 0; i < st->nsites; i++) {
		const struct intensity_series *s = st->sites[i].ci;
		char from[32], to[32];
		bool wraps = rep->carbon_epoch < intensity_series_start(s) ||
			     rep->carbon_epoch + end > intensity_series_end(s);

		options_format_time(
			intensity_series_start(s), from, sizeof(from));
		options_format_time(intensity_series_end(s), to, sizeof(to));
		printf("site      %s: %d processors, %s, %s .. %s%s\n",
			st->sites[i].name, st->sites[i].procs,
			opt->nsites > 0 ? opt->sites[i].series : opt->carbon,
			from, to,
			wraps ? " (the trace reaches past it: intensity "
				"repeats cyclically)"
			      : "");
	}
	if (opt->ndelays > 0) {
		printf("shifting  max delay");
		for (size_t i = 0; i < opt->ndelays; i++)
			printf("%s %s", i ? "," : "", opt->delays[i].label);
		printf("; %s forecast\n", forecast_name(opt->forecast));
	}
	if (st->nsites > 1) {
		int64_t mw = opt->space_max_wait;

		printf("space     %g g CO2e per hour of wait, sites starting "
		       "within %lld%s of the first\n",
			opt->space_wait_weight,
			(long long)(mw % 3600 == 0 ? mw / 3600
				    : mw % 60 == 0 ? mw / 60
						   : mw),
			mw % 3600 == 0 ? "h"
			: mw % 60 == 0 ? "m"
				       : "s");
	}
}

/*
 * Carbon of a result replayed with carbon-blind placement (sites without
 * series): jobs and idle processors, interval by interval, as sim_run
 * does. map[k] is the workload index of res->jobs[k] (NULL: k itself).
 */
static void account_carbon(struct sim_result *res, const struct workload *w,
	const size_t *map, const struct sim_site *sites, size_t nsites,
	const struct sim_config *cfg)
{
	const struct power_model *pm = &cfg->power;
	int64_t epoch = cfg->carbon_epoch;
	double idle = 0.0;

	res->co2e_g = 0.0;
	for (size_t k = 0; k < res->njobs; k++) {
		struct sim_job_result *r = &res->jobs[k];
		const struct swf_job *job = &w->jobs[map ? map[k] : k];
		const struct intensity_series *ci = sites[r->site].ci;
		double watts = job->procs * pm->watts_busy * pm->pue;

		r->co2e_g = carbon_grams(
			ci, watts, epoch + r->start, epoch + r->end);
		res->co2e_g += r->co2e_g;
		/* Idle carbon: all processors, less the busy ones. */
		idle -= carbon_grams(ci, job->procs * pm->watts_idle * pm->pue,
			epoch + r->start, epoch + r->end);
	}
	for (size_t i = 0; i < nsites; i++)
		idle += carbon_grams(sites[i].ci,
			sites[i].procs * pm->watts_idle * pm->pue,
			epoch + res->first_submit,
			epoch + res->first_submit + res->makespan);
	if (pm->watts_idle <= 0.0)
		idle = 0.0;
	res->idle_co2e_g = idle;
	res->co2e_g += idle;
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

/* Gather the windows' results into one result in workload order. */
static int merge_windows(struct report_run *run, struct metrics_windows *mw,
	const struct workload *w)
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
		res->jobs[k].site = -1; /* in no window */
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
	return 0;
}

/* Replay one run; its baseline (if any) has already been replayed. */
static int run_one(
	struct state *st, struct report *rep, size_t i, struct progress *prog)
{
	struct report_run *run = &st->runs[i];
	const struct options *opt = &st->opt;
	struct sim_site *blind = NULL;
	struct sim_config cfg = {
		.policy = run->policy,
		.backfill = run->backfill,
		.sites = st->sites,
		.nsites = st->nsites,
		.power = opt->power,
		.carbon_epoch = rep->carbon_epoch,
		.space = {.wait_weight = opt->space_wait_weight / 3600.0,
			.max_wait = opt->space_max_wait},
		.progress = progress_cb,
		.progress_arg = prog,
	};
	struct sim_error err = {{0}};
	struct metrics_windows mw = {0};
	struct metrics m;

	cfg.shift.forecast = opt->forecast;
	if (run->delay != NULL) {
		cfg.shift.enabled =
			run->delay->seconds > 0 || run->delay->factor > 0.0;
		cfg.shift.max_delay = run->delay->seconds;
		cfg.shift.max_delay_factor = run->delay->factor;
	}
	/* Carbon-unaware placement: the earliest start, ties by site order. */
	if (run->baseline && st->nsites > 1) {
		blind = calloc(st->nsites, sizeof(*blind));
		if (blind == NULL)
			goto nomem;
		for (size_t s = 0; s < st->nsites; s++) {
			blind[s] = st->sites[s];
			blind[s].ci = NULL;
		}
		cfg.sites = blind;
		cfg.space.wait_weight = 0.0;
		cfg.space.max_wait = 0;
	}
	prog->run = i;
	snprintf(prog->label, sizeof(prog->label), "%s/%s/%s",
		policy_name(run->policy), backfill_name(run->backfill),
		run->baseline ? "baseline" : report_run_delay(run));
	clock_gettime(CLOCK_MONOTONIC, &prog->t0);

	if (opt->windows) {
		struct metrics_protocol p = {15 * 86400, 16};

		if (metrics_windows_run(&st->w, &cfg, &p, &mw, &err) < 0)
			goto error;
		if (blind != NULL)
			for (size_t k = 0; k < mw.nwindows; k++)
				account_carbon(&mw.windows[k].res, &st->w,
					mw.windows[k].jobs, st->sites,
					st->nsites, &cfg);
		if (merge_windows(run, &mw, &st->w) < 0)
			goto nomem;
		metrics_windows_free(&mw);
	} else {
		if (sim_run(&st->w, &cfg, &run->res, &err) < 0)
			goto error;
		if (blind != NULL)
			account_carbon(&run->res, &st->w, NULL, st->sites,
				st->nsites, &cfg);
		metrics_compute(&st->w, &run->res, NULL, &m);
		fill_metrics(&run->m, &m, &run->res);
	}
	free(blind);
	return 0;
nomem:
	snprintf(err.text, sizeof(err.text), "out of memory");
error:
	progress_end(prog);
	fprintf(stderr, "carbonsim: %s: %s/%s: %s\n", opt->trace,
		policy_name(run->policy), backfill_name(run->backfill),
		err.text);
	metrics_windows_free(&mw);
	free(blind);
	return -1;
}

/* The runs: per policy and backfill, a baseline, then one per delay. */
static int plan_runs(struct state *st)
{
	const struct options *opt = &st->opt;
	bool shifting = opt->ndelays > 0 || st->nsites > 1;
	size_t per = 1 + (opt->ndelays > 0 ? opt->ndelays : st->nsites > 1);
	size_t n = 0;

	st->runs = calloc(
		opt->npolicies * opt->nbackfills * per, sizeof(*st->runs));
	if (st->runs == NULL)
		return -1;
	for (size_t p = 0; p < opt->npolicies; p++)
		for (size_t b = 0; b < opt->nbackfills; b++) {
			size_t base = n;

			st->runs[n++] = (struct report_run){
				.policy = opt->policies[p],
				.backfill = opt->backfills[b],
				.baseline = shifting,
				.baseline_run = -1,
			};
			if (!shifting)
				continue;
			for (size_t d = 0; d < per - 1; d++) {
				st->runs[n] = st->runs[base];
				st->runs[n].baseline = false;
				st->runs[n].baseline_run = (long)base;
				/* Several sites, no --max-delay: "0". */
				st->runs[n].delay = opt->ndelays > 0
							    ? &opt->delays[d]
							    : NULL;
				n++;
			}
		}
	st->nruns = n;
	return 0;
}

/* Open a temporary output file; remembers it for commit or abort. */
static FILE *open_output(struct state *st, const char *path)
{
	struct outfile *grown =
		realloc(st->files, (st->nfiles + 1) * sizeof(*grown));

	if (grown == NULL) {
		fprintf(stderr, "carbonsim: %s: out of memory\n", path);
		return NULL;
	}
	st->files = grown;
	if (outfile_open(&st->files[st->nfiles], path) < 0) {
		fprintf(stderr, "carbonsim: %s: cannot create: %s\n", path,
			strerror(errno));
		return NULL;
	}
	return st->files[st->nfiles++].fp;
}

/* One file per run (path with a per-run suffix when several). */
static int per_run_outputs(struct state *st, const struct report *rep,
	const char *path, int (*write)(FILE *, const struct report *, size_t))
{
	for (size_t i = 0; i < rep->nruns; i++) {
		char *name = report_output_name(rep, i, path);
		FILE *fp;

		if (name == NULL) {
			fprintf(stderr, "carbonsim: out of memory\n");
			return -1;
		}
		fp = open_output(st, name);
		if (fp == NULL || write(fp, rep, i) < 0) {
			if (fp != NULL)
				fprintf(stderr,
					"carbonsim: %s: write "
					"failed: %s\n",
					name, strerror(errno));
			free(name);
			return -1;
		}
		free(name);
	}
	return 0;
}

static int write_outputs(struct state *st, const struct report *rep)
{
	const struct options *opt = &st->opt;
	FILE *fp;

	if (opt->json != NULL) {
		fp = open_output(st, opt->json);
		if (fp == NULL)
			return -1;
		if (report_json(fp, rep) < 0) {
			fprintf(stderr, "carbonsim: %s: write failed: %s\n",
				opt->json, strerror(errno));
			return -1;
		}
	}
	if (opt->jobs_csv != NULL &&
		per_run_outputs(st, rep, opt->jobs_csv, report_jobs_csv) < 0)
		return -1;
	if (opt->plot_utilization != NULL &&
		per_run_outputs(st, rep, opt->plot_utilization,
			svg_plot_utilization) < 0)
		return -1;
	if (opt->plot_tradeoff != NULL) {
		fp = open_output(st, opt->plot_tradeoff);
		if (fp == NULL)
			return -1;
		if (svg_plot_tradeoff(fp, rep) < 0) {
			fprintf(stderr, "carbonsim: %s: write failed: %s\n",
				opt->plot_tradeoff, strerror(errno));
			return -1;
		}
	}
	/* Every file was written whole: now they appear, one by one. */
	for (size_t i = 0; i < st->nfiles; i++) {
		char *path = strdup(st->files[i].path);

		if (path == NULL || outfile_commit(&st->files[i]) < 0) {
			fprintf(stderr, "carbonsim: %s: %s\n",
				path != NULL ? path : "output",
				strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct state st = {0};
	struct options_error oerr = {{0}};
	struct swf_error serr = {{0}, 0};
	struct report rep = {0};
	struct progress prog = {.tty = isatty(STDERR_FILENO) == 1};
	int status = EXIT_FAILURE;

	if (options_parse(argc, argv, &st.opt, &oerr) < 0) {
		fprintf(stderr, "carbonsim: %s\n", oerr.text);
		options_free(&st.opt);
		return EXIT_USAGE;
	}
	if (st.opt.help || st.opt.version) {
		if (st.opt.help)
			usage(stdout);
		else
			printf("carbonsim (%s) %s\n", PACKAGE_NAME,
				PACKAGE_VERSION);
		options_free(&st.opt);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (swf_load(st.opt.trace, &st.opt.swf, &st.w, &serr) < 0) {
		fprintf(stderr, "carbonsim: %s\n", serr.text);
		goto out;
	}
	if (st.w.njobs == 0) {
		fprintf(stderr,
			"carbonsim: %s: no job left after filtering "
			"(%zu dropped)\n",
			st.opt.trace, st.w.dropped);
		goto out;
	}
	if (load_sites(&st) < 0 || plan_runs(&st) < 0)
		goto out;
	rep.opt = &st.opt;
	rep.w = &st.w;
	rep.sites = st.sites;
	rep.nsites = st.nsites;
	rep.carbon = st.sites[0].ci != NULL;
	rep.epoch_source = "";
	if (rep.carbon)
		rep.carbon_epoch = choose_epoch(&st, &rep.epoch_source);
	rep.runs = st.runs;
	rep.nruns = st.nruns;
	prog.nruns = st.nruns;
	for (size_t i = 0; i < st.nruns; i++)
		if (run_one(&st, &rep, i, &prog) < 0)
			goto out;
	progress_end(&prog);
	if (write_outputs(&st, &rep) < 0)
		goto out;
	print_header(&st, &rep);
	putchar('\n');
	report_table(stdout, &rep);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "carbonsim: stdout: %s\n", strerror(errno));
		goto out;
	}
	status = EXIT_SUCCESS;
out:
	state_free(&st);
	return status;
}
