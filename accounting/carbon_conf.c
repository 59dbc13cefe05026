/*
 * carbon_conf.c: the carbon.conf(5) parser: Slurm-style "Key=Value" lines,
 * records for regions, partitions and node groups, every problem reported
 * as "FILE:LINE: problem".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbon_conf.h"

/* carbon.conf is small; a bigger file is a mistake (a series given here). */
#define CONF_MAX_BYTES (1 << 20)
#define CONF_MAX_TOKENS 64

/* One Key=Value of a line; key and value point into the line's copy. */
struct token {
	char *key;
	char *value;
};

/* The parse of one logical line. */
struct line {
	struct token tok[CONF_MAX_TOKENS];
	int ntok;
};

struct parser {
	const char *name;
	const struct carbon_conf_options *opts;
	struct carbon_conf *conf;
	struct sc_error *err;
	int line;
	char *default_region_name;
	struct carbon_node_group defaults; /* NodeName=DEFAULT, as given */
	unsigned defaults_set;		   /* which fields DEFAULT set */
	int defaults_line;
	size_t node_names; /* in all NodeName lines so far */
	/* where each global key was set, to refuse a second setting */
	int global_lines[32];
};

static int perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "NAME:LINE: message". Always -1, errno EINVAL. */
static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_errprintf(p->err, "%s:%d: %s", p->name, p->line, msg);
	errno = EINVAL;
	return -1;
}

/* ---- values ---- */

static int parse_double(struct parser *p, const struct token *t, double lo,
	double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(t->value, &end);
	if (!*t->value || *end || errno || !isfinite(v) ||
		isspace((unsigned char)*t->value))
		return perr(p, "%s=%s: not a number", t->key, t->value);
	if (v < lo || v > hi)
		return perr(p, "%s=%s: must be between %g and %g", t->key,
			t->value, lo, hi);
	*out = v;
	return 0;
}

static int parse_bool(struct parser *p, const struct token *t, bool *out)
{
	static const char *const yes[] = {"yes", "true", "1", "on"};
	static const char *const no[] = {"no", "false", "0", "off"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(t->value, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(t->value, no[i])) {
			*out = false;
			return 0;
		}
	}
	return perr(p, "%s=%s: expected yes or no", t->key, t->value);
}

int carbon_parse_duration(const char *s, int64_t *seconds)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {{"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60},
		{"h", 3600}, {"hour", 3600}, {"hours", 3600}, {"d", 86400},
		{"day", 86400}, {"days", 86400}};
	char *end;
	double v;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0 || end == s ||
		strspn(s, "0123456789.") != (size_t)(end - s))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].unit)) {
			double secs = v * (double)units[i].mult;

			/* a hundred years is already absurd for a delay */
			if (secs > 100.0 * 366 * 86400)
				return -1;
			*seconds = (int64_t)llround(secs);
			return 0;
		}
	}
	return -1;
}

static int parse_duration_token(
	struct parser *p, const struct token *t, int64_t *out)
{
	if (carbon_parse_duration(t->value, out) < 0)
		return perr(p,
			"%s=%s: expected a duration with a unit "
			"(90s, 15min, 12h, 2d)",
			t->key, t->value);
	return 0;
}

/* "5%" or "5": a fraction in [0, 1). */
static int parse_percent(struct parser *p, const struct token *t, double *out)
{
	char buf[64];
	struct token num = *t;
	size_t n = strlen(t->value);
	double v;

	if (n && n < sizeof(buf) && t->value[n - 1] == '%') {
		memcpy(buf, t->value, n - 1);
		buf[n - 1] = '\0';
		num.value = buf;
	}
	if (parse_double(p, &num, 0, 99.999, &v) < 0)
		return -1;
	*out = v / 100.0;
	return 0;
}

/* Comma-separated names into a NULL-terminated array. */
static int parse_list(struct parser *p, const struct token *t, char ***out)
{
	char **list = NULL, *copy, *save = NULL, *s;
	size_t n = 0;

	if (*out)
		return perr(p, "%s is set twice", t->key);
	copy = strdup(t->value);
	if (!copy)
		return perr(p, "out of memory");
	for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(list, (n + 2) * sizeof(*list));

		if (!grown || !(grown[n] = strdup(s))) {
			list = grown ? grown : list;
			if (list)
				list[n] = NULL;
			*out = list;
			free(copy);
			return perr(p, "out of memory");
		}
		list = grown;
		list[++n] = NULL;
	}
	free(copy);
	if (!n)
		return perr(p, "%s=: empty list", t->key);
	*out = list;
	return 0;
}

