/*
 * carbon_conf.h: carbon.conf(5), the one configuration file of scarbon and
 * the carbon-aware scheduling plugins: site and partition PUE, regions and
 * their grid intensity, partition to region mapping, embodied emissions
 * and estimate parameters per node group, and the scheduling options.
 */
#ifndef ACCOUNTING_CARBON_CONF_H
#define ACCOUNTING_CARBON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carbon.h"
#include "intensity.h"
#include "nodelist.h"
#include "sc_error.h"

/* Where carbon.conf lives when nothing else says: next to slurm.conf. */
#define CARBON_CONF_DEFAULT "/etc/slurm/carbon.conf"

/*
 * Documented defaults (carbon.conf(5) gives their sources). Embodied: the
 * Cloud Carbon Footprint coefficients (1000 kg base rack server, +100 kg
 * for the second socket, +533/384 kg per GB of DRAM above 16 GB, from the
 * Dell R740 LCA via Teads) for a dual-socket node with 192 GB, over the 4
 * years CCF, Boavizta and the SCI specification's example use. Estimates:
 * Green Algorithms' 12 W per core and 200 W per GPU for unknown models and
 * 0.3725 W per GB of memory.
 */
#define CARBON_DEFAULT_EMBODIED_KG 1344.0
#define CARBON_DEFAULT_LIFETIME_YEARS 4.0
#define CARBON_DEFAULT_WATTS_PER_CORE 12.0
#define CARBON_DEFAULT_WATTS_PER_GB 0.3725
#define CARBON_DEFAULT_WATTS_PER_GPU 200.0
#define CARBON_DEFAULT_FORECAST_MAX_AGE (6 * 3600)
#define CARBON_DEFAULT_DEFER_MIN_SAVING 0.05
#define CARBON_DEFAULT_SITE_FACTOR_MAX 10000000.0
#define CARBON_DEFAULT_SPACE_MAX_WAIT 3600

/* How a job's share of a node (RR / ToR) is taken for embodied carbon. */
enum carbon_share {
	CARBON_SHARE_CPU, /* allocated CPUs / the nodes' CPUs */
	CARBON_SHARE_MAX, /* the largest of the CPU, memory and GPU shares */
};

struct carbon_region {
	char *name;
	char *path;	       /* series file; NULL for a constant */
	enum intensity_column column;
	double constant;       /* gCO2e/kWh when path is NULL */
	struct intensity_series *series; /* loaded with CARBON_CONF_LOAD_SERIES */
	int line;
};

struct carbon_partition {
	char *name;
	size_t region; /* index into regions */
	double pue;    /* 0: the site's */
	bool deferrable;
	int64_t max_delay; /* s, with deferrable */
	int line;
};

/* A node group: NodeName=LIST (or DEFAULT) and its hardware. */
struct carbon_node_group {
	char *expr;		/* "DEFAULT" for groups[0] */
	struct nodelist *nodes; /* NULL for DEFAULT */
	double embodied_kg;
	double lifetime_years;
	double cpus;	  /* 0: unknown here (scarbon asks slurmctld) */
	double memory_gb; /* 0: unknown */
	double gpus;
	struct carbon_estimate estimate;
	int line; /* 0 for the built-in DEFAULT */
};

struct carbon_conf {
	char *path;
	double pue;
	long default_region; /* index, or -1 */
	enum carbon_share share;
	/* scheduling plugins */
	char *priority_policy; /* site_factor/carbon's policy name */
	double site_factor_max;
	int64_t forecast_max_age;
	double defer_min_saving; /* fraction in [0, 1) */
	bool space_shift;
	double space_wait_weight; /* grams CO2e one second of wait is worth */
	int64_t space_max_wait;
	char **exempt_accounts; /* NULL-terminated, may be NULL */
	char **exempt_qos;
	struct carbon_region *regions;
	size_t nregions;
	struct carbon_partition *partitions;
	size_t npartitions;
	struct carbon_node_group *groups; /* groups[0] is DEFAULT */
	size_t ngroups;
	/* every listed node, and the group of each (one lookup per node) */
	struct nodelist *listed;
	size_t *group_of;
};

enum {
	CARBON_CONF_LOAD_SERIES = 1, /* load every region's series file */
};

/*
 * Checks a value the accounting library cannot judge itself (the policy
 * names live in sched/): 0 if valid, else -1 with a reason in why.
 */
typedef int carbon_conf_check_fn(const char *value, char *why, size_t size);

struct carbon_conf_options {
	int flags;
	carbon_conf_check_fn *check_policy; /* may be NULL: not checked */
};

/*
 * Read path. Every problem is an error naming "PATH:LINE: problem": an
 * unknown key, a bad or repeated value, a reference to an undefined
 * region, a missing PUE, and (with CARBON_CONF_LOAD_SERIES) a series file
 * that cannot be loaded. Returns the configuration (caller destroys it) or
 * NULL with err set and errno (EINVAL for content, else the errno of the
 * failed call).
 */
struct carbon_conf *carbon_conf_load(const char *path,
	const struct carbon_conf_options *opts, struct sc_error *err);

/* As carbon_conf_load, from len bytes of buf; name is used in messages. */
struct carbon_conf *carbon_conf_parse(const char *name, const char *buf,
	size_t len, const struct carbon_conf_options *opts,
	struct sc_error *err);

/* Accepts NULL. Frees the loaded series too. */
void carbon_conf_destroy(struct carbon_conf *conf);

/* The partition's entry, or NULL. */
const struct carbon_partition *carbon_conf_partition(
	const struct carbon_conf *conf, const char *name);

/*
 * The region a partition's jobs run in: its own, else DefaultRegion; NULL
 * when neither exists.
 */
const struct carbon_region *carbon_conf_partition_region(
	const struct carbon_conf *conf, const char *partition);

/* The region called name, or NULL. */
const struct carbon_region *carbon_conf_region(
	const struct carbon_conf *conf, const char *name);

/* PUE of a partition's jobs: its own, else the site's. */
double carbon_conf_pue(const struct carbon_conf *conf, const char *partition);

/* The same two from a partition's entry (NULL: not in carbon.conf). */
const struct carbon_region *carbon_conf_region_of(
	const struct carbon_conf *conf, const struct carbon_partition *p);
double carbon_conf_pue_of(
	const struct carbon_conf *conf, const struct carbon_partition *p);

/* The group of a node: the first NodeName list holding it, else DEFAULT. */
const struct carbon_node_group *carbon_conf_node_group(
	const struct carbon_conf *conf, const char *node);

/*
 * The region's intensity as the carbon model takes it; -1 with err when
 * its series file is not loaded (never a constant 0 in its place).
 */
int carbon_region_intensity(const struct carbon_region *r,
	struct carbon_intensity *ci, struct sc_error *err);

/* True if name is in the NULL-terminated list (case-sensitive). */
bool carbon_conf_listed(char *const *list, const char *name);

/*
 * Parse a duration with a unit: "90s", "15min", "12h", "2d" (also "m"
 * for minutes, "sec", "hour(s)", "day(s)"). 0 or -1.
 */
int carbon_parse_duration(const char *s, int64_t *seconds);

#endif
