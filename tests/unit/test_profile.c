/*
 * test_profile.c: the availability profile (earliest fit, reservations)
 * and the wait queues (static min-tree, dynamic array) on hand-made cases.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "profile.h"
#include "queue.h"
#include "rng.h"

/*
 * now = 0 with 2 free; a job of 3 procs ends at 10, one of 5 at 20: free
 * is 2 on [0, 10), 5 on [10, 20), 10 from 20. Then [10, 25) loses 3 procs
 * to a reservation: 2, 2, 7 on [20, 25), 10 from 25.
 */
static const struct fit_case {
	int reserved; /* after the reservation */
	int64_t procs, duration, start;
} fit_cases[] = {
	{0, 2, 100, 0},
	{0, 3, 5, 10},
	{0, 5, 10, 10},
	{0, 5, 11, 10}, /* 5 from 10 on, 10 from 20: still fits */
	{0, 6, 1, 20},
	{0, 10, 1, 20},
	{1, 3, 5, 20},
	{1, 8, 10, 25},
	{1, 7, 5, 20},
	{1, 7, 6, 20}, /* 7 on [20, 25), 10 after */
	{1, 2, 30, 0},
	{1, 1, 1000, 0},
};

START_TEST(test_earliest)
{
	struct profile p = {0};
	size_t i;

	ck_assert_int_eq(profile_reset(&p, 0, 2), 0);
	ck_assert_int_eq(profile_release(&p, 10, 3), 0);
	ck_assert_int_eq(profile_release(&p, 20, 5), 0);
	ck_assert_int_eq(profile_free_now(&p), 2);
	for (i = 0; i < sizeof(fit_cases) / sizeof(fit_cases[0]); i++) {
		const struct fit_case *c = &fit_cases[i];
		int64_t got;

		if (c->reserved && p.n == 3)
			ck_assert_int_eq(profile_reserve(&p, 10, 15, 3), 0);
		got = profile_earliest(&p, c->procs, c->duration);
		ck_assert_msg(got == c->start,
			"case %zu: %lld procs for %lld s at %lld, expected "
			"%lld",
			i, (long long)c->procs, (long long)c->duration,
			(long long)got, (long long)c->start);
	}
	ck_assert_int_eq(p.n, 4);
	ck_assert_int_eq(p.steps[2].t, 20);
	ck_assert_int_eq(p.steps[2].free, 7);
	/* A release in the past counts from now; reset reuses the memory. */
	ck_assert_int_eq(profile_reset(&p, 100, 0), 0);
	ck_assert_int_eq(profile_release(&p, 50, 4), 0);
	ck_assert_int_eq(profile_free_now(&p), 4);
	ck_assert_int_eq(p.n, 1);
	profile_free(&p);
	profile_free(NULL);
}
END_TEST

/*
 * The room from now (profile_free_for, and against a width: whether a job
 * could start now): 2 free on [0, 10), 5 on [10, 20), 10 from 20; then,
 * at 12, 5 on [12, 20), 10 from 20, with [15, 18) reserved for 4: 1 there.
 */
