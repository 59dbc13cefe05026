/*
 * test_powercap_plugin.c: the built acct_gather_energy/powercap plugin,
 * loaded with dlopen() as Slurm's plugin loader loads it, over simulated
 * RAPL trees whose counters this program writes, so every figure is
 * checked against energy worked out here, never against the plugin.
 *
 * This executable stands in for the daemon: it exports (-export-dynamic)
 * the symbols Slurm's daemons give a plugin and libslurm lacks (logging
 * that the tests read, the daemon's role, slurmd's conf, the profile
 * plugin, slurm_update_node, proctrack's list of a step's processes), and
 * takes the rest from libslurm (xmalloc, lists, and the real
 * acct_gather.conf parser). CLOCK_MONOTONIC is a clock the tests move, so
 * wrap periods and backoff need no sleeping.
 *
 * GPUs come from the stand-in NVML (tests/nvmlsim), loaded by the plugin
 * through PowercapNVMLLibrary, whose counters this program also writes.
 * For PowercapShare=cpu, a child process burns CPU while the tests let it
 * and its /proc/PID/stat gives the step's CPU time; the node's /proc/stat
 * is a file this program writes (PROC_STAT_FILE, bind-mounted over
 * /proc/stat).
 *
 * Run it through test_powercap_plugin.sh, which enters a private mount
 * namespace, mounts a tmpfs over /sys/class and binds that file over
 * /proc/stat; this program refuses to write unless /sys/class is a tmpfs.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../plugin/slurm_compat.h"

#include "src/common/slurm_xlator.h"
#include "src/common/list.h"
#include "src/common/log.h"
#include "src/common/parse_config.h"
#include "src/common/read_config.h"
#include "src/common/run_in_daemon.h"
#include SC_ACCT_GATHER_ENERGY_H
#include SC_ACCT_GATHER_PROFILE_H
#include "src/common/xmalloc.h"
#include SC_PROCTRACK_H
#include "src/slurmd/slurmd/slurmd.h"
#include "src/slurmd/slurmstepd/slurmstepd_job.h"

#ifndef PLUGIN_SO
#error "PLUGIN_SO: the path of the built acct_gather_energy_powercap.so"
#endif

#ifndef NVMLSIM_SO
#error "NVMLSIM_SO: the path of the built stand-in libnvidia-ml.so.1"
#endif

#define ROOT "/sys/class/powercap"
#define NVMLSIM_CONTROL "/sys/class/test-nvmlsim.conf"
#define PROC_STAT_FILE "/sys/class/test-proc-stat"
#define RAPL ROOT "/intel-rapl"
#define J UINT64_C(1000000)
#define MS INT64_C(1000000)
#define UNKNOWN NO_VAL64

/* ------------------------------------------------------------------ */
/* The daemon's side: what Slurm would give the plugin.                */

enum role { SLURMD, SLURMSTEPD, SLURMCTLD };
static enum role role = SLURMD;

bool running_in_slurmd(void)
{
	return role == SLURMD;
}

bool running_in_slurmstepd(void)
{
	return role == SLURMSTEPD;
}

bool running_in_slurmd_stepd(void)
{
	return role != SLURMCTLD;
}

/* Everything logged since log_reset(), one "LEVEL message" per line. */
static char logbuf[1 << 16];
static size_t loglen;

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "%s %s\n", level, line);
	loglen += (size_t)snprintf(logbuf + loglen, sizeof(logbuf) - loglen,
		"%s %s\n", level, line);
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
}

static void log_reset(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

static int logged(const char *needle)
{
	int n = 0;
	const char *p = logbuf;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

int get_log_level(void)
{
	return LOG_LEVEL_DEBUG;
}

void log_var(const log_level_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level == LOG_LEVEL_INFO ? "info" : "verbose", fmt, ap);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
	return -1;
}

/* slurmd's configuration: the node name the plugin drains, its CPUs. */
static slurmd_conf_t test_conf = {.node_name = "cn7", .cpus = 4};
slurmd_conf_t *conf = &test_conf;

/* proctrack: the processes of container 4242, the step's child. */
static pid_t step_child;

int proctrack_g_get_pids(uint64_t cont_id, pid_t **pids, int *npids)
{
	*pids = NULL;
	*npids = 0;
	if (cont_id != 4242 || !step_child)
		return SLURM_ERROR;
	*pids = xmalloc(sizeof(pid_t));
	(*pids)[0] = step_child;
	*npids = 1;
	return SLURM_SUCCESS;
}

/* Drain requests sent to the "controller". */
static int drains;
static char drain_node[64], drain_reason[1024];

int slurm_update_node(update_node_msg_t *msg)
{
	drains++;
	snprintf(drain_node, sizeof(drain_node), "%s", msg->node_names);
	snprintf(drain_reason, sizeof(drain_reason), "%s", msg->reason);
	return msg->node_state == NODE_STATE_DRAIN ? SLURM_SUCCESS
						   : SLURM_ERROR;
}

/* The profile plugin: energy profiling on or off, samples recorded. */
static bool profiling;
static int datasets, fail_dataset;
static char dataset_name[64];
static uint64_t samples[64], sample_split[64][3];
static int nsamples;

int acct_gather_profile_g_get(
	enum acct_gather_profile_info info_type, void *data)
{
	if (info_type == ACCT_GATHER_PROFILE_RUNNING)
		*(uint32_t *)data = profiling ? ACCT_GATHER_PROFILE_ENERGY
					      : ACCT_GATHER_PROFILE_NONE;
	return SLURM_SUCCESS;
}

int acct_gather_profile_g_create_dataset(const char *name, int64_t parent,
	acct_gather_profile_dataset_t *dataset)
{
	(void)parent;
	datasets++;
	if (fail_dataset)
		return SLURM_ERROR;
	snprintf(dataset_name, sizeof(dataset_name), "%s/%s,%s,%s,%s", name,
		dataset[0].name, dataset[1].name, dataset[2].name,
		dataset[3].name);
	ck_assert_ptr_null(dataset[4].name);
	return 3;
}

int acct_gather_profile_g_add_sample_data(
	int dataset_id, void *data, time_t sample_time)
{
	(void)sample_time;
	if (dataset_id != 3 || nsamples >= 64)
		return SLURM_ERROR;
	memcpy(sample_split[nsamples], (uint64_t *)data + 1,
		sizeof(sample_split[0]));
	samples[nsamples++] = *(uint64_t *)data;
	return SLURM_SUCCESS;
}

/* The monotonic clock the plugin reads; other clocks are the system's. */
static int64_t mono_ns = INT64_C(1000) * 1000 * MS;

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (clk != CLOCK_MONOTONIC)
		return (int)syscall(SYS_clock_gettime, clk, ts);
	ts->tv_sec = (time_t)(mono_ns / (1000 * MS));
	ts->tv_nsec = (long)(mono_ns % (1000 * MS));
	return 0;
}

/* ------------------------------------------------------------------ */
/* The plugin, loaded as plugin_load_from_file() and plugin_get_syms()  */
/* (src/common/plugin.c) load it.                                       */

static struct {
	void *handle;
	int (*update_node_energy)(void);
	int (*get_data)(enum acct_energy_type, void *);
	int (*set_data)(enum acct_energy_type, void *);
	void (*conf_options)(s_p_options_t **, int *);
	void (*conf_set)(int, s_p_hashtbl_t *);
	void (*conf_values)(list_t **);
} plug;

static const char *plugin_path(void)
{
	const char *p = getenv("POWERCAP_PLUGIN_SO");

	return p ? p : PLUGIN_SO;
}

