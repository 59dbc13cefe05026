/*
 * test_learn.c: the SC17 learning pipeline against hand-computed values:
 * trials and scores of a 2 + 3 job tuple (all 6 orders), the regression
 * recovering known coefficients, formulas both ways, shards merged equal
 * to one run.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fit.h"
#include "formula.h"
#include "sample.h"
#include "swf.h"
#include "trial.h"

/*
 * The tuple, on a machine of 4 processors (runtime p, procs q, submit r):
 *   S0: p 10, q 2, r 0      S1: p 20, q 1, r 0
 *   A:  p 10, q 1, r 0      B:  p 20, q 2, r 0      C: p 5, q 3, r 5
 * S0 and S1 start at 0: the trials start at t0 = 0 with 1 processor free,
 * S0 (2 procs) ending at 10 and S1 (1 proc) at 20. bsld = max(1, (wait +
 * p) / max(p, 10)).
 *
 * ABC: A 0 (free 0); B waits for 10 (S0, A end: 3 free), starts 10, ends
 *      30; C waits for 3: 20 gives 2, 30 gives 4: starts 30.
 *      bsld A 10/10 = 1, B 30/20 = 1.5, C (25 + 5)/10 = 3; mean 5.5/3.
 * ACB: A 0; C (r 5) at 10 (3 free), ends 15; B at 15.
 *      A 1, C (5 + 5)/10 = 1, B (15 + 20)/20 = 1.75; mean 3.75/3.
 * BAC: B at 10 (S0 ends: 3 free), 1 left; A at 10, ends 20; C at 30.
 *      B 1.5, A 20/10 = 2, C 3; mean 6.5/3.
 * BCA: B at 10; C at 30 (ends 35), 1 left; A at 30.
 *      B 1.5, C 3, A 40/10 = 4; mean 8.5/3.
 * CAB: C at 10 (ends 15); A at 15 (3 free), B at 15 (2 left).
 *      C 1, A 25/10 = 2.5, B 35/20 = 1.75; mean 5.25/3.
 * CBA: C at 10; B at 15, A at 15 (1 left).
 *      C 1, B 1.75, A 2.5; mean 5.25/3.
 * Scores (sum of the means of the trials a job went first in, over the sum
 * of all six, 34.75/3): A (5.5 + 3.75)/34.75 = 37/139, B (6.5 + 8.5)/34.75
 * = 60/139, C (5.25 + 5.25)/34.75 = 42/139.
 */
static void hand_tuple(struct trial_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->machine = 4;
	t->nstate = 2;
	t->nqueue = 3;
	t->state[0] = (struct trial_job){10, 2, 0};
	t->state[1] = (struct trial_job){20, 1, 0};
	t->queue[0] = (struct trial_job){10, 1, 0};
	t->queue[1] = (struct trial_job){20, 2, 0};
	t->queue[2] = (struct trial_job){5, 3, 5};
}

static const struct order_case {
	uint8_t order[3];
	double mean;
	int64_t start[3]; /* of A, B, C */
} order_cases[] = {
	{{0, 1, 2}, 5.5 / 3, {0, 10, 30}},
	{{0, 2, 1}, 3.75 / 3, {0, 15, 10}},
	{{1, 0, 2}, 6.5 / 3, {10, 10, 30}},
	{{1, 2, 0}, 8.5 / 3, {30, 10, 30}},
	{{2, 0, 1}, 5.25 / 3, {15, 15, 10}},
	{{2, 1, 0}, 5.25 / 3, {15, 15, 10}},
};

