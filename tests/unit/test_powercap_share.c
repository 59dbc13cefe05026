/*
 * test_powercap_share.c: PowercapShare=cpu's arithmetic (cpu_share.c):
 * /proc/stat and /proc/PID/stat parsing, a step's CPU time across
 * processes that come, go and are reaped, and the attribution of each
 * interval's energy, against values worked out by hand.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_share.h"

#define S RAPL_NS_PER_S
#define J RAPL_UJ_PER_J

struct stat_case {
	const char *text;
	int rc;
	uint64_t busy, total;
};

static const struct stat_case stat_cases[] = {
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	{"cpu  100 2 30 1000 7 1 2 3 50 0\ncpu0 1 2 3 4\nintr 5\n", 0, 138,
		1145},
	{"cpu 10 0 5 100\n", 0, 15, 115},
	{"cpu0 10 0 5 100\n", -1, 0, 0},
	{"cpu 10 0 5\n", -1, 0, 0},
	{"garbage", -1, 0, 0},
	{"", -1, 0, 0},
};

START_TEST(test_parse_stat)
{
	size_t i;

	for (i = 0; i < sizeof(stat_cases) / sizeof(stat_cases[0]); i++) {
		const struct stat_case *tc = &stat_cases[i];
		struct sc_error err = {{0}};
		uint64_t busy = 0, total = 0;
		int rc = cpu_share_parse_stat(tc->text, &busy, &total, &err);

		ck_assert_msg(rc == tc->rc, "case %zu: rc %d", i, rc);
		if (rc)
			ck_assert_str_eq(err.text, "no cpu line");
		else
			ck_assert_msg(busy == tc->busy && total == tc->total,
				"case %zu: busy %" PRIu64 " total %" PRIu64, i,
				busy, total);
	}
}
END_TEST

struct pid_case {
	const char *text;
	int rc;
	int pid, ppid;
	uint64_t start, ticks;
};

static const struct pid_case pid_cases[] = {
	{"4242 (bash) S 4200 4242 4242 0 -1 4194560 100 0 0 0 11 22 33 44 20 "
	 "0 1 0 987654 1000 200",
		0, 4242, 4200, 987654, 110},
	/* A command with spaces and parentheses. */
	{"7 (a) b) (c) R 1 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 55 0 0", 0, 7, 1,
		55, 10},
	{"7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 2 -3 4 20 0 1 0 55 0 0", -1, 0, 0, 0,
		0},
	{"7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 2", -1, 0, 0, 0, 0},
	{"7 x R 1", -1, 0, 0, 0, 0},
	{"", -1, 0, 0, 0, 0},
};

