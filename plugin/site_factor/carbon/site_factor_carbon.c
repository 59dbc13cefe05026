/*
 * site_factor_carbon.c: Slurm site_factor plugin (22.05, 24.11) that orders
 * pending jobs by a scheduling policy (the SC17 learned functions F1..F4,
 * SPF, SAF, WFP3, UNICEF, FCFS) through the same code carbonsim runs.
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A thin adapter: sched/policy.c scores a job from plain values (p = its
 * time limit, q = its CPUs, r = submit - the oldest pending job's submit,
 * w = its wait; for a learned policy with a carbon term, c from its
 * partition's region's forecast by shift_carbon_ratio_live: as carbonsim
 * and carbonlearn compute it, over the forecast's own span only) and
 * sched/priority_rank.c turns the scores of all pending jobs into factors
 * in [1, SiteFactorMax] by rank. carbon.conf (next to slurm.conf,
 * carbon.conf(5)) names the policy; a broken or missing file is logged
 * once and sets every pending job's factor back to neutral.
 */
#include "config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../slurm_compat.h"

#include "src/common/slurm_xlator.h"
#include "src/common/list.h"
#include "src/common/log.h"
#include "src/common/xstring.h"
#include "src/slurmctld/slurmctld.h"

#include "carbon_feed.h"
#include "policy.h"
#include "priority_rank.h"
#include "shift.h"

const char plugin_name[] = "Carbon-aware site factor plugin";
const char plugin_type[] = "site_factor/carbon";
const uint32_t plugin_version = SLURM_VERSION_NUMBER;

extern int init(void);
extern int fini(void);
#if SC_SITE_FACTOR_RECONFIG
extern void site_factor_p_reconfig(void);
#endif
extern void site_factor_p_set(job_record_t *job_ptr);
extern void site_factor_p_update(void);

/* A job without a usable time limit is taken as running this long (s). */
#define UNLIMITED_S (365 * 86400.0)

/*
 * Everything the plugin keeps. slurmctld calls set() and update() with
 * its job write lock held, so they never run at once; the mutex guards
 * against reconfig() from another thread.
 */
static struct {
	pthread_mutex_t lock;
	struct carbon_feed *feed;
	unsigned generation; /* of the feed, when policy was read */
	bool have_policy;
	enum policy_kind policy;
	struct rank_state ranks;
	struct rank_job *scratch;
	size_t scratch_cap;
	size_t ties_logged;
	bool factors_set; /* a factor was set since the last neutral reset */
	time_t learned_checked; /* a learned policy file last looked at */
	char learned_why[512];	/* why its new version is refused, logged */
} sf = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static void feed_log(void *arg, enum carbon_feed_level level, const char *msg)
{
	(void)arg;
	if (level == CARBON_FEED_ERROR)
		error("%s: %s", plugin_type, msg);
	else
		verbose("%s: %s", plugin_type, msg);
}

static int check_policy(const char *name, char *why, size_t size)
{
	enum policy_kind k;

	struct sc_error err = {{0}};

	/* a learned:FILE is loaded here, once, and kept for refresh() */
	if (policy_load(name, &k, &err) == 0)
		return 0;
	snprintf(why, size, "%s", err.text);
	return -1;
}

/* carbon.conf in slurm.conf's directory. */
static char *conf_path(void)
{
	char *copy = xstrdup(slurm_conf.slurm_conf ? slurm_conf.slurm_conf
						   : "/etc/slurm/slurm.conf");
	char *path = xstrdup_printf("%s/carbon.conf", dirname(copy));

	xfree(copy);
	return path;
}

/* How often a learned policy file is looked at for a new version (s). */
#define LEARNED_CHECK_S 60

/*
 * A learned policy file rewritten in place (carbonlearn run again) is a
 * new version, which policy_load tells by its inode, size and mtime:
 * looked at once a minute, as carbon.conf is. A version that cannot be
 * loaded leaves the one in force, logged once.
 */
static void refresh_learned(const struct carbon_conf *c, time_t now)
{
	struct sc_error err = {{0}};
	enum policy_kind k;

	if (!c || !sf.have_policy || sf.policy < POLICY_LEARNED ||
		(now >= sf.learned_checked &&
			now - sf.learned_checked < LEARNED_CHECK_S))
		return;
	sf.learned_checked = now;
	if (policy_load(c->priority_policy, &k, &err) < 0) {
		if (strcmp(sf.learned_why, err.text))
			error("%s: %s; policy %s stays in force", plugin_type,
				err.text, policy_name(sf.policy));
		snprintf(sf.learned_why, sizeof(sf.learned_why), "%s",
			err.text);
		return;
	}
	sf.learned_why[0] = '\0';
	if (k == sf.policy)
		return;
	sf.policy = k;
	info("%s: policy %s, from a new version of %s", plugin_type,
		policy_name(sf.policy), c->priority_policy);
}