START_TEST(test_trials)
{
	struct sc_error err = {{0}};
	struct trial_tuple t;
	double outcome[6], score[3];
	uint8_t orders[18];
	size_t i;

	hand_tuple(&t);
	ck_assert_int_eq(trial_prepare(&t, &err), 0);
	ck_assert_int_eq(t.after.clock, 0);
	ck_assert_int_eq(t.after.free, 1);
	ck_assert_uint_eq(t.after.nrun, 2);
	for (i = 0; i < 6; i++) {
		const struct order_case *c = &order_cases[i];
		int64_t start[3];

		outcome[i] = trial_run(&t, c->order, start);
		ck_assert_msg(fabs(outcome[i] - c->mean) < 1e-12,
			"order %zu: %.15g, expected %.15g", i, outcome[i],
			c->mean);
		ck_assert_int_eq(start[0], c->start[0]);
		ck_assert_int_eq(start[1], c->start[1]);
		ck_assert_int_eq(start[2], c->start[2]);
		memcpy(&orders[3 * i], c->order, 3);
	}
	sample_score_orders(3, orders, outcome, 6, score);
	ck_assert(fabs(score[0] - 37.0 / 139) < 1e-12);
	ck_assert(fabs(score[1] - 60.0 / 139) < 1e-12);
	ck_assert(fabs(score[2] - 42.0 / 139) < 1e-12);
}
END_TEST

START_TEST(test_trial_errors)
{
	struct sc_error err = {{0}};
	struct trial_tuple t;

	hand_tuple(&t);
	t.queue[2].procs = 5; /* wider than the machine */
	ck_assert_int_eq(trial_prepare(&t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "queue job 2"));
	hand_tuple(&t);
	t.nstate = 0;
	ck_assert_int_eq(trial_prepare(&t, &(struct sc_error){{0}}), -1);
	ck_assert(trial_bsld(0, 1) == 1.0);    /* 1 / 10 -> 1 */
	ck_assert(trial_bsld(90, 5) == 9.5);   /* 95 / 10 */
	ck_assert(trial_bsld(100, 50) == 3.0); /* 150 / 50 */
}
END_TEST

/* Balanced orders: each job first equally often; scores sum to 1. */
START_TEST(test_scores_balanced)
{
	struct sample_config cfg = {.nstate = 2,
		.nqueue = 3,
		.nperms = 600,
		.seed = 7,
		.first = SAMPLE_FIRST_BALANCED};
	struct sc_error err = {{0}};
	struct trial_tuple t;
	double score[3], c;

	hand_tuple(&t);
	ck_assert_int_eq(trial_prepare(&t, &err), 0);
	ck_assert_int_eq(sample_scores(&t, &cfg, 0, 0, score, &c, &err), 0);
	ck_assert(fabs(score[0] + score[1] + score[2] - 1) < 1e-12);
	/*
	 * With A first the two orders have means 5.5/3 and 3.75/3, so the
	 * mean over A-first trials lies between them: A's share of 200 of
	 * 600 trials is between (3.75/3) / total and (5.5/3) / total, and
	 * the order B < C < A of the exact scores' inverse holds: B is
	 * the worst first choice, A the best.
	 */
	ck_assert(score[1] > score[2] && score[2] > score[0]);
	ck_assert(c == 0.0);
}
END_TEST

static const struct formula_case {
	const char *in;
	const char *out; /* formula_format, 6 digits */
	double x[5];	 /* p q r w c */
	double value;
} formula_cases[] = {
	{"log10(p)*q + 870*log10(r)", "log10(p)*q + 870*log10(r)",
		{100, 4, 1000, 0, 0}, 2 * 4 + 870 * 3},
	{" 2 * p / sqrt(q) - 0.5*r^2 ", "2*p/sqrt(q) - 0.5*r^2",
		{3, 16, 2, 0, 0}, 2 * 3 / 4.0 - 0.5 * 4},
	{"-q^-1", "-1/q", {1, 4, 1, 0, 0}, -0.25},
	{"1.5", "1.5", {1, 1, 1, 0, 0}, 1.5},
	{"c*p*q + w", "p*q*c + w", {2, 3, 1, 5, 0.5}, 0.5 * 6 + 5},
	{"1e-3*log10(p)^2", "0.001*log10(p)^2", {1000, 1, 1, 0, 0}, 0.009},
};

