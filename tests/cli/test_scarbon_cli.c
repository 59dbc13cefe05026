/*
 * test_scarbon_cli.c: scarbon's Slurm-free modules (libscarbon): the
 * command line and every usage message, -S/-E times, units and -o fields,
 * the table, parsable, CSV and JSON outputs, and report's grouping on
 * hand-built job records.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carbon_conf.h"
#include "job_set.h"
#include "jobs.h"
#include "options.h"
#include "output.h"
#include "report.h"
#include "when.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-01-15T10:20:30Z; the tests run with TZ=UTC (main). */
#define NOW ((time_t)1768472430)
#define MIDNIGHT ((time_t)1768435200)

/* ---- the command line ---- */

/* Split a space-separated line into argv (argv[0] "scarbon"); no quoting. */
static int split(const char *line, char *buf, size_t size, char **argv, int max)
{
	int argc = 0;
	char *s, *save = NULL;

	snprintf(buf, size, "%s", line);
	argv[argc++] = "scarbon";
	for (s = strtok_r(buf, " ", &save); s && argc < max - 1;
		s = strtok_r(NULL, " ", &save))
		argv[argc++] = s;
	argv[argc] = NULL;
	return argc;
}

static void cat_list(char *buf, size_t size, const char *name, char **list)
{
	size_t n = strlen(buf);
	char **s;

	if (!list)
		return;
	n += (size_t)snprintf(buf + n, size - n, " %s=", name);
	for (s = list; *s; s++)
		n += (size_t)snprintf(
			buf + n, size - n, "%s%s", s == list ? "" : ",", *s);
}

