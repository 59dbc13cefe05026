/*
 * options.c: scarbon's command line: subcommand, sacct-style selection and
 * output options, parsed into plain values.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carbon_conf.h"
#include "options.h"
#include "when.h"

#define DEFAULT_SETTLE_S 120

static const char usage_jobs[] =
	"usage: scarbon [OPTIONS]            energy and carbon of jobs\n"
	"       scarbon report [OPTIONS]     totals by user, account or "
	"partition\n"
	"       scarbon stamp [OPTIONS]      store each finished job's "
	"carbon in slurmdbd\n"
	"       scarbon check [--conf FILE]  check carbon.conf and its "
	"series\n"
	"\n"
	"Selection (as sacct):\n"
	"  -j, --jobs LIST        job ids (123, 123_4, 123+1)\n"
	"  -u, --user, --uid LIST users (default: yourself; root: everyone)\n"
	"  -a, --allusers         every user\n"
	"  -A, --account(s) LIST  accounts\n"
	"  -r, --partition LIST   partitions\n"
	"  -s, --state LIST       states (CD, F, CA, TO, R, ...)\n"
	"  -S, --starttime TIME   jobs running at or after TIME (default: "
	"00:00 today,\n"
	"                         none with -j)\n"
	"  -E, --endtime TIME     jobs running before TIME (default: now)\n"
	"  -M, --clusters LIST    clusters, or all (default: this cluster)\n"
	"  -L, --allclusters      every cluster\n"
	"  -X, --allocations      job lines only, no steps\n"
	"Output:\n"
	"  -o, --format LIST      fields, each optionally NAME%WIDTH (see "
	"--helpformat)\n"
	"      --helpformat       list the fields\n"
	"  -n, --noheader         no header\n"
	"  -p, --parsable         '|' after every field\n"
	"  -P, --parsable2        '|' between fields\n"
	"      --csv              comma-separated values with a header\n"
	"      --json             one JSON document\n"
	"Configuration:\n"
	"      --conf FILE        carbon.conf (default: $SCARBON_CONF, else "
	"carbon.conf\n"
	"                         next to $SLURM_CONF, else "
	"/etc/slurm/carbon.conf)\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"report: --by user|account|partition (default user), --top N\n"
	"stamp:  --settle DURATION (default 120s), --dry-run; -S default "
	"now-7days\n";

const char *scarbon_usage(enum scarbon_cmd cmd)
{
	(void)cmd;
	return usage_jobs;
}

enum {
	OPT_JSON = 256,
	OPT_CSV,
	OPT_CONF,
	OPT_BY,
	OPT_TOP,
	OPT_SETTLE,
	OPT_DRY_RUN,
	OPT_HELPFORMAT,
};

static const struct option long_options[] = {
	{"jobs", required_argument, NULL, 'j'},
	{"user", required_argument, NULL, 'u'},
	{"uid", required_argument, NULL, 'u'},
	{"allusers", no_argument, NULL, 'a'},
	{"account", required_argument, NULL, 'A'},
	{"accounts", required_argument, NULL, 'A'},
	{"partition", required_argument, NULL, 'r'},
	{"state", required_argument, NULL, 's'},
	{"starttime", required_argument, NULL, 'S'},
	{"endtime", required_argument, NULL, 'E'},
	{"clusters", required_argument, NULL, 'M'},
	{"allclusters", no_argument, NULL, 'L'},
	{"allocations", no_argument, NULL, 'X'},
	{"format", required_argument, NULL, 'o'},
	{"noheader", no_argument, NULL, 'n'},
	{"parsable", no_argument, NULL, 'p'},
	{"parsable2", no_argument, NULL, 'P'},
	{"json", no_argument, NULL, OPT_JSON},
	{"csv", no_argument, NULL, OPT_CSV},
	{"conf", required_argument, NULL, OPT_CONF},
	{"by", required_argument, NULL, OPT_BY},
	{"top", required_argument, NULL, OPT_TOP},
	{"settle", required_argument, NULL, OPT_SETTLE},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"helpformat", no_argument, NULL, OPT_HELPFORMAT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Append the comma-separated items of arg to *list. */
