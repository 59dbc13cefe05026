/*
 * sim.h: discrete-event replay of a workload on one or more sites under a
 * queue policy, a backfilling mode and optional carbon-aware time and space
 * shifting.
 */
#ifndef SCHED_SIM_H
#define SCHED_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "backfill.h"
#include "policy.h"
#include "sc_error.h"
#include "shift.h"
#include "swf.h"

struct intensity_series;

/* Site power model: constants per processor, and the facility overhead. */
struct power_model {
	double watts_busy;	/* per busy processor */
	double watts_idle;	/* per idle processor */
	double pue;		/* >= 1 */
};

/* A site: a cluster of procs processors on a grid with intensity ci. */
struct sim_site {
	const char *name;
	int32_t procs;
	const struct intensity_series *ci;	/* NULL: no carbon accounting */
	/*
	 * What time and space shifting believe ci to be (a forecast with
	 * errors: shift_forecast_with_error); NULL: ci itself. Carbon is
	 * always accounted with ci.
	 */
	const struct intensity_series *forecast;
};

/*
 * Time shifting: a job may be held after its submit time by up to
 * max_delay seconds, or max_delay_factor times its estimate when that is
 * > 0, and becomes eligible at the start of the lowest-carbon window that
 * fits its estimate (shift_best_start), as forecast at its submit time.
 *
 * With max_advance > 0 the window also opens before the submit time (the
 * time the job is scheduled for, as a nightly job's): the job is known
 * from submit - max_advance on, and its start is chosen in [submit -
 * max_advance, submit + max_delay] as forecast then; it may start before
 * its submit time (its wait, start - submit, is then negative). Idle
 * processors are charged from the first submit, or from the first start
 * if that is earlier.
 *
 * Holds and advances are capped at 100 years. Sites without an intensity
 * series do not hold jobs; an advance needs a series at every site.
 */
struct time_shift {
	int enabled;
	int64_t max_delay;
	double max_delay_factor;
	int64_t max_advance;
	enum forecast_kind forecast;
};

/*
 * Space shifting (several sites): each arriving job goes to the site with
 * the lowest score = expected grams CO2e + wait_weight * expected wait (s),
 * among the sites whose expected start is within max_wait seconds of the
 * earliest expected start over all sites.
 */
struct space_shift {
	double wait_weight;	/* grams CO2e one second of wait is worth */
	int64_t max_wait;
	/*
	 * Carbon-unaware placement, the baseline of space shifting: each job
	 * goes to the site where it is expected to start first (ties: the
	 * first site); carbon is still accounted.
	 */
	int carbon_unaware;
};

struct sim_config {
	enum policy_kind policy;
	enum backfill_kind backfill;
	const struct sim_site *sites;	/* at least one */
	size_t nsites;
	struct power_model power;
	int64_t carbon_epoch;	/* unix time of trace time 0 */
	struct time_shift shift;
	struct space_shift space;
	/* Called now and then with jobs finished so far; may be NULL. */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
};

/* Per job, indexed like workload.jobs. Times in trace seconds. */
struct sim_job_result {
	int64_t eligible;	/* submit, or later when held by time shifting */
	int64_t start;
	int64_t end;
	int32_t site;		/* index into sim_config.sites */
	double energy_j;	/* facility energy: procs*watts_busy*runtime*pue */
	double co2e_g;		/* energy over the run, interval by interval */
};

/* Aggregates over all jobs (see metrics.h for windows and bsld). */
struct sim_result {
	struct sim_job_result *jobs;
	size_t njobs;
	int64_t total_procs;	/* sum of the sites' procs */
	int64_t first_submit;	/* or the first start, if earlier (advance) */
	int64_t makespan;	/* last end - first_submit */
	double busy_proc_seconds;
	double energy_j;	/* busy + idle facility energy over the makespan */
	double idle_energy_j;
	double co2e_g;		/* jobs + idle */
	double idle_co2e_g;
};

/*
 * Policy inputs: p is the job's estimate (the runtime the scheduler
 * believes), q its procs, w = now - submit, and r = submit - the earliest
 * submit of w (the start of the experiment window); policy.h clamps r.
 * Scheduling passes happen only at event instants, also for the dynamic
 * policies (WFP3, UNICEF), whose queue is in the order of the pass's
 * instant whenever that order matters.
 *
 * Backfilling: backfill.h (EASY and conservative, with conservative's
 * reservations kept between passes; the schedule is that of recomputing
 * them all at every pass).
 *
 * Space shifting's expected start at a site: the earliest slot for the job
 * in a profile built from the running jobs' estimated ends and the queued
 * jobs' reservations in queue order (jobs held by time shifting are not
 * counted); its expected carbon is the forecast (cfg.shift.forecast) over
 * [start, start + estimate) at that site. Time shifting is then applied at
 * the chosen site.
 *
 * Cost: static policies rank every job once (a radix sort, O(n)); a
 * 64-ary tree of the queued jobs' procs over those ranks finds the next
 * job that fits in a few cache lines. Dynamic policies re-score and
 * re-sort the queue (by insertion: it is nearly in order, often wholly)
 * at every pass that may start a job: O(Q) per pass. WFP3 and UNICEF keep
 * their order between passes instead, from each job's line: without
 * backfilling on one site with no job known in advance (max_advance),
 * which needs only the head, a kinetic tournament (kinetic.h) replays
 * only the pairs of jobs whose order may have changed; otherwise a
 * kinetic sorted array compares again only the neighbours whose lines
 * may have crossed (queue_resort_linear).
 * Conservative reservations are made again only from the first queued job
 * before which something changed (tests/bench/bench_sim prints every
 * policy and backfilling mode).
 *
 * Replay w under cfg. Deterministic: all events of one instant (completions,
 * then arrivals, then holds ending) are applied before one scheduling pass;
 * queue ties are broken by submit time, then trace order. Returns 0 with
 * *res filled (caller frees with sim_result_free), or -1 with err filled
 * (bad configuration: a job wider than every site, no site, ...).
 */
int sim_run(const struct workload *w, const struct sim_config *cfg,
	struct sim_result *res, struct sc_error *err);

void sim_result_free(struct sim_result *res);

#endif
