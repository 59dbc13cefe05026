/*
 * carbon.h: the carbon model: energy x PUE x grid intensity, integrated
 * interval by interval.
 */
#ifndef ACCOUNTING_CARBON_H
#define ACCOUNTING_CARBON_H

#include <stdint.h>

struct intensity_series;

/* Joules per kWh. */
#define CARBON_J_PER_KWH 3.6e6

/*
 * Grams CO2e of a constant draw of watts (facility power, PUE already
 * applied by the caller) over [t0, t1), unix seconds.
 */
double carbon_grams(const struct intensity_series *s, double watts,
	int64_t t0, int64_t t1);

#endif
