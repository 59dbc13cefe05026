/*
 * test_policy.c: queue orders: exact scores of every policy at given
 * p, q, r, w (hand-computed), the guards, names, and orders of a queue.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

static const struct score_case {
	enum policy_kind kind;
	struct policy_job job; /* p, q, r, w, c */
	double expected;
} score_cases[] = {
	/* log10(100) = 2, sqrt(100) = 10, log10(1000) = 3, sqrt(4) = 2 */
	{POLICY_F1, {100, 4, 1000, 0, 0}, 2 * 4 + 870 * 3},
	{POLICY_F2, {100, 4, 1000, 0, 0}, 10 * 4 + 25600 * 3},
	{POLICY_F3, {100, 4, 1000, 0, 0}, 100 * 4 + 6860000.0 * 3},
	{POLICY_F4, {100, 4, 1000, 0, 0}, 100 * 2 + 530000 * 3},
	/* log10(10000) = 4, sqrt(10000) = 100, log10(100) = 2, sqrt(16) = 4 */
	{POLICY_F1, {10000, 16, 100, 50, 0}, 4 * 16 + 870 * 2},
	{POLICY_F2, {10000, 16, 100, 50, 0}, 100 * 16 + 25600 * 2},
	{POLICY_F3, {10000, 16, 100, 50, 0}, 160000 + 6860000.0 * 2},
	{POLICY_F4, {10000, 16, 100, 50, 0}, 10000 * 4 + 530000 * 2},
	/* r = 0 and r = 0.5 are clamped to 1 s: log10(1) = 0 */
	{POLICY_F1, {100, 4, 0, 0, 0}, 8},
	{POLICY_F2, {100, 4, 0.5, 0, 0}, 40},
	{POLICY_F3, {100, 4, 0, 0, 0}, 400},
	{POLICY_F4, {100, 4, 0, 0, 0}, 200},
	/* p = 0 is clamped to 1 s: log10(1) = 0 */
	{POLICY_F1, {0, 4, 10, 0, 0}, 870},
	{POLICY_FCFS, {100, 4, 5, 7, 0}, 5},
	{POLICY_FCFS, {100, 4, 0, 7, 0}, 0},
	{POLICY_SPF, {100, 4, 5, 7, 0}, 100},
	{POLICY_SAF, {100, 4, 5, 7, 0}, 400},
	/* WFP3 descending: -((w/p)^3 * q) = -((20/10)^3 * 2) */
	{POLICY_WFP3, {10, 2, 5, 20, 0}, -16},
	{POLICY_WFP3, {10, 2, 5, 0, 0}, 0},
	/* UNICEF descending: -((w + 1e-6) / (log2(q) * p)) */
	{POLICY_UNICEF, {10, 4, 5, 20, 0}, -(20 + 1e-6) / (2 * 10)},
	/* q = 1: log2(1) = 0 is replaced by 0.01 */
	{POLICY_UNICEF, {10, 1, 5, 20, 0}, -(20 + 1e-6) / (0.01 * 10)},
	{POLICY_UNICEF, {10, 1, 5, 0, 0}, -(1e-6) / (0.01 * 10)},
};

START_TEST(test_scores)
{
	size_t i;

	for (i = 0; i < sizeof(score_cases) / sizeof(score_cases[0]); i++) {
		const struct score_case *c = &score_cases[i];
		double got = policy_score(c->kind, &c->job);

		ck_assert_msg(fabs(got - c->expected) <=
				      1e-9 * fmax(1.0, fabs(c->expected)),
			"case %zu (%s): got %.12g, expected %.12g", i,
			policy_name(c->kind), got, c->expected);
	}
}
END_TEST

/* No policy returns NaN or an infinity, even at the edges. */
START_TEST(test_finite)
{
	static const struct policy_job edges[] = {
		{0, 0, 0, 0, 0},
		{1, 1, 0, 0, 0},
		{-5, -3, -1, -2, 0},
		{NAN, NAN, NAN, NAN, NAN},
		{1e9, 1e6, 1e9, 1e9, 0},
	};
	size_t i;
	int k;

	for (k = 0; k < POLICY_COUNT; k++)
		for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			ck_assert_msg(isfinite(policy_score(
					      (enum policy_kind)k, &edges[i])),
				"%s edge %zu", policy_name((enum policy_kind)k),
				i);
}
END_TEST

