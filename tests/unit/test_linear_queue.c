/*
 * test_linear_queue.c: the order queue_resort_linear keeps between calls
 * (a kinetic sorted array, queue.h) against a crossing computed by hand,
 * ties, and a brute-force sort of the queue by exact score at every call
 * of random queueings, removals and clock moves (lines parallel, nearly
 * so, or far apart; jobs held back, and some queued before their submit).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "queue.h"
#include "rng.h"

#define MAX_JOBS 6000

/* The jobs' lines and entries, by idx. */
struct jobs {
	struct policy_linear lin[MAX_JOBS];
	struct queue_entry e[MAX_JOBS];
	uint32_t n;
};

static uint32_t add_job(struct jobs *js, enum policy_kind kind, double p,
	double q, int64_t submit)
{
	struct policy_job pj = {.p = p, .q = q, .r = 1.0};
	uint32_t idx = js->n++;

	if (idx >= MAX_JOBS || !policy_linear_form(kind, &pj, &js->lin[idx]))
		ck_abort_msg("job %u: no line", idx);
	js->e[idx] = (struct queue_entry){
		.key = 0.0, .submit = submit, .idx = idx, .procs = (int32_t)q};
	return idx;
}

/* The queue's idxs in order, as left by the last resort. */
static size_t order_of(const struct wait_queue *q, uint32_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < q->len; i++)
		if (q->a[i].idx != QUEUE_NONE)
			out[n++] = q->a[i].idx;
	return n;
}

/*
 * An empty queue q and WFP3's jobs A (idx 0: p = 100, q = 1, submitted at
 * 0) and B (idx 1: p = 10, q = 1, at 50), not yet queued.
 */
static struct jobs *jobs_a_b(struct wait_queue *q)
{
	struct jobs *js = calloc(1, sizeof(*js));

	ck_assert_ptr_nonnull(js);
	queue_init_dynamic(q);
	add_job(js, POLICY_WFP3, 100, 1, 0);
	add_job(js, POLICY_WFP3, 10, 1, 50);
	return js;
}

/*
 * WFP3: A (p = 100, q = 1) submitted at 0, B (p = 10, q = 1) at 50, C (p
 * = 100, q = 1) at 0 with a larger idx: the same line as A. B overtakes
 * both when (t - 50) / 10 > t / 100, t > 500 / 9 = 55.6: at 55 the order
 * is A C B, at 56 B A C.
 */
START_TEST(test_crossing_by_hand)
{
	struct wait_queue q;
	struct jobs *js = jobs_a_b(&q);
	uint32_t got[3];

	add_job(js, POLICY_WFP3, 100, 1, 0);
	ck_assert_int_eq(queue_insert(&q, &js->e[0]), 0);
	queue_resort_linear(&q, js->lin, 10);
	ck_assert_int_eq(queue_insert(&q, &js->e[1]), 0);
	ck_assert_int_eq(queue_insert(&q, &js->e[2]), 0);
	queue_resort_linear(&q, js->lin, 50);
	ck_assert_uint_eq(order_of(&q, got), 3);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1], 2);
	ck_assert_uint_eq(got[2], 1);
	queue_resort_linear(&q, js->lin, 55);
	order_of(&q, got);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1], 2);
	ck_assert_uint_eq(got[2], 1);
	queue_resort_linear(&q, js->lin, 56);
	order_of(&q, got);
	ck_assert_uint_eq(got[0], 1);
	ck_assert_uint_eq(got[1], 0);
	ck_assert_uint_eq(got[2], 2);
	/* kept, not re-scored: A's key is still its score at 10 */
	ck_assert(q.a[1].key == policy_linear_score(&js->lin[0], 10.0));
	/* A leaves: B and C are new neighbours, still B C much later */
	ck_assert_int_eq(queue_remove_at(&q, 1), 0);
	queue_commit(&q);
	queue_resort_linear(&q, js->lin, 1000000);
	ck_assert_uint_eq(order_of(&q, got), 2);
	ck_assert_uint_eq(got[0], 1);
	ck_assert_uint_eq(got[1], 2);
	queue_free(&q);
	free(js);
}
END_TEST

