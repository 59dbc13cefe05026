/*
 * carbon.h: the carbon model: operational CO2e (energy x PUE x grid
 * intensity, integrated interval by interval), embodied CO2e per the
 * Software Carbon Intensity specification, and the Green Algorithms energy
 * estimate for jobs whose energy was not measured. One model for carbonsim
 * and for real jobs (job_carbon.c).
 */
#ifndef ACCOUNTING_CARBON_H
#define ACCOUNTING_CARBON_H

#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

struct intensity_series;

/* Joules per kWh. */
#define CARBON_J_PER_KWH 3.6e6

/* Seconds per (Julian) year, for lifetimes given in years. */
#define CARBON_S_PER_YEAR (365.25 * 86400.0)

/*
 * Unix time t as "YYYY-MM-DDTHH:MM:SSZ" in buf (32 bytes hold it), or as
 * its number of seconds if the calendar cannot hold it.
 */
void carbon_format_utc(int64_t t, char *buf, size_t size);

/*
 * Grams CO2e of a constant draw of watts (facility power, PUE already
 * applied by the caller) over [t0, t1), unix seconds. The series is mapped
 * cyclically outside its span (intensity(5)), as the simulator wants.
 */
double carbon_grams(const struct intensity_series *s, double watts,
	int64_t t0, int64_t t1);

/* A region's grid intensity: a constant, or a series (not owned). */
struct carbon_intensity {
	const char *name;		      /* region, for messages */
	const struct intensity_series *series; /* NULL: constant */
	double constant;		      /* gCO2e/kWh when series is NULL */
};

/*
 * Mean intensity (gCO2e/kWh) over [t0, t1), or at t0 when t1 <= t0. Unlike
 * carbon_grams, accounting does not wrap a series around: an interval
 * outside the series' span is an error (-1, err names the region and the
 * span), never a number from another year. 0 on success.
 */
int carbon_intensity_mean(const struct carbon_intensity *ci, int64_t t0,
	int64_t t1, double *mean, struct sc_error *err);

/* Operational grams: energy_j of IT energy, x pue, at a mean intensity. */
double carbon_operational_g(double energy_j, double pue, double mean_g_kwh);

/*
 * Embodied grams, SCI: M = TE x (TiR / EL) x (RR / ToR), with TE in kg
 * CO2e, EL the expected lifetime in seconds, TiR the time reserved in
 * seconds and share = RR / ToR in [0, 1]. 0 when EL <= 0.
 */
double carbon_embodied_g(
	double total_kg, double lifetime_s, double reserved_s, double share);

/*
 * Green Algorithms (Lannelongue et al. 2021, as GreenAlgorithms4HPC codes
 * it): IT energy in joules of cpu_s CPU-seconds at watts_per_core, mem_gb
 * of allocated memory at watts_per_gb and gpus at watts_per_gpu over
 * elapsed_s seconds. PUE is applied by the caller.
 */
struct carbon_estimate {
	double watts_per_core;
	double watts_per_gb;
	double watts_per_gpu;
};

double carbon_estimate_energy_j(const struct carbon_estimate *p, double cpu_s,
	double elapsed_s, double mem_gb, double gpus);

#endif
