/*
 * test_backfill.c: backfilling alone, without the replay: a site with
 * running jobs and a queue, one pass, and the jobs it starts, against
 * hand-computed cases for none, EASY and conservative.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "plan.h"
#include "profile.h"
#include "rng.h"

#define MAXJ 8

/* A job of a case: running (exp_end > 0) or queued, in queue order. */
struct bjob {
	int32_t procs;
	int64_t estimate; /* queued: its estimate */
	int64_t exp_end;  /* running: when it is expected to end */
};

struct bcase {
	const char *name;
	int64_t machine;
	struct bjob job[MAXJ]; /* ends at procs == 0 */
	/* jobs started at time 0, by index into job[], -1 terminated */
	int none[MAXJ], easy[MAXJ], conservative[MAXJ];
};

static const struct bcase cases[] = {
	/*
	 * The head fits, then the second does not: none stops there.
	 * EASY: head C (5 procs) has its shadow at 20, when A, started in
	 * this same pass, is expected to end (1 + 4 free), and no extra
	 * processor; D would end at 30, after it: refused. Conservative:
	 * A now, C at [20, 30), D (1 proc for 30 s) finds 1 free on
	 * [0, 20), 0 on [20, 30) after C: at 30.
	 */
	{"just-started jobs count for the shadow", 10,
		{{5, 0, 100}, {4, 20, 0}, {5, 10, 0}, {1, 30, 0}}, {1, -1},
		{1, -1}, {1, -1}},
	/*
	 * Head H (8 procs) waits for 100 with 2 extra processors. J (4
	 * procs, 200 s) fits now but ends after the shadow and is wider than
	 * the extra: refused. K ends by the shadow: started. L (2 procs,
	 * 500 s) uses the 2 extra. Conservative: H at [100, 150), J then
	 * finds 2 free on [100, 150): J at 150; K fits [0, 90); L needs 2
	 * on [0, 500): 4 - 2 (K) on [0, 90), 4 on [90, 100), 2 on
	 * [100, 150), 6 after J: starts too.
	 */
	{"shadow and extra processors", 10,
		{{6, 0, 100}, {8, 50, 0}, {4, 200, 0}, {2, 90, 0}, {2, 500, 0}},
		{-1}, {3, 4, -1}, {3, 4, -1}},
	/*
	 * EASY protects the head only: L takes the 2 extra processors and
	 * delays K. Conservative reserves H at [100, 200) and K at
	 * [200, 300): L (2 procs, 250 s) would overlap K's: it waits.
	 */
	{"EASY protects only the head", 10,
		{{6, 0, 100}, {8, 100, 0}, {9, 100, 0}, {2, 250, 0}}, {-1},
		{3, -1}, {-1}},
	/*
	 * Two running jobs end at the shadow time 50: the extra processors
	 * count both (1 + 2 + 3 - 3 = 3), so B (1 proc, 100 s) runs on
	 * them. Conservative: H at [50, 60) leaves 3; B fits [0, 100).
	 */
	{"running jobs ending together at the shadow", 10,
		{{2, 0, 50}, {3, 0, 50}, {4, 0, 80}, {3, 10, 0}, {1, 100, 0}},
		{-1}, {4, -1}, {4, -1}},
	/*
	 * Everything fits in queue order until the machine is full.
	 */
	{"fill the machine", 8, {{4, 10, 0}, {4, 10, 0}, {1, 10, 0}},
		{0, 1, -1}, {0, 1, -1}, {0, 1, -1}},
	/*
	 * Conservative finds a hole before a reservation: H (10 procs) at
	 * [100, 150); B (2 procs, 120 s) cannot end by 100: at 150; C (1
	 * proc, 110 s) at 150 too (8 left); D (2 procs, 60 s) ends at 60:
	 * now. EASY: the shadow is 100, no extra; only D ends by it.
	 */
	{"a hole before the reservations", 10,
		{{8, 0, 100}, {10, 50, 0}, {2, 120, 0}, {1, 110, 0},
			{2, 60, 0}},
		{-1}, {4, -1}, {4, -1}},
};

/* Queue entries in list order: key = position. */
static void setup(struct backfill_site *s, struct queue_ranks *ranks,
	struct swf_job *jobs, const struct bcase *c)
{
	struct queue_entry all[MAXJ];
	size_t n = 0, i;