START_TEST(test_formula)
{
	size_t i;

	for (i = 0; i < sizeof(formula_cases) / sizeof(formula_cases[0]); i++) {
		const struct formula_case *c = &formula_cases[i];
		struct sc_error err = {{0}};
		struct formula f, g;
		char buf[256];

		ck_assert_msg(formula_parse(c->in, &f, &err) == 0, "%s: %s",
			c->in, err.text);
		formula_format(&f, 6, buf, sizeof(buf));
		ck_assert_str_eq(buf, c->out);
		ck_assert_msg(fabs(formula_eval(&f, c->x) - c->value) < 1e-12,
			"%s: %g, expected %g", c->in, formula_eval(&f, c->x),
			c->value);
		ck_assert_int_eq(formula_parse(buf, &g, &err), 0);
		ck_assert(formula_eval(&g, c->x) == formula_eval(&f, c->x));
	}
}
END_TEST

static const char *const bad_formulas[] = {
	"",
	"p +",
	"x",
	"log10(p",
	"log(p)",
	"p^0",
	"p^9",
	"2 q",
	"p**2",
	"sqrt()",
};

START_TEST(test_formula_errors)
{
	size_t i;

	for (i = 0; i < sizeof(bad_formulas) / sizeof(bad_formulas[0]); i++) {
		struct sc_error err = {{0}};
		struct formula f;

		ck_assert_msg(formula_parse(bad_formulas[i], &f, &err) == -1,
			"'%s' accepted", bad_formulas[i]);
		ck_assert_ptr_nonnull(strstr(err.text, "column"));
	}
}
END_TEST

START_TEST(test_policy_file)
{
	char path[] = "/tmp/test_learn_XXXXXX";
	struct formula_policy pol;
	struct sc_error err = {{0}};
	double x[5] = {100, 4, 1000, 0, 0};
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fprintf(fp, "# a comment\nname = mine\nlearn-cpu-seconds = 3\n"
		    "score = log10(p)*q + 870*log10(r)\n");
	fclose(fp);
	ck_assert_int_eq(formula_policy_load(path, &pol, &err), 0);
	ck_assert_str_eq(pol.name, "mine");
	ck_assert(formula_eval(&pol.f, x) == 2 * 4 + 870 * 3);
	ck_assert(pol.cpu_s == 3.0);
	ck_assert(isnan(pol.wall_s) && isnan(pol.energy_j));
	fp = fopen(path, "w");
	fprintf(fp, "score = p\nlearn-energy-joules = -1\n");
	fclose(fp);
	ck_assert_int_eq(formula_policy_load(path, &pol, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, ":2: learn-energy-joules"));
	sc_error_clear(&err);
	fp = fopen(path, "w");
	fprintf(fp, "name = x\nscore = p +\n");
	fclose(fp);
	ck_assert_int_eq(formula_policy_load(path, &pol, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, ":2: score: column"));
	unlink(path);
}
END_TEST

/* Rows whose score is exactly fn(p, q, r); weights vary with p*q. */
static void synthetic(
	struct sample_set *d, double (*fn)(double, double, double))
{
	size_t i = 0, a, b, k;

	memset(d, 0, sizeof(*d));
	d->rows = calloc(8 * 6 * 5, sizeof(*d->rows));
	for (a = 0; a < 8; a++)
		for (b = 0; b < 6; b++)
			for (k = 0; k < 5; k++) {
				struct sample_row *r = &d->rows[i++];

				r->p = 10.0 + 370.0 * (double)a;
				r->q = (double)(1 << b);
				r->r = 2.0 + 1000.0 * (double)(k * k);
				r->score = fn(r->p, r->q, r->r);
			}
	d->nrows = i;
}

static double f1_like(double p, double q, double r)
{
	return 2.5e-4 * log10(p) * q + 3.0e-2 * log10(r);
}

static double plane(double p, double q, double r)
{
	return 0.03 + 2e-5 * p - 1e-4 * q + 5e-6 * r;
}

