/* raplsim: a simulated Intel RAPL powercap tree whose counters advance at
 * known, varying power, with a ground-truth log of the energy consumed. */

/*
 * raplsim --root DIR --truth FILE [options]
 *
 * Builds DIR/intel-rapl/intel-rapl:N (package-N) with subzones core and dram,
 * as the kernel's powercap sysfs lays them out, then advances every zone's
 * energy_uj at a piecewise constant power drawn deterministically from the
 * seed. Counters wrap at max_energy_range_uj. Values are rewritten in place
 * (pwrite at offset 0, trailing-space padding, no leading zeros) because
 * libpowercap keeps its file descriptors open and parses with strtoull base 0.
 *
 * The truth log has one line "MONO REALTIME TRUTH_UJ" every --log-ms and at
 * every power change: MONO and REALTIME in seconds, TRUTH_UJ the cumulative
 * energy of every package and dram zone (never core) since the start, in
 * microjoules. Between two lines the power is constant, so linear
 * interpolation gives the exact truth at any instant. Runs until SIGTERM or
 * SIGINT (or --duration seconds).
 *
 * --cpu-watts IDLE:PER_CPU makes the power follow the simulated node's
 * real CPU use instead of the seeded profile: every --step-ms, raplsim
 * measures the CPU time of the processes in its own mount namespace (the
 * node: slurmd, its slurmstepds and their tasks), raplsim itself left out,
 * from their /proc/PID/stat (utime + stime: each process's growth since
 * the last measurement, all of it for one born since; the last part of a
 * process that ended between two measurements is not seen), and sets the
 * power of the next step so that the packages together draw
 * IDLE + PER_CPU x (CPU-seconds per second) watts, shared equally; dram
 * zones draw the lower bound of --dram-watts. So the node's idle power is
 * IDLE + packages x dram minimum, and its "dynamic" energy, above that,
 * is caused by CPU use that can be told apart per process.
 * --bind-proc-stat (with --cpu-watts) also writes those CPU times in
 * /proc/stat's format to ROOT/../raplsim-proc-stat, all of it busy time
 * as user, the rest of ncpus x elapsed as idle, and bind-mounts that file
 * over /proc/stat: the node's processes then see the same busy time the
 * power follows, whatever else runs on the host. raplsim refuses to do it
 * in the host's mount namespace.
 *
 * Faults, for tests of the readers (the truth log goes on regardless):
 *   SIGUSR1  toggles a stall: the energy_uj files stop changing while the
 *            zones keep drawing power, as when the updater or a reader
 *            stalls; when it ends they jump to the true counter value.
 *   SIGUSR2  toggles garbage: every energy_uj reads "n/a" (not a number,
 *            which readers must treat as a failed read); when it ends the
 *            true counter values are written again.
 * Each change is logged in the truth log as "# MONO REALTIME stall on"
 * (or off, or garbage on/off) and on standard error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define RAPLSIM_MAX_PACKAGES 8
#define RAPLSIM_ZONES_PER_PKG 3
#define RAPLSIM_MAX_ZONES (RAPLSIM_MAX_PACKAGES * RAPLSIM_ZONES_PER_PKG)
#define NS_PER_S UINT64_C(1000000000)
#define RAPLSIM_MAX_PROCS 8192

enum zone_kind { ZONE_PACKAGE, ZONE_CORE, ZONE_DRAM };

struct raplsim_opts {
	const char *root;
	const char *truth;
	const char *ready;
	uint64_t seed;
	int packages;
	uint64_t step_ms;
	uint64_t update_ms;
	uint64_t log_ms;
	uint64_t duration_s;
	uint64_t pkg_min_w, pkg_max_w, pkg_limit_w, pkg_range_uj;
	uint64_t dram_min_w, dram_max_w, dram_limit_w, dram_range_uj;
	bool cpu_mode; /* --cpu-watts */
	uint64_t cpu_idle_w, cpu_per_w;
	bool bind_proc_stat;
};

/* A process of the node, as last measured. */
struct seen_proc {
	int pid;
	unsigned long long start; /* tells a reused pid */
	unsigned long long ticks; /* utime + stime */
};

