/*
 * test_sim.c: hand-computed schedules: each queue order, each backfilling
 * mode with EASY's corner cases, time and space shifting, energy, metrics.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"
#include "intensity.h"
#include "metrics.h"
#include "sim.h"

#define H 3600
/* Unix time of trace time 0 in the carbon cases (a whole hour). */
#define T0 1700000000LL

struct tjob {
	int64_t submit, runtime, estimate;
	int32_t procs;
};

/* A workload of n jobs with ids 1..n; estimate 0 means = runtime. */
static void make_workload(
	struct workload *w, const struct tjob *t, size_t n, int32_t machine)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->jobs = calloc(n, sizeof(*w->jobs));
	ck_assert_ptr_nonnull(w->jobs);
	w->njobs = n;
	w->machine_procs = machine;
	for (i = 0; i < n; i++) {
		w->jobs[i].id = (int64_t)i + 1;
		w->jobs[i].submit = t[i].submit;
		w->jobs[i].runtime = t[i].runtime;
		w->jobs[i].estimate =
			t[i].estimate ? t[i].estimate : t[i].runtime;
		w->jobs[i].procs = t[i].procs;
		w->jobs[i].user = -1;
	}
}

/*
 * Queue orders, machine 4: a blocker (job 1) holds every processor until
 * 2000, then three jobs of 3 or 4 procs run one at a time in queue order.
 * At r = 1000..1002 the 870*log10(r) steps are ~0.4, so F1 weighs
 * log10(p)*q: job 2 (p 30, q 3) 2614.43, job 3 (p 20, q 4) 2615.58,
 * job 4 (p 25, q 3) 2614.95 -> 2, 4, 3. F2..F4's r terms dominate: FCFS.
 * WFP3 at 2000, w/p: job 3 (999/20)^3*4 = 4.98e5 > job 4 1.91e5 > job 2
 * 1.11e5. UNICEF w/(log2(q) p): job 4 25.19 > job 3 24.98 > job 2 21.03.
 */
static const struct tjob order1[] = {
	{0, 2000, 0, 4},
	{1000, 30, 0, 3},
	{1001, 20, 0, 4},
	{1002, 25, 0, 3},
};

/*
 * The same shape at r ~ 1e5 with p = 10000, 100, 400: the r terms shrink
 * and every learned function puts short jobs first. F1: job 2 4362.0,
 * job 3 4358.00, job 4 4357.81 -> 4, 3, 2; F2..F4 -> 3, 4, 2.
 */
static const struct tjob order2[] = {
	{0, 101000, 0, 4},
	{100000, 10000, 0, 3},
	{100001, 100, 0, 4},
	{100002, 400, 0, 3},
};

/*
 * EASY, machine 10. t=0 job 1 (6 procs, to 100). t=1 job 2 needs 8: head,
 * shadow 100, extra 10 - 8 = 2. t=2 job 3 (4 procs, 200 s) fits now but
 * ends at 202 > 100 and 4 > extra: refused, it would delay the head.
 * t=3 job 4 (2 procs, 90 s) ends at 93 <= 100: backfilled. t=4 job 5
 * (2 procs, 500 s) ends after the shadow but 2 <= extra 2: backfilled on
 * the extra procs. t=100 job 2 starts on time (10 - 2 = 8 free), t=150
 * job 3. Without backfilling 3, 4 and 5 all wait until 150.
 */
static const struct tjob easy1[] = {
	{0, 100, 0, 6},
	{1, 50, 0, 8},
	{2, 200, 0, 4},
	{3, 90, 0, 2},
	{4, 500, 0, 2},
};

/*
 * EASY and conservative differ, machine 10: job 2 (8 procs) is the head
 * with shadow 100 and 2 extra procs; job 3 (9 procs) queues behind it.
 * EASY backfills job 4 (2 procs, 250 s) on the extra procs at 3, which
 * delays job 3 (not protected) to 253. Conservative reserves job 2 at
 * [100, 200) and job 3 at [200, 300), so job 4 waits until 300.
 */
static const struct tjob easy2[] = {
	{0, 100, 0, 6},
	{1, 100, 0, 8},
	{2, 100, 0, 9},
	{3, 250, 0, 2},
};