static const struct fit_case {
	double (*fn)(double, double, double);
	unsigned family;
	const char *label;
	double coef[4];
	size_t exact; /* candidates that fit exactly */
} fit_cases[] = {
	{f1_like, FIT_PAPER, "(log10(p) * id(q)) + log10(r)", {2.5e-4, 3.0e-2},
		1},
	/* the quadratic, cubic and quartic contain the plane */
	{plane, FIT_POLY, "linear polynomial in p, q, r",
		{0.03, 2e-5, -1e-4, 5e-6}, 4},
};

START_TEST(test_fit)
{
	size_t i;

	for (i = 0; i < sizeof(fit_cases) / sizeof(fit_cases[0]); i++) {
		const struct fit_case *fc = &fit_cases[i];
		struct sc_error err = {{0}};
		struct fit_candidate *c;
		struct sample_set d;
		size_t n, j, k;

		synthetic(&d, fc->fn);
		ck_assert_int_eq(fit_enumerate(fc->family, &c, &n, &err), 0);
		ck_assert_int_eq(fit_run(&d, c, n, 2, &err), 0);
		/* the true form fits exactly, with its coefficients */
		for (j = 0; j < n && strcmp(c[j].label, fc->label); j++)
			;
		ck_assert_uint_lt(j, n);
		ck_assert_msg(c[j].mae < 1e-12, "mae %g", c[j].mae);
		for (k = 0; k < c[j].f.nterms; k++)
			ck_assert_msg(fabs(c[j].f.terms[k].coef - fc->coef[k]) <
					      1e-9 * fabs(fc->coef[k]),
				"%s term %zu: %.12g, expected %.12g", fc->label,
				k, c[j].f.terms[k].coef, fc->coef[k]);
		/* and is ranked first, alone unless a larger family holds it */
		ck_assert(c[0].mae < 1e-12);
		ck_assert(fc->exact == n || c[fc->exact].mae > 1e-6);
		free(c);
		sample_set_free(&d);
	}
}
END_TEST

START_TEST(test_enumerate)
{
	struct sc_error err = {{0}};
	struct fit_candidate *c;
	size_t n, i, dup = 0;
	unsigned mask;

	ck_assert_int_eq(fit_enumerate(FIT_PAPER, &c, &n, &err), 0);
	ck_assert_uint_eq(n, 576); /* 3 x 3 x 4^3 */
	for (i = 0; i < n; i++)
		dup += c[i].duplicate;
	/*
	 * Distinct functions, counted by hand (inv(x) = 1/x, so "* inv" is
	 * "/ id" and "* id" is "/ inv"):
	 * - OP1 in {*, /}: one basis g(p) h(q)^(+-1): 4 g x 6 (log10^+-1,
	 *   sqrt^+-1, q^+-1) = 24 of 32. With OP2 in {*, /}: 24 x 6 = 144
	 *   (of 256); with OP2 = +: 24 x 4 = 96 (of 128).
	 * - OP1 = +: bases g(p), h(q), 16. OP2 in {*, /}: 16 x 6 = 96 (of
	 *   128); OP2 = +: 16 x 4 = 64 (of 64).
	 * 144 + 96 + 96 + 64 = 400 distinct: 176 duplicates.
	 */
	ck_assert_uint_eq(dup, 176);
	free(c);
	ck_assert_int_eq(fit_enumerate(FIT_POLY | FIT_CARBON, &c, &n, &err), 0);
	ck_assert_uint_eq(n, 4 + 16 * 9);
	free(c);
	ck_assert_int_eq(fit_parse_families("paper,poly", &mask, &err), 0);
	ck_assert_uint_eq(mask, FIT_PAPER | FIT_POLY);
	ck_assert_int_eq(fit_parse_families("paper,nope", &mask, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "'nope'"));
}
END_TEST

/* Bit for bit, field by field (struct padding aside). */
static int same_rows(const struct sample_set *a, const struct sample_set *b)
{
	size_t i;

	if (a->nrows != b->nrows)
		return 0;
	for (i = 0; i < a->nrows; i++) {
		const struct sample_row *x = &a->rows[i], *y = &b->rows[i];

		if (x->tuple != y->tuple || memcmp(&x->p, &y->p, 8) ||
			memcmp(&x->q, &y->q, 8) || memcmp(&x->r, &y->r, 8) ||
			memcmp(&x->c, &y->c, 8) ||
			memcmp(&x->score, &y->score, 8))
			return 0;
	}
	return 1;
}

