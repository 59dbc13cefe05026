/*
 * test_fairness.c: fairness figures of a hand-computed schedule: bsld and
 * wait by size class, the wait's maximum and 99th percentile, Jain's
 * index over users; warm-up jobs left out; a trace without users.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fairness.h"

/*
 * 64 processors: narrow is <= 64 / 32 = 2 processors, short <= 3600 s.
 *  job  submit  runtime  procs  user  start  wait  bsld
 *   0      0      100      1     1      0      0   100/100 = 1
 *   1      0     7200      2     1   3600   3600   10800/7200 = 1.5
 *   2     10        5     32     2     40     30   (30+5)/10 = 3.5
 *   3     20     4000     64     2   8020   8000   12000/4000 = 3
 *   4     30       50      4     3    130    100   150/50 = 3
 * narrow-short {0}: bsld 1, wait 0; narrow-long {1}: 1.5, 3600;
 * wide-short {2, 4}: (3.5 + 3)/2 = 3.25, (30 + 100)/2 = 65; wide-long
 * {3}: 3, 8000. Waits sorted 0 30 100 3600 8000: max 8000, the 99th
 * percentile the ceil(4.95) = 5th: 8000. Users' mean bsld: 1 (1 + 1.5)/2
 * = 1.25, 2 (3.5 + 3)/2 = 3.25, 3 3; Jain = 7.5^2 / (3 (1.5625 + 10.5625
 * + 9)) = 56.25 / 63.375.
 */
static const struct swf_job jobs[] = {
	{1, 0, 100, 100, 1, 1},
	{2, 0, 7200, 7200, 2, 1},
	{3, 10, 5, 5, 32, 2},
	{4, 20, 4000, 4000, 64, 2},
	{5, 30, 50, 50, 4, 3},
};
static const int64_t starts[] = {0, 3600, 40, 8020, 130};

static void fixture(struct workload *w, struct sim_result *r,
	struct sim_job_result *jr, struct swf_job *copy)
{
	size_t i;

	memcpy(copy, jobs, sizeof(jobs));
	memset(w, 0, sizeof(*w));
	memset(r, 0, sizeof(*r));
	w->jobs = copy;
	w->njobs = 5;
	w->machine_procs = 64;
	for (i = 0; i < 5; i++) {
		memset(&jr[i], 0, sizeof(jr[i]));
		jr[i].start = starts[i];
		jr[i].end = starts[i] + jobs[i].runtime;
	}
	r->jobs = jr;
	r->njobs = 5;
	r->total_procs = 64;
}

static const struct {
	size_t n;
	double bsld, wait;
} expected[FAIRNESS_NCLASSES] = {
	{1, 1.0, 0.0},
	{1, 1.5, 3600.0},
	{2, 3.25, 65.0},
	{1, 3.0, 8000.0},
};

START_TEST(test_schedule)
{
	struct swf_job copy[5];
	struct sim_job_result jr[5];
	struct sim_result r;
	struct workload w;
	struct fairness f;
	int c;

	fixture(&w, &r, jr, copy);
	ck_assert_int_eq(fairness_compute(&w, &r, NULL, 64, &f), 0);
	ck_assert_int_eq(f.narrow_procs, 2);
	for (c = 0; c < FAIRNESS_NCLASSES; c++) {
		ck_assert_uint_eq(f.cls[c].njobs, expected[c].n);
		ck_assert_msg(
			fabs(f.cls[c].mean_bsld - expected[c].bsld) < 1e-12,
			"%s: bsld %g", fairness_class_name(c),
			f.cls[c].mean_bsld);
		ck_assert(fabs(f.cls[c].mean_wait - expected[c].wait) < 1e-9);
	}
	ck_assert(f.max_wait == 8000.0);
	ck_assert(f.p99_wait == 8000.0);
	ck_assert_uint_eq(f.nusers, 3);
	ck_assert(fabs(f.jain - 56.25 / 63.375) < 1e-12);
}
END_TEST

/* Job 0 left out (a warm-up job); no users at all: no index. */
START_TEST(test_include_and_no_users)
{
	bool include[5] = {false, true, true, true, true};
	struct swf_job copy[5];
	struct sim_job_result jr[5];
	struct sim_result r;
	struct workload w;
	struct fairness f;
	size_t i;

	fixture(&w, &r, jr, copy);
	ck_assert_int_eq(fairness_compute(&w, &r, include, 64, &f), 0);
	ck_assert_uint_eq(f.cls[FAIRNESS_NARROW_SHORT].njobs, 0);
	ck_assert(f.cls[FAIRNESS_NARROW_SHORT].mean_bsld == 0.0);
	/* waits 30 100 3600 8000: the ceil(3.96) = 4th is 8000 */
	ck_assert(f.p99_wait == 8000.0);
	/* users 1 (1.5), 2 (3.25), 3 (3): 7.75^2 / (3 (2.25 + 10.5625 + 9)) */
	ck_assert(fabs(f.jain - 7.75 * 7.75 / (3 * 21.8125)) < 1e-12);
	for (i = 0; i < 5; i++)
		w.jobs[i].user = -1;
	ck_assert_int_eq(fairness_compute(&w, &r, NULL, 64, &f), 0);
	ck_assert_uint_eq(f.nusers, 0);
	ck_assert(isnan(f.jain));
	/* a tiny machine still has narrow = 1 processor */
	ck_assert_int_eq(fairness_compute(&w, &r, NULL, 16, &f), 0);
	ck_assert_int_eq(f.narrow_procs, 1);
	ck_assert_str_eq(fairness_class_name(FAIRNESS_WIDE_LONG), "wide-long");
}
END_TEST

/*
 * The tail on many jobs: waits w(i) = (i * 7919) mod 1000 for i < 2000, so
 * each of 0..999 twice, in a scrambled order, then the same with every
 * wait in {0, 5} (many equal values). The 99th percentile is the
 * ceil(0.99 * 2000) = 1980th smallest: 989 (0..989 twice is 1980 waits);
 * of 1000 zeros and 1000 fives it is 5.
 */
START_TEST(test_tail_many)
{
	enum { N = 2000 };
	struct swf_job *j = calloc(N, sizeof(*j));
	struct sim_job_result *jr = calloc(N, sizeof(*jr));
	struct sim_result r = {0};
	struct workload w = {0};
	struct fairness f;
	size_t i;

	ck_assert(j && jr);
	for (i = 0; i < N; i++) {
		j[i] = (struct swf_job){(int64_t)i + 1, 0, 60, 60, 1, -1};
		jr[i].start = (int64_t)(i * 7919 % 1000);
		jr[i].end = jr[i].start + 60;
	}
	w.jobs = j;
	w.njobs = N;
	w.machine_procs = 64;
	r.jobs = jr;
	r.njobs = N;
	r.total_procs = 64;
	ck_assert_int_eq(fairness_compute(&w, &r, NULL, 64, &f), 0);
	ck_assert(f.max_wait == 999.0);
	ck_assert_msg(f.p99_wait == 989.0, "p99 %g", f.p99_wait);
	for (i = 0; i < N; i++)
		jr[i].start = i * 7919 % 2 ? 5 : 0;
	ck_assert_int_eq(fairness_compute(&w, &r, NULL, 64, &f), 0);
	ck_assert(f.max_wait == 5.0 && f.p99_wait == 5.0);
	free(j);
	free(jr);
}
END_TEST

static Suite *fairness_suite(void)
{
	Suite *s = suite_create("fairness");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_include_and_no_users);
	tcase_add_test(tc, test_tail_many);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fairness_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
