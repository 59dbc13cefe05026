/*
 * options.c: carbonsim's command line (getopt_long) into struct options, and
 * the small value syntaxes: lists, durations, delay factors, ISO 8601 times.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "options.h"

enum {
	OPT_PROCS = 256,
	OPT_RUNTIME,
	OPT_LENIENT,
	OPT_POLICY,
	OPT_BACKFILL,
	OPT_WINDOWS,
	OPT_CARBON,
	OPT_SITE,
	OPT_SPACE_WAIT_WEIGHT,
	OPT_SPACE_MAX_WAIT,
	OPT_CARBON_START,
	OPT_WATTS_BUSY,
	OPT_WATTS_IDLE,
	OPT_PUE,
	OPT_MAX_DELAY,
	OPT_FORECAST,
	OPT_JSON,
	OPT_JOBS_CSV,
	OPT_PLOT_UTILIZATION,
	OPT_PLOT_TRADEOFF,
	OPT_GRID,
	OPT_PLOT_GRID,
	OPT_MAX_ADVANCE,
	OPT_FORECAST_ERROR,
	OPT_FORECAST_SEED,
	OPT_REPETITIONS,
};

static const struct option long_options[] = {
	{"procs", required_argument, NULL, OPT_PROCS},
	{"runtime", required_argument, NULL, OPT_RUNTIME},
	{"lenient", no_argument, NULL, OPT_LENIENT},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"backfill", required_argument, NULL, OPT_BACKFILL},
	{"windows", no_argument, NULL, OPT_WINDOWS},
	{"carbon", required_argument, NULL, OPT_CARBON},
	{"site", required_argument, NULL, OPT_SITE},
	{"space-wait-weight", required_argument, NULL, OPT_SPACE_WAIT_WEIGHT},
	{"space-max-wait", required_argument, NULL, OPT_SPACE_MAX_WAIT},
	{"carbon-start", required_argument, NULL, OPT_CARBON_START},
	{"watts-busy", required_argument, NULL, OPT_WATTS_BUSY},
	{"watts-idle", required_argument, NULL, OPT_WATTS_IDLE},
	{"pue", required_argument, NULL, OPT_PUE},
	{"max-delay", required_argument, NULL, OPT_MAX_DELAY},
	{"forecast", required_argument, NULL, OPT_FORECAST},
	{"json", required_argument, NULL, OPT_JSON},
	{"jobs-csv", required_argument, NULL, OPT_JOBS_CSV},
	{"plot-utilization", required_argument, NULL, OPT_PLOT_UTILIZATION},
	{"plot-tradeoff", required_argument, NULL, OPT_PLOT_TRADEOFF},
	{"grid", no_argument, NULL, OPT_GRID},
	{"plot-grid", required_argument, NULL, OPT_PLOT_GRID},
	{"max-advance", required_argument, NULL, OPT_MAX_ADVANCE},
	{"forecast-error", required_argument, NULL, OPT_FORECAST_ERROR},
	{"forecast-seed", required_argument, NULL, OPT_FORECAST_SEED},
	{"repetitions", required_argument, NULL, OPT_REPETITIONS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Keep the first error (sc_errprintf); errno EINVAL. -1. */
__attribute__((format(printf, 2, 3))) static int fail(
	struct sc_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_verrprintf(err, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int parse_double(const char *text, double *value)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end != '\0' || errno != 0 || !isfinite(v))
		return -1;
	*value = v;
	return 0;
}

int options_parse_duration(const char *text, int64_t *seconds)
{
	char *end;
	double v, unit = 1.0;

	/* Plain decimal only: no blanks, signs, hex or "inf" (strtod's). */
	if (strspn(text, "0123456789.") == 0 || strpbrk(text, "xX") != NULL)
		goto error;
	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(v) || v < 0.0)
		goto error;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			unit = 1.0;
			break;
		case 'm':
			unit = 60.0;
			break;
		case 'h':
			unit = 3600.0;
			break;
		case 'd':
			unit = 86400.0;
			break;
		default:
			goto error;
		}
		if (end[1] != '\0')
			goto error;
	}
	v *= unit;
	if (v > 1e15)
		goto error;
	*seconds = (int64_t)llround(v);
	return 0;
