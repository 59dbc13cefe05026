/*
 * acct_gather_energy_powercap.c: Slurm 22.05 acct_gather_energy plugin that
 * measures node energy from RAPL through powercap sysfs (libenergy).
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A thin adapter: libenergy finds the zones, handles wraps, impossible and
 * uncertain deltas (powercap_zones.c, rapl.c), splits time into epochs of
 * continuous readings, keeps records and the retry backoff (node_energy.c)
 * and checks the options (powercap_options.c). This file maps its records
 * onto acct_gather_energy_t for slurmd (the node) and slurmstepd (the
 * step), and logs. A record whose interval contains a break in continuity
 * (a failed read, an impossible delta, an interval that could hide wraps,
 * a reopen) is reported as unknown (consumed_energy NO_VAL64), never as a
 * partial total; the node may optionally be drained.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "src/common/slurm_xlator.h"
#include "src/common/slurm_acct_gather_energy.h"
#include "src/common/slurm_acct_gather_profile.h"
#include "src/common/parse_config.h"
#include "src/common/xstring.h"
#include "src/slurmd/slurmd/slurmd.h"

#include "node_energy.h"
#include "powercap_options.h"
#include "powercap_zones.h"
#include "rapl.h"

const char plugin_name[] = "AcctGatherEnergy powercap plugin";
const char plugin_type[] = "acct_gather_energy/powercap";
const uint32_t plugin_version = SLURM_VERSION_NUMBER;

/* The plugin's operations, looked up by name by the plugin loader. */
extern int init(void);
extern int fini(void);
extern int acct_gather_energy_p_update_node_energy(void);
extern int acct_gather_energy_p_get_data(
	enum acct_energy_type data_type, void *data);
extern int acct_gather_energy_p_set_data(
	enum acct_energy_type data_type, void *data);
extern void acct_gather_energy_p_conf_options(
	s_p_options_t **full_options, int *full_options_cnt);
extern void acct_gather_energy_p_conf_set(
	int context_id_in, s_p_hashtbl_t *tbl);
extern void acct_gather_energy_p_conf_values(List *data);

/* slurmd's and slurmstepd's configuration (node name); NULL elsewhere. */
extern slurmd_conf_t *conf __attribute__((weak));

/*
 * A problem with energy: error() in slurmd; in slurmstepd, whose error()
 * lines also reach the job's stderr, the same line at info level, which
 * goes to the slurmd log file only.
 */