/* --cpu-watts: the node's CPU use. */
struct cpu_meter {
	dev_t ns_dev; /* raplsim's mount namespace: the node */
	ino_t ns_ino;
	long hz;
	int ncpus;
	bool started;
	struct seen_proc *seen, *next;
	size_t nseen;
	unsigned long long busy_ticks; /* since the start */
	uint64_t last_ns;	       /* of the last measurement */
	double busy_cpus;	       /* over the last step */
	int stat_fd;		       /* the /proc/stat stand-in, or -1 */
	int stat_width;
	char btime[256];
};

struct zone {
	enum zone_kind kind;
	int fd;	   /* energy_uj, open for writing */
	int width; /* bytes written at every update */
	int index; /* position in the profile hash */
	uint64_t range_uj;
	uint64_t offset_uj;    /* counter value at time zero */
	uint64_t step_base_uj; /* energy at the start of the current step */
	uint64_t power_mw;     /* power during the current step */
	uint64_t min_uw, max_uw;
};

struct raplsim {
	struct raplsim_opts o;
	bool stalled; /* SIGUSR1: energy_uj files not updated */
	bool garbage; /* SIGUSR2: energy_uj files read "n/a" */
	struct zone zones[RAPLSIM_MAX_ZONES];
	int nzones;
	FILE *truth;
	uint64_t step; /* index of the current step */
	uint64_t mono0_ns, real0_ns;
	struct cpu_meter cpu;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Commands print one line: "raplsim: problem". Always returns -1. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("raplsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* splitmix64: a good, tiny deterministic hash for the power profile. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Power of a package or dram zone in a step, in milliwatts, a whole number
 * of watts within [min, max]; a core zone draws half of its package. */
static uint64_t zone_step_power(
	const struct raplsim *s, const struct zone *z, uint64_t step)
{
	uint64_t h, span_w = (z->max_uw - z->min_uw) / 1000000;

	h = mix64(s->o.seed ^ mix64(((uint64_t)z->index << 40) ^ step));
	return z->min_uw / 1000 + (h % (span_w + 1)) * 1000;
}

/* --cpu-watts: package and dram power from the node's CPU use. */
static uint64_t zone_cpu_power(const struct raplsim *s, const struct zone *z)
{
	if (z->kind == ZONE_DRAM)
		return s->o.dram_min_w * 1000;
	return (uint64_t)(((double)s->o.cpu_idle_w +
				  (double)s->o.cpu_per_w * s->cpu.busy_cpus) *
			  1000.0 / s->o.packages);
}

static void set_step_powers(struct raplsim *s)
{
	for (int i = 0; i < s->nzones; i++) {
		struct zone *z = &s->zones[i];

		if (z->kind == ZONE_CORE)
			z->power_mw = s->zones[i - 1].power_mw / 2;
		else if (s->o.cpu_mode)
			z->power_mw = zone_cpu_power(s, z);
		else
			z->power_mw = zone_step_power(s, z, s->step);
	}
}

/* Is /proc/PID (a directory entry's name) in raplsim's mount namespace? */
static bool in_node(const struct cpu_meter *m, const char *pid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	return stat(path, &st) == 0 && st.st_dev == m->ns_dev &&
	       st.st_ino == m->ns_ino;
}

/* utime + stime and start time of a process; -1 when it has gone. */
static int read_ticks(const char *pid, struct seen_proc *p)
{
	char path[PATH_MAX], buf[1024], *end;
	unsigned long long ut, st, start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after the command, in parentheses: fields 3 to 22 (proc(5)) */
	if (!(end = strrchr(buf, ')')) ||
		sscanf(end + 1,
			" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
			"%llu "
			"%*d %*d %*d %*d %*d %*d %llu",
			&ut, &st, &start) != 3)
		return -1;
	p->pid = atoi(pid);
	p->start = start;
	p->ticks = ut + st;
	return 0;
}

static const struct seen_proc *find_seen(const struct cpu_meter *m, int pid)
{
	for (size_t i = 0; i < m->nseen; i++)
		if (m->seen[i].pid == pid)
			return &m->seen[i];
	return NULL;
}

/* The /proc/stat stand-in: the same length at every write. */
static int write_proc_stat(struct raplsim *s, uint64_t now_ns)
{
	struct cpu_meter *m = &s->cpu;
	unsigned long long all, idle, busy = m->busy_ticks;
	char buf[4096];
	int n = 0;

	if (m->stat_fd < 0)
		return 0;
	all = (unsigned long long)((now_ns - s->mono0_ns) /
				   (NS_PER_S / m->hz)) *
	      (unsigned long long)m->ncpus;
	idle = all > busy ? all - busy : 0;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		"cpu  %-20llu 0 0 %-20llu 0 0 0 0 0 0\n", busy, idle);
	for (int c = 0; c < m->ncpus && n < (int)sizeof(buf) - 128; c++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			"cpu%-4d %-20llu 0 0 %-20llu 0 0 0 0 0 0\n", c,
			busy / (unsigned long long)m->ncpus,
			idle / (unsigned long long)m->ncpus);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		"intr 0\nctxt 0\n%sprocesses 0\nprocs_running 1\n"
		"procs_blocked 0\nsoftirq 0\n",
		m->btime);
	if (m->stat_width && n != m->stat_width)
		return fail("the /proc/stat stand-in changed length");
	m->stat_width = n;
	if (pwrite(m->stat_fd, buf, (size_t)n, 0) != n)
		return fail("cannot write the /proc/stat stand-in: %s",
			strerror(errno));
	return 0;
}