error:
	errno = EINVAL;
	return -1;
}

int options_parse_delay(const char *text, struct options_delay *delay)
{
	size_t len = strlen(text);
	struct options_delay d = {0};

	if (len == 0 || len >= OPTIONS_VALUE_MAX)
		goto error;
	if (text[len - 1] == 'x' || text[len - 1] == 'X') {
		char num[OPTIONS_VALUE_MAX];

		memcpy(num, text, len - 1);
		num[len - 1] = '\0';
		if (len < 2 || parse_double(num, &d.factor) < 0 ||
			!(d.factor > 0.0))
			goto error;
		snprintf(d.label, sizeof(d.label), "%gx", d.factor);
	} else {
		if (options_parse_duration(text, &d.seconds) < 0)
			goto error;
		snprintf(d.label, sizeof(d.label), "%s", text);
	}
	*delay = d;
	return 0;
error:
	errno = EINVAL;
	return -1;
}

/* Read exactly n digits at *p into *value; advance *p. */
static int digits(const char **p, int n, int *value)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return 0;
}

int options_parse_time(const char *text, int64_t *unix_time)
{
	const char *p = text;
	struct tm tm = {0};
	int year, mon, day, hour = 0, min = 0, sec = 0, oh, om, sign;
	int64_t offset = 0;
	time_t t;

	if (digits(&p, 4, &year) < 0 || *p++ != '-' ||
		digits(&p, 2, &mon) < 0 || *p++ != '-' ||
		digits(&p, 2, &day) < 0)
		goto error;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &hour) < 0 || *p++ != ':' ||
			digits(&p, 2, &min) < 0)
			goto error;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) < 0)
				goto error;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh) < 0)
			goto error;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
			goto error;
		offset = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0' || mon < 1 || mon > 12 || day < 1 || day > 31 ||
		hour > 23 || min > 59 || sec > 60)
		goto error;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm normalises 2021-02-30 to March: refuse such dates. */
	if (tm.tm_mday != day || tm.tm_mon != mon - 1)
		goto error;
	*unix_time = (int64_t)t - offset;
	return 0;
error:
	errno = EINVAL;
	return -1;
}

void options_format_time(int64_t unix_time, char *buf, size_t len)
{
	time_t t = (time_t)unix_time;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)unix_time);
}

/* Split a comma-separated list in place; calls item() on each element. */
static int parse_list(const char *opt_name, const char *arg,
	int (*item)(struct options *, const char *, struct sc_error *),
	struct options *opt, struct sc_error *err)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (copy == NULL)
		return fail(err, "%s: out of memory", opt_name);
	if (arg[0] == '\0')
		rc = fail(err, "%s: empty list", opt_name);
	for (tok = strtok_r(copy, ",", &save); rc == 0 && tok != NULL;
		tok = strtok_r(NULL, ",", &save))
		rc = item(opt, tok, err);
	free(copy);
	return rc;
}

static int add_policy(
	struct options *opt, const char *name, struct sc_error *err)
{
	struct sc_error why = {{0}};
	enum policy_kind k;

	if (policy_load(name, &k, &why) < 0)
		return fail(err, "--policy: %s", why.text);
	for (size_t i = 0; i < opt->npolicies; i++)
		if (opt->policies[i] == k)
			return fail(err, "--policy: '%s' given twice", name);
	if (opt->npolicies == OPTIONS_MAX_POLICIES)
		return fail(err, "--policy: more than %d policies",
			OPTIONS_MAX_POLICIES);
	opt->policies[opt->npolicies++] = k;
	return 0;
}

