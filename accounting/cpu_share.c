/*
 * cpu_share.c: CPU times of a node (/proc/stat) and of a step's processes
 * (/proc/PID/stat), and the attribution of a node's energy by them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_share.h"

/* Nanoseconds per clock tick of /proc (USER_HZ, 100 on Linux). */
static uint64_t tick_ns(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return (uint64_t)RAPL_NS_PER_S / (uint64_t)(hz > 0 ? hz : 100);
}

int cpu_share_parse_stat(const char *text, uint64_t *busy_ticks,
	uint64_t *total_ticks, struct sc_error *err)
{
	unsigned long long v[8] = {0};
	int n;

	/* The aggregate line comes first: "cpu" then at least 4 numbers
	 * ("cpu0" is a single CPU's). */
	if (strncmp(text, "cpu", 3) || (text[3] != ' ' && text[3] != '\t'))
		return sc_errprintf(err, "no cpu line");
	n = sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		&v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return sc_errprintf(err, "no cpu line");
	/* user nice system idle iowait irq softirq steal */
	*busy_ticks = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*total_ticks = *busy_ticks + v[3] + v[4];
	return 0;
}

/* Read a small file whole into buf; -1 with errno. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n, got = 0;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((size_t)got < size - 1 &&
		(n = read(fd, buf + got, size - 1 - (size_t)got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

int cpu_share_node_busy(
	const char *path, uint64_t *busy_ns, struct sc_error *err)
{
	struct sc_error perr = {{0}};
	char buf[4096];
	uint64_t busy, total;

	if (read_text(path, buf, sizeof(buf)) < 0)
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	if (cpu_share_parse_stat(buf, &busy, &total, &perr))
		return sc_errprintf(err, "%s: %s", path, perr.text);
	*busy_ns = busy * tick_ns();
	return 0;
}

int cpu_share_parse_pid_stat(const char *text, struct cpu_share_proc *p)
{
	unsigned long long utime, stime, start;
	long long cutime, cstime;
	const char *close_paren = strrchr(text, ')');
	int pid, ppid;
	char state;

	if (sscanf(text, "%d", &pid) != 1 || !close_paren)
		goto error;
	/* Fields 3 on: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime priority nice
	 * num_threads itrealvalue starttime (proc(5)). */
	if (sscanf(close_paren + 1,
		    " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld "
		    "%lld %*d %*d %*d %*d %llu",
		    &state, &ppid, &utime, &stime, &cutime, &cstime,
		    &start) != 7 ||
		cutime < 0 || cstime < 0)
		goto error;
	p->pid = pid;
	p->ppid = ppid;
	p->start = start;
	p->cpu_ns = utime + stime + (uint64_t)cutime + (uint64_t)cstime;
	return 0;
error:
	errno = EINVAL;
	return -1;
}

int cpu_share_read_proc(int pid, struct cpu_share_proc *p)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	if (cpu_share_parse_pid_stat(buf, p))
		return -1;
	p->cpu_ns *= tick_ns();
	return 0;
}

void cpu_share_tracker_init(struct cpu_share_tracker *t, int self)
{
	*t = (struct cpu_share_tracker){.self = self};
}

void cpu_share_tracker_free(struct cpu_share_tracker *t)
{
	free(t->prev);
	t->prev = NULL;
	t->nprev = t->cap = 0;
}

