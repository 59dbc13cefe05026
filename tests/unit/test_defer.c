/*
 * test_defer.c: the time-shifting decision of job_submit/carbon on small
 * hand-computed forecasts, the words its submitter reads, and the region
 * choice of space shifting.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "defer.h"
#include "intensity.h"
#include "shift.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define H 3600
#define MIN 60
#define T0 1795996800 /* 2026-11-30T00:00:00Z */

static struct intensity_series *hourly(const double *v, size_t n)
{
	struct sc_error err = {{0}};
	struct intensity_series *s;
	int64_t t[24];
	size_t i;

	ck_assert_uint_le(n, NELEM(t));
	for (i = 0; i < n; i++)
		t[i] = T0 + (int64_t)i * H;
	s = intensity_series_create(t, v, n, &err);
	ck_assert_msg(s != NULL, "%s", err.text);
	return s;
}

/*
 * A valley, from T0 (gCO2e/kWh, one value an hour, 12 h):
 *   hour  0    1    2    3    4    5    6 .. 11
 *        400  400  300  100  100  300  400
 */
static const double valley[] = {
	400, 400, 300, 100, 100, 300, 400, 400, 400, 400, 400, 400};

/* Two equally low windows, at 1 h and at 4 h (8 h). */
static const double twin[] = {400, 100, 100, 400, 100, 100, 400, 400};

/*
 * The lowest hours at the very end; the first hour is lower still, so a
 * window wrapped around the end ([11 h, 13 h) = 100 + 50) would win if the
 * search ever looked beyond the forecast.
 */
static const double late[] = {
	50, 400, 400, 400, 400, 400, 400, 400, 400, 400, 100, 100};

enum series_id { VALLEY, TWIN, LATE, NONE };

static const char *const NOW_LOWEST = "now is already the lowest-carbon start";
static const char *const BELOW_MIN = "the saving is below DeferMinSaving";
static const char *const NOT_NOW = "the forecast does not cover now";
static const char *const NOT_LIMIT =
	"the forecast does not cover the job's time limit beyond now";
static const char *const NOTHING = "nothing to shift";

/*
 * Window integrals by hand, in gCO2e/kWh-hours; mean = integral / hours,
 * saving = 1 - integral(begin) / integral(now).
 */