static void cat(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/*
 * The parsed options as one line: the command, then only what differs
 * from the defaults, in a fixed order (times relative to NOW).
 */
static void summary(const struct scarbon_opts *o, char *buf, size_t size)
{
	static const char *const cmds[] = {"jobs", "report", "stamp", "check"};
	static const char *const outs[] = {
		"table", "parsable", "parsable2", "csv", "json"};
	static const char *const groups[] = {"user", "account", "partition"};

	snprintf(buf, size, "cmd=%s", cmds[o->cmd]);
	if (o->conf_path)
		cat(buf, size, " conf=%s", o->conf_path);
	cat_list(buf, size, "jobs", o->jobs);
	cat_list(buf, size, "users", o->users);
	cat_list(buf, size, "accounts", o->accounts);
	cat_list(buf, size, "partitions", o->partitions);
	cat_list(buf, size, "states", o->states);
	cat_list(buf, size, "clusters", o->clusters);
	if (o->all_clusters)
		cat(buf, size, " allclusters");
	if (o->all_users)
		cat(buf, size, " allusers");
	if (o->allocations)
		cat(buf, size, " X");
	if (o->noheader)
		cat(buf, size, " noheader");
	if (o->output != OUT_TABLE)
		cat(buf, size, " out=%s", outs[o->output]);
	if (o->format)
		cat(buf, size, " format=%s", o->format);
	if (o->group != GROUP_USER)
		cat(buf, size, " by=%s", groups[o->group]);
	if (o->top)
		cat(buf, size, " top=%ld", o->top);
	if (o->dry_run)
		cat(buf, size, " dryrun");
	if (o->settle != 120)
		cat(buf, size, " settle=%lld", (long long)o->settle);
	if (o->have_start)
		cat(buf, size, " S=now%+lld", (long long)(o->start - NOW));
	if (o->have_end)
		cat(buf, size, " E=now%+lld", (long long)(o->end - NOW));
	if (o->show_help)
		cat(buf, size, " help");
	if (o->show_version)
		cat(buf, size, " version");
}

/* A command line and what it parses to, or its one-line usage error. */
static const struct opts_case {
	const char *args;
	const char *want; /* summary, or the error text when rc is -1 */
	int rc;
} opts_cases[] = {
	{"", "cmd=jobs", 0},
	{"-j 123,45_6 -j 78+1", "cmd=jobs jobs=123,45_6,78+1", 0},
	{"--jobs=5 -X -n -P", "cmd=jobs jobs=5 X noheader out=parsable2", 0},
	{"--allocations --noheader --parsable2",
		"cmd=jobs X noheader "
		"out=parsable2",
		0},
	{"-p", "cmd=jobs out=parsable", 0},
	{"--parsable", "cmd=jobs out=parsable", 0},
	{"--csv", "cmd=jobs out=csv", 0},
	{"-P --json", "cmd=jobs out=json", 0},
	{"-u alice,bob --uid 1000 -A acct --accounts b -r p1,p2 -s CD,F",
		"cmd=jobs users=alice,bob,1000 accounts=acct,b "
		"partitions=p1,p2 states=CD,F",
		0},
	{"--user x --account y --partition z --state R",
		"cmd=jobs users=x accounts=y partitions=z states=R", 0},
	{"-a -L", "cmd=jobs allclusters allusers", 0},
	{"--allusers --allclusters", "cmd=jobs allclusters allusers", 0},
	{"-M all", "cmd=jobs allclusters", 0},
	{"-M ALL", "cmd=jobs allclusters", 0},
	{"-M -1", "cmd=jobs allclusters", 0},
	{"--clusters c1,c2 -M c3", "cmd=jobs clusters=c1,c2,c3", 0},
	{"-o JobID,CO2e%12", "cmd=jobs format=JobID,CO2e%12", 0},
	{"--format=co2eraw", "cmd=jobs format=co2eraw", 0},
	{"--helpformat", "cmd=jobs format=help", 0},
	{"-h", "cmd=jobs help", 0},
	{"--help", "cmd=jobs help", 0},
	{"-V", "cmd=jobs version", 0},
	{"--version", "cmd=jobs version", 0},
	{"report -h", "cmd=report help", 0},
	{"-S 2026-01-15 -E now", "cmd=jobs S=now-37230 E=now+0", 0},
	{"-S now-2hours -E now-1h", "cmd=jobs S=now-7200 E=now-3600", 0},
	{"--starttime today --endtime 2026-01-15T10:20",
		"cmd=jobs S=now-37230 E=now-30", 0},
	{"-S 1768472400", "cmd=jobs S=now-30", 0},
	{"-S 2026-01-15T10:20:30 -E 2026-01-15T10:20:30",
		"cmd=jobs S=now+0 E=now+0", 0},
	{"report", "cmd=report", 0},
	{"report --by account --top 3", "cmd=report by=account top=3", 0},
	{"report --by PARTITION -P", "cmd=report out=parsable2 by=partition",
		0},
	{"report --by user --json", "cmd=report out=json", 0},
	{"stamp", "cmd=stamp", 0},
	{"stamp --settle 0s --dry-run", "cmd=stamp dryrun settle=0", 0},
	{"stamp --settle 5min -j 7", "cmd=stamp jobs=7 settle=300", 0},
	{"stamp --settle 2h -S now-1days", "cmd=stamp settle=7200 S=now-86400",
		0},
	{"check --conf /x/carbon.conf", "cmd=check conf=/x/carbon.conf", 0},
	{"--conf=/y", "cmd=jobs conf=/y", 0},
	/* usage errors: every message of options.c */
	{"foo",
		"unknown command 'foo' (report, stamp, check; see scarbon "
		"--help)",
		-1},
	{"Report",
		"unknown command 'Report' (report, stamp, check; see "
		"scarbon --help)",
		-1},
	{"--nope", "unknown option '--nope' (see scarbon --help)", -1},
	{"-q", "unknown option '-q' (see scarbon --help)", -1},
	{"--allusers=1", "option '--allusers' takes no value", -1},
	{"stamp -M other", "scarbon stamp works on this cluster only: run it "
			   "on each cluster",
		-1},
	{"stamp -L", "scarbon stamp works on this cluster only: run it on "
		     "each cluster",
		-1},
	{"--nope=2", "unknown option '--nope' (see scarbon --help)", -1},
	{"-j", "option '-j' needs a value", -1},
	{"--by", "option '--by' needs a value", -1},
	{"report --top", "option '--top' needs a value", -1},
	{"-j 1 extra", "unexpected argument 'extra' (see scarbon --help)", -1},
	{"stamp check", "unexpected argument 'check' (see scarbon --help)", -1},
	{"-j ,", "-j: empty list", -1},
	{"-u ,,", "-u: empty list", -1},
	{"-A ,", "-A: empty list", -1},
	{"-r ,", "-r: empty list", -1},
	{"-s ,", "-s: empty list", -1},
	{"-M ,", "-M: empty list", -1},
	{"-S yesterday",
		"-S 'yesterday': not a time (YYYY-MM-DD[THH:MM[:SS]], "
		"now[-N{minutes,hours,days,weeks}], today)",
		-1},
	{"-E 2026-02-30",
		"-E '2026-02-30': not a time "
		"(YYYY-MM-DD[THH:MM[:SS]], "
		"now[-N{minutes,hours,days,weeks}], today)",
		-1},
	{"report --by host",
		"--by 'host': expected user, account or "
		"partition",
		-1},
	{"report --top 0", "--top '0': a positive number", -1},
	{"report --top x", "--top 'x': a positive number", -1},
	{"report --top -3", "--top '-3': a positive number", -1},
	{"report --top 3x", "--top '3x': a positive number", -1},
	{"stamp --settle 5",
		"--settle '5': a duration with a unit (0s, 90s, "
		"5min)",
		-1},
	{"stamp --settle -5s",
		"--settle '-5s': a duration with a unit (0s, "
		"90s, 5min)",
		-1},
	{"--top 3", "--top is an option of scarbon report", -1},
	{"stamp --top 3", "--top is an option of scarbon report", -1},
	{"--settle 1s", "--settle and --dry-run are options of scarbon stamp",
		-1},
	{"report --dry-run",
		"--settle and --dry-run are options of scarbon "
		"stamp",
		-1},
	{"check --settle 0s",
		"--settle and --dry-run are options of scarbon "
		"stamp",
		-1},
	{"stamp --json", "scarbon stamp prints a summary only", -1},
	{"stamp -P", "scarbon stamp prints a summary only", -1},
	{"stamp --csv", "scarbon stamp prints a summary only", -1},
	{"-S 2026-01-15 -E 2026-01-14", "-E is before -S", -1},
	{"-S now -E now-1s", "-E is before -S", -1},
};

static void run_opts_case(const struct opts_case *c)
{
	struct scarbon_opts o;
	struct sc_error err = {{0}};
	char buf[512], *argv[32];
	int argc = split(c->args, buf, sizeof(buf), argv, 32);
	int rc = scarbon_opts_parse(argc, argv, NOW, &o, &err);

	ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d (%s)", c->args, rc,
		c->rc, err.text);
	if (rc == 0) {
		char got[1024];

		summary(&o, got, sizeof(got));
		ck_assert_msg(!strcmp(got, c->want),
			"'%s':\n  got  %s\n  want %s", c->args, got, c->want);
		ck_assert_msg(!err.text[0], "'%s': error text '%s' on success",
			c->args, err.text);
	} else {
		ck_assert_msg(!strcmp(err.text, c->want),
			"'%s':\n  got  '%s'\n  want '%s'", c->args, err.text,
			c->want);
		ck_assert_msg(
			!strchr(err.text, '\n'), "'%s': not one line", c->args);
	}
	scarbon_opts_free(&o);
}