/* A name of a region or partition: letters, digits, "-_.". */
static int check_name(struct parser *p, const struct token *t)
{
	const char *s;

	for (s = t->value; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return perr(p, "%s=%s: a name may hold letters, "
				       "digits, '-', '_' and '.'",
				t->key, t->value);
	if (!*t->value)
		return perr(p, "%s=: empty name", t->key);
	return 0;
}

/* ---- lines ---- */

/* Split a logical line into Key=Value tokens (modifies s). */
static int tokenize(struct parser *p, char *s, struct line *ln)
{
	ln->ntok = 0;
	for (;;) {
		char *key, *eq;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			return 0;
		if (ln->ntok == CONF_MAX_TOKENS)
			return perr(p, "too many settings on one line");
		key = s;
		while (*s && *s != '=' && !isspace((unsigned char)*s) &&
			*s != '#')
			s++;
		if (*s != '=') {
			*s = '\0';
			return perr(p, "expected Key=Value, found '%s'", key);
		}
		eq = s++;
		*eq = '\0';
		if (!*key)
			return perr(p, "'=' without a key");
		if (*s == '"') {
			char *close = strchr(++s, '"');

			if (!close)
				return perr(p, "%s: unterminated quote", key);
			*close = '\0';
			ln->tok[ln->ntok].value = s;
			s = close + 1;
			if (*s && !isspace((unsigned char)*s) && *s != '#')
				return perr(p, "%s: text after the closing "
					       "quote",
					key);
		} else {
			ln->tok[ln->ntok].value = s;
			while (*s && !isspace((unsigned char)*s) && *s != '#')
				s++;
			if (*s == '#') {
				*s = '\0';
				if (!*ln->tok[ln->ntok].value)
					return perr(p, "%s has an empty value",
						key);
				ln->tok[ln->ntok].key = key;
				ln->ntok++;
				return 0;
			}
			if (*s)
				*s++ = '\0';
		}
		if (!*ln->tok[ln->ntok].value)
			return perr(p, "%s has an empty value", key);
		ln->tok[ln->ntok].key = key;
		ln->ntok++;
	}
}

/* Refuse Key twice on a line. */
static int check_repeats(struct parser *p, const struct line *ln)
{
	int i, j;

	for (i = 0; i < ln->ntok; i++)
		for (j = 0; j < i; j++)
			if (!strcasecmp(ln->tok[i].key, ln->tok[j].key))
				return perr(p, "%s is given twice on the line",
					ln->tok[i].key);
	return 0;
}

/* ---- global keys ---- */

enum global_key {
	G_PUE,
	G_DEFAULT_REGION,
	G_EMBODIED_SHARE,
	G_PRIORITY_POLICY,
	G_SITE_FACTOR_MAX,
	G_FORECAST_MAX_AGE,
	G_DEFER_MIN_SAVING,
	G_SPACE_SHIFT,
	G_SPACE_WAIT_WEIGHT,
	G_SPACE_MAX_WAIT,
	G_EXEMPT_ACCOUNTS,
	G_EXEMPT_QOS,
	G_COUNT
};

static const char *const global_keys[G_COUNT] = {
	[G_PUE] = "PUE",
	[G_DEFAULT_REGION] = "DefaultRegion",
	[G_EMBODIED_SHARE] = "EmbodiedShare",
	[G_PRIORITY_POLICY] = "PriorityPolicy",
	[G_SITE_FACTOR_MAX] = "SiteFactorMax",
	[G_FORECAST_MAX_AGE] = "ForecastMaxAge",
	[G_DEFER_MIN_SAVING] = "DeferMinSaving",
	[G_SPACE_SHIFT] = "SpaceShift",
	[G_SPACE_WAIT_WEIGHT] = "SpaceShiftWaitWeight",
	[G_SPACE_MAX_WAIT] = "SpaceShiftMaxWait",
	[G_EXEMPT_ACCOUNTS] = "ExemptAccounts",
	[G_EXEMPT_QOS] = "ExemptQOS",
};

static int set_policy(struct parser *p, const struct token *t)
{
	char why[200] = "";

	if (p->opts && p->opts->check_policy &&
		p->opts->check_policy(t->value, why, sizeof(why)) < 0)
		return perr(p, "PriorityPolicy=%s: %s", t->value,
			why[0] ? why : "unknown policy");
	p->conf->priority_policy = strdup(t->value);
	if (!p->conf->priority_policy)
		return perr(p, "out of memory");
	return 0;
}

static int set_global(struct parser *p, enum global_key k, const struct token *t)
{
	struct carbon_conf *c = p->conf;

	switch (k) {
	case G_PUE:
		return parse_double(p, t, 1.0, 10.0, &c->pue);
	case G_DEFAULT_REGION:
		if (check_name(p, t) < 0)
			return -1;
		p->default_region_name = strdup(t->value);
		return p->default_region_name ? 0 : perr(p, "out of memory");
	case G_EMBODIED_SHARE:
		if (!strcasecmp(t->value, "cpu"))
			c->share = CARBON_SHARE_CPU;
		else if (!strcasecmp(t->value, "max"))
			c->share = CARBON_SHARE_MAX;
		else
			return perr(p, "EmbodiedShare=%s: expected cpu or max",
				t->value);
		return 0;
	case G_PRIORITY_POLICY:
		return set_policy(p, t);
	case G_SITE_FACTOR_MAX:
		return parse_double(p, t, 1.0, 2147483647.0,
			&c->site_factor_max);
	case G_FORECAST_MAX_AGE:
		return parse_duration_token(p, t, &c->forecast_max_age);
	case G_DEFER_MIN_SAVING:
		return parse_percent(p, t, &c->defer_min_saving);
	case G_SPACE_SHIFT:
		return parse_bool(p, t, &c->space_shift);
	case G_SPACE_WAIT_WEIGHT:
		return parse_double(p, t, 0, 1e9, &c->space_wait_weight);
	case G_SPACE_MAX_WAIT:
		return parse_duration_token(p, t, &c->space_max_wait);
	case G_EXEMPT_ACCOUNTS:
		return parse_list(p, t, &c->exempt_accounts);
	case G_EXEMPT_QOS:
		return parse_list(p, t, &c->exempt_qos);
	case G_COUNT:
		break;
	}
	return perr(p, "internal error");
}

static int global_line(struct parser *p, const struct line *ln)
{
	int i, k;

	for (i = 0; i < ln->ntok; i++) {
		const struct token *t = &ln->tok[i];

		for (k = 0; k < G_COUNT; k++)
			if (!strcasecmp(t->key, global_keys[k]))
				break;
		if (k == G_COUNT)
			return perr(p, "unknown key '%s'", t->key);
		if (p->global_lines[k])
			return perr(p, "%s is already set at line %d",
				global_keys[k], p->global_lines[k]);
		p->global_lines[k] = p->line;
		if (set_global(p, (enum global_key)k, t) < 0)
			return -1;
	}
	return 0;
}

/* ---- RegionName ---- */

static int region_line(struct parser *p, const struct line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_region *r, *grown;
	bool have_intensity = false, have_column = false;
	int i;

	if (check_name(p, &ln->tok[0]) < 0)
		return -1;
	if (carbon_conf_region(c, ln->tok[0].value))
		return perr(p, "RegionName=%s is already defined at line %d",
			ln->tok[0].value,
			carbon_conf_region(c, ln->tok[0].value)->line);
	grown = realloc(c->regions, (c->nregions + 1) * sizeof(*grown));
	if (!grown)
		return perr(p, "out of memory");
	c->regions = grown;
	r = &c->regions[c->nregions++];
	memset(r, 0, sizeof(*r));
	r->line = p->line;
	if (!(r->name = strdup(ln->tok[0].value)))
		return perr(p, "out of memory");
	for (i = 1; i < ln->ntok; i++) {
		const struct token *t = &ln->tok[i];

		if (!strcasecmp(t->key, "Intensity")) {
			char *end;
			double v;

			have_intensity = true;
			errno = 0;
			v = strtod(t->value, &end);
			if (isdigit((unsigned char)*t->value) && !*end) {
				if (errno || !isfinite(v) || v > 1e6)
					return perr(p, "Intensity=%s: a constant "
						       "must be between 0 and 1e6 "
						       "gCO2e/kWh",
						t->value);
				r->constant = v;
			} else if (t->value[0] == '/') {
				if (!(r->path = strdup(t->value)))
					return perr(p, "out of memory");
			} else {
				return perr(p, "Intensity=%s: expected a constant "
					       "in gCO2e/kWh or an absolute path "
					       "to a series file (intensity(5))",
					t->value);
			}
		} else if (!strcasecmp(t->key, "Column")) {
			have_column = true;
			if (!strcasecmp(t->value, "direct"))
				r->column = INTENSITY_DIRECT;
			else if (!strcasecmp(t->value, "lca"))
				r->column = INTENSITY_LCA;
			else
				return perr(p, "Column=%s: expected direct or lca",
					t->value);
		} else {
			return perr(p, "RegionName=%s: unknown key '%s' (a "
				       "region takes Intensity and Column)",
				r->name, t->key);
		}
	}
	if (!have_intensity)
		return perr(p, "RegionName=%s: no Intensity= (a constant in "
			       "gCO2e/kWh or a series file)",
			r->name);
	if (have_column && !r->path)
		return perr(p, "RegionName=%s: Column= applies to a series "
			       "file, not a constant",
			r->name);
	return 0;
}

/* ---- PartitionName ---- */

static int partition_line(struct parser *p, const struct line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_partition *pt, *grown;
	bool have_delay = false;
	int i;

	if (check_name(p, &ln->tok[0]) < 0)
		return -1;
	if (carbon_conf_partition(c, ln->tok[0].value))
		return perr(p, "PartitionName=%s is already defined at line %d",
			ln->tok[0].value,
			carbon_conf_partition(c, ln->tok[0].value)->line);
	grown = realloc(c->partitions, (c->npartitions + 1) * sizeof(*grown));
	if (!grown)
		return perr(p, "out of memory");
	c->partitions = grown;
	pt = &c->partitions[c->npartitions++];
	memset(pt, 0, sizeof(*pt));
	pt->line = p->line;
	pt->region = (size_t)-1;
	if (!(pt->name = strdup(ln->tok[0].value)))
		return perr(p, "out of memory");
	for (i = 1; i < ln->ntok; i++) {
		const struct token *t = &ln->tok[i];

		if (!strcasecmp(t->key, "Region")) {
			const struct carbon_region *r =
				carbon_conf_region(c, t->value);

			if (!r)
				return perr(p, "Region=%s: no such region "
					       "(define RegionName=%s first)",
					t->value, t->value);
			pt->region = (size_t)(r - c->regions);
		} else if (!strcasecmp(t->key, "PUE")) {
			if (parse_double(p, t, 1.0, 10.0, &pt->pue) < 0)
				return -1;
		} else if (!strcasecmp(t->key, "Deferrable")) {
			if (parse_bool(p, t, &pt->deferrable) < 0)
				return -1;
		} else if (!strcasecmp(t->key, "MaxDelay")) {
			have_delay = true;
			if (parse_duration_token(p, t, &pt->max_delay) < 0)
				return -1;
		} else {
			return perr(p, "PartitionName=%s: unknown key '%s' (a "
				       "partition takes Region, PUE, "
				       "Deferrable and MaxDelay)",
				pt->name, t->key);
		}
	}
	if (pt->deferrable && (!have_delay || pt->max_delay <= 0))
		return perr(p, "PartitionName=%s: Deferrable=yes needs a "
			       "MaxDelay= above 0",
			pt->name);
	if (have_delay && !pt->deferrable)
		return perr(p, "PartitionName=%s: MaxDelay= without "
			       "Deferrable=yes",
			pt->name);
	return 0;
}

/* ---- NodeName ---- */

enum node_field {
	N_EMBODIED = 1 << 0,
	N_LIFETIME = 1 << 1,
	N_CPUS = 1 << 2,
	N_MEMORY = 1 << 3,
	N_GPUS = 1 << 4,
	N_W_CORE = 1 << 5,
	N_W_GB = 1 << 6,
	N_W_GPU = 1 << 7,
};

static const struct {
	const char *key;
	unsigned field;
	double lo, hi;
} node_keys[] = {
	{"EmbodiedKgCO2e", N_EMBODIED, 0, 1e7},
	{"LifetimeYears", N_LIFETIME, 0.01, 100},
	{"CPUs", N_CPUS, 1, 1e7},
	{"MemoryGB", N_MEMORY, 0.001, 1e9},
	{"GPUs", N_GPUS, 0, 1e4},
	{"WattsPerCore", N_W_CORE, 0, 1e4},
	{"WattsPerGB", N_W_GB, 0, 100},
	{"WattsPerGPU", N_W_GPU, 0, 1e5},
};

/* The member of g that a node key sets. */
static double *node_field(struct carbon_node_group *g, unsigned field)
{
	switch (field) {
	case N_EMBODIED:
		return &g->embodied_kg;
	case N_LIFETIME:
		return &g->lifetime_years;
	case N_CPUS:
		return &g->cpus;
	case N_MEMORY:
		return &g->memory_gb;
	case N_GPUS:
		return &g->gpus;
	case N_W_CORE:
		return &g->estimate.watts_per_core;
	case N_W_GB:
		return &g->estimate.watts_per_gb;
	default:
		return &g->estimate.watts_per_gpu;
	}
}

#define NODE_NKEYS (sizeof(node_keys) / sizeof(node_keys[0]))

/* Parse a NodeName line's attributes into g; *set gets the fields given. */
static int node_attributes(struct parser *p, const struct line *ln,
	struct carbon_node_group *g, unsigned *set)
{
	int i;
	size_t k;

	*set = 0;
	for (i = 1; i < ln->ntok; i++) {
		const struct token *t = &ln->tok[i];

		for (k = 0; k < NODE_NKEYS; k++)
			if (!strcasecmp(t->key, node_keys[k].key))
				break;
		if (k == NODE_NKEYS)
			return perr(p, "NodeName=%s: unknown key '%s' (a node "
				       "group takes EmbodiedKgCO2e, "
				       "LifetimeYears, CPUs, MemoryGB, GPUs, "
				       "WattsPerCore, WattsPerGB, WattsPerGPU)",
				ln->tok[0].value, t->key);
		if (parse_double(p, t, node_keys[k].lo, node_keys[k].hi,
			    node_field(g, node_keys[k].field)) < 0)
			return -1;
		*set |= node_keys[k].field;
	}
	return 0;
}

/*
 * Which group other than DEFAULT already holds a name of nl, if any, and
 * that name. Each test walks the smaller list of the two, so the checks of a
 * whole file cost no more than its node names times its groups at worst and
 * usually about its node names.
 */
static const struct carbon_node_group *overlap(
	const struct carbon_conf *c, const struct nodelist *nl,
	const char **name)
{
	size_t g, i;

	for (g = 1; g < c->ngroups; g++) {
		const struct nodelist *old = c->groups[g].nodes;
		const struct nodelist *small = nodelist_count(old) <
				nodelist_count(nl) ? old : nl;
		const struct nodelist *large = small == old ? nl : old;

		for (i = 0; i < nodelist_count(small); i++)
			if (nodelist_index(large, nodelist_name(small, i)) >=
				0) {
				*name = nodelist_name(small, i);
				return &c->groups[g];
			}
	}
	return NULL;
}

static int node_line(struct parser *p, const struct line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_node_group g = {0}, *grown;
	const struct carbon_node_group *other;
	struct sc_error lerr = {{0}};
	const char *which;
	unsigned set;

	if (!strcasecmp(ln->tok[0].value, "DEFAULT")) {
		if (p->defaults_line)
			return perr(p, "NodeName=DEFAULT is already given at "
				       "line %d",
				p->defaults_line);
		p->defaults_line = p->line;
		return node_attributes(p, ln, &p->defaults, &p->defaults_set);
	}
	if (node_attributes(p, ln, &g, &set) < 0)
		return -1;
	g.nodes = nodelist_parse(ln->tok[0].value, &lerr);
	if (!g.nodes)
		return perr(p, "NodeName=%s: %s", ln->tok[0].value, lerr.text);
	if (nodelist_count(g.nodes) > NODELIST_MAX_NAMES - p->node_names) {
		perr(p, "NodeName=%s: the NodeName lines name more than %zu "
			"nodes in all",
			ln->tok[0].value, NODELIST_MAX_NAMES);
		nodelist_destroy(g.nodes);
		return -1;
	}
	if ((other = overlap(c, g.nodes, &which))) {
		perr(p, "NodeName=%s: node %s is already in NodeName=%s at "
			"line %d",
			ln->tok[0].value, which, other->expr, other->line);
		nodelist_destroy(g.nodes);
		return -1;
	}
	p->node_names += nodelist_count(g.nodes);
	grown = realloc(c->groups, (c->ngroups + 1) * sizeof(*grown));
	if (!grown || !(g.expr = strdup(ln->tok[0].value))) {
		nodelist_destroy(g.nodes);
		if (grown)
			c->groups = grown;
		return perr(p, "out of memory");
	}
	c->groups = grown;
	g.line = p->line;
	/* fields not given are taken from DEFAULT after the whole file */
	g.lifetime_years = set & N_LIFETIME ? g.lifetime_years : -1;
	g.embodied_kg = set & N_EMBODIED ? g.embodied_kg : -1;
	g.estimate.watts_per_core =
		set & N_W_CORE ? g.estimate.watts_per_core : -1;
	g.estimate.watts_per_gb = set & N_W_GB ? g.estimate.watts_per_gb : -1;
	g.estimate.watts_per_gpu =
		set & N_W_GPU ? g.estimate.watts_per_gpu : -1;
	g.cpus = set & N_CPUS ? g.cpus : -1;
	g.memory_gb = set & N_MEMORY ? g.memory_gb : -1;
	g.gpus = set & N_GPUS ? g.gpus : -1;
	c->groups[c->ngroups++] = g;
	return 0;
}

/* ---- the whole file ---- */

static int dispatch(struct parser *p, const struct line *ln)
{
	const char *k = ln->tok[0].key;

	if (check_repeats(p, ln) < 0)
		return -1;
	if (!strcasecmp(k, "RegionName"))
		return region_line(p, ln);
	if (!strcasecmp(k, "PartitionName"))
		return partition_line(p, ln);
	if (!strcasecmp(k, "NodeName"))
		return node_line(p, ln);
	return global_line(p, ln);
}

/*
 * Next logical line of buf[*pos..len): physical lines joined where one
 * ends in a backslash. Returns a malloc'd string or NULL at the end (or
 * on allocation failure, with *oom set); *first gets its first line number.
 */
static char *next_line(const char *buf, size_t len, size_t *pos, int *lineno,
	int *first, int *oom)
{
	char *out = NULL;
	size_t n = 0;

	*oom = 0;
	if (*pos >= len)
		return NULL;
	*first = *lineno + 1;
	while (*pos < len) {
		const char *s = buf + *pos, *nl = memchr(s, '\n', len - *pos);
		size_t l = nl ? (size_t)(nl - s) : len - *pos;
		bool cont;
		char *grown;

		*pos += l + (nl ? 1 : 0);
		(*lineno)++;
		/* cppcheck-suppress knownConditionTrueFalse ; l is 0 on an empty line */
		if (l && s[l - 1] == '\r')
			l--;
		cont = l && s[l - 1] == '\\';
		if (cont)
			l--;
		grown = realloc(out, n + l + 2);
		if (!grown) {
			free(out);
			*oom = 1;
			return NULL;
		}
		out = grown;
		memcpy(out + n, s, l);
		n += l;
		out[n++] = ' ';
		out[n] = '\0';
		if (!cont)
			break;
	}
	return out;
}

static int check_text(struct parser *p, const char *line)
{
	const unsigned char *s;

	for (s = (const unsigned char *)line; *s; s++)
		if (*s < ' ' && *s != '\t')
			return perr(p, "control character 0x%02x", *s);
	return 0;
}

static int parse_lines(struct parser *p, const char *buf, size_t len)
{
	size_t pos = 0;
	int lineno = 0, first, oom;
	char *text;
	const char *nul;
	struct line ln;

	if ((nul = memchr(buf, '\0', len))) {
		const char *s;

		p->line = 1;
		for (s = buf; s < nul; s++)
			p->line += *s == '\n';
		return perr(p, "not a text file (NUL byte)");
	}
	while ((text = next_line(buf, len, &pos, &lineno, &first, &oom))) {
		int rc;

		p->line = first;
		rc = check_text(p, text);
		if (!rc)
			rc = tokenize(p, text, &ln);
		if (!rc && ln.ntok)
			rc = dispatch(p, &ln);
		free(text);
		if (rc < 0)
			return -1;
	}
	if (oom)
		return perr(p, "out of memory");
	return 0;
}

/* Fill each group's missing fields from DEFAULT (given or built in). */
static void apply_defaults(struct parser *p)
{
	struct carbon_conf *c = p->conf;
	struct carbon_node_group *d = &c->groups[0];
	unsigned s = p->defaults_set;
	size_t g;

	d->embodied_kg = s & N_EMBODIED ? p->defaults.embodied_kg
					: CARBON_DEFAULT_EMBODIED_KG;
	d->lifetime_years = s & N_LIFETIME ? p->defaults.lifetime_years
					   : CARBON_DEFAULT_LIFETIME_YEARS;
	d->cpus = s & N_CPUS ? p->defaults.cpus : 0;
	d->memory_gb = s & N_MEMORY ? p->defaults.memory_gb : 0;
	d->gpus = s & N_GPUS ? p->defaults.gpus : 0;
	d->estimate.watts_per_core = s & N_W_CORE
					     ? p->defaults.estimate.watts_per_core
					     : CARBON_DEFAULT_WATTS_PER_CORE;
	d->estimate.watts_per_gb = s & N_W_GB ? p->defaults.estimate.watts_per_gb
					      : CARBON_DEFAULT_WATTS_PER_GB;
	d->estimate.watts_per_gpu = s & N_W_GPU
					    ? p->defaults.estimate.watts_per_gpu
					    : CARBON_DEFAULT_WATTS_PER_GPU;
	d->line = p->defaults_line;
	for (g = 1; g < c->ngroups; g++) {
		struct carbon_node_group *x = &c->groups[g];

#define FILL(f)                                                                \
	do {                                                                   \
		if (x->f < 0)                                                  \
			x->f = d->f;                                           \
	} while (0)
		FILL(embodied_kg);
		FILL(lifetime_years);
		FILL(cpus);
		FILL(memory_gb);
		FILL(gpus);
		FILL(estimate.watts_per_core);
		FILL(estimate.watts_per_gb);
		FILL(estimate.watts_per_gpu);
#undef FILL
	}
}

static int load_series(struct parser *p)
{
	struct carbon_conf *c = p->conf;
	size_t i;

	for (i = 0; i < c->nregions; i++) {
		struct carbon_region *r = &c->regions[i];
		struct intensity_options o = {.column = r->column};
		struct sc_error ierr = {{0}};

		if (!r->path)
			continue;
		r->series = intensity_series_load_opts(r->path, &o, &ierr);
		if (!r->series) {
			int saved = errno;

			p->line = r->line;
			perr(p, "RegionName=%s: %s", r->name, ierr.text);
			errno = saved;
			return -1;
		}
	}
	return 0;
}

/*
 * One list of every node the groups name, with each one's group, so that
 * finding a node's group is one hash lookup however many groups there are.
 */
static int index_nodes(struct parser *p)
{
	struct carbon_conf *c = p->conf;
	size_t g, i, len = 0;
	char *all;

	if (c->ngroups < 2)
		return 0;
	for (g = 1; g < c->ngroups; g++)
		len += strlen(c->groups[g].expr) + 1;
	if (!(all = malloc(len)))
		return perr(p, "out of memory");
	all[0] = '\0';
	for (g = 1; g < c->ngroups; g++) {
		if (g > 1)
			strcat(all, ",");
		strcat(all, c->groups[g].expr);
	}
	c->listed = nodelist_parse(all, NULL);
	free(all);
	if (!c->listed ||
		!(c->group_of = calloc(nodelist_count(c->listed),
			  sizeof(*c->group_of))))
		return perr(p, "out of memory indexing the node groups");
	for (g = 1; g < c->ngroups; g++)
		for (i = 0; i < nodelist_count(c->groups[g].nodes); i++)
			c->group_of[nodelist_index(c->listed,
				nodelist_name(c->groups[g].nodes, i))] = g;
	return 0;
}

static int finish(struct parser *p)
{
	struct carbon_conf *c = p->conf;

	if (!p->global_lines[G_PUE]) {
		p->line = 1;
		return perr(p, "PUE is not set (the site's power usage "
			       "effectiveness, for example PUE=1.3)");
	}
	if (p->default_region_name) {
		const struct carbon_region *r =
			carbon_conf_region(c, p->default_region_name);

		p->line = p->global_lines[G_DEFAULT_REGION];
		if (!r)
			return perr(p, "DefaultRegion=%s: no such region",
				p->default_region_name);
		c->default_region = (long)(r - c->regions);
	}
	apply_defaults(p);
	if (index_nodes(p) < 0)
		return -1;
	if (p->opts && (p->opts->flags & CARBON_CONF_LOAD_SERIES))
		return load_series(p);
	return 0;
}

static struct carbon_conf *conf_new(const char *name)
{
	struct carbon_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->groups = calloc(1, sizeof(*c->groups));
	c->path = strdup(name);
	if (c->groups)
		c->groups[0].expr = strdup("DEFAULT");
	if (!c->groups || !c->path || !c->groups[0].expr) {
		carbon_conf_destroy(c);
		return NULL;
	}
	c->ngroups = 1;
	c->default_region = -1;
	c->share = CARBON_SHARE_CPU;
	c->site_factor_max = CARBON_DEFAULT_SITE_FACTOR_MAX;
	c->forecast_max_age = CARBON_DEFAULT_FORECAST_MAX_AGE;
	c->defer_min_saving = CARBON_DEFAULT_DEFER_MIN_SAVING;
	c->space_shift = true;
	c->space_max_wait = CARBON_DEFAULT_SPACE_MAX_WAIT;
	return c;
}

struct carbon_conf *carbon_conf_parse(const char *name, const char *buf,
	size_t len, const struct carbon_conf_options *opts,
	struct sc_error *err)
{
	struct parser p = {.name = name ? name : "carbon.conf",
		.opts = opts,
		.err = err};

	if (!(p.conf = conf_new(p.name))) {
		sc_errprintf(err, "%s: out of memory", p.name);
		errno = ENOMEM;
		return NULL;
	}
	if (parse_lines(&p, buf, len) < 0 || finish(&p) < 0)
		goto error;
	/* site_factor/carbon's default policy */
	if (!p.conf->priority_policy &&
		!(p.conf->priority_policy = strdup("f1"))) {
		perr(&p, "out of memory");
		goto error;
	}
	free(p.default_region_name);
	return p.conf;
error:
	free(p.default_region_name);
	carbon_conf_destroy(p.conf);
	return NULL;
}

/* Read a whole regular file of at most CONF_MAX_BYTES. */
static char *read_file(const char *path, size_t *len, struct sc_error *err)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_BYTES) {
		sc_errprintf(err, "%s: not a regular file of at most %d bytes",
			path, CONF_MAX_BYTES);
		errno = EINVAL;
		goto error;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		sc_errprintf(err, "%s: out of memory", path);
		goto error;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, (size_t)st.st_size + 1 - *len)) > 0)
		*len += (size_t)n;
	if (n < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	close(fd);
	return buf;
error:
	free(buf);
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return NULL;
}

