/*
 * test_shift.c: time shifting: forecast names, oracle and persistence
 * forecasts, and the lowest-carbon start, on tiny hand-computed series.
 */
#include <check.h>
#include <stdlib.h>

#include "intensity.h"
#include "shift.h"

#define H 3600
#define DAY 86400

static struct intensity_series *make(
	const int64_t *t, const double *v, size_t n)
{
	struct sc_error err;
	struct intensity_series *s = intensity_series_create(t, v, n, &err);

	ck_assert_msg(s != NULL, "%s", err.text);
	return s;
}

static const struct name_case {
	const char *name;
	int rc;
	enum forecast_kind kind;
} name_cases[] = {
	{"oracle", 0, FORECAST_ORACLE},
	{"Persistence", 0, FORECAST_PERSISTENCE},
	{"ORACLE", 0, FORECAST_ORACLE},
	{"persist", -1, FORECAST_ORACLE},
	{"", -1, FORECAST_ORACLE},
	{NULL, -1, FORECAST_ORACLE},
};

/*
 * c of a learned policy, hourly samples: 300 on [0, 6 h), 200 on [6 h,
 * 12 h), 150 on [12 h, 30 h), 50 on [30 h, 36 h). At 0 the day's least is
 * 150 (50 comes after 24 h): c = 1; at 6 h, 30 h is just outside the day:
 * 200 / 150 - 1; at 7 h it is inside: 200 / 50 - 1 = 3. At 31 h the value
 * is the least: 0. No series, or a least of 0: 0.
 */
START_TEST(test_carbon_ratio)
{
	int64_t t[36];
	double v[36];
	const int64_t tz[] = {0, H};
	const double vz[] = {100, 0};
	struct intensity_series *s, *z = make(tz, vz, 2);

	for (int i = 0; i < 36; i++) {
		t[i] = i * H;
		v[i] = i < 6 ? 300 : i < 12 ? 200 : i < 30 ? 150 : 50;
	}
	s = make(t, v, 36);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, 0), 1.0, 1e-12);
	ck_assert_double_eq_tol(
		shift_carbon_ratio(s, 6 * H), 200.0 / 150.0 - 1.0, 1e-12);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, 7 * H), 3.0, 1e-12);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, 12 * H), 2.0, 1e-12);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, 31 * H), 0.0, 1e-12);
	ck_assert(shift_carbon_ratio(NULL, 0) == 0.0);
	ck_assert(shift_carbon_ratio(z, 0) == 0.0);
	intensity_series_destroy(s);
	intensity_series_destroy(z);
}
END_TEST

/*
 * c from a live forecast does not wrap. Hourly samples for 12 h: 50 on
 * [0, 2 h), 200 on [2 h, 10 h), 100 on [10 h, 12 h). At 3 h the forecast
 * left is 200 then 100: c = 200 / 100 - 1 = 1 (repeated, the series would
 * bring back its 50: 3). Outside [0, 12 h) nothing is known: 0 (repeated,
 * 1 h before the start reads as 11 h: 100 / 50 - 1 = 1).
 */
START_TEST(test_carbon_ratio_live)
{
	int64_t t[12];
	double v[12];
	struct intensity_series *s;

	for (int i = 0; i < 12; i++) {
		t[i] = i * H;
		v[i] = i < 2 ? 50 : i < 10 ? 200 : 100;
	}
	s = make(t, v, 12);
	ck_assert_int_eq(intensity_series_end(s), 12 * H);
	ck_assert_double_eq_tol(shift_carbon_ratio_live(s, 3 * H), 1.0, 1e-12);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, 3 * H), 3.0, 1e-12);
	ck_assert_double_eq_tol(
		shift_carbon_ratio_live(s, 11 * H + 1), 0.0, 1e-12);
	ck_assert(shift_carbon_ratio_live(s, 12 * H) == 0.0);
	ck_assert(shift_carbon_ratio_live(s, 100 * DAY) == 0.0);
	ck_assert(shift_carbon_ratio_live(s, -H) == 0.0);
	ck_assert_double_eq_tol(shift_carbon_ratio(s, -H), 1.0, 1e-12);
	ck_assert(shift_carbon_ratio_live(NULL, 0) == 0.0);
	intensity_series_destroy(s);
}
END_TEST

