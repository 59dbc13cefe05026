/*
 * bench_sim.c: carbonsim end to end (reading the SWF text, replay, metrics,
 * output) under every policy and backfilling mode; prints each figure.
 *
 * The traces are tests/data/lublin_256.swf repeated, written as SWF text
 * (the original lines, with new job numbers and submit times): copies
 * separated by a 30-day gap, so that each keeps the original's load, or
 * back to back (overloaded: the queue grows for the whole trace). Each run
 * is the real command, sched/carbonsim/carbonsim TRACE --policy P
 * --backfill B, timed by its CPU time (user + system, from wait4: a busy
 * machine inflates it less than the wall time, which is printed too) with
 * its peak RSS. Each row is run 3 times (BENCH_SIM_RUNS), the 10^7 rows
 * once: on CI's shared machines one run of the same code has ranged over
 * 30 % (0.99 and 1.33 s), so a row near a bound crossed it in one run and
 * not the next.
 *
 * The goal is issue 9's: 1 s of CPU for 10^6 jobs, any policy and
 * backfilling. Not every combination meets it yet, so each row has two
 * bounds: the goal, scaled to the row's jobs ("over goal" is said, and
 * does not fail), and a guard that fails the benchmark, so that a
 * regression (a lost incremental plan, a quadratic pass) turns CI red.
 * Rows and their sizes follow what runs in reasonable time today (the
 * figures are the carbonsim guide's, §9, from one machine):
 *  - static policies (FCFS, SPF, SAF, F1..F4) with no and EASY
 *    backfilling, and FCFS conservative: 10^6 jobs (0.35 to 0.8 s), guard
 *    3 s (CI's machines have run up to 1.8 times slower than the one
 *    these figures come from); FCFS conservative on 10^5 overloaded jobs;
 *  - the other static policies conservative: 10^6 jobs, guard 8 s (0.85
 *    to 1.6 s, SPF and F4 the slowest: reservations are kept between
 *    passes, a job that overtakes reserved ones is reserved in place when
 *    none of them starts before its earliest fit, and a pass stops
 *    planning where no later job could start now, narrower than the room
 *    over the least estimate left; before that stop, SPF made a
 *    reservation again about 113 times per job and took 28 s, and now
 *    about 3 times);
 *  - WFP3 and UNICEF, whose order changes with time: without backfilling
 *    a kinetic tournament keeps the head (sched/kinetic.h), with EASY the
 *    queue's order is kept between passes from each job's line, and a
 *    pass that may start a job compares again only the neighbours whose
 *    lines may have crossed (queue_resort_linear): 10^6 jobs, guard 8 s
 *    (without backfilling 1.1 to 1.4 s, the queue of the trace growing
 *    to a mean wait of 160 days, of which the tournament holds only the
 *    jobs no earlier one outruns, about 300; before the tournament WFP3
 *    did not finish 10^6 jobs in 10 minutes; with EASY 0.8 to 1.2 s on
 *    a day when FCFS without backfilling took 0.5 to 0.6 s);
 *    conservative: 10^5 jobs, guard 10 s (every re-ordering re-plans the
 *    queue behind it: WFP3 1.4 to 1.6 s, UNICEF 0.5 to 0.6 s);
 *  - 10^7 jobs (F1 EASY, FCFS conservative) within BENCH_HUGE_RSS_MB.
 *
 * Usage: bench_sim [CARBONSIM]. BENCH_SIM_QUICK=1 leaves out the 10^7 run
 * (about 15 s and 0.7 GB of disk in $TMPDIR); BENCH_SIM_RUNS=N (1 to 15)
 * runs each other row N times.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_GAP (30 * 86400)
#define BENCH_GOAL_S 1.0
#define BENCH_GUARD_S 3.0
#define BENCH_CONSERVATIVE_GUARD_S 8.0
#define BENCH_DYNAMIC_GUARD_S 8.0
#define BENCH_DYNAMIC_CONSERVATIVE_GUARD_S 10.0
#define BENCH_HUGE_RSS_MB 8192.0
#define BENCH_RUNS_MAX 15

static const char *const static_policies[] = {
	"fcfs", "spf", "saf", "f1", "f2", "f3", "f4"};
static const char *const dynamic_policies[] = {"wfp3", "unicef"};
static const char *const backfills[] = {"none", "easy", "conservative"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The base trace: its header and its job lines. */
struct base {
	char *header;
	char **line;
	long long *submit;
	size_t n;
	long long first, last;
};

