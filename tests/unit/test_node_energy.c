/*
 * test_node_energy.c: table-driven tests of epochs, records and the retry
 * backoff (node_energy.c): a record is known exactly when no break lies
 * inside its interval, with energies worked out by hand.
 */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "node_energy.h"

#define S RAPL_NS_PER_S
#define J RAPL_UJ_PER_J
#define UNKNOWN UINT64_MAX
#define UNSET (UINT64_MAX - 1) /* the record was not started yet */

enum op { BEGIN, UPDATE, FAIL, START_A, START_B };

/* One event, then what records A and B must show (uJ, or as above). */
struct step {
	enum op op;
	uint64_t total_uj; /* BEGIN, UPDATE: the zones' total */
	int64_t t_s;	   /* BEGIN, UPDATE, FAIL */
	uint64_t a, b;
};

struct epoch_case {
	const char *name;
	struct step steps[10];
	size_t n;
};

static const struct epoch_case epoch_cases[] = {
	{"continuous readings",
		{{BEGIN, 0, 0, UNSET, UNSET}, {START_A, 0, 0, 0, UNSET},
			{UPDATE, 100 * J, 1, 100 * J, UNSET},
			{UPDATE, 250 * J, 2, 250 * J, UNSET},
			{START_B, 0, 0, 250 * J, 0},
			{UPDATE, 300 * J, 3, 300 * J, 50 * J}},
		6},
	/* A rejected or uncertain delta: a new epoch at the same reading;
	 * A spans it and is unknown for good, B starts after it. */
	{"break while readable",
		{{BEGIN, 0, 0, UNSET, UNSET}, {START_A, 0, 0, 0, UNSET},
			{UPDATE, 100 * J, 1, 100 * J, UNSET},
			{BEGIN, 100 * J, 2, UNKNOWN, UNSET},
			{START_B, 0, 0, UNKNOWN, 0},
			{UPDATE, 150 * J, 3, UNKNOWN, 50 * J},
			{UPDATE, 990 * J, 9, UNKNOWN, 890 * J}},
		7},
	/* A read fails; B starts while down; the zones reopen (their
	 * total restarts at 0): A and B stay unknown, a record started
	 * after the reopen is right. */
	{"read failure, then recovery",
		{{BEGIN, 0, 0, UNSET, UNSET}, {START_A, 0, 0, 0, UNSET},
			{UPDATE, 100 * J, 1, 100 * J, UNSET},
			{FAIL, 0, 2, UNKNOWN, UNSET},
			{START_B, 0, 0, UNKNOWN, UNKNOWN},
			{BEGIN, 0, 5, UNKNOWN, UNKNOWN},
			{UPDATE, 40 * J, 6, UNKNOWN, UNKNOWN},
			{START_A, 0, 0, 0, UNKNOWN},
			{UPDATE, 100 * J, 7, 60 * J, UNKNOWN}},
		9},
	/* Started before the zones were ever read: never known. */
	{"record older than the first reading",
		{{START_A, 0, 0, UNKNOWN, UNSET}, {BEGIN, 0, 1, UNKNOWN, UNSET},
			{UPDATE, 10 * J, 2, UNKNOWN, UNSET}},
		3},
	/* Two failures in a row are one gap: one reopen ends it. */
	{"repeated failures",
		{{BEGIN, 7, 0, UNSET, UNSET}, {START_A, 0, 0, 0, UNSET},
			{FAIL, 0, 1, UNKNOWN, UNSET},
			{FAIL, 0, 2, UNKNOWN, UNSET},
			{BEGIN, 0, 4, UNKNOWN, UNSET},
			{START_B, 0, 0, UNKNOWN, 0},
			{UPDATE, 1, 5, UNKNOWN, 1}},
		7},
};

/* What a record shows: its energy, UNKNOWN, or UNSET. */
static uint64_t shown(bool started, const struct node_energy_record *r,
	const struct node_energy *n)
{
	uint64_t uj;

	if (!started)
		return UNSET;
	return node_energy_record_uj(r, n, &uj) ? UNKNOWN : uj;
}