/* dlopen with RTLD_LAZY, the checks of _verify_syms(), init(). */
static void so_load(void)
{
	const char *path = plugin_path();
	const uint32_t *version;
	int (*init)(void);
	void **ops[] = {(void **)&plug.update_node_energy,
		(void **)&plug.get_data, (void **)&plug.set_data,
		(void **)&plug.conf_options, (void **)&plug.conf_set,
		(void **)&plug.conf_values};
	/* The order of slurm_acct_gather_energy.c's syms[]. */
	static const char *const syms[] = {
		"acct_gather_energy_p_update_node_energy",
		"acct_gather_energy_p_get_data",
		"acct_gather_energy_p_set_data",
		"acct_gather_energy_p_conf_options",
		"acct_gather_energy_p_conf_set",
		"acct_gather_energy_p_conf_values",
	};
	size_t i;

	plug.handle = dlopen(path, RTLD_LAZY);
	ck_assert_msg(plug.handle, "dlopen(%s): %s", path, dlerror());
	ck_assert_str_eq(dlsym(plug.handle, "plugin_name"),
		"AcctGatherEnergy powercap plugin");
	ck_assert_str_eq(dlsym(plug.handle, "plugin_type"),
		"acct_gather_energy/powercap");
	version = dlsym(plug.handle, "plugin_version");
	ck_assert_msg(version && *version == SLURM_VERSION_NUMBER,
		"plugin_version is not SLURM_VERSION_NUMBER");
	*(void **)&init = dlsym(plug.handle, "init");
	ck_assert_msg(init && init() == 0, "init() failed");
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*ops[i] = dlsym(plug.handle, syms[i]);
		ck_assert_msg(*ops[i], "%s: %s", syms[i], dlerror());
	}
}

/* so_unload(): fini(), then dlclose(): nothing survives. */
static void so_unload(void)
{
	int (*fini)(void);

	*(void **)&fini = dlsym(plug.handle, "fini");
	ck_assert(fini && fini() == 0);
	ck_assert_int_eq(dlclose(plug.handle), 0);
	memset(&plug, 0, sizeof(plug));
}

/*
 * acct_gather_conf_init() (src/common/slurm_acct_gather.c): the plugin's
 * options into a table, the file parsed by Slurm's own parser, conf_set.
 * Returns the parser's result; conf_set is called only when it succeeds
 * (the daemons stop with a fatal error otherwise).
 */
static int plugin_configure(const char *text)
{
	char path[] = "/tmp/test_powercap_plugin.XXXXXX";
	s_p_options_t *full = NULL;
	s_p_hashtbl_t *tbl;
	int cnt = 0, fd, i, rc;

	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	plug.conf_options(&full, &cnt);
	xrealloc(full, (cnt + 1) * sizeof(s_p_options_t));
	tbl = s_p_hashtbl_create(full);
	rc = s_p_parse_file(tbl, NULL, path, false, NULL);
	if (rc == SLURM_SUCCESS)
		plug.conf_set(0, tbl);
	s_p_hashtbl_destroy(tbl);
	for (i = 0; i < cnt; i++)
		xfree(full[i].key);
	xfree(full);
	unlink(path);
	return rc;
}

/* A daemon of the given role starts: load, read acct_gather.conf. */
static void daemon_start(enum role r, const char *conf_text)
{
	role = r;
	so_load();
	ck_assert_int_eq(plugin_configure(conf_text), SLURM_SUCCESS);
}

/* The value scontrol show config would list for an option. */
static void conf_value(const char *key, char *out, size_t size)
{
	list_t *values = list_create(destroy_config_key_pair);
	config_key_pair_t *pair;
	list_itr_t *it;

	out[0] = '\0';
	plug.conf_values(&values);
	it = list_iterator_create(values);
	while ((pair = list_next(it)))
		if (!strcmp(pair->name, key))
			snprintf(out, size, "%s", pair->value);
	list_iterator_destroy(it);
	list_destroy(values);
}

/* ------------------------------------------------------------------ */
/* The simulated zones, whose energy this program knows exactly.        */

struct zone {
	const char *dir; /* below ROOT */
	const char *name;
	uint64_t range_uj;
	uint64_t constraint_uw; /* constraint_0_max_power_uw; 0: none */
	uint64_t raw;		/* energy_uj now */
};

/*
 * package-0: a 1 kJ range at a 2 x 150 W ceiling wraps every 3.33 s at
 * the soonest: the shortest wrap period. package-1 and dram have Intel's
 * usual range (873 s and 262 s at their ceilings).
 */
#define RANGE_SMALL (1000 * J - 1)
#define RANGE_INTEL UINT64_C(262143328850)
static struct zone zones[] = {
	{"intel-rapl/intel-rapl:0", "package-0", RANGE_SMALL, 150000000, 0},
	{"intel-rapl/intel-rapl:0/intel-rapl:0:0", "dram", RANGE_INTEL, 0, 0},
	{"intel-rapl/intel-rapl:1", "package-1", RANGE_INTEL, 150000000, 0},
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))
#define WRAP_MS 3333

/* Power of each zone, in milliwatts (mW x ms = uJ): 160 W in all. */
static const uint64_t base_mw[NZONES] = {100000, 10000, 50000};

static uint64_t truth_uj; /* energy of every zone since sim_reset */

static void die(const char *what)
{
	fprintf(stderr, "test_powercap_plugin: %s: %s\n", what,
		strerror(errno));
	exit(99);
}

/* Write a value in place, as the kernel shows it: no leading zeros. */
static void put(const char *dir, const char *file, const char *value)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", ROOT, dir, file);
	fd = open(path, O_WRONLY | O_CREAT, 0444);
	if (fd < 0 || pwrite(fd, value, strlen(value), 0) < 0 || close(fd) < 0)
		die(path);
}

static void put_u64(const char *dir, const char *file, uint64_t v)
{
	char buf[32];

	/* Padded with spaces so a shorter value overwrites a longer one. */
	snprintf(buf, sizeof(buf), "%-24" PRIu64 "\n", v);
	put(dir, file, buf);
}

static void mkdirs(const char *dir)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", ROOT, dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die(path);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
}