static int load_base(const char *path, struct base *b)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t hlen = 0, cap = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	if (!f)
		return -1;
	b->header = calloc(1, 1);
	while (b->header && fgets(buf, sizeof(buf), f)) {
		long long id, submit;
		int used = 0;

		if (buf[0] == ';') {
			char *grown =
				realloc(b->header, hlen + strlen(buf) + 1);

			if (!grown)
				break;
			b->header = grown;
			strcpy(b->header + hlen, buf);
			hlen += strlen(buf);
			continue;
		}
		if (sscanf(buf, "%lld %lld%n", &id, &submit, &used) != 2)
			continue;
		if (b->n == cap) {
			char **line;
			long long *sub;

			cap = cap ? 2 * cap : 16384;
			line = realloc(b->line, cap * sizeof(*line));
			if (line)
				b->line = line;
			sub = realloc(b->submit, cap * sizeof(*sub));
			if (sub)
				b->submit = sub;
			if (!line || !sub)
				break;
		}
		b->line[b->n] = strdup(buf + used); /* fields 3.. and '\n' */
		b->submit[b->n] = submit;
		if (!b->line[b->n])
			break;
		if (b->n == 0 || submit < b->first)
			b->first = submit;
		if (b->n == 0 || submit > b->last)
			b->last = submit;
		b->n++;
	}
	rc = b->n && !ferror(f) ? 0 : -1;
	fclose(f);
	return rc;
}

static void free_base(struct base *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->line[i]);
	free(b->line);
	free(b->submit);
	free(b->header);
}

/* n jobs of the base, copy k shifted by k * (span + gap). */
static int write_trace(
	const struct base *b, const char *path, size_t n, long long gap)
{
	FILE *f = fopen(path, "w");
	long long shift = b->last - b->first + gap;

	if (!f)
		return -1;
	fputs(b->header, f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-4zu %7lld%s", i + 1,
			b->submit[i % b->n] + (long long)(i / b->n) * shift,
			b->line[i % b->n]);
	return fclose(f);
}