START_TEST(test_forecast_names)
{
	size_t i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		enum forecast_kind kind = FORECAST_ORACLE;

		ck_assert_int_eq(forecast_parse(c->name, &kind), c->rc);
		ck_assert_int_eq(kind, c->kind);
	}
	ck_assert_str_eq(forecast_name(FORECAST_ORACLE), "oracle");
	ck_assert_str_eq(forecast_name(FORECAST_PERSISTENCE), "persistence");
}
END_TEST

/*
 * Two days at a 12 h step: day 1 = {20, 10}, day 2 = {30, 40}; span 2 days,
 * repeating. Persistence at now repeats the last observed 24 h.
 */
static const int64_t two_days_t[] = {0, DAY / 2, DAY, 3 * DAY / 2};
static const double two_days_v[] = {20, 10, 30, 40};

static const struct forecast_case {
	enum forecast_kind kind;
	int64_t now, t0, t1;
	double integral;
} forecast_cases[] = {
	{FORECAST_ORACLE, DAY, DAY, 2 * DAY, (30 + 40) * 43200.0},
	/* now at the start of day 2: day 2 is forecast as day 1. */
	{FORECAST_PERSISTENCE, DAY, DAY, DAY + DAY / 2, 20 * 43200.0},
	{FORECAST_PERSISTENCE, DAY, DAY + DAY / 2, 2 * DAY, 10 * 43200.0},
	/* Day 3 is two days ahead: still day 1 (k = 2). */
	{FORECAST_PERSISTENCE, DAY, 2 * DAY, 3 * DAY, (20 + 10) * 43200.0},
	/* A past time uses k = 1 too: [-12h, 0) cyclically is [36h, 48h). */
	{FORECAST_PERSISTENCE, DAY, DAY / 2, DAY, 40 * 43200.0},
	/* now 6 h into day 2: [now, now + 24h) is [6h, 30h) of the series:
	 * 6 h at 20, 12 h at 10, 6 h at 30 (observed by now). */
	{FORECAST_PERSISTENCE, DAY + 6 * H, DAY + 6 * H, 2 * DAY + 6 * H,
		20 * 21600.0 + 10 * 43200.0 + 30 * 21600.0},
	/* From now + 24h the lag is 2 days: [54h, 60h) is forecast from
	 * [6h, 12h), at 20. */
	{FORECAST_PERSISTENCE, DAY + 6 * H, 2 * DAY + 6 * H, 2 * DAY + 12 * H,
		20 * 21600.0},
	{FORECAST_PERSISTENCE, DAY, DAY, DAY, 0},
};

START_TEST(test_forecast_integral)
{
	struct intensity_series *s = make(two_days_t, two_days_v, 4);
	size_t i;

	for (i = 0; i < sizeof(forecast_cases) / sizeof(forecast_cases[0]);
		i++) {
		const struct forecast_case *c = &forecast_cases[i];
		double got = shift_forecast_integral(
			s, c->kind, c->now, c->t0, c->t1);

		ck_assert_msg(got == c->integral, "case %zu: %.17g, want %.17g",
			i, got, c->integral);
	}
	intensity_series_destroy(s);
}
END_TEST

/*
 * Six hours: 5, 3, 1, 4, 2, 6 (then repeating). Window integrals by hand,
 * in units of 3600: a 1 h window starting at x = 0.5 h is 2.5 + 1.5 = 4.
 */
static const int64_t six_t[] = {0, H, 2 * H, 3 * H, 4 * H, 5 * H};
static const double six_v[] = {5, 3, 1, 4, 2, 6};

