/*
 * test_kinetic.c: the kinetic tournament's head (sched/kinetic.h) against
 * a crossing computed by hand, ties, and a brute-force scan of the queue
 * by exact score at every step of random insertions, removals and clock
 * moves (with lines that are parallel, nearly so, or far in time); the
 * head's procs as the final's node keeps them.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinetic.h"
#include "rng.h"

static struct kinetic_job job(enum policy_kind kind, double p, double q,
	int64_t submit, uint32_t idx)
{
	struct policy_job pj = {.p = p, .q = q, .r = 1.0};
	struct kinetic_job j = {
		.submit = submit, .idx = idx, .procs = (int32_t)q};

	ck_assert(policy_linear_form(kind, &pj, &j.lin));
	return j;
}

/*
 * WFP3: A (p = 100, q = 1) submitted at 0, B (p = 10, q = 1) at 50. B
 * overtakes A when (t - 50) / 10 > t / 100, t > 500 / 9 = 55.6: at 55
 * A's score is -0.166, B's -0.125 (A first); at 56, -0.176 and -0.216.
 */
START_TEST(test_crossing_by_hand)
{
	struct kinetic k = {0};
	struct kinetic_job a = job(POLICY_WFP3, 100, 1, 0, 0);
	struct kinetic_job b = job(POLICY_WFP3, 10, 1, 50, 1);

	ck_assert_ptr_null(kinetic_head(&k));
	ck_assert_int_eq(kinetic_insert(&k, &a), 0);
	kinetic_advance(&k, 50);
	ck_assert_int_eq(kinetic_insert(&k, &b), 0);
	kinetic_advance(&k, 50);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 0);
	kinetic_advance(&k, 55);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 0);
	kinetic_advance(&k, 56);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 1);
	kinetic_advance(&k, 100000);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 1);
	kinetic_remove_head(&k);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 0);
	kinetic_remove_head(&k);
	ck_assert_ptr_null(kinetic_head(&k));
	ck_assert_uint_eq(k.count, 0);
	kinetic_free(&k);
}
END_TEST

/* Equal scores: the earlier submit, then the smaller idx. */
START_TEST(test_ties)
{
	struct kinetic k = {0};
	struct kinetic_job a = job(POLICY_UNICEF, 10, 4, 0, 7);
	struct kinetic_job b = job(POLICY_UNICEF, 10, 4, 0, 3);
	struct kinetic_job c = job(POLICY_UNICEF, 10, 4, 0, 5);

	ck_assert_int_eq(kinetic_insert(&k, &a), 0);
	ck_assert_int_eq(kinetic_insert(&k, &b), 0);
	ck_assert_int_eq(kinetic_insert(&k, &c), 0);
	kinetic_advance(&k, 10);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 3);
	kinetic_remove_head(&k);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 5);
	kinetic_remove_head(&k);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 7);
	kinetic_free(&k);
}
END_TEST

/* The head a sort of the queue at now would give. */
static uint32_t brute_head(const struct kinetic_job *q, size_t n, int64_t now)
{
	size_t best = SIZE_MAX;
	double bs = 0.0;

	for (size_t i = 0; i < n; i++) {
		double s = policy_linear_score(&q[i].lin,
			(double)(now - q[i].submit));

		if (best == SIZE_MAX || s < bs ||
			(s == bs && (q[i].submit < q[best].submit ||
					    (q[i].submit == q[best].submit &&
						    q[i].idx < q[best].idx)))) {
			best = i;
			bs = s;
		}
	}
	return best == SIZE_MAX ? KINETIC_NONE : q[best].idx;
}

/*
 * In a queue in queueing order, the jobs no earlier one outruns by
 * KINETIC_OUTRUN_MARGIN: exactly those the tournament plays.
 */
static size_t brute_playing(const struct kinetic_job *q, size_t n)
{
	double fastest = -INFINITY;
	size_t playing = 0;

	for (size_t i = 0; i < n; i++) {
		if (fastest < q[i].lin.rate * (1.0 + KINETIC_OUTRUN_MARGIN))
			playing++;
		if (q[i].lin.rate > fastest)
			fastest = q[i].lin.rate;
	}
	return playing;
}

/*
 * Runtimes and sizes that make lines meet: p = 2, q = 8 and p = 1, q = 1
 * have the same WFP3 slope with different formulas; 99999 and 100000 are
 * nearly parallel; 3 and 1e6 far apart.
 */