static int add_backfill(
	struct options *opt, const char *name, struct sc_error *err)
{
	enum backfill_kind k;

	if (backfill_parse(name, &k) < 0)
		return fail(err,
			"--backfill: unknown mode '%s' (none, easy, "
			"conservative)",
			name);
	for (size_t i = 0; i < opt->nbackfills; i++)
		if (opt->backfills[i] == k)
			return fail(err, "--backfill: '%s' given twice", name);
	opt->backfills[opt->nbackfills++] = k;
	return 0;
}

static int add_delay(
	struct options *opt, const char *text, struct sc_error *err)
{
	struct options_delay d, *grown;

	if (options_parse_delay(text, &d) < 0)
		return fail(err,
			"--max-delay: '%s' is neither a duration "
			"(86400, 30m, 6h, 1d) nor a factor (2x)",
			text);
	for (size_t i = 0; i < opt->ndelays; i++)
		if (opt->delays[i].seconds == d.seconds &&
			opt->delays[i].factor == d.factor)
			return fail(err, "--max-delay: '%s' given twice", text);
	grown = realloc(opt->delays, (opt->ndelays + 1) * sizeof(*grown));
	if (grown == NULL)
		return fail(err, "--max-delay: out of memory");
	opt->delays = grown;
	opt->delays[opt->ndelays++] = d;
	return 0;
}

static int add_site(
	struct options *opt, const char *arg, struct sc_error *err)
{
	struct options_site s = {0}, *grown;
	char *colon1, *colon2, *end;
	long procs;

	s.name = strdup(arg);
	if (s.name == NULL)
		return fail(err, "--site: out of memory");
	colon1 = strchr(s.name, ':');
	colon2 = colon1 != NULL ? strchr(colon1 + 1, ':') : NULL;
	if (colon2 == NULL || colon1 == s.name || colon2[1] == '\0') {
		fail(err, "--site: '%s' is not NAME:PROCS:SERIES", arg);
		goto error;
	}
	*colon1 = '\0';
	*colon2 = '\0';
	/* The name goes into CSV, JSON, SVG and file names: keep it plain. */
	if (strspn(s.name,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_.-") != strlen(s.name)) {
		fail(err,
			"--site: name '%s' may only hold letters, digits, "
			"'_', '.' and '-'",
			s.name);
		goto error;
	}
	errno = 0;
	procs = strtol(colon1 + 1, &end, 10);
	if (end == colon1 + 1 || *end != '\0' || errno != 0 || procs <= 0 ||
		procs > INT32_MAX) {
		fail(err, "--site: '%s': PROCS must be a positive integer",
			arg);
		goto error;
	}
	for (size_t i = 0; i < opt->nsites; i++)
		if (strcmp(opt->sites[i].name, s.name) == 0) {
			fail(err, "--site: site name '%s' given twice", s.name);
			goto error;
		}
	s.procs = (int32_t)procs;
	s.series = colon2 + 1;
	grown = realloc(opt->sites, (opt->nsites + 1) * sizeof(*grown));
	if (grown == NULL) {
		fail(err, "--site: out of memory");
		goto error;
	}
	opt->sites = grown;
	opt->sites[opt->nsites++] = s;
	return 0;
error:
	free(s.name);
	return -1;
}

static int parse_watts(const char *name, const char *arg, double *value,
	double min, struct sc_error *err)
{
	if (parse_double(arg, value) < 0 || *value < min)
		return fail(
			err, "%s: '%s' must be a number >= %g", name, arg, min);
	return 0;
}

/* One --max-advance value: a duration. */
static int add_advance(
	struct options *opt, const char *text, struct sc_error *err)
{
	int64_t v, *grown;
	char(*labels)[16];