/* The order a sort of the queued jobs' scores at now gives. */
static int64_t sort_now;
static const struct jobs *sort_jobs;

static int cmp_at_now(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const struct queue_entry *x = &sort_jobs->e[a], *y = &sort_jobs->e[b];
	double sx = policy_linear_score(
		&sort_jobs->lin[a], (double)(sort_now - x->submit));
	double sy = policy_linear_score(
		&sort_jobs->lin[b], (double)(sort_now - y->submit));

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->submit != y->submit)
		return x->submit < y->submit ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* A score callback for queue_resort: the line's score at sort_now. */
static double score_now(void *arg, uint32_t idx)
{
	const struct jobs *js = arg;

	return policy_linear_score(
		&js->lin[idx], (double)(sort_now - js->e[idx].submit));
}

/*
 * Runtimes and sizes that make lines meet: p = 2, q = 8 and p = 1, q = 1
 * have the same WFP3 slope with different formulas; 99999 and 100000 are
 * nearly parallel; 3 and 1e6 far apart.
 */
static const double runtimes[] = {1, 2, 3, 10, 11, 99999, 100000, 1e6};
static const double sizes[] = {1, 2, 3, 8, 27, 64, 100, 256};

/*
 * Random queueings (some held back: submitted up to 1000 s before the
 * clock; some ahead of it, as a stale site's sort at its last pass sees
 * them), removals at random positions and clock moves, now and then back
 * (a new sort), and now and then a sort by queue_resort first; after
 * every call the order against a sort at now. Returns how many pairs
 * among the first 64 moved past each other between calls, so that a run
 * proves it met crossings.
 */
static size_t random_run(enum policy_kind kind, uint64_t seed, int64_t t0,
	int64_t max_step)
{
	struct jobs *js = calloc(1, sizeof(*js));
	uint32_t *want = malloc(MAX_JOBS * sizeof(*want));
	uint32_t *got = malloc(MAX_JOBS * sizeof(*got));
	uint32_t *before = malloc(MAX_JOBS * sizeof(*before));
	size_t nbefore = 0, moved = 0;
	struct wait_queue q;
	int64_t now = t0;

	ck_assert(js && want && got && before);
	queue_init_dynamic(&q);
	sort_jobs = js;
	for (int step = 0; step < 20000 && js->n < MAX_JOBS; step++) {
		uint64_t r = test_rng_next(&seed);
		size_t n;

		if (r % 8 < 4 && q.count < 400) {
			int64_t submit = now;
			uint32_t idx;

			if ((r >> 44) % 8 == 0)
				submit -= (int64_t)((r >> 48) % 1000);
			else if ((r >> 44) % 8 == 1)
				submit += (int64_t)((r >> 48) % 100);
			idx = add_job(js, kind, runtimes[(r >> 8) % 8],
				sizes[(r >> 16) % 8], submit);
			if (queue_insert(&q, &js->e[idx]) != 0)
				ck_abort_msg("queue_insert failed");
		} else if (r % 8 < 6) {
			now += (int64_t)((r >> 24) % (uint64_t)max_step);
		} else if (q.count) {
			/* one to three removals, as a pass starts jobs */
			for (int k = 0; k <= (int)((r >> 32) % 3) && q.count;
				k++) {
				size_t pos = (size_t)((r >> (40 + 4 * k)) %
						      q.len);

				while (q.a[pos].idx == QUEUE_NONE)
					pos = (pos + 1) % q.len;
				if (queue_remove_at(&q, pos) != 0)
					ck_abort_msg("queue_remove_at failed");
			}
			if ((r >> 56) % 2)
				queue_commit(&q);
		}
		/* some calls are skipped: the queue changes meanwhile */
		if ((r >> 60) % 4 == 0)
			continue;
		r = test_rng_next(&seed); /* fresh bits for the call */
		if (r % 64 == 0 && now - t0 > 1000)
			now -= (int64_t)((r >> 16) % 1000);
		sort_now = now;
		if ((r >> 8) % 16 == 0) {
			/* far enough on that the order changes */
			now += 20 * max_step;
			sort_now = now;
			queue_resort(&q, score_now, js);
			/* a later call must not trust what it knew before */
			n = order_of(&q, got);
			memcpy(want, got, n * sizeof(*want));
			qsort(want, n, sizeof(*want), cmp_at_now);
			if (memcmp(got, want, n * sizeof(*got)) != 0)
				ck_abort_msg("step %d: queue_resort", step);
			now += 20 * max_step;
			sort_now = now;
		}
		queue_resort_linear(&q, js->lin, now);
		n = order_of(&q, got);
		if (n != q.count)
			ck_assert_uint_eq(n, q.count);
		memcpy(want, got, n * sizeof(*want));
		qsort(want, n, sizeof(*want), cmp_at_now);
		/* one assertion a call: each is a write to check's pipe */
		if (memcmp(got, want, n * sizeof(*got)) != 0) {
			size_t i = 0;

			while (got[i] == want[i])
				i++;
			ck_abort_msg("step %d, now %lld: at %zu job %u, a "
				     "sort puts %u there",
				step, (long long)now, i, got[i], want[i]);
		}
		/* pairs of the last call's order that swapped since */
		for (size_t i = 0; i + 1 < nbefore && i < 64; i++)
			for (size_t k = 0; k + 1 < n && k < 64; k++)
				if (got[k] == before[i + 1] &&
					got[k + 1] == before[i])
					moved++;
		memcpy(before, got, n * sizeof(*before));
		nbefore = n;
	}
	queue_free(&q);
	free(js);
	free(want);
	free(got);
	free(before);
	return moved;
}