START_TEST(test_shards)
{
	struct sample_config cfg = {.nstate = 16,
		.nqueue = 32,
		.ntuples = 7,
		.nperms = 300,
		.seed = 42};
	struct swf_options so = {.runtime_mode = SWF_RUNTIME_ACTUAL};
	struct sc_error err = {{0}};
	struct sample_set whole, merged, shards[3];
	struct workload w = {0};
	char path[3][64];
	unsigned i;

	ck_assert_int_eq(
		swf_load(TEST_DATA_DIR "/lublin_256.swf", &so, &w, &err), 0);
	ck_assert_int_eq(sample_run(&w, "lublin", NULL, &cfg, 0, 1, 2, NULL,
				 NULL, &whole, &err),
		0);
	ck_assert_uint_eq(whole.nrows, 7 * 32);
	for (i = 0; i < 3; i++) {
		struct sample_set s;

		/* shards through their files, threads differing */
		snprintf(path[i], sizeof(path[i]), "/tmp/test_learn_%d_%u.csv",
			(int)getpid(), i);
		ck_assert_int_eq(sample_run(&w, "lublin", NULL, &cfg, i, 3,
					 1 + i, NULL, NULL, &s, &err),
			0);
		ck_assert_int_eq(sample_write(&s, path[i], &err), 0);
		sample_set_free(&s);
		ck_assert_int_eq(sample_read(path[i], &shards[2 - i], &err), 0);
	}
	ck_assert_int_eq(sample_merge(shards, 3, &merged, &err), 0);
	ck_assert(same_rows(&whole, &merged));
	/* a shard missing or given twice is refused */
	sample_set_free(&merged);
	ck_assert_int_eq(sample_merge(shards, 2, &merged, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "missing"));
	for (i = 0; i < 3; i++) {
		sample_set_free(&shards[i]);
		unlink(path[i]);
	}
	sample_set_free(&whole);
	workload_free(&w);
}
END_TEST

/* Same seed, same data; another seed, other tuples. */
START_TEST(test_seed)
{
	struct sample_config cfg = {.nstate = 16,
		.nqueue = 32,
		.ntuples = 3,
		.nperms = 100,
		.seed = 5};
	struct swf_options so = {.runtime_mode = SWF_RUNTIME_ACTUAL};
	struct sc_error err = {{0}};
	struct sample_set a, b, c;
	struct workload w = {0};

	ck_assert_int_eq(
		swf_load(TEST_DATA_DIR "/lublin_256.swf", &so, &w, &err), 0);
	ck_assert_int_eq(
		sample_run(&w, "x", NULL, &cfg, 0, 1, 1, NULL, NULL, &a, &err),
		0);
	ck_assert_int_eq(
		sample_run(&w, "x", NULL, &cfg, 0, 1, 2, NULL, NULL, &b, &err),
		0);
	cfg.seed = 6;
	ck_assert_int_eq(
		sample_run(&w, "x", NULL, &cfg, 0, 1, 2, NULL, NULL, &c, &err),
		0);
	ck_assert(same_rows(&a, &b));
	ck_assert(!same_rows(&a, &c));
	sample_set_free(&a);
	sample_set_free(&b);
	sample_set_free(&c);
	workload_free(&w);
}
END_TEST

static Suite *learn_suite(void)
{
	Suite *s = suite_create("learn");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_trials);
	tcase_add_test(tc, test_trial_errors);
	tcase_add_test(tc, test_scores_balanced);
	tcase_add_test(tc, test_formula);
	tcase_add_test(tc, test_formula_errors);
	tcase_add_test(tc, test_policy_file);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_enumerate);
	tcase_add_test(tc, test_shards);
	tcase_add_test(tc, test_seed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(learn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
