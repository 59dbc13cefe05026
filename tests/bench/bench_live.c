/*
 * bench_live.c: what the live plugins cost slurmctld: one site_factor/carbon
 * update over 10,000 pending jobs (target: under 2 ms) and one
 * job_submit/carbon deferral decision (target: under 10 us).
 *
 * The update does what site_factor_p_update does once it holds the job
 * list: collect the pending jobs in the list's order and the oldest
 * submit time (r's origin), score each with rank_score, rank them with
 * rank_update and write the factors back; for F1 (the default), SPF and
 * WFP3 (whose scores change with the wait, so every update sorts anew).
 * The decision is defer_decide on what scarbon-fetch writes: 24 h of
 * history and 48 h of forecast at 30-min steps, for a job with a 4 h time
 * limit in a queue with a 12 h MaxDelay. Times are CPU time (one thread),
 * the best of BENCH_PASSES passes, as in bench_carbon; wall time is
 * printed too. Exits 1 when a target is missed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "defer.h"
#include "intensity.h"
#include "priority_rank.h"

#define BENCH_PASSES 5
#define PENDING 10000
#define UPDATES 100 /* per pass */
#define UPDATE_TARGET_MS 2.0
#define DECISIONS 100000 /* per pass */
#define DECISION_TARGET_US 10.0
#define SITE_FACTOR_MAX 10000000u /* carbon.conf's default */
#define NICE_OFFSET 0x80000000u	  /* Slurm's, added to the factor */
#define NOW 1795982400		  /* 2026-11-29T20:00:00Z */
#define STEP (30 * 60)
#define HISTORY (24 * 3600)
#define FORECAST (48 * 3600)