static const struct best_case {
	int64_t earliest, latest, duration, best;
} best_cases[] = {
	{0, 5 * H, H, 2 * H},		  /* the hour at 1 */
	{0, 5 * H, 2 * H, H},		  /* 3 + 1 = 4 */
	{H / 2, 5 * H / 2, H, 2 * H},	  /* aligned start inside */
	{H / 2, 3 * H / 2, H, 3 * H / 2}, /* latest: 1.5 + 0.5 = 2 */
	{0, H / 2, H, H / 2},		  /* latest: 4 < 5 */
	{2 * H, 2 * H, H, 2 * H},	  /* no choice */
	{2 * H, H, H, 2 * H},		  /* latest < earliest */
	/* 90 min windows: W(x) minimal when the window ends at a change:
	 * x = 1.5 h gives [1.5h, 3h) = 1.5 + 1 = 2.5 (x 3600), the best. */
	{0, 4 * H, 3 * H / 2, 3 * H / 2},
	/* Crossing the end of the series: hours 5h..8h are 6, 5, 3, 1;
	 * the cheapest is latest, 8h (the repeat of hour 2). */
	{5 * H, 8 * H, H, 8 * H},
	/* 2 h windows from 3 h: 4+2=6 at 3h, 2+6=8, 6+5=11, 5+3=8 at 6h,
	 * 3+1=4 at 7h: shifting beyond the end still finds it. */
	{3 * H, 7 * H, 2 * H, 7 * H},
};

START_TEST(test_best_start_oracle)
{
	struct intensity_series *s = make(six_t, six_v, 6);
	size_t i;

	for (i = 0; i < sizeof(best_cases) / sizeof(best_cases[0]); i++) {
		const struct best_case *c = &best_cases[i];
		int64_t got = shift_best_start(s, FORECAST_ORACLE, 0,
			c->earliest, c->latest, c->duration);

		ck_assert_msg(got == c->best, "case %zu: %lld, want %lld", i,
			(long long)got, (long long)c->best);
	}
	intensity_series_destroy(s);
}
END_TEST

/* Ties go to the earliest start: flat stretches and a constant series. */
START_TEST(test_best_start_ties)
{
	static const int64_t t[] = {0, H, 2 * H, 3 * H};
	static const double v[] = {2, 1, 1, 2};
	static const int64_t one_t[] = {0};
	static const double one_v[] = {7};
	struct intensity_series *s = make(t, v, 4);
	struct intensity_series *flat = make(one_t, one_v, 1);

	/* 1 h windows starting anywhere in [1h, 2h] integrate to 3600. */
	ck_assert_int_eq(
		shift_best_start(s, FORECAST_ORACLE, 0, 0, 3 * H, H), H);
	ck_assert_int_eq(
		shift_best_start(s, FORECAST_ORACLE, 0, H / 2, 3 * H, H), H);
	ck_assert_int_eq(shift_best_start(flat, FORECAST_ORACLE, 0, 123,
				 10 * DAY, 5 * H),
		123);
	ck_assert_int_eq(shift_best_start(flat, FORECAST_PERSISTENCE, 0, 123,
				 10 * DAY, 5 * H),
		123);
	intensity_series_destroy(s);
	intensity_series_destroy(flat);
}
END_TEST

/*
 * Oracle and persistence disagree on the two-day series: at now = day 2
 * the oracle sees {30, 40} and starts at once; persistence expects day 1's
 * {20, 10} again and waits 12 h.
 */
static const struct best_persist_case {
	enum forecast_kind kind;
	int64_t now, earliest, latest, duration, best;
} best_persist_cases[] = {
	{FORECAST_ORACLE, DAY, DAY, DAY + DAY / 2, DAY / 2, DAY},
	{FORECAST_PERSISTENCE, DAY, DAY, DAY + DAY / 2, DAY / 2, DAY + DAY / 2},
	/* now 6 h into day 2: forecast [6h, 30h) of the series: 20 until
	 * now + 6h, 10 until now + 18h, 30 until now + 24h, and beyond now
	 * + 24h again day 1 shifted by 2 days. Best 6 h: now + 6h. */
	{FORECAST_PERSISTENCE, DAY + 6 * H, DAY + 6 * H, DAY + 30 * H, 6 * H,
		DAY + 12 * H},
	/* The oracle over the same window: 30 until 36h, 40 until 48h,
	 * then day 3 repeats day 1: 20 until 60h. Windows in [48h, 60h)
	 * all cost 20 x 6 h: the earliest, 48h, wins. */
	{FORECAST_ORACLE, DAY + 6 * H, DAY + 6 * H, DAY + 30 * H, 6 * H,
		2 * DAY},
};