	memset(jobs, 0, MAXJ * sizeof(*jobs));
	for (i = 0; i < MAXJ && c->job[i].procs; i++) {
		jobs[i].id = (int64_t)i + 1;
		jobs[i].procs = c->job[i].procs;
		jobs[i].runtime = jobs[i].estimate =
			c->job[i].estimate ? c->job[i].estimate : 1;
		all[i] = (struct queue_entry){.key = (double)i,
			.idx = (uint32_t)i,
			.procs = jobs[i].procs};
		n++;
	}
	ck_assert_int_eq(queue_ranks_build(ranks, all, n), 0);
	ck_assert_int_eq(backfill_site_init(s, c->machine, ranks, jobs, n), 0);
	/* Running jobs: their processors, and their expected ends. */
	for (i = 0; i < n; i++) {
		if (!c->job[i].exp_end)
			continue;
		jobs[i].estimate = c->job[i].exp_end;
		s->free -= jobs[i].procs;
		s->run = realloc(s->run, (s->nrun + 1) * sizeof(*s->run));
		ck_assert_ptr_nonnull(s->run);
		s->run[s->nrun++] =
			(struct backfill_run){.exp_end = c->job[i].exp_end,
				.procs = jobs[i].procs,
				.idx = (uint32_t)i};
	}
	s->runcap = s->nrun;
	for (i = 0; i < n; i++) {
		struct queue_entry e = {.key = (double)i,
			.idx = (uint32_t)i,
			.procs = jobs[i].procs};

		if (!c->job[i].exp_end)
			ck_assert_int_eq(backfill_enqueue(s, &e, 0), 0);
	}
}

static void check_starts(const struct bcase *c, enum backfill_kind kind,
	const int *want, const struct backfill_starts *got)
{
	size_t n = 0;

	while (want[n] >= 0)
		n++;
	ck_assert_msg(got->n == n, "%s, %s: %zu jobs started, expected %zu",
		c->name, backfill_name(kind), got->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got->idx[i] == (uint32_t)want[i],
			"%s, %s: start %zu is job %u, expected %d", c->name,
			backfill_name(kind), i, got->idx[i], want[i]);
}

START_TEST(test_one_pass)
{
	static const enum backfill_kind kinds[] = {
		BACKFILL_NONE, BACKFILL_EASY, BACKFILL_CONSERVATIVE};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bcase *c = &cases[i];

		for (size_t k = 0; k < 3; k++) {
			const int *want = kinds[k] == BACKFILL_NONE ? c->none
					  : kinds[k] == BACKFILL_EASY
						  ? c->easy
						  : c->conservative;
			struct backfill_site s;
			struct queue_ranks ranks;
			struct swf_job jobs[MAXJ];
			struct backfill_starts out = {0};
			int64_t used = 0;

			setup(&s, &ranks, jobs, c);
			ck_assert_int_eq(
				backfill_pass(&s, kinds[k], 0, &out), 0);
			check_starts(c, kinds[k], want, &out);
			/* Started jobs left the queue and hold processors. */
			for (size_t r = 0; r < s.nrun; r++)
				used += s.run[r].procs;
			ck_assert_int_eq(s.free, c->machine - used);
			for (size_t r = 0; r + 1 < s.nrun; r++)
				ck_assert(s.run[r].exp_end <=
					  s.run[r + 1].exp_end);
			backfill_starts_free(&out);
			backfill_site_free(&s);
			queue_ranks_free(&ranks);
		}
	}
}
END_TEST

/*
 * Across passes: a job expected to end at 100 ends at 50; conservative
 * moves the head's reservation from 100 to 50 (compression) and starts it
 * then; the next job, reserved behind it, starts at its end.
 */
