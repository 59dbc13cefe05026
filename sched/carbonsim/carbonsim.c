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

#include "experiment.h"
#include "intensity.h"
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
		"                         of the job's estimate (2x); each "
		"is paired with a\n"
		"                         carbon-unaware baseline\n"
		"  --forecast KIND        oracle (default) or persistence\n"
		"  --max-advance LIST     windows opening before the submit "
		"time (a nightly\n"
		"                         job's): one duration, or one per "
		"--max-delay value\n"
		"  --forecast-error E     Gaussian forecast noise, E times the "
		"series mean\n"
		"                         (0.05 or 5%%)\n"
		"  --forecast-seed S      the first repetition's seed (default "
		"0)\n"
		"  --repetitions N        runs with forecast errors, mean and "
		"spread (default %d)\n"
		"Output:\n"
		"  --json FILE            summary of the configuration and "
		"every run\n"
		"  --jobs-csv FILE        per job (one file per run when "
		"several)\n"
		"  --plot-utilization F   SVG: utilization and intensity over "
		"time (per run)\n"
		"  --plot-tradeoff F      SVG: kg CO2e versus AVEbsld across "
		"--max-delay\n"
		"  --grid                 the multi-criteria table: "
		"performance, carbon,\n"
		"                         fairness, cost of learning\n"
		"  --plot-grid F          SVG: that grid as bars, each "
		"criterion scaled to its worst\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n\n"
		"Exit status: 0 success, 1 bad input or failed output, 2 bad "
		"command line.\nSee carbonsim(1).\n",
		OPTIONS_SPACE_WAIT_WEIGHT, OPTIONS_WATTS_BUSY,
		OPTIONS_WATTS_IDLE, OPTIONS_PUE, OPTIONS_REPETITIONS);
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
	experiment_free(st->runs, st->nruns);
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
	struct sc_error ierr = {{0}};

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
		if (intensity_series_gaps(s))
			printf("          %zu gap(s) in the series, %zu sample(s) "
			       "filled by linear interpolation\n",
				intensity_series_gaps(s),
				intensity_series_filled(s));
	}
	if (opt->ndelays > 0) {
		printf("shifting  max delay");
		for (size_t i = 0; i < opt->ndelays; i++)
			printf("%s %s", i ? "," : "", opt->delays[i].label);
		printf("; %s forecast\n", forecast_name(opt->forecast));
		if (opt->forecast_error > 0.0)
			printf("forecast  error: Gaussian noise of sd %g%% of "
			       "each series' mean; %zu repetitions, seeds "
			       "%llu..%llu\n",
				100.0 * opt->forecast_error, opt->repetitions,
				(unsigned long long)opt->forecast_seed,
				(unsigned long long)(opt->forecast_seed +
						     opt->repetitions - 1));
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

/* Replay one run with its progress; one line on stderr if it fails. */
static int run_one(const struct experiment *x, struct report_run *run, size_t i,
	struct progress *prog)
{
	struct sc_error err = {{0}};

	prog->run = i;
	snprintf(prog->label, sizeof(prog->label), "%s/%s/%s",
		policy_name(run->policy), backfill_name(run->backfill),
		run->baseline ? "baseline" : report_run_delay(run));
	clock_gettime(CLOCK_MONOTONIC, &prog->t0);
	if (experiment_run(x, run, &err) == 0)
		return 0;
	progress_end(prog);
	fprintf(stderr, "carbonsim: %s: %s/%s: %s\n", x->opt->trace,
		policy_name(run->policy), backfill_name(run->backfill),
		err.text);
	return -1;
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

typedef int (*writer_fn)(FILE *fp, const struct report *rep, size_t run);

static int write_json(FILE *fp, const struct report *rep, size_t run)
{
	(void)run;
	return report_json(fp, rep);
}

static int write_tradeoff(FILE *fp, const struct report *rep, size_t run)
{
	(void)run;
	return svg_plot_tradeoff(fp, rep);
}

static int write_grid(FILE *fp, const struct report *rep, size_t run)
{
	(void)run;
	return svg_plot_grid(fp, rep);
}

/* Write one output to its temporary file and close it (not yet renamed). */
static int write_output(struct state *st, const char *path, writer_fn write,
	const struct report *rep, size_t run)
{
	FILE *fp = open_output(st, path);

	if (fp == NULL)
		return -1;
	errno = 0;
	if (write(fp, rep, run) < 0 ||
		outfile_close(&st->files[st->nfiles - 1]) < 0) {
		fprintf(stderr, "carbonsim: %s: write failed: %s\n", path,
			strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* One file per run (path with a per-run suffix when several). */
static int per_run_outputs(struct state *st, const struct report *rep,
	const char *path, writer_fn write)
{
	for (size_t i = 0; i < rep->nruns; i++) {
		char *name = report_output_name(rep, i, path);
		int rc;

		if (name == NULL) {
			fprintf(stderr, "carbonsim: out of memory\n");
			return -1;
		}
		rc = write_output(st, name, write, rep, i);
		free(name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int write_outputs(struct state *st, const struct report *rep)
{
	const struct options *opt = &st->opt;

	if (opt->json != NULL &&
		write_output(st, opt->json, write_json, rep, 0) < 0)
		return -1;
	if (opt->jobs_csv != NULL &&
		per_run_outputs(st, rep, opt->jobs_csv, report_jobs_csv) < 0)
		return -1;
	if (opt->plot_utilization != NULL &&
		per_run_outputs(st, rep, opt->plot_utilization,
			svg_plot_utilization) < 0)
		return -1;
	if (opt->plot_tradeoff != NULL && write_output(st, opt->plot_tradeoff,
						  write_tradeoff, rep, 0) < 0)
		return -1;
	if (opt->plot_grid != NULL &&
		write_output(st, opt->plot_grid, write_grid, rep, 0) < 0)
		return -1;
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
	struct sc_error oerr = {{0}};
	struct sc_error serr = {{0}};
	struct report rep = {0};
	struct experiment x = {0};
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
	if (load_sites(&st) < 0)
		goto out;
	if (experiment_plan(&st.opt, st.nsites, &st.runs, &st.nruns) < 0) {
		fprintf(stderr, "carbonsim: out of memory\n");
		goto out;
	}
	x.opt = &st.opt;
	x.w = &st.w;
	x.sites = st.sites;
	x.nsites = st.nsites;
	x.progress = progress_cb;
	x.progress_arg = &prog;
	rep.opt = &st.opt;
	rep.w = &st.w;
	rep.sites = st.sites;
	rep.nsites = st.nsites;
	rep.carbon = st.sites[0].ci != NULL;
	rep.epoch_source = "";
	if (rep.carbon)
		rep.carbon_epoch = x.carbon_epoch =
			experiment_epoch(&x, &rep.epoch_source);
	rep.runs = st.runs;
	rep.nruns = st.nruns;
	prog.nruns = st.nruns;
	for (size_t i = 0; i < st.nruns; i++)
		if (run_one(&x, &st.runs[i], i, &prog) < 0)
			goto out;
	progress_end(&prog);
	if (write_outputs(&st, &rep) < 0)
		goto out;
	print_header(&st, &rep);
	putchar('\n');
	report_table(stdout, &rep);
	if (st.opt.grid)
		report_grid(stdout, &rep);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "carbonsim: stdout: %s\n", strerror(errno));
		goto out;
	}
	status = EXIT_SUCCESS;
out:
	state_free(&st);
	return status;
}
