/*
 * job_submit_carbon.c: Slurm job_submit plugin (22.05, 24.11) for
 * carbon-aware queues: a job in a deferrable partition starts at the
 * beginning of the lowest-carbon window of its time limit within the
 * partition's maximum delay (time shifting), and a job that lists
 * partitions in several grid regions is sent to the cleanest (space
 * shifting).
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A thin adapter: sched/defer.c decides with shift.c's window search (the
 * code carbonsim runs) and shift_choose_site picks the region; carbon.conf
 * and the forecasts come through accounting/carbon_feed.c, which reloads
 * changed files at most once a minute and logs each problem once. The
 * plugin never rejects a job: without a usable configuration or forecast
 * it passes the job through unchanged.
 */
#include "config.h"

#include <libgen.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "../../slurm_compat.h"

#include "slurm/slurm_errno.h"
#include "src/common/slurm_xlator.h"
#include "src/common/assoc_mgr.h"
#include "src/common/log.h"
#include "src/common/node_conf.h"
#include "src/common/xstring.h"
#include "src/slurmctld/slurmctld.h"

#include "carbon.h"
#include "carbon_feed.h"
#include "defer.h"
#include "intensity.h"
#include "shift.h"

const char plugin_name[] = "Carbon-aware job submit plugin";
const char plugin_type[] = "job_submit/carbon";
const uint32_t plugin_version = SLURM_VERSION_NUMBER;

extern int init(void);
extern int fini(void);
extern int job_submit(job_desc_msg_t *job_desc, uint32_t submit_uid,
	char **err_msg);
#if SC_JOB_MODIFY_ERR_MSG
extern int job_modify(job_desc_msg_t *job_desc, job_record_t *job_ptr,
	uint32_t submit_uid, char **err_msg);
#else
extern int job_modify(job_desc_msg_t *job_desc, job_record_t *job_ptr,
	uint32_t submit_uid);
#endif

/* Space shifting looks at this many partitions of one job at most. */
#define MAX_CANDIDATES 16

/* slurmctld serialises job_submit() calls; the mutex covers fini(). */
static struct {
	pthread_mutex_t lock;
	struct carbon_feed *feed;
} js = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* What one submission looks like to the carbon rules. */
struct submission {
	const struct carbon_conf *conf;
	time_t now;
	int64_t limit_s; /* time limit, 0 if none */
	double cpus;
	char *message; /* for the submitter, xmalloc'd */
	char *trace;   /* for AdminComment, xmalloc'd */
};

static void feed_log(void *arg, enum carbon_feed_level level, const char *msg)
{
	(void)arg;
	if (level == CARBON_FEED_ERROR)
		error("%s: %s", plugin_type, msg);
	else
		verbose("%s: %s", plugin_type, msg);
}

static char *conf_path(void)
{
	char *copy = xstrdup(slurm_conf.slurm_conf ? slurm_conf.slurm_conf
						   : "/etc/slurm/slurm.conf");
	char *path = xstrdup_printf("%s/carbon.conf", dirname(copy));

	xfree(copy);
	return path;
}

extern int init(void)
{
	char *path = conf_path();

	slurm_mutex_lock(&js.lock);
	js.feed = carbon_feed_create(path, NULL, feed_log, NULL, time(NULL));
	slurm_mutex_unlock(&js.lock);
	xfree(path);
	if (!js.feed) {
		error("%s: out of memory", plugin_type);
		return SLURM_ERROR;
	}
	debug("%s loaded", plugin_name);
	return SLURM_SUCCESS;
}

extern int fini(void)
{
	slurm_mutex_lock(&js.lock);
	carbon_feed_destroy(js.feed);
	js.feed = NULL;
	slurm_mutex_unlock(&js.lock);
	return SLURM_SUCCESS;
}

/* ---- who is left alone ---- */