static int rm_entry(
	const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * The stand-in NVML's devices (tests/nvmlsim/nvmlsim.c): GPU-a with an
 * energy counter, GPU-b without one (the plugin integrates its power).
 * Off: no control file, as on a node whose driver is not loaded.
 */
static struct {
	bool on;
	uint64_t a_mj;	    /* GPU-a's counter */
	uint64_t a_w, b_w;  /* their power */
	const char *b_line; /* GPU-b's line instead of the usual, or "" */
} gpu;

static void write_gpus(void)
{
	FILE *f;

	if (!gpu.on) {
		if (unlink(NVMLSIM_CONTROL) < 0 && errno != ENOENT)
			die(NVMLSIM_CONTROL);
		return;
	}
	if (!(f = fopen(NVMLSIM_CONTROL, "w")))
		die(NVMLSIM_CONTROL);
	fprintf(f, "gpu uuid=GPU-a energy_mj=%" PRIu64 "\n", gpu.a_mj);
	if (gpu.b_line)
		fprintf(f, "%s\n", gpu.b_line);
	else
		fprintf(f, "gpu uuid=GPU-b counter=no power_mw=%" PRIu64 "\n",
			gpu.b_w * 1000);
	if (fclose(f))
		die(NVMLSIM_CONTROL);
}

/* Two GPUs at 200 W (counter) and 50 W (power readings). */
static void gpus_on(void)
{
	gpu.on = true;
	gpu.a_mj = 123456789;
	gpu.a_w = 200;
	gpu.b_w = 50;
	gpu.b_line = NULL;
	write_gpus();
}

static void write_counters(void)
{
	size_t i;

	for (i = 0; i < NZONES; i++)
		put_u64(zones[i].dir, "energy_uj", zones[i].raw);
	write_gpus();
}

/* A fresh tree, counters at known values near the top of their range. */
static void sim_reset(void)
{
	size_t i;

	if (nftw(ROOT, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 &&
		errno != ENOENT)
		die("removing " ROOT);
	mkdirs("intel-rapl");
	put_u64("intel-rapl", "enabled", 1);
	for (i = 0; i < NZONES; i++) {
		struct zone *z = &zones[i];
		char name[64];

		mkdirs(z->dir);
		snprintf(name, sizeof(name), "%s\n", z->name);
		put(z->dir, "name", name);
		put_u64(z->dir, "enabled", 1);
		put_u64(z->dir, "max_energy_range_uj", z->range_uj);
		if (z->constraint_uw) {
			put(z->dir, "constraint_0_name", "long_term\n");
			put_u64(z->dir, "constraint_0_max_power_uw",
				z->constraint_uw);
			put_u64(z->dir, "constraint_0_power_limit_uw",
				z->constraint_uw);
		}
		z->raw = z->range_uj - 300 * J + 7 * i;
	}
	write_counters();
	truth_uj = 0;
}

/* ms milliseconds at power mw[] (NULL: base_mw); counters written unless
 * frozen (a stalled updater: the energy is drawn, the files stand still). */
static void sim_run_at(int64_t ms, const uint64_t *mw, bool frozen)
{
	size_t i;

	for (i = 0; i < NZONES; i++) {
		uint64_t e = (mw ? mw[i] : base_mw[i]) * (uint64_t)ms;

		zones[i].raw = (zones[i].raw + e) % (zones[i].range_uj + 1);
		truth_uj += e;
	}
	if (gpu.on) {
		/* W x ms = mJ; mW x ms = uJ */
		gpu.a_mj += gpu.a_w * (uint64_t)ms;
		truth_uj += (gpu.a_w + gpu.b_w) * 1000 * (uint64_t)ms;
	}
	mono_ns += ms * MS;
	if (!frozen)
		write_counters();
}

static void sim_run(int64_t ms)
{
	sim_run_at(ms, NULL, false);
}

/* ------------------------------------------------------------------ */
/* Calls and what they must return.                                    */

static acct_gather_energy_t get(enum acct_energy_type type)
{
	acct_gather_energy_t e;

	memset(&e, 0xa5, sizeof(e)); /* the plugin must set every field */
	ck_assert_int_eq(plug.get_data(type, &e), SLURM_SUCCESS);
	return e;
}

/* A task record of slurmstepd: poll_time 0 until the first call. */
static uint64_t step_joules(acct_gather_energy_t *rec)
{
	ck_assert_int_eq(
		plug.get_data(ENERGY_DATA_NODE_ENERGY_UP, rec), SLURM_SUCCESS);
	return rec->consumed_energy;
}

#define assert_joules(got, want_uj)                                            \
	ck_assert_msg((got) == (want_uj) / J,                                  \
		"%s: %" PRIu64 " J, expected %" PRIu64 " J (truth %" PRIu64    \
		" uJ)",                                                        \
		#got, (uint64_t)(got), (uint64_t)((want_uj) / J),              \
		(uint64_t)(want_uj))

#define assert_unknown(got)                                                    \
	ck_assert_msg((got) == UNKNOWN, "%s: %" PRIu64 " J, expected unknown", \
		#got, (uint64_t)(got))

static void setup(void)
{
	memset(&gpu, 0, sizeof(gpu));
	sim_reset();
	log_reset();
	drains = 0;
	drain_reason[0] = '\0';
	profiling = false;
	datasets = fail_dataset = nsamples = 0;
	slurm_conf.debug_flags = DEBUG_FLAG_ENERGY;
	slurm_conf.acct_gather_node_freq = 1;
}

static void child_stop(void);

static void teardown(void)
{
	child_stop();
	if (plug.handle)
		so_unload();
}

/* ------------------------------------------------------------------ */

/*
 * Every request type, in slurmstepd, in the order a step makes them: each
 * row runs the zones for run_ms, then makes one call. Joules are the
 * truth since the row marked "from" (the zones' opening, or the step's
 * first read), floored; watts are 160 W whenever an interval exists.
 */
enum since { OPEN, STEP, NONE };
struct call {
	const char *what;
	int64_t run_ms;
	enum acct_energy_type type;
	bool set;	  /* set_data, else get_data */
	int rec;	  /* NODE_ENERGY_UP: caller record 0 or 1 */
	enum since since; /* what joules count from */
	uint32_t watts;	  /* current_watts expected */
	bool polls;	  /* the call reads the zones */
};

static const struct call calls[] = {
	{"sensor count", 0, ENERGY_DATA_SENSOR_CNT, false, 0, NONE, 0, false},
	{"step pointer", 0, ENERGY_DATA_STEP_PTR, true, 0, NONE, 0, false},
	{"first task poll", 1000, ENERGY_DATA_NODE_ENERGY_UP, false, 0, STEP,
		160, true},
	{"task poll", 2500, ENERGY_DATA_NODE_ENERGY_UP, false, 0, STEP, 160,
		true},
	/* A second task's first read: the step's energy, not 0. */
	{"second task's record", 500, ENERGY_DATA_NODE_ENERGY_UP, false, 1,
		STEP, 160, true},
	/* slurmstepd asks NODE_ENERGY for a step that profiles energy */
	{"node energy (reads)", 700, ENERGY_DATA_NODE_ENERGY, false, 0, STEP,
		160, true},
	{"struct (no read)", 0, ENERGY_DATA_STRUCT, false, 0, OPEN, 160, false},
	{"joules task (reads)", 0, ENERGY_DATA_JOULES_TASK, false, 0, OPEN, 160,
		true},
	{"last poll", 0, ENERGY_DATA_LAST_POLL, false, 0, NONE, 0, false},
	{"profile (reads)", 1300, ENERGY_DATA_PROFILE, true, 0, NONE, 0, true},
	{"reconfig", 0, ENERGY_DATA_RECONFIG, true, 0, NONE, 0, false},
	{"task poll after all", 1000, ENERGY_DATA_NODE_ENERGY_UP, false, 0,
		STEP, 160, true},
	{"node energy after all", 0, ENERGY_DATA_NODE_ENERGY, false, 0, STEP,
		160, true},
};

/* A step record of slurmstepd, as ENERGY_DATA_STEP_PTR gives it. */
static stepd_step_rec_t *make_step(uint32_t step_id, char **env)
{
	stepd_step_rec_t *step = xmalloc(sizeof(*step));

	step->step_id.job_id = 42;
	step->step_id.step_id = step_id;
	step->cont_id = 4242;
	step->cpus = 1;
	step->env = env;
	return step;
}

START_TEST(test_request_types)
{
	stepd_step_rec_t *step = make_step(0, NULL);
	acct_gather_energy_t rec[2];
	uint64_t read_uj = 0, step_uj = 0;
	bool step_started = false;
	size_t i;

	memset(rec, 0, sizeof(rec));
	profiling = true;
	daemon_start(SLURMSTEPD, "");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		acct_gather_energy_t e;
		uint16_t sensors = 0;
		time_t last = 0;
		int dummy_step = 0;

		sim_run(c->run_ms);
		if (c->polls)
			read_uj = truth_uj;
		if (c->type == ENERGY_DATA_NODE_ENERGY_UP && !step_started) {
			step_uj = read_uj;
			step_started = true;
		}
		switch (c->type) {
		case ENERGY_DATA_SENSOR_CNT:
			ck_assert_int_eq(plug.get_data(c->type, &sensors), 0);
			ck_assert_uint_eq(sensors, 1);
			continue;
		case ENERGY_DATA_LAST_POLL:
			ck_assert_int_eq(plug.get_data(c->type, &last), 0);
			ck_assert_msg(
				last <= time(NULL) && last > time(NULL) - 5,
				"last poll %ld", (long)last);
			continue;
		case ENERGY_DATA_STEP_PTR:
			ck_assert_int_eq(plug.set_data(c->type, step), 0);
			continue;
		case ENERGY_DATA_RECONFIG:
			ck_assert_int_eq(plug.set_data(c->type, NULL), 0);
			continue;
		case ENERGY_DATA_PROFILE:
			ck_assert_int_eq(
				plug.set_data(c->type, &dummy_step), 0);
			ck_assert_int_eq(nsamples, 1);
			ck_assert_uint_eq(samples[0], 160);
			ck_assert_str_eq(
				dataset_name, "Energy/Power,Package,DRAM,GPU");
			/* packages 150 W, dram 10 W, no GPU */
			ck_assert_uint_eq(sample_split[0][0], 150);
			ck_assert_uint_eq(sample_split[0][1], 10);
			ck_assert_uint_eq(sample_split[0][2], 0);
			continue;
		case ENERGY_DATA_NODE_ENERGY_UP:
			e = rec[c->rec];
			step_joules(&e);
			rec[c->rec] = e;
			break;
		default:
			e = get(c->type);
			break;
		}
		ck_assert_msg(
			e.consumed_energy ==
				(read_uj - (c->since == STEP ? step_uj : 0)) /
					J,
			"%s: %" PRIu64 " J, truth %" PRIu64 " uJ", c->what,
			e.consumed_energy,
			read_uj - (c->since == STEP ? step_uj : 0));
		ck_assert_msg(e.current_watts == c->watts, "%s: %u W", c->what,
			e.current_watts);
		ck_assert_msg(e.poll_time > 0, "%s: no poll time", c->what);
	}
	/* Unknown request types are refused, as is a NULL record. */
	ck_assert_int_eq(plug.get_data(99, rec), SLURM_ERROR);
	ck_assert_int_eq(plug.set_data(99, NULL), SLURM_ERROR);
	ck_assert_int_eq(plug.get_data(ENERGY_DATA_STRUCT, NULL), SLURM_ERROR);
	ck_assert_int_eq(logged("error acct_gather_energy/powercap: get_data: "
				"unknown type 99"),
		1);
	so_unload();
	xfree(step);
}
END_TEST

/*
 * Counters wrapping at every few reads (package-0's 1 kJ range at 250 W
 * wraps every 4 s), read every 1.5 s for a minute: the step and the node
 * record agree with the truth to the floored joule.
 */
START_TEST(test_wraps)
{
	static const uint64_t mw[NZONES] = {250000, 12345, 67891};
	acct_gather_energy_t rec = {0};
	uint64_t start;
	int k;

	daemon_start(SLURMSTEPD, "");
	sim_run_at(1500, mw, false);
	start = truth_uj;
	ck_assert_uint_eq(step_joules(&rec), 0);
	for (k = 0; k < 40; k++) {
		sim_run_at(1500, mw, false);
		assert_joules(step_joules(&rec), truth_uj - start);
	}
	assert_joules(get(ENERGY_DATA_STRUCT).consumed_energy, truth_uj);
	/* 330.236 W over the last 1.5 s. */
	ck_assert_uint_eq(rec.current_watts, 330);
	ck_assert_uint_eq(rec.ave_watts, 330);
	ck_assert_int_eq(logged("error"), 0);
}
END_TEST

/*
 * An impossible delta (package-1 gains 5 kJ in 1 s against a 300 W
 * ceiling): the step's energy is unknown from then on, never the lower
 * total that skipping the interval would give; the node's power comes
 * back at the next interval; a later step (a new slurmstepd) is right.
 */
START_TEST(test_rejected_delta)
{
	acct_gather_energy_t rec = {0};
	uint64_t start;

	daemon_start(SLURMSTEPD, "");
	sim_run(1000);
	start = truth_uj;
	step_joules(&rec);
	sim_run(1000);
	assert_joules(step_joules(&rec), truth_uj - start);
	sim_run(1000);
	zones[2].raw = (zones[2].raw + 5000 * J) % (zones[2].range_uj + 1);
	write_counters();
	assert_unknown(step_joules(&rec));
	/* a step's power has no unknown in Slurm's TRES: 0, not NO_VAL */
	ck_assert_uint_eq(rec.current_watts, 0);
	ck_assert_int_eq(logged("info error: acct_gather_energy/powercap: " RAPL
				"/intel-rapl:1: energy_uj went from"),
		1);
	ck_assert_int_eq(logged("is above the zone's ceiling of 300 W"), 1);
	assert_unknown(get(ENERGY_DATA_STRUCT).consumed_energy);
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	ck_assert_uint_eq(get(ENERGY_DATA_STRUCT).current_watts, 160);
	so_unload();

	daemon_start(SLURMSTEPD, "");
	memset(&rec, 0, sizeof(rec));
	start = truth_uj;
	step_joules(&rec);
	sim_run(2000);
	assert_joules(step_joules(&rec), truth_uj - start);
}
END_TEST

/*
 * Reads further apart than the shortest wrap period (3.33 s), as with a
 * stalled poller: the interval could hide wraps, so the step is unknown.
 * 3.3 s apart is still fine.
 */
START_TEST(test_gap_beyond_wrap_period)
{
	acct_gather_energy_t rec = {0};
	uint64_t start;

	daemon_start(SLURMSTEPD, "");
	sim_run(1000);
	start = truth_uj;
	step_joules(&rec);
	sim_run(WRAP_MS - 50);
	assert_joules(step_joules(&rec), truth_uj - start);
	sim_run(WRAP_MS);
	assert_unknown(step_joules(&rec));
	ck_assert_int_eq(logged("wraps may be missing"), 1);
	ck_assert_int_eq(logged(RAPL "/intel-rapl:0: energy_uj went from"), 1);
	sim_run(1000);
	assert_unknown(step_joules(&rec));
}
END_TEST

/*
 * Counters that stop moving while energy is drawn (a stalled updater),
 * read every second: frozen for 2 s they catch up in one jump that is
 * counted in full; frozen for 4 s (past the 3.33 s wrap period) the step
 * is unknown, though no two reads were more than 1 s apart.
 */
START_TEST(test_stalled_counters)
{
	acct_gather_energy_t rec = {0};
	uint64_t start;
	int k;

	daemon_start(SLURMSTEPD, "");
	sim_run(1000);
	start = truth_uj;
	step_joules(&rec);
	for (k = 0; k < 2; k++) {
		sim_run_at(1000, NULL, true);
		assert_joules(step_joules(&rec),
			truth_uj - start - 160 * J * (k + 1));
	}
	sim_run(1000);
	assert_joules(step_joules(&rec), truth_uj - start);
	ck_assert_int_eq(logged("error"), 0);

	for (k = 0; k < 4; k++) {
		sim_run_at(1000, NULL, true);
		step_joules(&rec);
	}
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	ck_assert_int_eq(logged("wraps may be missing"), 1);
}
END_TEST

/*
 * A zone reads "n/a" for a while in slurmd (PowercapDrainOnError=yes):
 * energy unknown at once, one error, the node drained once with the
 * cause; attempts to read again after 1, 2, 4 ... s (polls every 0.5 s
 * here); when the zone reads numbers again, power and later records are
 * right, the record spanning the gap stays unknown. A reconfigure
 * (unload, load) starts the node's record anew.
 */
START_TEST(test_read_failure_and_recovery)
{
	char reason[512];
	acct_gather_energy_t e;
	int k;

	daemon_start(SLURMD, "PowercapDrainOnError=yes\n");
	sim_run(1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	e = get(ENERGY_DATA_NODE_ENERGY);
	assert_joules(e.consumed_energy, truth_uj);
	ck_assert_uint_eq(e.current_watts, 160);

	put(zones[2].dir, "energy_uj", "n/a\n");
	sim_run_at(500, NULL, true);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	snprintf(reason, sizeof(reason),
		"powercap: %s/intel-rapl:1/energy_uj: not a number: \"n/a\"",
		RAPL);
	ck_assert_int_eq(drains, 1);
	ck_assert_str_eq(drain_node, "cn7");
	ck_assert_str_eq(drain_reason, reason);
	ck_assert_int_eq(logged("error acct_gather_energy/powercap: " RAPL
				"/intel-rapl:1/energy_uj: not a number: "
				"\"n/a\"; energy is reported as unknown; next "
				"attempt in 1 s"),
		1);
	e = get(ENERGY_DATA_NODE_ENERGY);
	assert_unknown(e.consumed_energy);
	ck_assert_uint_eq(e.current_watts, NO_VAL);
	assert_unknown(get(ENERGY_DATA_JOULES_TASK).consumed_energy);

	/* Failed attempts at +1, +3 and +7 s, each logged once. */
	for (k = 1; k <= 14; k++) {
		put(zones[2].dir, "energy_uj", "n/a\n");
		sim_run_at(500, NULL, true);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		ck_assert_int_eq(logged("attempt 2 failed"), k >= 2);
		ck_assert_int_eq(logged("attempt 3 failed"), k >= 6);
		ck_assert_int_eq(logged("attempt 4 failed"), k >= 14);
	}
	ck_assert_int_eq(drains, 1);
	ck_assert_int_eq(logged("error"), 1);

	/* Numbers again from +7.5 s; the next attempt is due at +15 s. */
	for (k = 1; k <= 17; k++) {
		sim_run(500);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		ck_assert_int_eq(logged("zones readable again after 15 s and 4 "
					"failed attempt(s)"),
			k >= 16);
		ck_assert_uint_eq(get(ENERGY_DATA_NODE_ENERGY).current_watts,
			k >= 17 ? 160 : NO_VAL);
	}
	/* The node's record spans the gap: unknown for good. */
	assert_unknown(get(ENERGY_DATA_NODE_ENERGY).consumed_energy);
	ck_assert_int_eq(drains, 1);

	/* A new failure in the same slurmd drains again. */
	put(zones[0].dir, "energy_uj", "garbage\n");
	sim_run_at(1000, NULL, true);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	ck_assert_int_eq(drains, 2);
	snprintf(reason, sizeof(reason),
		"powercap: %s/intel-rapl:0/energy_uj: not a number: "
		"\"garbage\"",
		RAPL);
	ck_assert_str_eq(drain_reason, reason);

	/* scontrol reconfigure: slurmd unloads and loads the plugin, whose
	 * node record starts again from 0. */
	so_unload();
	write_counters();
	daemon_start(SLURMD, "PowercapDrainOnError=yes\n");
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_RECONFIG, NULL), 0);
	sim_run(2000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	assert_joules(get(ENERGY_DATA_NODE_ENERGY).consumed_energy, 320 * J);
}
END_TEST

/*
 * The same reconfigure in a Slurm built with --enable-memory-leak-debug,
 * whose plugin_unload() calls fini() but keeps the plugin mapped: fini()
 * leaves nothing behind either.
 */
START_TEST(test_fini_resets)
{
	int (*init)(void), (*fini)(void);

	daemon_start(SLURMD, "");
	sim_run(1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	sim_run(WRAP_MS + 1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	assert_unknown(get(ENERGY_DATA_NODE_ENERGY).consumed_energy);
	*(void **)&fini = dlsym(plug.handle, "fini");
	*(void **)&init = dlsym(plug.handle, "init");
	ck_assert_int_eq(fini(), 0);
	ck_assert_int_eq(init(), 0);
	ck_assert_int_eq(plugin_configure(""), SLURM_SUCCESS);
	sim_run(1500);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	assert_joules(get(ENERGY_DATA_NODE_ENERGY).consumed_energy, 240 * J);
}
END_TEST

/* ENERGY_DATA_RECONFIG while the zones are down: an attempt at once. */
START_TEST(test_reconfig_retries_now)
{
	daemon_start(SLURMD, "");
	put(zones[1].dir, "energy_uj", "n/a\n");
	sim_run_at(1000, NULL, true);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	ck_assert_uint_eq(get(ENERGY_DATA_NODE_ENERGY).current_watts, NO_VAL);
	sim_run(100); /* numbers again, 0.9 s before the next attempt */
	ck_assert_int_eq(plug.update_node_energy(), 0);
	ck_assert_int_eq(logged("zones readable again"), 0);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_RECONFIG, NULL), 0);
	ck_assert_int_eq(logged("zones readable again after 0 s and 1 failed "
				"attempt(s)"),
		1);
	sim_run(1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	ck_assert_uint_eq(get(ENERGY_DATA_NODE_ENERGY).current_watts, 160);
}
END_TEST

/*
 * The backoff in full: with a read every second and the zones failing
 * for good, attempts come 1, 2, 4, 8, 16, 32 and then 60 s apart.
 */
START_TEST(test_backoff_schedule)
{
	static const int at_s[] = {1, 3, 7, 15, 31, 63, 123, 183, 243};
	acct_gather_energy_t rec = {0};
	char what[64];
	size_t n = 0;
	int s;

	daemon_start(SLURMSTEPD, "");
	step_joules(&rec);
	put(zones[1].dir, "energy_uj", "n/a\n");
	sim_run_at(1000, NULL, true);
	assert_unknown(step_joules(&rec));
	for (s = 1; s <= 250; s++) {
		sim_run_at(1000, NULL, true);
		put(zones[1].dir, "energy_uj", "n/a\n");
		assert_unknown(step_joules(&rec));
		snprintf(what, sizeof(what), "attempt %zu failed", n + 2);
		if (logged(what)) {
			ck_assert_msg(n < sizeof(at_s) / sizeof(at_s[0]) &&
					      s == at_s[n],
				"attempt %zu at %d s", n + 2, s);
			n++;
		}
	}
	ck_assert_uint_eq(n, sizeof(at_s) / sizeof(at_s[0]));
}
END_TEST

/*
 * acct_gather.conf through Slurm's own parser: values it takes as
 * strings reach the plugin, which refuses malformed ones with a message
 * naming the option and the value (energy unknown, daemon up); what the
 * parser itself still rejects (the daemons would stop) is listed too.
 */
struct conf_case {
	const char *text;
	int parse_rc;	   /* Slurm's s_p_parse_file() */
	const char *error; /* the plugin's message, or NULL */
	const char *key;   /* an option whose shown value is checked */
	const char *shown; /* scontrol show config's value */
	bool known;	   /* energy known after the first interval */
};

static const struct conf_case conf_cases[] = {
	{"", SLURM_SUCCESS, NULL, "PowercapZones", "package", true},
	{"PowercapMaxWatts=400\n", SLURM_SUCCESS, NULL, "PowercapMaxWatts",
		"400", true},
	{"powercapzones=PACKAGE\nPowercapDrainOnError=No\n", SLURM_SUCCESS,
		NULL, "PowercapDrainOnError", "no", true},
	{"PowercapMaxWatts=-5\n", SLURM_SUCCESS,
		"PowercapMaxWatts=-5: expected a whole number of watts from 0 "
		"to 100000 in acct_gather.conf; energy is reported as unknown",
		"PowercapMaxWatts", "-5 (invalid: energy unknown)", false},
	{"PowercapDrainOnError=maybe\n", SLURM_SUCCESS,
		"PowercapDrainOnError=maybe: expected yes or no in "
		"acct_gather.conf",
		"PowercapDrainOnError", "maybe (invalid: energy unknown)",
		false},
	{"PowercapZones=bogus\n", SLURM_SUCCESS,
		"PowercapZones=bogus: expected package or psys",
		"PowercapZones", "bogus (invalid: energy unknown)", false},
	{"PowercapMaxWatts=\"\"\n", SLURM_SUCCESS,
		"PowercapMaxWatts=: expected a whole number of watts",
		"PowercapMaxWatts", " (invalid: energy unknown)", false},
	{"PowercapMaxWatts=\"300 W\"\n", SLURM_SUCCESS,
		"PowercapMaxWatts=300 W: expected a whole number of watts",
		NULL, NULL, false},
	{"", SLURM_SUCCESS, NULL, "PowercapGPU", "auto", true},
	{"", SLURM_SUCCESS, NULL, "PowercapNVMLLibrary", "libnvidia-ml.so.1",
		true},
	{"", SLURM_SUCCESS, NULL, "PowercapShare", "none", true},
	{"PowercapShare=CPU\nPowercapIdleWatts=90\n", SLURM_SUCCESS, NULL,
		"PowercapIdleWatts", "90", true},
	{"PowercapGPU=No\n", SLURM_SUCCESS, NULL, "PowercapGPU", "no", true},
	{"PowercapGPU=maybe\n", SLURM_SUCCESS,
		"PowercapGPU=maybe: expected auto, yes or no", "PowercapGPU",
		"maybe (invalid: energy unknown)", false},
	{"PowercapNVMLLibrary=lib64/libnvidia-ml.so.1\n", SLURM_SUCCESS,
		"PowercapNVMLLibrary=lib64/libnvidia-ml.so.1: expected a "
		"library name without '/' or an absolute path",
		"PowercapNVMLLibrary",
		"lib64/libnvidia-ml.so.1 (invalid: energy unknown)", false},
	{"PowercapShare=cores\n", SLURM_SUCCESS,
		"PowercapShare=cores: expected none or cpu", "PowercapShare",
		"cores (invalid: energy unknown)", false},
	{"PowercapIdleWatts=1e2\n", SLURM_SUCCESS,
		"PowercapIdleWatts=1e2: expected a whole number of watts",
		"PowercapIdleWatts", "1e2 (invalid: energy unknown)", false},
	/* Slurm's parser rejects these before the plugin sees them. */
	{"PowercapMaxWatts=\n", SLURM_ERROR, NULL, NULL, NULL, false},
	{"PowercapMaxWats=5\n", SLURM_ERROR, NULL, NULL, NULL, false},
	{"PowercapMaxWatts=300 W\n", SLURM_ERROR, NULL, NULL, NULL, false},
};

START_TEST(test_options)
{
	size_t i;

	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *tc = &conf_cases[i];
		char shown[128];
		int rc;

		sim_reset();
		log_reset();
		role = SLURMD;
		so_load();
		rc = plugin_configure(tc->text);
		ck_assert_msg(rc == tc->parse_rc, "\"%s\": parser returned %d",
			tc->text, rc);
		if (rc != SLURM_SUCCESS) {
			so_unload();
			continue;
		}
		ck_assert_msg(tc->error ? logged(tc->error) == 1
					: logged("error") == 0,
			"\"%s\": log:\n%s", tc->text, logbuf);
		if (tc->key) {
			conf_value(tc->key, shown, sizeof(shown));
			ck_assert_msg(!strcmp(shown, tc->shown),
				"\"%s\": %s shown as \"%s\"", tc->text, tc->key,
				shown);
		}
		sim_run(1000);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		ck_assert_msg((get(ENERGY_DATA_NODE_ENERGY).consumed_energy !=
				      UNKNOWN) == tc->known,
			"\"%s\": energy known is not %d", tc->text, tc->known);
		so_unload();
	}

	/* slurmctld reads acct_gather.conf too: an error, nothing opened. */
	log_reset();
	role = SLURMCTLD;
	so_load();
	ck_assert_int_eq(plugin_configure("PowercapMaxWatts=-5\n"), 0);
	ck_assert_int_eq(logged("error acct_gather_energy/powercap: "
				"PowercapMaxWatts=-5: expected"),
		1);
}
END_TEST

/*
 * The profile path (ENERGY_DATA_PROFILE, when a job runs with
 * --profile=energy): one sample of the last interval's power per call,
 * none for an interval that broke, and one error if the dataset cannot
 * be created, never retried.
 */
START_TEST(test_profile)
{
	daemon_start(SLURMSTEPD, "");
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(nsamples, 0); /* profiling is off */
	profiling = true;
	sim_run(1000);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	sim_run_at(2000, (const uint64_t[NZONES]){200000, 20000, 30000}, false);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(nsamples, 2);
	ck_assert_uint_eq(samples[0], 160);
	ck_assert_uint_eq(samples[1], 250);
	ck_assert_int_eq(datasets, 1);
	sim_run(WRAP_MS + 1000);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(nsamples, 2);
	sim_run(1000);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(nsamples, 3);
	so_unload();

	fail_dataset = 1;
	datasets = 0;
	log_reset();
	daemon_start(SLURMSTEPD, "");
	sim_run(1000);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	sim_run(1000);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(datasets, 1);
	ck_assert_int_eq(logged("cannot create the Energy profile dataset"), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* GPUs through the stand-in NVML.                                     */

#define GPU_CONF "PowercapGPU=yes\nPowercapNVMLLibrary=" NVMLSIM_SO "\n"

/*
 * The node's energy is the RAPL zones' plus the GPUs': GPU-a by its
 * counter, GPU-b by its power integrated between reads. The step, the
 * node, the split by source in the log and the profile sample agree with
 * the truth to the floored joule.
 */
START_TEST(test_gpu_energy)
{
	acct_gather_energy_t rec = {0};
	uint64_t start;
	int k;

	gpus_on();
	profiling = true;
	daemon_start(SLURMSTEPD, GPU_CONF);
	ck_assert_int_eq(logged("GPU 0 (GPU-a): energy counter"), 1);
	ck_assert_int_eq(logged("GPU 1 (GPU-b): no energy counter: power "
				"readings integrated between reads"),
		1);
	ck_assert_int_eq(logged("2 GPU(s) through NVML, 1 of them by power "
				"readings"),
		1);
	sim_run(1000);
	start = truth_uj;
	ck_assert_uint_eq(step_joules(&rec), 0);
	for (k = 0; k < 10; k++) {
		sim_run(1500);
		assert_joules(step_joules(&rec), truth_uj - start);
	}
	/* 410 W: 150 W of packages, 10 W of dram, 250 W of GPUs */
	ck_assert_uint_eq(rec.current_watts, 410);
	ck_assert_int_ge(logged("step 6150.000 J = package 2250.000 J + dram "
				"150.000 J + gpu 3750.000 J"),
		1);
	assert_joules(get(ENERGY_DATA_STRUCT).consumed_energy, truth_uj);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_PROFILE, NULL), 0);
	ck_assert_int_eq(nsamples, 1);
	ck_assert_uint_eq(samples[0], 410);
	ck_assert_uint_eq(sample_split[0][0], 150);
	ck_assert_uint_eq(sample_split[0][1], 10);
	ck_assert_uint_eq(sample_split[0][2], 250);
	ck_assert_int_eq(logged("error"), 0);
}
END_TEST

/*
 * A node without GPUs behaves as before with PowercapGPU=auto (the
 * default), logged once per daemon, through reopens too; with
 * PowercapGPU=yes its energy is unknown; with no, NVML is never loaded.
 */
struct absent_case {
	const char *conf;
	bool control;	 /* a control file with no devices */
	bool known;	 /* energy known */
	const char *log; /* logged once, or NULL */
};

static const struct absent_case absent_cases[] = {
	{"", false, true,
		"info acct_gather_energy/powercap: no GPU energy: cannot load "
		"libnvidia-ml.so.1"},
	{"PowercapNVMLLibrary=" NVMLSIM_SO "\n", false, true,
		"no GPU energy: " NVMLSIM_SO ": nvmlInit_v2: Driver Not "
		"Loaded; node energy is the RAPL zones' (PowercapGPU=auto)"},
	{"PowercapNVMLLibrary=" NVMLSIM_SO "\n", true, true,
		"no GPU energy: " NVMLSIM_SO ": no GPU;"},
	{GPU_CONF, false, false,
		"error acct_gather_energy/powercap: " NVMLSIM_SO
		": nvmlInit_v2: "
		"Driver Not Loaded; energy is reported as unknown"},
	{"PowercapGPU=no\nPowercapNVMLLibrary=" NVMLSIM_SO "\n", true, true,
		NULL},
};

START_TEST(test_gpu_absent)
{
	size_t i;

	for (i = 0; i < sizeof(absent_cases) / sizeof(absent_cases[0]); i++) {
		const struct absent_case *tc = &absent_cases[i];
		int k;

		sim_reset();
		log_reset();
		if (tc->control) {
			FILE *f = fopen(NVMLSIM_CONTROL, "w");

			ck_assert_ptr_nonnull(f);
			fclose(f);
		}
		daemon_start(SLURMD, tc->conf);
		ck_assert_int_eq(plug.set_data(ENERGY_DATA_RECONFIG, NULL), 0);
		for (k = 0; k < 3; k++) {
			sim_run(1000);
			ck_assert_int_eq(plug.update_node_energy(), 0);
		}
		/* A failed read and a reopen: still said once. */
		put(zones[1].dir, "energy_uj", "n/a\n");
		sim_run_at(1000, NULL, true);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		sim_run(2000);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		sim_run(1000);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		ck_assert_msg((get(ENERGY_DATA_NODE_ENERGY).current_watts ==
				      160) == tc->known,
			"case %zu: power known is not %d", i, tc->known);
		if (tc->log)
			ck_assert_msg(logged(tc->log) == 1,
				"case %zu: \"%s\" logged %d times:\n%s", i,
				tc->log, logged(tc->log), logbuf);
		else
			ck_assert_int_eq(logged("GPU"), 0);
		so_unload();
		if (tc->control)
			unlink(NVMLSIM_CONTROL);
	}
}
END_TEST

/*
 * A GPU that falls off the bus, in slurmd: energy unknown at once, never
 * zero; while it is missing every reopen fails; when it is back, power
 * and later records are right, the node's record spanning the gap stays
 * unknown.
 */
START_TEST(test_gpu_lost)
{
	acct_gather_energy_t e;
	int k;

	gpus_on();
	daemon_start(SLURMD, GPU_CONF);
	sim_run(1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	assert_joules(get(ENERGY_DATA_NODE_ENERGY).consumed_energy, truth_uj);
	gpu.b_line = "gpu uuid=GPU-b counter=no power_mw=50000 lost=yes";
	sim_run(1000);
	ck_assert_int_eq(plug.update_node_energy(), 0);
	e = get(ENERGY_DATA_NODE_ENERGY);
	assert_unknown(e.consumed_energy);
	ck_assert_uint_eq(e.current_watts, NO_VAL);
	ck_assert_int_eq(
		logged("error acct_gather_energy/powercap: GPU 1 "
		       "(GPU-b): nvmlDeviceGetPowerUsage: GPU is lost; "
		       "energy is reported as unknown; next attempt "
		       "in 1 s"),
		1);
	/* Gone from the bus: every attempt fails, first error once. */
	gpu.b_line = "";
	for (k = 0; k < 8; k++) {
		sim_run(1000);
		ck_assert_int_eq(plug.update_node_energy(), 0);
		ck_assert_uint_eq(
			get(ENERGY_DATA_NODE_ENERGY).current_watts, NO_VAL);
	}
	ck_assert_int_eq(logged("error acct_gather_energy/powercap: GPU "
				"GPU-b, found earlier, is missing (1 GPU(s) "
				"now)"),
		1);
	/* Back: attempts failed at +1, +2, +4 and +8 s after the loss, the
	 * next one is due at +16 s. */
	gpu.b_line = NULL;
	for (k = 0; k < 8; k++) {
		sim_run(1000);
		ck_assert_int_eq(plug.update_node_energy(), 0);
	}
	ck_assert_int_eq(logged("zones readable again"), 1);
	ck_assert_uint_eq(get(ENERGY_DATA_NODE_ENERGY).current_watts, 410);
	assert_unknown(get(ENERGY_DATA_NODE_ENERGY).consumed_energy);
}
END_TEST

/*
 * GPU-a's counter goes backwards (the driver reloaded): the step is
 * unknown from then on, a later step is right.
 */
START_TEST(test_gpu_counter_reset)
{
	acct_gather_energy_t rec = {0};
	uint64_t start;

	gpus_on();
	daemon_start(SLURMSTEPD, GPU_CONF);
	sim_run(1000);
	start = truth_uj;
	step_joules(&rec);
	sim_run(1000);
	assert_joules(step_joules(&rec), truth_uj - start);
	gpu.a_mj = 5000;
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	ck_assert_int_eq(logged("GPU 0 (GPU-a): energy counter went backwards "
				"from 123856789 to 205000 mJ (driver reloaded "
				"or GPU reset)"),
		1);
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	so_unload();

	daemon_start(SLURMSTEPD, GPU_CONF);
	memset(&rec, 0, sizeof(rec));
	start = truth_uj;
	step_joules(&rec);
	sim_run(2000);
	assert_joules(step_joules(&rec), truth_uj - start);
}
END_TEST

/* ------------------------------------------------------------------ */
/* PowercapShare=cpu: a child burning CPU stands for the step's tasks.  */

/* The node's CPU times as /proc/stat shows them (in ticks). */
static void write_proc_stat(uint64_t busy_ticks)
{
	char line[128];
	int fd = open(PROC_STAT_FILE, O_WRONLY);

	snprintf(line, sizeof(line),
		"cpu  %-20" PRIu64 " 0 0 1000000 0 0 0 0 0 0\ncpu0 0 0 0 0\n",
		busy_ticks);
	if (fd < 0 || pwrite(fd, line, strlen(line), 0) < 0 || close(fd) < 0)
		die(PROC_STAT_FILE);
}

/* The child's CPU time (utime + stime, ticks) from its /proc/PID/stat. */
static uint64_t child_ticks(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)step_child);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 2,
				 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				 "%llu %llu",
				 &ut, &st),
		2);
	return ut + st;
}