START_TEST(test_options)
{
	for (size_t i = 0; i < NELEM(opts_cases); i++)
		run_opts_case(&opts_cases[i]);
}
END_TEST

/*
 * An unknown short option that is not the last of its cluster: getopt has
 * not advanced optind yet, so the message must come from optopt, not from
 * argv[optind - 1] (which is the previous argument, here argv[0]).
 */
static const struct opts_case cluster_cases[] = {
	{"-qX", "unknown option '-q' (see scarbon --help)", -1},
	{"report -qn", "unknown option '-q' (see scarbon --help)", -1},
};

START_TEST(test_options_unknown_in_cluster)
{
	for (size_t i = 0; i < NELEM(cluster_cases); i++)
		run_opts_case(&cluster_cases[i]);
}
END_TEST

/* The options parse the same twice: getopt's state is reset each time. */
START_TEST(test_options_twice)
{
	run_opts_case(&opts_cases[2]);
	run_opts_case(&opts_cases[2]);
}
END_TEST

START_TEST(test_usage)
{
	static const char *const must[] = {"--jobs", "--user", "--allusers",
		"--account", "--partition", "--state", "--starttime",
		"--endtime", "--clusters", "--allocations", "--format",
		"--helpformat", "--noheader", "--parsable", "--parsable2",
		"--csv", "--json", "--conf", "--help", "--version", "--by",
		"--top", "--settle", "--dry-run", "scarbon report",
		"scarbon stamp", "scarbon check"};
	const char *u = scarbon_usage(SCARBON_JOBS);

	for (size_t i = 0; i < NELEM(must); i++)
		ck_assert_msg(strstr(u, must[i]), "usage lacks '%s'", must[i]);
	for (const char *s = u; *s;) {
		const char *nl = strchr(s, '\n');

		ck_assert_msg(nl, "usage does not end in a newline");
		ck_assert_msg(nl - s <= 80, "usage line over 80 columns: %.*s",
			(int)(nl - s), s);
		s = nl + 1;
	}
}
END_TEST

/* ---- times ---- */

static const struct when_case {
	const char *text;
	int rc;
	time_t t;
} when_cases[] = {
	{"now", 0, NOW},
	{"NOW", 0, NOW},
	{"now-1hours", 0, NOW - 3600},
	{"now-1h", 0, NOW - 3600},
	{"now-90", 0, NOW - 90},
	{"now+30", 0, NOW + 30},
	{"now-30s", 0, NOW - 30},
	{"now-30seconds", 0, NOW - 30},
	{"now-5m", 0, NOW - 300},
	{"now-5min", 0, NOW - 300},
	{"now-2d", 0, NOW - 172800},
	{"now-2DAYS", 0, NOW - 172800},
	{"now-1w", 0, NOW - 604800},
	{"now-1weeks", 0, NOW - 604800},
	{"today", 0, MIDNIGHT},
	{"Midnight", 0, MIDNIGHT},
	{"2026-01-15", 0, MIDNIGHT},
	{"2026-01-15T10:20", 0, NOW - 30},
	{"2026-01-15T10:20:30", 0, NOW},
	{"2026-1-5", 0, MIDNIGHT - 10 * 86400},
	{"2024-02-29", 0, 1709164800},
	{"1768472430", 0, NOW},
	{"0", 0, 0},
	{"", -1, 0},
	{"now-", -1, 0},
	{"now-x", -1, 0},
	{"now1", -1, 0},
	{"nowx", -1, 0},
	{"now-1x", -1, 0},
	{"now-1hoursx", -1, 0},
	{"now-999999999999", -1, 0},
	{"2023-02-29", -1, 0},
	{"2026-02-31", -1, 0},
	{"2026-13-01", -1, 0},
	{"2026-00-10", -1, 0},
	{"2026-01-32", -1, 0},
	{"2026-01-15T25:00", -1, 0},
	{"2026-01-15T10:60", -1, 0},
	{"2026-01-15T10:20:60", -1, 0},
	{"2026-01-15T10", -1, 0},
	{"2026-01-15T10:20:", -1, 0},
	{"2026-01-15x", -1, 0},
	{"2026-01-15 10:20", -1, 0},
	{"-5", -1, 0},
	{"12abc", -1, 0},
	{" 12", -1, 0},
	{"+12", -1, 0},
	{"yesterday", -1, 0},
};