/* The job's account: its own, else the user's default (association). */
static char *account_of(const job_desc_msg_t *job_desc)
{
	assoc_mgr_lock_t locks = {.assoc = READ_LOCK, .user = READ_LOCK};
	slurmdb_assoc_rec_t assoc = {0};
	char *acct = NULL;

	if (job_desc->account)
		return xstrdup(job_desc->account);
	assoc.uid = job_desc->user_id;
	assoc_mgr_lock(&locks);
	if (assoc_mgr_fill_in_assoc(acct_db_conn, &assoc, 0, NULL, true) ==
		SLURM_SUCCESS)
		acct = xstrdup(assoc.acct);
	assoc_mgr_unlock(&locks);
	return acct;
}

/*
 * Why a job is not shifted at all, or NULL. The user's own begin time,
 * dependency, deadline or reservation is never overridden (--begin=now is
 * the documented opt-out); interactive allocations (salloc, srun: no
 * batch script; someone is waiting at a terminal), heterogeneous job
 * components and exempt accounts or QOS pass through.
 */
static const char *left_alone(const struct carbon_conf *conf,
	const job_desc_msg_t *job_desc)
{
	char *acct;
	bool exempt;

	if (!job_desc->script)
		return "an interactive allocation (no batch script)";
	if (job_desc->begin_time)
		return "the job has its own begin time";
	if (job_desc->deadline)
		return "the job has a deadline";
	if (job_desc->dependency && job_desc->dependency[0])
		return "the job has a dependency";
	if (job_desc->reservation && job_desc->reservation[0])
		return "the job asks for a reservation";
	if (job_desc->het_job_offset != NO_VAL)
		return "heterogeneous job component";
	if (job_desc->qos && carbon_conf_listed(conf->exempt_qos, job_desc->qos))
		return "exempt QOS";
	if (!conf->exempt_accounts)
		return NULL;
	acct = account_of(job_desc);
	exempt = carbon_conf_listed(conf->exempt_accounts, acct);
	xfree(acct);
	return exempt ? "exempt account" : NULL;
}

/* ---- plain values from the request ---- */

static int64_t time_limit_s(const job_desc_msg_t *job_desc,
	const part_record_t *part)
{
	uint32_t m = job_desc->time_limit;

	if ((m == NO_VAL || m == INFINITE) && part) {
		m = part->default_time;
		if (m == NO_VAL || m == INFINITE)
			m = part->max_time;
	}
	return m == NO_VAL || m == INFINITE ? 0 : (int64_t)m * 60;
}

static double cpus_of(const job_desc_msg_t *job_desc)
{
	double per_task = job_desc->cpus_per_task != NO_VAL16 &&
				  job_desc->cpus_per_task
				  ? job_desc->cpus_per_task
				  : 1;

	if (job_desc->min_cpus != NO_VAL && job_desc->min_cpus)
		return job_desc->min_cpus;
	if (job_desc->num_tasks != NO_VAL && job_desc->num_tasks)
		return job_desc->num_tasks * per_task;
	return per_task;
}

/* CPUs of the partition's idle nodes: enough means "can start now". */
static double idle_cpus(const part_record_t *part)
{
	node_record_t *node_ptr;
	double cpus = 0;
	int i;

	if (!part->node_bitmap)
		return 0;
	for (i = 0; (node_ptr = next_node(&i)); i++)
		if (bit_test(part->node_bitmap, node_ptr->index) &&
			IS_NODE_IDLE(node_ptr) && !IS_NODE_DRAIN(node_ptr))
			cpus += node_ptr->cpus;
	return cpus;
}

/* ---- space shifting ---- */

/*
 * The expected grams of the job in a partition starting at start, from its
 * region's forecast (or constant); -1 when the forecast is not usable.
 */
