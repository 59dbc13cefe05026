/*
 * test_priority_rank.c: policy scores to Slurm site factors by rank: the
 * order kept on hand-made tables and random job sets, the extremes of n
 * and SiteFactorMax, ties, and jobs inserted between two updates.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "priority_rank.h"
#include "rng.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXJOBS 8

/*
 * A check inside loops over thousands of jobs: ck_assert records every
 * check that passes (a write each), this one only a failure.
 */
#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			ck_abort_msg(__VA_ARGS__);                             \
	} while (0)

/* The documented default SiteFactorMax (carbon.conf(5)). */
#define DEFAULT_MAX 10000000u

/* A job as the tables give it. */
struct hand_job {
	double score;
	int64_t submit;
	uint32_t id;
};

static void set_jobs(struct rank_job *jobs, const struct hand_job *h, size_t n)
{
	size_t i;

	memset(jobs, 0, n * sizeof(*jobs));
	for (i = 0; i < n; i++) {
		jobs[i].score = h[i].score;
		jobs[i].submit = h[i].submit;
		jobs[i].id = h[i].id;
	}
}

/*
 * The policy's order, written here apart from priority_rank.c: smaller
 * score first, then earlier submit, then lower id.
 */
static int policy_before(const struct rank_job *a, const struct rank_job *b)
{
	if (a->score < b->score)
		return 1;
	if (a->score > b->score)
		return 0;
	if (a->submit != b->submit)
		return a->submit < b->submit;
	return a->id < b->id;
}

static int cmp_policy(const void *x, const void *y)
{
	const struct rank_job *a = x, *b = y;

	return policy_before(a, b) ? -1 : policy_before(b, a) ? 1 : 0;
}