START_TEST(test_when_parse)
{
	for (size_t i = 0; i < NELEM(when_cases); i++) {
		const struct when_case *c = &when_cases[i];
		time_t got = (time_t)-42;
		int rc = when_parse(c->text, NOW, &got);

		ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->text, rc,
			c->rc);
		if (rc == 0)
			ck_assert_msg(got == c->t, "'%s': %lld, want %lld",
				c->text, (long long)got, (long long)c->t);
	}
	ck_assert_int_eq(when_parse(NULL, NOW, &(time_t){0}), -1);
}
END_TEST

START_TEST(test_when_format)
{
	static const struct {
		int64_t secs;
		const char *text;
	} elapsed[] = {
		{0, "00:00:00"},
		{59, "00:00:59"},
		{3661, "01:01:01"},
		{86399, "23:59:59"},
		{86400, "1-00:00:00"},
		{90061, "1-01:01:01"},
		{100 * 86400 + 5, "100-00:00:05"},
		{-5, "00:00:00"},
	};
	char buf[64];

	when_format(NOW, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-01-15T10:20:30");
	when_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Unknown");
	when_format(-1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Unknown");
	for (size_t i = 0; i < NELEM(elapsed); i++) {
		when_format_elapsed(elapsed[i].secs, buf, sizeof(buf));
		ck_assert_msg(!strcmp(buf, elapsed[i].text),
			"%lld s: '%s', "
			"want '%s'",
			(long long)elapsed[i].secs, buf, elapsed[i].text);
	}
}
END_TEST

/* ---- units ---- */

static const struct unit_case {
	double v;
	const char *energy, *grams;
} unit_cases[] = {
	{0, "0.00J", "0.00g"},
	{0.5, "0.50J", "0.50g"},
	{9.99, "9.99J", "9.99g"},
	{12.345, "12.3J", "12.3g"},
	{999, "999J", "999g"},
	{1000, "1.00kJ", "1.00kg"},
	{1500, "1.50kJ", "1.50kg"},
	{12345, "12.3kJ", "12.3kg"},
	{123456, "123kJ", "123kg"},
	{1e6, "1.00MJ", "1.00t"},
	{2.5e9, "2.50GJ", "2500t"},
	{5e12, "5000GJ", "5000000t"},
	{-1500, "-1.50kJ", "-1.50kg"},
	{NAN, "", ""},
	{INFINITY, "", ""},
};

START_TEST(test_units)
{
	char buf[64];

	for (size_t i = 0; i < NELEM(unit_cases); i++) {
		const struct unit_case *c = &unit_cases[i];

		out_energy(c->v, buf, sizeof(buf));
		ck_assert_msg(!strcmp(buf, c->energy), "%g J: '%s', want '%s'",
			c->v, buf, c->energy);
		out_grams(c->v, buf, sizeof(buf));
		ck_assert_msg(!strcmp(buf, c->grams), "%g g: '%s', want '%s'",
			c->v, buf, c->grams);
	}
	out_number(1.23456, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.235");
	out_number(28534.6, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "28535");
	out_number(NAN, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- -o ---- */

static const struct columns_case {
	const char *spec;
	int n;		  /* columns, or -1 */
	const char *want; /* "Name:width ..." or the error text */
} columns_cases[] = {
	{"JobID,User%12,co2e", 3, "JobID:14 User:12 CO2e:9"},
	{"jobid,CO2ERAW,energysource", 3,
		"JobID:14 CO2eRaw:12 "
		"EnergySource:12"},
	{"JobID,,User,", 2, "JobID:14 User:9"},
	{"User%1,User%500", 2, "User:1 User:500"},
	{NULL, 9,
		"JobID:14 User:9 Partition:10 Elapsed:10 State:10 "
		"Energy:9 EnergySource:12 Intensity:9 CO2e:9"},
	{"", 9,
		"JobID:14 User:9 Partition:10 Elapsed:10 State:10 Energy:9 "
		"EnergySource:12 Intensity:9 CO2e:9"},
	{"Nope", -1, "-o: unknown field 'Nope' (see scarbon --helpformat)"},
	{"JobID,CO2", -1,
		"-o: unknown field 'CO2' (see scarbon "
		"--helpformat)"},
	{"Nope%3", -1, "-o: unknown field 'Nope' (see scarbon --helpformat)"},
	{"User%", -1, "-o: bad width in 'User%'"},
	{"User%0", -1, "-o: bad width in 'User%0'"},
	{"User%501", -1, "-o: bad width in 'User%501'"},
	{"User%12x", -1, "-o: bad width in 'User%12x'"},
	{"User%-3", -1, "-o: bad width in 'User%-3'"},
	{"User%1234567890123456", -1,
		"-o: bad width in "
		"'User%1234567890123456'"},
	{",", -1, "-o: no fields"},
	{",,,", -1, "-o: no fields"},
};

START_TEST(test_columns)
{
	for (size_t i = 0; i < NELEM(columns_cases); i++) {
		const struct columns_case *c = &columns_cases[i];
		struct sc_error err = {{0}};
		struct out_column *cols = NULL;
		char got[512] = "";
		int n = out_columns(c->spec, JOBS_DEFAULT_FORMAT, jobs_fields,
			jobs_nfields, &cols, &err);

		ck_assert_msg(n == c->n, "'%s': %d columns, want %d (%s)",
			c->spec ? c->spec : "(null)", n, c->n, err.text);
		if (n < 0) {
			ck_assert_msg(!strcmp(err.text, c->want),
				"'%s': '%s', want '%s'", c->spec, err.text,
				c->want);
			continue;
		}
		for (int k = 0; k < n; k++)
			cat(got, sizeof(got), "%s%s:%d", k ? " " : "",
				cols[k].def->name, cols[k].width);
		ck_assert_msg(!strcmp(got, c->want), "'%s': '%s', want '%s'",
			c->spec ? c->spec : "(null)", got, c->want);
		free(cols);
	}
}
END_TEST

START_TEST(test_helpformat)
{
	char *text = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&text, &len);

	out_print_fields(f, jobs_fields, jobs_nfields);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	ck_assert_uint_eq(lines, (jobs_nfields + 3) / 4);
	for (size_t i = 0; i < jobs_nfields; i++)
		ck_assert_msg(strstr(text, jobs_fields[i].name), "no %s",
			jobs_fields[i].name);
	ck_assert_msg(!strncmp(text, "JobID               User      ", 30),
		"'%.40s'", text);
	free(text);
}
END_TEST

/* ---- a hand-built job set ---- */

static struct carbon_conf *test_conf(void)
{
	static const char text[] = "PUE=1.5\n"
				   "RegionName=flat Intensity=250\n"
				   "DefaultRegion=flat\n";
	struct sc_error err = {{0}};
	struct carbon_conf *conf =
		carbon_conf_parse("test.conf", text, strlen(text), NULL, &err);

	ck_assert_msg(conf, "%s", err.text);
	return conf;
}

struct fixture {
	struct job_set set;
	struct job_carbon jcs[5];
};

static struct job_record *add_job(struct job_set *set, const char *id,
	const char *user, const char *account, const char *partition,
	const char *nodes)
{
	struct sc_error err = {{0}};
	struct job_record *j = job_set_add(set);

	ck_assert_ptr_nonnull(j);
	snprintf(j->id, sizeof(j->id), "%s", id);
	j->user = job_set_strdup(set, user);
	j->account = job_set_strdup(set, account);
	j->partition = job_set_strdup(set, partition);
	j->state = "COMPLETED";
	j->finished = true;
	j->nodes_expr = job_set_strdup(set, nodes);
	j->nodes = job_set_nodelist(set, nodes, &err);
	ck_assert_msg(j->nodes, "%s", err.text);
	j->start = NOW - 3600;
	j->end = NOW - 600;
	j->alloc_cpus = 4;
	return j;
}

static void set_carbon(struct job_carbon *jc, enum energy_source src,
	double energy, double op, double emb)
{
	memset(jc, 0, sizeof(*jc));
	jc->source = src;
	jc->rule = src == ENERGY_SOURCE_ESTIMATED ? "Green Algorithms estimate"
						  : "extern step";
	jc->region = "flat";
	jc->energy_j = energy;
	jc->pue = 1.5;
	jc->intensity = isfinite(energy) ? 250 : NAN;
	jc->operational_g = op;
	jc->embodied_g = emb;
	jc->total_g = op + emb;
	jc->share = 0.25;
}

/*
 * Five jobs: alice twice (one with unknown operational carbon), bob once
 * (estimated, the largest), a job with no user and no account (partial),
 * carol once. Totals 10, 30, unknown (embodied 1.5 known), 10, 10 g.
 */
static void fixture_init(struct fixture *fx)
{
	struct job_record *j;

	job_set_init(&fx->set);
	add_job(&fx->set, "101", "alice", "a1", "p1", "cn1");
	add_job(&fx->set, "102", "bob", "a1", "p2", "cn[1-2]");
	add_job(&fx->set, "103", "alice", "a2", "p1", "cn2");
	j = add_job(&fx->set, "104", NULL, "", "p2", "cn1");
	j->admin_comment = job_set_strdup(
		&fx->set, "owner=ops [scarbon co2e_g=10.000 v=1]");
	add_job(&fx->set, "105", "carol", "a2", "p1", "cn1");
	set_carbon(&fx->jcs[0], ENERGY_SOURCE_MEASURED, 1000, 8, 2);
	set_carbon(&fx->jcs[1], ENERGY_SOURCE_ESTIMATED, 3000, 27, 3);
	set_carbon(&fx->jcs[2], ENERGY_SOURCE_MEASURED, NAN, NAN, 1.5);
	snprintf(fx->jcs[2].why, sizeof(fx->jcs[2].why), "no series");
	set_carbon(&fx->jcs[3], ENERGY_SOURCE_PARTIAL, 500, 9, 1);
	set_carbon(&fx->jcs[4], ENERGY_SOURCE_MEASURED, 900, 9.5, 0.5);
}

/* One report row as "key jobs est partial unknown energy op emb total". */
static void row_text(const struct report_row *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s %zu %zu %zu %zu %g %g %g %g", r->key, r->jobs,
		r->estimated, r->partial, r->unknown, r->energy_j,
		r->operational_g, r->embodied_g, r->total_g);
}

static const struct group_case {
	enum scarbon_group by;
	const char *rows[5];
} group_cases[] = {
	/* 10 g ties sort by name: "(none)" < "alice" < "carol" */
	{GROUP_USER, {"bob 1 1 0 0 3000 27 3 30", "(none) 1 0 1 0 500 9 1 10",
			     "alice 2 0 0 1 1000 8 3.5 10",
			     "carol 1 0 0 0 900 9.5 0.5 10", NULL}},
	{GROUP_ACCOUNT, {"a1 2 1 0 0 4000 35 5 40", "(none) 1 0 1 0 500 9 1 10",
				"a2 2 0 0 1 900 9.5 2 10", NULL}},
	{GROUP_PARTITION,
		{"p2 2 1 1 0 3500 36 4 40", "p1 3 0 0 1 1900 17.5 4 20", NULL}},
};

START_TEST(test_report_group)
{
	struct fixture fx;

	fixture_init(&fx);
	for (size_t i = 0; i < NELEM(group_cases); i++) {
		const struct group_case *c = &group_cases[i];
		struct scarbon_opts o = {.group = c->by};
		struct report_row *rows = NULL;
		long n = report_group(&o, &fx.set, fx.jcs, &rows);
		long want = 0;
		char got[256];

		while (c->rows[want])
			want++;
		ck_assert_msg(
			n == want, "by %d: %ld rows, want %ld", c->by, n, want);
		for (long k = 0; k < n; k++) {
			row_text(&rows[k], got, sizeof(got));
			ck_assert_msg(!strcmp(got, c->rows[k]),
				"by %d row %ld: '%s', want '%s'", c->by, k, got,
				c->rows[k]);
		}
		free(rows);
	}
	job_set_clear(&fx.set);
}
END_TEST

START_TEST(test_report_empty)
{
	struct job_set set;
	struct scarbon_opts o = {.group = GROUP_USER, .output = OUT_PARSABLE2};
	struct report_row *rows = NULL;
	struct sc_error err = {{0}};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	long n;

	job_set_init(&set);
	n = report_group(&o, &set, NULL, &rows);
	ck_assert_int_eq(n, 0);
	f = open_memstream(&text, &len);
	ck_assert_int_eq(report_print(f, &o, rows, 0, &err), 0);
	fclose(f);
	ck_assert_str_eq(text, "User|Jobs|Energy|CO2eOperational|CO2eEmbodied|"
			       "CO2e|Estimated|Unknown\n"
			       "TOTAL|0|0.00J|0.00g|0.00g|0.00g|0|0\n");
	free(text);
	free(rows);
}
END_TEST

/* report_print: the top N rows, then TOTAL over every row. */
static const struct report_print_case {
	enum scarbon_group by;
	enum scarbon_output out;
	long top;
	bool noheader;
	const char *format;
	const char *want;
} report_print_cases[] = {
	{GROUP_USER, OUT_PARSABLE2, 2, false, "User,Jobs,CO2eRaw,Unknown",
		"User|Jobs|CO2eRaw|Unknown\n"
		"bob|1|30.000|0\n"
		"(none)|1|10.000|0\n"
		"TOTAL|5|60.000|1\n"},
	{GROUP_PARTITION, OUT_PARSABLE2, 0, false, NULL,
		"Partition|Jobs|Energy|CO2eOperational|CO2eEmbodied|CO2e|"
		"Estimated|Unknown\n"
		"p2|2|3.50kJ|36.0g|4.00g|40.0g|1|0\n"
		"p1|3|1.90kJ|17.5g|4.00g|20.0g|0|1\n"
		"TOTAL|5|5.40kJ|53.5g|8.00g|60.0g|1|1\n"},
	{GROUP_ACCOUNT, OUT_PARSABLE, 1, true,
		"Account,EnergyRaw,CO2eOperationalRaw,CO2eEmbodiedRaw,"
		"Estimated,Partial",
		"a1|4000|35.000|5.000|1|0|\n"
		"TOTAL|5400|53.500|8.000|1|1|\n"},
	{GROUP_ACCOUNT, OUT_CSV, 0, false, "Account,Jobs",
		"Account,Jobs\na1,2\n(none),1\na2,2\nTOTAL,5\n"},
	{GROUP_USER, OUT_TABLE, 1, false, "User,CO2e",
		"User              CO2e\n"
		"------------ ---------\n"
		"bob              30.0g\n"
		"TOTAL            60.0g\n"},
};

START_TEST(test_report_print)
{
	struct fixture fx;

	fixture_init(&fx);
	for (size_t i = 0; i < NELEM(report_print_cases); i++) {
		const struct report_print_case *c = &report_print_cases[i];
		struct scarbon_opts o = {.group = c->by,
			.output = c->out,
			.top = c->top,
			.noheader = c->noheader,
			.format = c->format};
		struct report_row *rows = NULL;
		struct sc_error err = {{0}};
		char *text = NULL;
		size_t len = 0;
		long n = report_group(&o, &fx.set, fx.jcs, &rows);
		FILE *f = open_memstream(&text, &len);

		ck_assert_int_ge(n, 1);
		ck_assert_int_eq(report_print(f, &o, rows, (size_t)n, &err), 0);
		fclose(f);
		ck_assert_msg(!strcmp(text, c->want),
			"case %zu:\n%s\nwant:\n%s", i, text, c->want);
		free(text);
		free(rows);
	}
	job_set_clear(&fx.set);
}
END_TEST

START_TEST(test_report_json)
{
	struct fixture fx;
	struct scarbon_opts o = {
		.group = GROUP_PARTITION, .output = OUT_JSON, .top = 1};
	struct report_row *rows = NULL;
	struct sc_error err = {{0}};
	json_error_t jerr;
	char *text = NULL;
	size_t len = 0;
	json_t *root, *r;
	long n;
	FILE *f;

	fixture_init(&fx);
	n = report_group(&o, &fx.set, fx.jcs, &rows);
	f = open_memstream(&text, &len);
	ck_assert_int_eq(report_print(f, &o, rows, (size_t)n, &err), 0);
	fclose(f);
	root = json_loads(text, 0, &jerr);
	ck_assert_msg(root, "not JSON: %s\n%s", jerr.text, text);
	ck_assert_str_eq(
		json_string_value(json_object_get(root, "by")), "partition");
	ck_assert_uint_eq(json_array_size(json_object_get(root, "rows")), 1);
	r = json_array_get(json_object_get(root, "rows"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "p2");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "jobs")), 2);
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(r, "co2e_g")), 40, 1e-9);
	r = json_object_get(root, "total");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "unknown")), 1);
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(r, "co2e_g")), 60, 1e-9);
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(r, "energy_j")), 5400, 1e-9);
	json_decref(root);
	free(text);
	free(rows);
	job_set_clear(&fx.set);
}
END_TEST

