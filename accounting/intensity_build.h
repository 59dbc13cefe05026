/*
 * intensity_build.h: private interface between the format readers
 * (intensity_load.c) and the series model (intensity.c). Not installed.
 */
#ifndef ACCOUNTING_INTENSITY_BUILD_H
#define ACCOUNTING_INTENSITY_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "intensity.h"

/*
 * Sample times and the series' end must lie within +-INTENSITY_TIME_LIMIT
 * (about 36 Gyr), so that spans and offsets never overflow int64.
 */
#define INTENSITY_TIME_LIMIT ((int64_t)1 << 60)

/* Largest plausible intensity, gCO2e/kWh: keeps every integral finite. */
#define INTENSITY_VALUE_LIMIT 1e6

/* Most samples a load may add to fill gaps, over all gaps of a series. */
#define INTENSITY_FILL_LIMIT ((size_t)1 << 20)

/*
 * Writes where sample i (0-based) came from into buf, for error messages:
 * "FILE:LINE" or "FILE: data[I]".
 */
typedef void intensity_where_fn(
	const void *ctx, size_t i, char *buf, size_t size);

/*
 * Build a series from n >= 1 samples already validated (strictly
 * increasing times within the limit, finite values in [0, limit]). end is
 * the end of the last interval, or INT64_MIN to use the last time plus the
 * typical step. name prefixes error messages; where (may be NULL: "NAME:
 * sample I") locates a sample. Copies the arrays. NULL with err and errno
 * (EINVAL, ENOMEM) on failure.
 */
struct intensity_series *intensity_series_build(const int64_t *times,
	const double *values, size_t n, int64_t end, const char *name,
	intensity_where_fn *where, const void *ctx,
	struct sc_error *err);

#endif
