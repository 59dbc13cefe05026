/*
 * carbon.c: the carbon model: grams CO2e of a constant power draw over an
 * interval, from the exact integral of the grid's intensity step function.
 */
#include "carbon.h"
#include "intensity.h"

double carbon_grams(
	const struct intensity_series *s, double watts, int64_t t0, int64_t t1)
{
	/* W * (gCO2e/kWh * s) = J * gCO2e/kWh; / (J/kWh) = gCO2e. */
	return watts * intensity_series_integral(s, t0, t1) / CARBON_J_PER_KWH;
}