static const struct decide_case {
	const char *what;
	enum series_id series;
	int64_t now, duration, max_delay;
	double min_saving;
	int defer;
	int64_t begin;
	double saving, mean_now, mean_begin;
	const char *why_not;
} decide_cases[] = {
	/* [0, 2h) = 400 + 400 = 800; [3h, 5h) = 100 + 100 = 200, the
	 * lowest (at 2.5 h: 150 + 100 + 50 = 300). 1 - 200/800. */
	{"clear low window", VALLEY, T0, 2 * H, 6 * H, 0.05, 1, T0 + 3 * H,
		0.75, 400, 100, NULL},
	/* now off the hour: [0.5h, 2.5h) = 200 + 400 + 150 = 750,
	 * 1 - 200/750 = 11/15 */
	{"now between samples", VALLEY, T0 + 30 * MIN, 2 * H, 6 * H, 0.05, 1,
		T0 + 3 * H, 11.0 / 15, 375, 100, NULL},
	/* MaxDelay 2h: the starts 0..2h cost 800, 700, 400: 2h, not 3h.
	 * 1 - 400/800 */
	{"low window beyond MaxDelay", VALLEY, T0, 2 * H, 2 * H, 0.05, 1,
		T0 + 2 * H, 0.5, 400, 200, NULL},
	/* MaxDelay 90 min: still falling at the limit, so the limit:
	 * [1.5h, 3.5h) = 200 + 300 + 50 = 550; 1 - 550/800 */
	{"MaxDelay mid-slope", VALLEY, T0, 2 * H, 90 * MIN, 0.05, 1,
		T0 + 90 * MIN, 0.3125, 400, 275, NULL},
	{"now is the lowest", VALLEY, T0 + 3 * H, 2 * H, 6 * H, 0.05, 0,
		T0 + 3 * H, 0, 100, 100, NOW_LOWEST},
	/* [2h, 4h) = 300 + 100 = 400 against 200 at 3h: saving 0.5 */
	{"saving below min_saving", VALLEY, T0 + 2 * H, 2 * H, 6 * H, 0.6, 0,
		T0 + 2 * H, 0.5, 200, 100, BELOW_MIN},
	{"saving equal to min_saving", VALLEY, T0 + 2 * H, 2 * H, 6 * H, 0.5, 1,
		T0 + 3 * H, 0.5, 200, 100, NULL},
	/* [1h, 3h) and [4h, 6h) both 200: the earliest; now: 400 + 100 */
	{"ties: the earliest", TWIN, T0, 2 * H, 6 * H, 0.05, 1, T0 + H, 0.6,
		250, 100, NULL},
	/* from 2h: [2h, 4h) = 100 + 400 = 500, [4h, 6h) = 200 */
	{"ties: the earliest after now", TWIN, T0 + 2 * H, 2 * H, 6 * H, 0.05,
		1, T0 + 4 * H, 0.6, 250, 100, NULL},
	/* latest = min(now + 12h, end - 2h) = 10h: [10h, 12h) = 200, not
	 * the wrapped [11h, 13h) = 150; now [2h, 4h) = 800 */
	{"window at the end of the forecast", LATE, T0 + 2 * H, 2 * H, 12 * H,
		0.05, 1, T0 + 10 * H, 0.75, 400, 100, NULL},
	/* 3 h: latest 9h: [9h, 12h) = 400 + 100 + 100 = 600 against
	 * [2h, 5h) = 1200 */
	{"longer job, earlier latest start", LATE, T0 + 2 * H, 3 * H, 12 * H,
		0.05, 1, T0 + 9 * H, 0.5, 400, 200, NULL},
	/* latest = end - 2h = 10h < now + 6h: 9h..10h all 400 */
	{"flat before the end", VALLEY, T0 + 9 * H, 2 * H, 6 * H, 0.05, 0,
		T0 + 9 * H, 0, 400, 400, NOW_LOWEST},
	{"now before the forecast", VALLEY, T0 - 1, 2 * H, 6 * H, 0.05, 0,
		T0 - 1, 0, 0, 0, NOT_NOW},
	{"now at the forecast's end", VALLEY, T0 + 12 * H, 2 * H, 6 * H, 0.05,
		0, T0 + 12 * H, 0, 0, 0, NOT_NOW},
	{"job ends beyond the forecast", VALLEY, T0 + 10 * H + 1, 2 * H, 6 * H,
		0.05, 0, T0 + 10 * H + 1, 0, 0, 0, NOT_LIMIT},
	{"job ends at the forecast's end", VALLEY, T0 + 10 * H, 2 * H, 6 * H,
		0.05, 0, T0 + 10 * H, 0, 0, 0, NOT_LIMIT},
	{"duration 0", VALLEY, T0, 0, 6 * H, 0.05, 0, T0, 0, 0, 0, NOTHING},
	{"duration < 0", VALLEY, T0, -H, 6 * H, 0.05, 0, T0, 0, 0, 0, NOTHING},
	{"max_delay 0", VALLEY, T0, 2 * H, 0, 0.05, 0, T0, 0, 0, 0, NOTHING},
	{"no forecast", NONE, T0, 2 * H, 6 * H, 0.05, 0, T0, 0, 0, 0,
		"no forecast"},
};

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}