	if (strlen(text) >= sizeof(opt->advance_labels[0]) ||
		options_parse_duration(text, &v) < 0)
		return fail(err,
			"--max-advance: '%s' is not a duration (3600, 30m, "
			"6h, 1d)",
			text);
	grown = realloc(opt->advances, (opt->nadvances + 1) * sizeof(*grown));
	if (grown == NULL)
		return fail(err, "--max-advance: out of memory");
	opt->advances = grown;
	labels = realloc(opt->advance_labels,
		(opt->nadvances + 1) * sizeof(*labels));
	if (labels == NULL)
		return fail(err, "--max-advance: out of memory");
	opt->advance_labels = labels;
	snprintf(labels[opt->nadvances], sizeof(labels[0]), "%s", text);
	opt->advances[opt->nadvances++] = v;
	return 0;
}

/*
 * A forecast error: a fraction of the series' mean ("0.05") or a
 * percentage ("5%"), in [0, 10]. 0 or -1.
 */
static int parse_error(const char *text, double *value)
{
	char num[OPTIONS_VALUE_MAX];
	size_t len = strlen(text);
	double scale = 1.0;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, text, len + 1);
	if (num[len - 1] == '%') {
		num[len - 1] = '\0';
		scale = 0.01;
	}
	if (strspn(num, "0123456789.") != strlen(num) ||
		parse_double(num, value) < 0)
		return -1;
	*value *= scale;
	return *value >= 0.0 && *value <= 10.0 ? 0 : -1;
}

/* A non-negative integer no larger than max. 0 or -1. */
static int parse_count(const char *text, uint64_t max, uint64_t *value)
{
	char *end;
	unsigned long long v;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*value = v;
	return 0;
}

static void set_defaults(struct options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->swf.runtime_mode = SWF_RUNTIME_ACTUAL;
	opt->space_wait_weight = OPTIONS_SPACE_WAIT_WEIGHT;
	opt->space_max_wait = OPTIONS_SPACE_MAX_WAIT;
	opt->power.watts_busy = OPTIONS_WATTS_BUSY;
	opt->power.watts_idle = OPTIONS_WATTS_IDLE;
	opt->power.pue = OPTIONS_PUE;
	opt->forecast = FORECAST_ORACLE;
	opt->repetitions = OPTIONS_REPETITIONS;
}

static int parse_one(
	struct options *opt, int c, const char *arg, struct sc_error *err)
{
	char *end;
	long v;

