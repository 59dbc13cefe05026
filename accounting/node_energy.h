/*
 * node_energy.h: a node's energy as a series of continuous intervals
 * (epochs), records that are unknown when their interval crosses a break
 * in continuity, and the backoff between attempts to read the zones again
 * after a failure. Slurm-free; times come from one monotonic clock, in ns.
 */
#ifndef ACCOUNTING_NODE_ENERGY_H
#define ACCOUNTING_NODE_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "rapl.h"

/*
 * After the k-th failure in a row (k >= 1), the next attempt to read the
 * zones comes no sooner than min(FIRST << (k - 1), MAX) seconds later:
 * 1, 2, 4, 8, 16, 32, 60, 60, ... seconds.
 */
#define NODE_ENERGY_RETRY_FIRST_S 1
#define NODE_ENERGY_RETRY_MAX_S 60

/*
 * The node's energy by source, in microjoules since the sources were
 * opened: the RAPL package (or psys) zones, their dram subzones, and the
 * GPUs. Their sum is the node's total.
 */
struct node_energy_split {
	uint64_t package_uj;
	uint64_t dram_uj;
	uint64_t gpu_uj;
};

/* package_uj + dram_uj + gpu_uj. */
uint64_t node_energy_split_total(const struct node_energy_split *s);

/*
 * The node's energy. Each epoch is an interval over which every reading
 * was counted; a new one begins when the zones are (re)opened and when a
 * reading loses continuity (an impossible delta, an interval that could
 * hide wraps). Between a failed reading and the next successful open the
 * node is down: its energy is unknown. Epochs only grow, so a record
 * (below) started in an earlier epoch can never be mistaken for a
 * continuous one. Plain data: the caller owns it, nothing to free.
 */
struct node_energy {
	uint64_t epoch;			/* current epoch; 0 before the first */
	bool up;			/* the zones are open and being read */
	struct rapl_meter meter;	/* energy since the epoch began */
	struct node_energy_split split; /* the sources at the last reading */
	struct node_energy_split prev_split; /* at the meter's prev reading */
	unsigned failures; /* failed reads or opens in a row */
	int64_t down_ns;   /* when the current failure began */
	int64_t retry_ns;  /* no new attempt before this time */
};

/*
 * The energy of a Slurm record (a step, the node since the daemon first
 * read the zones) from its start: known only while the node is up in the
 * epoch the record started in. Plain data.
 */
struct node_energy_record {
	uint64_t epoch;	   /* 0: started while the energy was unknown */
	uint64_t start_uj; /* the meter's total at the start */
	int64_t start_ns;
	struct node_energy_split start_split; /* the sources at the start */
};

/* A node that has never been read: down, epoch 0, first attempt due now. */
void node_energy_init(struct node_energy *n);

/*
 * Continuity begins (zones opened, or a reading that lost continuity): a
 * new epoch whose meter starts at total_uj (the zones' total at now_ns).
 * Resets the failure count.
 */
void node_energy_begin(
	struct node_energy *n, uint64_t total_uj, int64_t now_ns);

/* A reading counted in full: the zones' total at now_ns. Needs n->up. */
void node_energy_update(
	struct node_energy *n, uint64_t total_uj, int64_t now_ns);

/*
 * As node_energy_begin and node_energy_update, with the total given by
 * source (its sum). The plain versions count the whole total as package.
 */
void node_energy_begin_split(struct node_energy *n,
	const struct node_energy_split *s, int64_t now_ns);
void node_energy_update_split(struct node_energy *n,
	const struct node_energy_split *s, int64_t now_ns);

/*
 * A read or an open failed at now_ns: the node is down until the next
 * node_energy_begin, and the next attempt is due after the backoff.
 * Returns the backoff in seconds.
 */
int64_t node_energy_fail(struct node_energy *n, int64_t now_ns);

/* May the zones be opened again at now_ns? False while up. */
bool node_energy_retry_due(const struct node_energy *n, int64_t now_ns);

/* Backoff in seconds after the k-th failure in a row (k >= 1). */
int64_t node_energy_backoff_s(unsigned failures);

/* Start record r now: at the meter's last reading, or unknown if down. */
void node_energy_record_start(
	struct node_energy_record *r, const struct node_energy *n);

/*
 * Energy of record r from its start to the meter's last reading, in
 * microjoules. Returns 0, or -1 (unknown) when the node is down or the
 * record's interval contains a break: its epoch is not the current one.
 */
int node_energy_record_uj(const struct node_energy_record *r,
	const struct node_energy *n, uint64_t *uj);

/*
 * Energy of record r by source, from its start to the last reading.
 * Returns 0, or -1 (unknown) exactly when node_energy_record_uj does.
 */
int node_energy_record_split(const struct node_energy_record *r,
	const struct node_energy *n, struct node_energy_split *split);

/* Average power of record r since its start (0 W when no time passed). */
int node_energy_record_watts(const struct node_energy_record *r,
	const struct node_energy *n, double *watts);

/*
 * Power over the meter's last interval (see rapl_meter_current_watts).
 * Returns 0, or -1 when down or the epoch has no interval yet.
 */
int node_energy_current_watts(const struct node_energy *n, double *watts);

/*
 * Power by source over the meter's last interval, as
 * node_energy_current_watts; -1 likewise.
 */
int node_energy_current_split_watts(const struct node_energy *n,
	double *package_w, double *dram_w, double *gpu_w);

/* Average power since the current epoch began; -1 as above. */
int node_energy_epoch_watts(const struct node_energy *n, double *watts);

#endif