/* Read the policy again when carbon.conf or its learned file changed. */
static void refresh(time_t now)
{
	const struct carbon_conf *c;

	carbon_feed_refresh(sf.feed, now, false);
	if (sf.generation == carbon_feed_generation(sf.feed)) {
		refresh_learned(carbon_feed_conf(sf.feed), now);
		return;
	}
	sf.generation = carbon_feed_generation(sf.feed);
	sf.learned_checked = now;
	sf.learned_why[0] = '\0';
	c = carbon_feed_conf(sf.feed);
	sf.have_policy = c && policy_parse(c->priority_policy, &sf.policy) == 0;
	if (c) {
		sf.ranks.max = (uint32_t)c->site_factor_max;
		info("%s: policy %s, SiteFactorMax %u", plugin_type,
			policy_name(sf.policy), sf.ranks.max);
	}
}

/* The job's time limit in seconds (its own, else its partition's). */
static double time_limit_s(const job_record_t *job_ptr)
{
	uint32_t minutes = job_ptr->time_limit;
	const part_record_t *part = job_ptr->part_ptr;

	if ((minutes == NO_VAL || minutes == INFINITE) && part) {
		minutes = part->default_time;
		if (minutes == NO_VAL || minutes == INFINITE)
			minutes = part->max_time;
	}
	if (minutes == NO_VAL || minutes == INFINITE)
		return UNLIMITED_S;
	return (double)minutes * 60.0;
}

static double cpus_of(const job_record_t *job_ptr)
{
	uint32_t cpus = job_ptr->details ? job_ptr->details->min_cpus : 1;

	return cpus && cpus != NO_VAL ? (double)cpus : 1.0;
}

/* Regions whose c is known at this instant (a few: one per region). */
#define C_MEMO 8
struct c_memo {
	const struct carbon_region *region[C_MEMO];
	double c[C_MEMO];
	size_t n;
};

/*
 * c where the job will run: its partition's region's forecast now over its
 * day-ahead minimum, minus 1; 0 for policies without c, or without a
 * region or a usable forecast, or one that does not cover now (policy.h:
 * 0 when unknown).
 */
static double carbon_of(const job_record_t *job_ptr, int64_t now,
	struct c_memo *m)
{
	const struct carbon_conf *cc;
	const struct carbon_region *r;
	double c;

	if (!policy_uses_carbon(sf.policy) || !job_ptr->part_ptr ||
		!(cc = carbon_feed_conf(sf.feed)) ||
		!(r = carbon_conf_partition_region(cc, job_ptr->part_ptr->name)))
		return 0.0;
	for (size_t i = 0; i < m->n; i++)
		if (m->region[i] == r)
			return m->c[i];
	c = shift_carbon_ratio_live(
		carbon_feed_forecast(sf.feed, r, NULL), now);
	if (m->n < C_MEMO) {
		m->region[m->n] = r;
		m->c[m->n++] = c;
	}
	return c;
}

static void fill(struct rank_job *rj, job_record_t *job_ptr, int64_t origin,
	int64_t now, struct c_memo *m)
{
	int64_t submit = job_ptr->details->submit_time;

	rj->submit = submit;
	rj->id = job_ptr->job_id;
	rj->handle = job_ptr;
	rj->score = rank_score(sf.policy, time_limit_s(job_ptr),
		cpus_of(job_ptr), submit, origin, now,
		carbon_of(job_ptr, now, m));
}

extern int init(void)
{
	struct carbon_conf_options opts = {.check_policy = check_policy};
	char *path = conf_path();

	slurm_mutex_lock(&sf.lock);
	sf.feed = carbon_feed_create(path, &opts, feed_log, NULL, time(NULL));
	xfree(path);
	if (!sf.feed) {
		slurm_mutex_unlock(&sf.lock);
		error("%s: out of memory", plugin_type);
		return SLURM_ERROR;
	}
	sf.generation = 0;
	refresh(time(NULL));
	slurm_mutex_unlock(&sf.lock);
	debug("%s loaded", plugin_name);
	return SLURM_SUCCESS;
}

extern int fini(void)
{
	slurm_mutex_lock(&sf.lock);
	carbon_feed_destroy(sf.feed);
	sf.feed = NULL;
	rank_release(&sf.ranks);
	xfree(sf.scratch);
	sf.scratch_cap = 0;
	slurm_mutex_unlock(&sf.lock);
	return SLURM_SUCCESS;
}

#if SC_SITE_FACTOR_RECONFIG
extern void site_factor_p_reconfig(void)
{
	slurm_mutex_lock(&sf.lock);
	carbon_feed_refresh(sf.feed, time(NULL), true);
	refresh(time(NULL));
	slurm_mutex_unlock(&sf.lock);
}
#endif

