/*
 * test_forecast.c: forecasts as researchers model them: windows that open
 * before a job's scheduled (submit) time, against hand-computed schedules
 * and carbon, and the forecast error model's noise with fixed seeds.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "intensity.h"
#include "shift.h"
#include "sim.h"

#define H 3600
#define T0 1700000000LL /* unix time of trace time 0 */

/*
 * Day 0, hourly from T0 (g/kWh): 50 10 40 30 20, then 60. Day -1 (for
 * persistence): 60 everywhere but 10 at 02:00.
 */
static struct intensity_series *two_days(void)
{
	static const double day0[5] = {50, 10, 40, 30, 20};
	int64_t t[48];
	double v[48];
	struct sc_error err = {{0}};
	struct intensity_series *s;

	for (int k = 0; k < 48; k++) {
		t[k] = T0 - 86400 + (int64_t)k * H;
		v[k] = k < 24 ? (k == 2 ? 10 : 60)
			      : (k - 24 < 5 ? day0[k - 24] : 60);
	}
	s = intensity_series_create(t, v, 48, &err);
	ck_assert_msg(s != NULL, "%s", err.text);
	return s;
}

/* Jobs of 1 proc, 1 h, submitted (scheduled) at the given hours. */
static void jobs_at(
	struct workload *w, const int *hours, size_t n, int32_t machine)
{
	memset(w, 0, sizeof(*w));
	w->jobs = calloc(n, sizeof(*w->jobs));
	ck_assert_ptr_nonnull(w->jobs);
	w->njobs = n;
	w->machine_procs = machine;
	for (size_t i = 0; i < n; i++) {
		w->jobs[i].id = (int64_t)i + 1;
		w->jobs[i].submit = (int64_t)hours[i] * H;
		w->jobs[i].runtime = w->jobs[i].estimate = H;
		w->jobs[i].procs = 1;
		w->jobs[i].user = -1;
	}
}

/*
 * One job scheduled at 03:00. Its window [03:00 - advance, 03:00 +
 * delay]; 1 kW for an hour emits the hour's intensity in grams.
 */
static const struct window_case {
	int64_t advance, delay;
	enum forecast_kind forecast;
	int64_t start; /* s of trace time */
	double grams;
} window_cases[] = {
	{2 * H, 0, FORECAST_ORACLE, 1 * H, 10},	    /* 10 at 01:00 */
	{1 * H, 0, FORECAST_ORACLE, 3 * H, 30},	    /* 40 at 02:00, 30 */
	{2 * H, 1 * H, FORECAST_ORACLE, 1 * H, 10}, /* 10 at 01:00 */
	{0, 2 * H, FORECAST_ORACLE, 4 * H, 20}, /* delay only: 20 at 04:00 */
	{3 * H, 0, FORECAST_ORACLE, 1 * H, 10}, /* from 00:00: 50, 10, ... */
	/* Persistence, from 01:00: day -1 says 02:00 (10); it is 40. */
	{2 * H, 0, FORECAST_PERSISTENCE, 2 * H, 40},
};

START_TEST(test_window_before)
{
	struct intensity_series *ci = two_days();
	const int hours[] = {3};

	for (size_t i = 0; i < sizeof(window_cases) / sizeof(*window_cases);
		i++) {
		const struct window_case *c = &window_cases[i];
		struct sim_site site = {.name = "s", .procs = 1, .ci = ci};
		struct sim_config cfg = {.policy = POLICY_FCFS,
			.backfill = BACKFILL_NONE,
			.sites = &site,
			.nsites = 1,
			.power = {.watts_busy = 1000,
				.watts_idle = 0,
				.pue = 1},
			.carbon_epoch = T0,
			.shift = {.enabled = 1,
				.max_delay = c->delay,
				.max_advance = c->advance,
				.forecast = c->forecast}};
		struct workload w;
		struct sim_result res;
		struct sc_error err;

		jobs_at(&w, hours, 1, 1);
		ck_assert_msg(
			sim_run(&w, &cfg, &res, &err) == 0, "%s", err.text);
		ck_assert_msg(res.jobs[0].start == c->start,
			"case %zu: start %lld, want %lld", i,
			(long long)res.jobs[0].start, (long long)c->start);
		ck_assert_int_eq(res.jobs[0].eligible, c->start);
		ck_assert_msg(fabs(res.jobs[0].co2e_g - c->grams) < 1e-9,
			"case %zu: %g g, want %g", i, res.jobs[0].co2e_g,
			c->grams);
		sim_result_free(&res);
		workload_free(&w);
	}
	intensity_series_destroy(ci);
}
END_TEST

/*
 * Two jobs scheduled at 03:00 on one processor, the window opening at
 * 01:00: both choose 01:00; the first runs then, the second waits for the
 * processor until 02:00. The carbon-unaware baseline runs them at 03:00
 * and 04:00.
 */