START_TEST(test_best_start_persistence)
{
	struct intensity_series *s = make(two_days_t, two_days_v, 4);
	size_t i;

	for (i = 0;
		i < sizeof(best_persist_cases) / sizeof(best_persist_cases[0]);
		i++) {
		const struct best_persist_case *c = &best_persist_cases[i];
		int64_t got = shift_best_start(s, c->kind, c->now, c->earliest,
			c->latest, c->duration);

		ck_assert_msg(got == c->best, "case %zu: %lld, want %lld", i,
			(long long)got, (long long)c->best);
	}
	intensity_series_destroy(s);
}
END_TEST

/*
 * The candidates are exact: on a random-looking series, a brute-force
 * search over every second gives the same integral at the chosen start.
 */
START_TEST(test_best_start_brute_force)
{
	static const int64_t t[] = {0, 600, 1500, 1800, 3000, 3100, 4000};
	static const double v[] = {9, 4, 7, 2, 8, 1, 5};
	struct intensity_series *s = make(t, v, 7);
	int64_t d, e, x, best, got;

	for (d = 100; d <= 2500; d += 400)
		for (e = 0; e <= 3000; e += 700) {
			best = e;
			for (x = e; x <= e + 2000; x++)
				if (intensity_series_integral(s, x, x + d) <
					intensity_series_integral(
						s, best, best + d))
					best = x;
			got = shift_best_start(
				s, FORECAST_ORACLE, 0, e, e + 2000, d);
			ck_assert_msg(got == best,
				"d %lld e %lld: %lld, want "
				"%lld",
				(long long)d, (long long)e, (long long)got,
				(long long)best);
		}
	intensity_series_destroy(s);
}
END_TEST

/*
 * The same against persistence on a two-day series whose changes all fall
 * on whole minutes: the forecast's changes then do too (lags are whole
 * days, now is a whole minute), so a search minute by minute is complete.
 * The window crosses now + 24h, where the lag goes from one day to two.
 */
START_TEST(test_best_start_brute_force_persistence)
{
	static const int64_t t[] = {0, 170 * 60, 400 * 60, 610 * 60, 900 * 60,
		1300 * 60, 1800 * 60, 2100 * 60, 2500 * 60};
	static const double v[] = {9, 4, 7, 2, 8, 1, 5, 3, 6};
	static const int64_t durations[] = {H, 200 * 60, 7 * H};
	struct intensity_series *s = make(t, v, 9);
	const int64_t now = 1500 * 60, latest = now + 30 * H;
	size_t i;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		int64_t d = durations[i], best = now, x, got;
		double best_w = shift_forecast_integral(
			s, FORECAST_PERSISTENCE, now, now, now + d);

		for (x = now + 60; x <= latest; x += 60) {
			double w = shift_forecast_integral(
				s, FORECAST_PERSISTENCE, now, x, x + d);

			if (w < best_w) {
				best = x;
				best_w = w;
			}
		}
		got = shift_best_start(
			s, FORECAST_PERSISTENCE, now, now, latest, d);
		ck_assert_msg(got == best, "d %lld: %lld, want %lld",
			(long long)d, (long long)got, (long long)best);
	}
	intensity_series_destroy(s);
}
END_TEST

static Suite *shift_suite(void)
{
	Suite *s = suite_create("shift");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_forecast_names);
	tcase_add_test(tc, test_forecast_integral);
	tcase_add_test(tc, test_best_start_oracle);
	tcase_add_test(tc, test_best_start_ties);
	tcase_add_test(tc, test_best_start_persistence);
	tcase_add_test(tc, test_best_start_brute_force);
	tcase_add_test(tc, test_best_start_brute_force_persistence);
	tcase_add_test(tc, test_carbon_ratio);
	tcase_add_test(tc, test_carbon_ratio_live);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(shift_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
