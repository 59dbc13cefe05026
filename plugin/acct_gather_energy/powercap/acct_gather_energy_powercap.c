/*
 * acct_gather_energy_powercap.c: Slurm 22.05 acct_gather_energy plugin that
 * measures node energy from RAPL through powercap sysfs (libenergy).
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A thin adapter: libenergy (accounting/powercap_zones.c, rapl.c) finds the
 * zones, handles wraps and impossible deltas and keeps microjoules; this
 * file maps its totals onto acct_gather_energy_t for slurmd (node polling)
 * and slurmstepd (per-step energy), and logs. When energy cannot be read,
 * it is reported as unknown (consumed_energy NO_VAL64, current_watts
 * NO_VAL), never as zero; the node may optionally be drained.
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

/* Wrap warnings are repeated at most this often, in seconds. */
#define WARN_EVERY_S 3600

/* Everything the plugin knows, in one place, under one lock. */
static struct {
	pthread_mutex_t lock;
	/* acct_gather.conf */
	enum powercap_zones_mode mode;
	uint64_t max_uw;
	bool drain_on_error;
	bool conf_bad; /* an option was invalid: energy unknown */
	/* measurement */
	struct powercap_zones *zones;
	bool broken;		 /* no zones or a read failed: energy unknown */
	struct rapl_meter meter; /* node energy since the zones were opened */
	time_t poll_time;
	time_t last_wrap_warning;
	char why[300]; /* the last failure: the drain reason */
	bool drain_sent;
	int dataset_id;
} pc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.mode = POWERCAP_ZONES_PACKAGE,
	.dataset_id = -1,
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RAPL_NS_PER_S + ts.tv_nsec;
}

static const char *mode_name(enum powercap_zones_mode mode)
{
	return mode == POWERCAP_ZONES_PSYS ? "psys" : "package";
}

static char *node_name(void)
{
	if (&conf && conf && conf->node_name)
		return conf->node_name;
	return NULL;
}

/*
 * Ask slurmctld to drain this node, once, when PowercapDrainOnError=yes and
 * energy is unknown. Called from slurmd's node energy poll, which slurmctld
 * has just asked for, so the request does not wait on a controller that is
 * not up yet (as it could at slurmd's start).
 */