static const double runtimes[] = {1, 2, 3, 10, 11, 99999, 100000, 1e6};
static const double sizes[] = {1, 2, 3, 8, 27, 64, 100, 256};

/*
 * Random insertions, removals and clock moves, the head checked against
 * brute_head at every step. Jobs are queued in (submit, idx) order until
 * step held_from; from then on some are held back (queued after later
 * submits), which stops the holding out of slower jobs (kinetic.h):
 * the check that some were held out before is made if held_from > 0.
 */
static void random_run(enum policy_kind kind, uint64_t seed, int64_t t0,
	int64_t max_step, int held_from)
{
	struct kinetic k = {0};
	struct kinetic_job *q = malloc(4096 * sizeof(*q));
	size_t n = 0, most_held_out = 0, playing;
	int64_t now = t0;
	uint32_t next_idx = 0;

	ck_assert_ptr_nonnull(q);
	for (int step = 0; step < 20000; step++) {
		uint64_t r = test_rng_next(&seed);
		const struct kinetic_job *h;
		uint32_t want;

		if (r % 8 < 4 && n < 4096) {
			/* at times submitted earlier: a job held back */
			int64_t held = step >= held_from && (r >> 44) % 8 == 0
					       ? (int64_t)((r >> 48) % 1000)
					       : 0;

			q[n] = job(kind, runtimes[(r >> 8) % 8],
				sizes[(r >> 16) % 8],
				now - held < t0 ? t0 : now - held,
				next_idx++);
			ck_assert_int_eq(kinetic_insert(&k, &q[n]), 0);
			n++;
		} else if (r % 8 < 6) {
			now += (int64_t)((r >> 24) % (uint64_t)max_step);
		}
		/*
		 * As carbonsim does when no processor is free, the clock is
		 * sometimes left behind: the jobs queued meanwhile were
		 * submitted after it.
		 */
		if ((r >> 40) % 4 == 0)
			continue;
		kinetic_advance(&k, now);
		want = brute_head(q, n, now);
		h = kinetic_head(&k);
		ck_assert_uint_eq(h ? h->idx : KINETIC_NONE, want);
		/* what a pass reads without the job: the final's copy */
		if (h)
			ck_assert_int_eq(kinetic_head_procs(&k), h->procs);
		if (r % 8 >= 6 && n) {
			size_t i = 0;

			while (q[i].idx != want)
				i++;
			ck_assert_int_eq(kinetic_remove_head(&k), 0);
			/* q stays in queueing order */
			memmove(&q[i], &q[i + 1], (--n - i) * sizeof(*q));
		}
		ck_assert_uint_eq(k.count, n);
		playing = kinetic_playing(&k);
		if (step < held_from)
			ck_assert_uint_eq(playing, brute_playing(q, n));
		if (step % 64 == 0) {
			int32_t least = INT32_MAX;

			for (size_t i = 0; i < n; i++)
				if (q[i].procs < least)
					least = q[i].procs;
			ck_assert(!kinetic_any_fits(&k, least - 1));
			ck_assert(n == 0 || kinetic_any_fits(&k, least));
		}
		if (k.count - playing > most_held_out)
			most_held_out = k.count - playing;
	}
	if (held_from > 0)
		ck_assert_uint_gt(most_held_out, 10);
	free(q);
	kinetic_free(&k);
}

START_TEST(test_random_wfp3)
{
	random_run(POLICY_WFP3, 0x9e3779b97f4a7c15ULL, 0, 50, 0);
	random_run(POLICY_WFP3, 12345, 0, 5000, 0);
	random_run(POLICY_WFP3, 777, 100000000, 3, 0);
	/* in order (slower jobs held out), then held back from step 15000 */
	random_run(POLICY_WFP3, 4242, 0, 50, 15000);
	random_run(POLICY_WFP3, 99, 0, 5000, 15000);
	random_run(POLICY_WFP3, 31337, 100000000, 3, 15000);
}
END_TEST

START_TEST(test_random_unicef)
{
	random_run(POLICY_UNICEF, 0x9e3779b97f4a7c15ULL, 0, 50, 0);
	random_run(POLICY_UNICEF, 12345, 0, 5000, 0);
	random_run(POLICY_UNICEF, 777, 100000000, 3, 0);
	random_run(POLICY_UNICEF, 4242, 0, 50, 15000);
	random_run(POLICY_UNICEF, 99, 0, 5000, 15000);
	random_run(POLICY_UNICEF, 31337, 100000000, 3, 15000);
}
END_TEST

