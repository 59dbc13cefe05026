/*
 * shift.h: carbon-aware time shifting: forecasts of a grid's carbon
 * intensity and the choice of the lowest-carbon start within a window.
 */
#ifndef SCHED_SHIFT_H
#define SCHED_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

struct intensity_series;

enum forecast_kind {
	FORECAST_ORACLE,	/* the series itself: perfect knowledge */
	FORECAST_PERSISTENCE,	/* day-ahead persistence: I(t - k*24h), the
				 * latest day already observed at "now" */
};

/* "oracle", "persistence"; parse is case-insensitive, 0 or -1. */
const char *forecast_name(enum forecast_kind kind);
int forecast_parse(const char *name, enum forecast_kind *kind);

/*
 * The carbon variable c of a learned policy (policy.h): the intensity at t0
 * over the least intensity of [t0, t0 + 24 h), minus 1 (>= 0; 0 without a
 * series or when that least value is <= 0). Unix seconds. The simulator
 * and carbonlearn's training use this: their series repeat (intensity.h).
 */
double shift_carbon_ratio(const struct intensity_series *s, int64_t t0);

/*
 * The same c from a live forecast, which does not repeat: over the part of
 * [t0, t0 + 24 h) the series covers, and 0 (unknown) when t0 is outside
 * [start, end). The live site_factor plugin uses this: a forecast that
 * ended (a fetcher that stopped) or ends within the day must not lend c
 * values from its own start.
 */
double shift_carbon_ratio_live(
	const struct intensity_series *s, int64_t t0);

/*
 * Forecast of the integral of intensity over [t0, t1) (gCO2e/kWh times
 * seconds) as known at time now. All times are unix seconds; t0 <= t1
 * (else 0). Persistence forecasts t from t - k * 86400, the smallest
 * k >= 1 with t - k * 86400 < now (so also k = 1 for t before now): the
 * last observed day, repeated.
 */
double shift_forecast_integral(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t t0, int64_t t1);

/*
 * The start in [earliest, latest] whose window [start, start + duration)
 * has the lowest forecast integral as known at now; the earliest such start
 * on ties (within a relative 1e-12). Unix seconds. Returns earliest when
 * latest <= earliest, duration <= 0 or latest + duration overflows. Cost:
 * O(log n) per change of the forecast in [earliest, latest + duration).
 */
int64_t shift_best_start(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t earliest,
	int64_t latest, int64_t duration);

/*
 * A forecast with errors, as Wiesner et al. model them ("Let's Wait
 * Awhile", Middleware 2021; _apply_error() in simulate.py of
 * github.com/dos-group/lets-wait-awhile): a copy of s in which every
 * sample has Gaussian noise added, of mean 0 and standard deviation error
 * times the series' mean (time-weighted), drawn independently for each
 * sample (filled ones included) from a generator seeded with seed
 * (xoshiro256** seeded by splitmix64, normal deviates by Box-Muller): the
 * same seed gives the same copy, not numpy's numbers. A value below 0
 * becomes 0. The shifting code then forecasts from the copy: the oracle is
 * the copy itself, persistence repeats the copy's latest day. error >= 0;
 * 0 gives an exact copy. NULL with err (ENOMEM). Destroy with
 * intensity_series_destroy.
 */
struct intensity_series *shift_forecast_with_error(
	const struct intensity_series *s, double error, uint64_t seed,
	struct sc_error *err);

/*
 * Space shifting: where a job should run among candidate sites (or
 * regions), one rule for carbonsim and for job_submit/carbon. Each
 * candidate has the job's expected start there and the expected grams
 * CO2e of running it there from that start (the caller's forecast and
 * power model).
 */
struct shift_site {
	int usable;		/* 0: the job cannot run there at all */
	int64_t expected_start; /* unix or trace seconds, >= now */
	double grams;		/* expected CO2e from expected_start */
};

enum shift_placement {
	SHIFT_PLACE_CARBON,	/* least grams + wait_weight * wait */
	SHIFT_PLACE_EARLIEST,	/* carbon-unaware: the earliest start */
};

/*
 * The index of the chosen site, or -1 when none is usable. Only sites
 * whose expected start is within max_wait seconds of the earliest expected
 * start over all usable sites are considered. SHIFT_PLACE_CARBON minimises
 * grams + wait_weight * (expected_start - now); SHIFT_PLACE_EARLIEST the
 * wait. Ties go to the first site in the array.
 */
long shift_choose_site(const struct shift_site *sites, size_t n, int64_t now,
	enum shift_placement how, double wait_weight, int64_t max_wait);

#endif
