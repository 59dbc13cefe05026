/*
 * test_intensity.c: the carbon-intensity series and the carbon model: each
 * format, gzip, errors naming file and line, gaps, cyclic mapping, integrals.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "carbon.h"
#include "intensity.h"

#define FIXTURES TEST_DATA_DIR "/intensity/"
#define T2020 1577836800 /* 2020-01-01T00:00:00Z */
#define T2021 1616889600 /* 2021-03-28T00:00:00Z */
#define T2022 1640995200 /* 2022-01-01T00:00:00Z */

struct probe {
	int64_t t;
	double value;
};

/* A fixture that loads: its shape and a few values, computed by hand. */
static const struct load_case {
	const char *file; /* under FIXTURES; may carry "#lca" */
	size_t count;
	int64_t start, end, step;
	size_t gaps, filled;
	struct probe at[4];
} load_cases[] = {
	{"test_intensity-simple.csv", 3, T2020, T2020 + 5400, 1800, 0, 0,
		{{T2020, 100}, {T2020 + 1799, 100}, {T2020 + 1800, 200.5},
			{T2020 + 5399, 50}}},
	/* Offsets, Z, fraction, CRLF, BOM, a blank line, lower case. */
	{"test_intensity-iso.csv", 3, T2020, T2020 + 5400, 1800, 0, 0,
		{{T2020, 10}, {T2020 + 1800, 20}, {T2020 + 3600, 30},
			{T2020 + 5400, 10}}},
	/* Direct by default; the empty 01:00 value is a gap filled by
	 * interpolation: (133.64 + 139.5) / 2. */
	{"test_intensity-emaps.csv", 4, T2022, T2022 + 14400, 3600, 1, 1,
		{{T2022, 133.64}, {T2022 + 3600, 136.57}, {T2022 + 7200, 139.5},
			{T2022 + 10800, 140.5}}},
	{"test_intensity-emaps.csv#lca", 4, T2022, T2022 + 14400, 3600, 0, 0,
		{{T2022, 175.54}, {T2022 + 3600, 181.54}, {T2022 + 7200, 180},
			{T2022 + 10800, 190.25}}},
	{"test_intensity-emaps.csv#direct", 4, T2022, T2022 + 14400, 3600, 1, 1,
		{{T2022, 133.64}, {T2022 + 3600, 136.57}, {T2022 + 7200, 139.5},
			{T2022 + 10800, 140.5}}},
	/* Actual when present, else forecast; the end is the last "to". */
	{"test_intensity-uk.json", 4, T2020, T2020 + 7200, 1800, 0, 0,
		{{T2020, 190}, {T2020 + 1800, 180}, {T2020 + 3600, 170.5},
			{T2020 + 5400, 150}}},
	/* 01:00 -> 04:00 at a 1 h step: 02:00 and 03:00 interpolated. */
	{"test_intensity-gap.csv", 6, T2021, T2021 + 21600, 3600, 1, 2,
		{{T2021 + 3600, 100}, {T2021 + 7200, 200}, {T2021 + 10800, 300},
			{T2021 + 14400, 400}}},
	/* The real data: shape only, values from the files' first lines. */
	{"../gb_ci.csv", 21980, 1576800000, 1610236800, 1800, 0, 0,
		{{1576800000, 120.99546661944396},
			{1576801800, 135.08869637679902}}},
	{"../ES_2022_hourly.csv", 8760, T2022, T2022 + 365 * 86400, 3600, 0, 0,
		{{T2022, 133.64}, {T2022 + 3600, 139.1}}},
	{"../NO_2022_hourly.csv#lca", 8760, T2022, T2022 + 365 * 86400, 3600, 0,
		0, {{T2022, 63.03}, {T2022 + 3600, 56.47}}},
};

static void check_shape(
	const struct intensity_series *s, const struct load_case *c)
{
	size_t j;

	ck_assert_uint_eq(intensity_series_count(s), c->count);
	ck_assert_int_eq(intensity_series_start(s), c->start);
	ck_assert_int_eq(intensity_series_end(s), c->end);
	ck_assert_int_eq(intensity_series_step(s), c->step);
	ck_assert_uint_eq(intensity_series_gaps(s), c->gaps);
	ck_assert_uint_eq(intensity_series_filled(s), c->filled);
	for (j = 0; j < 4 && c->at[j].t; j++)
		ck_assert_double_eq_tol(intensity_series_at(s, c->at[j].t),
			c->at[j].value, 1e-9);
}

