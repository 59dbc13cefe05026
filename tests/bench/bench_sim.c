/*
 * bench_sim.c: replays 10^6 jobs (tests/data/lublin_256.swf repeated with
 * time offsets) under EASY + F1; fails above 5 s or 500 MB peak RSS.
 *
 * "5 s on one core" is checked against the replay's CPU time (the process
 * is single-threaded), which a busy machine does not inflate as it does
 * the wall time; both are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "metrics.h"
#include "sim.h"
#include "swf.h"

#define BENCH_JOBS 1000000
#define BENCH_MAX_SECONDS 5.0
#define BENCH_MAX_RSS_MB 500.0
#define BENCH_GAP (30 * 86400)

static double seconds_since(clockid_t clock, const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(clock, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Copies of base back to back until n jobs: copy k is shifted by k times
 * the base's submit span plus BENCH_GAP, so each copy keeps the original's
 * load. lublin_256 is overloaded under F1 (its last job ends ~2.4e6 s after
 * the last submit): the gap lets most of a copy's backlog drain before the
 * next copy, as in a trace with quiet periods.
 */
static int repeat_trace(
	const struct workload *base, size_t n, struct workload *w)
{
	int64_t first = base->jobs[0].submit, last = first;
	size_t i;

	for (i = 0; i < base->njobs; i++) {
		if (base->jobs[i].submit < first)
			first = base->jobs[i].submit;
		if (base->jobs[i].submit > last)
			last = base->jobs[i].submit;
	}
	memset(w, 0, sizeof(*w));
	w->jobs = malloc(n * sizeof(*w->jobs));
	if (!w->jobs)
		return -1;
	w->njobs = n;
	w->machine_procs = base->machine_procs;
	for (i = 0; i < n; i++) {
		int64_t offset =
			(int64_t)(i / base->njobs) * (last - first + BENCH_GAP);
		w->jobs[i] = base->jobs[i % base->njobs];
		w->jobs[i].submit += offset;
		w->jobs[i].id = (int64_t)i + 1;
	}
	return 0;
}

int main(void)
{
	struct swf_options opt = {.runtime_mode = SWF_RUNTIME_ACTUAL};
	struct workload base, w;
	struct swf_error serr;
	struct sim_error err;
	struct sim_result res;
	struct metrics m;
	struct timespec t0, c0;
	struct rusage ru;
	double secs, cpu, rss_mb;

	if (swf_load(TEST_DATA_DIR "/lublin_256.swf", &opt, &base, &serr) < 0) {
		fprintf(stderr, "bench_sim: %s\n", serr.text);
		return 1;
	}
	if (base.njobs == 0 || repeat_trace(&base, BENCH_JOBS, &w) < 0) {
		fprintf(stderr, "bench_sim: cannot build the trace\n");
		workload_free(&base);
		return 1;
	}
	struct sim_site site = {.name = "bench", .procs = base.machine_procs};
	struct sim_config cfg = {.policy = POLICY_F1,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 100.0, .watts_idle = 20.0, .pue = 1.2}};

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	if (sim_run(&w, &cfg, &res, &err) < 0) {
		fprintf(stderr, "bench_sim: %s\n", err.text);
		workload_free(&w);
		workload_free(&base);
		return 1;
	}
	cpu = seconds_since(CLOCK_PROCESS_CPUTIME_ID, &c0);
	secs = seconds_since(CLOCK_MONOTONIC, &t0);
	metrics_compute(&w, &res, NULL, &m);
	getrusage(RUSAGE_SELF, &ru);
	rss_mb = (double)ru.ru_maxrss / 1024.0;

	printf("sim EASY+F1: %zu jobs on %d procs in %.3f s CPU (%.3f s "
	       "wall): %.0f jobs/s; peak RSS %.1f MB; AVEbsld %.2f, "
	       "utilization %.3f\n",
		w.njobs, base.machine_procs, cpu, secs, (double)w.njobs / cpu,
		rss_mb, m.avg_bsld, m.utilization);
	sim_result_free(&res);
	workload_free(&w);
	workload_free(&base);
	if (cpu > BENCH_MAX_SECONDS || rss_mb > BENCH_MAX_RSS_MB) {
		fprintf(stderr,
			"bench_sim: over budget (%.0f s, %.0f MB allowed)\n",
			BENCH_MAX_SECONDS, BENCH_MAX_RSS_MB);
		return 1;
	}
	return 0;
}
