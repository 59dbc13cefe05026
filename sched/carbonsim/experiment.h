/*
 * experiment.h: what one carbonsim invocation replays: the runs (policy x
 * backfill x shifting, each shifted run paired with a carbon-unaware
 * baseline), the mapping of trace time onto the grid's clock, one replay.
 */
#ifndef CARBONSIM_EXPERIMENT_H
#define CARBONSIM_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "report.h"
#include "sim.h"
#include "swf.h"

/* The SC17 protocol of --windows: 15-day windows, 16 warm-up jobs. */
#define EXPERIMENT_WINDOW_SECONDS (15 * 86400)
#define EXPERIMENT_WARMUP 16

/* What every run of an invocation shares. Nothing here is owned. */
struct experiment {
	const struct options *opt;
	const struct workload *w;
	const struct sim_site *sites; /* with their series, or ci NULL */
	size_t nsites;
	int64_t carbon_epoch; /* unix time of trace time 0 */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
};

/*
 * The runs, in table order: per policy, per backfilling mode, a baseline
 * then one run per --max-delay value; with several sites and no
 * --max-delay, a baseline then space shifting alone; without shifting,
 * one run. delay points into opt (which must outlive the runs). Returns 0
 * with *runs (free with experiment_free), or -1 with errno ENOMEM.
 */
int experiment_plan(const struct options *opt, size_t nsites,
	struct report_run **runs, size_t *nruns);

/* Release runs and their results; accepts NULL. */
void experiment_free(struct report_run *runs, size_t nruns);

/*
 * Trace time 0 on the grid's clock: --carbon-start, else the trace's
 * UnixStartTime if every site's series covers it, else the latest series
 * start (so every series covers trace time 0). *source says which, for
 * the user. Every site must have a series.
 */
int64_t experiment_epoch(const struct experiment *x, const char **source);

/*
 * Replay run (planned by experiment_plan) and fill its result, metrics
 * and, with --windows, its windows. A baseline with several sites places
 * each job where it can start first (ties: the first site) and is then
 * charged the carbon of where and when it ran, as a shifted run is.
 * Returns 0, or -1 with err filled (the simulator's refusal, or "out of
 * memory"); run->res is then released by experiment_free.
 */
int experiment_run(const struct experiment *x, struct report_run *run,
	struct sc_error *err);

#endif