static int add_items(char ***list, const char *arg, const char *opt,
	struct sc_error *err)
{
	char *copy = strdup(arg), *save = NULL, *s;
	size_t n = 0;

	if (!copy)
		return sc_errprintf(err, "out of memory");
	while (*list && (*list)[n])
		n++;
	for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(*list, (n + 2) * sizeof(**list));

		if (!grown) {
			free(copy);
			return sc_errprintf(err, "out of memory");
		}
		*list = grown;
		if (!((*list)[n] = strdup(s))) {
			(*list)[n] = NULL;
			free(copy);
			return sc_errprintf(err, "out of memory");
		}
		(*list)[++n] = NULL;
	}
	free(copy);
	if (!n)
		return sc_errprintf(err, "%s: empty list", opt);
	return 0;
}

static int parse_subcommand(int *argc, char ***argv, struct scarbon_opts *o)
{
	static const struct {
		const char *name;
		enum scarbon_cmd cmd;
	} cmds[] = {{"report", SCARBON_REPORT}, {"stamp", SCARBON_STAMP},
		{"check", SCARBON_CHECK}};
	size_t i;

	o->cmd = SCARBON_JOBS;
	if (*argc < 2 || (*argv)[1][0] == '-')
		return 0;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp((*argv)[1], cmds[i].name)) {
			o->cmd = cmds[i].cmd;
			(*argc)--;
			(*argv)++;
			return 0;
		}
	}
	return -1;
}

static int set_time(const char *arg, time_t now, time_t *t, bool *have,
	const char *opt, struct sc_error *err)
{
	if (when_parse(arg, now, t) < 0)
		return sc_errprintf(err,
			"%s '%s': not a time (YYYY-MM-DD[THH:MM[:SS]], "
			"now[-N{minutes,hours,days,weeks}], today)",
			opt, arg);
	*have = true;
	return 0;
}

static int set_group(const char *arg, struct scarbon_opts *o,
	struct sc_error *err)
{
	if (!strcasecmp(arg, "user"))
		o->group = GROUP_USER;
	else if (!strcasecmp(arg, "account"))
		o->group = GROUP_ACCOUNT;
	else if (!strcasecmp(arg, "partition"))
		o->group = GROUP_PARTITION;
	else
		return sc_errprintf(err, "--by '%s': expected user, account or "
					 "partition",
			arg);
	return 0;
}

static int set_top(const char *arg, struct scarbon_opts *o,
	struct sc_error *err)
{
	char *end;

	errno = 0;
	o->top = strtol(arg, &end, 10);
	if (errno || *end || end == arg || o->top < 1)
		return sc_errprintf(err, "--top '%s': a positive number", arg);
	return 0;
}

static int set_clusters(const char *arg, struct scarbon_opts *o,
	struct sc_error *err)
{
	if (!strcasecmp(arg, "all") || !strcmp(arg, "-1")) {
		o->all_clusters = true;
		return 0;
	}
	return add_items(&o->clusters, arg, "-M", err);
}

static int one_option(int c, const char *arg, time_t now,
	struct scarbon_opts *o, struct sc_error *err)
{
	switch (c) {
	case 'j':
		return add_items(&o->jobs, arg, "-j", err);
	case 'u':
		return add_items(&o->users, arg, "-u", err);
	case 'a':
		o->all_users = true;
		return 0;
	case 'A':
		return add_items(&o->accounts, arg, "-A", err);
	case 'r':
		return add_items(&o->partitions, arg, "-r", err);
	case 's':
		return add_items(&o->states, arg, "-s", err);
	case 'S':
		return set_time(arg, now, &o->start, &o->have_start, "-S", err);
	case 'E':
		return set_time(arg, now, &o->end, &o->have_end, "-E", err);
	case 'M':
		return set_clusters(arg, o, err);
	case 'L':
		o->all_clusters = true;
		return 0;
	case 'X':
		o->allocations = true;
		return 0;
	case 'o':
		o->format = arg;
		return 0;
	case 'n':
		o->noheader = true;
		return 0;
	case 'p':
		o->output = OUT_PARSABLE;
		return 0;
	case 'P':
		o->output = OUT_PARSABLE2;
		return 0;
	case OPT_JSON:
		o->output = OUT_JSON;
		return 0;
	case OPT_CSV:
		o->output = OUT_CSV;
		return 0;
	case OPT_CONF:
		o->conf_path = arg;
		return 0;
	case OPT_BY:
		return set_group(arg, o, err);
	case OPT_TOP:
		return set_top(arg, o, err);
	case OPT_SETTLE:
		if (carbon_parse_duration(arg, &o->settle) < 0)
			return sc_errprintf(err,
				"--settle '%s': a duration with a unit "
				"(0s, 90s, 5min)",
				arg);
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case OPT_HELPFORMAT:
		o->format = "help";
		return 0;
	case 'h':
		o->show_help = true;
		return 0;
	case 'V':
		o->show_version = true;
		return 0;
	}
	return sc_errprintf(err, "unknown option (see scarbon --help)");
}

