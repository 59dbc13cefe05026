/*
 * test_options.c: carbonsim's own modules: value syntaxes and the command
 * line (options.c), per-run output names (report.c), whole-or-nothing files.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "options.h"
#include "outfile.h"
#include "report.h"

static const struct duration_case {
	const char *text;
	int rc;
	int64_t seconds;
} duration_cases[] = {
	{"0", 0, 0},
	{"90", 0, 90},
	{"90s", 0, 90},
	{"30m", 0, 1800},
	{"6h", 0, 21600},
	{"1.5d", 0, 129600},
	{"2.5", 0, 3}, /* rounded to whole seconds */
	{"", -1, 0},
	{"-1", -1, 0},
	{"6q", -1, 0},
	{"h", -1, 0},
	{"6hh", -1, 0},
	{"1e20", -1, 0},
	{"nan", -1, 0},
	{" 6h", -1, 0},
	{"+6h", -1, 0},
	{"0x10", -1, 0},
	{"1e3", 0, 1000},
};

START_TEST(test_duration)
{
	for (size_t i = 0; i < sizeof(duration_cases) / sizeof(*duration_cases);
		i++) {
		const struct duration_case *c = &duration_cases[i];
		int64_t got = -42;
		int rc = options_parse_duration(c->text, &got);

		ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->text, rc,
			c->rc);
		if (rc == 0)
			ck_assert_msg(got == c->seconds,
				"'%s': %lld, want %lld", c->text,
				(long long)got, (long long)c->seconds);
		else
			ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

static const struct delay_case {
	const char *text;
	int rc;
	int64_t seconds;
	double factor;
	const char *label;
} delay_cases[] = {
	{"6h", 0, 21600, 0.0, "6h"},
	{"86400", 0, 86400, 0.0, "86400"},
	{"0", 0, 0, 0.0, "0"},
	{"2x", 0, 0, 2.0, "2x"},
	{"0.5X", 0, 0, 0.5, "0.5x"},
	{"0x", -1, 0, 0.0, NULL},
	{"x", -1, 0, 0.0, NULL},
	{"-1x", -1, 0, 0.0, NULL},
	{"abcx", -1, 0, 0.0, NULL},
	{"2xx", -1, 0, 0.0, NULL},
	{"123456789012345678901234567890", -1, 0, 0.0, NULL},
};

START_TEST(test_delay)
{
	for (size_t i = 0; i < sizeof(delay_cases) / sizeof(*delay_cases);
		i++) {
		const struct delay_case *c = &delay_cases[i];
		struct options_delay d;
		int rc = options_parse_delay(c->text, &d);

		ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->text, rc,
			c->rc);
		if (rc != 0)
			continue;
		ck_assert_msg(d.seconds == c->seconds && d.factor == c->factor,
			"'%s': %lld s, factor %g", c->text,
			(long long)d.seconds, d.factor);
		ck_assert_str_eq(d.label, c->label);
	}
}
END_TEST

/* 2020-01-01T00:00:00Z is 1577836800 (18262 days since the epoch). */
static const struct time_case {
	const char *text;
	int rc;
	int64_t unix_time;
} time_cases[] = {
	{"2020-01-01", 0, 1577836800},
	{"2020-01-01T06:00", 0, 1577836800 + 6 * 3600},
	{"2020-01-01 06:00:00Z", 0, 1577836800 + 6 * 3600},
	{"2020-01-01t06:00:00z", 0, 1577836800 + 6 * 3600},
	/* 06:00 at +01:00 is 05:00 UTC; 06:00:30 at -02:30 is 08:30:30 */
	{"2020-01-01T06:00+01:00", 0, 1577836800 + 5 * 3600},
	{"2020-01-01T06:00:30-0230", 0, 1577836800 + 8 * 3600 + 1800 + 30},
	{"2020-02-29", 0, 1577836800 + 59 * 86400},
	{"2021-02-29", -1, 0},
	{"2020-02-30", -1, 0},
	{"2020-13-01", -1, 0},
	{"2020-1-01", -1, 0},
	{"2020-01-01T25:00", -1, 0},
	{"2020-01-01T06", -1, 0},
	{"2020-01-01Tx", -1, 0},
	{"2020-01-01Z1", -1, 0},
	{"2020-01-01T06:00+25:00", -1, 0},
	{"", -1, 0},
};