START_TEST(test_epoch_cases)
{
	size_t i, k;

	for (i = 0; i < sizeof(epoch_cases) / sizeof(epoch_cases[0]); i++) {
		const struct epoch_case *tc = &epoch_cases[i];
		struct node_energy n;
		struct node_energy_record a, b;
		bool has_a = false, has_b = false;

		node_energy_init(&n);
		for (k = 0; k < tc->n; k++) {
			const struct step *st = &tc->steps[k];

			switch (st->op) {
			case BEGIN:
				node_energy_begin(
					&n, st->total_uj, st->t_s * S);
				break;
			case UPDATE:
				node_energy_update(
					&n, st->total_uj, st->t_s * S);
				break;
			case FAIL:
				node_energy_fail(&n, st->t_s * S);
				break;
			case START_A:
				node_energy_record_start(&a, &n);
				has_a = true;
				break;
			case START_B:
				node_energy_record_start(&b, &n);
				has_b = true;
				break;
			}
			ck_assert_msg(shown(has_a, &a, &n) == st->a,
				"%s: step %zu: A shows %" PRIu64
				", expected %" PRIu64,
				tc->name, k, shown(has_a, &a, &n), st->a);
			ck_assert_msg(shown(has_b, &b, &n) == st->b,
				"%s: step %zu: B shows %" PRIu64
				", expected %" PRIu64,
				tc->name, k, shown(has_b, &b, &n), st->b);
		}
	}
}
END_TEST