START_TEST(test_early_end)
{
	static const struct bcase c = {"early end", 4,
		{{4, 0, 100}, {4, 10, 0}, {2, 30, 0}}, {-1}, {-1}, {-1}};
	struct backfill_site s;
	struct queue_ranks ranks;
	struct swf_job jobs[MAXJ];
	struct backfill_starts out = {0};

	setup(&s, &ranks, jobs, &c);
	ck_assert_int_eq(backfill_pass(&s, BACKFILL_CONSERVATIVE, 0, &out), 0);
	ck_assert_int_eq(out.n, 0);
	backfill_job_end(&s, 0, 4, 100, 50);
	ck_assert_int_eq(s.free, 4);
	ck_assert_int_eq(s.nrun, 0);
	ck_assert_int_eq(backfill_pass(&s, BACKFILL_CONSERVATIVE, 50, &out), 0);
	ck_assert_int_eq(out.n, 1);
	ck_assert_int_eq(out.idx[0], 1);
	ck_assert_int_eq(s.run[0].exp_end, 60);
	backfill_job_end(&s, 1, 4, 60, 60);
	ck_assert_int_eq(backfill_pass(&s, BACKFILL_CONSERVATIVE, 60, &out), 0);
	ck_assert_int_eq(out.n, 1);
	ck_assert_int_eq(out.idx[0], 2);
	ck_assert_int_eq(s.free, 2);
	backfill_starts_free(&out);
	backfill_site_free(&s);
	queue_ranks_free(&ranks);
}
END_TEST

/* A conservative pass at now that must start exactly want (-1 ended). */
static void pass_starts(struct backfill_site *s, int64_t now, const int *want)
{
	struct backfill_starts out = {0};
	size_t n = 0;

	ck_assert_int_eq(backfill_pass(s, BACKFILL_CONSERVATIVE, now, &out), 0);
	while (want[n] >= 0)
		n++;
	ck_assert_msg(out.n == n, "at %lld: %zu started, expected %zu",
		(long long)now, out.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out.idx[i] == (uint32_t)want[i],
			"at %lld: started %u, expected %d", (long long)now,
			out.idx[i], want[i]);
	backfill_starts_free(&out);
}

/*
 * Jobs that join the queue ahead of validated reservations, as under SPF.
 * 11 procs; R holds 10 until 100. Queue order: S, A, J, L, B, N. At 0 the
 * one free proc makes the pass plan as far as N (1 proc): A (11 procs,
 * 50 s) at [100, 150), B (5, 100 s) at [150, 250), N (1, 1000 s) at 150.
 * At 10, J (6, 60 s) joins before B: beside B it would wait until 250, but
 * B is behind it: J at 150, B still fits beside it at 150, N moves to 210.
 * At 20, L (4, 40 s) joins before B: L at [150, 190), so B at 190 (5 free
 * until J ends at 210), N at 210. At 30, S (1 proc, 20 s) joins first and
 * fits now: it starts, and every reservation stays. The first two must
 * re-make what is behind them, the third need not.
 */
START_TEST(test_join_ahead)
{
	enum { R, A, J, L, B, N, S, NJOBS };
	static const int32_t procs[NJOBS] = {10, 11, 6, 4, 5, 1, 1};
	static const int64_t est[NJOBS] = {100, 50, 60, 40, 100, 1000, 20};
	static const double key[NJOBS] = {0, 2, 3, 4, 5, 6, 1};
	static const int none[] = {-1}, s30[] = {S, -1}, a100[] = {A, -1},
			 jl150[] = {J, L, -1}, b190[] = {B, -1},
			 n210[] = {N, -1};
	struct swf_job jobs[NJOBS];
	struct queue_entry all[NJOBS];
	struct queue_ranks ranks;
	struct backfill_site s;

	for (uint32_t i = 0; i < NJOBS; i++) {
		jobs[i] = (struct swf_job){.id = i + 1,
			.procs = procs[i],
			.runtime = est[i],
			.estimate = est[i]};
		all[i] = (struct queue_entry){
			.key = key[i], .idx = i, .procs = procs[i]};
	}
	ck_assert_int_eq(queue_ranks_build(&ranks, all, NJOBS), 0);
	ck_assert_int_eq(backfill_site_init(&s, 11, &ranks, jobs, NJOBS), 0);
	s.free = 1;
	s.run = malloc(sizeof(*s.run));
	ck_assert_ptr_nonnull(s.run);
	s.run[0] = (struct backfill_run){.exp_end = 100, .procs = 10, .idx = R};
	s.nrun = s.runcap = 1;

	for (uint32_t i = A; i <= N; i++)
		if (i != J && i != L)
			ck_assert_int_eq(backfill_enqueue(&s, &all[i], 0), 0);
	pass_starts(&s, 0, none);
	ck_assert_int_eq(backfill_enqueue(&s, &all[J], 10), 0);
	pass_starts(&s, 10, none);
	ck_assert_int_eq(backfill_enqueue(&s, &all[L], 20), 0);
	pass_starts(&s, 20, none);
	ck_assert_int_eq(backfill_enqueue(&s, &all[S], 30), 0);
	pass_starts(&s, 30, s30);
	backfill_job_end(&s, S, 1, 50, 50);
	pass_starts(&s, 50, none);
	backfill_job_end(&s, R, 10, 100, 100);
	pass_starts(&s, 100, a100);
	backfill_job_end(&s, A, 11, 150, 150);
	pass_starts(&s, 150, jl150);
	backfill_job_end(&s, L, 4, 190, 190);
	pass_starts(&s, 190, b190);
	backfill_job_end(&s, J, 6, 210, 210);
	pass_starts(&s, 210, n210);
	ck_assert_int_eq(queue_count(&s.queue), 0);
	backfill_site_free(&s);
	queue_ranks_free(&ranks);
}
END_TEST