static void child_start(void)
{
	int status;

	step_child = fork();
	ck_assert_int_ge(step_child, 0);
	if (step_child == 0) {
		/* Never outlive the test, even if it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			; /* burns whatever CPU it is allowed */
	}
	kill(step_child, SIGSTOP);
	ck_assert_int_eq(waitpid(step_child, &status, WUNTRACED), step_child);
}

/* Let the child run for about ms, and stop it again: its CPU time is
 * then what the plugin and this test both read. */
static void child_burn(int ms)
{
	struct timespec ts = {0, (long)ms * 1000000};
	int status;

	kill(step_child, SIGCONT);
	nanosleep(&ts, NULL);
	kill(step_child, SIGSTOP);
	ck_assert_int_eq(waitpid(step_child, &status, WUNTRACED), step_child);
}

static void child_stop(void)
{
	if (!step_child)
		return;
	kill(step_child, SIGKILL);
	waitpid(step_child, NULL, 0);
	step_child = 0;
}


#define SHARE_CONF "PowercapShare=cpu\nPowercapIdleWatts=40\n"

/*
 * Interval by interval, the step gets (E - I) x c / b + I x 1/4 with the
 * node drawing 160 W, I = 40 W x t, c the child's CPU time and b the
 * node's busy CPU time, which this test sets to a few times c.
 */