START_TEST(test_parse_pid_stat)
{
	struct cpu_share_proc p;
	size_t i;

	for (i = 0; i < sizeof(pid_cases) / sizeof(pid_cases[0]); i++) {
		const struct pid_case *tc = &pid_cases[i];

		errno = 0;
		ck_assert_msg(cpu_share_parse_pid_stat(tc->text, &p) == tc->rc,
			"case %zu", i);
		if (tc->rc) {
			ck_assert_int_eq(errno, EINVAL);
			continue;
		}
		ck_assert_int_eq(p.pid, tc->pid);
		ck_assert_int_eq(p.ppid, tc->ppid);
		ck_assert_uint_eq(p.start, tc->start);
		ck_assert_uint_eq(p.cpu_ns, tc->ticks);
	}
	/* This process, and one that is not there. */
	ck_assert_int_eq(cpu_share_read_proc((int)getpid(), &p), 0);
	ck_assert_int_eq(p.pid, (int)getpid());
	ck_assert_int_eq(p.ppid, (int)getppid());
	ck_assert_int_eq(cpu_share_read_proc(INT32_MAX, &p), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/*
 * The CPU time of a step whose stepd (pid 1000, self) runs task 1001,
 * which forks 1002 and 1003; each row is a snapshot (pid, ppid, start,
 * CPU) and the CPU time of stepd's reaped children, then the step's CPU
 * time since the first snapshot, by hand.
 */
#define P(pid, ppid, start, cpu)                                               \
	{                                                                      \
		pid, ppid, start, cpu                                          \
	}
struct snap {
	struct cpu_share_proc procs[4];
	size_t n;
	uint64_t reaped;
	uint64_t cpu;
	const char *why;
};

static const struct snap snaps[] = {
	{{P(1001, 1000, 1, 50), P(1002, 1001, 2, 20)}, 2, 0, 0, "baseline"},
	{{P(1001, 1000, 1, 60), P(1002, 1001, 2, 45), P(1003, 1001, 3, 5)}, 3,
		0, 40, "+10 +25, and 1003 born with 5"},
	/* 1002 ends at 50 and 1001 reaps it: 1001 = 60 + 2 own + 50. */
	{{P(1001, 1000, 1, 112), P(1003, 1001, 3, 5)}, 2, 0, 47,
		"+2 own +5 of 1002's last interval"},
	/* 1003 ends at 8, reaped by 1001 (120); stepd itself listed. */
	{{P(1000, 1, 0, 999), P(1001, 1000, 1, 120)}, 2, 0, 50, "+3"},
	/* 1001 ends at 125, reaped by stepd: its rusage grows by 125. */
	{{{0}}, 0, 125, 55, "+5"},
	/* A reused pid (new start time) is a new process. */
	{{P(1001, 1000, 9, 7)}, 1, 125, 62, "+7"},
	/* 1004 born and gone between snapshots: stepd reaped it (4). */
	{{P(1001, 1000, 9, 7)}, 1, 129, 66, "+4"},
	/* 1005 seen, then reparented away and gone: its last part is lost,
	 * nothing is taken off (its parent 77 was never a member). */
	{{P(1001, 1000, 9, 7), P(1005, 77, 10, 30)}, 2, 129, 96, "+30"},
	{{P(1001, 1000, 9, 8)}, 1, 129, 97, "+1"},
};

START_TEST(test_tracker)
{
	struct cpu_share_tracker t;
	size_t i;

	cpu_share_tracker_init(&t, 1000);
	for (i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++) {
		const struct snap *sn = &snaps[i];

		ck_assert_int_eq(cpu_share_tracker_update(
					 &t, sn->procs, sn->n, sn->reaped),
			0);
		ck_assert_msg(t.cpu_ns == sn->cpu,
			"snapshot %zu (%s): %" PRIu64 ", expected %" PRIu64, i,
			sn->why, t.cpu_ns, sn->cpu);
	}
	cpu_share_tracker_free(&t);
	cpu_share_tracker_free(&t);
}
END_TEST

/*
 * The attribution, interval by interval, of a node drawing E over t
 * seconds, with 40 W idle, to a step with 1 of 4 CPUs: (E - I) x c / b
 * plus I x 1/4 when it holds the allocation.
 */
struct interval {
	uint64_t e_j;	 /* the node's energy over the interval */
	uint64_t c, b;	 /* the step's and the node's CPU (ms) */
	double holder_j; /* attributed since the start, holder */
	double other_j;	 /* and not holding the idle share */
};

static const struct interval intervals[] = {
	/* idle 40, dynamic 60 x 0.25 = 15; + 40 / 4 */
	{100, 500, 2000, 25, 15},
	/* 30 J is below idle: all idle, 7.5 */
	{30, 500, 2000, 32.5, 15},
	/* the node not busy at all: idle only */
	{100, 0, 0, 42.5, 15},
	/* the step busier than the node says: capped at all of it */
	{100, 3000, 1000, 112.5, 75},
	/* a quiet step on a busy node */
	{240, 0, 2000, 122.5, 75},
};

START_TEST(test_record)
{
	struct cpu_share_params hold = {40 * J, 1, 4, true};
	struct cpu_share_params other = {40 * J, 1, 4, false};
	struct cpu_share_record h, o;
	struct node_energy n;
	uint64_t total = 0, c = 0, b = 0, uj;
	double cur, ave;
	size_t i;

	node_energy_init(&n);
	node_energy_begin(&n, 0, 0);
	cpu_share_record_start(&h, &n, 0, 0);
	cpu_share_record_start(&o, &n, 0, 0);
	for (i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++) {
		const struct interval *iv = &intervals[i];

		total += iv->e_j * J;
		c += iv->c * 1000000;
		b += iv->b * 1000000;
		node_energy_update(&n, total, (int64_t)(i + 1) * S);
		cpu_share_record_update(&h, &n, c, b, &hold);
		cpu_share_record_update(&o, &n, c, b, &other);
		/* A second call without a new reading changes nothing. */
		cpu_share_record_update(&h, &n, c, b, &hold);
		ck_assert_int_eq(cpu_share_record_uj(&h, &n, &uj), 0);
		ck_assert_msg(uj == (uint64_t)(iv->holder_j * J),
			"interval %zu: holder %" PRIu64 " uJ", i, uj);
		ck_assert_int_eq(cpu_share_record_uj(&o, &n, &uj), 0);
		ck_assert_msg(uj == (uint64_t)(iv->other_j * J),
			"interval %zu: other %" PRIu64 " uJ", i, uj);
	}
	ck_assert_int_eq(cpu_share_record_watts(&h, &n, &cur, &ave), 0);
	ck_assert_double_eq_tol(cur, 10.0, 1e-9);
	ck_assert_double_eq_tol(ave, 122.5 / 5, 1e-9);
	ck_assert_double_eq_tol(h.dyn_uj, 75.0 * J, 1e-3);
	ck_assert_double_eq_tol(h.idle_uj, 47.5 * J, 1e-3);
	ck_assert_double_eq_tol(h.cpu_ns, 4.0 * S, 1e-3);
	ck_assert_double_eq_tol(h.busy_ns, 7.0 * S, 1e-3);

	/* A break in the node's continuity: unknown for good. */
	node_energy_begin(&n, total, 6 * S);
	node_energy_update(&n, total + J, 7 * S);
	cpu_share_record_update(&h, &n, c, b, &hold);
	ck_assert_int_eq(cpu_share_record_uj(&h, &n, &uj), -1);
	ck_assert_int_eq(cpu_share_record_watts(&h, &n, &cur, &ave), -1);
	/* A record started in the new epoch is known, until a CPU time
	 * cannot be read. */
	cpu_share_record_start(&o, &n, c, b);
	node_energy_update(&n, total + 101 * J, 8 * S);
	cpu_share_record_update(&o, &n, c + S, b + S, &hold);
	ck_assert_int_eq(cpu_share_record_uj(&o, &n, &uj), 0);
	ck_assert_uint_eq(uj, 70 * J);
	cpu_share_record_break(&o);
	ck_assert_int_eq(cpu_share_record_uj(&o, &n, &uj), -1);
	/* Several steps on one node never get more than it drew: 1 CPU
	 * each of 2, their CPU times adding up to the node's. */
	{
		struct cpu_share_params half = {40 * J, 1, 2, true};
		struct cpu_share_record x, y;
		uint64_t ux, uy;

		node_energy_begin(&n, 0, 0);
		cpu_share_record_start(&x, &n, 0, 0);
		cpu_share_record_start(&y, &n, 0, 0);
		node_energy_update(&n, 130 * J, S);
		cpu_share_record_update(&x, &n, 900000000, S, &half);
		cpu_share_record_update(&y, &n, 100000000, S, &half);
		ck_assert_int_eq(cpu_share_record_uj(&x, &n, &ux), 0);
		ck_assert_int_eq(cpu_share_record_uj(&y, &n, &uy), 0);
		/* 90 J dynamic: 81 + 20 and 9 + 20 */
		ck_assert_uint_eq(ux, 101 * J);
		ck_assert_uint_eq(uy, 29 * J);
	}
}
END_TEST

/* The node's busy time from a file; errors name it. */
START_TEST(test_node_busy)
{
	struct sc_error err = {{0}};
	char path[] = "/tmp/test_powercap_share.XXXXXX";
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t busy;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "cpu  100 0 50 900 0 0 0 0 0 0\n", 31), 31);
	close(fd);
	ck_assert_int_eq(cpu_share_node_busy(path, &busy, &err), 0);
	ck_assert_uint_eq(busy, 150 * (uint64_t)(S / hz));
	unlink(path);
	ck_assert_int_eq(cpu_share_node_busy(path, &busy, &err), -1);
	ck_assert_msg(
		strstr(err.text, "No such file or directory"), "%s", err.text);
	ck_assert_int_eq(cpu_share_node_busy("/proc/stat", &busy, NULL), 0);
	ck_assert_uint_gt(busy, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_share");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse_stat);
	tcase_add_test(tc, test_parse_pid_stat);
	tcase_add_test(tc, test_tracker);
	tcase_add_test(tc, test_record);
	tcase_add_test(tc, test_node_busy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