START_TEST(test_free_for)
{
	struct profile p = {0};

	ck_assert_int_eq(profile_reset(&p, 0, 2), 0);
	ck_assert_int_eq(profile_release(&p, 10, 3), 0);
	ck_assert_int_eq(profile_release(&p, 20, 5), 0);
	ck_assert(profile_free_for(&p, 1000, 2) >= 2);
	ck_assert(profile_free_for(&p, 0, 2) >= 2);
	ck_assert(profile_free_for(&p, 0, 3) < 3);
	ck_assert(profile_free_for(&p, 5, 3) < 3);
	ck_assert_int_eq(profile_free_for(&p, 0, 1), 2);
	ck_assert_int_eq(profile_free_for(&p, 10, 1), 2);
	ck_assert_int_eq(profile_free_for(&p, INT64_MAX, 1), 2);
	profile_advance(&p, 12);
	ck_assert_int_eq(profile_reserve(&p, 15, 3, 4), 0);
	ck_assert(profile_free_for(&p, 3, 5) >= 5); /* [12, 15) */
	ck_assert(profile_free_for(&p, 4, 5) < 5);  /* meets [15, 18) */
	ck_assert(profile_free_for(&p, INT64_MAX, 1) >= 1);
	ck_assert(profile_free_for(&p, INT64_MAX, 2) < 2);
	ck_assert_int_eq(profile_free_for(&p, 3, 1), 5);
	ck_assert_int_eq(profile_free_for(&p, 4, 1), 1);
	ck_assert_int_eq(profile_free_for(&p, INT64_MAX, 1), 1);
	profile_advance(&p, 18);
	ck_assert_int_eq(profile_free_for(&p, 2, 1), 5);
	ck_assert_int_eq(profile_free_for(&p, 3, 1), 5);
	ck_assert_int_eq(profile_free_for(&p, INT64_MAX, 1), 5);
	ck_assert(profile_free_for(&p, 0, 10) < 10);
	profile_advance(&p, 20);
	ck_assert(profile_free_for(&p, INT64_MAX, 10) >= 10);
	profile_free(&p);
}
END_TEST

/*
 * Six jobs ranked by key: idx 3 (key 1), 0 (2), 5 (3), 1 (4, submit 0),
 * 4 (4, submit 5), 2 (9). Procs: idx 0..5 = 4, 1, 8, 2, 6, 3.
 */
static const struct queue_entry entries[] = {
	{2.0, 0, 0, 4},
	{4.0, 0, 1, 1},
	{9.0, 0, 2, 8},
	{1.0, 0, 3, 2},
	{4.0, 5, 4, 6},
	{3.0, 0, 5, 3},
};

/* Walk the queue with limit; returns the idxs found as a digit string. */
static void walk(const struct wait_queue *q, int64_t limit, char *out)
{
	size_t pos = 0;
	uint32_t idx;

	while ((idx = queue_next(q, &pos, limit)) != QUEUE_NONE) {
		*out++ = (char)('0' + idx);
		pos++;
	}
	*out = '\0';
}

static const struct walk_case {
	int64_t limit;
	const char *all, *after; /* before and after removing idx 5 and 3 */
} walk_cases[] = {
	{100, "305142", "0142"},
	{8, "305142", "0142"},
	{6, "30514", "014"},
	{3, "351", "1"},
	{1, "1", "1"},
	{0, "", ""},
};

static double by_procs(void *arg, uint32_t idx)
{
	(void)arg;
	return (double)entries[idx].procs; /* narrowest first */
}

/*
 * The six entries in a static queue (by key) and a dynamic one, resorted
 * narrowest first; with fill false both are left empty.
 */
static void make_queues(struct queue_ranks *ranks, struct wait_queue *sq,
	struct wait_queue *dq, bool fill)
{
	struct queue_entry all[6];
	size_t i;

	for (i = 0; i < 6; i++)
		all[i] = entries[i];
	ck_assert_int_eq(queue_ranks_build(ranks, all, 6), 0);
	ck_assert_int_eq(queue_init_static(sq, ranks), 0);
	queue_init_dynamic(dq);
	for (i = 0; fill && i < 6; i++) {
		ck_assert_int_eq(queue_insert(sq, &entries[i]), 0);
		ck_assert_int_eq(queue_insert(dq, &entries[i]), 0);
	}
	/* The dynamic queue takes the order of its last resort. */
	queue_resort(dq, by_procs, NULL);
}

