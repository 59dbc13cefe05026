/*
 * carbon_conf_records.c: carbon.conf(5)'s records: the global keys and the
 * RegionName, PartitionName and NodeName lines, checked as they come and
 * completed after the last one.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carbon_conf_parser.h"

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

_Static_assert(G_COUNT <= CONF_GLOBAL_KEYS_MAX,
	"struct conf_parser's global_lines has no room for every key");

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

static int set_policy(struct conf_parser *p, const struct conf_token *t)
{
	char why[200] = "";

	if (p->opts && p->opts->check_policy &&
		p->opts->check_policy(t->value, why, sizeof(why)) < 0)
		return conf_error(p, "PriorityPolicy=%s: %s", t->value,
			why[0] ? why : "unknown policy");
	p->conf->priority_policy = strdup(t->value);
	if (!p->conf->priority_policy)
		return conf_error(p, "out of memory");
	return 0;
}

static int set_global(
	struct conf_parser *p, enum global_key k, const struct conf_token *t)
{
	struct carbon_conf *c = p->conf;

	switch (k) {
	case G_PUE:
		return conf_double(p, t, 1.0, 10.0, &c->pue);
	case G_DEFAULT_REGION:
		if (conf_name(p, t) < 0)
			return -1;
		p->default_region_name = strdup(t->value);
		return p->default_region_name ? 0
					      : conf_error(p, "out of memory");
	case G_EMBODIED_SHARE:
		if (!strcasecmp(t->value, "cpu"))
			c->share = CARBON_SHARE_CPU;
		else if (!strcasecmp(t->value, "max"))
			c->share = CARBON_SHARE_MAX;
		else
			return conf_error(p,
				"EmbodiedShare=%s: expected cpu or max",
				t->value);
		return 0;
	case G_PRIORITY_POLICY:
		return set_policy(p, t);
	case G_SITE_FACTOR_MAX:
		return conf_double(
			p, t, 1.0, 2147483647.0, &c->site_factor_max);
	case G_FORECAST_MAX_AGE:
		return conf_duration(p, t, &c->forecast_max_age);
	case G_DEFER_MIN_SAVING:
		return conf_percent(p, t, &c->defer_min_saving);
	case G_SPACE_SHIFT:
		return conf_bool(p, t, &c->space_shift);
	case G_SPACE_WAIT_WEIGHT:
		return conf_double(p, t, 0, 1e9, &c->space_wait_weight);
	case G_SPACE_MAX_WAIT:
		return conf_duration(p, t, &c->space_max_wait);
	case G_EXEMPT_ACCOUNTS:
		return conf_list(p, t, &c->exempt_accounts);
	case G_EXEMPT_QOS:
		return conf_list(p, t, &c->exempt_qos);
	case G_COUNT:
		break;
	}
	return conf_error(p, "internal error");
}

static int global_line(struct conf_parser *p, const struct conf_line *ln)
{
	int i, k;

	for (i = 0; i < ln->ntok; i++) {
		const struct conf_token *t = &ln->tok[i];

		for (k = 0; k < G_COUNT; k++)
			if (!strcasecmp(t->key, global_keys[k]))
				break;
		if (k == G_COUNT)
			return conf_error(p, "unknown key '%s'", t->key);
		if (p->global_lines[k])
			return conf_error(p, "%s is already set at line %d",
				global_keys[k], p->global_lines[k]);
		p->global_lines[k] = p->line;
		if (set_global(p, (enum global_key)k, t) < 0)
			return -1;
	}
	return 0;
}

/* ---- RegionName ---- */