START_TEST(test_window_queue)
{
	struct intensity_series *ci = two_days();
	const int hours[] = {3, 3};
	struct sim_site site = {.name = "s", .procs = 1, .ci = ci};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_EASY,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 1000, .watts_idle = 0, .pue = 1},
		.carbon_epoch = T0,
		.shift = {.enabled = 1, .max_advance = 2 * H}};
	struct workload w;
	struct sim_result res;
	struct sc_error err;

	jobs_at(&w, hours, 2, 1);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	ck_assert_int_eq(res.jobs[0].start, 1 * H);
	ck_assert_int_eq(res.jobs[1].eligible, 1 * H);
	ck_assert_int_eq(res.jobs[1].start, 2 * H);
	ck_assert(fabs(res.co2e_g - (10 + 40)) < 1e-9);
	sim_result_free(&res);
	cfg.shift.enabled = 0;
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	ck_assert_int_eq(res.jobs[0].start, 3 * H);
	ck_assert_int_eq(res.jobs[1].start, 4 * H);
	ck_assert(fabs(res.co2e_g - (30 + 20)) < 1e-9);
	sim_result_free(&res);
	workload_free(&w);
	intensity_series_destroy(ci);
}
END_TEST

/*
 * Idle processors count from the first start when it comes before the
 * first submit: 2 processors, 100 W idle, one job started at 01:00 for
 * its 03:00 slot: one idle processor over [01:00, 02:00) only, 0.1 kWh at
 * 10 g/kWh. The run spans [01:00, 02:00).
 */
START_TEST(test_window_idle)
{
	struct intensity_series *ci = two_days();
	const int hours[] = {3};
	struct sim_site site = {.name = "s", .procs = 2, .ci = ci};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_NONE,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 1000, .watts_idle = 100, .pue = 1},
		.carbon_epoch = T0,
		.shift = {.enabled = 1, .max_advance = 2 * H}};
	struct workload w;
	struct sim_result res;
	struct sc_error err;

	jobs_at(&w, hours, 1, 2);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	ck_assert_int_eq(res.jobs[0].start, 1 * H);
	ck_assert_int_eq(res.first_submit, 1 * H);
	ck_assert_int_eq(res.makespan, H);
	ck_assert(fabs(res.idle_energy_j - 100.0 * H) < 1e-6);
	ck_assert(fabs(res.idle_co2e_g - 1.0) < 1e-9);
	ck_assert(fabs(res.co2e_g - 11.0) < 1e-9);
	sim_result_free(&res);
	workload_free(&w);
	intensity_series_destroy(ci);
}
END_TEST

/*
 * Windows that open before the trace's first submit, so that jobs are
 * planned at negative trace times: two jobs scheduled at 00:00 on one
 * processor, the window opening 23 h before. Both choose the day before's
 * 02:00 (10 g/kWh, trace time -22 h); the second waits for the processor
 * until -21 h (60): 70 g, in every backfilling mode. Conservative's plan
 * took the first negative start for an error ("out of memory"). Then the
 * same on two sites of one processor, where each site's expected start is
 * negative too: space shifting must not fail, and the first job still
 * starts at -22 h.
 */
START_TEST(test_window_before_trace)
{
	static const enum backfill_kind modes[] = {
		BACKFILL_NONE, BACKFILL_EASY, BACKFILL_CONSERVATIVE};
	struct intensity_series *ci = two_days();
	const int hours[] = {0, 0};
	struct sim_site sites[2] = {{.name = "a", .procs = 1, .ci = ci},
		{.name = "b", .procs = 1, .ci = ci}};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.sites = sites,
		.nsites = 1,
		.power = {.watts_busy = 1000, .watts_idle = 0, .pue = 1},
		.carbon_epoch = T0,
		.shift = {.enabled = 1, .max_advance = 23 * H}};
	struct workload w;
	struct sim_result res;
	struct sc_error err;

	jobs_at(&w, hours, 2, 1);
	for (size_t m = 0; m < 2 * sizeof(modes) / sizeof(*modes); m++) {
		cfg.backfill = modes[m % 3];
		cfg.nsites = m < 3 ? 1 : 2;
		ck_assert_msg(sim_run(&w, &cfg, &res, &err) == 0,
			"%s, %zu site(s): %s", backfill_name(cfg.backfill),
			cfg.nsites, err.text);
		ck_assert_int_eq(res.jobs[0].start, -22 * H);
		if (cfg.nsites == 1) {
			ck_assert_int_eq(res.jobs[1].eligible, -22 * H);
			ck_assert_int_eq(res.jobs[1].start, -21 * H);
			ck_assert(fabs(res.co2e_g - 70.0) < 1e-9);
		}
		sim_result_free(&res);
	}
	workload_free(&w);
	intensity_series_destroy(ci);
}
END_TEST

