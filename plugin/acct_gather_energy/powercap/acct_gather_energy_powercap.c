/*
 * acct_gather_energy_powercap.c: Slurm acct_gather_energy plugin (22.05,
 * 24.11) that measures node energy from RAPL through powercap sysfs
 * (libenergy).
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A thin adapter: libenergy finds the zones, handles wraps, impossible and
 * uncertain deltas (powercap_zones.c, rapl.c), reads NVIDIA GPUs through
 * NVML loaded at run time (gpu_nvml.c), splits time into epochs of
 * continuous readings, keeps records, the split by source and the retry
 * backoff (node_energy.c), attributes a shared node's energy by CPU time
 * (cpu_share.c) and checks the options (powercap_options.c). This file
 * maps its records onto acct_gather_energy_t for slurmd (the node) and
 * slurmstepd (the step), gives libenergy the step's processes, and logs.
 * A record whose interval contains a break in continuity (a failed read,
 * an impossible delta, an interval that could hide wraps, a reopen) is
 * reported as unknown (consumed_energy NO_VAL64), never as a partial
 * total; the node may optionally be drained.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../slurm_compat.h"

#include "src/common/slurm_xlator.h"
#include SC_ACCT_GATHER_ENERGY_H
#include SC_ACCT_GATHER_PROFILE_H
#include "src/common/parse_config.h"
#include "src/common/xstring.h"
#include SC_PROCTRACK_H
#include "src/slurmd/slurmd/slurmd.h"
#include "src/slurmd/slurmstepd/slurmstepd_job.h"

#include "cpu_share.h"
#include "gpu_nvml.h"
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
extern void acct_gather_energy_p_conf_values(list_t **data);

/* slurmd's and slurmstepd's configuration (node name); NULL elsewhere. */
extern slurmd_conf_t *conf __attribute__((weak));

/*
 * The processes of a step (src/slurmd/common/proctrack.c), exported by
 * slurmd and slurmstepd only: weak, so that slurmctld loads the plugin.
 */
#pragma weak proctrack_g_get_pids

/* The node's CPU times, for PowercapShare=cpu. */
#define PROC_STAT "/proc/stat"

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
	POWERCAP_OPTION_MAX_WATTS, POWERCAP_OPTION_DRAIN, POWERCAP_OPTION_GPU,
	POWERCAP_OPTION_NVML, POWERCAP_OPTION_SHARE,
	POWERCAP_OPTION_IDLE_WATTS};
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
	struct gpu_nvml *gpus; /* NULL: none (or none found) */
	char **gpu_expect;     /* UUIDs of the first open that found GPUs */
	size_t ngpu_expect;
	bool gpu_absent_logged; /* "no GPU energy" said once */
	struct node_energy node;
	/* the node's record: since the zones were first read */
	struct node_energy_record node_rec;
	bool node_rec_set;
	/* slurmstepd: the step's record, since its first read */
	struct node_energy_record step_rec;
	bool step_rec_set;
	/* slurmstepd, PowercapShare=cpu: the step's share */
	stepd_step_rec_t *step; /* ENERGY_DATA_STEP_PTR */
	bool step_holds_idle;	/* holds_idle(step), when it was set */
	struct cpu_share_tracker tracker;
	struct cpu_share_record share_rec;
	bool share_set;
	char share_why[512];   /* why the share is unknown, once logged */
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

/* Close every source: the zones and the GPUs. */
static void close_sources(void)
{
	powercap_zones_close(pc.zones);
	pc.zones = NULL;
	gpu_nvml_close(pc.gpus);
	pc.gpus = NULL;
}

/*
 * A read or an open failed at t: close the sources, mark the energy
 * unknown and schedule the next attempt. The first failure and any new
 * cause are errors; the same cause again on a retry is logged with
 * DebugFlags=Energy.
 */