	switch (c) {
	case OPT_PROCS:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (end == arg || *end != '\0' || errno != 0 || v <= 0 ||
			v > INT32_MAX)
			return fail(err,
				"--procs: '%s' must be a positive "
				"integer",
				arg);
		opt->swf.procs = (int)v;
		return 0;
	case OPT_RUNTIME:
		if (strcasecmp(arg, "actual") == 0)
			opt->swf.runtime_mode = SWF_RUNTIME_ACTUAL;
		else if (strcasecmp(arg, "requested") == 0)
			opt->swf.runtime_mode = SWF_RUNTIME_REQUESTED;
		else
			return fail(err,
				"--runtime: '%s' is not actual or "
				"requested",
				arg);
		return 0;
	case OPT_LENIENT:
		opt->swf.lenient = true;
		return 0;
	case OPT_POLICY:
		return parse_list("--policy", arg, add_policy, opt, err);
	case OPT_BACKFILL:
		return parse_list("--backfill", arg, add_backfill, opt, err);
	case OPT_WINDOWS:
		opt->windows = true;
		return 0;
	case OPT_CARBON:
		if (opt->carbon != NULL)
			return fail(err, "--carbon: given twice (use --site "
					 "for several sites)");
		opt->carbon = arg;
		return 0;
	case OPT_SITE:
		return add_site(opt, arg, err);
	case OPT_SPACE_WAIT_WEIGHT:
		return parse_watts("--space-wait-weight", arg,
			&opt->space_wait_weight, 0.0, err);
	case OPT_SPACE_MAX_WAIT:
		if (options_parse_duration(arg, &opt->space_max_wait) < 0)
			return fail(err,
				"--space-max-wait: '%s' is not a "
				"duration (3600, 30m, 6h, 1d)",
				arg);
		return 0;
	case OPT_CARBON_START:
		if (options_parse_time(arg, &opt->carbon_start) < 0)
			return fail(err,
				"--carbon-start: '%s' is not an ISO "
				"8601 time (2020-01-01T00:00:00Z)",
				arg);
		opt->carbon_start_set = true;
		return 0;
	case OPT_WATTS_BUSY:
		return parse_watts(
			"--watts-busy", arg, &opt->power.watts_busy, 0.0, err);
	case OPT_WATTS_IDLE:
		return parse_watts(
			"--watts-idle", arg, &opt->power.watts_idle, 0.0, err);
	case OPT_PUE:
		return parse_watts("--pue", arg, &opt->power.pue, 1.0, err);
	case OPT_MAX_DELAY:
		return parse_list("--max-delay", arg, add_delay, opt, err);
	case OPT_FORECAST:
		if (forecast_parse(arg, &opt->forecast) < 0)
			return fail(err,
				"--forecast: '%s' is not oracle or "
				"persistence",
				arg);
		return 0;
	case OPT_MAX_ADVANCE:
		return parse_list("--max-advance", arg, add_advance, opt, err);
	case OPT_FORECAST_ERROR:
		if (parse_error(arg, &opt->forecast_error) < 0)
			return fail(err,
				"--forecast-error: '%s' is not a fraction "
				"of the mean in [0, 10] (0.05, 5%%)",
				arg);
		return 0;
	case OPT_FORECAST_SEED:
		if (parse_count(arg, UINT64_MAX, &opt->forecast_seed) < 0)
			return fail(err,
				"--forecast-seed: '%s' is not a "
				"non-negative integer",
				arg);
		return 0;
	case OPT_REPETITIONS: {
		uint64_t reps;

		if (parse_count(arg, OPTIONS_REPETITIONS_MAX, &reps) < 0 ||
			reps == 0)
			return fail(err,
				"--repetitions: '%s' is not an integer in "
				"[1, %d]",
				arg, OPTIONS_REPETITIONS_MAX);
		opt->repetitions = (size_t)reps;
		opt->repetitions_set = true;
		return 0;
	}
	case OPT_JSON:
		opt->json = arg;
		return 0;
	case OPT_JOBS_CSV:
		opt->jobs_csv = arg;
		return 0;
	case OPT_PLOT_UTILIZATION:
		opt->plot_utilization = arg;
		return 0;
	case OPT_PLOT_TRADEOFF:
		opt->plot_tradeoff = arg;
		return 0;
	case OPT_GRID:
		opt->grid = true;
		return 0;
	case OPT_PLOT_GRID:
		opt->plot_grid = arg;
		return 0;
	default:
		return fail(err, "unknown option (try --help)");
	}
}

/* Checks across options, once all are read. */
/*
 * Pair --max-advance with --max-delay: one advance for every delay, one
 * each, or, without --max-delay, a run per advance with no delay after.
 */
static int pair_advances(struct options *opt, struct sc_error *err)
{
	size_t n = opt->nadvances;

	if (n == 0)
		return 0;
	if (opt->ndelays == 0) {
		opt->delays = calloc(n, sizeof(*opt->delays));
		if (opt->delays == NULL)
			return fail(err, "--max-advance: out of memory");
		for (size_t i = 0; i < n; i++)
			snprintf(opt->delays[i].label,
				sizeof(opt->delays[i].label), "0");
		opt->ndelays = n;
	} else if (n != 1 && n != opt->ndelays) {
		return fail(err,
			"--max-advance: %zu values for %zu --max-delay "
			"values (give one, or one per --max-delay value)",
			n, opt->ndelays);
	}
	for (size_t i = 0; i < opt->ndelays; i++) {
		struct options_delay *d = &opt->delays[i];
		size_t k = n == 1 ? 0 : i;
		char label[sizeof(d->label)];

		if (opt->advances[k] == 0)
			continue;
		d->advance = opt->advances[k];
		snprintf(label, sizeof(label), "-%.15s+%.23s",
			opt->advance_labels[k], d->label);
		memcpy(d->label, label, sizeof(label));
	}
	for (size_t i = 0; i < opt->ndelays; i++)
		for (size_t j = 0; j < i; j++)
			if (opt->delays[i].seconds == opt->delays[j].seconds &&
				opt->delays[i].factor == opt->delays[j].factor &&
				opt->delays[i].advance == opt->delays[j].advance)
				return fail(err, "--max-advance: window '%s' "
						 "given twice",
					opt->delays[i].label);
	return 0;
}

