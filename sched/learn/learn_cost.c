/*
 * learn_cost.c: wall and CPU time of a learning run, and its package
 * energy through RAPL when the powercap sysfs is readable.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "learn_cost.h"
#include "powercap_zones.h"

static double now_s(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0.0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void learn_cost_init(struct learn_cost *c)
{
	*c = (struct learn_cost){.energy_j = NAN};
}

void learn_cost_start(struct learn_cost *c)
{
	struct powercap_zones_options o = {.mode = POWERCAP_ZONES_PACKAGE};
	struct sc_error err = {{0}};
	bool first = c->wall_s == 0.0 && c->cpu_s == 0.0 && isnan(c->energy_j);

	now_s(&c->t0);
	c->cpu0 = cpu_s();
	c->running = true;
	c->zones = powercap_zones_open(&o, now_ns(), &err);
	if (c->zones && first)
		c->energy_j = 0.0;
	else if (!c->zones)
		c->energy_j = NAN;
}

void learn_cost_tick(struct learn_cost *c)
{
	struct sc_error err = {{0}};
	uint64_t uj;

	if (!c->zones)
		return;
	if (powercap_zones_poll(c->zones, now_ns(), &uj, &err) != 0) {
		powercap_zones_close(c->zones);
		c->zones = NULL;
		c->energy_j = NAN;
	}
}

void learn_cost_stop(struct learn_cost *c)
{
	struct sc_error err = {{0}};
	struct timespec ts;
	uint64_t uj = 0;

	if (!c->running)
		return;
	c->wall_s += now_s(&ts) -
		     ((double)c->t0.tv_sec + (double)c->t0.tv_nsec / 1e9);
	c->cpu_s += cpu_s() - c->cpu0;
	if (c->zones) {
		if (powercap_zones_poll(c->zones, now_ns(), &uj, &err) == 0)
			c->energy_j += (double)uj / 1e6;
		else
			c->energy_j = NAN;
		powercap_zones_close(c->zones);
		c->zones = NULL;
	}
	c->running = false;
}

void learn_cost_add(struct learn_cost *c, const struct learn_cost *d)
{
	c->wall_s += d->wall_s;
	c->cpu_s += d->cpu_s;
	c->energy_j += d->energy_j; /* NAN stays NAN */
}

void learn_cost_energy_text(const struct learn_cost *c, char *buf, size_t n)
{
	if (isnan(c->energy_j))
		snprintf(buf, n, "unknown");
	else
		snprintf(buf, n, "%.1f", c->energy_j);
}
