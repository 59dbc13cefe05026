/*
 * test_rapl.c: table-driven tests of the RAPL counter arithmetic (rapl.c)
 * against simulated counters whose power, and so energy, is known.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rapl.h"

#define S RAPL_NS_PER_S
#define J RAPL_UJ_PER_J
#define W RAPL_UJ_PER_J /* microwatts per watt */
/* A common Intel package range: 2^38 - 1 in units of 61 uJ, in uJ. */
#define RANGE_INTEL UINT64_C(262143328850)

/* One reading of a counter: raw value, time, expected return. */
struct step {
	uint64_t raw;
	int64_t t_ns;
	int rc;
};

struct counter_case {
	const char *name;
	uint64_t range_uj, max_uw, first_uj;
	struct step steps[6];
	size_t nsteps;
	uint64_t total_uj;  /* expected accepted energy */
	uint64_t rejected;  /* expected rejections */
	uint64_t uncertain; /* expected intervals that could hide wraps */
};

static const struct counter_case counter_cases[] = {
	{"no change", UINT64_C(1000000000), 0, 5000,
		{{5000, 1 * S, 0}, {5000, 2 * S, 0}}, 2, 0, 0, 0},
	{"steady growth", UINT64_C(1000000000), 300 * W, 0,
		{{100 * J, 1 * S, 0}, {250 * J, 2 * S, 0}}, 2, 250 * J, 0, 0},
	/* Counters show 0..range: 0.9 J to the end of a 1 J cycle, wrap,
	 * then 0.1 J: 0.2 J. */
	{"one wrap", 999999, 0, 900000, {{100000, 1 * S, 0}}, 1, 200000, 0, 0},
	/* At the top, then 0: a delta of exactly 1 uJ; then 5. */
	{"wrap at the top of an Intel range", RANGE_INTEL, 250 * W, RANGE_INTEL,
		{{0, 1 * S, 0}, {5, 2 * S, 0}}, 2, 6, 0, 0},
	/* A range as large as 64 bits allows: no overflow in the delta. */
	{"wrap near the top of a 64-bit range", UINT64_MAX, 0, UINT64_MAX - 10,
		{{5, 1 * S, 0}}, 1, 16, 0, 0},
	/* Two wraps of a 1 kJ range at 600 W over 3 s: 1800 J. */
	{"wraps at every read", 1000 * J - 1, 700 * W, 0,
		{{600 * J, 1 * S, 0}, {200 * J, 2 * S, 0}, {800 * J, 3 * S, 0}},
		3, 1800 * J, 0, 0},
	/* 300 W for 1 s is at the ceiling: counted. */
	{"at the power ceiling", UINT64_C(1000000000000), 300 * W, 0,
		{{300 * J, 1 * S, 0}}, 1, 300 * J, 0, 0},
	/* 1000 J in 1 s at a 300 W ceiling: rejected, counting resumes. */
	{"implausible delta", UINT64_C(1000000000000), 300 * W, 0,
		{{1000 * J, 1 * S, 1}, {1200 * J, 2 * S, 0}}, 2, 200 * J, 1, 0},
	/* A counter stepping back 1 J reads as a near-full wrap. */
	{"counter went backwards", 1000 * J - 1, 300 * W, 500 * J,
		{{499 * J, 1 * S, 1}, {599 * J, 2 * S, 0}}, 2, 100 * J, 1, 0},
	/* A reading above the range is an error: nothing changes. */
	{"reading out of range", 1000 * J - 1, 0, 10 * J,
		{{1000 * J, 1 * S, -1}, {20 * J, 2 * S, 0}}, 2, 10 * J, 0, 0},
	/* Time going backwards is an error, then a good read counts. */
	{"clock went backwards", 1000 * J, 0, 0,
		{{10 * J, 2 * S, 0}, {20 * J, 1 * S, -1}, {30 * J, 3 * S, 0}},
		3, 30 * J, 0, 0},
	/* A 1 kJ range at a 100 W ceiling wraps every 10 s at the soonest:
	 * 500 J after 10 s could be 1500 J or 2500 J. Not counted; the
	 * next second's 50 J is. */
	{"interval reaches the wrap period", 1000 * J - 1, 100 * W, 0,
		{{500 * J, 10 * S, 2}, {550 * J, 11 * S, 0}}, 2, 50 * J, 0, 1},
	/* 9.96 s is under 9.99999999 s, but not with 50 ms of read slack;
	 * 9.94 s is, even with it. */
	{"interval within the slack of the wrap period", 1000 * J - 1, 100 * W,
		0, {{500 * J, 9960 * S / 1000, 2}}, 1, 0, 0, 1},
	{"interval just under the wrap period", 1000 * J - 1, 100 * W, 0,
		{{500 * J, 9940 * S / 1000, 0}}, 1, 500 * J, 0, 0},
	/* Frozen from 1 s to 11 s (a stalled updater), then it moves: the
	 * energy of those 11 s could hide a wrap, though reads were 1 s
	 * apart. Counting resumes after it. */
	{"counter frozen past the wrap period", 1000 * J - 1, 100 * W, 0,
		{{50 * J, 1 * S, 0}, {50 * J, 5 * S, 0}, {50 * J, 11 * S, 0},
			{150 * J, 12 * S, 2}, {200 * J, 13 * S, 0}},
		5, 100 * J, 0, 1},
	/* Frozen for 3 s, then 200 J at once: 50 W over the 4 s since it
	 * last moved, under the 100 W ceiling, so counted in full (as a
	 * delta over the last 1 s, 200 W, it would be rejected). */
	{"short freeze, then catch-up", UINT64_C(1000000000000), 100 * W, 0,
		{{50 * J, 1 * S, 0}, {50 * J, 2 * S, 0}, {50 * J, 4 * S, 0},
			{250 * J, 5 * S, 0}},
		4, 250 * J, 0, 0},
};

