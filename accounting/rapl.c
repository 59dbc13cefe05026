/*
 * rapl.c: RAPL counter arithmetic: deltas modulo the counter range, wrap
 * periods, rejection of impossible or uncertain deltas, and energy meters
 * that keep microjoules.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "rapl.h"

static const char *zone_name(const struct rapl_counter *c)
{
	return c->name ? c->name : "zone";
}

int rapl_counter_init(struct rapl_counter *c, const char *name,
	uint64_t range_uj, uint64_t max_uw, uint64_t first_uj, int64_t now_ns,
	struct sc_error *err)
{
	const char *what = name ? name : "zone";

	if (range_uj == 0)
		return sc_errprintf(err, "%s: max_energy_range_uj is 0", what);
	if (first_uj > range_uj)
		return sc_errprintf(err,
			"%s: energy_uj %" PRIu64
			" is above max_energy_range_uj %" PRIu64,
			what, first_uj, range_uj);
	c->name = name;
	c->range_uj = range_uj;
	c->max_uw = max_uw;
	c->last_uj = first_uj;
	c->last_ns = now_ns;
	c->changed_ns = now_ns;
	c->total_uj = 0;
	c->rejected = 0;
	c->uncertain = 0;
	return 0;
}

/* Largest delta the zone can produce in dt_ns, in microjoules (double). */
static double allowed_uj(uint64_t max_uw, int64_t dt_ns)
{
	return (double)max_uw * (double)(dt_ns + RAPL_SLACK_NS) /
	       (double)RAPL_NS_PER_S;
}

/* raw_uj, first read at now_ns, is the value deltas are taken from. */
static void set_last(struct rapl_counter *c, uint64_t raw_uj, int64_t now_ns)
{
	c->last_uj = raw_uj;
	c->last_ns = now_ns;
	c->changed_ns = now_ns;
}

int rapl_counter_advance(struct rapl_counter *c, uint64_t raw_uj,
	int64_t now_ns, uint64_t *delta_uj, struct sc_error *err)
{
	uint64_t delta;
	int64_t dt_ns;
	double secs;

	if (delta_uj)
		*delta_uj = 0;
	if (raw_uj > c->range_uj)
		return sc_errprintf(err,
			"%s: energy_uj %" PRIu64
			" is above max_energy_range_uj %" PRIu64,
			zone_name(c), raw_uj, c->range_uj);
	if (now_ns < c->last_ns)
		return sc_errprintf(err, "%s: clock went backwards", zone_name(c));
	if (raw_uj == c->last_uj) {
		c->last_ns = now_ns;
		return 0;
	}
	dt_ns = now_ns - c->changed_ns;
	secs = (double)dt_ns / (double)RAPL_NS_PER_S;

	/*
	 * Both values are at most range_uj, and the counter goes from
	 * range_uj to 0 in one step: no overflow either way, even for a
	 * range of UINT64_MAX.
	 */
	if (raw_uj >= c->last_uj)
		delta = raw_uj - c->last_uj;
	else
		delta = (c->range_uj - c->last_uj) + raw_uj + 1;

	if (rapl_interval_misses_wraps(c->range_uj, c->max_uw,
		    (double)(dt_ns + RAPL_SLACK_NS) / (double)RAPL_NS_PER_S)) {
		c->uncertain++;
		sc_errprintf(err,
			"%s: energy_uj went from %" PRIu64 " to %" PRIu64
			" over %.1f s, not shorter than the shortest wrap"
			" period (%.1f s at %.0f W): wraps may be missing;"
			" interval not counted",
			zone_name(c), c->last_uj, raw_uj, secs,
			rapl_wrap_period_s(c->range_uj, c->max_uw),
			(double)c->max_uw / (double)RAPL_UJ_PER_J);
		set_last(c, raw_uj, now_ns);
		return 2;
	}
	if (c->max_uw && (double)delta > allowed_uj(c->max_uw, dt_ns)) {
		c->rejected++;
		sc_errprintf(err,
			"%s: energy_uj went from %" PRIu64 " to %" PRIu64
			" in %.3f s: %.0f W is above the zone's ceiling of"
			" %.0f W; interval not counted",
			zone_name(c), c->last_uj, raw_uj, secs,
			(double)delta / (double)RAPL_UJ_PER_J /
				(secs > 0 ? secs : 1e-9),
			(double)c->max_uw / (double)RAPL_UJ_PER_J);
		set_last(c, raw_uj, now_ns);
		return 1;
	}
	c->total_uj += delta;
	set_last(c, raw_uj, now_ns);
	if (delta_uj)
		*delta_uj = delta;
	return 0;
}

double rapl_wrap_period_s(uint64_t range_uj, uint64_t max_uw)
{
	if (!max_uw)
		return 0;
	return (double)range_uj / (double)max_uw;
}

bool rapl_interval_misses_wraps(
	uint64_t range_uj, uint64_t max_uw, double interval_s)
{
	if (!max_uw || interval_s <= 0)
		return false;
	return interval_s >= rapl_wrap_period_s(range_uj, max_uw);
}

void rapl_meter_start(struct rapl_meter *m, uint64_t total_uj, int64_t now_ns)
{
	m->start_uj = m->prev_uj = m->last_uj = total_uj;
	m->start_ns = m->prev_ns = m->last_ns = now_ns;
}

void rapl_meter_update(struct rapl_meter *m, uint64_t total_uj, int64_t now_ns)
{
	if (now_ns - m->last_ns >= RAPL_METER_MIN_NS) {
		m->prev_uj = m->last_uj;
		m->prev_ns = m->last_ns;
	}
	m->last_uj = total_uj;
	m->last_ns = now_ns;
}

uint64_t rapl_meter_uj(const struct rapl_meter *m)
{
	return m->last_uj - m->start_uj;
}

uint64_t rapl_meter_joules(const struct rapl_meter *m)
{
	return rapl_meter_uj(m) / RAPL_UJ_PER_J;
}

static double watts(uint64_t uj, int64_t ns)
{
	if (ns <= 0)
		return 0;
	/* uJ / ns = kW: scale by 1000 for watts. */
	return (double)uj * 1000.0 / (double)ns;
}

double rapl_meter_current_watts(const struct rapl_meter *m)
{
	return watts(m->last_uj - m->prev_uj, m->last_ns - m->prev_ns);
}

double rapl_meter_average_watts(const struct rapl_meter *m)
{
	return watts(m->last_uj - m->start_uj, m->last_ns - m->start_ns);
}