static int region_line(struct conf_parser *p, const struct conf_line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_region *r, *grown;
	bool have_intensity = false, have_column = false;
	int i;

	if (conf_name(p, &ln->tok[0]) < 0)
		return -1;
	if (carbon_conf_region(c, ln->tok[0].value))
		return conf_error(p,
			"RegionName=%s is already defined at line %d",
			ln->tok[0].value,
			carbon_conf_region(c, ln->tok[0].value)->line);
	grown = realloc(c->regions, (c->nregions + 1) * sizeof(*grown));
	if (!grown)
		return conf_error(p, "out of memory");
	c->regions = grown;
	r = &c->regions[c->nregions++];
	memset(r, 0, sizeof(*r));
	r->line = p->line;
	if (!(r->name = strdup(ln->tok[0].value)))
		return conf_error(p, "out of memory");
	for (i = 1; i < ln->ntok; i++) {
		const struct conf_token *t = &ln->tok[i];

		if (!strcasecmp(t->key, "Intensity")) {
			char *end;
			double v;

			have_intensity = true;
			errno = 0;
			v = strtod(t->value, &end);
			if (isdigit((unsigned char)*t->value) && !*end) {
				if (errno || !isfinite(v) || v > 1e6)
					return conf_error(p,
						"Intensity=%s: a constant "
						"must be between 0 and 1e6 "
						"gCO2e/kWh",
						t->value);
				r->constant = v;
			} else if (t->value[0] == '/') {
				if (!(r->path = strdup(t->value)))
					return conf_error(p, "out of memory");
			} else {
				return conf_error(p,
					"Intensity=%s: expected a constant "
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
				return conf_error(p,
					"Column=%s: expected direct or lca",
					t->value);
		} else {
			return conf_error(p,
				"RegionName=%s: unknown key '%s' (a "
				"region takes Intensity and Column)",
				r->name, t->key);
		}
	}
	if (!have_intensity)
		return conf_error(p,
			"RegionName=%s: no Intensity= (a constant in "
			"gCO2e/kWh or a series file)",
			r->name);
	if (have_column && !r->path)
		return conf_error(p,
			"RegionName=%s: Column= applies to a series "
			"file, not a constant",
			r->name);
	return 0;
}

/* ---- PartitionName ---- */

static int partition_line(struct conf_parser *p, const struct conf_line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_partition *pt, *grown;
	bool have_delay = false;
	int i;

	if (conf_name(p, &ln->tok[0]) < 0)
		return -1;
	if (carbon_conf_partition(c, ln->tok[0].value))
		return conf_error(p,
			"PartitionName=%s is already defined at line %d",
			ln->tok[0].value,
			carbon_conf_partition(c, ln->tok[0].value)->line);
	grown = realloc(c->partitions, (c->npartitions + 1) * sizeof(*grown));
	if (!grown)
		return conf_error(p, "out of memory");
	c->partitions = grown;
	pt = &c->partitions[c->npartitions++];
	memset(pt, 0, sizeof(*pt));
	pt->line = p->line;
	pt->region = (size_t)-1;
	if (!(pt->name = strdup(ln->tok[0].value)))
		return conf_error(p, "out of memory");
	for (i = 1; i < ln->ntok; i++) {
		const struct conf_token *t = &ln->tok[i];

		if (!strcasecmp(t->key, "Region")) {
			const struct carbon_region *r =
				carbon_conf_region(c, t->value);

			if (!r)
				return conf_error(p,
					"Region=%s: no such region "
					"(define RegionName=%s first)",
					t->value, t->value);
			pt->region = (size_t)(r - c->regions);
		} else if (!strcasecmp(t->key, "PUE")) {
			if (conf_double(p, t, 1.0, 10.0, &pt->pue) < 0)
				return -1;
		} else if (!strcasecmp(t->key, "Deferrable")) {
			if (conf_bool(p, t, &pt->deferrable) < 0)
				return -1;
		} else if (!strcasecmp(t->key, "MaxDelay")) {
			have_delay = true;
			if (conf_duration(p, t, &pt->max_delay) < 0)
				return -1;
		} else {
			return conf_error(p,
				"PartitionName=%s: unknown key '%s' (a "
				"partition takes Region, PUE, "
				"Deferrable and MaxDelay)",
				pt->name, t->key);
		}
	}
	if (pt->deferrable && (!have_delay || pt->max_delay <= 0))
		return conf_error(p,
			"PartitionName=%s: Deferrable=yes needs a "
			"MaxDelay= above 0",
			pt->name);
	if (have_delay && !pt->deferrable)
		return conf_error(p,
			"PartitionName=%s: MaxDelay= without "
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
static int node_attributes(struct conf_parser *p, const struct conf_line *ln,
	struct carbon_node_group *g, unsigned *set)
{
	int i;
	size_t k;

	*set = 0;
	for (i = 1; i < ln->ntok; i++) {
		const struct conf_token *t = &ln->tok[i];

		for (k = 0; k < NODE_NKEYS; k++)
			if (!strcasecmp(t->key, node_keys[k].key))
				break;
		if (k == NODE_NKEYS)
			return conf_error(p,
				"NodeName=%s: unknown key '%s' (a node "
				"group takes EmbodiedKgCO2e, "
				"LifetimeYears, CPUs, MemoryGB, GPUs, "
				"WattsPerCore, WattsPerGB, WattsPerGPU)",
				ln->tok[0].value, t->key);
		if (conf_double(p, t, node_keys[k].lo, node_keys[k].hi,
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
static const struct carbon_node_group *overlap(const struct carbon_conf *c,
	const struct nodelist *nl, const char **name)
{
	size_t g, i;

	for (g = 1; g < c->ngroups; g++) {
		const struct nodelist *old = c->groups[g].nodes;
		const struct nodelist *small =
			nodelist_count(old) < nodelist_count(nl) ? old : nl;
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

static int node_line(struct conf_parser *p, const struct conf_line *ln)
{
	struct carbon_conf *c = p->conf;
	struct carbon_node_group g = {0}, *grown;
	const struct carbon_node_group *other;
	struct sc_error lerr = {{0}};
	const char *which;
	unsigned set;

	if (!strcasecmp(ln->tok[0].value, "DEFAULT")) {
		if (p->defaults_line)
			return conf_error(p,
				"NodeName=DEFAULT is already given at "
				"line %d",
				p->defaults_line);
		p->defaults_line = p->line;
		return node_attributes(p, ln, &p->defaults, &p->defaults_set);
	}
	if (node_attributes(p, ln, &g, &set) < 0)
		return -1;
	g.nodes = nodelist_parse(ln->tok[0].value, &lerr);
	if (!g.nodes)
		return conf_error(
			p, "NodeName=%s: %s", ln->tok[0].value, lerr.text);
	if (nodelist_count(g.nodes) > NODELIST_MAX_NAMES - p->node_names) {
		conf_error(p,
			"NodeName=%s: the NodeName lines name more than %zu "
			"nodes in all",
			ln->tok[0].value, NODELIST_MAX_NAMES);
		nodelist_destroy(g.nodes);
		return -1;
	}
	if ((other = overlap(c, g.nodes, &which))) {
		conf_error(p,
			"NodeName=%s: node %s is already in NodeName=%s at "
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
		return conf_error(p, "out of memory");
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

int conf_record(struct conf_parser *p, const struct conf_line *ln)
{
	const char *k = ln->tok[0].key;

	if (conf_repeats(p, ln) < 0)
		return -1;
	if (!strcasecmp(k, "RegionName"))
		return region_line(p, ln);
	if (!strcasecmp(k, "PartitionName"))
		return partition_line(p, ln);
	if (!strcasecmp(k, "NodeName"))
		return node_line(p, ln);
	return global_line(p, ln);
}

/* Fill each group's missing fields from DEFAULT (given or built in). */
static void apply_defaults(struct conf_parser *p)
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
	d->estimate.watts_per_core =
		s & N_W_CORE ? p->defaults.estimate.watts_per_core
			     : CARBON_DEFAULT_WATTS_PER_CORE;
	d->estimate.watts_per_gb = s & N_W_GB
					   ? p->defaults.estimate.watts_per_gb
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

/*
 * After the last line: PUE is required, DefaultRegion must name a region,
 * and every node group takes the fields it did not set from DEFAULT.
 */
int conf_records_finish(struct conf_parser *p)
{
	struct carbon_conf *c = p->conf;

	if (!p->global_lines[G_PUE]) {
		p->line = 1;
		return conf_error(p, "PUE is not set (the site's power usage "
				     "effectiveness, for example PUE=1.3)");
	}
	if (p->default_region_name) {
		const struct carbon_region *r =
			carbon_conf_region(c, p->default_region_name);

		p->line = p->global_lines[G_DEFAULT_REGION];
		if (!r)
			return conf_error(p, "DefaultRegion=%s: no such region",
				p->default_region_name);
		c->default_region = (long)(r - c->regions);
	}
	apply_defaults(p);
	return 0;
}