static void failed(const char *what, int64_t t)
{
	int64_t backoff;

	close_sources();
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

/*
 * Log the GPUs found; the first time, remember their UUIDs so that every
 * later open must find them all again.
 */
static void log_gpus(void)
{
	double gap = (double)GPU_NVML_MAX_GAP_NS / RAPL_NS_PER_S;
	uint16_t freq = slurm_conf.acct_gather_node_freq;
	struct gpu_nvml_info info;
	size_t i, n = gpu_nvml_count(pc.gpus), sampled = 0;

	for (i = 0; i < n; i++) {
		gpu_nvml_get(pc.gpus, i, &info);
		if (info.method == GPU_NVML_POWER)
			sampled++;
		log_flag(ENERGY, "%s: GPU %u (%s): %s", plugin_type, info.index,
			info.uuid,
			info.method == GPU_NVML_POWER
				? "no energy counter: power readings "
				  "integrated between reads"
				: "energy counter");
	}
	verbose("%s: %zu GPU(s) through NVML, %zu of them by power readings",
		plugin_type, n, sampled);
	if (sampled && running_in_slurmd() && freq && freq >= gap)
		error("%s: AcctGatherNodeFreq=%u s is not shorter than %.0f s: "
		      "the "
		      "power readings of GPUs without an energy counter are "
		      "not integrated over such intervals, so the node's "
		      "energy is reported as unknown; lower AcctGatherNodeFreq",
			plugin_type, freq, gap);
	if (pc.gpu_expect)
		return;
	pc.gpu_expect = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		gpu_nvml_get(pc.gpus, i, &info);
		pc.gpu_expect[i] = xstrdup(info.uuid);
	}
	pc.ngpu_expect = n;
}

static void free_gpu_expect(void)
{
	size_t i;

	for (i = 0; i < pc.ngpu_expect; i++)
		xfree(pc.gpu_expect[i]);
	xfree(pc.gpu_expect);
	pc.ngpu_expect = 0;
}

/*
 * Open the GPUs (PowercapGPU=auto or yes). Returns 0, with pc.gpus NULL
 * when there are none and none are needed (auto, logged once); -1 with
 * err set otherwise.
 */
static int open_gpus(int64_t t, struct sc_error *err)
{
	struct gpu_nvml_options gopts = {
		.library = pc.opts.nvml_library,
		.expect = (const char *const *)pc.gpu_expect,
		.nexpect = pc.ngpu_expect,
	};
	struct sc_error gerr = {{0}};

	if (pc.opts.gpu == POWERCAP_GPU_NO)
		return 0;
	if ((pc.gpus = gpu_nvml_open(&gopts, t, &gerr))) {
		log_gpus();
		return 0;
	}
	if (errno != ENOENT || pc.opts.gpu == POWERCAP_GPU_YES) {
		snprintf(err->text, sizeof(err->text), "%s", gerr.text);
		return -1;
	}
	if (!pc.gpu_absent_logged) {
		/* One line per daemon; each step's would be noise. */
		if (running_in_slurmd())
			info("%s: no GPU energy: %s; node energy is the RAPL "
			     "zones' (PowercapGPU=auto)",
				plugin_type, gerr.text);
		else
			log_flag(ENERGY, "%s: no GPU energy: %s", plugin_type,
				gerr.text);
		pc.gpu_absent_logged = true;
	}
	return 0;
}