struct carbon_conf *carbon_conf_load(const char *path,
	const struct carbon_conf_options *opts, struct sc_error *err)
{
	struct carbon_conf *c;
	size_t len = 0;
	char *buf = read_file(path, &len, err);

	if (!buf)
		return NULL;
	c = carbon_conf_parse(path, buf, len, opts, err);
	free(buf);
	return c;
}

static void free_list(char **list)
{
	char **s;

	for (s = list; s && *s; s++)
		free(*s);
	free(list);
}

void carbon_conf_destroy(struct carbon_conf *c)
{
	size_t i;
	int saved = errno;

	if (!c)
		return;
	for (i = 0; i < c->nregions; i++) {
		free(c->regions[i].name);
		free(c->regions[i].path);
		intensity_series_destroy(c->regions[i].series);
	}
	free(c->regions);
	for (i = 0; i < c->npartitions; i++)
		free(c->partitions[i].name);
	free(c->partitions);
	for (i = 0; c->groups && i < c->ngroups; i++) {
		free(c->groups[i].expr);
		nodelist_destroy(c->groups[i].nodes);
	}
	free(c->groups);
	nodelist_destroy(c->listed);
	free(c->group_of);
	free_list(c->exempt_accounts);
	free_list(c->exempt_qos);
	free(c->priority_policy);
	free(c->path);
	free(c);
	errno = saved;
}

