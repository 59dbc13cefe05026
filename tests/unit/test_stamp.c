/*
 * test_stamp.c: scarbon's AdminComment segment: its exact text, finding
 * and merging it beside other tools' text, reading co2e_g back.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A carbon result and its segment, character for character. */
static const struct format_case {
	struct job_carbon jc;
	const char *segment;
} format_cases[] = {
	{
		/* 600 + 7000 / 1461 = 604.7912389 g: three decimals */
		{.source = ENERGY_SOURCE_MEASURED,
			.rule = "extern step",
			.region = "grid",
			.energy_j = 7.2e6,
			.pue = 1.5,
			.intensity = 200,
			.operational_g = 600,
			.embodied_g = 7000.0 / 1461,
			.total_g = 600 + 7000.0 / 1461},
		"[scarbon co2e_g=604.791 co2e_op_g=600.000 co2e_emb_g=4.791 "
		"energy_j=7200000 energy_source=measured pue=1.5 "
		"intensity_g_kwh=200.0 region=grid v=1]",
	},
	{
		/* 500 / 3 = 166.67 g/kWh to one decimal; a sub-milligram
		 * embodied part shows as 0.000; joules rounded */
		{.source = ENERGY_SOURCE_ESTIMATED,
			.region = "lab-2.b",
			.energy_j = 100800.4,
			.pue = 1.25,
			.intensity = 500.0 / 3,
			.operational_g = 10.5,
			.embodied_g = 0.0004,
			.total_g = 10.5004},
		"[scarbon co2e_g=10.500 co2e_op_g=10.500 co2e_emb_g=0.000 "
		"energy_j=100800 energy_source=estimated pue=1.25 "
		"intensity_g_kwh=166.7 region=lab-2.b v=1]",
	},
	{
		{.source = ENERGY_SOURCE_PARTIAL,
			.region = "es",
			.energy_j = 1000,
			.pue = 1.1,
			.intensity = 250,
			.operational_g = 0.0763888,
			.embodied_g = 0.2,
			.total_g = 0.2763888},
		"[scarbon co2e_g=0.276 co2e_op_g=0.076 co2e_emb_g=0.200 "
		"energy_j=1000 energy_source=partial pue=1.1 "
		"intensity_g_kwh=250.0 region=es v=1]",
	},
	{
		/* no region, no intensity: "none" and 0.0 */
		{.source = ENERGY_SOURCE_MEASURED,
			.region = NULL,
			.energy_j = 0,
			.pue = 1.3,
			.intensity = NAN,
			.operational_g = 0,
			.embodied_g = 12,
			.total_g = 12},
		"[scarbon co2e_g=12.000 co2e_op_g=0.000 co2e_emb_g=12.000 "
		"energy_j=0 energy_source=measured pue=1.3 "
		"intensity_g_kwh=0.0 region=none v=1]",
	},
};