START_TEST(test_random_wfp3)
{
	ck_assert_uint_gt(random_run(POLICY_WFP3, 0x9e3779b97f4a7c15ULL, 0, 50),
		100);
	ck_assert_uint_gt(random_run(POLICY_WFP3, 12345, 0, 5000), 100);
	ck_assert_uint_gt(random_run(POLICY_WFP3, 777, 100000000, 3), 10);
	/* waits of up to years, where the lines' rounding is largest */
	ck_assert_uint_gt(random_run(POLICY_WFP3, 2024, 0, 10000000), 10);
}
END_TEST

START_TEST(test_random_unicef)
{
	ck_assert_uint_gt(
		random_run(POLICY_UNICEF, 0x9e3779b97f4a7c15ULL, 0, 50), 100);
	ck_assert_uint_gt(random_run(POLICY_UNICEF, 12345, 0, 5000), 100);
	ck_assert_uint_gt(random_run(POLICY_UNICEF, 777, 100000000, 3), 10);
	ck_assert_uint_gt(random_run(POLICY_UNICEF, 2024, 0, 10000000), 10);
}
END_TEST

/* A clock that goes back: the queue is sorted anew at that second. */
START_TEST(test_clock_back)
{
	struct wait_queue q;
	struct jobs *js = jobs_a_b(&q);
	uint32_t got[2];

	ck_assert_int_eq(queue_insert(&q, &js->e[0]), 0);
	ck_assert_int_eq(queue_insert(&q, &js->e[1]), 0);
	queue_resort_linear(&q, js->lin, 1000);
	order_of(&q, got);
	ck_assert_uint_eq(got[0], 1);
	queue_resort_linear(&q, js->lin, 55);
	order_of(&q, got);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1], 1);
	queue_free(&q);
	free(js);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("linear_queue");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_crossing_by_hand);
	tcase_add_test(tc, test_clock_back);
	tcase_add_test(tc, test_random_wfp3);
	tcase_add_test(tc, test_random_unicef);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