/*
 * WFP3 lines by hand (rate = cbrt(q) / p), all queued at 0 in this order:
 * A rate 1 (p 1, q 1), B 0.1 (p 10), C 0.5 (p 2), E 4 (p 1, q 64), F 2
 * (p 1, q 8). A outruns B and C, E outruns F: only A and E play. E leaves
 * first (the fastest): F, which only E outran, plays in; B and C stay out
 * (A still waits). Then F, A: at A's leaving B and C play in, and C, the
 * faster, is the head.
 */
START_TEST(test_held_out_by_hand)
{
	struct kinetic k = {0};
	struct kinetic_job j[] = {
		job(POLICY_WFP3, 1, 1, 0, 0),	/* A */
		job(POLICY_WFP3, 10, 1, 0, 1),	/* B */
		job(POLICY_WFP3, 2, 1, 0, 2),	/* C */
		job(POLICY_WFP3, 1, 64, 0, 3),	/* E */
		job(POLICY_WFP3, 1, 8, 0, 4),	/* F */
	};

	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(kinetic_insert(&k, &j[i]), 0);
	ck_assert_uint_eq(k.count, 5);
	ck_assert_uint_eq(kinetic_playing(&k), 2);
	kinetic_advance(&k, 10);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 3);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_playing(&k), 2); /* A and F */
	ck_assert_uint_eq(kinetic_head(&k)->idx, 4);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_playing(&k), 1);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 0);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_playing(&k), 2); /* B and C */
	ck_assert_uint_eq(kinetic_head(&k)->idx, 2);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 1);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_ptr_null(kinetic_head(&k));
	ck_assert_uint_eq(k.count, 0);
	kinetic_free(&k);
}
END_TEST

/*
 * WFP3 scores are all 0 at a wait of 0, so jobs submitted together run by
 * idx there: a job queued after a faster twin of the same second is held
 * out only if its idx is larger, and one queued out of (submit, idx)
 * order plays every held-out job in.
 */
START_TEST(test_held_out_order)
{
	struct kinetic k = {0};
	struct kinetic_job a = job(POLICY_WFP3, 1, 1, 100, 6);
	struct kinetic_job b = job(POLICY_WFP3, 10, 1, 100, 7);
	struct kinetic_job c = job(POLICY_WFP3, 100, 1, 100, 2);

	ck_assert_int_eq(kinetic_insert(&k, &a), 0);
	ck_assert_int_eq(kinetic_insert(&k, &b), 0);
	/* b is slower, and after a */
	ck_assert_uint_eq(kinetic_playing(&k), 1);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 6);
	ck_assert_int_eq(kinetic_insert(&k, &c), 0); /* idx 2 after 7 */
	ck_assert_uint_eq(kinetic_playing(&k), 3);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 2); /* a tie at 0: idx */
	kinetic_advance(&k, 200);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 6);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 7);
	ck_assert_int_eq(kinetic_remove_head(&k), 0);
	ck_assert_uint_eq(kinetic_head(&k)->idx, 2);
	kinetic_free(&k);
}
END_TEST

/* Only WFP3 and UNICEF are lines. */
START_TEST(test_forms)
{
	struct policy_job pj = {.p = 100, .q = 4, .r = 10, .w = 0};
	struct policy_linear lin;
	enum policy_kind lines[] = {POLICY_WFP3, POLICY_UNICEF};
	enum policy_kind others[] = {
		POLICY_FCFS, POLICY_SPF, POLICY_SAF, POLICY_F1};

	for (size_t i = 0; i < 2; i++) {
		ck_assert(policy_is_linear(lines[i]));
		ck_assert(policy_linear_form(lines[i], &pj, &lin));
		for (double w = 0; w < 1e7; w = w * 3 + 7) {
			pj.w = w;
			ck_assert(policy_linear_score(&lin, w) ==
				  policy_score(lines[i], &pj));
		}
		pj.w = 0;
	}
	for (size_t i = 0; i < 4; i++) {
		ck_assert(!policy_is_linear(others[i]));
		ck_assert(!policy_linear_form(others[i], &pj, &lin));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kinetic");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_crossing_by_hand);
	tcase_add_test(tc, test_ties);
	tcase_add_test(tc, test_forms);
	tcase_add_test(tc, test_random_wfp3);
	tcase_add_test(tc, test_random_unicef);
	tcase_add_test(tc, test_held_out_by_hand);
	tcase_add_test(tc, test_held_out_order);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
