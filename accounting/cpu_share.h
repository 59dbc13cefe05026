/*
 * cpu_share.h: a step's share of its node's energy by CPU time
 * (PowercapShare=cpu): the node's busy CPU time from /proc/stat, a step's
 * CPU time from its processes' /proc/PID/stat, and the attribution of
 * each interval's energy. Slurm-free; times in ns, energy in uJ.
 */
#ifndef ACCOUNTING_CPU_SHARE_H
#define ACCOUNTING_CPU_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node_energy.h"
#include "powercap_zones.h"

/*
 * The node's CPU times from the text of /proc/stat (its first "cpu" line,
 * in clock ticks): busy = user + nice + system + irq + softirq + steal
 * (guest time is inside user and nice), total = busy + idle + iowait.
 * Returns 0, or -1 with err set when there is no well-formed cpu line.
 */
int cpu_share_parse_stat(const char *text, uint64_t *busy_ticks,
	uint64_t *total_ticks, struct sc_error *err);

/*
 * Read the node's busy CPU time, in ns, from path (normally /proc/stat).
 * Returns 0, or -1 with err naming the file and the cause.
 */
int cpu_share_node_busy(
	const char *path, uint64_t *busy_ns, struct sc_error *err);

/* A process as /proc/PID/stat shows it. */
struct cpu_share_proc {
	int pid;
	int ppid;
	uint64_t start;	 /* starttime (ticks after boot): tells reused pids */
	uint64_t cpu_ns; /* utime + stime + cutime + cstime */
};

/*
 * Parse the text of /proc/PID/stat (the command may hold spaces and
 * parentheses). cpu_ns is left in clock ticks: cpu_share_read_proc
 * converts. Returns 0, or -1 (errno EINVAL) when malformed.
 */
int cpu_share_parse_pid_stat(const char *text, struct cpu_share_proc *p);

/*
 * Read /proc/PID/stat. Returns 0, or -1 with errno (ENOENT or ESRCH when
 * the process has gone).
 */
int cpu_share_read_proc(int pid, struct cpu_share_proc *p);

/*
 * A step's CPU time from snapshots of its processes. Each snapshot counts
 * the growth of every process seen before (matched by pid and start
 * time), the whole CPU time of every process born since, and the growth
 * of reaped_ns: the CPU time of the children the tracking process itself
 * has reaped (slurmstepd's, getrusage(RUSAGE_CHILDREN)). A process that
 * has gone was reaped by its parent, whose cutime and cstime then hold its
 * whole CPU time: when that parent (or an ancestor) is still a member, or
 * is the tracking process (self), the part counted before is taken off
 * again, so nothing is counted twice. CPU time of a process that left
 * otherwise (reparented away) since the last snapshot is lost.
 * Plain data plus one array; cpu_share_tracker_free releases it.
 */
struct cpu_share_tracker {
	int self;
	bool started;
	uint64_t reaped_ns; /* at the last snapshot */
	uint64_t cpu_ns;    /* the step's CPU time since the first snapshot */
	struct cpu_share_proc *prev;
	size_t nprev, cap;
};

void cpu_share_tracker_init(struct cpu_share_tracker *t, int self);

/*
 * Take snapshot procs[n] (self, if listed, is skipped: its children come
 * through reaped_ns). The first snapshot is the baseline. Returns 0, or -1
 * (errno ENOMEM, nothing changed).
 */
int cpu_share_tracker_update(struct cpu_share_tracker *t,
	const struct cpu_share_proc *procs, size_t n, uint64_t reaped_ns);

void cpu_share_tracker_free(struct cpu_share_tracker *t);

/* How an interval's energy is attributed to one step. */
struct cpu_share_params {
	uint64_t idle_uw;   /* node power that is idle (PowercapIdleWatts) */
	uint32_t cpus;	    /* the step's CPUs on the node */
	uint32_t node_cpus; /* the node's CPUs */
	bool holder;	    /* the step holds its allocation's idle share */
};

/*
 * A step's attributed energy. At every node reading in the step's epoch,
 * the interval since the previous one (energy E over t, the step's CPU
 * time c, the node's busy CPU time b) adds
 *     (E - I) * min(1, c / b)  +  (holder ? I * min(1, cpus / node_cpus) : 0)
 * with I = min(E, idle_uw * t) (nothing of E - I when b is 0). Unknown, as
 * node_energy_record, when its interval contains a break, or after
 * cpu_share_record_break. Plain data.
 */
struct cpu_share_record {
	struct node_energy_record rec;
	bool broken;
	uint64_t last_uj; /* the node meter at the last update */
	int64_t last_ns;
	uint64_t last_cpu_ns, last_busy_ns;
	double uj;	   /* attributed since the start */
	double dyn_uj;	   /* of which above the idle power */
	double idle_uj;	   /* of which the idle share */
	double cpu_ns;	   /* the step's CPU time counted */
	double busy_ns;	   /* the node's busy CPU time over the same time */
	double last_watts; /* attributed power over the last interval */
};

/* Start at the node's last reading with the step's and node's CPU times. */
void cpu_share_record_start(struct cpu_share_record *r,
	const struct node_energy *n, uint64_t cpu_ns, uint64_t busy_ns);

/*
 * Attribute the interval from the last update to the node's last reading.
 * Nothing happens when no reading came since, or when the record is
 * unknown.
 */
void cpu_share_record_update(struct cpu_share_record *r,
	const struct node_energy *n, uint64_t cpu_ns, uint64_t busy_ns,
	const struct cpu_share_params *p);

/* A CPU time could not be read: the record is unknown for good. */
void cpu_share_record_break(struct cpu_share_record *r);

/* Attributed energy (floor, uJ); -1 when unknown. */
int cpu_share_record_uj(const struct cpu_share_record *r,
	const struct node_energy *n, uint64_t *uj);

/*
 * Attributed power over the last interval and on average since the start;
 * -1 when unknown.
 */
int cpu_share_record_watts(const struct cpu_share_record *r,
	const struct node_energy *n, double *current, double *average);

#endif