/* Options that make no sense for the subcommand are refused. */
static int check_combination(struct scarbon_opts *o, struct sc_error *err)
{
	if (o->cmd != SCARBON_REPORT && o->top)
		return sc_errprintf(err, "--top is an option of scarbon report");
	if (o->cmd != SCARBON_STAMP && (o->dry_run || o->settle >= 0))
		return sc_errprintf(err, "--settle and --dry-run are options "
					 "of scarbon stamp");
	if (o->cmd == SCARBON_STAMP && o->output != OUT_TABLE)
		return sc_errprintf(err, "scarbon stamp prints a summary only");
	/* a stamp is written to this cluster's record of the job id */
	if (o->cmd == SCARBON_STAMP && (o->clusters || o->all_clusters))
		return sc_errprintf(err, "scarbon stamp works on this cluster "
					 "only: run it on each cluster");
	if (o->cmd == SCARBON_CHECK &&
		(o->jobs || o->users || o->accounts || o->partitions ||
			o->states || o->clusters || o->have_start ||
			o->have_end || o->format || o->output != OUT_TABLE))
		return sc_errprintf(err, "scarbon check takes only --conf");
	if (o->have_start && o->have_end && o->end < o->start)
		return sc_errprintf(err, "-E is before -S");
	if (o->settle < 0)
		o->settle = DEFAULT_SETTLE_S;
	return 0;
}

/*
 * An unknown option or one without its value: a long option is named as
 * written; a short one by its letter (it may sit inside a cluster such as
 * -qX, where argv[optind - 1] is not it).
 */
static int bad_option(int c, const char *arg, struct sc_error *err)
{
	const struct option *lo;
	char name[64];

	if (!strncmp(arg, "--", 2))
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (c == ':')
		return sc_errprintf(err, "option '%s' needs a value", name);
	for (lo = long_options; lo->name && name[1] == '-'; lo++)
		if (!strcmp(lo->name, name + 2))
			return sc_errprintf(err, "option '%s' takes no value",
				name);
	return sc_errprintf(err, "unknown option '%s' (see scarbon --help)",
		name);
}

int scarbon_opts_parse(int argc, char **argv, time_t now,
	struct scarbon_opts *o, struct sc_error *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->settle = -1;
	if (parse_subcommand(&argc, &argv, o) < 0)
		return sc_errprintf(err, "unknown command '%s' (report, stamp, "
					 "check; see scarbon --help)",
			argv[1]);
	optind = 0; /* glibc: 0 resets getopt fully, 1 does not */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:u:aA:r:s:S:E:M:LXo:npPhV",
			long_options, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(c, argv[optind - 1], err);
		if (one_option(c, optarg, now, o, err) < 0)
			return -1;
	}
	if (optind < argc)
		return sc_errprintf(err, "unexpected argument '%s' (see "
					 "scarbon --help)",
			argv[optind]);
	return check_combination(o, err);
}

static void free_list(char **list)
{
	char **s;

	for (s = list; s && *s; s++)
		free(*s);
	free(list);
}

void scarbon_opts_free(struct scarbon_opts *o)
{
	free_list(o->jobs);
	free_list(o->users);
	free_list(o->accounts);
	free_list(o->partitions);
	free_list(o->states);
	free_list(o->clusters);
	memset(o, 0, sizeof(*o));
}