START_TEST(test_share_cpu)
{
	static const int burn_ms[] = {40, 0, 80, 20, 60};
	static const int busy_times[] = {4, 3, 2, 1, 5};
	stepd_step_rec_t *step = make_step(SLURM_BATCH_SCRIPT, NULL);
	acct_gather_energy_t rec = {0};
	uint64_t busy = 1000, c0, e0, got_share;
	double want = 0;
	size_t i;

	child_start();
	write_proc_stat(busy);
	daemon_start(SLURMSTEPD, SHARE_CONF);
	ck_assert_int_eq(plug.set_data(ENERGY_DATA_STEP_PTR, step), 0);
	sim_run(1000);
	ck_assert_uint_eq(step_joules(&rec), 0);
	c0 = child_ticks();
	e0 = truth_uj;
	for (i = 0; i < sizeof(burn_ms) / sizeof(burn_ms[0]); i++) {
		uint64_t c, b, got;
		double e, idle;

		child_burn(burn_ms[i]);
		c = child_ticks() - c0;
		b = c * busy_times[i] + 3;
		busy += b;
		write_proc_stat(busy);
		sim_run(2000);
		e = (double)(truth_uj - e0);
		idle = 40.0 * J * 2;
		want += (e - idle) * (double)c / (double)b + idle / 4;
		got = step_joules(&rec);
		ck_assert_msg(got == (uint64_t)(want / J) ||
				      got + 1 == (uint64_t)(want / J),
			"interval %zu: %" PRIu64
			" J, expected %.3f J (c %" PRIu64 " b %" PRIu64 ")",
			i, got, want / J, c, b);
		c0 += c;
		e0 = truth_uj;
	}
	ck_assert_int_ge(logged("step share"), 1);
	ck_assert_int_ge(logged("idle for 1 of 4 CPUs"), 1);
	ck_assert_int_eq(logged("error"), 0);
	/*
	 * A step that profiles energy is asked NODE_ENERGY instead
	 * (common_jag.c): its share too, not the node's. slurmd's record
	 * (STRUCT) is still the whole node.
	 */
	got_share = step_joules(&rec);
	ck_assert_uint_eq(get(ENERGY_DATA_NODE_ENERGY).consumed_energy,
		got_share);
	assert_joules(get(ENERGY_DATA_STRUCT).consumed_energy, truth_uj);

	/* /proc/stat that cannot be read: unknown for good, said once. */
	put("..", "test-proc-stat", "garbage\n");
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	write_proc_stat(busy + 100);
	sim_run(1000);
	assert_unknown(step_joules(&rec));
	ck_assert_int_eq(logged("info error: acct_gather_energy/powercap: "
				"PowercapShare=cpu: /proc/stat: no cpu line; "
				"the step's energy is reported as unknown"),
		1);
	child_stop();
	so_unload();
	xfree(step);
}
END_TEST