START_TEST(test_counter_cases)
{
	size_t i, k;

	for (i = 0; i < sizeof(counter_cases) / sizeof(counter_cases[0]); i++) {
		const struct counter_case *tc = &counter_cases[i];
		struct rapl_counter c;
		struct sc_error err = {{0}};

		ck_assert_msg(rapl_counter_init(&c, tc->name, tc->range_uj,
				      tc->max_uw, tc->first_uj, 0, &err) == 0,
			"%s: init: %s", tc->name, err.text);
		for (k = 0; k < tc->nsteps; k++) {
			uint64_t delta = 99;
			int rc;

			memset(&err, 0, sizeof(err));
			rc = rapl_counter_advance(&c, tc->steps[k].raw,
				tc->steps[k].t_ns, &delta, &err);
			ck_assert_msg(rc == tc->steps[k].rc,
				"%s: step %zu returned %d, expected %d (%s)",
				tc->name, k, rc, tc->steps[k].rc, err.text);
			ck_assert_msg(rc == 0 || err.text[0],
				"%s: step %zu: no message", tc->name, k);
			ck_assert_msg(rc == 0 || delta == 0,
				"%s: step %zu: delta %" PRIu64 " not counted",
				tc->name, k, delta);
		}
		ck_assert_msg(c.total_uj == tc->total_uj,
			"%s: total %" PRIu64 " uJ, expected %" PRIu64, tc->name,
			c.total_uj, tc->total_uj);
		ck_assert_msg(c.rejected == tc->rejected,
			"%s: %" PRIu64 " rejected, expected %" PRIu64, tc->name,
			c.rejected, tc->rejected);
		ck_assert_msg(c.uncertain == tc->uncertain,
			"%s: %" PRIu64 " uncertain, expected %" PRIu64,
			tc->name, c.uncertain, tc->uncertain);
	}
}
END_TEST