START_TEST(test_load_formats)
{
	size_t i;

	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct sc_error err;
		struct intensity_series *s;
		char path[1024];

		snprintf(path, sizeof(path), "%s%s", FIXTURES, c->file);
		s = intensity_series_load(path, &err);
		ck_assert_msg(s != NULL, "%s: %s", c->file, err.text);
		check_shape(s, c);
		intensity_series_destroy(s);
	}
}
END_TEST

/* Write src gzip-compressed to dst; 0 or -1. */
static int gzip_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb");
	gzFile out = gzopen(dst, "wb");
	char buf[4096];
	size_t n;
	int rc = 0;

	if (!in || !out)
		rc = -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (gzwrite(out, buf, (unsigned)n) != (int)n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && gzclose(out) != Z_OK)
		rc = -1;
	return rc;
}

/* Each fixture gives the same series when gzip-compressed. */
START_TEST(test_load_gzip)
{
	static const size_t which[] = {0, 2, 3, 5, 6};
	const char *tmp = getenv("TMPDIR");
	char dir[512];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/test_intensity.XXXXXX",
		tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		const struct load_case *c = &load_cases[which[i]];
		char src[1024], dst[1100], *hash;
		struct sc_error err;
		struct intensity_series *s;

		snprintf(src, sizeof(src), "%s%s", FIXTURES, c->file);
		hash = strchr(src, '#');
		if (hash)
			*hash = '\0';
		snprintf(dst, sizeof(dst), "%s/fixture.gz", dir);
		ck_assert_int_eq(gzip_file(src, dst), 0);
		if (strchr(c->file, '#'))
			strcat(dst, strchr(c->file, '#'));
		s = intensity_series_load(dst, &err);
		ck_assert_msg(s != NULL, "%s: %s", dst, err.text);
		check_shape(s, c);
		intensity_series_destroy(s);
	}
	/* A gzip stream cut short is an error, not a shorter series. */
	{
		char dst[1100];
		struct sc_error err;
		FILE *f;
		long size;

		snprintf(dst, sizeof(dst), "%s/fixture.gz", dir);
		f = fopen(dst, "r+b");
		ck_assert_ptr_nonnull(f);
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
		ck_assert_int_eq(truncate(dst, size - 12), 0);
		ck_assert_ptr_null(intensity_series_load(dst, &err));
		ck_assert_str_eq(
			strstr(err.text, ": ") + 2, "truncated gzip data");
		unlink(dst);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A fixture that must fail, and the start of the error after the path. */
static const struct error_case {
	const char *file;
	const char *error;
} error_cases[] = {
	{"test_intensity-bad-time.csv", ":4: bad time \"2020-13-01 01:00:00\""},
	{"test_intensity-negative.csv", ":5: intensity -5 is not in [0, "},
	{"test_intensity-nan.csv", ":3: bad intensity \"nan\""},
	{"test_intensity-bad-value.csv", ":3: bad intensity \"12abc\""},
	{"test_intensity-duplicate.csv", ":4: time repeats that of "},
	{"test_intensity-unsorted.csv", ":3: time is before that of "},
	{"test_intensity-header-only.csv", ": no samples"},
	{"test_intensity-empty.csv", ": empty file"},
	{"test_intensity-bad-header.csv", ":1: unknown header"},
	{"test_intensity-short-row.csv", ":3: 1 fields, expected at least 2"},
	{"test_intensity-syntax.json", ":3: "},
	{"test_intensity-bad-record.json", ": data[1]: bad or missing"},
	{"test_intensity-negative.json", ": data[1]: intensity -1 is not in"},
	{"test_intensity-no-data.json", ": no \"data\" array"},
	{"test_intensity-missing.csv", ": cannot open: No such file"},
	{"test_intensity-simple.csv#lca", ":1: no \"Carbon Intensity ... "
					  "(LCA)\" column"},
	{"test_intensity-uk.json#lca", ": LCA intensity requested; this "
				       "format has only one"},
};

START_TEST(test_load_errors)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		struct sc_error err;
		char path[1024], want[1200], *hash;

		snprintf(path, sizeof(path), "%s%s", FIXTURES, c->file);
		errno = 0;
		ck_assert_msg(intensity_series_load(path, &err) == NULL,
			"%s loaded", c->file);
		ck_assert_int_ne(errno, 0);
		hash = strchr(path, '#');
		if (hash)
			*hash = '\0';
		snprintf(want, sizeof(want), "%s%s", path, c->error);
		ck_assert_msg(strncmp(err.text, want, strlen(want)) == 0,
			"%s: got \"%s\", want \"%s...\"", c->file, err.text,
			want);
	}
}
END_TEST