static int check(struct options *opt, struct sc_error *err)
{
	bool series = opt->carbon != NULL || opt->nsites > 0;

	if (opt->npolicies == 0)
		opt->policies[opt->npolicies++] = POLICY_FCFS;
	if (opt->nbackfills == 0)
		opt->backfills[opt->nbackfills++] = BACKFILL_NONE;
	if (opt->carbon != NULL && opt->nsites > 0)
		return fail(err, "--carbon and --site exclude each other "
				 "(use --site for every site)");
	if (opt->ndelays > 0 && !series)
		return fail(err, "--max-delay needs a carbon intensity series "
				 "(--carbon or --site)");
	if (opt->nadvances > 0 && !series)
		return fail(err, "--max-advance needs a carbon intensity series "
				 "(--carbon or --site)");
	if (pair_advances(opt, err) < 0)
		return -1;
	if (opt->forecast_error > 0.0 && opt->ndelays == 0 && opt->nsites < 2)
		return fail(err, "--forecast-error needs time or space "
				 "shifting (--max-delay, --max-advance or "
				 "several --site)");
	if (opt->repetitions_set && !(opt->forecast_error > 0.0))
		return fail(err, "--repetitions needs --forecast-error");
	if (opt->power.watts_idle > opt->power.watts_busy)
		return fail(err, "--watts-idle (%g) is above --watts-busy (%g)",
			opt->power.watts_idle, opt->power.watts_busy);
	if (opt->plot_tradeoff != NULL && opt->ndelays == 0 && opt->nsites < 2)
		return fail(err, "--plot-tradeoff needs --max-delay or several "
				 "--site");
	return 0;
}

int options_parse(
	int argc, char **argv, struct options *opt, struct sc_error *err)
{
	int c;

	set_defaults(opt);
	sc_error_clear(err);
	opterr = 0;
	optind = 0; /* glibc: a full reset, so parsing can repeat */
	while ((c = getopt_long(argc, argv, ":hV", long_options, NULL)) != -1) {
		if (c == 'h') {
			opt->help = true;
			return 0;
		}
		if (c == 'V') {
			opt->version = true;
			return 0;
		}
		if (c == ':')
			return fail(err, "%s: needs a value", argv[optind - 1]);
		if (c == '?')
			return fail(err, "unknown option '%s' (try --help)",
				argv[optind - 1]);
		if (parse_one(opt, c, optarg, err) < 0)
			return -1;
	}
	if (optind >= argc)
		return fail(err, "no trace given (try --help)");
	if (optind + 1 < argc)
		return fail(
			err, "one trace only, '%s' is extra", argv[optind + 1]);
	opt->trace = argv[optind];
	return check(opt, err);
}

void options_free(struct options *opt)
{
	for (size_t i = 0; i < opt->nsites; i++)
		free(opt->sites[i].name);
	free(opt->sites);
	free(opt->delays);
	free(opt->advances);
	free(opt->advance_labels);
	opt->sites = NULL;
	opt->delays = NULL;
	opt->advances = NULL;
	opt->advance_labels = NULL;
	opt->nsites = 0;
	opt->ndelays = 0;
	opt->nadvances = 0;
}