/* Larger factor first; ties by id, so that the result is defined. */
static int cmp_factor(const void *x, const void *y)
{
	const struct rank_job *a = x, *b = y;

	if (a->factor != b->factor)
		return a->factor > b->factor ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * The ranking kept in st: in policy order, factors in [1, max] and never
 * increasing along it; returns the neighbours that share a factor.
 */
static size_t check_ranking(const struct rank_state *st)
{
	size_t k, ties = 0;

	for (k = 0; k < st->n; k++) {
		const struct rank_job *j = &st->jobs[k];

		EXPECT(j->factor >= 1 && j->factor <= st->max,
			"job %zu: factor %u outside [1, %u]", k, j->factor,
			st->max);
		if (!k)
			continue;
		EXPECT(policy_before(&st->jobs[k - 1], j),
			"jobs %zu and %zu out of policy order", k - 1, k);
		EXPECT(j->factor <= st->jobs[k - 1].factor,
			"job %zu: factor %u above the previous %u", k,
			j->factor, st->jobs[k - 1].factor);
		ties += j->factor == st->jobs[k - 1].factor;
	}
	return ties;
}

/*
 * Hand-made queues: the ids in the order the policy runs them. With three
 * jobs and max 100 the band is [25, 75] and the k-th factor is 25 + 50 *
 * (3 - k) / 4, rounded: 62.5 -> 63, 50, 37.5 -> 38.
 */
static const struct order_case {
	const char *what;
	size_t n;
	struct hand_job jobs[MAXJOBS];
	uint32_t order[MAXJOBS];
} order_cases[] = {
	{"distinct scores", 3, {{30, 0, 1}, {10, 0, 2}, {20, 0, 3}}, {2, 3, 1}},
	{"equal scores: earlier submit first", 3,
		{{5, 300, 1}, {5, 100, 2}, {5, 200, 3}}, {2, 3, 1}},
	{"equal score and submit: lower id first", 3,
		{{5, 100, 7}, {5, 100, 3}, {5, 100, 5}}, {3, 5, 7}},
	{"score before submit before id", 6,
		{{2, 50, 1}, {1, 900, 9}, {2, 10, 8}, {1, 900, 4}, {2, 10, 3},
			{0.5, 999, 6}},
		{6, 4, 9, 3, 8, 1}},
	/* WFP3 and UNICEF scores are negative; -0.0 equals 0.0. */
	{"negative and signed zeros", 4,
		{{0.0, 20, 1}, {-0.0, 10, 2}, {-64, 30, 3}, {-1e-300, 40, 4}},
		{3, 4, 2, 1}},
	{"huge scores", 6,
		{{DBL_MAX, 0, 1}, {-DBL_MAX, 0, 2}, {INFINITY, 0, 3},
			{-INFINITY, 0, 4}, {0, 0, 5}, {1e308, 0, 6}},
		{4, 2, 5, 6, 1, 3}},
	{"one job", 1, {{42, 7, 7}}, {7}},
};

START_TEST(test_order)
{
	size_t i, k;

	for (i = 0; i < NELEM(order_cases); i++) {
		const struct order_case *c = &order_cases[i];
		struct rank_state st = {0};
		struct rank_job jobs[MAXJOBS];

		set_jobs(jobs, c->jobs, c->n);
		ck_assert_int_eq(
			rank_update(&st, jobs, c->n, DEFAULT_MAX, 0), 0);
		ck_assert_uint_eq(st.n, c->n);
		ck_assert_uint_eq(st.ties, 0);
		for (k = 0; k < c->n; k++) {
			ck_assert_msg(jobs[k].id == c->order[k],
				"%s: position %zu: job %u, want %u", c->what, k,
				jobs[k].id, c->order[k]);
			ck_assert_uint_eq(st.jobs[k].id, c->order[k]);
			ck_assert_uint_eq(st.jobs[k].factor, jobs[k].factor);
			if (k)
				ck_assert_msg(
					jobs[k].factor < jobs[k - 1].factor,
					"%s: factors %u, %u not decreasing",
					c->what, jobs[k - 1].factor,
					jobs[k].factor);
		}
		check_ranking(&st);
		rank_release(&st);
		ck_assert_ptr_null(st.jobs);
		ck_assert_uint_eq(st.n, 0);
	}
}
END_TEST

/* The three-job case with max 100, factor by factor. */
START_TEST(test_factors_by_hand)
{
	static const struct hand_job h[] = {{30, 0, 1}, {10, 0, 2}, {20, 0, 3}};
	struct rank_state st = {0};
	struct rank_job jobs[3];

	set_jobs(jobs, h, 3);
	ck_assert_int_eq(rank_update(&st, jobs, 3, 100, 1234), 0);
	ck_assert_uint_eq(jobs[0].factor, 63);
	ck_assert_uint_eq(jobs[1].factor, 50);
	ck_assert_uint_eq(jobs[2].factor, 38);
	ck_assert_uint_eq(st.max, 100);
	ck_assert_int_eq(st.origin, 1234);
	rank_release(&st);
}
END_TEST

/*
 * Small n and SiteFactorMax, by hand. The band is [max / 4, max - max / 4]
 * with its low end raised to 1: max 1 -> [1, 1], 2 -> [1, 2], 3 -> [1, 3],
 * 4 -> [1, 3]; max 0 is taken as 1. Factor k of n: lo + (hi - lo) * (n - k)
 * / (n + 1), rounded half up. Ties are allowed once n >= max / 2.
 */
static const struct extreme_case {
	uint32_t max;
	size_t n;
	uint32_t factors[3];
	size_t ties;
} extreme_cases[] = {
	{0, 0, {0}, 0},
	{0, 1, {1}, 0},
	{0, 2, {1, 1}, 1},
	{1, 0, {0}, 0},
	{1, 1, {1}, 0},
	{1, 2, {1, 1}, 1},
	{1, 3, {1, 1, 1}, 2},
	{2, 1, {2}, 0},	      /* 1 + 1/2 = 1.5 -> 2 */
	{2, 2, {2, 1}, 0},    /* 1 + 2/3 -> 2, 1 + 1/3 -> 1 */
	{2, 3, {2, 2, 1}, 1}, /* 1.75 -> 2, 1.5 -> 2, 1.25 -> 1 */
	{3, 1, {2}, 0},	      /* 1 + 2/2 = 2 */
	{3, 2, {2, 2}, 1},    /* 1 + 4/3 = 2.33 -> 2, 1 + 2/3 -> 2 */
	{3, 3, {3, 2, 2}, 1}, /* 2.5 -> 3, 2, 1.5 -> 2 */
	{4, 1, {2}, 0},
	{4, 2, {2, 2}, 1},
	{4, 3, {3, 2, 2}, 1},
};

START_TEST(test_extremes)
{
	size_t i, k;

	for (i = 0; i < NELEM(extreme_cases); i++) {
		const struct extreme_case *c = &extreme_cases[i];
		struct rank_state st = {0};
		struct rank_job jobs[3];

		for (k = 0; k < c->n; k++)
			jobs[k] = (struct rank_job){
				.score = (double)k, .id = (uint32_t)k + 1};
		ck_assert_int_eq(
			rank_update(&st, c->n ? jobs : NULL, c->n, c->max, 0),
			0);
		ck_assert_uint_eq(st.max, c->max ? c->max : 1);
		ck_assert_uint_eq(st.n, c->n);
		for (k = 0; k < c->n; k++)
			ck_assert_msg(jobs[k].factor == c->factors[k],
				"max %u n %zu: factor %zu is %u, want %u",
				c->max, c->n, k, jobs[k].factor, c->factors[k]);
		ck_assert_msg(st.ties == c->ties, "max %u n %zu: %zu ties",
			c->max, c->n, st.ties);
		ck_assert_uint_eq(check_ranking(&st), c->ties);
		rank_release(&st);
	}
}
END_TEST

/*
 * Crowded rankings, max 100 (band [25, 75], 51 values): strictly
 * decreasing below n = 50, ties counted beyond, never an inversion, and
 * never outside the band.
 */
static const struct crowd_case {
	size_t n;
	size_t min_ties, max_ties;
} crowd_cases[] = {
	{48, 0, 0},
	{49, 0, 0},
	{50, 0, 49},
	{51, 0, 50},
	{52, 1, 51}, /* 52 jobs on 51 values */
	{75, 24, 74},
	{100, 49, 99},
	{1000, 949, 999},
};

START_TEST(test_crowded)
{
	size_t i, k;

	for (i = 0; i < NELEM(crowd_cases); i++) {
		const struct crowd_case *c = &crowd_cases[i];
		struct rank_job *jobs = calloc(c->n, sizeof(*jobs));
		struct rank_state st = {0};

		ck_assert_ptr_nonnull(jobs);
		/* reverse submit order, scores in a few groups */
		for (k = 0; k < c->n; k++)
			jobs[k] = (struct rank_job){.score = (double)(k % 7),
				.submit = (int64_t)(c->n - k),
				.id = (uint32_t)k};
		ck_assert_int_eq(rank_update(&st, jobs, c->n, 100, 0), 0);
		ck_assert_uint_eq(check_ranking(&st), st.ties);
		ck_assert_msg(st.ties >= c->min_ties && st.ties <= c->max_ties,
			"n %zu: %zu ties", c->n, st.ties);
		for (k = 0; k < c->n; k++)
			EXPECT(jobs[k].factor >= 25 && jobs[k].factor <= 75,
				"n %zu: factor %u outside the band", c->n,
				jobs[k].factor);
		rank_release(&st);
		free(jobs);
	}
}
END_TEST

/*
 * The header's promise for every small max: strictly decreasing factors
 * while n < max / 2, and within [1, max] with ties counted beyond.
 */
START_TEST(test_strict_below_half)
{
	struct rank_job jobs[140];
	uint32_t max;
	size_t n, k;

	for (max = 1; max <= 130; max++)
		for (n = 0; n <= max + 10 && n <= NELEM(jobs); n++) {
			struct rank_state st = {0};

			for (k = 0; k < n; k++)
				jobs[k] = (struct rank_job){
					.score = -(double)k, .id = (uint32_t)k};
			EXPECT(rank_update(&st, jobs, n, max, 0) == 0,
				"rank_update failed");
			EXPECT(check_ranking(&st) == st.ties,
				"ties miscounted");
			if (2 * n < max)
				EXPECT(st.ties == 0, "max %u n %zu: %zu ties",
					max, n, st.ties);
			rank_release(&st);
		}
}
END_TEST

/*
 * The largest SiteFactorMax Slurm can add to NICE_OFFSET, and the largest
 * uint32: the update stays in the band [max / 4, max - max / 4] whatever
 * the scores, and an insertion one edge step (max / 4 / RANK_EDGE_ROOM)
 * above a factor near max clamps at max instead of wrapping around (the
 * ranking is set by hand there: reaching max by insertions takes about
 * 13,000 of them). Below a factor near 1, the floor is 1.
 */
START_TEST(test_large_max)
{
	static const uint32_t maxes[] = {2147483647u, UINT32_MAX};
	static const double scores[] = {
		-DBL_MAX, -1e300, -1, 0, 1e300, DBL_MAX};
	size_t m, i;

	for (m = 0; m < NELEM(maxes); m++) {
		uint32_t max = maxes[m], step = max / 4 / RANK_EDGE_ROOM;
		struct rank_job jobs[NELEM(scores)], job;
		struct rank_state st = {0};

		for (i = 0; i < NELEM(scores); i++)
			jobs[i] = (struct rank_job){
				.score = scores[i], .id = (uint32_t)i + 10};
		ck_assert_int_eq(
			rank_update(&st, jobs, NELEM(scores), max, 0), 0);
		ck_assert_uint_eq(st.ties, 0);
		check_ranking(&st);
		ck_assert_uint_le(st.jobs[0].factor, max - max / 4);
		ck_assert_uint_ge(st.jobs[st.n - 1].factor, max / 4);
		rank_release(&st);

		/* one job at max - step / 2, one at 3 */
		st.jobs = calloc(2, sizeof(*st.jobs));
		ck_assert_ptr_nonnull(st.jobs);
		st.n = st.cap = 2;
		st.max = max;
		st.jobs[0] = (struct rank_job){
			.score = 0, .id = 1, .factor = max - step / 2};
		st.jobs[1] =
			(struct rank_job){.score = 1, .id = 2, .factor = 3};
		job = (struct rank_job){.score = -INFINITY, .id = 3};
		ck_assert_uint_eq(rank_insert(&st, &job), max);
		job = (struct rank_job){.score = -INFINITY, .id = 0};
		ck_assert_uint_eq(rank_insert(&st, &job), max); /* a tie */
		job = (struct rank_job){.score = INFINITY, .id = 4};
		ck_assert_uint_eq(rank_insert(&st, &job), 1);
		job = (struct rank_job){.score = INFINITY, .id = 5};
		ck_assert_uint_eq(rank_insert(&st, &job), 1);
		ck_assert_uint_eq(check_ranking(&st), 2);
		rank_release(&st);
	}
}
END_TEST

/* The policy's inputs of a live job, by hand. */
static const struct score_case {
	enum policy_kind policy;
	double p, q;
	int64_t submit, origin, now;
	double score;
} score_cases[] = {
	/* F1 = log10(p) * q + 870 * log10(r), r = submit - origin = 100:
	 * 3 * 4 + 870 * 2 */
	{POLICY_F1, 1000, 4, 1700000100, 1700000000, 1700009999, 1752},
	/* the same job seen later: F1 does not look at the wait */
	{POLICY_F1, 1000, 4, 1700000100, 1700000000, 1800000000, 1752},
	/* the origin itself: r = 0 is taken as 1 s, log10(1) = 0; 2 * 2 */
	{POLICY_F1, 100, 2, 1700000000, 1700000000, 1700000500, 4},
	/* r = 10^4 s, p = 10 s, q = 1: 1 + 870 * 4 */
	{POLICY_F1, 10, 1, 1700010000, 1700000000, 1700010000, 3481},
	{POLICY_SPF, 3600, 8, 1700000100, 1700000000, 1700000200, 3600},
	{POLICY_SAF, 3600, 8, 1700000100, 1700000000, 1700000200, 28800},
	/* -(w / p)^3 * q with w = 7200, p = 3600, q = 2 */
	{POLICY_WFP3, 3600, 2, 1700000000, 1699990000, 1700007200, -16},
	{POLICY_FCFS, 60, 1, 1700000100, 1700000000, 1700000200, 100},
};

START_TEST(test_rank_score)
{
	size_t i;

	for (i = 0; i < NELEM(score_cases); i++) {
		const struct score_case *c = &score_cases[i];
		double got = rank_score(
			c->policy, c->p, c->q, c->submit, c->origin, c->now, 0.0);

		ck_assert_msg(fabs(got - c->score) <= 1e-9 * fabs(c->score),
			"case %zu: %.17g, want %.17g", i, got, c->score);
	}
}
END_TEST

/*
 * Jobs between two updates, placed at once among three ranked ones with
 * max 10^7: band [2.5e6, 7.5e6], factors 6,250,000, 5,000,000 and
 * 3,750,000 for scores 10, 20, 30 (submit 100, ids 1..3); the edge step
 * is 10^7 / 4 / RANK_EDGE_ROOM = 250.
 */
static const struct insert_case {
	const char *what;
	struct hand_job job;
	uint32_t factor;
	size_t at;
} insert_cases[] = {
	{"top", {5, 100, 9}, 6250250, 0},
	{"bottom", {40, 100, 9}, 3749750, 3},
	{"between the first two", {15, 100, 9}, 5625000, 1},
	{"between the last two", {25, 100, 9}, 4375000, 2},
	/* equal score: the submit time decides, then the id */
	{"equal score, earlier submit", {20, 99, 9}, 5625000, 1},
	{"equal score, later submit", {20, 101, 9}, 4375000, 2},
	{"equal score and submit, lower id", {20, 100, 0}, 5625000, 1},
	{"equal score and submit, higher id", {20, 100, 9}, 4375000, 2},
};

static void three_ranked(struct rank_state *st, uint32_t max)
{
	static const struct hand_job h[] = {
		{20, 100, 2}, {30, 100, 3}, {10, 100, 1}};
	struct rank_job jobs[3];

	set_jobs(jobs, h, 3);
	ck_assert_int_eq(rank_update(st, jobs, 3, max, 0), 0);
}

START_TEST(test_insert)
{
	size_t i;

	for (i = 0; i < NELEM(insert_cases); i++) {
		const struct insert_case *c = &insert_cases[i];
		struct rank_state st = {0};
		struct rank_job job;

		three_ranked(&st, DEFAULT_MAX);
		ck_assert_uint_eq(st.jobs[0].factor, 6250000);
		ck_assert_uint_eq(st.jobs[1].factor, 5000000);
		ck_assert_uint_eq(st.jobs[2].factor, 3750000);
		set_jobs(&job, &c->job, 1);
		job.handle = &job;
		ck_assert_msg(rank_insert(&st, &job) == c->factor,
			"%s: factor %u, want %u", c->what, job.factor,
			c->factor);
		ck_assert_uint_eq(job.factor, c->factor);
		ck_assert_uint_eq(st.n, 4);
		ck_assert_uint_eq(st.jobs[c->at].id, c->job.id);
		ck_assert_ptr_eq(st.jobs[c->at].handle, &job);
		ck_assert_uint_eq(st.jobs[c->at].factor, c->factor);
		ck_assert_uint_eq(check_ranking(&st), 0);
		rank_release(&st);
	}
}
END_TEST

/*
 * An empty ranking: the middle of the band (max 100: (25 + 75) / 2; max
 * 10^7: 5,000,000), also after an update of no jobs; a state never
 * updated whose max was not set counts as max 1.
 */
START_TEST(test_insert_empty)
{
	struct rank_state st = {0};
	struct rank_job job = {.score = 1, .id = 1};

	ck_assert_uint_eq(rank_insert(&st, &job), 1);
	ck_assert_uint_eq(st.max, 1);
	ck_assert_uint_eq(st.n, 1);
	rank_release(&st);

	st.max = 100;
	ck_assert_uint_eq(rank_insert(&st, &job), 50);
	rank_release(&st);

	ck_assert_int_eq(rank_update(&st, NULL, 0, DEFAULT_MAX, 0), 0);
	ck_assert_uint_eq(rank_insert(&st, &job), 5000000);
	ck_assert_uint_eq(st.n, 1);
	/* the next one goes above or below it by one edge step */
	job.score = 0;
	ck_assert_uint_eq(rank_insert(&st, &job), 5000250);
	job.score = 2;
	ck_assert_uint_eq(rank_insert(&st, &job), 4999750);
	ck_assert_uint_eq(check_ranking(&st), 0);
	rank_release(&st);
}
END_TEST

/*
 * RANK_EDGE_ROOM jobs fit below the last and above the first without a
 * tie. 100 ranked jobs, max 10^7: the last gets 2.5e6 + 5e6 / 101 =
 * 2,549,504.95 -> 2,549,505, the first 2.5e6 + 5e6 * 100 / 101 ->
 * 7,450,495. Steps of 250 below: 2,549,505 - 250 k for k <= 10,198 (5
 * left), then 1 (the floor) at k = 10,199, and 1 again, the first tie, at
 * k = 10,200. Above, symmetrically: 9,999,995 at k = 10,198, then max,
 * and max again at k = 10,200.
 */
START_TEST(test_edge_room)
{
	struct rank_state low = {0}, high = {0};
	struct rank_job jobs[100];
	uint32_t prev_low, prev_high;
	size_t k;

	for (k = 0; k < 100; k++)
		jobs[k] = (struct rank_job){.score = 100 + (double)k,
			.submit = 0,
			.id = (uint32_t)k};
	ck_assert_int_eq(rank_update(&low, jobs, 100, DEFAULT_MAX, 0), 0);
	ck_assert_int_eq(rank_update(&high, jobs, 100, DEFAULT_MAX, 0), 0);
	prev_high = high.jobs[0].factor;
	prev_low = low.jobs[99].factor;
	ck_assert_uint_eq(prev_high, 7450495);
	ck_assert_uint_eq(prev_low, 2549505);
	for (k = 1; k <= 10200; k++) {
		struct rank_job below = {.score = 1000 + (double)k, .id = 1};
		struct rank_job above = {.score = -(double)k, .id = 1};
		uint32_t f_low = rank_insert(&low, &below);
		uint32_t f_high = rank_insert(&high, &above);

		if (k < 10200) {
			EXPECT(f_low < prev_low,
				"bottom insertion %zu tied at %u", k, f_low);
			EXPECT(f_high > prev_high,
				"top insertion %zu tied at %u", k, f_high);
		} else {
			EXPECT(f_low == prev_low && f_high == prev_high,
				"insertion %zu: %u and %u, no tie", k, f_low,
				f_high);
		}
		if (k == RANK_EDGE_ROOM)
			EXPECT(f_low == 2549505 - 250 * 10000 &&
					f_high == 7450495 + 250 * 10000,
				"insertion %zu: %u and %u", k, f_low, f_high);
		if (k == 10198)
			EXPECT(f_low == 5 && f_high == 9999995,
				"insertion %zu: %u and %u", k, f_low, f_high);
		prev_low = f_low;
		prev_high = f_high;
	}
	ck_assert_uint_eq(prev_low, 1);
	ck_assert_uint_eq(prev_high, DEFAULT_MAX);
	ck_assert_uint_eq(low.n, 100 + 10200);
	ck_assert_uint_eq(check_ranking(&low), 1);
	ck_assert_uint_eq(check_ranking(&high), 1);
	rank_release(&low);
	rank_release(&high);
}
END_TEST

/*
 * Halving the room between two neighbours: job A (6,250,000) and B
 * (5,000,000) of the three-job ranking; each new job sorts right after A
 * (same score and submit, a lower id than the previous newcomer, higher
 * than A's) and gets floor((A + previous) / 2). The gap to A goes
 * 625,000, 312,500, 156,250, 78,125, 39,063, 19,532, 9,766, 4,883, 2,442,
 * 1,221, 611, 306, 153, 77, 39, 20, 10, 5, 3, 2, 1: 21 distinct factors,
 * and the 22nd job, with no integer left, shares 6,249,999.
 */
START_TEST(test_midpoint_exhaustion)
{
	static const uint32_t first[] = {
		5625000, 5937500, 6093750, 6171875, 6210937, 6230468};
	struct rank_state st = {0};
	uint32_t prev = 5000000;
	uint32_t k;

	three_ranked(&st, DEFAULT_MAX);
	for (k = 1; k <= 22; k++) {
		struct rank_job job = {
			.score = 10, .submit = 100, .id = 1000 - k};
		uint32_t f = rank_insert(&st, &job);

		ck_assert_uint_eq(st.jobs[1].id, 1000 - k);
		if (k <= NELEM(first))
			ck_assert_uint_eq(f, first[k - 1]);
		if (k <= 21)
			ck_assert_msg(f > prev && f < 6250000,
				"insertion %u: %u not strictly between", k, f);
		else
			ck_assert_uint_eq(f, prev);
		prev = f;
	}
	ck_assert_uint_eq(prev, 6249999);
	ck_assert_uint_eq(check_ranking(&st), 1);
	rank_release(&st);
}
END_TEST

/* The same random job sets on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	return test_rng_below(&rng_state, n);
}

/* A random pending job scored by policy, with coarse inputs for ties. */
static void random_job(struct rank_job *j, enum policy_kind policy,
	int64_t origin, int64_t now, uint32_t id)
{
	static const double limits[] = {60, 600, 3600, 4 * 3600, 86400};
	double p = limits[rnd(NELEM(limits))];
	double q = (double)(1 + rnd(4) * rnd(64));
	int64_t submit = origin + (int64_t)rnd(4) * (int64_t)rnd(5000);

	*j = (struct rank_job){
		.score = rank_score(policy, p, q, submit, origin, now, 0.0),
		.submit = submit,
		.id = id,
	};
}

/*
 * For random job sets, sorting the jobs by factor (largest first) gives
 * the policy order computed here by sorting (score, submit, id); then
 * jobs inserted before the next update keep the ranking in that order.
 */
START_TEST(test_random_order)
{
	static const enum policy_kind policies[] = {POLICY_F1, POLICY_SPF,
		POLICY_SAF, POLICY_WFP3, POLICY_UNICEF, POLICY_F3, POLICY_FCFS};
	const int64_t origin = 1767225600, now = origin + 20000;
	size_t trial;

	for (trial = 0; trial < 300; trial++) {
		enum policy_kind policy = policies[trial % NELEM(policies)];
		size_t n = (size_t)rnd(trial % 10 ? 300 : 3000), i;
		uint32_t max = trial % 3 == 0 ? DEFAULT_MAX
			       : trial % 3 == 1
				       ? 2147483647u
				       : (uint32_t)(2 * n + 1 + rnd(50));
		struct rank_job *jobs = calloc(n + 1, sizeof(*jobs));
		struct rank_job *mine = calloc(n + 1, sizeof(*mine));
		struct rank_state st = {0};

		ck_assert(jobs && mine);
		for (i = 0; i < n; i++)
			random_job(&jobs[i], policy, origin, now,
				(uint32_t)rnd(1u << 30));
		memcpy(mine, jobs, n * sizeof(*jobs));
		qsort(mine, n, sizeof(*mine), cmp_policy);
		ck_assert_int_eq(rank_update(&st, jobs, n, max, origin), 0);
		ck_assert_uint_eq(st.ties, 0); /* n < max / 2 */
		qsort(jobs, n, sizeof(*jobs), cmp_factor);
		for (i = 0; i < n; i++) {
			EXPECT(jobs[i].id == mine[i].id &&
					jobs[i].submit == mine[i].submit,
				"trial %zu (%s, n %zu): position %zu: job "
				"%u, want %u",
				trial, policy_name(policy), n, i, jobs[i].id,
				mine[i].id);
			EXPECT(!i || jobs[i].factor < jobs[i - 1].factor,
				"trial %zu: factors not decreasing at %zu",
				trial, i);
		}
		/* arrivals before the next update */
		for (i = 0; i < 50; i++) {
			struct rank_job j;

			random_job(&j, policy, origin, now + (int64_t)i,
				(uint32_t)rnd(1u << 30));
			rank_insert(&st, &j);
		}
		ck_assert_uint_eq(st.n, n + 50);
		check_ranking(&st);
		rank_release(&st);
		free(jobs);
		free(mine);
	}
}
END_TEST

/* Crowded random sets (n up to 4 max): ties, but never an inversion. */
START_TEST(test_random_crowded)
{
	size_t trial;

	for (trial = 0; trial < 100; trial++) {
		uint32_t max = 1 + (uint32_t)rnd(200);
		size_t n = (size_t)rnd(4 * max + 1), i, distinct = n ? 1 : 0;
		struct rank_job *jobs = calloc(n + 1, sizeof(*jobs));
		struct rank_state st = {0};

		ck_assert_ptr_nonnull(jobs);
		for (i = 0; i < n; i++)
			random_job(&jobs[i], POLICY_F1, 1767225600, 1767245600,
				(uint32_t)i);
		ck_assert_int_eq(rank_update(&st, jobs, n, max, 1767225600), 0);
		ck_assert_uint_eq(check_ranking(&st), st.ties);
		for (i = 1; i < n; i++)
			distinct += jobs[i].factor != jobs[i - 1].factor;
		ck_assert_uint_eq(st.ties, n - distinct);
		rank_release(&st);
		free(jobs);
	}
}
END_TEST

static Suite *priority_rank_suite(void)
{
	Suite *s = suite_create("priority_rank");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_factors_by_hand);
	tcase_add_test(tc, test_extremes);
	tcase_add_test(tc, test_crowded);
	tcase_add_test(tc, test_strict_below_half);
	tcase_add_test(tc, test_large_max);
	tcase_add_test(tc, test_rank_score);
	tcase_add_test(tc, test_insert);
	tcase_add_test(tc, test_insert_empty);
	tcase_add_test(tc, test_edge_room);
	tcase_add_test(tc, test_midpoint_exhaustion);
	tcase_add_test(tc, test_random_order);
	tcase_add_test(tc, test_random_crowded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(priority_rank_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