/*
 * Which step holds its allocation's idle share: the batch step, a step of
 * a job without one; not an srun step inside a batch job, nor the extern
 * step. A node doing nothing (no busy time) over 2 s at 160 W with 40 W
 * idle gives the holder 80 J x 1/4 = 20 J. Told from the environment the
 * step had when it was set, not the one it has at a poll.
 */
struct holder_case {
	uint32_t step_id;
	bool in_batch; /* ENVIRONMENT=BATCH in the step's environment */
	uint64_t joules;
};

static const struct holder_case holder_cases[] = {
	{SLURM_BATCH_SCRIPT, true, 20},
	{0, false, 20},
	{3, true, 0},
	{SLURM_EXTERN_CONT, false, 0},
};

START_TEST(test_share_holder)
{
	static char batch_env[] = "ENVIRONMENT=BATCH", other[] = "HOME=/";
	size_t i;

	for (i = 0; i < sizeof(holder_cases) / sizeof(holder_cases[0]); i++) {
		const struct holder_case *tc = &holder_cases[i];
		char *env[] = {other, tc->in_batch ? batch_env : NULL, NULL};
		char *swapped[] = {
			other, tc->in_batch ? NULL : batch_env, NULL};
		stepd_step_rec_t *step = make_step(tc->step_id, env);
		acct_gather_energy_t rec = {0};

		write_proc_stat(5000);
		daemon_start(SLURMSTEPD, SHARE_CONF);
		ck_assert_int_eq(plug.set_data(ENERGY_DATA_STEP_PTR, step), 0);
		/*
		 * As slurmstepd's main thread does at each task's end (and
		 * frees the old array): the polls must not read it again.
		 */
		step->env = swapped;
		step_joules(&rec);
		sim_run(2000);
		ck_assert_msg(step_joules(&rec) == tc->joules,
			"case %zu: %" PRIu64 " J", i, rec.consumed_energy);
		so_unload();
		xfree(step);
	}
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("powercap_plugin");
	TCase *tc = tcase_create("dlopen");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_request_types);
	tcase_add_test(tc, test_wraps);
	tcase_add_test(tc, test_rejected_delta);
	tcase_add_test(tc, test_gap_beyond_wrap_period);
	tcase_add_test(tc, test_stalled_counters);
	tcase_add_test(tc, test_read_failure_and_recovery);
	tcase_add_test(tc, test_fini_resets);
	tcase_add_test(tc, test_reconfig_retries_now);
	tcase_add_test(tc, test_backoff_schedule);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_profile);
	tcase_add_test(tc, test_gpu_energy);
	tcase_add_test(tc, test_gpu_absent);
	tcase_add_test(tc, test_gpu_lost);
	tcase_add_test(tc, test_gpu_counter_reset);
	tcase_add_test(tc, test_share_cpu);
	tcase_add_test(tc, test_share_holder);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct statfs fs;
	SRunner *sr;
	int failed;

	if (!getenv("POWERCAP_TEST_NS")) {
		fprintf(stderr, "run me through test_powercap_plugin.sh\n");
		return 77;
	}
	if (statfs("/sys/class", &fs) < 0 || fs.f_type != TMPFS_MAGIC) {
		fprintf(stderr, "/sys/class is not a private tmpfs: refusing "
				"to write there\n");
		return 99;
	}
	setenv("NVMLSIM_CONTROL", NVMLSIM_CONTROL, 1);
	sr = srunner_create(plugin_suite());
	/* No fork: the tree and the loaded plugin are this process's. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