/* ---- job lines ---- */

/* Job 200 on cn[1-2] with a batch step (3600 J) and step 0 (1800 J). */
static void steps_fixture(struct job_set *set, struct job_carbon *jc)
{
	struct sc_error err = {{0}};
	struct job_record *j =
		add_job(set, "200", "dave", "lab", "main", "cn[1-2]");
	struct job_step_record *s = job_set_steps(set, 2);

	ck_assert_ptr_nonnull(s);
	j->admin_comment = job_set_strdup(set, "say \"hi\", ok");
	snprintf(s[0].name, sizeof(s[0].name), "batch");
	s[0].kind = JOB_STEP_BATCH;
	s[0].start = j->start;
	s[0].end = j->end;
	s[0].nodes_expr = "cn1";
	s[0].nodes = job_set_nodelist(set, "cn1", &err);
	s[0].energy_j = 3600;
	snprintf(s[1].name, sizeof(s[1].name), "0");
	s[1].kind = JOB_STEP_NORMAL;
	s[1].start = j->start + 60;
	s[1].end = j->start + 120;
	s[1].nodes_expr = "cn[1-2]";
	s[1].nodes = job_set_nodelist(set, "cn[1-2]", &err);
	s[1].energy_j = 1800;
	j->steps = s;
	j->nsteps = 2;
	set_carbon(jc, ENERGY_SOURCE_MEASURED, 4500, 1.234, 0.1);
}