/* Parsing a buffer: options, the name in errors, bytes after a NUL. */
START_TEST(test_parse_buffer)
{
	static const char csv[] =
		"Datetime (UTC),Carbon Intensity gCO2eq/kWh "
		"(direct),Carbon Intensity gCO2eq/kWh (LCA)\n"
		"2022-01-01 00:00:00,1,2\n2022-01-01 01:00:00,3,4\n";
	static const char nul[] = "Time,Carbon Intensity\n"
				  "2020-01-01 00:00:00,1\0,\n";
	static const char life[] = "Datetime (UTC),Carbon intensity gCO2eq/kWh "
				   "(Life cycle),Carbon intensity gCO2eq/kWh "
				   "(direct)\n2022-01-01 00:00:00,9.5,1\n";
	struct intensity_options lca = {.column = INTENSITY_LCA};
	struct sc_error err;
	struct intensity_series *s;

	s = intensity_series_parse("buf", csv, sizeof(csv) - 1, NULL, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(intensity_series_at(s, T2022 + 3600), 3);
	intensity_series_destroy(s);
	s = intensity_series_parse("buf", csv, sizeof(csv) - 1, &lca, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(intensity_series_at(s, T2022 + 3600), 4);
	intensity_series_destroy(s);
	/* Newer exports name the LCA column "(Life cycle)". */
	s = intensity_series_parse("buf", life, sizeof(life) - 1, &lca, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(intensity_series_at(s, T2022), 9.5);
	intensity_series_destroy(s);
	/* Only len bytes count: the last row loses its LCA field. */
	s = intensity_series_parse("buf", csv, sizeof(csv) - 4, &lca, &err);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.text, "buf:3: 2 fields, expected at least 3");
	s = intensity_series_parse("buf", nul, sizeof(nul) - 1, NULL, &err);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.text, "buf:2: bad intensity \"1?\"");
}
END_TEST

/* Times: leap days, offsets, out-of-range fields; one row each. */
static const struct time_case {
	const char *text;
	int64_t t; /* INT64_MIN: must be rejected */
} time_cases[] = {
	{"2000-02-29 12:00:00", 951825600},
	{"1969-12-31T23:00:00Z", -3600},
	{"2020-01-01T05:30:00+05:30", T2020},
	{"2020-01-01T00:00:00+0000", T2020},
	{"2019-12-31T23:00-01", T2020},
	{"2020-01-01 00:00:59.999", T2020 + 59},
	{"2021-02-29 00:00:00", INT64_MIN},
	{"2020-01-01 24:00:00", INT64_MIN},
	{"2020-01-01 00:60:00", INT64_MIN},
	{"2020-01-01 00:00:60", INT64_MIN},
	{"2020-01-01", INT64_MIN},
	{"2020-1-01 00:00:00", INT64_MIN},
	{"2020-01-01 00:00:00 junk", INT64_MIN},
	{"2020-01-01T00:00:00+24:00", INT64_MIN},
};

START_TEST(test_parse_times)
{
	size_t i;

	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *c = &time_cases[i];
		struct sc_error err;
		struct intensity_series *s;
		char buf[256];
		int len;

		len = snprintf(buf, sizeof(buf),
			"Time,Carbon Intensity\n"
			"%s,7\n",
			c->text);
		s = intensity_series_parse("t", buf, (size_t)len, NULL, &err);
		if (c->t == INT64_MIN) {
			ck_assert_msg(s == NULL, "%s accepted", c->text);
			ck_assert_msg(
				strncmp(err.text, "t:2: bad time", 13) == 0,
				"%s: %s", c->text, err.text);
			continue;
		}
		ck_assert_msg(s != NULL, "%s: %s", c->text, err.text);
		ck_assert_int_eq(intensity_series_start(s), c->t);
		intensity_series_destroy(s);
	}
}
END_TEST