/*
 * Requested-time mode: job 1 is estimated 100 s but runs 50; job 3
 * (estimated 60) ends by the shadow 100 and is backfilled at 2. Job 2
 * starts at 62, when job 3 really ends, not at the shadow time.
 */
static const struct tjob easy3[] = {
	{0, 50, 100, 6},
	{1, 50, 0, 8},
	{2, 60, 0, 4},
};

/*
 * Extra procs are consumed: jobs 3 and 4 (2 procs, 500 s) arrive together
 * while job 2 (8 procs) waits for the shadow 100 with 2 extra procs. Job 3
 * takes them; job 4 also fits now (4 free) but would delay the head, so it
 * waits until job 2 ends at 150.
 */
static const struct tjob easy4[] = {
	{0, 100, 0, 6},
	{1, 50, 0, 8},
	{2, 500, 0, 2},
	{2, 500, 0, 2},
};

/*
 * EASY trusts estimates: job 3 would really end at 62 <= shadow 100, but
 * its estimate (120 s) ends at 122 and it needs more than the 2 extra
 * procs: refused. Job 1 really ends at 50, job 2 starts then, job 3 at
 * 100 (job 2's end).
 */
static const struct tjob easy5[] = {
	{0, 50, 100, 6},
	{1, 50, 0, 8},
	{2, 60, 120, 4},
};

/* Ties: same submit and score -> trace order; SPF puts job 3 first. */
static const struct tjob ties[] = {
	{0, 10, 0, 4},
	{0, 10, 0, 4},
	{0, 5, 0, 4},
};