static const struct name_case {
	const char *name;
	int rc;
	enum policy_kind kind;
} name_cases[] = {
	{"fcfs", 0, POLICY_FCFS},
	{"SPF", 0, POLICY_SPF},
	{"saf", 0, POLICY_SAF},
	{"Wfp3", 0, POLICY_WFP3},
	{"unicef", 0, POLICY_UNICEF},
	{"f1", 0, POLICY_F1},
	{"F2", 0, POLICY_F2},
	{"f3", 0, POLICY_F3},
	{"f4", 0, POLICY_F4},
	{"f5", -1, POLICY_FCFS},
	{"", -1, POLICY_FCFS},
	{NULL, -1, POLICY_FCFS},
};

START_TEST(test_names)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		enum policy_kind kind = POLICY_FCFS;
		int rc = policy_parse(c->name, &kind);

		ck_assert_int_eq(rc, c->rc);
		ck_assert_int_eq(kind, c->kind);
	}
	for (k = 0; k < POLICY_COUNT; k++) {
		enum policy_kind kind = POLICY_COUNT;

		ck_assert_int_eq(
			policy_parse(policy_name((enum policy_kind)k), &kind),
			0);
		ck_assert_int_eq(kind, k);
	}
	ck_assert(policy_is_dynamic(POLICY_WFP3));
	ck_assert(policy_is_dynamic(POLICY_UNICEF));
	ck_assert(!policy_is_dynamic(POLICY_FCFS));
	ck_assert(!policy_is_dynamic(POLICY_F1));
}
END_TEST

/*
 * A small queue seen at now = 1000: jobs A..D with (p, q, submit).
 *   A: p 1000, q 1,  r 10     B: p 10,  q 64, r 20
 *   C: p 100,  q 8,  r 30     D: p 4000, q 2,  r 900
 * FCFS by r: A B C D. SPF by p: B C A D. SAF by p*q: B (640) C (800)
 * A (1000) D (8000). WFP3 = (w/p)^3 q, w = 1000 - r: A 0.97^3 = 0.91,
 * B 98^3*64 = 6.0e7, C 9.7^3*8 = 7301, D 0.025^3*2 = 3.1e-5 -> B C A D.
 * UNICEF = w/(L p): A 990/(0.01*1000) = 99, B 980/(6*10) = 16.3,
 * C 970/(3*100) = 3.23, D 100/(1*4000) = 0.025 -> A B C D.
 * F1 = log10(p) q + 870 log10(r): A 3 + 870 = 873, B 64 + 1131.9 =
 * 1195.9, C 16 + 1285.1 = 1301.1, D 7.2 + 2570.1 = 2577.3 -> A B C D.
 * F3 = p q + 6.86e6 log10(r): A 1000 + 6.86e6, B 640 + 8.925e6,
 * C 800 + 1.0133e7, D 8000 + 2.0266e7 -> A B C D (the r term dominates).
 * F4 = p sqrt(q) + 530000 log10(r): A 1000 + 530000, B 80 + 689546,
 * C 282.8 + 782874, D 5656.9 + 1565748 -> A B C D.
 */
static const struct policy_job queue_jobs[] = {
	{1000, 1, 10, 990, 0},
	{10, 64, 20, 980, 0},
	{100, 8, 30, 970, 0},
	{4000, 2, 900, 100, 0},
};

static const struct order_case {
	enum policy_kind kind;
	const char *order;
} order_cases[] = {
	{POLICY_FCFS, "ABCD"},
	{POLICY_SPF, "BCAD"},
	{POLICY_SAF, "BCAD"},
	{POLICY_WFP3, "BCAD"},
	{POLICY_UNICEF, "ABCD"},
	{POLICY_F1, "ABCD"},
	{POLICY_F3, "ABCD"},
	{POLICY_F4, "ABCD"},
};