/*
 * Space shifting asks a site for a job's expected start after another job
 * was queued there at the same instant, before the pass: the walk that
 * answers reserves the queued one to start now, and the pass must start
 * it (it was left queued for ever, its reservation in the past).
 */
START_TEST(test_expected_then_pass)
{
	static const struct bcase c = {"expected, then the pass", 4,
		{{2, 10, 0}, {4, 10, 0}}, {-1}, {-1}, {-1}};
	static const int first[] = {0, -1}, second[] = {1, -1};
	struct backfill_site s;
	struct queue_ranks ranks;
	struct swf_job jobs[MAXJ];
	struct queue_entry e;
	int64_t at;

	setup(&s, &ranks, jobs, &c);
	/* setup queued both: take them out, as if not yet arrived */
	backfill_site_free(&s);
	ck_assert_int_eq(backfill_site_init(&s, 4, &ranks, jobs, 2), 0);
	pass_starts(&s, 0, (const int[]){-1}); /* the plan is made */
	e = (struct queue_entry){.key = 0, .idx = 0, .procs = 2};
	ck_assert_int_eq(backfill_enqueue(&s, &e, 5), 0);
	ck_assert_int_eq(backfill_expected_start(&s, 1, 5, &at), 0);
	ck_assert_int_eq(at, 15);
	pass_starts(&s, 5, first);
	backfill_job_end(&s, 0, 2, 15, 15);
	e = (struct queue_entry){.key = 1, .idx = 1, .procs = 4};
	ck_assert_int_eq(backfill_enqueue(&s, &e, 15), 0);
	pass_starts(&s, 15, second);
	backfill_site_free(&s);
	queue_ranks_free(&ranks);
}
END_TEST

/*
 * Expected start for space shifting: 8 of 10 procs busy until 100, H (10
 * procs) reserved at [100, 150).
 */
START_TEST(test_expected_start)
{
	static const struct bcase c = {"expected", 10,
		{{8, 0, 100}, {10, 50, 0}, {2, 50, 0}, {2, 120, 0}, {3, 10, 0}},
		{-1}, {-1}, {-1}};
	static const struct {
		uint32_t idx;
		int64_t start;
	} want[] = {
		{2, 0},	  /* fits [0, 50) on the 2 free */
		{3, 150}, /* would overlap H's reservation */
		{4, 150}, /* 3 procs: none before 100, H's after */
	};
	struct backfill_site s;
	struct queue_ranks ranks;
	struct swf_job jobs[MAXJ];
	int64_t at;

	setup(&s, &ranks, jobs, &c);
	/* Only H waits: take the others out of the queue. */
	for (size_t pos = 2; pos < 5; pos++)
		queue_remove_at(&s.queue, pos);
	queue_commit(&s.queue);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(
			backfill_expected_start(&s, want[i].idx, 0, &at), 0);
		ck_assert_int_eq(at, want[i].start);
	}
	backfill_site_free(&s);
	queue_ranks_free(&ranks);
}
END_TEST

static double reverse(void *arg, uint32_t idx)
{
	(void)arg;
	return -(double)idx;
}