/* Trace not sorted by submit; a completion frees procs for an arrival. */
static const struct tjob unsorted[] = {
	{10, 5, 0, 4},
	{0, 10, 0, 4},
	{15, 5, 0, 4},
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static const int64_t order1_fcfs[] = {0, 2000, 2030, 2050};
static const int64_t order1_spf[] = {0, 2045, 2000, 2020};
static const int64_t order1_saf[] = {0, 2045, 2025, 2000};
static const int64_t order1_f1[] = {0, 2000, 2055, 2030};
static const int64_t order2_fcfs[] = {0, 101000, 111000, 111100};
static const int64_t order2_short[] = {0, 101500, 101000, 101100};
static const int64_t order2_f1[] = {0, 101500, 101400, 101000};
static const int64_t easy1_easy[] = {0, 100, 150, 3, 4};
static const int64_t easy1_none[] = {0, 100, 150, 150, 150};
static const int64_t easy2_easy[] = {0, 100, 253, 3};
static const int64_t easy2_cons[] = {0, 100, 200, 300};
static const int64_t easy3_easy[] = {0, 62, 2};
static const int64_t easy3_none[] = {0, 50, 100};
static const int64_t easy4_easy[] = {0, 100, 2, 150};
static const int64_t easy5_easy[] = {0, 50, 100};
static const int64_t ties_spf[] = {5, 15, 0};
static const int64_t ties_fcfs[] = {0, 10, 20};
static const int64_t unsorted_fcfs[] = {10, 0, 15};

static const struct sched_case {
	const char *name;
	enum policy_kind policy;
	enum backfill_kind backfill;
	int32_t procs;
	const struct tjob *jobs;
	size_t njobs;
	const int64_t *starts;
} sched_cases[] = {
#define C(nm, pol, bf, procs, jobs, starts)                                    \
	{                                                                      \
		nm, POLICY_##pol, BACKFILL_##bf, procs, jobs, N(jobs), starts  \
	}
	C("order1 fcfs", FCFS, NONE, 4, order1, order1_fcfs),
	C("order1 spf", SPF, NONE, 4, order1, order1_spf),
	C("order1 saf", SAF, NONE, 4, order1, order1_saf),
	C("order1 wfp3", WFP3, NONE, 4, order1, order1_spf),
	C("order1 unicef", UNICEF, NONE, 4, order1, order1_saf),
	C("order1 f1", F1, NONE, 4, order1, order1_f1),
	C("order1 f2", F2, NONE, 4, order1, order1_fcfs),
	C("order1 f3", F3, NONE, 4, order1, order1_fcfs),
	C("order1 f4", F4, NONE, 4, order1, order1_fcfs),
	C("order1 f1 easy", F1, EASY, 4, order1, order1_f1),
	C("order1 wfp3 easy", WFP3, EASY, 4, order1, order1_spf),
	C("order1 unicef conservative", UNICEF, CONSERVATIVE, 4, order1,
		order1_saf),
	C("order1 f1 conservative", F1, CONSERVATIVE, 4, order1, order1_f1),
	C("order2 fcfs", FCFS, NONE, 4, order2, order2_fcfs),
	C("order2 spf", SPF, NONE, 4, order2, order2_short),
	C("order2 saf", SAF, NONE, 4, order2, order2_short),
	C("order2 wfp3", WFP3, NONE, 4, order2, order2_short),
	C("order2 unicef", UNICEF, NONE, 4, order2, order2_short),
	C("order2 f1", F1, NONE, 4, order2, order2_f1),
	C("order2 f2", F2, NONE, 4, order2, order2_short),
	C("order2 f3", F3, NONE, 4, order2, order2_short),
	C("order2 f4", F4, EASY, 4, order2, order2_short),
	C("easy1 easy", FCFS, EASY, 10, easy1, easy1_easy),
	C("easy1 none", FCFS, NONE, 10, easy1, easy1_none),
	C("easy1 conservative", FCFS, CONSERVATIVE, 10, easy1, easy1_easy),
	C("easy2 easy", FCFS, EASY, 10, easy2, easy2_easy),
	C("easy2 conservative", FCFS, CONSERVATIVE, 10, easy2, easy2_cons),
	C("easy2 none", FCFS, NONE, 10, easy2, easy2_cons),
	C("easy3 easy", FCFS, EASY, 10, easy3, easy3_easy),
	C("easy3 none", FCFS, NONE, 10, easy3, easy3_none),
	C("easy3 conservative", FCFS, CONSERVATIVE, 10, easy3, easy3_easy),
	C("easy4 easy", FCFS, EASY, 10, easy4, easy4_easy),
	C("easy4 conservative", FCFS, CONSERVATIVE, 10, easy4, easy4_easy),
	C("easy5 easy", FCFS, EASY, 10, easy5, easy5_easy),
	C("easy5 conservative", FCFS, CONSERVATIVE, 10, easy5, easy5_easy),
	C("ties spf", SPF, NONE, 4, ties, ties_spf),
	C("ties fcfs", FCFS, EASY, 4, ties, ties_fcfs),
	C("unsorted fcfs", FCFS, NONE, 4, unsorted, unsorted_fcfs),
#undef C
};

START_TEST(test_schedules)
{
	size_t i, k;

	for (i = 0; i < N(sched_cases); i++) {
		const struct sched_case *c = &sched_cases[i];
		struct sim_site site = {.name = "s", .procs = c->procs};
		struct sim_config cfg = {.policy = c->policy,
			.backfill = c->backfill,
			.sites = &site,
			.nsites = 1,
			.power = {100.0, 10.0, 1.0}};
		struct workload w;
		struct sim_result res;
		struct sc_error err;

		make_workload(&w, c->jobs, c->njobs, c->procs);
		ck_assert_msg(sim_run(&w, &cfg, &res, &err) == 0, "%s: %s",
			c->name, err.text);
		for (k = 0; k < c->njobs; k++) {
			ck_assert_msg(res.jobs[k].start == c->starts[k],
				"%s: job %zu starts at %lld, expected %lld",
				c->name, k + 1, (long long)res.jobs[k].start,
				(long long)c->starts[k]);
			ck_assert_int_eq(res.jobs[k].end,
				c->starts[k] + w.jobs[k].runtime);
			ck_assert_int_eq(
				res.jobs[k].eligible, w.jobs[k].submit);
			ck_assert_int_eq(res.jobs[k].site, 0);
		}
		sim_result_free(&res);
		workload_free(&w);
	}
}
END_TEST

/* Progress callback: records the last report. */
static void progress(void *arg, size_t done, size_t total)
{
	size_t *last = arg;

	last[0] = done;
	last[1] = total;
}

/* The same input twice gives the same schedule; progress ends at n of n. */
START_TEST(test_deterministic)
{
	struct sim_site site = {.name = "s", .procs = 10};
	struct sim_config cfg = {.policy = POLICY_UNICEF,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {100.0, 10.0, 1.0}};
	struct workload w;
	struct sim_result a, b;
	struct sc_error err;

	size_t last[2] = {0, 0};

	make_workload(&w, easy1, N(easy1), 10);
	ck_assert_int_eq(sim_run(&w, &cfg, &a, &err), 0);
	cfg.progress = progress;
	cfg.progress_arg = last;
	ck_assert_int_eq(sim_run(&w, &cfg, &b, &err), 0);
	ck_assert_int_eq(memcmp(a.jobs, b.jobs, w.njobs * sizeof(*a.jobs)), 0);
	ck_assert_int_eq(last[0], 5);
	ck_assert_int_eq(last[1], 5);
	sim_result_free(&a);
	sim_result_free(&b);
	workload_free(&w);
}
END_TEST

static const struct bsld_case {
	int64_t wait, runtime;
	double bsld;
} bsld_cases[] = {
	{0, 5, 1.0},	 /* max(1, 5/10) */
	{10, 5, 1.5},	 /* (10 + 5) / 10 */
	{100, 100, 2.0}, /* (100 + 100) / 100 */
	{0, 100, 1.0},
	{30, 10, 4.0},
};

/*
 * easy1 under EASY: waits 0, 99, 148, 0, 0 (mean 49.4); bsld 1,
 * (99+50)/50 = 2.98, (148+200)/200 = 1.74, 1, 1 (mean 1.544, max 2.98);
 * makespan 504 (job 5 ends at 4 + 500); busy 600+400+800+180+1000 = 2980
 * proc-s, utilization 2980 / (10 * 504).
 */
START_TEST(test_metrics)
{
	struct sim_site site = {.name = "s", .procs = 10};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {100.0, 10.0, 1.0}};
	bool include[] = {false, true, true, false, false};
	struct workload w;
	struct sim_result res;
	struct sc_error err;
	struct metrics m;
	size_t i;

	for (i = 0; i < N(bsld_cases); i++) {
		const struct bsld_case *c = &bsld_cases[i];
		double got = metrics_bsld(c->wait, c->runtime);

		ck_assert_double_eq_tol(got, c->bsld, 1e-12);
	}

	make_workload(&w, easy1, N(easy1), 10);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	metrics_compute(&w, &res, NULL, &m);
	ck_assert_int_eq(m.njobs, 5);
	ck_assert_double_eq_tol(m.mean_wait, 49.4, 1e-9);
	ck_assert_double_eq_tol(m.avg_bsld, 1.544, 1e-9);
	ck_assert_double_eq_tol(m.max_bsld, 2.98, 1e-9);
	ck_assert_int_eq(m.makespan, 504);
	ck_assert_double_eq_tol(m.utilization, 2980.0 / 5040.0, 1e-12);
	/* Only jobs 2 and 3: waits 99, 148; bsld 2.98, 1.74. */
	metrics_compute(&w, &res, include, &m);
	ck_assert_int_eq(m.njobs, 2);
	ck_assert_double_eq_tol(m.mean_wait, 123.5, 1e-9);
	ck_assert_double_eq_tol(m.avg_bsld, 2.36, 1e-9);
	sim_result_free(&res);
	workload_free(&w);
}
END_TEST