/* Discover the zones and the GPUs; begin an epoch at their first reading. */
static int open_zones(int64_t t)
{
	struct powercap_zones_options zopts = {
		.mode = pc.opts.mode,
		.max_uw = pc.opts.max_uw,
	};
	struct sc_error err = {{0}};
	struct node_energy_split zero = {0};
	unsigned failures = pc.node.failures;
	int64_t down_ns = pc.node.down_ns;

	close_sources();
	if (!(pc.zones = powercap_zones_open(&zopts, t, &err)) ||
		open_gpus(t, &err)) {
		failed(err.text, t);
		return -1;
	}
	node_energy_begin_split(&pc.node, &zero, t);
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
static void lost_continuity(
	const char *why, const struct node_energy_split *split, int64_t t)
{
	time_t now = time(NULL);

	node_energy_begin_split(&pc.node, split, t);
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
 * Read the zones and the GPUs now; while they are down, open them again
 * once the backoff has passed. Returns 0 when a reading was taken, -1
 * otherwise.
 */
static int poll_zones(void)
{
	struct sc_error err = {{0}}, gerr = {{0}};
	struct node_energy_split split = {0};
	uint64_t total = 0;
	int64_t t = now_ns();
	int rc, grc = 0;

	if (pc.conf_error[0])
		return -1;
	if (!pc.zones) {
		if (!node_energy_retry_due(&pc.node, t))
			return -1;
		return open_zones(t);
	}
	rc = powercap_zones_poll(pc.zones, t, &total, &err);
	if (rc >= 0 && pc.gpus)
		grc = gpu_nvml_poll(pc.gpus, t, &split.gpu_uj, &gerr);
	/* A failure before a break; the zones' cause before the GPUs'. */
	if (rc < 0 || grc < 0) {
		failed(rc < 0 ? err.text : gerr.text, t);
		return -1;
	}
	powercap_zones_split(pc.zones, &split.package_uj, &split.dram_uj);
	if (rc > 0 || grc > 0)
		lost_continuity(rc > 0 ? err.text : gerr.text, &split, t);
	else
		node_energy_update_split(&pc.node, &split, t);
	pc.poll_time = time(NULL);
	log_flag(ENERGY,
		"%s: node %" PRIu64 " uJ in epoch %" PRIu64
		" (%.1f s); since open: package %" PRIu64 " uJ, dram %" PRIu64
		" uJ, gpu %" PRIu64 " uJ",
		plugin_type, rapl_meter_uj(&pc.node.meter), pc.node.epoch,
		(double)(pc.node.meter.last_ns - pc.node.meter.start_ns) /
			RAPL_NS_PER_S,
		split.package_uj, split.dram_uj, split.gpu_uj);
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

/* The step's energy by source, for people reading the log. */
static void log_step_split(uint64_t uj)
{
	struct node_energy_split sp;

	if (!(slurm_conf.debug_flags & DEBUG_FLAG_ENERGY) ||
		node_energy_record_split(&pc.step_rec, &pc.node, &sp))
		return;
	log_flag(ENERGY,
		"%s: step %.3f J = package %.3f J + dram %.3f J + gpu %.3f J",
		plugin_type, (double)uj / RAPL_UJ_PER_J,
		(double)sp.package_uj / RAPL_UJ_PER_J,
		(double)sp.dram_uj / RAPL_UJ_PER_J,
		(double)sp.gpu_uj / RAPL_UJ_PER_J);
}

/*
 * Does the step hold its allocation's idle share (PowercapShare=cpu)? The
 * batch step; a step of a job without one (srun or salloc jobs: Slurm
 * puts ENVIRONMENT=BATCH in the batch script's environment, which its
 * srun steps inherit, src/common/env.c); never the extern step, whose
 * record has no CPU count (req.c's _spawn_prolog_stepd sets no node_cpus).
 * Asked once, when the step is set, before any task starts: at each task's
 * end slurmstepd's main thread swaps step->env for a new array and frees
 * the old one (mgr.c, _wait_for_any_task), under no lock a poll could take.
 */
static bool holds_idle(const stepd_step_rec_t *step)
{
	char **env;

	if (!step || step->step_id.step_id == SLURM_EXTERN_CONT)
		return false;
	if (step->step_id.step_id == SLURM_BATCH_SCRIPT)
		return true;
	for (env = step->env; env && *env; env++)
		if (!strcmp(*env, "ENVIRONMENT=BATCH"))
			return false;
	return true;
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * RAPL_NS_PER_S +
	       (uint64_t)tv->tv_usec * 1000;
}

/*
 * The step's CPU time (its processes, as proctrack lists them, and the
 * children slurmstepd has reaped) and the node's busy CPU time, now.
 * Returns 0, or -1 with err set.
 */
static int read_cpu(
	uint64_t *cpu_ns, uint64_t *busy_ns, struct sc_error *err)
{
	struct cpu_share_proc *procs;
	pid_t *pids = NULL;
	int npids = 0, i, rc = 0;
	size_t k = 0;
	struct rusage ru;

	*cpu_ns = pc.tracker.cpu_ns;
	if (!proctrack_g_get_pids) {
		snprintf(err->text, sizeof(err->text),
			"no proctrack in this process");
		return -1;
	}
	if (pc.step && pc.step->cont_id && pc.step->cont_id != NO_VAL64)
		(void)proctrack_g_get_pids(pc.step->cont_id, &pids, &npids);
	procs = xcalloc(npids + 1, sizeof(*procs));
	for (i = 0; i < npids && !rc; i++) {
		if (!cpu_share_read_proc(pids[i], &procs[k]))
			k++;
		else if (errno != ENOENT && errno != ESRCH) {
			snprintf(err->text, sizeof(err->text),
				"/proc/%d/stat: %m", (int)pids[i]);
			rc = -1;
		}
	}
	if (!rc && getrusage(RUSAGE_CHILDREN, &ru)) {
		snprintf(err->text, sizeof(err->text), "getrusage: %m");
		rc = -1;
	}
	if (!rc &&
		cpu_share_tracker_update(&pc.tracker, procs, k,
			timeval_ns(&ru.ru_utime) + timeval_ns(&ru.ru_stime))) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		rc = -1;
	}
	if (!rc)
		rc = cpu_share_node_busy(PROC_STAT, busy_ns, err);
	*cpu_ns = pc.tracker.cpu_ns;
	xfree(pids);
	xfree(procs);
	return rc;
}

/*
 * PowercapShare=cpu: the step's share of each interval since its first
 * read (cpu_share.c), unknown for good once a CPU time cannot be read.
 */
static void fill_share(acct_gather_energy_t *e)
{
	struct sc_error err = {{0}};
	struct cpu_share_params p = {
		.idle_uw = pc.opts.idle_uw,
		.cpus = pc.step ? pc.step->cpus : 0,
		.node_cpus = (&conf && conf) ? conf->cpus : 0,
		.holder = pc.step_holds_idle,
	};
	const struct cpu_share_record *r = &pc.share_rec;
	uint64_t cpu = 0, busy = 0, uj;
	int rc = read_cpu(&cpu, &busy, &err);
	double cur, ave;

	if (!pc.share_set) {
		cpu_share_record_start(&pc.share_rec, &pc.node, cpu, busy);
		pc.share_set = true;
	} else if (!rc) {
		cpu_share_record_update(&pc.share_rec, &pc.node, cpu, busy, &p);
	}
	if (rc) {
		cpu_share_record_break(&pc.share_rec);
		if (!pc.share_why[0])
			problem("%s: PowercapShare=cpu: %s; the step's energy "
				"is reported as unknown",
				plugin_type, err.text);
		snprintf(pc.share_why, sizeof(pc.share_why), "%s", err.text);
	}
	if (cpu_share_record_uj(r, &pc.node, &uj) ||
		cpu_share_record_watts(r, &pc.node, &cur, &ave))
		return;
	e->consumed_energy = uj / RAPL_UJ_PER_J;
	e->previous_consumed_energy = e->consumed_energy;
	e->current_watts = round_watts(cur);
	e->ave_watts = round_watts(ave);
	log_flag(ENERGY,
		"%s: step share %.3f J = %.3f J above idle for %.1f%% of the "
		"node's busy CPU time (%.2f of %.2f CPU s) + %.3f J idle for "
		"%u of %u CPUs%s",
		plugin_type, r->uj / RAPL_UJ_PER_J, r->dyn_uj / RAPL_UJ_PER_J,
		r->busy_ns > 0 ? 100 * r->cpu_ns / r->busy_ns : 0,
		r->cpu_ns / RAPL_NS_PER_S, r->busy_ns / RAPL_NS_PER_S,
		r->idle_uj / RAPL_UJ_PER_J, p.cpus, p.node_cpus,
		p.holder ? "" : " (held by another step)");
}

/*
 * slurmstepd's records (one per task): the step's energy from the step's
 * first energy read, whichever task's record asks. Slurm gives each poll
 * to the newest live task only (common_jag.c, _poll_data) and keeps the
 * record of the last task to end (slurmstepd's mgr.c, _wait_for_any_task),
 * so a record counting from its own first poll would lose the energy
 * before it (t0042 measured a third of the truth). Floor of the exact
 * microjoules: within 1 J below the truth. With PowercapShare=cpu, the
 * step's share instead (fill_share).
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
	/*
	 * A step's power goes to its TRES out fields (common_jag.c), which
	 * know no "unknown": NO_VAL would show as 4294967294 W in sstat and
	 * stay the step's maximum. Its energy, NO_VAL64, is what says so.
	 */
	e->current_watts = 0;
	if (pc.conf_error[0])
		return;
	if (pc.opts.share == POWERCAP_SHARE_CPU && running_in_slurmstepd()) {
		fill_share(e);
		return;
	}
	if (node_energy_record_uj(&pc.step_rec, &pc.node, &uj))
		return;
	e->consumed_energy = uj / RAPL_UJ_PER_J;
	e->base_consumed_energy = pc.step_rec.start_uj / RAPL_UJ_PER_J;
	e->previous_consumed_energy = pc.node.meter.last_uj / RAPL_UJ_PER_J;
	if (!node_energy_current_watts(&pc.node, &w))
		e->current_watts = round_watts(w);
	if (!node_energy_record_watts(&pc.step_rec, &pc.node, &w))
		e->ave_watts = round_watts(w);
	log_step_split(uj);
}

static bool profiling_energy(void)
{
	uint32_t opt = ACCT_GATHER_PROFILE_NOT_SET;

	acct_gather_profile_g_get(ACCT_GATHER_PROFILE_RUNNING, &opt);
	return (opt != ACCT_GATHER_PROFILE_NOT_SET) &&
	       (opt & ACCT_GATHER_PROFILE_ENERGY);
}

/*
 * One sample for acct_gather_profile (its "Energy" dataset): the node's
 * power over the last interval, and its split into the RAPL packages (or
 * psys), their dram and the GPUs, in watts.
 */
static void send_profile(void)
{
	enum { F_POWER, F_PACKAGE, F_DRAM, F_GPU, F_COUNT };
	uint64_t data[F_COUNT];
	double w, pkg, dram, gpu;

	/* No sample is better than one over an interval that broke. */
	if (node_energy_current_watts(&pc.node, &w) ||
		node_energy_current_split_watts(&pc.node, &pkg, &dram, &gpu) ||
		pc.dataset_id == DATASET_FAILED || !profiling_energy())
		return;
	if (pc.dataset_id < 0) {
		acct_gather_profile_dataset_t dataset[] = {
			{"Power", PROFILE_FIELD_UINT64},
			{"Package", PROFILE_FIELD_UINT64},
			{"DRAM", PROFILE_FIELD_UINT64},
			{"GPU", PROFILE_FIELD_UINT64},
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
	data[F_POWER] = round_watts(w);
	data[F_PACKAGE] = round_watts(pkg);
	data[F_DRAM] = round_watts(dram);
	data[F_GPU] = round_watts(gpu);
	log_flag(PROFILE,
		"PROFILE-Energy: power=%" PRIu64 " package=%" PRIu64
		" dram=%" PRIu64 " gpu=%" PRIu64,
		data[F_POWER], data[F_PACKAGE], data[F_DRAM], data[F_GPU]);
	acct_gather_profile_g_add_sample_data(
		pc.dataset_id, data, pc.poll_time);
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
	close_sources();
	free_gpu_expect();
	pc.gpu_absent_logged = false;
	pc.step = NULL;
	cpu_share_tracker_free(&pc.tracker);
	pc.share_set = false;
	pc.share_why[0] = '\0';
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
	case ENERGY_DATA_NODE_ENERGY:
		/*
		 * slurmstepd asks this instead of NODE_ENERGY_UP when the job
		 * profiles energy (common_jag.c): the step's energy, its share
		 * with PowercapShare=cpu, from a fresh reading so that the
		 * share's energy and CPU intervals line up. slurmd's node
		 * record otherwise.
		 */
		if (running_in_slurmstepd()) {
			(void)poll_zones();
			fill_step(data);
		} else {
			fill_node(data);
		}
		break;
	case ENERGY_DATA_STRUCT:
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
		/* slurmstepd's step (slurmstepd.c, before job_manager()): its
		 * processes, CPUs and kind, for PowercapShare=cpu. */
		pc.step = data;
		pc.step_holds_idle = holds_idle(pc.step);
		cpu_share_tracker_free(&pc.tracker);
		cpu_share_tracker_init(&pc.tracker, (int)getpid());
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
		{.key = POWERCAP_OPTION_GPU, .type = S_P_STRING},
		{.key = POWERCAP_OPTION_NVML, .type = S_P_STRING},
		{.key = POWERCAP_OPTION_SHARE, .type = S_P_STRING},
		{.key = POWERCAP_OPTION_IDLE_WATTS, .type = S_P_STRING},
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
		struct sc_error err = {{0}};
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
			close_sources();
			pc.node.up = false;
			snprintf(pc.why, sizeof(pc.why), "%s", pc.conf_error);
		} else if (!pc.zones || pc.opts.mode != old.mode ||
			   pc.opts.max_uw != old.max_uw ||
			   pc.opts.gpu != old.gpu ||
			   strcmp(pc.opts.nvml_library, old.nvml_library)) {
			/* A reconfiguration that changes the zones begins anew.
			 */
			(void)open_zones(now_ns());
		}
	}
	slurm_mutex_unlock(&pc.lock);
	debug("%s loaded", plugin_name);
}

static void add_pair(list_t *data, const char *name, char *value)
{
	config_key_pair_t *pair = xmalloc(sizeof(*pair));

	pair->name = xstrdup(name);
	pair->value = value;
	list_append(data, pair);
}

extern void acct_gather_energy_p_conf_values(list_t **data)
{
	char *value[NOPTIONS];
	size_t i;

	slurm_mutex_lock(&pc.lock);
	value[0] = xstrdup(powercap_options_mode_name(pc.opts.mode));
	value[1] = xstrdup_printf("%" PRIu64, pc.opts.max_uw / RAPL_UJ_PER_J);
	value[2] = xstrdup(pc.opts.drain_on_error ? "yes" : "no");
	value[3] = xstrdup(powercap_options_gpu_name(pc.opts.gpu));
	value[4] = xstrdup(pc.opts.nvml_library[0] ? pc.opts.nvml_library
						   : GPU_NVML_LIBRARY);
	value[5] = xstrdup(powercap_options_share_name(pc.opts.share));
	value[6] = xstrdup_printf("%" PRIu64, pc.opts.idle_uw / RAPL_UJ_PER_J);
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