/* A dynamic queue re-scored before the pass starts in its new order. */
START_TEST(test_dynamic_order)
{
	static const struct swf_job jobs[3] = {
		{.id = 1, .runtime = 10, .estimate = 10, .procs = 2},
		{.id = 2, .runtime = 10, .estimate = 10, .procs = 3},
		{.id = 3, .runtime = 10, .estimate = 10, .procs = 2},
	};
	struct backfill_site s;
	struct backfill_starts out = {0};

	ck_assert_int_eq(backfill_site_init(&s, 5, NULL, jobs, 3), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct queue_entry e = {
			.key = (double)i, .idx = i, .procs = jobs[i].procs};

		ck_assert_int_eq(backfill_enqueue(&s, &e, 0), 0);
	}
	backfill_rescore(&s, reverse, NULL);
	ck_assert_int_eq(backfill_pass(&s, BACKFILL_NONE, 0, &out), 0);
	ck_assert_int_eq(out.n, 2);
	ck_assert_int_eq(out.idx[0], 2);
	ck_assert_int_eq(out.idx[1], 1);
	ck_assert_int_eq(queue_count(&s.queue), 1);
	backfill_starts_free(&out);
	backfill_site_free(&s);
}
END_TEST

START_TEST(test_names)
{
	enum backfill_kind k;

	ck_assert_int_eq(backfill_parse("Conservative", &k), 0);
	ck_assert_int_eq(k, BACKFILL_CONSERVATIVE);
	ck_assert_str_eq(backfill_name(BACKFILL_EASY), "easy");
	ck_assert_int_eq(backfill_parse("fifo", &k), -1);
	ck_assert_int_eq(backfill_parse(NULL, &k), -1);
}
END_TEST

static int64_t estimate_of(const void *jobs, uint32_t idx)
{
	return ((const struct swf_job *)jobs)[idx].estimate;
}

/*
 * The walk's probe narrows by the least estimate from its position on.
 * 4 procs; R holds 2 until 100. Queue order H (4 procs, 100 s), A (2, 50
 * s), B (1, 150 s); A joins at 5. At 0 the walk reserves H at [100, 200);
 * B, 1 proc for 150 s, would meet H: it cannot start now, and the walk
 * stops with H alone planned (a walk that went on while a job was
 * narrower than the processors free now planned B too, at 200). At 5 the
 * walk starts after H, at A: the least estimate from there is A's 50 s,
 * and 2 procs are free over [5, 55): A starts. (The least estimate after
 * A's, B's 150 s, has no room over [5, 155).)
 */
START_TEST(test_walk_least)
{
	static const struct swf_job jobs[4] = {
		{.id = 1, .runtime = 100, .estimate = 100, .procs = 2},
		{.id = 2, .runtime = 100, .estimate = 100, .procs = 4},
		{.id = 3,
			.submit = 5,
			.runtime = 50,
			.estimate = 50,
			.procs = 2},
		{.id = 4, .runtime = 150, .estimate = 150, .procs = 1},
	};
	struct queue_entry all[4];
	struct queue_ranks ranks;
	struct backfill_site s;

	for (uint32_t i = 0; i < 4; i++)
		all[i] = (struct queue_entry){.key = (double)i,
			.submit = jobs[i].submit,
			.idx = i,
			.procs = jobs[i].procs};
	ck_assert_int_eq(queue_ranks_build(&ranks, all, 4), 0);
	ck_assert_int_eq(queue_ranks_least(&ranks, estimate_of, jobs), 0);
	ck_assert_int_eq(backfill_site_init(&s, 4, &ranks, jobs, 4), 0);
	s.free = 2;
	s.run = malloc(sizeof(*s.run));
	ck_assert_ptr_nonnull(s.run);
	s.run[0] = (struct backfill_run){.exp_end = 100, .procs = 2, .idx = 0};
	s.nrun = s.runcap = 1;
	for (uint32_t i = 1; i < 4; i += 2) {
		struct queue_entry e = all[i];

		ck_assert_int_eq(backfill_enqueue(&s, &e, 0), 0);
	}
	pass_starts(&s, 0, (const int[]){-1});
	ck_assert_uint_eq(plan_validated(s.plan), 1);
	ck_assert_int_eq(backfill_enqueue(&s, &all[2], 5), 0);
	pass_starts(&s, 5, (const int[]){2, -1});
	ck_assert_int_eq(s.free, 0);
	backfill_site_free(&s);
	queue_ranks_free(&ranks);
}
END_TEST