/*
 * A hand-made series: 1 over [0, 10), 2 over [10, 20), 4 over [20, 30);
 * span 30, one cycle integrates to 70. Outside [0, 30) it repeats.
 */
static const struct integral_case {
	int64_t t0, t1;
	double integral;
} integral_cases[] = {
	{0, 30, 70},
	{0, 0, 0},
	{7, 7, 0},
	{9, 3, 0}, /* t1 < t0 */
	{2, 8, 6}, /* inside one interval */
	{5, 15, 5 * 1 + 5 * 2},
	{5, 25, 5 * 1 + 10 * 2 + 5 * 4},
	{25, 35, 5 * 4 + 5 * 1}, /* wraps once */
	{-10, 0, 40},		 /* before the start: [20, 30) */
	{-35, -25, 5 * 4 + 5 * 1},
	{0, 300, 700},		/* ten whole cycles */
	{29, 331, 4 + 700 + 1}, /* [29, 30), ten cycles, [0, 1) */
	{-3000000000LL, 3000000000LL, 70.0 * 200000000},
};

START_TEST(test_integral_exact)
{
	static const int64_t times[] = {0, 10, 20};
	static const double values[] = {1, 2, 4};
	struct sc_error err;
	struct intensity_series *s;
	size_t i;

	s = intensity_series_create(times, values, 3, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(intensity_series_end(s), 30);
	for (i = 0; i < sizeof(integral_cases) / sizeof(integral_cases[0]);
		i++) {
		const struct integral_case *c = &integral_cases[i];

		ck_assert_msg(intensity_series_integral(s, c->t0, c->t1) ==
				      c->integral,
			"[%lld, %lld): %.17g, want %.17g", (long long)c->t0,
			(long long)c->t1,
			intensity_series_integral(s, c->t0, c->t1),
			c->integral);
	}
	intensity_series_destroy(s);
}
END_TEST

/* Cyclic values and the next change, on the same series. */
static const struct cyclic_case {
	int64_t t;
	double value;
	int64_t next;
} cyclic_cases[] = {
	{0, 1, 10},
	{9, 1, 10},
	{10, 2, 20},
	{29, 4, 30},
	{30, 1, 40},
	{45, 2, 50},
	{-1, 4, 0},
	{-30, 1, -20},
	{-31, 4, -30},
	{-29, 1, -20},
	{INT64_MAX, 1, INT64_MAX}, /* next change saturates */
	{INT64_MIN, 4, INT64_MIN + 8},
};

START_TEST(test_cyclic)
{
	static const int64_t times[] = {0, 10, 20};
	static const double values[] = {1, 2, 4};
	struct sc_error err;
	struct intensity_series *s;
	size_t i;

	/* INT64_MAX is 7 past a cycle's start, INT64_MIN 22. */
	ck_assert_int_eq(INT64_MAX % 30, 7);
	ck_assert_int_eq(INT64_MIN % 30 + 30, 22);
	s = intensity_series_create(times, values, 3, &err);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < sizeof(cyclic_cases) / sizeof(cyclic_cases[0]); i++) {
		const struct cyclic_case *c = &cyclic_cases[i];

		ck_assert_msg(intensity_series_at(s, c->t) == c->value,
			"at(%lld) = %g, want %g", (long long)c->t,
			intensity_series_at(s, c->t), c->value);
		ck_assert_int_eq(
			intensity_series_next_change(s, c->t), c->next);
	}
	intensity_series_destroy(s);
}
END_TEST