struct run {
	double cpu, wall, rss_mb;
	int status;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* carbonsim --policy P --backfill B TRACE, output to /dev/null. */
static int run_carbonsim(const char *bin, const char *trace, const char *policy,
	const char *backfill, struct run *r)
{
	struct rusage ru;
	double t0 = now_s();
	int status;
	pid_t pid;

	/* else the child's freopen writes our buffered lines again */
	fflush(stdout);
	pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(bin, bin, "--policy", policy, "--backfill", backfill,
			trace, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	r->wall = now_s() - t0;
	r->cpu = (double)ru.ru_utime.tv_sec +
		 (double)ru.ru_utime.tv_usec / 1e6 +
		 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->rss_mb = (double)ru.ru_maxrss / 1024.0;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The row's runs, each timed: its CPU times sorted, the median run's wall
 * time, the largest peak RSS, the first bad exit status. 0 or -1.
 */
static int run_row(const char *bin, const char *trace, const char *policy,
	const char *backfill, int runs, double *cpu, struct run *row)
{
	double wall[BENCH_RUNS_MAX] = {0};

	row->rss_mb = 0;
	row->status = 0;
	for (int i = 0; i < runs; i++) {
		struct run r;

		if (run_carbonsim(bin, trace, policy, backfill, &r) < 0)
			return -1;
		cpu[i] = r.cpu;
		wall[i] = r.wall;
		if (r.rss_mb > row->rss_mb)
			row->rss_mb = r.rss_mb;
		if (r.status && !row->status)
			row->status = r.status;
	}
	qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_double);
	qsort(wall, (size_t)runs, sizeof(*wall), cmp_double);
	row->cpu = cpu[runs / 2];
	row->wall = wall[runs / 2];
	return 0;
}

/*
 * One row: runs runs of the same command, and its line; 1 when a run
 * failed or the row broke a guard (max_cpu, max_rss; 0: none). Over the
 * goal (0: none) is only said. A busy machine only adds CPU time (caches
 * and cores shared), so one run can cross a bound the code does not: the
 * goal is judged on the median run, so that noise never flatters a row,
 * and the guard on the fastest, so that noise never turns CI red while a
 * regression (slower in every run) still does.
 */
static int measure(const char *bin, const char *trace, const char *what,
	const char *policy, const char *backfill, int runs, double goal,
	double max_cpu, double max_rss)
{
	double cpu[BENCH_RUNS_MAX];
	struct run r;
	int missed;

	if (run_row(bin, trace, policy, backfill, runs, cpu, &r) < 0) {
		fprintf(stderr, "bench_sim: cannot run %s: %s\n", bin,
			strerror(errno));
		return 1;
	}
	missed = r.status != 0 || (max_cpu > 0 && cpu[0] > max_cpu) ||
		 (max_rss > 0 && r.rss_mb > max_rss);
	printf("%-12s %-7s %-13s %8.3f %8.3f %8.3f %8.3f %9.1f  %s\n", what,
		policy, backfill, r.cpu, cpu[0], cpu[runs - 1], r.wall,
		r.rss_mb,
		r.status		   ? "FAILED"
		: missed		   ? "MISSED (guard)"
		: goal > 0 && r.cpu > goal ? "over goal"
					   : "ok");
	fflush(stdout);
	return missed;
}

/* BENCH_SIM_RUNS, 1 to BENCH_RUNS_MAX (default 3), or -1. */
static int runs_per_row(void)
{
	const char *v = getenv("BENCH_SIM_RUNS");
	char *end;
	long n;

	if (!v || !*v)
		return 3;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > BENCH_RUNS_MAX) {
		fprintf(stderr,
			"bench_sim: BENCH_SIM_RUNS=%s: not a count "
			"of runs from 1 to %d\n",
			v, BENCH_RUNS_MAX);
		return -1;
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : CARBONSIM_BIN;
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	bool quick = getenv("BENCH_SIM_QUICK") != NULL;
	char dir[4096], t6[4200], t5[4200], t5o[4200], t7[4200];
	int runs = runs_per_row();
	struct base b;
	int missed = 0;

	if (runs < 0)
		return 1;
	if (access(bin, X_OK) < 0) {
		fprintf(stderr, "bench_sim: no carbonsim at %s\n", bin);
		return 1;
	}
	if (load_base(TEST_DATA_DIR "/lublin_256.swf", &b) < 0) {
		fprintf(stderr, "bench_sim: cannot read lublin_256.swf\n");
		free_base(&b);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/bench_sim.XXXXXX", tmpdir);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_sim: %s: %s\n", dir, strerror(errno));
		free_base(&b);
		return 1;
	}
	snprintf(t6, sizeof(t6), "%s/lublin_1e6.swf", dir);
	snprintf(t5, sizeof(t5), "%s/lublin_1e5.swf", dir);
	snprintf(t5o, sizeof(t5o), "%s/lublin_1e5_overloaded.swf", dir);
	snprintf(t7, sizeof(t7), "%s/lublin_1e7.swf", dir);
	if (write_trace(&b, t6, 1000000, BENCH_GAP) != 0 ||
		write_trace(&b, t5, 100000, BENCH_GAP) != 0 ||
		write_trace(&b, t5o, 100000, 1) != 0) {
		fprintf(stderr, "bench_sim: cannot write traces in %s\n", dir);
		missed = 1;
		goto out;
	}
	printf("carbonsim end to end (read, replay, metrics, output), %d "
	       "runs a row: CPU s, the median run's (goal %.0f s) and the "
	       "fastest and slowest (guard %.0f s, on the fastest), the median "
	       "wall s, the peak RSS MB\n",
		runs, BENCH_GOAL_S, BENCH_GUARD_S);
	printf("%-12s %-7s %-13s %8s %8s %8s %8s %9s\n", "trace", "policy",
		"backfill", "cpu s", "min", "max", "wall s", "rss MB");
	for (size_t p = 0; p < COUNT(static_policies); p++)
		for (size_t k = 0; k < 2; k++)
			missed |= measure(bin, t6, "1e6 jobs",
				static_policies[p], backfills[k], runs,
				BENCH_GOAL_S, BENCH_GUARD_S, 0);
	missed |= measure(bin, t6, "1e6 jobs", "fcfs", "conservative", runs,
		BENCH_GOAL_S, BENCH_GUARD_S, 0);
	missed |= measure(bin, t5o, "1e5 overload", "fcfs", "conservative",
		runs, BENCH_GOAL_S / 10, BENCH_GUARD_S, 0);
	for (size_t p = 1; p < COUNT(static_policies); p++)
		missed |= measure(bin, t6, "1e6 jobs", static_policies[p],
			"conservative", runs, BENCH_GOAL_S,
			BENCH_CONSERVATIVE_GUARD_S, 0);
	for (size_t p = 0; p < COUNT(dynamic_policies); p++)
		for (size_t k = 0; k < 2; k++)
			missed |= measure(bin, t6, "1e6 jobs",
				dynamic_policies[p], backfills[k], runs,
				BENCH_GOAL_S, BENCH_DYNAMIC_GUARD_S, 0);
	for (size_t p = 0; p < COUNT(dynamic_policies); p++)
		missed |= measure(bin, t5, "1e5 jobs", dynamic_policies[p],
			"conservative", runs, BENCH_GOAL_S / 10,
			BENCH_DYNAMIC_CONSERVATIVE_GUARD_S, 0);
	if (!quick) {
		if (write_trace(&b, t7, 10000000, BENCH_GAP) != 0) {
			fprintf(stderr, "bench_sim: cannot write %s\n", t7);
			missed = 1;
		} else {
			missed |= measure(bin, t7, "1e7 jobs", "f1", "easy", 1,
				0, 0, BENCH_HUGE_RSS_MB);
			missed |= measure(bin, t7, "1e7 jobs", "fcfs",
				"conservative", 1, 0, 0, BENCH_HUGE_RSS_MB);
		}
	}
out:
	unlink(t6);
	unlink(t5);
	unlink(t5o);
	unlink(t7);
	rmdir(dir);
	free_base(&b);
	if (missed)
		fprintf(stderr, "bench_sim: a guard was broken or a run failed "
				"(MISSED or FAILED above)\n");
	return missed;
}