/* A constant series of n samples (30 min) of value v. */
static struct intensity_series *constant(size_t n, double v)
{
	int64_t *t = malloc(n * sizeof(*t));
	double *x = malloc(n * sizeof(*x));
	struct sc_error err = {{0}};
	struct intensity_series *s;

	ck_assert(t && x);
	for (size_t i = 0; i < n; i++) {
		t[i] = T0 + (int64_t)i * 1800;
		x[i] = v;
	}
	s = intensity_series_create(t, x, n, &err);
	ck_assert_msg(s != NULL, "%s", err.text);
	free(t);
	free(x);
	return s;
}

/* The noisy copy's sample i (the value on [t_i, t_i + 1800)). */
static double sample(const struct intensity_series *s, size_t i)
{
	return intensity_series_at(s, T0 + (int64_t)i * 1800);
}

/*
 * The error model: sd = error x the mean (5 on a constant 100), the same
 * noise for the same seed, other noise for another, no noise at 0, and
 * below 0 clamped (error 2: P(N(100, 200) < 0) = 30.9 %).
 */
START_TEST(test_error_model)
{
	const size_t n = 20000;
	struct intensity_series *s = constant(n, 100.0);
	struct sc_error err = {{0}};
	struct intensity_series *a =
		shift_forecast_with_error(s, 0.05, 7, &err);
	struct intensity_series *b =
		shift_forecast_with_error(s, 0.05, 7, &err);
	struct intensity_series *c =
		shift_forecast_with_error(s, 0.05, 8, &err);
	struct intensity_series *z = shift_forecast_with_error(s, 0.0, 7, &err);
	struct intensity_series *big =
		shift_forecast_with_error(s, 2.0, 1, &err);
	double sum = 0, sum2 = 0;
	size_t same = 0, zeros = 0;

	ck_assert(a && b && c && z && big);
	ck_assert_int_eq(intensity_series_count(a), n);
	ck_assert_int_eq(intensity_series_end(a), intensity_series_end(s));
	for (size_t i = 0; i < n; i++) {
		double x = sample(a, i);

		ck_assert(x == sample(b, i));
		same += x == sample(c, i);
		ck_assert(sample(z, i) == 100.0);
		sum += x;
		sum2 += x * x;
		zeros += sample(big, i) == 0.0;
		ck_assert(sample(big, i) >= 0.0);
	}
	ck_assert_uint_eq(same, 0);
	/* mean within 4 standard errors (5 / sqrt(n) = 0.035) */
	ck_assert_msg(fabs(sum / n - 100.0) < 0.15, "mean %g", sum / n);
	ck_assert_msg(fabs(sqrt((sum2 - sum * sum / n) / (n - 1)) - 5.0) < 0.2,
		"sd %g", sqrt((sum2 - sum * sum / n) / (n - 1)));
	ck_assert_msg(
		fabs((double)zeros / n - 0.3085) < 0.015, "%zu clamped", zeros);
	intensity_series_destroy(a);
	intensity_series_destroy(b);
	intensity_series_destroy(c);
	intensity_series_destroy(z);
	intensity_series_destroy(big);
	intensity_series_destroy(s);
}
END_TEST

/*
 * Shifting decides on the forecast, carbon is charged on the truth: a
 * forecast that ranks 02:00 first (its noise) makes the job run there and
 * pay 40 g, the truth at 02:00.
 */
static double swap_1_2(void *arg, size_t i, double v)
{
	(void)arg;
	return i == 25 ? 60.0 : i == 26 ? 5.0 : v; /* 01:00, 02:00 */
}

START_TEST(test_forecast_decides)
{
	struct intensity_series *ci = two_days();
	struct sc_error err = {{0}};
	struct intensity_series *fc =
		intensity_series_transform(ci, swap_1_2, NULL, &err);
	const int hours[] = {3};
	struct sim_site site = {
		.name = "s", .procs = 1, .ci = ci, .forecast = fc};
	struct sim_config cfg = {.policy = POLICY_FCFS,
		.backfill = BACKFILL_NONE,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 1000, .watts_idle = 0, .pue = 1},
		.carbon_epoch = T0,
		.shift = {.enabled = 1, .max_advance = 2 * H}};
	struct workload w;
	struct sim_result res;

	ck_assert_ptr_nonnull(fc);
	jobs_at(&w, hours, 1, 1);
	ck_assert_int_eq(sim_run(&w, &cfg, &res, &err), 0);
	ck_assert_int_eq(res.jobs[0].start, 2 * H);
	ck_assert(fabs(res.jobs[0].co2e_g - 40.0) < 1e-9);
	sim_result_free(&res);
	workload_free(&w);
	intensity_series_destroy(fc);
	intensity_series_destroy(ci);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forecast");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_window_before);
	tcase_add_test(tc, test_window_queue);
	tcase_add_test(tc, test_window_idle);
	tcase_add_test(tc, test_window_before_trace);
	tcase_add_test(tc, test_error_model);
	tcase_add_test(tc, test_forecast_decides);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