const struct carbon_partition *carbon_conf_partition(
	const struct carbon_conf *c, const char *name)
{
	size_t i;

	/* the first letter first: a job's partition is looked up twice */
	for (i = 0; name && i < c->npartitions; i++)
		if (c->partitions[i].name[0] == name[0] &&
			!strcmp(c->partitions[i].name, name))
			return &c->partitions[i];
	return NULL;
}

const struct carbon_region *carbon_conf_region(
	const struct carbon_conf *c, const char *name)
{
	size_t i;

	for (i = 0; name && i < c->nregions; i++)
		if (!strcmp(c->regions[i].name, name))
			return &c->regions[i];
	return NULL;
}

const struct carbon_region *carbon_conf_region_of(
	const struct carbon_conf *c, const struct carbon_partition *p)
{
	if (p && p->region != (size_t)-1)
		return &c->regions[p->region];
	if (c->default_region >= 0)
		return &c->regions[c->default_region];
	return NULL;
}

double carbon_conf_pue_of(
	const struct carbon_conf *c, const struct carbon_partition *p)
{
	return p && p->pue > 0 ? p->pue : c->pue;
}

const struct carbon_region *carbon_conf_partition_region(
	const struct carbon_conf *c, const char *partition)
{
	return carbon_conf_region_of(c, carbon_conf_partition(c, partition));
}

double carbon_conf_pue(const struct carbon_conf *c, const char *partition)
{
	return carbon_conf_pue_of(c, carbon_conf_partition(c, partition));
}

const struct carbon_node_group *carbon_conf_node_group(
	const struct carbon_conf *c, const char *node)
{
	long i = c->listed ? nodelist_index(c->listed, node) : -1;

	return &c->groups[i >= 0 ? c->group_of[i] : 0];
}

int carbon_region_intensity(const struct carbon_region *r,
	struct carbon_intensity *ci, struct sc_error *err)
{
	ci->name = r->name;
	ci->series = r->series;
	ci->constant = r->constant;
	if (r->path && !r->series)
		return sc_errprintf(err, "region %s: series %s is not loaded",
			r->name, r->path);
	return 0;
}

bool carbon_conf_listed(char *const *list, const char *name)
{
	for (; list && name && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}