static const struct jobs_print_case {
	enum scarbon_output out;
	bool allocations, noheader;
	const char *format;
	const char *want;
} jobs_print_cases[] = {
	/* a step's own carbon: operational from its energy, total unknown */
	{OUT_PARSABLE2, false, false,
		"JobID,User,EnergySource,EnergyRaw,CO2eOperationalRaw,CO2eRaw",
		"JobID|User|EnergySource|EnergyRaw|CO2eOperationalRaw|CO2eRaw\n"
		"200|dave|measured|4500|1.234|1.334\n"
		"200.batch||step|3600|0.375|\n"
		"200.0||step|1800|0.188|\n"},
	{OUT_PARSABLE2, true, true,
		"JobID,Start,End,Elapsed,ElapsedRaw,AllocCPUS,NodeList,State",
		"200|2026-01-15T09:20:30|2026-01-15T10:10:30|00:50:00|3000|4|"
		"cn[1-2]|COMPLETED\n"},
	{OUT_PARSABLE, true, true,
		"JobID,Energy,CO2e,PUE,Region,Intensity,"
		"EmbodiedShare,EnergyKWh,EnergyRule",
		"200|4.50kJ|1.33g|1.50|flat|250.0|0.2500|0.001250|extern "
		"step|\n"},
	{OUT_CSV, true, false, "JobID,AdminComment,Account,Partition",
		"JobID,AdminComment,Account,Partition\n"
		"200,\"say \"\"hi\"\", ok\",lab,main\n"},
	{OUT_TABLE, false, false, "JobID%6,CO2e,Account%4",
		"JobID       CO2e Acc+\n"
		"------ --------- ----\n"
		"200        1.33g lab \n"
		"200.b+               \n"
		"200.0                \n"},
};