/*
 * Measure the node's CPU use since the last call: busy_cpus is the
 * CPU-seconds per second of its processes (not raplsim's) over that time.
 */
static int measure_cpu(struct raplsim *s, uint64_t now_ns)
{
	struct cpu_meter *m = &s->cpu;
	unsigned long long delta = 0;
	struct dirent *de;
	size_t k = 0;
	int self = (int)getpid();
	DIR *d = opendir("/proc");

	if (!d)
		return fail("cannot read /proc: %s", strerror(errno));
	while ((de = readdir(d)) && k < RAPLSIM_MAX_PROCS) {
		struct seen_proc *p = &m->next[k];
		const struct seen_proc *q;

		if (!isdigit((unsigned char)de->d_name[0]) ||
			atoi(de->d_name) == self || !in_node(m, de->d_name) ||
			read_ticks(de->d_name, p))
			continue;
		q = find_seen(m, p->pid);
		if (!q || q->start != p->start)
			delta += m->started ? p->ticks : 0;
		else if (p->ticks > q->ticks)
			delta += p->ticks - q->ticks;
		k++;
	}
	closedir(d);
	/* this measurement becomes the last one */
	{
		struct seen_proc *t = m->seen;

		m->seen = m->next;
		m->next = t;
		m->nseen = k;
	}
	m->busy_ticks += delta;
	m->busy_cpus = 0;
	if (m->started && now_ns > m->last_ns)
		m->busy_cpus =
			(double)delta / (double)m->hz /
			((double)(now_ns - m->last_ns) / (double)NS_PER_S);
	m->started = true;
	m->last_ns = now_ns;
	return write_proc_stat(s, now_ns);
}

/* The real btime line, for readers of the stand-in /proc/stat. */
static void read_btime(struct cpu_meter *m)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");

	snprintf(m->btime, sizeof(m->btime), "btime 0\n");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "btime ", 6))
			snprintf(m->btime, sizeof(m->btime), "%s", line);
	fclose(f);
}

/*
 * --cpu-watts: find the node (raplsim's mount namespace), take the first
 * measurement; --bind-proc-stat: create the stand-in and bind it over
 * /proc/stat, never in the host's mount namespace.
 */