static const struct cpu_share_proc *find(
	const struct cpu_share_proc *procs, size_t n, int pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/*
 * Did gone process q's CPU time reach a member's cutime? True when its
 * parent, or the nearest ancestor not gone too, is self or still listed.
 */
static bool reaped_within(const struct cpu_share_tracker *t,
	const struct cpu_share_proc *q, const struct cpu_share_proc *now,
	size_t n)
{
	int ppid = q->ppid;
	size_t depth;

	for (depth = 0; depth <= t->nprev; depth++) {
		const struct cpu_share_proc *up;

		if (ppid == t->self || find(now, n, ppid))
			return true;
		if (!(up = find(t->prev, t->nprev, ppid)))
			return false;
		ppid = up->ppid;
	}
	return false;
}

int cpu_share_tracker_update(struct cpu_share_tracker *t,
	const struct cpu_share_proc *procs, size_t n, uint64_t reaped_ns)
{
	size_t i, k = 0;

	if (n > t->cap) {
		struct cpu_share_proc *grown =
			realloc(t->prev, n * sizeof(*grown));

		if (!grown) {
			errno = ENOMEM;
			return -1;
		}
		t->prev = grown;
		t->cap = n;
	}
	if (t->started) {
		uint64_t add = 0, sub = 0;

		for (i = 0; i < n; i++) {
			const struct cpu_share_proc *q;

			if (procs[i].pid == t->self)
				continue;
			q = find(t->prev, t->nprev, procs[i].pid);
			if (!q || q->start != procs[i].start)
				add += procs[i].cpu_ns;
			else if (procs[i].cpu_ns > q->cpu_ns)
				add += procs[i].cpu_ns - q->cpu_ns;
		}
		for (i = 0; i < t->nprev; i++) {
			const struct cpu_share_proc *q = &t->prev[i];
			const struct cpu_share_proc *p = find(procs, n, q->pid);

			if ((!p || p->start != q->start) &&
				reaped_within(t, q, procs, n))
				sub += q->cpu_ns;
		}
		if (reaped_ns > t->reaped_ns)
			add += reaped_ns - t->reaped_ns;
		/* A process reaped by one that was not counted (left early). */
		t->cpu_ns += add > sub ? add - sub : 0;
	}
	for (i = 0; i < n; i++)
		if (procs[i].pid != t->self)
			t->prev[k++] = procs[i];
	t->nprev = k;
	t->reaped_ns = reaped_ns;
	t->started = true;
	return 0;
}

void cpu_share_record_start(struct cpu_share_record *r,
	const struct node_energy *n, uint64_t cpu_ns, uint64_t busy_ns)
{
	*r = (struct cpu_share_record){0};
	node_energy_record_start(&r->rec, n);
	r->last_uj = n->meter.last_uj;
	r->last_ns = n->meter.last_ns;
	r->last_cpu_ns = cpu_ns;
	r->last_busy_ns = busy_ns;
}

static bool known(const struct cpu_share_record *r, const struct node_energy *n)
{
	uint64_t uj;

	return !r->broken && !node_energy_record_uj(&r->rec, n, &uj);
}

void cpu_share_record_update(struct cpu_share_record *r,
	const struct node_energy *n, uint64_t cpu_ns, uint64_t busy_ns,
	const struct cpu_share_params *p)
{
	double e, t_ns, idle, dyn, c, b, share = 0, cpus = 0, add;

	if (!known(r, n) || n->meter.last_ns <= r->last_ns)
		return;
	e = (double)(n->meter.last_uj - r->last_uj);
	t_ns = (double)(n->meter.last_ns - r->last_ns);
	c = cpu_ns > r->last_cpu_ns ? (double)(cpu_ns - r->last_cpu_ns) : 0;
	b = busy_ns > r->last_busy_ns ? (double)(busy_ns - r->last_busy_ns) : 0;
	/* uW x ns = 1e-9 uJ */
	idle = (double)p->idle_uw * t_ns / 1e9;
	if (idle > e)
		idle = e;
	dyn = e - idle;
	if (b > 0)
		share = c < b ? c / b : 1;
	if (p->holder && p->node_cpus)
		cpus = p->cpus < p->node_cpus
			       ? (double)p->cpus / (double)p->node_cpus
			       : 1;
	add = dyn * share + idle * cpus;
	r->uj += add;
	r->dyn_uj += dyn * share;
	r->idle_uj += idle * cpus;
	r->cpu_ns += c;
	r->busy_ns += b;
	r->last_watts = add * 1e3 / t_ns; /* uJ / ns = kW */
	r->last_uj = n->meter.last_uj;
	r->last_ns = n->meter.last_ns;
	r->last_cpu_ns = cpu_ns;
	r->last_busy_ns = busy_ns;
}

void cpu_share_record_break(struct cpu_share_record *r)
{
	r->broken = true;
}

int cpu_share_record_uj(const struct cpu_share_record *r,
	const struct node_energy *n, uint64_t *uj)
{
	if (!known(r, n))
		return -1;
	*uj = (uint64_t)r->uj;
	return 0;
}

int cpu_share_record_watts(const struct cpu_share_record *r,
	const struct node_energy *n, double *current, double *average)
{
	int64_t ns = r->last_ns - r->rec.start_ns;

	if (!known(r, n))
		return -1;
	*current = r->last_watts;
	*average = ns > 0 ? r->uj * 1e3 / (double)ns : 0;
	return 0;
}
