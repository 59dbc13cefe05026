/*
 * metrics.h: scheduling metrics of a replay (wait, bounded slowdown,
 * utilization, makespan) and the SC17 protocol of 15-day windows.
 */
#ifndef SCHED_METRICS_H
#define SCHED_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "swf.h"

/* Bounded slowdown's threshold tau, seconds. */
#define METRICS_TAU 10

/*
 * Bounded slowdown of one job: max(1, (wait + runtime) / max(runtime, tau)).
 * wait >= 0, runtime > 0.
 */
double metrics_bsld(int64_t wait, int64_t runtime);

/* Aggregates over a set of jobs. wait = start - submit (hold included). */
struct metrics {
	size_t njobs;	  /* jobs counted (warm-up excluded) */
	double mean_wait; /* seconds */
	double avg_bsld;  /* AVEbsld */
	double max_bsld;
	double utilization; /* busy proc-seconds / (total procs * makespan) */
	int64_t makespan;   /* last end - first submit, all jobs of the run */
};

/*
 * Aggregates of res (a replay of w): wait and bsld over the jobs i with
 * include[i] true (include NULL: every job); utilization and makespan over
 * the whole run. All zero when no job is counted.
 */
void metrics_compute(const struct workload *w, const struct sim_result *res,
	const bool *include, struct metrics *m);

/*
 * The SC17 protocol (Carastan-Santos & de Camargo): the trace in arrival
 * order (submit, then trace order) is cut into consecutive windows; each
 * window takes warmup jobs, then every following job submitted at most
 * window_seconds after the window's first job. Each window is replayed on
 * its own, on an empty machine, with times relative to its first job (so
 * r starts at 0 in every window); its first warmup jobs fill the machine
 * and are excluded from its metrics.
 */
struct metrics_protocol {
	int64_t window_seconds; /* 15 * 86400 in the paper */
	size_t warmup;		/* 16 in the paper */
};

struct metrics_window {
	int64_t start;	       /* trace time of the window's first job */
	size_t njobs;	       /* jobs replayed, warm-up included */
	size_t *jobs;	       /* their indices into w.jobs, arrival order */
	struct sim_result res; /* res.jobs[k] is jobs[k]; trace times */
	struct metrics m;      /* warm-up excluded */
};

struct metrics_windows {
	struct metrics_window *windows;
	size_t nwindows;
	struct metrics overall; /* every counted job of every window pooled;
				 * utilization pooled over the windows */
	double mean_avg_bsld;	/* mean of the windows' AVEbsld (the paper's
				 * figure), windows with counted jobs only */
};

/*
 * Replay w window by window under cfg (cfg.carbon_epoch stays the unix
 * time of trace time 0). Returns 0 with *out filled (free it with
 * metrics_windows_free), or -1 with err filled as sim_run does.
 */
int metrics_windows_run(const struct workload *w, const struct sim_config *cfg,
	const struct metrics_protocol *p, struct metrics_windows *out,
	struct sc_error *err);

/* Accepts NULL and an empty result. */
void metrics_windows_free(struct metrics_windows *out);

#endif