static void drain_node(void)
{
	update_node_msg_t msg;
	char reason[sizeof(pc.why) + 16];

	if (!pc.drain_on_error || !pc.broken || pc.drain_sent ||
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

/* Record a failure: one error line, energy unknown from now on. */
static void fail(const char *what)
{
	problem("%s: %s; energy is reported as unknown", plugin_type, what);
	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	pc.broken = true;
	snprintf(pc.why, sizeof(pc.why), "%s", what);
}

/* Close whatever is open and discover the zones again. */
static void zones_open(void)
{
	struct powercap_zones_options opts = {
		.mode = pc.mode,
		.max_uw = pc.max_uw,
	};
	struct powercap_zones_error err = {{0}};
	struct powercap_zones_info info;
	int64_t t = now_ns();
	uint16_t freq = slurm_conf.acct_gather_node_freq;
	double wrap;
	size_t i;

	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	pc.broken = true;
	if (pc.conf_bad)
		return;
	if (!(pc.zones = powercap_zones_open(&opts, t, &err))) {
		fail(err.text);
		return;
	}
	pc.broken = false;
	pc.drain_sent = false;
	pc.why[0] = '\0';
	rapl_meter_start(&pc.meter, 0, t);
	pc.poll_time = time(NULL);

	for (i = 0; i < powercap_zones_count(pc.zones); i++) {
		powercap_zones_get(pc.zones, i, &info);
		log_flag(ENERGY,
			"%s: zone %s (%s): max_energy_range_uj=%" PRIu64
			" ceiling=%.0f W",
			plugin_type, info.name, info.path, info.range_uj,
			(double)info.max_uw / RAPL_UJ_PER_J);
	}
	wrap = powercap_zones_min_wrap_s(pc.zones);
	verbose("%s: %zu zone(s) in %s mode, shortest wrap period %.0f s",
		plugin_type, powercap_zones_count(pc.zones), mode_name(pc.mode),
		wrap);
	if (running_in_slurmd() && freq && wrap > 0 && freq >= wrap)
		error("%s: AcctGatherNodeFreq=%u s is not shorter than the "
		      "shortest RAPL wrap period (%.0f s): counter wraps "
		      "can be missed; lower AcctGatherNodeFreq",
			plugin_type, freq, wrap);
}

/* Read the zones now. Returns 0, or -1 when energy is unknown. */
static int poll_zones(void)
{
	struct powercap_zones_error err = {{0}};
	uint64_t total = 0;
	int64_t t = now_ns();
	double wrap, gap;
	time_t now = time(NULL);
	int rc;

	if (!pc.zones)
		return -1;
	rc = powercap_zones_poll(pc.zones, t, &total, &err);
	if (rc < 0) {
		fail(err.text);
		return -1;
	}
	if (rc > 0)
		problem("%s: %s", plugin_type, err.text);

	wrap = powercap_zones_min_wrap_s(pc.zones);
	gap = (double)(t - pc.meter.last_ns) / RAPL_NS_PER_S;
	if (wrap > 0 && gap >= wrap &&
		now - pc.last_wrap_warning >= WARN_EVERY_S) {
		problem("%s: %.0f s between energy reads is not shorter than "
			"the shortest RAPL wrap period (%.0f s): wraps may "
			"have been missed",
			plugin_type, gap, wrap);
		pc.last_wrap_warning = now;
	}
	rapl_meter_update(&pc.meter, total, t);
	pc.poll_time = now;
	log_flag(ENERGY,
		"%s: node %" PRIu64 " uJ since start, %.1f W now, "
		"%.1f W average",
		plugin_type, rapl_meter_uj(&pc.meter),
		rapl_meter_current_watts(&pc.meter),
		rapl_meter_average_watts(&pc.meter));
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

/* The node's view: energy since the zones were opened in this process. */
static void fill_node(acct_gather_energy_t *e)
{
	memset(e, 0, sizeof(*e));
	e->poll_time = pc.poll_time;
	if (pc.broken) {
		e->consumed_energy = NO_VAL64;
		e->current_watts = NO_VAL;
		return;
	}
	e->consumed_energy = rapl_meter_joules(&pc.meter);
	e->previous_consumed_energy = e->consumed_energy;
	e->current_watts = round_watts(rapl_meter_current_watts(&pc.meter));
	e->ave_watts = round_watts(rapl_meter_average_watts(&pc.meter));
}

/*
 * A caller's own record (slurmstepd's per-task energy): joules since the
 * caller's first call. base_consumed_energy and previous_consumed_energy
 * hold whole joules of the node meter at the first and the latest call;
 * both are floors of exact microjoule totals, so the difference is within
 * 1 J of the truth however many polls there are. Once unknown, a record
 * stays unknown: a gap makes any later total wrong.
 */
static void fill_caller(acct_gather_energy_t *e)
{
	uint64_t joules = rapl_meter_joules(&pc.meter);
	bool first = (e->poll_time == 0);

	/* A meter restarted under a record (slurmd reopened the zones). */
	bool restarted = !first && joules < e->base_consumed_energy;

	if (pc.broken || restarted ||
		(!first && e->consumed_energy == NO_VAL64)) {
		e->consumed_energy = NO_VAL64;
		e->current_watts = NO_VAL;
		e->ave_watts = 0;
		e->poll_time = pc.poll_time ? pc.poll_time : time(NULL);
		return;
	}
	if (first)
		e->base_consumed_energy = joules;
	e->previous_consumed_energy = joules;
	e->consumed_energy = joules - e->base_consumed_energy;
	e->current_watts = round_watts(rapl_meter_current_watts(&pc.meter));
	e->ave_watts = round_watts(rapl_meter_average_watts(&pc.meter));
	e->poll_time = pc.poll_time;
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
	acct_gather_profile_dataset_t dataset[] = {
		{"Power", PROFILE_FIELD_UINT64}, {NULL, PROFILE_FIELD_NOT_SET}};
	uint64_t watts;

	if (pc.broken || pc.dataset_id == DATASET_FAILED || !profiling_energy())
		return;
	if (pc.dataset_id < 0) {
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
	watts = round_watts(rapl_meter_current_watts(&pc.meter));
	log_flag(PROFILE, "PROFILE-Energy: power=%" PRIu64, watts);
	acct_gather_profile_g_add_sample_data(
		pc.dataset_id, &watts, pc.poll_time);
}

extern int init(void)
{
	return SLURM_SUCCESS;
}

extern int fini(void)
{
	slurm_mutex_lock(&pc.lock);
	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	pc.broken = true;
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
		/* slurmd's energy RPC: a fresh record, the node's totals. */
		(void)poll_zones();
		fill_node(data);
		break;
	case ENERGY_DATA_NODE_ENERGY_UP:
		(void)poll_zones();
		fill_caller(data);
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
		/* A node whose zones failed gets another chance. */
		if (pc.broken && running_in_slurmd_stepd())
			zones_open();
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

extern void acct_gather_energy_p_conf_options(
	s_p_options_t **full_options, int *full_options_cnt)
{
	s_p_options_t options[] = {{.key = "PowercapZones", .type = S_P_STRING},
		{.key = "PowercapMaxWatts", .type = S_P_UINT32},
		{.key = "PowercapDrainOnError", .type = S_P_BOOLEAN},
		{.key = NULL}};

	transfer_s_p_options(full_options, options, full_options_cnt);
}

extern void acct_gather_energy_p_conf_set(int context_id_in, s_p_hashtbl_t *tbl)
{
	char *zones = NULL;
	uint32_t watts = 0;
	bool drain = false;
	enum powercap_zones_mode old_mode;
	uint64_t old_max_uw;

	(void)context_id_in;
	slurm_mutex_lock(&pc.lock);
	old_mode = pc.mode;
	old_max_uw = pc.max_uw;
	pc.mode = POWERCAP_ZONES_PACKAGE;
	pc.max_uw = 0;
	pc.drain_on_error = false;
	pc.conf_bad = false;
	if (tbl) {
		if (s_p_get_string(&zones, "PowercapZones", tbl)) {
			if (!xstrcasecmp(zones, "psys"))
				pc.mode = POWERCAP_ZONES_PSYS;
			else if (xstrcasecmp(zones, "package")) {
				problem("%s: PowercapZones=%s in "
					"acct_gather.conf: expected package or "
					"psys; energy is reported as unknown",
					plugin_type, zones);
				pc.conf_bad = true;
				snprintf(pc.why, sizeof(pc.why),
					"PowercapZones=%s is invalid", zones);
			}
			xfree(zones);
		}
		if (s_p_get_uint32(&watts, "PowercapMaxWatts", tbl))
			pc.max_uw = (uint64_t)watts * RAPL_UJ_PER_J;
		if (s_p_get_boolean(&drain, "PowercapDrainOnError", tbl))
			pc.drain_on_error = drain;
	}
	/*
	 * Reconfiguration calls this again: keep counting through it unless
	 * the zones' selection changed or they failed.
	 */
	if (running_in_slurmd_stepd() &&
		(!pc.zones || pc.mode != old_mode || pc.max_uw != old_max_uw))
		zones_open();
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
	slurm_mutex_lock(&pc.lock);
	add_pair(*data, "PowercapZones", xstrdup(mode_name(pc.mode)));
	add_pair(*data, "PowercapMaxWatts",
		xstrdup_printf("%" PRIu64, pc.max_uw / RAPL_UJ_PER_J));
	add_pair(*data, "PowercapDrainOnError",
		xstrdup(pc.drain_on_error ? "yes" : "no"));
	slurm_mutex_unlock(&pc.lock);
}