static double expected_grams(const struct submission *sub,
	const char *partition, int64_t start)
{
	const struct carbon_region *r =
		carbon_conf_partition_region(sub->conf, partition);
	double integral, watts;

	if (!r)
		return -1;
	if (!r->path) {
		integral = r->constant * (double)sub->limit_s;
	} else {
		const struct intensity_series *s =
			carbon_feed_forecast(js.feed, r, NULL);

		if (!s || start < intensity_series_start(s) ||
			start + sub->limit_s > intensity_series_end(s))
			return -1;
		integral = intensity_series_integral(s, start,
			start + sub->limit_s);
	}
	watts = sub->cpus *
		carbon_conf_node_group(sub->conf, "")->estimate.watts_per_core *
		carbon_conf_pue(sub->conf, partition);
	return watts * integral / CARBON_J_PER_KWH;
}

/* Split "a,b,c" into at most MAX_CANDIDATES names (modifies list). */
static int split(char *list, char **names)
{
	char *save = NULL, *s;
	int n = 0;

	for (s = strtok_r(list, ",", &save); s && n < MAX_CANDIDATES;
		s = strtok_r(NULL, ",", &save))
		names[n++] = s;
	return n;
}

/* True when the partitions lie in at least two regions. */
static bool several_regions(const struct carbon_conf *conf, char **names,
	int n)
{
	const struct carbon_region *first =
		carbon_conf_partition_region(conf, names[0]);
	int i;

	for (i = 1; i < n; i++)
		if (carbon_conf_partition_region(conf, names[i]) != first)
			return true;
	return false;
}

/* Fill the candidates; false when any region lacks a usable forecast. */
static bool candidates(struct submission *sub, char **names, int n,
	struct shift_site *c)
{
	int i;

	for (i = 0; i < n; i++) {
		part_record_t *part = find_part_record(names[i]);

		c[i].usable = part && sub->cpus <= part->total_cpus;
		if (!c[i].usable)
			continue;
		/* a partition that cannot start the job now is taken to
		 * make it wait the longest wait space shifting accepts */
		c[i].expected_start = sub->now;
		if (idle_cpus(part) < sub->cpus)
			c[i].expected_start += sub->conf->space_max_wait;
		c[i].grams = expected_grams(sub, names[i], c[i].expected_start);
		if (c[i].grams < 0)
			return false;
	}
	return true;
}

