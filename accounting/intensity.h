/*
 * intensity.h: grid carbon-intensity time series (gCO2e/kWh), loaded from
 * the formats sites and researchers have, and integrated over intervals.
 */
#ifndef ACCOUNTING_INTENSITY_H
#define ACCOUNTING_INTENSITY_H

#include <stddef.h>
#include <stdint.h>

/* An immutable series of samples; each value holds over its interval. */
struct intensity_series;

/* First error of a load: "FILE:LINE: problem". */
struct intensity_error {
	char text[512];
};

/*
 * Load the series at path, detecting the format: CSV "Time,Carbon
 * Intensity", the Electricity Maps export CSV, or the UK carbon-intensity
 * API JSON. Plain or gzip. Returns the series (caller destroys it), or NULL
 * with err filled. The handling of gaps is documented in intensity(5).
 */
struct intensity_series *intensity_series_load(const char *path,
	struct intensity_error *err);

/* Build a series from n samples (unix seconds, strictly increasing). */
struct intensity_series *intensity_series_create(const int64_t *times,
	const double *values, size_t n, struct intensity_error *err);

/* Accepts NULL. */
void intensity_series_destroy(struct intensity_series *s);

size_t intensity_series_count(const struct intensity_series *s);

/* [start, end): the first sample's time and the end of the last interval. */
int64_t intensity_series_start(const struct intensity_series *s);
int64_t intensity_series_end(const struct intensity_series *s);

/*
 * Intensity at unix time t. Times outside [start, end) are mapped into it
 * cyclically (documented in intensity(5)), so every t has a value.
 */
double intensity_series_at(const struct intensity_series *s, int64_t t);

/* Integral of intensity over [t0, t1) in gCO2e/kWh * s; t0 <= t1. */
double intensity_series_integral(const struct intensity_series *s,
	int64_t t0, int64_t t1);

#endif