START_TEST(test_decide)
{
	struct intensity_series *s[] = {
		hourly(valley, NELEM(valley)),
		hourly(twin, NELEM(twin)),
		hourly(late, NELEM(late)),
		NULL,
	};
	size_t i;

	for (i = 0; i < NELEM(decide_cases); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct defer_request rq = {
			.now = c->now,
			.duration = c->duration,
			.max_delay = c->max_delay,
			.min_saving = c->min_saving,
		};
		struct defer_decision d;

		memset(&d, 0x5a, sizeof(d));
		ck_assert_int_eq(defer_decide(s[c->series], &rq, &d), 0);
		ck_assert_msg(
			d.defer == c->defer, "%s: defer %d", c->what, d.defer);
		ck_assert_msg(d.now == c->now, "%s: now", c->what);
		ck_assert_msg(d.begin == c->begin,
			"%s: begin T0%+lld s, want T0%+lld s", c->what,
			(long long)(d.begin - T0), (long long)(c->begin - T0));
		ck_assert_msg(near(d.saving, c->saving),
			"%s: saving %.17g, want %.17g", c->what, d.saving,
			c->saving);
		ck_assert_msg(near(d.mean_now, c->mean_now),
			"%s: mean now %.17g, want %.17g", c->what, d.mean_now,
			c->mean_now);
		ck_assert_msg(near(d.mean_begin, c->mean_begin),
			"%s: mean at begin %.17g, want %.17g", c->what,
			d.mean_begin, c->mean_begin);
		if (c->why_not)
			ck_assert_msg(
				d.why_not && !strcmp(d.why_not, c->why_not),
				"%s: why_not '%s'", c->what,
				d.why_not ? d.why_not : "(null)");
		else
			ck_assert_msg(d.why_not == NULL, "%s: why_not '%s'",
				c->what, d.why_not);
	}
	for (i = 0; i < NELEM(s); i++)
		intensity_series_destroy(s[i]);
}
END_TEST

/*
 * As scarbon-fetch writes it: 24 h of history and 48 h of forecast at
 * 30-min steps, a trough of 60 at 03:00..06:00 each day over 300
 * elsewhere. At 20:10 with a 2 h limit and 12 h MaxDelay the best start
 * is 03:00 the next day: 6 h 50 min later, 1 - 60/300 = 80% less.
 */
START_TEST(test_decide_fetched_series)
{
	struct sc_error err = {{0}};
	struct intensity_series *s;
	struct defer_decision d;
	struct defer_request rq = {
		.now = T0 + 20 * H + 10 * MIN,
		.duration = 2 * H,
		.max_delay = 12 * H,
		.min_saving = 0.05,
	};
	int64_t t[144];
	double v[144];
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		int64_t hour = (int64_t)i / 2 % 24;

		t[i] = T0 - 24 * H + (int64_t)i * 30 * MIN;
		v[i] = hour >= 3 && hour < 6 ? 60 : 300;
	}
	s = intensity_series_create(t, v, NELEM(t), &err);
	ck_assert_msg(s != NULL, "%s", err.text);
	ck_assert_int_eq(intensity_series_end(s), T0 + 48 * H);
	ck_assert_int_eq(defer_decide(s, &rq, &d), 0);
	ck_assert_int_eq(d.defer, 1);
	ck_assert_int_eq(d.begin, T0 + 27 * H);
	ck_assert(near(d.saving, 0.8));
	ck_assert(near(d.mean_now, 300));
	ck_assert(near(d.mean_begin, 60));
	intensity_series_destroy(s);
}
END_TEST

/*
 * What the submitter reads and what is kept on the job. 19:48 to 02:00
 * the next day is 6 h 12 min.
 */