START_TEST(test_time)
{
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(*time_cases); i++) {
		const struct time_case *c = &time_cases[i];
		int64_t got = -42;
		int rc = options_parse_time(c->text, &got);

		ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->text, rc,
			c->rc);
		if (rc == 0)
			ck_assert_msg(got == c->unix_time,
				"'%s': %lld, want %lld", c->text,
				(long long)got, (long long)c->unix_time);
	}
}
END_TEST

START_TEST(test_format_time)
{
	char buf[32];

	options_format_time(1577836800 + 6 * 3600 + 61, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2020-01-01T06:01:01Z");
}
END_TEST

#define MAXARGS 16

static const struct argv_case {
	const char *argv[MAXARGS]; /* after "carbonsim", NULL-terminated */
	int rc;
	const char *error; /* a substring of the message when rc is -1 */
} argv_cases[] = {
	{{"t.swf"}, 0, NULL},
	{{"--policy", "f1,FCFS", "--backfill", "easy,none", "t.swf"}, 0, NULL},
	{{"--help"}, 0, NULL}, /* no trace needed */
	{{}, -1, "no trace given"},
	{{"a.swf", "b.swf"}, -1, "one trace only"},
	{{"--policy", "f1,xyz", "t.swf"}, -1, "unknown policy 'xyz'"},
	{{"--policy", "f1,F1", "t.swf"}, -1, "'F1' given twice"},
	{{"--policy", "", "t.swf"}, -1, "--policy: empty list"},
	{{"--backfill", "aggressive", "t.swf"}, -1, "unknown mode"},
	{{"--runtime", "estimated", "t.swf"}, -1, "--runtime"},
	{{"--procs", "0", "t.swf"}, -1, "--procs"},
	{{"--procs", "12x", "t.swf"}, -1, "--procs"},
	{{"--pue", "0.9", "t.swf"}, -1, "--pue"},
	{{"--watts-idle", "20", "t.swf"}, -1, "above --watts-busy"},
	{{"--max-delay", "6h", "t.swf"}, -1, "needs a carbon"},
	{{"--carbon", "c.csv", "--max-delay", "6h,21600", "t.swf"}, -1,
		"given twice"},
	{{"--carbon", "c.csv", "--site", "A:1:c.csv", "t.swf"}, -1,
		"exclude each other"},
	{{"--site", "A:1:", "t.swf"}, -1, "NAME:PROCS:SERIES"},
	{{"--site", ":1:c.csv", "t.swf"}, -1, "NAME:PROCS:SERIES"},
	{{"--site", "A,B:1:c.csv", "t.swf"}, -1, "may only hold"},
	{{"--site", "A:1:c.csv", "--site", "A:2:d.csv", "t.swf"}, -1,
		"given twice"},
	{{"--carbon", "c.csv", "--plot-tradeoff", "t.svg", "t.swf"}, -1,
		"--plot-tradeoff needs"},
	{{"--space-max-wait", "soon", "t.swf"}, -1, "--space-max-wait"},
	{{"--forecast", "crystal", "t.swf"}, -1, "--forecast"},
	{{"--nope", "t.swf"}, -1, "unknown option '--nope'"},
	{{"t.swf", "--json"}, -1, "--json: needs a value"},
	{{"--max-advance", "2h", "t.swf"}, -1, "--max-advance needs a carbon"},
	{{"--carbon", "c.csv", "--max-advance", "soon", "t.swf"}, -1,
		"--max-advance: 'soon' is not a duration"},
	{{"--carbon", "c.csv", "--max-advance", "1h,2h", "--max-delay",
		 "1h,2h,3h", "t.swf"},
		-1, "2 values for 3 --max-delay values"},
	{{"--carbon", "c.csv", "--max-advance", "1h,1h", "t.swf"}, -1,
		"window '-1h+0' given twice"},
	{{"--carbon", "c.csv", "--forecast-error", "5%", "t.swf"}, -1,
		"--forecast-error needs time or space shifting"},
	{{"--carbon", "c.csv", "--max-delay", "1h", "--forecast-error",
		 "-0.1", "t.swf"},
		-1, "--forecast-error: '-0.1' is not a fraction"},
	{{"--carbon", "c.csv", "--max-delay", "1h", "--forecast-error",
		 "11", "t.swf"},
		-1, "is not a fraction"},
	{{"--carbon", "c.csv", "--max-delay", "1h", "--repetitions", "3",
		 "t.swf"},
		-1, "--repetitions needs --forecast-error"},
	{{"--carbon", "c.csv", "--max-delay", "1h", "--forecast-error",
		 "0.1", "--repetitions", "0", "t.swf"},
		-1, "--repetitions: '0' is not an integer in [1, 10000]"},
	{{"--forecast-seed", "-3", "t.swf"}, -1,
		"--forecast-seed: '-3' is not a non-negative integer"},
};

static int parse(
	const char *const *args, struct options *opt, struct sc_error *err)
{
	char *argv[MAXARGS + 2] = {"carbonsim"};
	int argc = 1;

	for (size_t k = 0; k < MAXARGS && args[k] != NULL; k++)
		argv[argc++] = (char *)args[k];
	return options_parse(argc, argv, opt, err);
}

START_TEST(test_argv)
{
	for (size_t i = 0; i < sizeof(argv_cases) / sizeof(*argv_cases); i++) {
		const struct argv_case *c = &argv_cases[i];
		struct options opt;
		struct sc_error err;
		int rc = parse(c->argv, &opt, &err);

		ck_assert_msg(rc == c->rc, "case %zu: rc %d, want %d (%s)", i,
			rc, c->rc, rc ? err.text : "");
		if (c->error != NULL)
			ck_assert_msg(strstr(err.text, c->error) != NULL,
				"case %zu: '%s' lacks '%s'", i, err.text,
				c->error);
		options_free(&opt);
	}
}
END_TEST

/*
 * --max-advance pairs with --max-delay: one value for all, one each, or a
 * run per value without --max-delay; --forecast-error takes a fraction or
 * a percentage.
 */
static const struct window_case {
	const char *argv[MAXARGS];
	size_t ndelays;
	const char *labels[3];
	int64_t advance[3], delay[3];
	double error;
	size_t repetitions;
	uint64_t seed;
} window_cases[] = {
	{{"--carbon", "c.csv", "--max-advance", "1h", "--max-delay", "2h,2x",
		 "t.swf"},
		2, {"-1h+2h", "-1h+2x"}, {3600, 3600}, {7200, 0}, 0.0,
		OPTIONS_REPETITIONS, 0},
	{{"--carbon", "c.csv", "--max-advance", "30m,8h", "--forecast-error",
		 "5%", "t.swf"},
		2, {"-30m+0", "-8h+0"}, {1800, 28800}, {0, 0}, 0.05,
		OPTIONS_REPETITIONS, 0},
	{{"--carbon", "c.csv", "--max-advance", "0,1h", "--max-delay",
		 "1h,1h", "t.swf"},
		-1, {NULL}, {0}, {0}, 0.0, 0, 0},
	{{"--carbon", "c.csv", "--max-advance", "0,1h", "--max-delay",
		 "1h,2h", "--forecast-error", "0.1", "--repetitions", "3",
		 "--forecast-seed", "7", "t.swf"},
		2, {"1h", "-1h+2h"}, {0, 3600}, {3600, 7200}, 0.1, 3, 7},
};

START_TEST(test_windows)
{
	for (size_t i = 0; i < sizeof(window_cases) / sizeof(*window_cases);
		i++) {
		const struct window_case *c = &window_cases[i];
		struct options opt;
		struct sc_error err;
		int rc = parse(c->argv, &opt, &err);

		if (c->ndelays == (size_t)-1) {
			/* --max-delay's own duplicate check comes first */
			ck_assert_int_eq(rc, -1);
			options_free(&opt);
			continue;
		}
		ck_assert_msg(rc == 0, "case %zu: %s", i, err.text);
		ck_assert_int_eq(opt.ndelays, c->ndelays);
		for (size_t k = 0; k < c->ndelays; k++) {
			ck_assert_str_eq(opt.delays[k].label, c->labels[k]);
			ck_assert_int_eq(opt.delays[k].advance, c->advance[k]);
			ck_assert_int_eq(opt.delays[k].seconds, c->delay[k]);
		}
		ck_assert(opt.forecast_error == c->error);
		ck_assert_int_eq(opt.repetitions, c->repetitions);
		ck_assert(opt.forecast_seed == c->seed);
		options_free(&opt);
	}
}
END_TEST

/* The values a successful parse leaves, defaults included. */
START_TEST(test_argv_values)
{
	const char *args[MAXARGS] = {"--policy", "f1,FCFS", "--site",
		"ES:256:es.csv#lca", "--site", "NO:128:no.csv", "--max-delay",
		"0,6h,2x", "--space-wait-weight", "100", "trace.swf.gz"};
	struct options opt;
	struct sc_error err;

	ck_assert_int_eq(parse(args, &opt, &err), 0);
	ck_assert_str_eq(opt.trace, "trace.swf.gz");
	ck_assert_int_eq(opt.npolicies, 2);
	ck_assert_int_eq(opt.policies[0], POLICY_F1);
	ck_assert_int_eq(opt.policies[1], POLICY_FCFS);
	ck_assert_int_eq(opt.nbackfills, 1);
	ck_assert_int_eq(opt.backfills[0], BACKFILL_NONE);
	ck_assert_int_eq(opt.nsites, 2);
	ck_assert_str_eq(opt.sites[0].name, "ES");
	ck_assert_int_eq(opt.sites[0].procs, 256);
	ck_assert_str_eq(opt.sites[0].series, "es.csv#lca");
	ck_assert_str_eq(opt.sites[1].series, "no.csv");
	ck_assert_int_eq(opt.ndelays, 3);
	ck_assert_int_eq(opt.delays[1].seconds, 21600);
	ck_assert(opt.delays[2].factor == 2.0);
	ck_assert(opt.space_wait_weight == 100.0);
	ck_assert_int_eq(opt.space_max_wait, OPTIONS_SPACE_MAX_WAIT);
	ck_assert(opt.power.watts_busy == OPTIONS_WATTS_BUSY);
	ck_assert(opt.power.pue == OPTIONS_PUE);
	ck_assert_int_eq(opt.swf.runtime_mode, SWF_RUNTIME_ACTUAL);
	ck_assert_int_eq(opt.forecast, FORECAST_ORACLE);
	options_free(&opt);
}
END_TEST

static const struct options_delay d6h = {21600, 0.0, "6h", 0};
static const struct options_delay dwin = {7200, 0.0, "-1h+2h", 3600};

static const struct name_case {
	const char *path;
	bool baseline;
	const struct options_delay *delay;
	long baseline_run;
	const char *expected;
} name_cases[] = {
	{"out/jobs.csv", false, &d6h, 0, "out/jobs-f1-easy-6h.csv"},
	{"out/jobs.csv", true, NULL, -1, "out/jobs-f1-easy-base.csv"},
	{"out/jobs.csv", false, NULL, 0, "out/jobs-f1-easy-0.csv"},
	{"out/jobs.csv", false, NULL, -1, "out/jobs-f1-easy.csv"},
	{"jobs", false, &d6h, 0, "jobs-f1-easy-6h"},
	{"a.d/jobs", false, &d6h, 0, "a.d/jobs-f1-easy-6h"},
	{"jobs.csv", false, &dwin, 0, "jobs-f1-easy--1h+2h.csv"},
	{".jobs", false, &d6h, 0, ".jobs-f1-easy-6h"},
	{"u.tar.svg", false, &d6h, 0, "u.tar-f1-easy-6h.svg"},
};

START_TEST(test_output_name)
{
	struct report_run runs[2] = {
		{.policy = POLICY_F1, .backfill = BACKFILL_EASY}};
	struct report rep = {.runs = runs, .nruns = 2};
	char *name;

	for (size_t i = 0; i < sizeof(name_cases) / sizeof(*name_cases); i++) {
		const struct name_case *c = &name_cases[i];

		rep.runs[0].baseline = c->baseline;
		rep.runs[0].delay = c->delay;
		rep.runs[0].baseline_run = c->baseline_run;
		name = report_output_name(&rep, 0, c->path);
		ck_assert_ptr_nonnull(name);
		ck_assert_msg(strcmp(name, c->expected) == 0,
			"case %zu: '%s', want '%s'", i, name, c->expected);
		free(name);
	}
	/* One run: the path as given. */
	rep.nruns = 1;
	name = report_output_name(&rep, 0, "out/jobs.csv");
	ck_assert_str_eq(name, "out/jobs.csv");
	free(name);
}
END_TEST

/*
 * The runs planned per policy x backfill: one without shifting; with
 * delays or several sites a baseline first, then one run per delay (or
 * space shifting alone, delay NULL), each naming its baseline.
 */
static const struct plan_case {
	size_t npolicies, nbackfills, ndelays, nsites;
	size_t nruns;
	const char *shape; /* per run: B baseline, D delay, S space, R plain */
} plan_cases[] = {
	{2, 2, 0, 1, 4, "RRRR"},
	{1, 1, 3, 1, 4, "BDDD"},
	{2, 1, 0, 2, 4, "BSBS"},
	{1, 2, 2, 2, 6, "BDDBDD"},
};

START_TEST(test_plan)
{
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(*plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct options_delay delays[3] = {
			{3600, 0.0, "1h", 0}, {0, 2.0, "2x", 0},
			{60, 0.0, "1m", 0}};
		struct options opt = {.npolicies = c->npolicies,
			.nbackfills = c->nbackfills,
			.delays = delays,
			.ndelays = c->ndelays,
			.policies = {POLICY_FCFS, POLICY_F1},
			.backfills = {BACKFILL_NONE, BACKFILL_EASY}};
		struct report_run *runs = NULL;
		size_t n = 0;
		long base = -1;

		ck_assert_int_eq(
			experiment_plan(&opt, c->nsites, &runs, &n), 0);
		ck_assert_msg(n == c->nruns, "case %zu: %zu runs", i, n);
		for (size_t k = 0; k < n; k++) {
			const struct report_run *r = &runs[k];
			char shape = r->baseline	    ? 'B'
				     : r->delay != NULL	    ? 'D'
				     : r->baseline_run >= 0 ? 'S'
							    : 'R';

			ck_assert_msg(shape == c->shape[k],
				"case %zu run %zu: %c, want %c", i, k, shape,
				c->shape[k]);
			if (shape == 'B')
				base = (long)k;
			if (shape == 'D' || shape == 'S') {
				ck_assert_int_eq(r->baseline_run, base);
				ck_assert_int_eq(r->policy, runs[base].policy);
				ck_assert_int_eq(
					r->backfill, runs[base].backfill);
			}
			if (shape == 'D')
				ck_assert_ptr_eq(r->delay,
					&delays[k - (size_t)base - 1]);
		}
		/* Policies outside, backfilling modes inside. */
		ck_assert_int_eq(
			runs[n - 1].policy, opt.policies[c->npolicies - 1]);
		ck_assert_int_eq(
			runs[n - 1].backfill, opt.backfills[c->nbackfills - 1]);
		experiment_free(runs, n);
	}
}
END_TEST

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_outfile)
{
	char dir[] = "/tmp/test_options.XXXXXX", path[64], buf[16] = "";
	struct outfile of;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.txt", dir);

	/* Abort: nothing is left, not even the temporary file. */
	ck_assert_int_eq(outfile_open(&of, path), 0);
	fputs("half", of.fp);
	outfile_abort(&of);
	ck_assert_int_eq(count_entries(dir), 0);
	/* Also once closed. */
	ck_assert_int_eq(outfile_open(&of, path), 0);
	ck_assert_int_eq(outfile_close(&of), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	outfile_abort(&of);
	ck_assert_int_eq(count_entries(dir), 0);

	/* Commit: the target appears whole, alone. */
	ck_assert_int_eq(outfile_open(&of, path), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_ne(access(path, F_OK), 0);
	fputs("whole\n", of.fp);
	/* Closed, not yet renamed: the target is still absent. */
	ck_assert_int_eq(outfile_close(&of), 0);
	ck_assert_ptr_null(of.fp);
	ck_assert_int_eq(outfile_close(&of), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(outfile_commit(&of), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	ck_assert_str_eq(buf, "whole\n");

	/* A directory that does not exist: -1, ENOENT, nothing created. */
	snprintf(path, sizeof(path), "%s/no/out.txt", dir);
	ck_assert_int_eq(outfile_open(&of, path), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(of.fp);
	outfile_abort(&of); /* accepts an empty outfile */

	snprintf(path, sizeof(path), "%s/out.txt", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *carbonsim_cli_suite(void)
{
	Suite *s = suite_create("carbonsim-cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_format_time);
	tcase_add_test(tc, test_argv);
	tcase_add_test(tc, test_argv_values);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_output_name);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_outfile);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(carbonsim_cli_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