/*
 * Windows of 100 s, 2 warm-up jobs, one processor, 50 s jobs:
 * window 1 = jobs at 0, 10 (warm-up), 20, 30: they run 0, 50, 100, 150;
 * counted bsld (80+50)/50 = 2.6 and (120+50)/50 = 3.4 (mean 3.0).
 * Window 2 = jobs at 150, 160 (warm-up), 230 (380 - 150 > 100 is not):
 * replayed alone from an empty machine: 150, 200, 250; counted bsld
 * (20+50)/50 = 1.4. Window 3 = the job at 380, warm-up only.
 * Pooled AVEbsld (2.6+3.4+1.4)/3; mean of windows (3.0+1.4)/2 = 2.2.
 */
static const struct tjob windowed[] = {
	{0, 50, 0, 1},
	{10, 50, 0, 1},
	{20, 50, 0, 1},
	{30, 50, 0, 1},
	{150, 50, 0, 1},
	{160, 50, 0, 1},
	{230, 50, 0, 1},
	{380, 50, 0, 1},
};

START_TEST(test_windows)
{
	struct sim_site site = {.name = "s", .procs = 1};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {100.0, 10.0, 1.0}};
	struct metrics_protocol p = {.window_seconds = 100, .warmup = 2};
	static const int64_t starts[] = {0, 50, 100, 150, 150, 200, 250, 380};
	struct metrics_windows mw;
	struct workload w;
	struct sc_error err;
	size_t i, k, n = 0;

	make_workload(&w, windowed, N(windowed), 1);
	ck_assert_msg(metrics_windows_run(&w, &cfg, &p, &mw, &err) == 0, "%s",
		err.text);
	ck_assert_int_eq(mw.nwindows, 3);
	ck_assert_int_eq(mw.windows[0].njobs, 4);
	ck_assert_int_eq(mw.windows[1].njobs, 3);
	ck_assert_int_eq(mw.windows[2].njobs, 1);
	ck_assert_int_eq(mw.windows[1].start, 150);
	for (i = 0; i < mw.nwindows; i++)
		for (k = 0; k < mw.windows[i].njobs; k++, n++) {
			ck_assert_int_eq(mw.windows[i].jobs[k], n);
			ck_assert_int_eq(
				mw.windows[i].res.jobs[k].start, starts[n]);
		}
	ck_assert_double_eq_tol(mw.windows[0].m.avg_bsld, 3.0, 1e-9);
	ck_assert_int_eq(mw.windows[0].m.njobs, 2);
	ck_assert_double_eq_tol(mw.windows[1].m.avg_bsld, 1.4, 1e-9);
	ck_assert_int_eq(mw.windows[2].m.njobs, 0);
	ck_assert_int_eq(mw.overall.njobs, 3);
	ck_assert_double_eq_tol(mw.overall.avg_bsld, 7.4 / 3.0, 1e-9);
	ck_assert_double_eq_tol(mw.overall.max_bsld, 3.4, 1e-9);
	ck_assert_double_eq_tol(mw.mean_avg_bsld, 2.2, 1e-9);
	metrics_windows_free(&mw);
	workload_free(&w);
}
END_TEST