START_TEST(test_queues)
{
	struct queue_ranks ranks;
	struct wait_queue sq, dq;
	char got[8];
	size_t i, pos;

	make_queues(&ranks, &sq, &dq, true);
	walk(&dq, 100, got);
	ck_assert_str_eq(got, "135042");
	queue_free(&dq);

	for (i = 0; i < sizeof(walk_cases) / sizeof(walk_cases[0]); i++) {
		walk(&sq, walk_cases[i].limit, got);
		ck_assert_str_eq(got, walk_cases[i].all);
	}
	/* Remove idx 5 (rank 2) and 3 (rank 0) as a pass would. */
	pos = 1;
	ck_assert_int_eq(queue_next(&sq, &pos, 3), 5);
	ck_assert_int_eq(pos, 2);
	queue_remove_at(&sq, pos);
	pos = 0;
	ck_assert_int_eq(queue_next(&sq, &pos, 100), 3);
	queue_remove_at(&sq, pos);
	queue_commit(&sq);
	ck_assert_int_eq(queue_count(&sq), 4);
	for (i = 0; i < sizeof(walk_cases) / sizeof(walk_cases[0]); i++) {
		walk(&sq, walk_cases[i].limit, got);
		ck_assert_str_eq(got, walk_cases[i].after);
	}
	queue_free(&sq);
	queue_ranks_free(&ranks);
}
END_TEST

/*
 * queue_first_if_fits gives the first waiting job only if it fits, where
 * queue_next passes over it to a later one; removed entries of the pass
 * are skipped. Either way it moves pos to that job, which queue_at then
 * names. Static order 3 0 5 1 4 2 (procs 2 4 3 1 6 8); dynamic,
 * narrowest first: 1 3 5 0 4 2.
 */
START_TEST(test_first_if_fits)
{
	struct queue_ranks ranks;
	struct wait_queue sq, dq;
	size_t pos = 0;

	make_queues(&ranks, &sq, &dq, false);
	ck_assert_uint_eq(queue_first_if_fits(&sq, &pos, 1), QUEUE_NONE);
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 100), QUEUE_NONE);
	ck_assert_uint_eq(queue_at(&sq, 0), QUEUE_NONE);
	ck_assert_uint_eq(queue_at(&dq, 0), QUEUE_NONE);
	queue_free(&dq);
	queue_free(&sq);
	queue_ranks_free(&ranks);
	make_queues(&ranks, &sq, &dq, true);

	pos = 0;
	ck_assert_uint_eq(queue_first_if_fits(&sq, &pos, 1), QUEUE_NONE);
	ck_assert_uint_eq(pos, 0);
	ck_assert_uint_eq(queue_at(&sq, pos), 3);
	ck_assert_uint_eq(queue_next(&sq, &pos, 1), 1); /* passes over */
	pos = 0;
	ck_assert_uint_eq(queue_first_if_fits(&sq, &pos, 2), 3);
	ck_assert_uint_eq(pos, 0);
	queue_remove_at(&sq, pos);
	ck_assert_uint_eq(queue_at(&sq, 0), QUEUE_NONE);
	pos = 0; /* to the head that does not fit, past the removed rank */
	ck_assert_uint_eq(queue_first_if_fits(&sq, &pos, 3), QUEUE_NONE);
	ck_assert_uint_eq(pos, 1);
	ck_assert_uint_eq(queue_at(&sq, pos), 0);
	pos = 0; /* the removed rank 0 is skipped */
	ck_assert_uint_eq(queue_first_if_fits(&sq, &pos, 4), 0);
	ck_assert_uint_eq(pos, 1);

	pos = 0;
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 0), QUEUE_NONE);
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 1), 1);
	queue_remove_at(&dq, pos);
	ck_assert_uint_eq(queue_at(&dq, 0), QUEUE_NONE);
	pos = 0;
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 1), QUEUE_NONE);
	ck_assert_uint_eq(pos, 1);
	ck_assert_uint_eq(queue_at(&dq, pos), 3);
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 2), 3);
	ck_assert_uint_eq(pos, 1);
	queue_commit(&dq);
	pos = 0;
	ck_assert_uint_eq(queue_first_if_fits(&dq, &pos, 2), 3);
	ck_assert_uint_eq(pos, 0);

	queue_free(&dq);
	queue_free(&sq);
	queue_ranks_free(&ranks);
}
END_TEST

/* 32 random bits (rng.h: the test must not depend on libc's generator). */
static uint32_t rand32(uint64_t *state)
{
	return (uint32_t)(test_rng_next(state) >> 32);
}

