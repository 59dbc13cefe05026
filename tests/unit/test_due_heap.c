/*
 * test_due_heap.c: the heap of reservation starts (due_heap.c): one entry
 * per job, moved in place, popped in (start, idx) order.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "due_heap.h"
#include "rng.h"

/*
 * Five jobs set, two moved (one earlier, one later) and one set twice to
 * the same start: five entries, popped by start, ties by idx.
 */
START_TEST(test_moves)
{
	static const struct {
		uint32_t idx;
		int64_t t;
	} sets[] = {{3, 50}, {1, 20}, {4, 20}, {0, 70}, {2, 40}, {0, 10},
		{4, 90}, {2, 40}};
	static const struct due want[] = {
		{10, 0}, {20, 1}, {40, 2}, {50, 3}, {90, 4}};
	struct due_heap h;

	ck_assert_int_eq(due_heap_init(&h, 5), 0);
	ck_assert(!due_heap_due(&h, INT64_MAX));
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		ck_assert_int_eq(due_heap_set(&h, sets[i].idx, sets[i].t), 0);
	ck_assert_uint_eq(h.n, 5);
	ck_assert(!due_heap_due(&h, 9));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct due d;

		ck_assert(due_heap_due(&h, want[i].t));
		d = due_heap_pop(&h);
		ck_assert_int_eq(d.t, want[i].t);
		ck_assert_uint_eq(d.idx, want[i].idx);
		ck_assert_uint_eq(h.pos[d.idx], DUE_HEAP_NONE);
	}
	ck_assert_uint_eq(h.n, 0);
	/* a popped job can be set again */
	ck_assert_int_eq(due_heap_set(&h, 3, 5), 0);
	ck_assert(due_heap_due(&h, 5));
	due_heap_free(&h);
	due_heap_free(&h); /* a zeroed heap */
}
END_TEST

/*
 * Random sets, moves and pops over 300 jobs against an array of each
 * job's start (NONE: not set): every pop is the least (start, idx) the array
 * holds, and the heap holds as many entries.
 */
START_TEST(test_random)
{
	enum { JOBS = 300 };
	static const int64_t NONE = INT64_MIN;
	static int64_t model[JOBS];
	struct due_heap h;
	uint64_t rng = 0x5eed0001ULL;
	size_t held = 0, pops = 0, moves = 0;

	for (size_t i = 0; i < JOBS; i++)
		model[i] = NONE;
	ck_assert_int_eq(due_heap_init(&h, JOBS), 0);
	for (int step = 0; step < 200000; step++) {
		if (test_rng_below(&rng, 3)) {
			uint32_t idx = (uint32_t)test_rng_below(&rng, JOBS);
			int64_t t = (int64_t)test_rng_below(&rng, 1000) - 500;

			if (due_heap_set(&h, idx, t) < 0)
				ck_abort_msg("out of memory");
			if (model[idx] == NONE)
				held++;
			else
				moves++;
			model[idx] = t;
		} else if (h.n) {
			struct due d = due_heap_pop(&h);
			size_t least = JOBS;

			for (size_t i = 0; i < JOBS; i++)
				if (model[i] != NONE &&
					(least == JOBS || model[i] < model[least]))
					least = i;
			if (d.idx != least || d.t != model[least])
				ck_abort_msg("step %d: popped (%lld, %u), least "
					     "(%lld, %zu)",
					step, (long long)d.t, d.idx,
					(long long)model[least], least);
			model[least] = NONE;
			held--;
			pops++;
		}
		if (h.n != held)
			ck_abort_msg("step %d: %zu entries, %zu jobs set", step,
				h.n, held);
	}
	ck_assert_uint_gt(pops, 10000);
	ck_assert_uint_gt(moves, 10000);
	due_heap_free(&h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("due_heap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_moves);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