START_TEST(test_format)
{
	size_t i;

	for (i = 0; i < NELEM(format_cases); i++) {
		const struct format_case *c = &format_cases[i];
		size_t len = strlen(c->segment);
		char buf[512], *small;

		ck_assert_int_eq(stamp_format(&c->jc, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, c->segment);
		/* what Slurm 22.05 would mangle is never there */
		ck_assert_ptr_null(strchr(buf, '"'));
		ck_assert_ptr_null(strchr(buf, '\''));
		ck_assert_int_eq(
			strncmp(buf, STAMP_OPEN, strlen(STAMP_OPEN)), 0);
		/* exactly enough room, then one byte short */
		small = malloc(len + 1);
		ck_assert_ptr_nonnull(small);
		ck_assert_int_eq(stamp_format(&c->jc, small, len + 1), 0);
		ck_assert_str_eq(small, c->segment);
		ck_assert_int_eq(stamp_format(&c->jc, small, len), -1);
		free(small);
	}
}
END_TEST

/* Nothing to stamp when the total or the energy is unknown. */
START_TEST(test_format_unknown)
{
	struct job_carbon jc = format_cases[0].jc;
	char buf[512];

	jc.total_g = NAN;
	ck_assert_int_eq(stamp_format(&jc, buf, sizeof(buf)), -1);
	jc.total_g = INFINITY;
	ck_assert_int_eq(stamp_format(&jc, buf, sizeof(buf)), -1);
	jc = format_cases[0].jc;
	jc.energy_j = NAN;
	ck_assert_int_eq(stamp_format(&jc, buf, sizeof(buf)), -1);
	jc = format_cases[0].jc;
	ck_assert_int_eq(stamp_format(&jc, buf, 0), -1);
}
END_TEST

#define SEG "[scarbon co2e_g=2.000 v=1]"

/* A comment, the segment merged into it, and the result. */
static const struct merge_case {
	const char *comment;
	const char *merged;
} merge_cases[] = {
	{NULL, SEG},
	{"", SEG},
	/* other text kept, ours appended after one space */
	{"keep me", "keep me " SEG},
	{"[other tool x=1]", "[other tool x=1] " SEG},
	/* ours replaced where it is, text before and after kept */
	{"[scarbon co2e_g=1.000 v=1]", SEG},
	{"before [scarbon co2e_g=1.000 v=1] after", "before " SEG " after"},
	{"before[scarbon co2e_g=1.000 v=1]after", "before" SEG "after"},
	{"[scarbon co2e_g=1.000 v=1] after", SEG " after"},
	/* only the first of two is ours to replace */
	{"[scarbon a=1] [scarbon b=2]", SEG " [scarbon b=2]"},
	/* an unclosed segment is not ours: kept, ours appended */
	{"x [scarbon broken", "x [scarbon broken " SEG},
	/* "[scarbon" needs its space */
	{"[scarbonx=1]", "[scarbonx=1] " SEG},
};

START_TEST(test_merge)
{
	size_t i;

	for (i = 0; i < NELEM(merge_cases); i++) {
		const struct merge_case *c = &merge_cases[i];
		char *once = stamp_merge(c->comment, SEG), *twice;

		ck_assert_ptr_nonnull(once);
		ck_assert_str_eq(once, c->merged);
		/* idempotent: merging the same segment again changes nothing */
		twice = stamp_merge(once, SEG);
		ck_assert_ptr_nonnull(twice);
		ck_assert_str_eq(twice, once);
		free(twice);
		free(once);
	}
}
END_TEST

/* A new segment replaces an older one of a different length. */
START_TEST(test_merge_replace)
{
	char seg[512], *c1, *c2;
	double g;

	ck_assert_int_eq(
		stamp_format(&format_cases[0].jc, seg, sizeof(seg)), 0);
	c1 = stamp_merge("x " SEG " y", seg);
	ck_assert_ptr_nonnull(c1);
	ck_assert_int_eq(strncmp(c1, "x [scarbon co2e_g=604.791 ", 26), 0);
	ck_assert_str_eq(c1 + strlen(c1) - 2, " y");
	ck_assert_int_eq(stamp_co2e(c1, &g), 0);
	ck_assert_double_eq(g, 604.791);
	c2 = stamp_merge(c1, SEG);
	ck_assert_ptr_nonnull(c2);
	ck_assert_str_eq(c2, "x " SEG " y");
	free(c1);
	free(c2);
}
END_TEST

/* Where our segment starts in a comment, and its length through ']'. */
static const struct find_case {
	const char *comment;
	long at; /* -1: none */
	size_t len;
} find_cases[] = {
	{"[scarbon v=1]", 0, 13},
	{"x [scarbon a=1] y", 2, 13},
	{"[a] [scarbon co2e_g=1.5 v=1][b]", 4, 24},
	{NULL, -1, 0},
	{"", -1, 0},
	{"scarbon co2e_g=1", -1, 0},
	{"[scarbon", -1, 0},
	{"[scarbon no end", -1, 0},
	/* an unclosed opening before ours is not part of ours */
	{"[scarbon no [scarbon v=1]", 12, 13},
	{"[scarbon [x] y", -1, 0},
	{"[SCARBON v=1]", -1, 0},
};

START_TEST(test_find)
{
	size_t i;

	for (i = 0; i < NELEM(find_cases); i++) {
		const struct find_case *c = &find_cases[i];
		size_t len = 12345;
		const char *at = stamp_find(c->comment, &len);

		if (c->at < 0) {
			ck_assert_msg(at == NULL, "'%s'", c->comment);
			continue;
		}
		ck_assert_msg(at == c->comment + c->at, "'%s'", c->comment);
		ck_assert_msg(
			len == c->len, "'%s': length %zu", c->comment, len);
	}
}
END_TEST

/* co2e_g read back from our segment only. */
static const struct co2e_case {
	const char *comment;
	int rc;
	double grams;
} co2e_cases[] = {
	{"[scarbon co2e_g=12.345 co2e_op_g=1.000 v=1]", 0, 12.345},
	{"before [scarbon co2e_g=0.074 v=1] after", 0, 0.074},
	{"[scarbon co2e_op_g=3.000 co2e_g=7.5 v=1]", 0, 7.5},
	{"[scarbon co2e_op_g=3.000 v=1]", -1, 0},
	{"[scarbon co2e_g= v=1]", -1, 0},
	{"[scarbon co2e_g=x v=1]", -1, 0},
	/* co2e_g after our segment is someone else's */
	{"[scarbon v=1] co2e_g=5", -1, 0},
	{"[scarbon v=1]co2e_g=5", -1, 0},
	{"co2e_g=5 [scarbon v=1]", -1, 0},
	{"[other co2e_g=5]", -1, 0},
	{"", -1, 0},
	{NULL, -1, 0},
};

START_TEST(test_co2e)
{
	size_t i;

	for (i = 0; i < NELEM(co2e_cases); i++) {
		const struct co2e_case *c = &co2e_cases[i];
		double g = -1;

		ck_assert_msg(stamp_co2e(c->comment, &g) == c->rc, "'%s'",
			c->comment);
		if (c->rc == 0)
			ck_assert_msg(g == c->grams, "'%s': %g", c->comment, g);
	}
}
END_TEST

static Suite *stamp_suite(void)
{
	Suite *s = suite_create("stamp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_unknown);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_merge_replace);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_co2e);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stamp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
