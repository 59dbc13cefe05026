/*
 * report.h: what carbonsim ran and what came out, and its renderings: the
 * aligned table on stdout, the JSON summary and the per-job CSV.
 */
#ifndef CARBONSIM_REPORT_H
#define CARBONSIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fairness.h"
#include "options.h"
#include "sim.h"
#include "swf.h"

/* Aggregates over a set of jobs (a whole run, or one window). */
struct report_metrics {
	size_t jobs;	  /* jobs counted */
	double mean_wait; /* s, wait = start - submit (holds included) */
	double ave_bsld;  /* mean bounded slowdown, tau = 10 s */
	double max_bsld;
	double utilization; /* busy processor-seconds / capacity, 0..1 */
	int64_t makespan;   /* s */
	double energy_j;    /* facility energy, jobs + idle */
	double co2e_g;	    /* jobs + idle */
};

/* One window of the SC17 protocol: its jobs' first and last submit. */
struct report_window {
	int64_t start;
	int64_t end;
	struct report_metrics m;
};

/*
 * One simulation: a policy, a backfilling mode and a shifting setting.
 * A baseline is carbon-unaware (no time shifting; with several sites each
 * job goes where it can start first); a shifted run names its baseline.
 */
struct report_run {
	enum policy_kind policy;
	enum backfill_kind backfill;
	bool baseline;
	const struct options_delay *delay; /* NULL: no time shifting */
	long baseline_run;		   /* index of the baseline, or -1 */
	struct sim_result res;
	struct report_metrics m;       /* whole run, or windows overall */
	struct report_window *windows; /* --windows only */
	size_t nwindows;
	double window_mean_bsld; /* mean of the windows' AVEbsld */
	struct fairness fair;	 /* counted jobs (windows: pooled) */
	/*
	 * A shifted run with --forecast-error is replayed nreps times, with
	 * forecast seeds first_seed, first_seed + 1, ...: m and
	 * window_mean_bsld are the means over the repetitions, rep_co2e_g
	 * each one's carbon; res, windows and fair are the first one's.
	 * nreps 0: a single replay.
	 */
	size_t nreps;
	uint64_t first_seed;
	double *rep_co2e_g;
};

/* Everything the renderers need. Nothing here is owned by the report. */
struct report {
	const struct options *opt;
	const struct workload *w;
	const struct sim_site *sites;
	size_t nsites;
	bool carbon;		  /* sites have intensity series */
	int64_t carbon_epoch;	  /* unix time of trace time 0 */
	const char *epoch_source; /* how carbon_epoch was chosen */
	struct report_run *runs;
	size_t nruns;
};

/*
 * The run's max-delay label: the --max-delay value, "0" for space shifting
 * alone, "-" for a baseline or a run without shifting.
 */
const char *report_run_delay(const struct report_run *run);

/*
 * The per-run name of an output file: path itself when only one run was
 * made, else path with "-POLICY-BACKFILL[-DELAY]" before its extension
 * ("jobs.csv" -> "jobs-f1-easy-6h.csv"; a baseline gets "-base", space
 * shifting alone "-0"). Returns a malloc'd string the caller frees, or NULL
 * (ENOMEM).
 */
char *report_output_name(
	const struct report *rep, size_t run, const char *path);

/* The aligned table (and per-window tables with --windows). */
void report_table(FILE *fp, const struct report *rep);

/*
 * The JSON summary of the configuration and every run. Returns 0, or -1
 * with errno set (ENOMEM, or the stream's error).
 */
int report_json(FILE *fp, const struct report *rep);

/*
 * Per job of one run: id,submit,start,end,procs,wait,bsld,energy,co2e,
 * site,eligible (times in trace seconds, energy in J, co2e in g). Returns
 * 0, or -1 if the stream failed.
 */
int report_jobs_csv(FILE *fp, const struct report *rep, size_t run);

/*
 * What producing a run's policy cost (a learned policy's file, see
 * carbonlearn(1)): learned false for a built-in policy; cpu_s, energy_j
 * NAN when unknown; co2e_kg the energy at the first site's mean
 * intensity, NAN without energy or intensity.
 */
struct report_learn_cost {
	bool learned;
	double cpu_s;
	double energy_j;
	double co2e_kg;
};

void report_learn_cost(const struct report *rep, enum policy_kind k,
	struct report_learn_cost *c);

/*
 * The multi-criteria grid (--grid): per run, AVEbsld (the windows' mean
 * with --windows), kg CO2e, the wait's 99th percentile and maximum, bsld
 * by size class, Jain's index over users, and the cost of learning.
 */
void report_grid(FILE *fp, const struct report *rep);

#endif