START_TEST(test_orders)
{
	size_t i, a, b;

	for (i = 0; i < sizeof(order_cases) / sizeof(order_cases[0]); i++) {
		const struct order_case *c = &order_cases[i];

		/* Consecutive jobs of the expected order score ascending. */
		for (a = 0; a + 1 < 4; a++) {
			const struct policy_job *x, *y;

			x = &queue_jobs[c->order[a] - 'A'];
			b = (size_t)(c->order[a + 1] - 'A');
			y = &queue_jobs[b];
			ck_assert_msg(policy_score(c->kind, x) <
					      policy_score(c->kind, y),
				"%s: %c should precede %c",
				policy_name(c->kind), c->order[a],
				c->order[a + 1]);
		}
	}
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/*
 * learned:FILE: a file with F1's formula scores as F1 does; loaded once
 * (the same kind again), again when rewritten (a new kind); w or c make it
 * dynamic; a division by zero runs last; errors name the line.
 */
START_TEST(test_learned)
{
	char dir[] = "/tmp/test_policy_XXXXXX", path[64], spec[80];
	struct policy_job a = {100, 4, 1000, 0, 0}, b = {7, 1, 1, 5, 0.5};
	struct sc_error err = {{0}};
	enum policy_kind k, k2, k3, kd;
	double cpu, wall, joules;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f1.policy", dir);
	snprintf(spec, sizeof(spec), "learned:%s", path);
	write_file(path, "# F1 again\nscore = log10(p)*q + 870*log10(r)\n"
			 "learn-cpu-seconds = 12.5\n");
	ck_assert_int_eq(policy_load(spec, &k, &err), 0);
	ck_assert_int_ge(k, POLICY_LEARNED);
	ck_assert(policy_is_known(k));
	ck_assert_str_eq(policy_name(k), "f1");
	ck_assert(policy_score(k, &a) == policy_score(POLICY_F1, &a));
	ck_assert(policy_score(k, &b) == policy_score(POLICY_F1, &b));
	ck_assert(!policy_is_dynamic(k) && !policy_uses_carbon(k));
	ck_assert_int_eq(policy_learn_cost(k, &cpu, &wall, &joules), 0);
	ck_assert(cpu == 12.5 && isnan(wall) && isnan(joules));
	ck_assert_int_eq(policy_parse(spec, &k2), 0);
	ck_assert_int_eq(k2, k);
	/* rewritten (another size): loaded again as a new kind */
	write_file(path, "name = carbon\nscore = p + 1000*c*q - w\n");
	ck_assert_int_eq(policy_load(spec, &k3, &err), 0);
	ck_assert_int_ne(k3, k);
	ck_assert_str_eq(policy_name(k3), "carbon");
	ck_assert(policy_is_dynamic(k3) && policy_uses_carbon(k3));
	/* 7 + 1000 * 0.5 * 1 - 5 */
	ck_assert(policy_score(k3, &b) == 502.0);
	/* the first kind still scores as it did */
	ck_assert(policy_score(k, &a) == policy_score(POLICY_F1, &a));
	/* log10(q) = 0 for q = 1: 1 / 0 runs last, never NaN */
	write_file(path, "score = p/log10(q)\n");
	ck_assert_int_eq(policy_load(spec, &kd, &err), 0);
	ck_assert(policy_score(kd, &b) == DBL_MAX);
	write_file(path, "name = x\nscore = log10(p\n");
	ck_assert_int_eq(policy_load(spec, &kd, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "f1.policy:2: score: column"));
	sc_error_clear(&err);
	ck_assert_int_eq(policy_load("learned:/nonexistent", &kd, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent"));
	sc_error_clear(&err);
	ck_assert_int_eq(policy_load("fifo", &kd, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "learned:FILE"));
	ck_assert(!policy_is_known((enum policy_kind)(POLICY_LEARNED + 200)));
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_scores);
	tcase_add_test(tc, test_finite);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_orders);
	tcase_add_test(tc, test_learned);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