/* intensity_series_create: bad input and the gap rule. */
START_TEST(test_create)
{
	static const int64_t gap_t[] = {0, 3600, 14400, 18000};
	static const double gap_v[] = {100, 100, 400, 400};
	static const int64_t dup_t[] = {0, 10, 10};
	static const double ok_v[] = {1, 2, 3};
	static const double neg_v[] = {1, -2, 3};
	static const double nan_v[] = {1, NAN, 3};
	static const int64_t one_t[] = {T2020};
	struct sc_error err;
	struct intensity_series *s;

	s = intensity_series_create(gap_t, gap_v, 4, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(intensity_series_count(s), 6);
	ck_assert_uint_eq(intensity_series_gaps(s), 1);
	ck_assert_uint_eq(intensity_series_filled(s), 2);
	ck_assert_double_eq(intensity_series_integral(s, 3600, 14400),
		(100.0 + 200 + 300) * 3600);
	intensity_series_destroy(s);

	errno = 0;
	ck_assert_ptr_null(intensity_series_create(dup_t, ok_v, 3, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, "series: sample 3: time not after the "
				   "previous sample");
	ck_assert_ptr_null(intensity_series_create(gap_t, neg_v, 3, &err));
	ck_assert_str_eq(err.text, "series: sample 2: value not in [0, 1e+06]");
	ck_assert_ptr_null(intensity_series_create(gap_t, nan_v, 3, &err));
	ck_assert_ptr_null(intensity_series_create(gap_t, ok_v, 0, &err));
	ck_assert_str_eq(err.text, "series: no samples");

	/* One sample: a constant series with a one-hour interval. */
	s = intensity_series_create(one_t, ok_v, 1, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(intensity_series_end(s), T2020 + 3600);
	ck_assert_double_eq(intensity_series_integral(s, 0, 86400), 86400);
	intensity_series_destroy(s);
	intensity_series_destroy(NULL);
}
END_TEST

/* A gap too long to fill is refused rather than exhausting memory. */
START_TEST(test_gap_limit)
{
	static const int64_t t[] = {0, 1, 2, 100000000};
	static const double v[] = {1, 1, 1, 1};
	static const char huge_gap[] = "Time,Carbon Intensity\n"
				       "1970-01-01 00:00:00,1\n"
				       "1970-01-01 00:00:01,1\n"
				       "1970-01-01 00:00:02,1\n"
				       "1973-03-03 09:46:40,1\n";
	struct sc_error err;

	errno = 0;
	ck_assert_ptr_null(intensity_series_create(t, v, 4, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, "series: sample 3: gap of 99999998 s to "
				   "the next sample needs more than 1048576 "
				   "filled samples");
	/* From a file, the message names the line before the gap. */
	errno = 0;
	ck_assert_ptr_null(intensity_series_parse(
		"f", huge_gap, sizeof(huge_gap) - 1, NULL, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, "f:4: gap of 99999998 s to the next "
				   "sample needs more than 1048576 filled "
				   "samples");
}
END_TEST

/* Grams CO2e = W * integral / 3.6e6: hand-computed cases. */
static const struct carbon_case {
	double watts;
	int64_t t0, t1;
	double grams;
} carbon_cases[] = {
	{1000, 0, 3600, 200}, /* 1 kWh at 100 then 300: mean 200 */
	{2000, 0, 3600, 400},
	{1000, 0, 1800, 50}, /* 0.5 kWh at 100 */
	{3600, 1800, 1800, 0},
	{0, 0, 3600, 0},
	{500, 3600, 3600 + 86400, 500.0 * 86400 * 200 / 3.6e6},
};

START_TEST(test_carbon_grams)
{
	static const int64_t times[] = {0, 1800};
	static const double values[] = {100, 300};
	struct sc_error err;
	struct intensity_series *s;
	size_t i;

	s = intensity_series_create(times, values, 2, &err);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < sizeof(carbon_cases) / sizeof(carbon_cases[0]); i++) {
		const struct carbon_case *c = &carbon_cases[i];

		ck_assert_double_eq_tol(carbon_grams(s, c->watts, c->t0, c->t1),
			c->grams, 1e-9);
	}
	intensity_series_destroy(s);
}
END_TEST

static Suite *intensity_suite(void)
{
	Suite *s = suite_create("intensity");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_load_formats);
	tcase_add_test(tc, test_load_gzip);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_parse_buffer);
	tcase_add_test(tc, test_parse_times);
	tcase_add_test(tc, test_integral_exact);
	tcase_add_test(tc, test_cyclic);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_gap_limit);
	tcase_add_test(tc, test_carbon_grams);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(intensity_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