static int start_cpu(struct raplsim *s)
{
	struct cpu_meter *m = &s->cpu;
	struct stat self, host;

	m->stat_fd = -1;
	if (!s->o.cpu_mode)
		return 0;
	if (stat("/proc/self/ns/mnt", &self) != 0)
		return fail("/proc/self/ns/mnt: %s", strerror(errno));
	m->ns_dev = self.st_dev;
	m->ns_ino = self.st_ino;
	m->hz = sysconf(_SC_CLK_TCK);
	m->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (m->hz <= 0 || m->ncpus <= 0)
		return fail("%s", "cannot tell the clock tick or CPU count");
	m->seen = calloc(RAPLSIM_MAX_PROCS, sizeof(*m->seen));
	m->next = calloc(RAPLSIM_MAX_PROCS, sizeof(*m->next));
	if (!m->seen || !m->next)
		return fail("%s", "out of memory");
	read_btime(m);
	if (s->o.bind_proc_stat) {
		char path[PATH_MAX + 32];
		struct statfs fs;

		/*
		 * Only inside a simulated node: a private mount namespace
		 * (when pid 1's can be seen) whose /sys/class, and the
		 * directory the stand-in goes to, are a tmpfs, as
		 * contrib/cluster.sh makes them. Never over the host's.
		 */
		snprintf(path, sizeof(path), "%s/..", s->o.root);
		if ((stat("/proc/1/ns/mnt", &host) == 0 &&
			    host.st_ino == self.st_ino &&
			    host.st_dev == self.st_dev) ||
			statfs("/sys/class", &fs) != 0 ||
			fs.f_type != TMPFS_MAGIC || statfs(path, &fs) != 0 ||
			fs.f_type != TMPFS_MAGIC)
			return fail("--bind-proc-stat: refusing to cover "
				    "/proc/stat: /sys/class and %s must be a "
				    "tmpfs in a private mount namespace (as in "
				    "contrib/cluster.sh's nodes)",
				path);
		snprintf(path, sizeof(path), "%s/../raplsim-proc-stat",
			s->o.root);
		m->stat_fd = open(
			path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
		if (m->stat_fd < 0)
			return fail(
				"cannot create %s: %s", path, strerror(errno));
		if (measure_cpu(s, s->mono0_ns))
			return -1;
		if (mount(path, "/proc/stat", NULL, MS_BIND, NULL) != 0)
			return fail("cannot bind %s over /proc/stat: %s", path,
				strerror(errno));
		return 0;
	}
	return measure_cpu(s, s->mono0_ns);
}

/* Energy of a zone since time zero, at ns_in_step into the current step:
 * mW * ns = 1e-12 J (no overflow below 300 W for steps up to 16 hours). */
static uint64_t zone_energy(const struct zone *z, uint64_t ns_in_step)
{
	return z->step_base_uj + z->power_mw * ns_in_step / 1000000;
}

static uint64_t truth_uj(const struct raplsim *s, uint64_t ns_in_step)
{
	uint64_t sum = 0;

	for (int i = 0; i < s->nzones; i++)
		if (s->zones[i].kind != ZONE_CORE)
			sum += zone_energy(&s->zones[i], ns_in_step);
	return sum;
}

static int write_path(const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int write_path(const char *path, const char *fmt, va_list ap)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return fail("cannot create %s: %s", path, strerror(errno));
	rc = vfprintf(f, fmt, ap);
	if (fclose(f) != 0 || rc < 0)
		return fail("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int write_file(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int write_file(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	va_start(ap, fmt);
	rc = write_path(path, fmt, ap);
	va_end(ap);
	return rc;
}

static int write_ready(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int write_ready(const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = write_path(path, fmt, ap);
	va_end(ap);
	return rc;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return fail("cannot create directory %s: %s", path,
			strerror(errno));
	return 0;
}

static int write_constraint(const char *dir, int n, const char *name,
	uint64_t limit_uw, uint64_t window_us, uint64_t max_uw)
{
	char f[64];

	snprintf(f, sizeof(f), "constraint_%d_name", n);
	if (write_file(dir, f, "%s\n", name))
		return -1;
	snprintf(f, sizeof(f), "constraint_%d_power_limit_uw", n);
	if (write_file(dir, f, "%" PRIu64 "\n", limit_uw))
		return -1;
	snprintf(f, sizeof(f), "constraint_%d_time_window_us", n);
	if (write_file(dir, f, "%" PRIu64 "\n", window_us))
		return -1;
	snprintf(f, sizeof(f), "constraint_%d_max_power_uw", n);
	return write_file(dir, f, "%" PRIu64 "\n", max_uw);
}

static int write_energy(struct zone *z, uint64_t energy_uj, bool garbage)
{
	char buf[32];
	uint64_t v = (z->offset_uj + energy_uj) % (z->range_uj + 1);
	int n = garbage ? snprintf(buf, sizeof(buf), "n/a")
			: snprintf(buf, sizeof(buf), "%" PRIu64, v);

	memset(buf + n, ' ', (size_t)(z->width - n - 1));
	buf[z->width - 1] = '\n';
	if (pwrite(z->fd, buf, (size_t)z->width, 0) != z->width)
		return fail("cannot update energy_uj: %s", strerror(errno));
	return 0;
}

/* One zone directory with every file libpowercap and powercap-info read. */
static int make_zone(struct raplsim *s, const char *dir, const char *name,
	enum zone_kind kind, uint64_t limit_w, uint64_t range_uj,
	uint64_t min_w, uint64_t max_w)
{
	struct zone *z = &s->zones[s->nzones];
	char path[PATH_MAX], digits[32];

	if (make_dir(dir) || write_file(dir, "name", "%s\n", name) ||
		write_file(dir, "enabled", "1\n") ||
		write_file(dir, "max_energy_range_uj", "%" PRIu64 "\n",
			range_uj) ||
		write_file(dir, "uevent", "%s", "") ||
		write_constraint(dir, 0, "long_term", limit_w * 1000000, 999424,
			limit_w * 1000000))
		return -1;
	if (kind == ZONE_PACKAGE &&
		write_constraint(dir, 1, "short_term", limit_w * 1000000, 2440,
			limit_w * 1000000))
		return -1;

	z->kind = kind;
	z->index = s->nzones;
	z->range_uj = range_uj;
	z->min_uw = min_w * 1000000;
	z->max_uw = max_w * 1000000;
	z->offset_uj =
		mix64(s->o.seed + 77 + (uint64_t)s->nzones) % (range_uj + 1);
	z->width = snprintf(digits, sizeof(digits), "%" PRIu64, range_uj) + 1;
	snprintf(path, sizeof(path), "%s/energy_uj", dir);
	z->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
	if (z->fd < 0)
		return fail("cannot create %s: %s", path, strerror(errno));
	s->nzones++;
	return write_energy(z, 0, false);
}

static int build_tree(struct raplsim *s)
{
	const struct raplsim_opts *o = &s->o;
	char top[PATH_MAX], pkg[PATH_MAX + 32], sub[PATH_MAX + 64], name[32];
	char link[PATH_MAX + 32], target[PATH_MAX];

	snprintf(top, sizeof(top), "%s/intel-rapl", o->root);
	if (make_dir(o->root) || make_dir(top) ||
		write_file(top, "enabled", "1\n"))
		return -1;
	for (int p = 0; p < o->packages; p++) {
		snprintf(pkg, sizeof(pkg), "%s/intel-rapl:%d", top, p);
		snprintf(name, sizeof(name), "package-%d", p);
		if (make_zone(s, pkg, name, ZONE_PACKAGE, o->pkg_limit_w,
			    o->pkg_range_uj, o->pkg_min_w, o->pkg_max_w))
			return -1;
		/* core must be right after its package: it draws half of it */
		snprintf(sub, sizeof(sub), "%s/intel-rapl:%d:0", pkg, p);
		if (make_zone(s, sub, "core", ZONE_CORE, o->pkg_limit_w,
			    o->pkg_range_uj, 0, 0))
			return -1;
		snprintf(sub, sizeof(sub), "%s/intel-rapl:%d:1", pkg, p);
		if (make_zone(s, sub, "dram", ZONE_DRAM, o->dram_limit_w,
			    o->dram_range_uj, o->dram_min_w, o->dram_max_w))
			return -1;
		/* the kernel also lists every zone at the top of the class */
		snprintf(target, sizeof(target), "intel-rapl/intel-rapl:%d", p);
		snprintf(link, sizeof(link), "%s/intel-rapl:%d", o->root, p);
		if (symlink(target, link) != 0 && errno != EEXIST)
			return fail(
				"cannot link %s: %s", link, strerror(errno));
	}
	return 0;
}

static int log_truth(struct raplsim *s, uint64_t mono_ns, uint64_t ns_in_step)
{
	uint64_t rel = mono_ns - s->mono0_ns, real = s->real0_ns + rel;

	if (fprintf(s->truth,
		    "%" PRIu64 ".%09" PRIu64 " %" PRIu64 ".%09" PRIu64
		    " %" PRIu64 "\n",
		    mono_ns / NS_PER_S, mono_ns % NS_PER_S, real / NS_PER_S,
		    real % NS_PER_S, truth_uj(s, ns_in_step)) < 0 ||
		fflush(s->truth) != 0)
		return fail("cannot write the truth log: %s", strerror(errno));
	return 0;
}

/* Move to the step containing rel_ns, logging the exact energy at each step
 * boundary crossed so that interpolation in the log stays exact. */
static int advance_steps(struct raplsim *s, uint64_t rel_ns)
{
	uint64_t step_ns = s->o.step_ms * 1000000;

	bool measured = false;

	while (rel_ns >= (s->step + 1) * step_ns) {
		for (int i = 0; i < s->nzones; i++)
			s->zones[i].step_base_uj =
				zone_energy(&s->zones[i], step_ns);
		s->step++;
		if (s->o.cpu_mode && !measured) {
			if (measure_cpu(s, s->mono0_ns + s->step * step_ns))
				return -1;
			measured = true;
		}
		set_step_powers(s);
		if (log_truth(s, s->mono0_ns + s->step * step_ns, 0))
			return -1;
	}
	return 0;
}

/* SIGUSR1 or SIGUSR2: start or end a stall or garbage, and say when. */
static int toggle_fault(struct raplsim *s, int sig)
{
	bool *fault = sig == SIGUSR1 ? &s->stalled : &s->garbage;
	const char *what = sig == SIGUSR1 ? "stall" : "garbage";
	uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	uint64_t real = s->real0_ns + (mono - s->mono0_ns);

	*fault = !*fault;
	fprintf(stderr, "raplsim: %s %s\n", what, *fault ? "on" : "off");
	if (fprintf(s->truth,
		    "# %" PRIu64 ".%09" PRIu64 " %" PRIu64 ".%09" PRIu64
		    " %s %s\n",
		    mono / NS_PER_S, mono % NS_PER_S, real / NS_PER_S,
		    real % NS_PER_S, what, *fault ? "on" : "off") < 0 ||
		fflush(s->truth) != 0)
		return fail("cannot write the truth log: %s", strerror(errno));
	return 0;
}

static int run(struct raplsim *s, const sigset_t *sigs)
{
	uint64_t step_ns = s->o.step_ms * 1000000;
	uint64_t update_ns = s->o.update_ms * 1000000;
	uint64_t log_ns = s->o.log_ms * 1000000;
	uint64_t next_log = 0;

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC), rel, in_step, wait,
			 tick;
		struct timespec ts;
		int sig;

		rel = now - s->mono0_ns;
		if (advance_steps(s, rel))
			return -1;
		in_step = rel - s->step * step_ns;
		for (int i = 0; i < s->nzones && !s->stalled; i++)
			if (write_energy(&s->zones[i],
				    zone_energy(&s->zones[i], in_step),
				    s->garbage))
				return -1;
		if (rel >= next_log) {
			if (log_truth(s, now, in_step))
				return -1;
			next_log = (rel / log_ns + 1) * log_ns;
		}
		if (s->o.duration_s && rel >= s->o.duration_s * NS_PER_S)
			return 0;
		tick = rel / update_ns + 1;
		now = clock_ns(CLOCK_MONOTONIC) - s->mono0_ns;
		wait = tick * update_ns > now ? tick * update_ns - now : 0;
		ts.tv_sec = (time_t)(wait / NS_PER_S);
		ts.tv_nsec = (long)(wait % NS_PER_S);
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGUSR1 || sig == SIGUSR2) {
			if (toggle_fault(s, sig))
				return -1;
			continue;
		}
		if (sig >= 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return fail("sigtimedwait: %s", strerror(errno));
	}
}

static void usage(FILE *f)
{
	fputs("usage: raplsim --root DIR --truth FILE [--ready FILE] "
	      "[--seed N]\n"
	      "  [--packages N] [--step-ms MS] [--update-ms MS] [--log-ms MS]\n"
	      "  [--duration S] [--pkg-watts MIN:MAX] [--dram-watts MIN:MAX]\n"
	      "  [--pkg-range-uj UJ] [--dram-range-uj UJ]\n"
	      "  [--cpu-watts IDLE:PER_CPU [--bind-proc-stat]]\n"
	      "Builds a powercap tree in DIR (e.g. /sys/class/powercap in a\n"
	      "private mount namespace) and advances it until SIGTERM.\n"
	      "SIGUSR1 stalls the counters (again: resumes), SIGUSR2 makes\n"
	      "them read \"n/a\" (again: numbers).\n",
		f);
}

static int parse_u64(const char *arg, const char *opt, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		return fail("%s: not a non-negative integer: '%s'", opt, arg);
	return 0;
}

static int parse_range(
	const char *arg, const char *opt, uint64_t *lo, uint64_t *hi)
{
	char buf[64], *colon;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		return fail("%s: expected MIN:MAX, got '%s'", opt, arg);
	*colon = '\0';
	if (parse_u64(buf, opt, lo) || parse_u64(colon + 1, opt, hi))
		return -1;
	if (*lo > *hi)
		return fail("%s: MIN above MAX in '%s'", opt, arg);
	return 0;
}

/* A:B, two numbers in any order of size. */
static int parse_pair(
	const char *arg, const char *opt, uint64_t *a, uint64_t *b)
{
	char buf[64], *colon;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		return fail("%s: expected A:B, got '%s'", opt, arg);
	*colon = '\0';
	return parse_u64(buf, opt, a) || parse_u64(colon + 1, opt, b) ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct raplsim_opts *o)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"truth", required_argument, NULL, 't'},
		{"ready", required_argument, NULL, 'R'},
		{"seed", required_argument, NULL, 's'},
		{"packages", required_argument, NULL, 'p'},
		{"step-ms", required_argument, NULL, 'S'},
		{"update-ms", required_argument, NULL, 'u'},
		{"log-ms", required_argument, NULL, 'l'},
		{"duration", required_argument, NULL, 'd'},
		{"pkg-watts", required_argument, NULL, 'P'},
		{"dram-watts", required_argument, NULL, 'D'},
		{"pkg-range-uj", required_argument, NULL, 'x'},
		{"dram-range-uj", required_argument, NULL, 'y'},
		{"cpu-watts", required_argument, NULL, 'c'},
		{"bind-proc-stat", no_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t packages = 2;
	int c, rc = 0;

	*o = (struct raplsim_opts){
		.seed = 1,
		.step_ms = 3000,
		.update_ms = 10,
		.log_ms = 100,
		.pkg_min_w = 60,
		.pkg_max_w = 250,
		.pkg_limit_w = 300,
		.pkg_range_uj = UINT64_C(8000000000),
		.dram_min_w = 8,
		.dram_max_w = 40,
		.dram_limit_w = 40,
		.dram_range_uj = UINT64_C(1000000000),
	};
	while (rc == 0 &&
		(c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->root = optarg;
			break;
		case 't':
			o->truth = optarg;
			break;
		case 'R':
			o->ready = optarg;
			break;
		case 's':
			rc = parse_u64(optarg, "--seed", &o->seed);
			break;
		case 'p':
			rc = parse_u64(optarg, "--packages", &packages);
			break;
		case 'S':
			rc = parse_u64(optarg, "--step-ms", &o->step_ms);
			break;
		case 'u':
			rc = parse_u64(optarg, "--update-ms", &o->update_ms);
			break;
		case 'l':
			rc = parse_u64(optarg, "--log-ms", &o->log_ms);
			break;
		case 'd':
			rc = parse_u64(optarg, "--duration", &o->duration_s);
			break;
		case 'P':
			rc = parse_range(optarg, "--pkg-watts", &o->pkg_min_w,
				&o->pkg_max_w);
			break;
		case 'D':
			rc = parse_range(optarg, "--dram-watts", &o->dram_min_w,
				&o->dram_max_w);
			break;
		case 'x':
			rc = parse_u64(
				optarg, "--pkg-range-uj", &o->pkg_range_uj);
			break;
		case 'y':
			rc = parse_u64(
				optarg, "--dram-range-uj", &o->dram_range_uj);
			break;
		case 'c':
			rc = parse_pair(optarg, "--cpu-watts", &o->cpu_idle_w,
				&o->cpu_per_w);
			o->cpu_mode = true;
			break;
		case 'b':
			o->bind_proc_stat = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (rc)
		return -1;
	if (optind != argc || !o->root || !o->truth) {
		usage(stderr);
		return -1;
	}
	if (packages < 1 || packages > RAPLSIM_MAX_PACKAGES)
		return fail("--packages: 1 to %d", RAPLSIM_MAX_PACKAGES);
	o->packages = (int)packages;
	if (!o->step_ms || !o->update_ms || !o->log_ms)
		return fail("%s", "--step-ms, --update-ms and --log-ms must be "
				  "positive");
	if (o->bind_proc_stat && !o->cpu_mode)
		return fail("%s", "--bind-proc-stat needs --cpu-watts");
	if (o->pkg_range_uj < 1000000 || o->dram_range_uj < 1000000)
		return fail("%s", "energy ranges must be at least 1 J");
	o->pkg_limit_w =
		o->pkg_max_w > o->pkg_limit_w ? o->pkg_max_w : o->pkg_limit_w;
	o->dram_limit_w = o->dram_max_w > o->dram_limit_w ? o->dram_max_w
							  : o->dram_limit_w;
	return 0;
}

int main(int argc, char **argv)
{
	struct raplsim *s = calloc(1, sizeof(*s));
	sigset_t sigs; /* stop, or toggle a fault */
	int rc = 1;

	if (!s) {
		fail("%s", "out of memory");
		return 1;
	}
	if (parse_opts(argc, argv, &s->o))
		goto out;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	s->truth = fopen(s->o.truth, "w");
	if (!s->truth) {
		fail("cannot create %s: %s", s->o.truth, strerror(errno));
		goto out;
	}
	if (build_tree(s))
		goto out;
	s->mono0_ns = clock_ns(CLOCK_MONOTONIC);
	s->real0_ns = clock_ns(CLOCK_REALTIME);
	if (start_cpu(s))
		goto out;
	set_step_powers(s);
	fprintf(s->truth,
		"# raplsim seed=%" PRIu64 " packages=%d step_ms=%" PRIu64
		" pkg_w=%" PRIu64 ":%" PRIu64 " dram_w=%" PRIu64 ":%" PRIu64
		" pkg_range_uj=%" PRIu64 " dram_range_uj=%" PRIu64 "\n",
		s->o.seed, s->o.packages, s->o.step_ms, s->o.pkg_min_w,
		s->o.pkg_max_w, s->o.dram_min_w, s->o.dram_max_w,
		s->o.pkg_range_uj, s->o.dram_range_uj);
	if (s->o.cpu_mode)
		fprintf(s->truth,
			"# cpu_watts=%" PRIu64 ":%" PRIu64 " idle_w=%" PRIu64
			" (power follows the node's CPU use; dram at its "
			"minimum)\n",
			s->o.cpu_idle_w, s->o.cpu_per_w,
			s->o.cpu_idle_w +
				(uint64_t)s->o.packages * s->o.dram_min_w);
	fprintf(s->truth,
		"# mono_s realtime_s truth_uj (package+dram, all sockets)\n");
	if (log_truth(s, s->mono0_ns, 0))
		goto out;
	if (s->o.ready && write_ready(s->o.ready, "%d\n", (int)getpid()))
		goto out;
	rc = run(s, &sigs) ? 1 : 0;
out:
	for (int i = 0; i < s->nzones; i++)
		close(s->zones[i].fd);
	if (s->o.cpu_mode && s->cpu.stat_fd >= 0)
		close(s->cpu.stat_fd);
	free(s->cpu.seen);
	free(s->cpu.next);
	if (s->truth && fclose(s->truth) != 0 && rc == 0) {
		fail("cannot close %s: %s", s->o.truth, strerror(errno));
		rc = 1;
	}
	free(s);
	return rc;
}
