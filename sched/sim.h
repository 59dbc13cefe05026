/*
 * sim.h: discrete-event replay of a workload on one or more sites under a
 * queue policy, a backfilling mode and optional carbon-aware time and space
 * shifting.
 */
#ifndef SCHED_SIM_H
#define SCHED_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "shift.h"
#include "swf.h"

struct intensity_series;

enum backfill_kind {
	BACKFILL_NONE,
	BACKFILL_EASY,		/* reservation for the head job only */
	BACKFILL_CONSERVATIVE,	/* a reservation for every queued job */
};

/* "none", "easy", "conservative"; parse is case-insensitive, 0 or -1. */
const char *backfill_name(enum backfill_kind kind);
int backfill_parse(const char *name, enum backfill_kind *kind);

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
};

/*
 * Time shifting: a job may be held after its submit time by up to
 * max_delay seconds, or max_delay_factor times its estimate when that is
 * > 0, and becomes eligible at the start of the lowest-carbon window that
 * fits its estimate (shift_best_start), as forecast at its submit time.
 * Holds are capped at 100 years. Sites without an intensity series do not
 * hold jobs.
 */
struct time_shift {
	int enabled;
	int64_t max_delay;
	double max_delay_factor;
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
	int64_t first_submit;
	int64_t makespan;	/* last end - first submit */
	double busy_proc_seconds;
	double energy_j;	/* busy + idle facility energy over the makespan */
	double idle_energy_j;
	double co2e_g;		/* jobs + idle */
	double idle_co2e_g;
};

struct sim_error {
	char text[512];
};

/*
 * Policy inputs: p is the job's estimate (the runtime the scheduler
 * believes), q its procs, w = now - submit, and r = submit - the earliest
 * submit of w (the start of the experiment window); policy.h clamps r.
 * Scheduling passes happen only at event instants, also for the dynamic
 * policies (WFP3, UNICEF), which are re-scored at each pass.
 *
 * Backfilling: EASY as in backfill.c's header comment; conservative redoes
 * every queued job's reservation in queue order at each pass (reservations
 * may move earlier, "compression"), and a job starts now only if its
 * earliest slot in that profile is now, so it delays no reservation.
 *
 * Space shifting's expected start at a site: the earliest slot for the job
 * in a profile built from the running jobs' estimated ends and the queued
 * jobs' reservations in queue order (jobs held by time shifting are not
 * counted); its expected carbon is the forecast (cfg.shift.forecast) over
 * [start, start + estimate) at that site. Time shifting is then applied at
 * the chosen site.
 *
 * Cost: static policies rank every job once (O(n log n)); a min-tree of
 * queued jobs' procs over those ranks finds the next job that fits in
 * O(log n), so EASY stays fast on an overloaded queue (10^6 lublin_256
 * jobs back to back: 1.5 s CPU). Dynamic policies re-sort the queue at
 * each pass (O(Q log Q)). Conservative rebuilds the reservations in queue
 * order at each pass until no later job could start now: O(Q * profile)
 * per pass at worst, fine for ordinary loads, slow when thousands of
 * queued jobs lie before a narrow one (FCFS on an overloaded trace).
 *
 * Replay w under cfg. Deterministic: all events of one instant (completions,
 * then arrivals, then holds ending) are applied before one scheduling pass;
 * queue ties are broken by submit time, then trace order. Returns 0 with
 * *res filled (caller frees with sim_result_free), or -1 with err filled
 * (bad configuration: a job wider than every site, no site, ...).
 */
int sim_run(const struct workload *w, const struct sim_config *cfg,
	struct sim_result *res, struct sim_error *err);

void sim_result_free(struct sim_result *res);

#endif