START_TEST(test_jobs_print)
{
	struct carbon_conf *conf = test_conf();

	for (size_t i = 0; i < NELEM(jobs_print_cases); i++) {
		const struct jobs_print_case *c = &jobs_print_cases[i];
		struct scarbon_opts o = {.output = c->out,
			.allocations = c->allocations,
			.noheader = c->noheader,
			.format = c->format};
		struct job_set set;
		struct job_carbon jc;
		struct sc_error err = {{0}};
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		job_set_init(&set);
		steps_fixture(&set, &jc);
		f = open_memstream(&text, &len);
		ck_assert_int_eq(jobs_print(f, &o, conf, &set, &jc, &err), 0);
		fclose(f);
		ck_assert_msg(!strcmp(text, c->want),
			"case %zu:\n%s\nwant:\n%s", i, text, c->want);
		free(text);
		job_set_clear(&set);
	}
	carbon_conf_destroy(conf);
}
END_TEST

START_TEST(test_jobs_print_bad_format)
{
	struct carbon_conf *conf = test_conf();
	struct scarbon_opts o = {.format = "JobID,Watts"};
	struct job_set set;
	struct job_carbon jc;
	struct sc_error err = {{0}};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	job_set_init(&set);
	steps_fixture(&set, &jc);
	f = open_memstream(&text, &len);
	ck_assert_int_eq(jobs_print(f, &o, conf, &set, &jc, &err), -1);
	fclose(f);
	ck_assert_str_eq(err.text,
		"-o: unknown field 'Watts' (see scarbon --helpformat)");
	ck_assert_uint_eq(len, 0); /* nothing printed before the error */
	free(text);
	job_set_clear(&set);
	carbon_conf_destroy(conf);
}
END_TEST