enum { EASY_JOBS = 400, EASY_MACHINE = 32 };

/*
 * Two jobs a second, 1 to 32 processors for 1 to 600 s, ordered by their
 * estimate for order 0 (SPF: where the least estimates narrow EASY's walk
 * the most), else by a random key; half the estimates are multiples of 5,
 * so that jobs end exactly at a shadow time.
 */
static void easy_jobs(struct swf_job *jobs, struct queue_entry *all,
	int order, uint64_t *rng)
{
	for (uint32_t i = 0; i < EASY_JOBS; i++) {
		int64_t est = 1 + (int64_t)test_rng_below(rng, 600);

		if (test_rng_below(rng, 2))
			est = 5 + est / 5 * 5;
		jobs[i] = (struct swf_job){.id = i + 1,
			.submit = (int64_t)i / 2,
			.runtime = est,
			.estimate = est,
			.procs = 1 + (int32_t)test_rng_below(rng, EASY_MACHINE)};
		all[i] = (struct queue_entry){
			.key = order == 0 ? (double)est
					  : (double)test_rng_below(rng, 1000),
			.submit = jobs[i].submit,
			.idx = i,
			.procs = jobs[i].procs};
	}
}

/*
 * EASY with the ranks' least estimates (queue_ranks_least: the walk for
 * backfill candidates looks only for jobs narrow enough for the extra
 * processors where no later job can end by the shadow time) starts the
 * same jobs, pass by pass, as without them.
 */
START_TEST(test_easy_least)
{
	static struct swf_job jobs[EASY_JOBS];
	static struct queue_entry all[EASY_JOBS];
	static int64_t end_at[EASY_JOBS];
	struct queue_ranks ranks[2];
	struct backfill_site site[2];
	struct backfill_starts st[2] = {{0}};
	uint64_t rng = 0x5eed0001ULL + (uint64_t)_i;
	uint32_t next = 0, ended = 0;

	memset(end_at, 0, sizeof(end_at));
	easy_jobs(jobs, all, _i % 2, &rng);
	for (int k = 0; k < 2; k++) {
		struct queue_entry copy[EASY_JOBS];

		memcpy(copy, all, sizeof(copy));
		ck_assert_int_eq(
			queue_ranks_build(&ranks[k], copy, EASY_JOBS), 0);
		ck_assert_int_eq(backfill_site_init(&site[k], EASY_MACHINE,
					 &ranks[k], jobs, EASY_JOBS),
			0);
	}
	ck_assert_int_eq(queue_ranks_least(&ranks[0], estimate_of, jobs), 0);
	for (int64_t now = 0; ended < EASY_JOBS; now++) {
		/* check marks each assertion's point in a file: not in here */
		for (uint32_t i = 0; i < EASY_JOBS; i++) {
			if (!end_at[i] || end_at[i] != now)
				continue;
			for (int k = 0; k < 2; k++)
				backfill_job_end(
					&site[k], i, jobs[i].procs, now, now);
			ended++;
		}
		for (; next < EASY_JOBS && jobs[next].submit == now; next++)
			for (int k = 0; k < 2; k++)
				if (backfill_enqueue(&site[k], &all[next], now) <
					0)
					ck_abort_msg("enqueue failed");
		for (int k = 0; k < 2; k++)
			if (backfill_pass(&site[k], BACKFILL_EASY, now,
				    &st[k]) < 0)
				ck_abort_msg("pass failed");
		if (st[0].n != st[1].n ||
			memcmp(st[0].idx, st[1].idx,
				st[0].n * sizeof(*st[0].idx)))
			ck_abort_msg("at %lld: %zu jobs started with the least "
				     "estimates, %zu without",
				(long long)now, st[0].n, st[1].n);
		for (size_t i = 0; i < st[0].n; i++)
			end_at[st[0].idx[i]] = now + jobs[st[0].idx[i]].estimate;
		if (now >= 1000000)
			ck_abort_msg("jobs left at %lld", (long long)now);
	}
	for (int k = 0; k < 2; k++) {
		backfill_starts_free(&st[k]);
		backfill_site_free(&site[k]);
		queue_ranks_free(&ranks[k]);
	}
}
END_TEST