static void space_shift(struct submission *sub, job_desc_msg_t *job_desc)
{
	struct shift_site c[MAX_CANDIDATES];
	char *list, *names[MAX_CANDIDATES];
	double worst = 0;
	long best;
	int i, n;

	if (!sub->conf->space_shift || !job_desc->partition ||
		!strchr(job_desc->partition, ',') || !sub->limit_s)
		return;
	list = xstrdup(job_desc->partition);
	n = split(list, names);
	if (n < 2 || !several_regions(sub->conf, names, n) ||
		!candidates(sub, names, n, c))
		goto out;
	best = shift_choose_site(c, (size_t)n, sub->now, SHIFT_PLACE_CARBON,
		sub->conf->space_wait_weight, sub->conf->space_max_wait);
	if (best < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (c[i].usable && c[i].grams > worst)
			worst = c[i].grams;
	xstrfmtcat(sub->message,
		"%ssent to partition %s (region %s): about %.0f%% less CO2e "
		"than the worst of %s",
		sub->message ? "; " : "", names[best],
		carbon_conf_partition_region(sub->conf, names[best])->name,
		worst > 0 ? 100.0 * (1.0 - c[best].grams / worst) : 0.0,
		job_desc->partition);
	xstrfmtcat(sub->trace, "%s[carbon-submit partition=%s from=%s]",
		sub->trace ? " " : "", names[best], job_desc->partition);
	xfree(job_desc->partition);
	job_desc->partition = xstrdup(names[best]);
out:
	xfree(list);
}

/* ---- time shifting ---- */

static void time_shift(struct submission *sub, job_desc_msg_t *job_desc,
	const char *partition)
{
	const struct carbon_partition *p =
		carbon_conf_partition(sub->conf, partition);
	const struct carbon_region *r =
		carbon_conf_partition_region(sub->conf, partition);
	struct defer_request rq = {
		.now = sub->now,
		.duration = sub->limit_s,
		.min_saving = sub->conf->defer_min_saving,
	};
	struct defer_decision d;
	char text[512];

	if (!p || !p->deferrable || !r || !r->path || !sub->limit_s)
		return;
	rq.max_delay = p->max_delay;
	defer_decide(carbon_feed_forecast(js.feed, r, NULL), &rq, &d);
	if (!d.defer) {
		debug("%s: %s: not deferred: %s", plugin_type, partition,
			d.why_not);
		return;
	}
	job_desc->begin_time = (time_t)d.begin;
	if (defer_message(&d, r->name, text, sizeof(text)) == 0)
		xstrfmtcat(sub->message, "%s%s", sub->message ? "; " : "", text);
	if (defer_trace(&d, r->name, text, sizeof(text)) == 0)
		xstrfmtcat(sub->trace, "%s%s", sub->trace ? " " : "", text);
}

/* ---- the entry points ---- */

static void tell(struct submission *sub, job_desc_msg_t *job_desc,
	char **err_msg)
{
	if (sub->trace) {
		if (job_desc->admin_comment && job_desc->admin_comment[0])
			xstrfmtcat(job_desc->admin_comment, " %s", sub->trace);
		else {
			xfree(job_desc->admin_comment);
			job_desc->admin_comment = xstrdup(sub->trace);
		}
	}
	if (sub->message && err_msg) {
		if (*err_msg)
			xstrfmtcat(*err_msg, "\n%s: %s", plugin_type,
				sub->message);
		else
			*err_msg = xstrdup_printf("%s: %s", plugin_type,
				sub->message);
	}
	if (sub->message)
		info("%s: job of uid %u: %s", plugin_type,
			(unsigned)job_desc->user_id, sub->message);
	xfree(sub->message);
	xfree(sub->trace);
}

extern int job_submit(job_desc_msg_t *job_desc, uint32_t submit_uid,
	char **err_msg)
{
	struct submission sub = {.now = time(NULL)};
	const char *why;
	part_record_t *part;

	(void)submit_uid;
	slurm_mutex_lock(&js.lock);
	if (!js.feed)
		goto out;
	carbon_feed_refresh(js.feed, sub.now, false);
	if (!(sub.conf = carbon_feed_conf(js.feed)))
		goto out;
	if ((why = left_alone(sub.conf, job_desc))) {
		debug("%s: job of uid %u passes: %s", plugin_type,
			(unsigned)job_desc->user_id, why);
		goto out;
	}
	sub.cpus = cpus_of(job_desc);
	part = job_desc->partition ? find_part_record(job_desc->partition)
				   : default_part_loc;
	sub.limit_s = time_limit_s(job_desc, part);
	space_shift(&sub, job_desc);
	part = job_desc->partition ? find_part_record(job_desc->partition)
				   : default_part_loc;
	if (part) {
		sub.limit_s = time_limit_s(job_desc, part);
		time_shift(&sub, job_desc, part->name);
	}
	tell(&sub, job_desc, err_msg);
out:
	slurm_mutex_unlock(&js.lock);
	return SLURM_SUCCESS;
}

#if SC_JOB_MODIFY_ERR_MSG
extern int job_modify(job_desc_msg_t *job_desc, job_record_t *job_ptr,
	uint32_t submit_uid, char **err_msg)
#else
extern int job_modify(job_desc_msg_t *job_desc, job_record_t *job_ptr,
	uint32_t submit_uid)
#endif
{
	(void)job_desc;
	(void)job_ptr;
	(void)submit_uid;
#if SC_JOB_MODIFY_ERR_MSG
	(void)err_msg;
#endif
	return SLURM_SUCCESS;
}
