/*
 * carbon.c: the carbon model: grams CO2e of energy over an interval from
 * the exact integral of the grid's intensity step function, embodied
 * shares (SCI) and Green Algorithms energy estimates.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "carbon.h"
#include "intensity.h"

double carbon_grams(
	const struct intensity_series *s, double watts, int64_t t0, int64_t t1)
{
	/* W * (gCO2e/kWh * s) = J * gCO2e/kWh; / (J/kWh) = gCO2e. */
	return watts * intensity_series_integral(s, t0, t1) / CARBON_J_PER_KWH;
}

void carbon_format_utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
		!strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%" PRId64, t);
}

int carbon_intensity_mean(const struct carbon_intensity *ci, int64_t t0,
	int64_t t1, double *mean, struct sc_error *err)
{
	int64_t start, end;
	char a[32], b[32], c[32], d[32];

	if (!ci->series) {
		*mean = ci->constant;
		return 0;
	}
	start = intensity_series_start(ci->series);
	end = intensity_series_end(ci->series);
	if (t0 >= start && (t1 > t0 ? t1 <= end : t0 < end)) {
		if (t1 <= t0)
			*mean = intensity_series_at(ci->series, t0);
		else
			*mean = intensity_series_integral(ci->series, t0, t1) /
				(double)(t1 - t0);
		return 0;
	}
	carbon_format_utc(t0, a, sizeof(a));
	carbon_format_utc(t1 > t0 ? t1 : t0, b, sizeof(b));
	carbon_format_utc(start, c, sizeof(c));
	carbon_format_utc(end, d, sizeof(d));
	return sc_errprintf(err,
		"region %s: intensity series covers %s..%s, not %s..%s",
		ci->name ? ci->name : "?", c, d, a, b);
}

double carbon_operational_g(double energy_j, double pue, double mean_g_kwh)
{
	return energy_j * pue * mean_g_kwh / CARBON_J_PER_KWH;
}

double carbon_embodied_g(
	double total_kg, double lifetime_s, double reserved_s, double share)
{
	if (lifetime_s <= 0)
		return 0;
	return total_kg * 1000.0 * (reserved_s / lifetime_s) * share;
}

double carbon_estimate_energy_j(const struct carbon_estimate *p, double cpu_s,
	double elapsed_s, double mem_gb, double gpus)
{
	return cpu_s * p->watts_per_core +
	       elapsed_s * (mem_gb * p->watts_per_gb + gpus * p->watts_per_gpu);
}