static struct intensity_series *series(
	const int64_t *t, const double *v, size_t n)
{
	struct sc_error err;
	struct intensity_series *s = intensity_series_create(t, v, n, &err);

	ck_assert_msg(s != NULL, "%s", err.text);
	return s;
}

/*
 * Hourly intensity from T0: 300, 100, 200, 500 g/kWh. Machine 2, one
 * 1-proc job of 1 h submitted at 0; 100 W busy, 10 W idle per proc.
 * No shift: runs [0, 1h) at 300: 0.1 kWh * 300 = 30 g; idle 1 proc
 * 36000 J at 300 = 3 g.
 * max_delay 2 h: the best 1 h window starts at 1h (100): 10 g. Idle: 2
 * procs over [0, 1h) at 300 = 6 g, 1 proc over [1h, 2h) at 100 = 1 g.
 * With PUE 1.5 every figure is 1.5 times that.
 * max_delay_factor 0.5 -> latest start 1800: the window [1800, 5400)
 * costs 0.05 kWh * 300 + 0.05 kWh * 100 = 20 g.
 */
static const struct shift_case {
	const char *name;
	int enabled;
	int64_t max_delay;
	double factor;
	double pue;
	int64_t start;
	double job_g, idle_j, idle_g;
} shift_cases[] = {
	{"no shift", 0, 2 * H, 0.0, 1.0, 0, 30.0, 36000, 3.0},
	{"shift 2h", 1, 2 * H, 0.0, 1.0, H, 10.0, 108000, 7.0},
	{"shift 2h pue", 1, 2 * H, 0.0, 1.5, H, 15.0, 162000, 10.5},
	{"shift 0.5x", 1, 0, 0.5, 1.0, 1800, 20.0, 1800 * 20 + 3600 * 10,
		1800 * 20 * 300 / 3.6e6 + 1800 * 10 * 300 / 3.6e6 +
			1800 * 10 * 100 / 3.6e6},
	{"zero delay", 1, 0, 0.0, 1.0, 0, 30.0, 36000, 3.0},
	/* A huge factor is capped (100 years): the cheapest window over the
	 * 4 h series repeated is still the 100 g/kWh hour at 1h. */
	{"huge factor", 1, 0, 1e300, 1.0, H, 10.0, 108000, 7.0},
};

