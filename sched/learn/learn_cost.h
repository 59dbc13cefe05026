/*
 * learn_cost.h: what producing a learned policy cost: wall time, CPU time
 * of the process, and where RAPL is readable (accounting/powercap_zones.h)
 * the machine's package energy over the run; unknown otherwise, never 0.
 */
#ifndef SCHED_LEARN_LEARN_COST_H
#define SCHED_LEARN_LEARN_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct powercap_zones;

struct learn_cost {
	double wall_s;
	double cpu_s;	 /* user + system, all threads */
	double energy_j; /* NAN when unknown */
	/* private */
	struct timespec t0;
	double cpu0;
	struct powercap_zones *zones;
	bool running;
};

/* Zero, energy unknown. */
void learn_cost_init(struct learn_cost *c);

/*
 * Start counting (adds to what was counted before): RAPL zones are opened
 * if readable. Call learn_cost_tick at least every few seconds while
 * running so that counter wraps are seen (sample_run's progress does).
 */
void learn_cost_start(struct learn_cost *c);
void learn_cost_tick(struct learn_cost *c);
void learn_cost_stop(struct learn_cost *c);

/* c += d (energy unknown if either is). */
void learn_cost_add(struct learn_cost *c, const struct learn_cost *d);

/* "1234.5" or "unknown". */
void learn_cost_energy_text(const struct learn_cost *c, char *buf, size_t n);

#endif