static const struct message_case {
	struct defer_decision d;
	const char *region;
	const char *message;
	const char *trace;
} message_cases[] = {
	{{.defer = 1,
		 .now = 1795981680,
		 .begin = 1796004000,
		 .saving = 0.38,
		 .mean_now = 194,
		 .mean_begin = 120.4},
		"gb",
		"deferred to 2026-11-30 02:00:00 UTC (in 6 h 12 min) for "
		"lower-carbon power in region gb: about 38% less CO2e than "
		"starting now (forecast 120 instead of 194 gCO2e/kWh); submit "
		"with --begin=now to opt out",
		"[carbon-submit deferred_to=2026-11-30T02:00:00Z region=gb "
		"saving=38% ci_now=194 ci_then=120]"},
	/* 30 min; no region name */
	{{.defer = 1,
		 .now = T0,
		 .begin = T0 + 30 * MIN,
		 .saving = 0.051,
		 .mean_now = 300.2,
		 .mean_begin = 284.9},
		NULL,
		"deferred to 2026-11-30 00:30:00 UTC (in 0 h 30 min) for "
		"lower-carbon power in region ?: about 5% less CO2e than "
		"starting now (forecast 285 instead of 300 gCO2e/kWh); submit "
		"with --begin=now to opt out",
		"[carbon-submit deferred_to=2026-11-30T00:30:00Z region=? "
		"saving=5% ci_now=300 ci_then=285]"},
	/* over a day, across a month's end; minutes padded */
	{{.defer = 1,
		 .now = T0 + 23 * H,
		 .begin = T0 + 48 * H + 5 * MIN,
		 .saving = 0.999,
		 .mean_now = 1000,
		 .mean_begin = 1},
		"es",
		"deferred to 2026-12-02 00:05:00 UTC (in 25 h 05 min) for "
		"lower-carbon power in region es: about 100% less CO2e than "
		"starting now (forecast 1 instead of 1000 gCO2e/kWh); submit "
		"with --begin=now to opt out",
		"[carbon-submit deferred_to=2026-12-02T00:05:00Z region=es "
		"saving=100% ci_now=1000 ci_then=1]"},
};