START_TEST(test_time_shift)
{
	static const int64_t t[] = {T0, T0 + H, T0 + 2 * H, T0 + 3 * H};
	static const double v[] = {300, 100, 200, 500};
	static const struct tjob one[] = {{0, H, 0, 1}};
	struct intensity_series *ci = series(t, v, 4);
	struct sim_site site = {.name = "grid", .procs = 2, .ci = ci};
	struct workload w;
	size_t i;

	make_workload(&w, one, 1, 2);
	for (i = 0; i < N(shift_cases); i++) {
		const struct shift_case *c = &shift_cases[i];
		struct sim_config cfg = {.policy = POLICY_FCFS,
			.backfill = BACKFILL_EASY,
			.sites = &site,
			.nsites = 1,
			.power = {100.0, 10.0, c->pue},
			.carbon_epoch = T0,
			.shift = {.enabled = c->enabled,
				.max_delay = c->max_delay,
				.max_delay_factor = c->factor,
				.forecast = FORECAST_ORACLE}};
		struct sim_result res;
		struct sc_error err;
		double job_j = 100.0 * H * c->pue;

		ck_assert_msg(
			sim_run(&w, &cfg, &res, &err) == 0, "%s", err.text);
		ck_assert_msg(res.jobs[0].start == c->start,
			"%s: start %lld, expected %lld", c->name,
			(long long)res.jobs[0].start, (long long)c->start);
		ck_assert_int_eq(res.jobs[0].eligible, c->start);
		ck_assert_double_eq_tol(res.jobs[0].energy_j, job_j, 1e-6);
		ck_assert_double_eq_tol(res.jobs[0].co2e_g, c->job_g, 1e-9);
		ck_assert_double_eq_tol(res.idle_energy_j, c->idle_j, 1e-6);
		ck_assert_double_eq_tol(res.idle_co2e_g, c->idle_g, 1e-9);
		ck_assert_double_eq_tol(res.energy_j, job_j + c->idle_j, 1e-6);
		ck_assert_double_eq_tol(res.co2e_g, c->job_g + c->idle_g, 1e-9);
		ck_assert_int_eq(res.makespan, c->start + H);
		sim_result_free(&res);
	}
	workload_free(&w);
	intensity_series_destroy(ci);
}
END_TEST

/*
 * Shifting composes with EASY: two jobs at 0 (1 h on 1 proc, 100 s on 2
 * procs) are both held until 1h, the start of the 100 g/kWh hour. Then job
 * 1 goes first (trace order) and job 2, needing both procs, waits for it.
 */
START_TEST(test_time_shift_easy)
{
	static const int64_t t[] = {T0, T0 + H, T0 + 2 * H, T0 + 3 * H};
	static const double v[] = {300, 100, 200, 500};
	static const struct tjob two[] = {{0, H, 0, 1}, {0, 100, 0, 2}};
	struct intensity_series *ci = series(t, v, 4);
	struct sim_site site = {.name = "grid", .procs = 2, .ci = ci};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {100.0, 10.0, 1.0},
		.carbon_epoch = T0,
		.shift = {.enabled = 1, .max_delay = 2 * H}};
	struct workload w;
	struct sim_result res;
	struct sc_error err;

	make_workload(&w, two, 2, 2);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	ck_assert_int_eq(res.jobs[0].eligible, H);
	ck_assert_int_eq(res.jobs[1].eligible, H);
	ck_assert_int_eq(res.jobs[0].start, H);
	ck_assert_int_eq(res.jobs[1].start, 2 * H);
	sim_result_free(&res);
	workload_free(&w);
	intensity_series_destroy(ci);
}
END_TEST

/*
 * Two sites of 4 procs: A at a constant 500 g/kWh, B at 100. Jobs of 4
 * procs at 100 W: job 1 (0, 1000 s), job 2 (10, 1000 s), job 3 (20,
 * 100 s). wait_weight 0, max_wait 1500: job 1 -> B at 0; job 2 -> B, whose
 * expected start 1000 is within 1500 of A's 10; job 3 -> A: B's expected
 * start (2000, after job 2's reservation) is 1980 s after A's 20.
 * wait_weight 1 g/s: job 2 at A costs 4*100*1000 J = 0.111 kWh * 500 =
 * 55.6 g, at B 11.1 g + 990 s * 1 -> A at 10; job 3 at A starts 1010:
 * 5.6 + 990, at B 1000: 1.1 + 980 -> B at 1000.
 */