/*
 * A dynamic queue's index of requests: after random joins and removals,
 * queue_any_fits and queue_next agree with a plain look at the waiting
 * jobs. Requests beyond 2^20 share the index's last slot, where
 * queue_any_fits may only err towards true.
 */
START_TEST(test_dynamic_sizes)
{
	enum { JOBS = 400, BIG = 1 << 20 };
	static int32_t procs[JOBS];
	static bool waiting[JOBS];
	struct wait_queue q;
	uint64_t rng = 42;
	uint32_t next = 0;
	int step;

	queue_init_dynamic(&q);
	ck_assert(!queue_any_fits(&q, INT64_MAX / 2));
	for (step = 0; step < 4000; step++) {
		uint32_t r = rand32(&rng);
		int64_t limit = r % 8 == 0 ? (int64_t)BIG + rand32(&rng) % BIG
					   : (int64_t)(rand32(&rng) % 300);
		int64_t least = -1;
		size_t pos = 0, k;
		uint32_t idx, i;

		if (next < JOBS && (r % 3 != 0 || queue_count(&q) == 0)) {
			struct queue_entry e = {0.0, next, next, 0};

			e.procs = r % 16 == 1 ? BIG - 2 + (int32_t)(rand32(&rng) % 4)
						: 1 + (int32_t)(rand32(&rng) % 290);
			if (r % 64 == 5)
				e.procs = 3 * BIG;
			procs[next] = e.procs;
			waiting[next++] = true;
			if (queue_insert(&q, &e) < 0)
				ck_abort_msg("out of memory");
		} else if (queue_count(&q) > 0) {
			/* the k-th waiting job, found as a pass finds it */
			k = rand32(&rng) % queue_count(&q);
			idx = queue_next(&q, &pos, INT64_MAX);
			while (k-- > 0) {
				pos++;
				idx = queue_next(&q, &pos, INT64_MAX);
			}
			if (idx == QUEUE_NONE)
				ck_abort_msg("step %d: no k-th job", step);
			queue_remove_at(&q, pos);
			waiting[idx] = false;
			if (r % 5 == 0)
				queue_commit(&q);
		}
		for (i = 0; i < next; i++)
			if (waiting[i] && (least < 0 || procs[i] < least))
				least = procs[i];
		/* check marks each assertion's point in a file: not here */
		if (least >= 0 && least <= limit ? !queue_any_fits(&q, limit)
			: queue_any_fits(&q, limit) &&
				  (limit < BIG - 1 || least < BIG - 1))
			ck_abort_msg("step %d: queue_any_fits(%lld) wrong, "
				     "least %lld",
				step, (long long)limit, (long long)least);
		/* the walk finds exactly the waiting jobs that fit, in order */
		pos = 0;
		i = 0;
		while ((idx = queue_next(&q, &pos, limit)) != QUEUE_NONE) {
			for (; i < idx; i++)
				if (waiting[i] && procs[i] <= limit)
					ck_abort_msg("step %d: job %u missed",
						step, i);
			if (!waiting[idx] || procs[idx] > limit)
				ck_abort_msg("step %d: job %u found", step, idx);
			i = idx + 1;
			pos++;
		}
		for (; i < next; i++)
			if (waiting[i] && procs[i] <= limit)
				ck_abort_msg("step %d: job %u missed", step, i);
	}
	{
		/*
		 * A narrow job leaves, and a wide one is left alone in the
		 * index's last slot: still seen.
		 */
		struct queue_entry narrow = {0.0, next, next, 1};
		struct queue_entry wide = {0.0, next, next + 1, 3 * BIG};
		size_t pos = 0;
		uint32_t idx;

		ck_assert_int_eq(queue_insert(&q, &narrow), 0);
		ck_assert_int_eq(queue_insert(&q, &wide), 0);
		while ((idx = queue_next(&q, &pos, BIG - 1)) != QUEUE_NONE)
			queue_remove_at(&q, pos);
		queue_commit(&q);
		ck_assert(queue_any_fits(&q, 4 * (int64_t)BIG));
		pos = 0;
		ck_assert_uint_ne(queue_next(&q, &pos, 4 * (int64_t)BIG),
			QUEUE_NONE);
	}
	queue_free(&q);
}
END_TEST