START_TEST(test_jobs_json)
{
	struct carbon_conf *conf = test_conf();
	struct scarbon_opts o = {.output = OUT_JSON};
	struct job_set set;
	struct job_carbon jc[2];
	struct sc_error err = {{0}};
	json_error_t jerr;
	char *text = NULL;
	size_t len = 0;
	json_t *root, *jobs, *j, *s;
	FILE *f;

	job_set_init(&set);
	steps_fixture(&set, &jc[0]);
	add_job(&set, "201", "erin", "lab", "main", "cn2");
	set_carbon(&jc[1], ENERGY_SOURCE_NONE, NAN, NAN, NAN);
	jc[1].region = NULL;
	snprintf(jc[1].why, sizeof(jc[1].why), "job is still running");
	f = open_memstream(&text, &len);
	ck_assert_int_eq(jobs_print(f, &o, conf, &set, jc, &err), 0);
	fclose(f);
	root = json_loads(text, 0, &jerr);
	ck_assert_msg(root, "not JSON: %s\n%s", jerr.text, text);
	jobs = json_object_get(root, "jobs");
	ck_assert_uint_eq(json_array_size(jobs), 2);
	j = json_array_get(jobs, 0);
	ck_assert_str_eq(
		json_string_value(json_object_get(j, "job_id")), "200");
	ck_assert_str_eq(json_string_value(json_object_get(j, "energy_source")),
		"measured");
	ck_assert_str_eq(json_string_value(json_object_get(j, "admin_comment")),
		"say \"hi\", ok");
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(j, "co2e_g")), 1.334, 1e-12);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "end")),
		(json_int_t)(NOW - 600));
	ck_assert(json_is_null(json_object_get(j, "reason")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "steps")), 2);
	s = json_array_get(json_object_get(j, "steps"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(s, "step")), "0");
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(s, "co2e_operational_g")),
		1800 * 1.5 * 250 / 3.6e6, 1e-12);
	ck_assert(json_is_null(json_object_get(s, "co2e_g")));
	j = json_array_get(jobs, 1);
	ck_assert_str_eq(
		json_string_value(json_object_get(j, "energy_source")), "none");
	ck_assert(json_is_null(json_object_get(j, "co2e_g")));
	ck_assert(json_is_null(json_object_get(j, "region")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "reason")),
		"job is still running");
	json_decref(root);
	free(text);
	job_set_clear(&set);
	carbon_conf_destroy(conf);
}
END_TEST

/* The Stamped field reads back co2e_g from AdminComment. */
START_TEST(test_stamped_field)
{
	struct carbon_conf *conf = test_conf();
	struct fixture fx;
	struct scarbon_opts o = {.output = OUT_PARSABLE2,
		.noheader = true,
		.allocations = true,
		.format = "JobID,Stamped"};
	struct sc_error err = {{0}};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	fixture_init(&fx);
	f = open_memstream(&text, &len);
	ck_assert_int_eq(jobs_print(f, &o, conf, &fx.set, fx.jcs, &err), 0);
	fclose(f);
	ck_assert_str_eq(text, "101|\n102|\n103|\n104|10.000\n105|\n");
	free(text);
	job_set_clear(&fx.set);
	carbon_conf_destroy(conf);
}
END_TEST

static Suite *scarbon_cli_suite(void)
{
	Suite *s = suite_create("scarbon_cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_options_unknown_in_cluster);
	tcase_add_test(tc, test_options_twice);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_when_parse);
	tcase_add_test(tc, test_when_format);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_columns);
	tcase_add_test(tc, test_helpformat);
	tcase_add_test(tc, test_report_group);
	tcase_add_test(tc, test_report_empty);
	tcase_add_test(tc, test_report_print);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_jobs_print);
	tcase_add_test(tc, test_jobs_print_bad_format);
	tcase_add_test(tc, test_jobs_json);
	tcase_add_test(tc, test_stamped_field);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	setenv("TZ", "UTC", 1);
	tzset();
	sr = srunner_create(scarbon_cli_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