static const struct space_case {
	double weight;
	int32_t sites[3];
	int64_t starts[3];
} space_cases[] = {
	{0.0, {1, 1, 0}, {0, 1000, 20}},
	{1.0, {1, 0, 1}, {0, 10, 1000}},
};

START_TEST(test_space_shift)
{
	static const int64_t t[] = {T0, T0 + H};
	static const double dirty[] = {500, 500}, clean[] = {100, 100};
	static const struct tjob three[] = {
		{0, 1000, 0, 4}, {10, 1000, 0, 4}, {20, 100, 0, 4}};
	struct intensity_series *a = series(t, dirty, 2);
	struct intensity_series *b = series(t, clean, 2);
	struct sim_site sites[] = {{.name = "A", .procs = 4, .ci = a},
		{.name = "B", .procs = 4, .ci = b}};
	struct workload w;
	size_t i, k;

	make_workload(&w, three, 3, 4);
	for (i = 0; i < N(space_cases); i++) {
		const struct space_case *c = &space_cases[i];
		struct sim_config cfg = {.policy = POLICY_FCFS,
			.backfill = BACKFILL_EASY,
			.sites = sites,
			.nsites = 2,
			.power = {100.0, 0.0, 1.0},
			.carbon_epoch = T0,
			.space = {.wait_weight = c->weight, .max_wait = 1500}};
		struct sim_result res;
		struct sc_error err;

		ck_assert_msg(
			sim_run(&w, &cfg, &res, &err) == 0, "%s", err.text);
		ck_assert_int_eq(res.total_procs, 8);
		for (k = 0; k < 3; k++) {
			ck_assert_msg(res.jobs[k].site == c->sites[k] &&
					      res.jobs[k].start == c->starts[k],
				"case %zu job %zu: site %d start %lld", i,
				k + 1, res.jobs[k].site,
				(long long)res.jobs[k].start);
			ck_assert_double_eq_tol(res.jobs[k].co2e_g,
				400.0 * (double)w.jobs[k].runtime *
					(c->sites[k] ? 100 : 500) / 3.6e6,
				1e-9);
		}
		sim_result_free(&res);
	}
	workload_free(&w);
	intensity_series_destroy(a);
	intensity_series_destroy(b);
}
END_TEST

/* Bad configurations are refused with a message. */
START_TEST(test_errors)
{
	static const struct tjob wide[] = {{0, 10, 0, 16}};
	struct sim_site site = {.name = "s", .procs = 8};
	struct sim_config cfg = {
		.sites = &site, .nsites = 1, .power = {100.0, 10.0, 1.0}};
	struct workload w;
	struct sim_result res;
	struct sc_error err;

	make_workload(&w, wide, 1, 16);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), -1);
	ck_assert_str_eq(err.text,
		"job 1 needs 16 processors, more than any site has (8)");
	ck_assert_ptr_null(res.jobs);
	cfg.nsites = 0;
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), -1);
	ck_assert_str_eq(err.text, "no site to run jobs on");
	cfg.nsites = 1;
	cfg.power.pue = 0.5;
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), -1);
	ck_assert_str_eq(
		err.text, "bad power model: watts must be >= 0 and PUE >= 1");
	workload_free(&w);
}
END_TEST

START_TEST(test_backfill_names)
{
	enum backfill_kind k = BACKFILL_NONE;

	ck_assert_int_eq(backfill_parse("EASY", &k), 0);
	ck_assert_int_eq(k, BACKFILL_EASY);
	ck_assert_int_eq(backfill_parse("conservative", &k), 0);
	ck_assert_int_eq(k, BACKFILL_CONSERVATIVE);
	ck_assert_int_eq(backfill_parse("none", &k), 0);
	ck_assert_int_eq(k, BACKFILL_NONE);
	ck_assert_int_eq(backfill_parse("aggressive", &k), -1);
	ck_assert_int_eq(backfill_parse(NULL, &k), -1);
	ck_assert_str_eq(backfill_name(BACKFILL_EASY), "easy");
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_schedules);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_time_shift);
	tcase_add_test(tc, test_time_shift_easy);
	tcase_add_test(tc, test_space_shift);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_backfill_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