START_TEST(test_message)
{
	char buf[512];
	size_t i;

	for (i = 0; i < NELEM(message_cases); i++) {
		const struct message_case *c = &message_cases[i];
		size_t len;

		ck_assert_int_eq(
			defer_message(&c->d, c->region, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, c->message);
		ck_assert_int_eq(
			defer_trace(&c->d, c->region, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, c->trace);
		/* exactly enough room, and one byte less */
		len = strlen(c->message);
		ck_assert_int_eq(
			defer_message(&c->d, c->region, buf, len + 1), 0);
		ck_assert_int_eq(defer_message(&c->d, c->region, buf, len), -1);
		len = strlen(c->trace);
		ck_assert_int_eq(
			defer_trace(&c->d, c->region, buf, len + 1), 0);
		ck_assert_int_eq(defer_trace(&c->d, c->region, buf, len), -1);
	}
}
END_TEST

/* A decision straight from defer_decide, in words. */
START_TEST(test_message_from_decision)
{
	struct intensity_series *s = hourly(valley, NELEM(valley));
	struct defer_request rq = {.now = T0 + 30 * MIN,
		.duration = 2 * H,
		.max_delay = 6 * H,
		.min_saving = 0.05};
	struct defer_decision d;
	char buf[512];

	ck_assert_int_eq(defer_decide(s, &rq, &d), 0);
	ck_assert_int_eq(d.defer, 1);
	ck_assert_int_eq(defer_message(&d, "gb", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf,
		"deferred to 2026-11-30 03:00:00 UTC (in 2 h 30 min) for "
		"lower-carbon power in region gb: about 73% less CO2e than "
		"starting now (forecast 100 instead of 375 gCO2e/kWh); submit "
		"with --begin=now to opt out");
	ck_assert_int_eq(defer_trace(&d, "gb", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[carbon-submit deferred_to=2026-11-30T03:00:00Z "
			      "region=gb saving=73% ci_now=375 ci_then=100]");
	intensity_series_destroy(s);
}
END_TEST

/*
 * Space shifting. Waits are powers of two times the weights (1280 s at
 * 2^-7 g/s = 10 g) so that the sums are exact.
 */
#define NOW 1000000
#define MAX_SITES 4

static const struct site_case {
	const char *what;
	size_t n;
	struct shift_site sites[MAX_SITES];
	enum shift_placement how;
	double wait_weight;
	int64_t max_wait;
	long chosen;
} site_cases[] = {
	{"no sites", 0, {{0}}, SHIFT_PLACE_CARBON, 0, 3600, -1},
	{"none usable", 2, {{0, NOW, 10}, {0, NOW, 20}}, SHIFT_PLACE_CARBON, 0,
		3600, -1},
	{"least grams", 3, {{1, NOW, 50}, {1, NOW, 30}, {1, NOW, 40}},
		SHIFT_PLACE_CARBON, 0, 3600, 1},
	{"an unusable site is never chosen", 3,
		{{0, NOW, 10}, {1, NOW, 30}, {1, NOW, 40}}, SHIFT_PLACE_CARBON,
		0, 3600, 1},
	{"ties: the first", 3, {{1, NOW, 30}, {1, NOW, 30}, {1, NOW, 40}},
		SHIFT_PLACE_CARBON, 0, 3600, 0},
	/* max_wait: 2 h later than the earliest is beyond 1 h ... */
	{"max_wait excludes a later site", 2,
		{{1, NOW, 50}, {1, NOW + 7200, 10}}, SHIFT_PLACE_CARBON, 0,
		3600, 0},
	/* ... and exactly max_wait later is within */
	{"max_wait is inclusive", 2, {{1, NOW, 50}, {1, NOW + 7200, 10}},
		SHIFT_PLACE_CARBON, 0, 7200, 1},
	{"max_wait 0: the earliest only", 3,
		{{1, NOW + 1, 5}, {1, NOW, 50}, {1, NOW, 40}},
		SHIFT_PLACE_CARBON, 0, 0, 2},
	/* the earliest start is over usable sites: an unusable one at now
	 * does not make the others too late */
	{"earliest among usable sites", 3,
		{{0, NOW, 1}, {1, NOW + 7200, 50}, {1, NOW + 7300, 10}},
		SHIFT_PLACE_CARBON, 0, 3600, 2},
	/* 50 + 0 against 40 + 1280 * 2^-7 = 50: a tie, the first */
	{"wait_weight: a tie", 2, {{1, NOW, 50}, {1, NOW + 1280, 40}},
		SHIFT_PLACE_CARBON, 0.0078125, 3600, 0},
	/* 40 + 1280 * 2^-8 = 45 < 50 */
	{"wait_weight: worth the wait", 2, {{1, NOW, 50}, {1, NOW + 1280, 40}},
		SHIFT_PLACE_CARBON, 0.00390625, 3600, 1},
	/* 40 + 1280 * 2^-6 = 60 > 50 */
	{"wait_weight: not worth it", 2, {{1, NOW, 50}, {1, NOW + 1280, 40}},
		SHIFT_PLACE_CARBON, 0.015625, 3600, 0},
	/* neither starts now: 50 + 2560 * 2^-6 = 90, 20 + 3840 * 2^-6 = 80 */
	{"both wait", 2, {{1, NOW + 2560, 50}, {1, NOW + 3840, 20}},
		SHIFT_PLACE_CARBON, 0.015625, 3600, 1},
	{"earliest placement", 3,
		{{1, NOW + 600, 1}, {1, NOW + 300, 100}, {1, NOW + 300, 50}},
		SHIFT_PLACE_EARLIEST, 0, 3600, 1},
	{"earliest placement skips unusable", 3,
		{{0, NOW, 1}, {1, NOW + 900, 100}, {1, NOW + 300, 50}},
		SHIFT_PLACE_EARLIEST, 0, 3600, 2},
};

START_TEST(test_choose_site)
{
	size_t i;

	for (i = 0; i < NELEM(site_cases); i++) {
		const struct site_case *c = &site_cases[i];
		long got = shift_choose_site(c->n ? c->sites : NULL, c->n, NOW,
			c->how, c->wait_weight, c->max_wait);

		ck_assert_msg(got == c->chosen, "%s: %ld, want %ld", c->what,
			got, c->chosen);
	}
}
END_TEST

static Suite *defer_suite(void)
{
	Suite *s = suite_create("defer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_decide_fetched_series);
	tcase_add_test(tc, test_message);
	tcase_add_test(tc, test_message_from_decision);
	tcase_add_test(tc, test_choose_site);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(defer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