/* The part of a slurmctld job record the plugin reads and writes. */
struct job {
	int pending;
	uint32_t id;
	double time_limit_s;
	double cpus;
	int64_t submit;
	uint32_t site_factor;
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t below(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/*
 * A queue as a busy cluster has it: PENDING jobs submitted over the last
 * three days, among as many running ones (skipped by the update), time
 * limits from 10 min to 2 days, mostly small CPU counts.
 */
static struct job *make_jobs(size_t *njobs)
{
	static const double limits_min[] = {
		10, 30, 60, 120, 240, 720, 1440, 2880};
	size_t n = 2 * PENDING, i;
	struct job *jobs = calloc(n, sizeof(*jobs));

	if (!jobs)
		return NULL;
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		j->pending = i % 2 == 0;
		j->id = 1000000 + (uint32_t)i;
		j->time_limit_s =
			60.0 * limits_min[below(sizeof(limits_min) /
						sizeof(limits_min[0]))];
		j->cpus = (double)(1u << below(9)) * (double)(1 + below(2));
		j->submit = NOW - 3 * 86400 + (int64_t)below(3 * 86400);
	}
	*njobs = n;
	return jobs;
}

static double seconds_since(clockid_t clock, const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(clock, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* One update, as site_factor_p_update; the number of pending jobs. */
static size_t update(struct rank_state *st, struct rank_job *scratch,
	struct job *jobs, size_t njobs, enum policy_kind policy, int64_t now)
{
	int64_t origin = INT64_MAX;
	size_t n = 0, i;

	for (i = 0; i < njobs; i++) {
		if (!jobs[i].pending)
			continue;
		scratch[n++].handle = &jobs[i];
		if (jobs[i].submit < origin)
			origin = jobs[i].submit;
	}
	for (i = 0; i < n; i++) {
		struct job *j = scratch[i].handle;

		scratch[i].submit = j->submit;
		scratch[i].id = j->id;
		scratch[i].score = rank_score(policy, j->time_limit_s, j->cpus,
			j->submit, origin, now, 0.0);
	}
	if (rank_update(st, scratch, n, SITE_FACTOR_MAX, origin) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct job *j = scratch[i].handle;

		j->site_factor = NICE_OFFSET + scratch[i].factor;
	}
	return n;
}

/* The best ms per update of policy over BENCH_PASSES passes; -1 on error. */
static double bench_update(struct job *jobs, size_t njobs,
	enum policy_kind policy, double *wall_ms)
{
	struct rank_job *scratch = calloc(njobs, sizeof(*scratch));
	struct rank_state st = {0};
	double best = -1;
	int64_t now = NOW;
	int pass, u;

	if (!scratch)
		return -1;
	for (pass = 0; pass < BENCH_PASSES; pass++) {
		struct timespec c0, w0;
		double cpu, wall;

		clock_gettime(CLOCK_MONOTONIC, &w0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		for (u = 0; u < UPDATES; u++) {
			/* PriorityCalcPeriod: every 5 min by default */
			now += 300;
			if (update(&st, scratch, jobs, njobs, policy, now) !=
				PENDING) {
				best = -1;
				goto out;
			}
		}
		cpu = seconds_since(CLOCK_PROCESS_CPUTIME_ID, &c0) * 1e3 /
		      UPDATES;
		wall = seconds_since(CLOCK_MONOTONIC, &w0) * 1e3 / UPDATES;
		if (best < 0 || cpu < best) {
			best = cpu;
			*wall_ms = wall;
		}
	}
	if (st.ties)
		fprintf(stderr, "bench_live: %zu ties\n", st.ties);
out:
	rank_release(&st);
	free(scratch);
	return best;
}

/*
 * 72 h at 30-min steps from NOW - 24 h: a daily cycle, lowest at 04:00,
 * with noise, as the UK grid's forecast looks. Submitted from 20:00, most
 * jobs are deferred to the small hours.
 */
static struct intensity_series *make_series(void)
{
	enum { N = (HISTORY + FORECAST) / STEP };
	struct sc_error err = {{0}};
	struct intensity_series *s;
	int64_t t[N];
	double v[N];
	size_t i;

	for (i = 0; i < N; i++) {
		t[i] = NOW - HISTORY + (int64_t)i * STEP;
		double hour = (double)(t[i] % 86400) / 3600;

		v[i] = 180 - 80 * cos(2 * M_PI * (hour - 4) / 24) +
		       (double)below(40);
	}
	s = intensity_series_create(t, v, N, &err);
	if (!s)
		fprintf(stderr, "bench_live: series: %s\n", err.text);
	return s;
}

/*
 * The best us per decision over BENCH_PASSES passes; with words, the
 * message and trace of a deferred job are written too (the plugin's
 * path for a deferred job). *deferred counts the last pass's deferrals.
 */
static double bench_decision(const struct intensity_series *s, int words,
	double *wall_us, size_t *deferred)
{
	struct defer_request rq = {
		.duration = 4 * 3600,
		.max_delay = 12 * 3600,
		.min_saving = 0.05,
	};
	double best = -1;
	char text[512];
	int pass, i;

	for (pass = 0; pass < BENCH_PASSES; pass++) {
		struct timespec c0, w0;
		double cpu, wall;

		*deferred = 0;
		clock_gettime(CLOCK_MONOTONIC, &w0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		for (i = 0; i < DECISIONS; i++) {
			struct defer_decision d;

			/* submissions spread over the next hour */
			rq.now = NOW + i % 3600;
			defer_decide(s, &rq, &d);
			*deferred += (size_t)d.defer;
			if (words && d.defer &&
				(defer_message(&d, "gb", text, sizeof(text)) ||
					defer_trace(
						&d, "gb", text, sizeof(text))))
				return -1;
		}
		cpu = seconds_since(CLOCK_PROCESS_CPUTIME_ID, &c0) * 1e6 /
		      DECISIONS;
		wall = seconds_since(CLOCK_MONOTONIC, &w0) * 1e6 / DECISIONS;
		if (best < 0 || cpu < best) {
			best = cpu;
			*wall_us = wall;
		}
	}
	return best;
}

int main(void)
{
	static const enum policy_kind policies[] = {
		POLICY_F1, POLICY_SPF, POLICY_WFP3};
	struct intensity_series *s;
	size_t njobs, i, deferred;
	struct job *jobs;
	double us, wall;
	int rc = 0;

	jobs = make_jobs(&njobs);
	s = make_series();
	if (!jobs || !s) {
		fprintf(stderr, "bench_live: out of memory\n");
		return 1;
	}
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		double ms = bench_update(jobs, njobs, policies[i], &wall);

		if (ms < 0) {
			fprintf(stderr, "bench_live: update failed\n");
			return 1;
		}
		printf("bench_live: site factor update, %d pending jobs, %-4s "
		       "%7.3f ms CPU (%.3f ms wall)  target < %.0f ms: %s\n",
			PENDING, policy_name(policies[i]), ms, wall,
			UPDATE_TARGET_MS,
			ms < UPDATE_TARGET_MS ? "ok" : "MISSED");
		if (ms >= UPDATE_TARGET_MS)
			rc = 1;
	}
	us = bench_decision(s, 0, &wall, &deferred);
	if (us < 0) {
		fprintf(stderr, "bench_live: decision failed\n");
		return 1;
	}
	printf("bench_live: job_submit decision, 4 h job, 12 h MaxDelay, 72 h "
	       "series: %7.3f us CPU (%.3f us wall)  target < %.0f us: %s\n",
		us, wall, DECISION_TARGET_US,
		us < DECISION_TARGET_US ? "ok" : "MISSED");
	printf("bench_live: %zu of %d submissions deferred\n", deferred,
		DECISIONS);
	if (us >= DECISION_TARGET_US)
		rc = 1;
	us = bench_decision(s, 1, &wall, &deferred);
	if (us < 0) {
		fprintf(stderr, "bench_live: message did not fit\n");
		return 1;
	}
	printf("bench_live: the same with the message and trace of a deferred "
	       "job: %.3f us CPU (%.3f us wall), for information\n",
		us, wall);
	printf("bench_live: %s\n",
		rc ? "a target was MISSED" : "all targets met");
	intensity_series_destroy(s);
	free(jobs);
	return rc;
}
