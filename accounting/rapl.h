/*
 * rapl.h: RAPL energy counter arithmetic, free of Slurm and of sysfs: wrap
 * handling, plausibility checks, microjoule totals and watts.
 */
#ifndef ACCOUNTING_RAPL_H
#define ACCOUNTING_RAPL_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_error.h"

/* Microjoules per joule; also microwatts per watt. */
#define RAPL_UJ_PER_J UINT64_C(1000000)
#define RAPL_NS_PER_S INT64_C(1000000000)

/*
 * RAPL counters tick about once a millisecond and sysfs reads are not
 * atomic with the clock read: a plausibility check allows this much time
 * on top of the measured interval before calling a delta impossible.
 */
#define RAPL_SLACK_NS INT64_C(50000000)

/*
 * One zone's energy counter. Readings are raw energy_uj values in
 * [0, range_uj]: max_energy_range_uj is the largest value the counter
 * shows, and the next one is 0. (The kernel's counter steps in energy
 * units of about 15 to 61 uJ, so a wrap is off by less than one unit.)
 * total_uj accumulates accepted deltas since rapl_counter_init, in 64 bits
 * (584 years at 1 kW). Plain data: the caller owns it, nothing to free.
 *
 * A reading equal to the last one carries no information (a live counter
 * ticks about once a millisecond): the interval a delta is checked over
 * runs from changed_ns, when the last value was first seen, so a counter
 * that froze and then jumps (a stalled updater or reader) is judged over
 * the whole time it stood still.
 */
struct rapl_counter {
	const char *name;   /* for messages; not owned, may be NULL */
	uint64_t range_uj;  /* max_energy_range_uj, > 0 */
	uint64_t max_uw;    /* highest plausible power, 0 = unchecked */
	uint64_t last_uj;   /* last raw reading */
	int64_t last_ns;    /* monotonic time of the last reading */
	int64_t changed_ns; /* when last_uj was first read */
	uint64_t total_uj;  /* accepted energy since init */
	uint64_t rejected;  /* deltas rejected as impossible */
	uint64_t uncertain; /* deltas over an interval that could hide wraps */
};

/*
 * Start a counter at raw reading first_uj taken at now_ns (any monotonic
 * clock in nanoseconds). name is kept by pointer for messages.
 * Returns 0, or -1 with err set when range_uj is 0 or first_uj > range_uj.
 */
int rapl_counter_init(struct rapl_counter *c, const char *name,
	uint64_t range_uj, uint64_t max_uw, uint64_t first_uj, int64_t now_ns,
	struct sc_error *err);

/*
 * Advance a counter to raw reading raw_uj taken at now_ns. The delta is
 * (raw_uj - last) modulo (range_uj + 1), so at most one wrap per interval is
 * seen. The interval runs from changed_ns (see struct rapl_counter):
 *  - when it plus RAPL_SLACK_NS reaches the wrap period (rapl_wrap_period_s
 *    at max_uw), whole wraps may be missing: the delta is uncertain, not
 *    counted, c->uncertain grows, err explains it, and 2 is returned;
 *  - otherwise a delta above max_uw over it (plus RAPL_SLACK_NS) is
 *    impossible: not counted, c->rejected grows, err explains it, and 1
 *    is returned.
 * In both cases counting restarts from raw_uj: the interval's energy is
 * lost, and the caller must treat its totals as discontinuous.
 * *delta_uj (may be NULL) receives the counted delta (0 when not counted).
 * Returns 0 when counted (or unchanged), 1 or 2 as above, -1 with err set
 * when raw_uj is out of range or the clock went backwards (the counter is
 * unchanged).
 */
int rapl_counter_advance(struct rapl_counter *c, uint64_t raw_uj,
	int64_t now_ns, uint64_t *delta_uj, struct sc_error *err);

/*
 * Shortest time, in seconds, for a counter of range_uj to wrap when the
 * zone draws max_uw: range_uj / max_uw. An interval between readings at or
 * above it can hide whole wraps. Returns 0 when max_uw is 0 (unknown power).
 */
double rapl_wrap_period_s(uint64_t range_uj, uint64_t max_uw);

/*
 * True when polling every interval_s seconds can miss a wrap of a counter
 * of range_uj at max_uw (interval_s >= rapl_wrap_period_s). False when
 * max_uw is 0 (nothing known) or interval_s <= 0.
 */
bool rapl_interval_misses_wraps(
	uint64_t range_uj, uint64_t max_uw, double interval_s);

/*
 * A meter over a monotonically growing microjoule total (such as the sum
 * of several counters' total_uj): energy, current and average power since
 * rapl_meter_start. Joules are derived from the microjoule difference at
 * each read, so no remainder is lost however often it is read. Plain data.
 */
struct rapl_meter {
	uint64_t start_uj;
	int64_t start_ns;
	uint64_t prev_uj; /* the update before the last one */
	int64_t prev_ns;
	uint64_t last_uj;
	int64_t last_ns;
};

/* Start (or restart) a meter at total_uj, now_ns. */
void rapl_meter_start(struct rapl_meter *m, uint64_t total_uj, int64_t now_ns);

/*
 * Updates closer than this to the previous one extend the last interval
 * instead of starting a new one, so current watts are never taken over a
 * sliver of time (two reads at the same instant at a step's end).
 */
#define RAPL_METER_MIN_NS INT64_C(100000000)

/* Record a new total. Totals and times must not go backwards. */
void rapl_meter_update(struct rapl_meter *m, uint64_t total_uj, int64_t now_ns);

/* Microjoules between start and the last update. */
uint64_t rapl_meter_uj(const struct rapl_meter *m);

/* Whole joules between start and the last update (floor of the uJ). */
uint64_t rapl_meter_joules(const struct rapl_meter *m);

/*
 * Watts over the last update interval of at least RAPL_METER_MIN_NS (from
 * start for the first update); 0 when no time passed since start.
 */
double rapl_meter_current_watts(const struct rapl_meter *m);

/* Watts averaged from start to the last update; 0 when no time passed. */
double rapl_meter_average_watts(const struct rapl_meter *m);

#endif
