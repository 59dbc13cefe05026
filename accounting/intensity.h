/*
 * intensity.h: grid carbon-intensity time series (gCO2e/kWh), loaded from
 * the formats sites and researchers have, and integrated over intervals.
 */
#ifndef ACCOUNTING_INTENSITY_H
#define ACCOUNTING_INTENSITY_H

#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

/*
 * An immutable series of samples; each value holds over its interval, from
 * its own time to the next sample's (the last one for the series' typical
 * step). Safe to share between threads once built.
 */
struct intensity_series;

/*
 * Errors: the first error of a load goes into a struct sc_error:
 * "FILE:LINE: problem" (for JSON semantic errors "FILE: data[I]: problem",
 * as parsed JSON has no line numbers). The functions below clear it on
 * entry and never overwrite the first error they set. Every err argument
 * may be NULL.
 */

/* Which Electricity Maps column to read; other formats have only one. */
enum intensity_column {
	INTENSITY_DIRECT, /* "Carbon Intensity gCO2eq/kWh (direct)":
			   * combustion at the plant; the default */
	INTENSITY_LCA,	  /* "... (LCA)": life-cycle, includes the
			   * plants' construction and fuel supply */
};

struct intensity_options {
	enum intensity_column column;
};

/*
 * Load the series at path, detecting the format by content: CSV "Time,
 * Carbon Intensity", the Electricity Maps export CSV, or the UK
 * carbon-intensity API JSON. Plain or gzip. A path ending in "#lca" or
 * "#direct" selects the Electricity Maps column (the suffix is not part of
 * the file name); the default is direct. Returns the series (caller
 * destroys it), or NULL with err filled and errno set (EINVAL for bad
 * content, else the errno of the failed call). Times must be strictly
 * increasing; gaps are filled as documented in intensity(5).
 */
struct intensity_series *intensity_series_load(
	const char *path, struct sc_error *err);

/* As intensity_series_load, with options (NULL: defaults; no '#' suffix). */
struct intensity_series *intensity_series_load_opts(const char *path,
	const struct intensity_options *opts, struct sc_error *err);

/*
 * Parse len bytes of buf (any content, need not be NUL-terminated, not
 * gzip) as intensity_series_load does; name is used in error messages.
 * Returns the series or NULL with err filled and errno EINVAL (ENOMEM on
 * allocation failure).
 */
struct intensity_series *intensity_series_parse(const char *name,
	const char *buf, size_t len, const struct intensity_options *opts,
	struct sc_error *err);

/*
 * Build a series from n >= 1 samples (unix seconds within +-2^60, strictly
 * increasing; values in [0, 1e6]). The last sample holds for the median
 * spacing; a single sample is a constant series with a nominal one-hour
 * interval. Gaps are filled as by intensity_series_load. Copies the
 * arrays. NULL with err and errno EINVAL (ENOMEM) on bad input.
 */
struct intensity_series *intensity_series_create(const int64_t *times,
	const double *values, size_t n, struct sc_error *err);

/*
 * A copy of s with every sample's value replaced by fn(arg, i, value),
 * samples numbered from 0 in time order (filled ones included), clamped
 * to [0, 1e6] (NaN to 0); the same times, end and gaps. Used for forecasts
 * with errors. NULL with err and errno ENOMEM.
 */
struct intensity_series *intensity_series_transform(
	const struct intensity_series *s,
	double (*fn)(void *arg, size_t i, double value), void *arg,
	struct sc_error *err);

/* Accepts NULL. */
void intensity_series_destroy(struct intensity_series *s);

/* Number of samples, including those filled into gaps. */
size_t intensity_series_count(const struct intensity_series *s);

/* [start, end): the first sample's time and the end of the last interval. */
int64_t intensity_series_start(const struct intensity_series *s);
int64_t intensity_series_end(const struct intensity_series *s);

/* The typical step: the median spacing of the samples as given (s). */
int64_t intensity_series_step(const struct intensity_series *s);

/*
 * Gaps found while loading (a spacing of at least twice the typical step)
 * and the number of samples filled into them by linear interpolation.
 */
size_t intensity_series_gaps(const struct intensity_series *s);
size_t intensity_series_filled(const struct intensity_series *s);

/*
 * Intensity at unix time t. Times outside [start, end) are mapped into it
 * cyclically (documented in intensity(5)), so every t has a value.
 */
double intensity_series_at(const struct intensity_series *s, int64_t t);

/*
 * The first time after t at which the value may change (a sample boundary,
 * under the same cyclic mapping), so that [t, next) has one value. Saturates
 * at INT64_MAX.
 */
int64_t intensity_series_next_change(
	const struct intensity_series *s, int64_t t);

/*
 * Integral of intensity over [t0, t1) in gCO2e/kWh * s; t0 <= t1 (else 0).
 * Exact for the step function up to double rounding; O(log n).
 */
double intensity_series_integral(
	const struct intensity_series *s, int64_t t0, int64_t t1);

#endif