enum { CONS_JOBS = EASY_JOBS, CONS_MACHINE = EASY_MACHINE };

/*
 * The plan of a conservative pass at now, from scratch, into f: each
 * queued job in turn at its earliest fit beside the running jobs and the
 * ones before it. Those whose fit is now, in queue order, into want (if
 * not NULL): the jobs the pass must start. Their count.
 */
static size_t fresh_plan(const struct backfill_site *s, int64_t now,
	struct profile *f, uint32_t *want)
{
	size_t pos = 0, n = 0;
	uint32_t idx;

	/* check marks each assertion's point in a file: not in hot loops */
	if (profile_reset(f, now, s->free) < 0)
		ck_abort_msg("out of memory");
	for (size_t k = 0; k < s->nrun; k++)
		if (profile_release(f, s->run[k].exp_end, s->run[k].procs) <
			0)
			ck_abort_msg("out of memory");
	for (; (idx = queue_next(&s->queue, &pos, INT64_MAX)) != QUEUE_NONE;
		pos++) {
		const struct swf_job *j = &s->jobs[idx];
		int64_t at = profile_earliest(f, j->procs, j->estimate);

		if (at == now && want)
			want[n++] = idx;
		if (profile_reserve(f, at, j->estimate, j->procs) < 0)
			ck_abort_msg("out of memory");
	}
	return n;
}

/*
 * Space shifting asks each site, before a job joins one, when it could
 * start there (backfill_expected_start, which validates the site's whole
 * plan): for job idx, not queued, the answer must be its earliest fit
 * behind the whole queue planned from scratch.
 */
static void check_expected(struct backfill_site *s, uint32_t idx, int64_t now)
{
	struct profile f = {0};
	const struct swf_job *j = &s->jobs[idx];
	int64_t start, fresh;

	(void)fresh_plan(s, now, &f, NULL);
	fresh = profile_earliest(&f, j->procs, j->estimate);
	profile_free(&f);
	if (backfill_expected_start(s, idx, now, &start) < 0)
		ck_abort_msg("expected start failed");
	if (start != fresh)
		ck_abort_msg("job %u at %lld: expected start %lld, from scratch "
			     "%lld",
			idx, (long long)now, (long long)start,
			(long long)fresh);
}

/* A dynamic queue's order, changing every 50 s. */
static double shuffled(void *arg, uint32_t idx)
{
	uint64_t h = ((uint64_t)idx + 1) * 0x9e3779b97f4a7c15ULL ^
		     (uint64_t)(*(const int64_t *)arg / 50);

	return (double)(test_rng_next(&h) % 1000);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Conservative backfilling keeps its plan between passes and stops each
 * pass's walk where no later job could start now (narrower than the room
 * over the least estimate left, where the ranks have them). Pass by pass,
 * over 400 jobs of 1 to 32 processors, most ending before their estimate,
 * it starts exactly the jobs a plan made from scratch starts. Orders: 0,
 * by estimate (SPF) with the least estimates; 1, random with them; 2,
 * random without; 3, a dynamic queue re-ordered every 50 s. Variants (_i
 * / 4): 0, each job queued at its submit; 1, a quarter of them queued up
 * to a minute before it (a job known in advance, --max-advance: it may
 * start before its submit); 2, also before every pass the expected start
 * of the next job to join, as space shifting asks each site, which plans
 * the whole queue between two passes.
 */