/*
 * A new job: placed among the pending jobs of the last update, with the
 * r origin of that update (so its score compares with theirs).
 */
extern void site_factor_p_set(job_record_t *job_ptr)
{
	struct rank_job rj;
	struct c_memo memo = {.n = 0};
	time_t now = time(NULL);
	int64_t origin;

	slurm_mutex_lock(&sf.lock);
	refresh(now);
	if (!sf.have_policy || !job_ptr->details) {
		/* a requeued or updated job may still hold an old factor */
		job_ptr->site_factor = NICE_OFFSET;
		slurm_mutex_unlock(&sf.lock);
		return;
	}
	sf.factors_set = true;
	/* the first job since an empty ranking is the origin */
	if (!sf.ranks.n)
		sf.ranks.origin = job_ptr->details->submit_time;
	origin = sf.ranks.origin;
	fill(&rj, job_ptr, origin, now, &memo);
	job_ptr->site_factor = NICE_OFFSET + rank_insert(&sf.ranks, &rj);
	log_flag(PRIO, "%s: %pJ score %.6g factor %u", plugin_type, job_ptr,
		rj.score, rj.factor);
	slurm_mutex_unlock(&sf.lock);
}

struct collect {
	size_t n;
	int64_t origin;
};

static int collect_pending(void *x, void *arg)
{
	job_record_t *job_ptr = x;
	struct collect *c = arg;

	if (!IS_JOB_PENDING(job_ptr) || !job_ptr->details)
		return SLURM_SUCCESS;
	if (c->n == sf.scratch_cap) {
		size_t cap = sf.scratch_cap ? sf.scratch_cap * 2 : 1024;

		xrecalloc(sf.scratch, cap, sizeof(*sf.scratch));
		sf.scratch_cap = cap;
	}
	sf.scratch[c->n++].handle = job_ptr;
	if (job_ptr->details->submit_time < c->origin)
		c->origin = job_ptr->details->submit_time;
	return SLURM_SUCCESS;
}

static void log_ties(size_t n)
{
	if (sf.ranks.ties && sf.ties_logged != sf.ranks.ties)
		error("%s: %zu pending jobs but SiteFactorMax is %u: %zu "
		      "neighbours share a factor; raise SiteFactorMax in "
		      "carbon.conf",
			plugin_type, n, sf.ranks.max, sf.ranks.ties);
	sf.ties_logged = sf.ranks.ties;
}

static int neutral_factor(void *x, void *arg)
{
	job_record_t *job_ptr = x;
	size_t *n = arg;

	if (IS_JOB_PENDING(job_ptr) && job_ptr->site_factor != NICE_OFFSET) {
		job_ptr->site_factor = NICE_OFFSET;
		(*n)++;
	}
	return SLURM_SUCCESS;
}

/*
 * The policy is gone (carbon.conf broken, or its learned file): every
 * pending job's factor back to neutral, once, so that the jobs ranked
 * before do not keep millions of points over those submitted since.
 */
static void reset_factors(void)
{
	uint32_t max = sf.ranks.max;
	size_t n = 0;

	if (!sf.factors_set || !job_list)
		return;
	list_for_each(job_list, neutral_factor, &n);
	rank_release(&sf.ranks);
	sf.ranks.max = max;
	sf.factors_set = false;
	error("%s: no usable PriorityPolicy: the site factors of %zu "
	      "pending job(s) are neutral until carbon.conf is mended",
		plugin_type, n);
}

/* Every pending job re-scored with the current origin and wait. */
extern void site_factor_p_update(void)
{
	struct collect c = {.origin = INT64_MAX};
	struct c_memo memo = {.n = 0};
	time_t now = time(NULL);
	size_t i;

	slurm_mutex_lock(&sf.lock);
	refresh(now);
	if (!sf.have_policy) {
		reset_factors();
		slurm_mutex_unlock(&sf.lock);
		return;
	}
	if (!job_list) {
		slurm_mutex_unlock(&sf.lock);
		return;
	}
	sf.factors_set = true;
	list_for_each(job_list, collect_pending, &c);
	for (i = 0; i < c.n; i++)
		fill(&sf.scratch[i], sf.scratch[i].handle, c.origin, now,
			&memo);
	if (rank_update(&sf.ranks, sf.scratch, c.n, sf.ranks.max, c.origin) < 0)
		error("%s: out of memory keeping the ranking", plugin_type);
	for (i = 0; i < c.n; i++) {
		job_record_t *job_ptr = sf.scratch[i].handle;

		job_ptr->site_factor = NICE_OFFSET + sf.scratch[i].factor;
	}
	log_ties(c.n);
	log_flag(PRIO, "%s: %zu pending job(s) ranked by %s", plugin_type, c.n,
		policy_name(sf.policy));
	slurm_mutex_unlock(&sf.lock);
}