#define problem(fmt, ...)                                                      \
	do {                                                                   \
		if (running_in_slurmstepd())                                   \
			info("error: " fmt, ##__VA_ARGS__);                    \
		else                                                           \
			error(fmt, ##__VA_ARGS__);                             \
	} while (0)

/* pc.dataset_id once creating the profile dataset failed: not retried. */
#define DATASET_FAILED (-2)

/* Breaks in continuity are logged at once, then at most this often (s). */
#define BREAK_LOG_EVERY_S 3600

/* The plugin's options, in the order of the values they are shown with. */
static const char *const option_keys[] = {POWERCAP_OPTION_ZONES,
	POWERCAP_OPTION_MAX_WATTS, POWERCAP_OPTION_DRAIN};
#define NOPTIONS (sizeof(option_keys) / sizeof(option_keys[0]))

/* Everything the plugin knows, in one place, under one lock. */
static struct {
	pthread_mutex_t lock;
	/* acct_gather.conf */
	struct powercap_options opts;
	bool bad[NOPTIONS];	     /* the option's value is invalid */
	char bad_text[NOPTIONS][80]; /* an invalid value as given */
	char conf_error[512];	     /* the first invalid option, or "" */
	/* measurement */
	struct powercap_zones *zones;
	struct node_energy node;
	/* the node's record: since the zones were first read */
	struct node_energy_record node_rec;
	bool node_rec_set;
	/* slurmstepd: the step's record, since its first read */
	struct node_energy_record step_rec;
	bool step_rec_set;
	time_t poll_time;      /* the last reading */
	char why[512];	       /* the last failure: the drain reason */
	bool drain_sent;       /* since the last failure began */
	time_t break_logged;   /* when a break was last logged */
	uint64_t breaks_quiet; /* breaks since then, not logged */
	int dataset_id;
} pc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.opts = {.mode = POWERCAP_ZONES_PACKAGE},
	.dataset_id = -1,
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RAPL_NS_PER_S + ts.tv_nsec;
}

static char *node_name(void)
{
	if (&conf && conf && conf->node_name)
		return conf->node_name;
	return NULL;
}

/* Is the node's energy unknown now (an invalid option, or zones down)? */
static bool energy_unknown(void)
{
	return pc.conf_error[0] || !pc.node.up;
}

/*
 * Ask slurmctld to drain this node, once per failure, when
 * PowercapDrainOnError=yes and energy is unknown. Called from slurmd's node
 * energy poll, which slurmctld has just asked for, so the request does not
 * wait on a controller that is not up yet (as it could at slurmd's start).
 * The node stays drained when energy comes back: resuming it is the
 * administrator's decision.
 */
static void drain_node(void)
{
	update_node_msg_t msg;
	char reason[sizeof(pc.why) + 16];

	if (!pc.opts.drain_on_error || !energy_unknown() || pc.drain_sent ||
		!running_in_slurmd())
		return;
	if (!node_name()) {
		error("%s: cannot drain: node name unknown", plugin_type);
		return;
	}
	snprintf(reason, sizeof(reason), "powercap: %s", pc.why);
	slurm_init_update_node_msg(&msg);
	msg.node_names = node_name();
	msg.reason = reason;
	msg.node_state = NODE_STATE_DRAIN;
	pc.drain_sent = true;
	if (slurm_update_node(&msg) != SLURM_SUCCESS) {
		error("%s: unable to drain node %s: %m", plugin_type,
			node_name());
		pc.drain_sent = false;
	}
}

/*
 * A read or an open failed at t: close the zones, mark the energy unknown
 * and schedule the next attempt. The first failure and any new cause are
 * errors; the same cause again on a retry is logged with DebugFlags=Energy.
 */
static void failed(const char *what, int64_t t)
{
	int64_t backoff;

	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	backoff = node_energy_fail(&pc.node, t);
	if (strcmp(what, pc.why))
		problem("%s: %s; energy is reported as unknown; next attempt "
			"in %" PRId64 " s",
			plugin_type, what, backoff);
	else
		log_flag(ENERGY,
			"%s: attempt %u failed: %s; next attempt in %" PRId64
			" s",
			plugin_type, pc.node.failures, what, backoff);
	snprintf(pc.why, sizeof(pc.why), "%s", what);
}

/* Log the zones and check AcctGatherNodeFreq against their wrap period. */
static void log_zones(void)
{
	struct powercap_zones_info info;
	uint16_t freq = slurm_conf.acct_gather_node_freq;
	double wrap = powercap_zones_min_wrap_s(pc.zones);
	size_t i;

	for (i = 0; i < powercap_zones_count(pc.zones); i++) {
		powercap_zones_get(pc.zones, i, &info);
		log_flag(ENERGY,
			"%s: zone %s (%s): max_energy_range_uj=%" PRIu64
			" ceiling=%.0f W",
			plugin_type, info.name, info.path, info.range_uj,
			(double)info.max_uw / RAPL_UJ_PER_J);
	}
	verbose("%s: %zu zone(s) in %s mode, shortest wrap period %.0f s",
		plugin_type, powercap_zones_count(pc.zones),
		powercap_options_mode_name(pc.opts.mode), wrap);
	if (running_in_slurmd() && freq && wrap > 0 && freq >= wrap)
		error("%s: AcctGatherNodeFreq=%u s is not shorter than the "
		      "shortest RAPL wrap period (%.0f s): wraps can be "
		      "missed, so the node's energy and power are reported as "
		      "unknown; lower AcctGatherNodeFreq",
			plugin_type, freq, wrap);
}

/* Discover the zones and begin an epoch at their first reading. */
static int open_zones(int64_t t)
{
	struct powercap_zones_options zopts = {
		.mode = pc.opts.mode,
		.max_uw = pc.opts.max_uw,
	};
	struct powercap_zones_error err = {{0}};
	unsigned failures = pc.node.failures;
	int64_t down_ns = pc.node.down_ns;

	powercap_zones_close(pc.zones);
	if (!(pc.zones = powercap_zones_open(&zopts, t, &err))) {
		failed(err.text, t);
		return -1;
	}
	node_energy_begin(&pc.node, 0, t);
	if (!pc.node_rec_set) {
		node_energy_record_start(&pc.node_rec, &pc.node);
		pc.node_rec_set = true;
	}
	pc.poll_time = time(NULL);
	pc.drain_sent = false;
	pc.why[0] = '\0';
	log_zones();
	if (failures)
		info("%s: zones readable again after %.0f s and %u failed "
		     "attempt(s); energy is known again for records that "
		     "start from now on, unknown for those spanning the gap",
			plugin_type, (double)(t - down_ns) / RAPL_NS_PER_S,
			failures);
	return 0;
}

/*
 * A reading lost continuity (err says why): its interval's energy is
 * unknown, so a new epoch begins at it and every record started before
 * is unknown from now on.
 */
static void lost_continuity(const char *why, uint64_t total, int64_t t)
{
	time_t now = time(NULL);

	node_energy_begin(&pc.node, total, t);
	if (pc.break_logged && now - pc.break_logged < BREAK_LOG_EVERY_S) {
		pc.breaks_quiet++;
		log_flag(ENERGY, "%s: %s", plugin_type, why);
		return;
	}
	if (pc.breaks_quiet)
		problem("%s: %s; the energy of every record spanning this "
			"interval is reported as unknown (and of %" PRIu64
			" similar break(s) since the last message)",
			plugin_type, why, pc.breaks_quiet);
	else
		problem("%s: %s; the energy of every record spanning this "
			"interval is reported as unknown",
			plugin_type, why);
	pc.break_logged = now;
	pc.breaks_quiet = 0;
}

/*
 * Read the zones now; while they are down, open them again once the
 * backoff has passed. Returns 0 when a reading was taken, -1 otherwise.
 */
static int poll_zones(void)
{
	struct powercap_zones_error err = {{0}};
	uint64_t total = 0;
	int64_t t = now_ns();
	int rc;

	if (pc.conf_error[0])
		return -1;
	if (!pc.zones) {
		if (!node_energy_retry_due(&pc.node, t))
			return -1;
		return open_zones(t);
	}
	rc = powercap_zones_poll(pc.zones, t, &total, &err);
	if (rc < 0) {
		failed(err.text, t);
		return -1;
	}
	if (rc > 0)
		lost_continuity(err.text, total, t);
	else
		node_energy_update(&pc.node, total, t);
	pc.poll_time = time(NULL);
	log_flag(ENERGY,
		"%s: node %" PRIu64 " uJ in epoch %" PRIu64 " (%.1f s)",
		plugin_type, rapl_meter_uj(&pc.node.meter), pc.node.epoch,
		(double)(pc.node.meter.last_ns - pc.node.meter.start_ns) /
			RAPL_NS_PER_S);
	return 0;
}

static uint32_t round_watts(double w)
{
	if (w <= 0)
		return 0;
	if (w >= (double)(NO_VAL - 1))
		return NO_VAL - 1;
	return (uint32_t)lround(w);
}

static void fill_unknown(acct_gather_energy_t *e)
{
	memset(e, 0, sizeof(*e));
	e->consumed_energy = NO_VAL64;
	e->current_watts = NO_VAL;
	e->poll_time = pc.poll_time ? pc.poll_time : time(NULL);
}

/*
 * The node's view: energy since the zones were first read in this process
 * (unknown once continuity was lost), power over the last interval and
 * average power over the current epoch (unknown while down or before a
 * second reading).
 */
static void fill_node(acct_gather_energy_t *e)
{
	uint64_t uj;
	double w;

	fill_unknown(e);
	if (pc.conf_error[0])
		return;
	if (pc.node_rec_set &&
		!node_energy_record_uj(&pc.node_rec, &pc.node, &uj)) {
		e->consumed_energy = uj / RAPL_UJ_PER_J;
		e->previous_consumed_energy = e->consumed_energy;
	}
	if (!node_energy_current_watts(&pc.node, &w))
		e->current_watts = round_watts(w);
	if (!node_energy_epoch_watts(&pc.node, &w))
		e->ave_watts = round_watts(w);
}

/*
 * slurmstepd's records (one per task): the step's energy from the step's
 * first energy read, whichever task's record asks. Slurm gives each poll
 * to the newest live task only (common_jag.c, _poll_data) and keeps the
 * record of the last task to end (slurmstepd's mgr.c, _wait_for_any_task),
 * so a record counting from its own first poll would lose the energy
 * before it (t0042 measured a third of the truth). Floor of the exact
 * microjoules: within 1 J below the truth.
 */
static void fill_step(acct_gather_energy_t *e)
{
	uint64_t uj;
	double w;

	if (!pc.step_rec_set) {
		node_energy_record_start(&pc.step_rec, &pc.node);
		pc.step_rec_set = true;
	}
	fill_unknown(e);
	if (pc.conf_error[0] ||
		node_energy_record_uj(&pc.step_rec, &pc.node, &uj))
		return;
	e->consumed_energy = uj / RAPL_UJ_PER_J;
	e->base_consumed_energy = pc.step_rec.start_uj / RAPL_UJ_PER_J;
	e->previous_consumed_energy = pc.node.meter.last_uj / RAPL_UJ_PER_J;
	e->current_watts = 0;
	if (!node_energy_current_watts(&pc.node, &w))
		e->current_watts = round_watts(w);
	if (!node_energy_record_watts(&pc.step_rec, &pc.node, &w))
		e->ave_watts = round_watts(w);
}

static bool profiling_energy(void)
{
	uint32_t opt = ACCT_GATHER_PROFILE_NOT_SET;

	acct_gather_profile_g_get(ACCT_GATHER_PROFILE_RUNNING, &opt);
	return (opt != ACCT_GATHER_PROFILE_NOT_SET) &&
	       (opt & ACCT_GATHER_PROFILE_ENERGY);
}

/* One power sample for acct_gather_profile (its "Energy" dataset). */
static void send_profile(void)
{
	uint64_t watts;
	double w;

	/* No sample is better than one over an interval that broke. */
	if (node_energy_current_watts(&pc.node, &w) ||
		pc.dataset_id == DATASET_FAILED || !profiling_energy())
		return;
	if (pc.dataset_id < 0) {
		acct_gather_profile_dataset_t dataset[] = {
			{"Power", PROFILE_FIELD_UINT64},
			{NULL, PROFILE_FIELD_NOT_SET}};

		pc.dataset_id = acct_gather_profile_g_create_dataset(
			"Energy", NO_PARENT, dataset);
		if (pc.dataset_id < 0) {
			problem("%s: cannot create the Energy profile dataset; "
				"no power samples for this step",
				plugin_type);
			pc.dataset_id = DATASET_FAILED;
			return;
		}
	}
	watts = round_watts(w);
	log_flag(PROFILE, "PROFILE-Energy: power=%" PRIu64, watts);
	acct_gather_profile_g_add_sample_data(
		pc.dataset_id, &watts, pc.poll_time);
}

extern int init(void)
{
	return SLURM_SUCCESS;
}

/*
 * Nothing survives fini(), as nothing survives the dlclose() that follows
 * it in Slurm's plugin_unload(), even in a Slurm built with
 * --enable-memory-leak-debug, which keeps the plugin mapped.
 */
extern int fini(void)
{
	slurm_mutex_lock(&pc.lock);
	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	node_energy_init(&pc.node);
	pc.node_rec_set = false;
	pc.step_rec_set = false;
	pc.poll_time = 0;
	pc.why[0] = '\0';
	pc.drain_sent = false;
	pc.break_logged = 0;
	pc.breaks_quiet = 0;
	pc.dataset_id = -1;
	slurm_mutex_unlock(&pc.lock);
	return SLURM_SUCCESS;
}

extern int acct_gather_energy_p_update_node_energy(void)
{
	slurm_mutex_lock(&pc.lock);
	(void)poll_zones();
	drain_node();
	slurm_mutex_unlock(&pc.lock);
	return SLURM_SUCCESS;
}

extern int acct_gather_energy_p_get_data(
	enum acct_energy_type data_type, void *data)
{
	int rc = SLURM_SUCCESS;

	if (!data)
		return SLURM_ERROR;
	slurm_mutex_lock(&pc.lock);
	switch (data_type) {
	case ENERGY_DATA_JOULES_TASK:
		/* slurmd's energy RPC: a fresh reading, the node's record. */
		(void)poll_zones();
		fill_node(data);
		break;
	case ENERGY_DATA_NODE_ENERGY_UP:
		(void)poll_zones();
		fill_step(data);
		break;
	case ENERGY_DATA_STRUCT:
	case ENERGY_DATA_NODE_ENERGY:
		fill_node(data);
		break;
	case ENERGY_DATA_LAST_POLL:
		*(time_t *)data = pc.poll_time;
		break;
	case ENERGY_DATA_SENSOR_CNT:
		*(uint16_t *)data = 1;
		break;
	default:
		error("%s: get_data: unknown type %d", plugin_type, data_type);
		rc = SLURM_ERROR;
		break;
	}
	slurm_mutex_unlock(&pc.lock);
	return rc;
}

extern int acct_gather_energy_p_set_data(
	enum acct_energy_type data_type, void *data)
{
	int rc = SLURM_SUCCESS;

	slurm_mutex_lock(&pc.lock);
	switch (data_type) {
	case ENERGY_DATA_RECONFIG:
		/* Zones that are down get an attempt now, whatever the backoff.
		 */
		if (!pc.zones && !pc.conf_error[0] && running_in_slurmd_stepd())
			(void)open_zones(now_ns());
		break;
	case ENERGY_DATA_PROFILE:
		if (!poll_zones())
			send_profile();
		break;
	case ENERGY_DATA_STEP_PTR:
		/* Energy is per node: the step record is not needed. */
		break;
	default:
		error("%s: set_data: unknown type %d", plugin_type, data_type);
		rc = SLURM_ERROR;
		break;
	}
	slurm_mutex_unlock(&pc.lock);
	(void)data;
	return rc;
}

/*
 * Every option is a string to Slurm's parser, which would otherwise stop
 * the daemons on a malformed number or boolean; powercap_options checks
 * them here instead.
 */
extern void acct_gather_energy_p_conf_options(
	s_p_options_t **full_options, int *full_options_cnt)
{
	s_p_options_t options[] = {
		{.key = POWERCAP_OPTION_ZONES, .type = S_P_STRING},
		{.key = POWERCAP_OPTION_MAX_WATTS, .type = S_P_STRING},
		{.key = POWERCAP_OPTION_DRAIN, .type = S_P_STRING},
		{.key = NULL}};

	transfer_s_p_options(full_options, options, full_options_cnt);
}

/* Read the options from tbl into pc; invalid ones are logged and kept. */
static void read_options(s_p_hashtbl_t *tbl)
{
	struct powercap_options o;
	size_t i;

	powercap_options_init(&o);
	pc.conf_error[0] = '\0';
	for (i = 0; i < NOPTIONS; i++) {
		struct powercap_zones_error err = {{0}};
		char *value = NULL;

		pc.bad[i] = false;
		if (!tbl || !s_p_get_string(&value, option_keys[i], tbl))
			continue;
		if (powercap_options_set(&o, option_keys[i], value, &err)) {
			problem("%s: %s in acct_gather.conf; energy is "
				"reported "
				"as unknown",
				plugin_type, err.text);
			pc.bad[i] = true;
			snprintf(pc.bad_text[i], sizeof(pc.bad_text[i]), "%s",
				value);
			if (!pc.conf_error[0])
				snprintf(pc.conf_error, sizeof(pc.conf_error),
					"%s", err.text);
		}
		xfree(value);
	}
	pc.opts = o;
}

extern void acct_gather_energy_p_conf_set(int context_id_in, s_p_hashtbl_t *tbl)
{
	struct powercap_options old;

	(void)context_id_in;
	slurm_mutex_lock(&pc.lock);
	old = pc.opts;
	read_options(tbl);
	if (running_in_slurmd_stepd()) {
		if (pc.conf_error[0]) {
			/* Energy unknown, no retries: the option must change.
			 */
			powercap_zones_close(pc.zones);
			pc.zones = NULL;
			pc.node.up = false;
			snprintf(pc.why, sizeof(pc.why), "%s", pc.conf_error);
		} else if (!pc.zones || pc.opts.mode != old.mode ||
			   pc.opts.max_uw != old.max_uw) {
			/* A reconfiguration that changes the zones begins anew.
			 */
			(void)open_zones(now_ns());
		}
	}
	slurm_mutex_unlock(&pc.lock);
	debug("%s loaded", plugin_name);
}

static void add_pair(List data, const char *name, char *value)
{
	config_key_pair_t *pair = xmalloc(sizeof(*pair));

	pair->name = xstrdup(name);
	pair->value = value;
	list_append(data, pair);
}

extern void acct_gather_energy_p_conf_values(List *data)
{
	char *value[NOPTIONS];
	size_t i;

	slurm_mutex_lock(&pc.lock);
	value[0] = xstrdup(powercap_options_mode_name(pc.opts.mode));
	value[1] = xstrdup_printf("%" PRIu64, pc.opts.max_uw / RAPL_UJ_PER_J);
	value[2] = xstrdup(pc.opts.drain_on_error ? "yes" : "no");
	for (i = 0; i < NOPTIONS; i++) {
		if (pc.bad[i]) {
			xfree(value[i]);
			value[i] = xstrdup_printf(
				"%s (invalid: energy unknown)", pc.bad_text[i]);
		}
		add_pair(*data, option_keys[i], value[i]);
	}
	slurm_mutex_unlock(&pc.lock);
}