/*
 * The first second in [now, end) where the profile and model[] differ
 * (end if none), walking the steps once.
 */
static int64_t profile_differs(
	const struct profile *p, const int64_t *model, int64_t now, int64_t end)
{
	size_t i = p->head;

	for (int64_t t = now; t < end; t++) {
		while (i + 1 < p->n && p->steps[i + 1].t <= t)
			i++;
		if (p->steps[i].free != model[t])
			return t;
	}
	return end;
}

/* The earliest start >= now where model[] has procs for dur seconds. */
static int64_t model_earliest(
	const int64_t *model, int64_t now, int64_t procs, int64_t dur)
{
	for (int64_t s = now;; s++) {
		int64_t t = s;

		while (t < s + dur && model[t] >= procs)
			t++;
		if (t == s + dur)
			return s;
	}
}

/*
 * Random reservations, give-backs, releases and clock moves on a profile
 * against a plain array of free processors per second: the two agree at
 * every second, and so do their earliest fits. The profile's array fills
 * up many times, with and without a dropped past to reuse.
 */
START_TEST(test_random_profile)
{
	enum { SPAN = 600, TAIL = 64 };
	static int64_t model[SPAN + 2 * SPAN];
	struct profile p = {0};
	uint64_t rng = 7;
	int64_t now = 0;

	for (size_t t = 0; t < sizeof(model) / sizeof(model[0]); t++)
		model[t] = t < SPAN ? 0 : TAIL;
	ck_assert_int_eq(profile_reset(&p, 0, 0), 0);
	ck_assert_int_eq(profile_release(&p, SPAN, TAIL), 0);
	for (int step = 0; step < 20000 && now < SPAN - 40; step++) {
		uint32_t r = rand32(&rng) % 16;
		int64_t t0 = now + rand32(&rng) % (uint32_t)(SPAN - now);
		int64_t t1 = t0 + 1 + rand32(&rng) % 60;
		int64_t delta = (int64_t)(rand32(&rng) % 9) - 4;

		if (r == 0) {
			now += rand32(&rng) % 3;
			profile_advance(&p, now);
		} else if (r == 1) {
			delta = 1 + rand32(&rng) % 3;
			ck_assert_int_eq(profile_release(&p, t0, delta), 0);
			for (int64_t t = t0; t < 3 * SPAN; t++)
				model[t] += delta;
		} else if (delta != 0) {
			ck_assert_int_eq(profile_add(&p, t0, t1, delta), 0);
			for (int64_t t = t0; t < t1; t++)
				model[t] += delta;
		}
		ck_assert_msg(profile_differs(&p, model, now, SPAN + 70) ==
				      SPAN + 70,
			"step %d: the profile differs from the model at %lld",
			step,
			(long long)profile_differs(&p, model, now, SPAN + 70));
		if (step % 7 == 0) {
			int64_t procs = rand32(&rng) % (TAIL + 1);
			int64_t dur = 1 + rand32(&rng) % 50;
			int64_t least = model[now];

			ck_assert_int_eq(profile_earliest(&p, procs, dur),
				model_earliest(model, now, procs, dur));
			ck_assert((profile_free_for(&p, dur, procs) >= procs) ==
				  (model_earliest(model, now, procs, dur) ==
					  now));
			for (int64_t t = now + 1; t < now + dur; t++)
				if (model[t] < least)
					least = model[t];
			if (least > 0) /* else it stops where none is free */
				ck_assert_int_eq(
					profile_free_for(&p, dur, 1), least);
			else
				ck_assert_int_le(
					profile_free_for(&p, dur, 1), 0);
		}
	}
	ck_assert_int_ge(now, 100); /* the clock moved, the past was dropped */
	profile_free(&p);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_earliest);
	tcase_add_test(tc, test_free_for);
	tcase_add_test(tc, test_queues);
	tcase_add_test(tc, test_first_if_fits);
	tcase_add_test(tc, test_dynamic_sizes);
	tcase_add_test(tc, test_random_profile);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