START_TEST(test_backoff)
{
	static const struct {
		unsigned failures;
		int64_t seconds;
	} cases[] = {
		{1, 1},
		{2, 2},
		{3, 4},
		{4, 8},
		{5, 16},
		{6, 32},
		{7, 60},
		{8, 60},
		{64, 60},
		{UINT_MAX, 60},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(node_energy_backoff_s(cases[i].failures) ==
				      cases[i].seconds,
			"%u failures: %" PRId64 " s, expected %" PRId64,
			cases[i].failures,
			node_energy_backoff_s(cases[i].failures),
			cases[i].seconds);
}
END_TEST

/* The next attempt is due exactly one backoff after each failure. */
START_TEST(test_retry_schedule)
{
	/* Failure times (ms) and the backoff each one sets (s). */
	static const struct {
		int64_t t_ms, backoff_s;
	} fails[] = {{10000, 1}, {11000, 2}, {13500, 4}, {17500, 8},
		{40000, 16}, {60000, 32}, {100000, 60}, {200000, 60}};
	struct node_energy n;
	size_t i;

	node_energy_init(&n);
	ck_assert(node_energy_retry_due(&n, 0));
	for (i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		int64_t t = fails[i].t_ms * (S / 1000);
		int64_t due = t + fails[i].backoff_s * S;

		ck_assert_int_eq(node_energy_fail(&n, t), fails[i].backoff_s);
		ck_assert(!node_energy_retry_due(&n, due - 1));
		ck_assert(node_energy_retry_due(&n, due));
		ck_assert_uint_eq(n.failures, i + 1);
		/* The gap began at the first failure. */
		ck_assert_int_eq(n.down_ns, 10 * S);
	}
	/* Success resets the count; the next failure waits 1 s again. */
	node_energy_begin(&n, 0, 300 * S);
	ck_assert(!node_energy_retry_due(&n, 300 * S));
	ck_assert_uint_eq(n.failures, 0);
	ck_assert_int_eq(node_energy_fail(&n, 310 * S), 1);
	ck_assert_int_eq(n.down_ns, 310 * S);
}
END_TEST

START_TEST(test_watts)
{
	struct node_energy n;
	struct node_energy_record a, b;
	double w;

	node_energy_init(&n);
	ck_assert_int_eq(node_energy_current_watts(&n, &w), -1);
	node_energy_begin(&n, 0, 0);
	node_energy_record_start(&a, &n);
	/* One reading: no interval yet. */
	ck_assert_int_eq(node_energy_current_watts(&n, &w), -1);
	ck_assert_int_eq(node_energy_epoch_watts(&n, &w), -1);
	node_energy_update(&n, 100 * J, 1 * S);
	node_energy_record_start(&b, &n);
	node_energy_update(&n, 300 * J, 2 * S);
	ck_assert_int_eq(node_energy_current_watts(&n, &w), 0);
	ck_assert_double_eq_tol(w, 200.0, 1e-9);
	ck_assert_int_eq(node_energy_epoch_watts(&n, &w), 0);
	ck_assert_double_eq_tol(w, 150.0, 1e-9);
	ck_assert_int_eq(node_energy_record_watts(&a, &n, &w), 0);
	ck_assert_double_eq_tol(w, 150.0, 1e-9);
	ck_assert_int_eq(node_energy_record_watts(&b, &n, &w), 0);
	ck_assert_double_eq_tol(w, 200.0, 1e-9);
	/* A break: the new epoch has no interval, A and B are unknown. */
	node_energy_begin(&n, 300 * J, 3 * S);
	ck_assert_int_eq(node_energy_current_watts(&n, &w), -1);
	ck_assert_int_eq(node_energy_record_watts(&a, &n, &w), -1);
	node_energy_update(&n, 350 * J, 4 * S);
	ck_assert_int_eq(node_energy_current_watts(&n, &w), 0);
	ck_assert_double_eq_tol(w, 50.0, 1e-9);
	node_energy_fail(&n, 5 * S);
	ck_assert_int_eq(node_energy_current_watts(&n, &w), -1);
	ck_assert_int_eq(node_energy_epoch_watts(&n, &w), -1);
}
END_TEST

/*
 * The split by source: a record's package, dram and GPU energy from its
 * start, known exactly when its total is; power by source over the
 * meter's last interval (readings closer than RAPL_METER_MIN_NS extend
 * it, as for the total).
 */
#define SPLIT(p, d, g) ((struct node_energy_split){p * J, d * J, g * J})

START_TEST(test_split)
{
	struct node_energy n;
	struct node_energy_record a, b;
	struct node_energy_split sp;
	double pw, dw, gw;
	uint64_t uj;

	node_energy_init(&n);
	node_energy_begin_split(&n, &SPLIT(0, 0, 0), 0);
	node_energy_record_start(&a, &n);
	ck_assert_int_eq(
		node_energy_current_split_watts(&n, &pw, &dw, &gw), -1);
	node_energy_update_split(&n, &SPLIT(100, 10, 300), 1 * S);
	node_energy_record_start(&b, &n);
	node_energy_update_split(&n, &SPLIT(250, 30, 900), 3 * S);
	ck_assert_int_eq(node_energy_record_split(&a, &n, &sp), 0);
	ck_assert_uint_eq(sp.package_uj, 250 * J);
	ck_assert_uint_eq(sp.dram_uj, 30 * J);
	ck_assert_uint_eq(sp.gpu_uj, 900 * J);
	ck_assert_int_eq(node_energy_record_uj(&a, &n, &uj), 0);
	ck_assert_uint_eq(uj, 1180 * J);
	ck_assert_uint_eq(uj, node_energy_split_total(&sp));
	ck_assert_int_eq(node_energy_record_split(&b, &n, &sp), 0);
	ck_assert_uint_eq(sp.package_uj, 150 * J);
	ck_assert_uint_eq(sp.dram_uj, 20 * J);
	ck_assert_uint_eq(sp.gpu_uj, 600 * J);
	ck_assert_int_eq(node_energy_current_split_watts(&n, &pw, &dw, &gw), 0);
	ck_assert_double_eq_tol(pw, 75.0, 1e-9);
	ck_assert_double_eq_tol(dw, 10.0, 1e-9);
	ck_assert_double_eq_tol(gw, 300.0, 1e-9);
	/* 50 ms later: the interval grows to 2.05 s, as the total's. */
	node_energy_update_split(&n, &SPLIT(251, 30, 910), 3 * S + S / 20);
	ck_assert_int_eq(node_energy_current_split_watts(&n, &pw, &dw, &gw), 0);
	ck_assert_double_eq_tol(pw, 151.0 / 2.05, 1e-9);
	ck_assert_double_eq_tol(gw, 610.0 / 2.05, 1e-9);
	ck_assert_int_eq(node_energy_current_watts(&n, &pw), 0);
	ck_assert_double_eq_tol(pw, 781.0 / 2.05, 1e-9);
	/* A break: both records unknown, by source too. */
	node_energy_begin_split(&n, &SPLIT(251, 30, 910), 4 * S);
	ck_assert_int_eq(node_energy_record_split(&a, &n, &sp), -1);
	ck_assert_int_eq(node_energy_record_split(&b, &n, &sp), -1);
	ck_assert_int_eq(
		node_energy_current_split_watts(&n, &pw, &dw, &gw), -1);
	/* The plain calls count everything as package. */
	node_energy_begin(&n, 5 * J, 5 * S);
	node_energy_record_start(&a, &n);
	node_energy_update(&n, 12 * J, 6 * S);
	ck_assert_int_eq(node_energy_record_split(&a, &n, &sp), 0);
	ck_assert_uint_eq(sp.package_uj, 7 * J);
	ck_assert_uint_eq(sp.dram_uj + sp.gpu_uj, 0);
	node_energy_fail(&n, 7 * S);
	ck_assert_int_eq(node_energy_record_split(&a, &n, &sp), -1);
}
END_TEST

static Suite *node_energy_suite(void)
{
	Suite *s = suite_create("node_energy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_epoch_cases);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_retry_schedule);
	tcase_add_test(tc, test_watts);
	tcase_add_test(tc, test_split);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(node_energy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