START_TEST(test_conservative_fresh)
{
	static struct swf_job jobs[CONS_JOBS];
	static struct queue_entry all[CONS_JOBS];
	static int64_t end_at[CONS_JOBS], joins_at[CONS_JOBS];
	static uint32_t want[CONS_JOBS];
	static bool queued[CONS_JOBS];
	int order = _i % 4, variant = _i / 4;
	struct queue_ranks ranks = {0};
	struct backfill_site site;
	struct backfill_starts st = {0};
	uint64_t rng = 0xc0de0001ULL + (uint64_t)_i;
	uint32_t nqueued = 0, ended = 0, started = 0, early = 0;
	size_t passes = 0, asked = 0;

	memset(end_at, 0, sizeof(end_at));
	memset(queued, 0, sizeof(queued));
	easy_jobs(jobs, all, order == 0 ? 0 : 1, &rng);
	for (uint32_t i = 0; i < CONS_JOBS; i++) {
		jobs[i].submit = (int64_t)i * 3;
		all[i].submit = jobs[i].submit;
		if (test_rng_below(&rng, 4))
			jobs[i].runtime = 1 + (int64_t)test_rng_below(
						      &rng, (uint64_t)jobs[i].estimate);
		joins_at[i] = jobs[i].submit;
		if (variant > 0 && test_rng_below(&rng, 4) == 0)
			joins_at[i] -= 1 + (int64_t)test_rng_below(&rng, 60);
	}
	if (order == 3) {
		ck_assert_int_eq(backfill_site_init(&site, CONS_MACHINE, NULL,
					 jobs, CONS_JOBS),
			0);
	} else {
		struct queue_entry copy[CONS_JOBS];

		memcpy(copy, all, sizeof(copy));
		ck_assert_int_eq(
			queue_ranks_build(&ranks, copy, CONS_JOBS), 0);
		if (order < 2)
			ck_assert_int_eq(
				queue_ranks_least(&ranks, estimate_of, jobs), 0);
		ck_assert_int_eq(backfill_site_init(&site, CONS_MACHINE,
					 &ranks, jobs, CONS_JOBS),
			0);
	}
	/* the first jobs known in advance are queued at negative times */
	for (int64_t now = -60; ended < CONS_JOBS; now++) {
		bool event = false;
		size_t n;

		for (uint32_t i = 0; i < CONS_JOBS; i++) {
			if (!end_at[i] || end_at[i] != now)
				continue;
			backfill_job_end(&site, i, jobs[i].procs,
				now - jobs[i].runtime + jobs[i].estimate, now);
			ended++;
			event = true;
		}
		for (uint32_t i = 0; i < CONS_JOBS; i++) {
			if (queued[i] || joins_at[i] != now)
				continue;
			if (backfill_enqueue(&site, &all[i], now) < 0)
				ck_abort_msg("enqueue failed");
			queued[i] = true;
			nqueued++;
			early += now < jobs[i].submit;
			event = true;
		}
		if (!event)
			continue;
		if (order == 3)
			backfill_rescore(&site, shuffled, &now);
		if (variant == 2 && nqueued < CONS_JOBS) {
			uint32_t ask = 0;

			while (queued[ask])
				ask++;
			check_expected(&site, ask, now);
			asked++;
		}
		{
			struct profile f = {0};

			n = fresh_plan(&site, now, &f, want);
			profile_free(&f);
		}
		if (backfill_pass(&site, BACKFILL_CONSERVATIVE, now, &st) < 0)
			ck_abort_msg("pass failed");
		qsort(st.idx, st.n, sizeof(*st.idx), cmp_u32);
		qsort(want, n, sizeof(*want), cmp_u32);
		if (st.n != n || memcmp(st.idx, want, n * sizeof(*want)))
			ck_abort_msg("order %d at %lld: %zu jobs started, %zu "
				     "from scratch",
				order, (long long)now, st.n, n);
		for (size_t i = 0; i < st.n; i++)
			end_at[st.idx[i]] = now + jobs[st.idx[i]].runtime;
		started += (uint32_t)st.n;
		passes++;
		if (now >= 1000000)
			ck_abort_msg("order %d: jobs left at %lld", order,
				(long long)now);
	}
	/* every job ran, and the passes were many */
	ck_assert_int_eq(started, CONS_JOBS);
	ck_assert_uint_gt(passes, CONS_JOBS);
	/* the variants did what they say */
	if (variant > 0)
		ck_assert_uint_gt(early, CONS_JOBS / 8);
	if (variant == 2)
		ck_assert_uint_gt(asked, CONS_JOBS / 2);
	backfill_starts_free(&st);
	backfill_site_free(&site);
	queue_ranks_free(&ranks);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backfill");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_one_pass);
	tcase_add_test(tc, test_early_end);
	tcase_add_test(tc, test_join_ahead);
	tcase_add_test(tc, test_expected_then_pass);
	tcase_add_test(tc, test_expected_start);
	tcase_add_test(tc, test_dynamic_order);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_walk_least);
	tcase_add_loop_test(tc, test_easy_least, 0, 8);
	tcase_add_loop_test(tc, test_conservative_fresh, 0, 12);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