START_TEST(test_init_errors)
{
	static const struct {
		uint64_t range, first;
		const char *text;
	} cases[] = {
		{0, 0, "pkg: max_energy_range_uj is 0"},
		{100, 101,
			"pkg: energy_uj 101 is above "
			"max_energy_range_uj 100"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rapl_counter c;
		struct sc_error err = {{0}};

		ck_assert_int_eq(rapl_counter_init(&c, "pkg", cases[i].range, 0,
					 cases[i].first, 0, &err),
			-1);
		ck_assert_str_eq(err.text, cases[i].text);
	}
}
END_TEST

/*
 * A node of simulated zones, each at a constant power, read every second
 * for ten seconds; raw readings are the exact energy modulo the range.
 * Expected totals are power x 10 s, worked out by hand.
 */
struct zone_sim {
	uint64_t range_uj, watts, start_uj;
};

struct node_case {
	const char *name;
	struct zone_sim zone[4];
	size_t nzones;
	uint64_t total_j; /* after 10 s */
	double watts;
};

static const struct node_case node_cases[] = {
	/* 2 x (package, dram): 100 + 150 + 10 + 12 W = 272 W, 2720 J. */
	{"two packages with dram",
		{{RANGE_INTEL, 100, 7}, {RANGE_INTEL, 150, 123456789},
			{65712999613, 10, 0}, {65712999613, 12, 65712999000}},
		4, 2720, 272.0},
	/* Small ranges: package wraps every 2.5 s, dram every 4 s. */
	{"several packages wrapping",
		{{250 * J, 100, 0}, {250 * J, 100, 249 * J},
			{40 * J, 10, 39 * J}},
		3, 2100, 210.0},
	/* One package, no dram. */
	{"one package", {{RANGE_INTEL, 65, 1000}}, 1, 650, 65.0},
	/* psys alone already covers the platform. */
	{"psys", {{RANGE_INTEL, 300, 42}}, 1, 3000, 300.0},
};

START_TEST(test_node_cases)
{
	size_t i, z;
	int64_t k;

	for (i = 0; i < sizeof(node_cases) / sizeof(node_cases[0]); i++) {
		const struct node_case *tc = &node_cases[i];
		struct rapl_counter c[4];
		struct rapl_meter m;
		struct sc_error err = {{0}};

		for (z = 0; z < tc->nzones; z++)
			ck_assert_int_eq(rapl_counter_init(&c[z], tc->name,
						 tc->zone[z].range_uj,
						 2 * tc->zone[z].watts * W,
						 tc->zone[z].start_uj, 0, &err),
				0);
		rapl_meter_start(&m, 0, 0);
		for (k = 1; k <= 10; k++) {
			uint64_t total = 0;

			for (z = 0; z < tc->nzones; z++) {
				const struct zone_sim *s = &tc->zone[z];
				uint64_t e = s->watts * J * (uint64_t)k;
				uint64_t raw =
					(s->start_uj + e) % (s->range_uj + 1);
				int rc = rapl_counter_advance(
					&c[z], raw, k * S, NULL, &err);

				ck_assert_int_eq(rc, 0);
				total += c[z].total_uj;
			}
			rapl_meter_update(&m, total, k * S);
		}
		ck_assert_msg(rapl_meter_joules(&m) == tc->total_j,
			"%s: %" PRIu64 " J, expected %" PRIu64, tc->name,
			rapl_meter_joules(&m), tc->total_j);
		ck_assert_msg(rapl_meter_uj(&m) == tc->total_j * J,
			"%s: %" PRIu64 " uJ", tc->name, rapl_meter_uj(&m));
		ck_assert_double_eq_tol(
			rapl_meter_current_watts(&m), tc->watts, 1e-9);
		ck_assert_double_eq_tol(
			rapl_meter_average_watts(&m), tc->watts, 1e-9);
	}
}
END_TEST

/*
 * 10^6 polls 10 ms apart at 123.4567 W: 1234567 uJ per poll, wrapping
 * an Intel range 4 times. Exact total 1234567 J; a meter that added each
 * poll's delta truncated to whole joules would report 1000000 J. (Slurm's
 * own rapl plugin does not do that: its _get_joules_task() converts the
 * cumulative counter each time and subtracts a base, so it stays within
 * 1 J too; this guards our own arithmetic.)
 */
START_TEST(test_million_polls_no_drift)
{
	const uint64_t per_poll = 1234567, polls = 1000000;
	const int64_t dt = 10000000; /* 10 ms */
	struct rapl_counter c;
	struct rapl_meter m;
	struct sc_error err = {{0}};
	uint64_t raw = RANGE_INTEL - 5000000, base_j, last_j = 0, k;

	ck_assert_int_eq(rapl_counter_init(&c, "package-0", RANGE_INTEL,
				 250 * W, raw, 0, &err),
		0);
	rapl_meter_start(&m, 0, 0);
	/* A caller record as the plugin keeps it: floors of the meter. */
	base_j = rapl_meter_joules(&m);
	for (k = 1; k <= polls; k++) {
		raw = (raw + per_poll) % (RANGE_INTEL + 1);
		/* ck_assert per poll would dominate the run time. */
		if (rapl_counter_advance(&c, raw, (int64_t)k * dt, NULL, &err))
			ck_abort_msg("poll %" PRIu64 ": %s", k, err.text);
		rapl_meter_update(&m, c.total_uj, (int64_t)k * dt);
		last_j = rapl_meter_joules(&m) - base_j;
	}
	ck_assert_uint_eq(c.total_uj, UINT64_C(1234567000000));
	ck_assert_uint_eq(rapl_meter_joules(&m), 1234567);
	ck_assert_uint_eq(last_j, 1234567);
	ck_assert_double_eq_tol(rapl_meter_average_watts(&m), 123.4567, 1e-9);
	ck_assert_double_eq_tol(rapl_meter_current_watts(&m), 123.4567, 1e-9);
	ck_assert_uint_eq(c.rejected, 0);
}
END_TEST

static bool near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

START_TEST(test_meter_cases)
{
	/* Updates (uJ, ms) after a start at (0, 0). */
	static const struct {
		const char *name;
		uint64_t uj[3];
		int64_t t_ms[3];
		size_t n;
		uint64_t joules;
		double current, average;
	} cases[] = {
		{"no update", {0}, {0}, 0, 0, 0, 0},
		{"one update", {2500000}, {2000}, 1, 2, 1.25, 1.25},
		{"varying power", {100 * J, 400 * J, 450 * J},
			{1000, 2000, 3000}, 3, 450, 50.0, 150.0},
		/* A second read at the same instant keeps the interval. */
		{"no time passed", {5 * J, 5 * J}, {1000, 1000}, 2, 5, 5.0,
			5.0},
		/* 50 ms later: the last interval grows to (1 s, 2.05 s]. */
		{"update within 100 ms", {100 * J, 400 * J, 421 * J},
			{1000, 2000, 2050}, 3, 421, 321.0 / 1.05, 421.0 / 2.05},
		/* Exactly 100 ms later: a new interval. */
		{"update after 100 ms", {100 * J, 400 * J, 430 * J},
			{1000, 2000, 2100}, 3, 430, 300.0, 430.0 / 2.1},
		{"sub-joule remainder kept", {999999, 1999998}, {1000, 2000}, 2,
			1, 0.999999, 0.999999},
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rapl_meter m;

		rapl_meter_start(&m, 0, 0);
		for (k = 0; k < cases[i].n; k++)
			rapl_meter_update(
				&m, cases[i].uj[k], cases[i].t_ms[k] * 1000000);
		ck_assert_msg(rapl_meter_joules(&m) == cases[i].joules,
			"%s: %" PRIu64 " J", cases[i].name,
			rapl_meter_joules(&m));
		ck_assert_msg(
			near(rapl_meter_current_watts(&m), cases[i].current),
			"%s: current %f W", cases[i].name,
			rapl_meter_current_watts(&m));
		ck_assert_msg(
			near(rapl_meter_average_watts(&m), cases[i].average),
			"%s: average %f W", cases[i].name,
			rapl_meter_average_watts(&m));
	}
}
END_TEST

START_TEST(test_wrap_period)
{
	static const struct {
		uint64_t range_uj, max_uw;
		double interval_s, period_s;
		bool misses;
	} cases[] = {
		/* 262143.32885 J at 250 W: 1048.5733154 s. */
		{RANGE_INTEL, 250 * W, 1000, 1048.5733154, false},
		{RANGE_INTEL, 250 * W, 1049, 1048.5733154, true},
		/* The e2e simulator's small range: 50 kJ at 250 W, 200 s. */
		{50000 * J, 250 * W, 30, 200, false},
		{50000 * J, 250 * W, 200, 200, true},
		/* Unknown power: nothing can be said. */
		{RANGE_INTEL, 0, 1e6, 0, false},
		{RANGE_INTEL, 250 * W, 0, 1048.5733154, false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_double_eq_tol(
			rapl_wrap_period_s(cases[i].range_uj, cases[i].max_uw),
			cases[i].period_s, 1e-6);
		ck_assert_msg(rapl_interval_misses_wraps(cases[i].range_uj,
				      cases[i].max_uw,
				      cases[i].interval_s) == cases[i].misses,
			"case %zu", i);
	}
}
END_TEST

static Suite *rapl_suite(void)
{
	Suite *s = suite_create("rapl");
	TCase *tc = tcase_create("core");

	/* 10^6 polls under valgrind or sanitizers need more than 4 s. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_counter_cases);
	tcase_add_test(tc, test_init_errors);
	tcase_add_test(tc, test_node_cases);
	tcase_add_test(tc, test_million_polls_no_drift);
	tcase_add_test(tc, test_meter_cases);
	tcase_add_test(tc, test_wrap_period);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rapl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
