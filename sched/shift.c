/*
 * shift.c: carbon-aware time shifting: oracle and day-ahead persistence
 * forecasts of a grid's intensity, and the lowest-carbon start in a window.
 */
#include <math.h>
#include <stdint.h>
#include <strings.h>

#include "intensity.h"
#include "shift.h"

#define DAY 86400

/* Relative difference below which two window integrals are a tie. */
#define TIE_EPSILON 1e-12

const char *forecast_name(enum forecast_kind kind)
{
	switch (kind) {
	case FORECAST_ORACLE:
		return "oracle";
	case FORECAST_PERSISTENCE:
		return "persistence";
	}
	return "unknown";
}

int forecast_parse(const char *name, enum forecast_kind *kind)
{
	if (!name)
		return -1;
	if (strcasecmp(name, "oracle") == 0)
		*kind = FORECAST_ORACLE;
	else if (strcasecmp(name, "persistence") == 0)
		*kind = FORECAST_PERSISTENCE;
	else
		return -1;
	return 0;
}

/*
 * Persistence: the days observed by now are repeated. Time t is forecast
 * from t - k * DAY, k >= 1 the smallest with t - k * DAY < now. Returns k
 * and sets *seg_end to the end of the stretch that shares it.
 */
static int64_t persistence_lag(int64_t now, int64_t t, int64_t *seg_end)
{
	int64_t k = t < now ? 1 : (t - now) / DAY + 1;

	*seg_end = now + k * DAY;
	return k;
}

double shift_forecast_integral(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t t0, int64_t t1)
{
	double sum = 0.0;

	if (kind != FORECAST_PERSISTENCE)
		return intensity_series_integral(s, t0, t1);
	while (t0 < t1) {
		int64_t seg_end, k = persistence_lag(now, t0, &seg_end);
		int64_t b = seg_end < t1 ? seg_end : t1;

		sum += intensity_series_integral(s, t0 - k * DAY, b - k * DAY);
		t0 = b;
	}
	return sum;
}

/* The first time after t at which the forecast may change value. */
static int64_t forecast_next_change(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t t)
{
	int64_t seg_end, k, next;

	if (kind != FORECAST_PERSISTENCE)
		return intensity_series_next_change(s, t);
	k = persistence_lag(now, t, &seg_end);
	next = intensity_series_next_change(s, t - k * DAY) + k * DAY;
	return next < seg_end ? next : seg_end;
}

/* The forecast value at t, constant on [t, forecast_next_change(t)). */
static double forecast_value(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t t)
{
	int64_t seg_end, k;

	if (kind != FORECAST_PERSISTENCE)
		return intensity_series_at(s, t);
	k = persistence_lag(now, t, &seg_end);
	return intensity_series_at(s, t - k * DAY);
}

/*
 * The window integral W(x) = F(x + d) - F(x) of a step function f is
 * piecewise linear in x, with breakpoints where x or x + d meets a change
 * of f, so its minimum over [earliest, latest] is at a breakpoint or an
 * end. One sweep visits them in order: between two breakpoints W changes
 * at the rate f(x + d) - f(x). Visiting in order and replacing the best
 * only on a strict improvement gives the earliest start on ties.
 */
int64_t shift_best_start(const struct intensity_series *s,
	enum forecast_kind kind, int64_t now, int64_t earliest, int64_t latest,
	int64_t duration)
{
	int64_t x = earliest, best = earliest;
	double w, best_w;

	if (latest <= earliest || duration <= 0 ||
		latest > INT64_MAX - duration)
		return earliest;
	w = best_w = shift_forecast_integral(
		s, kind, now, earliest, earliest + duration);
	while (x < latest) {
		int64_t nx = forecast_next_change(s, kind, now, x);
		int64_t ne = forecast_next_change(s, kind, now, x + duration);

		if (ne - duration < nx)
			nx = ne - duration;
		if (nx > latest)
			nx = latest;
		w += (forecast_value(s, kind, now, x + duration) -
			     forecast_value(s, kind, now, x)) *
		     (double)(nx - x);
		x = nx;
		if (w < best_w - TIE_EPSILON * fabs(best_w)) {
			best = x;
			best_w = w;
		}
	}
	return best;
}

/* ---- forecast errors ---- */

struct noise {
	uint64_t s[4]; /* xoshiro256** */
	double sigma;
	double spare; /* the second deviate of a Box-Muller pair */
	int has_spare;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(uint64_t *s)
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in (0, 1]. */
static double uniform(uint64_t *s)
{
	return ((double)(xoshiro_next(s) >> 11) + 1.0) * 0x1.0p-53;
}

static double add_noise(void *arg, size_t i, double value)
{
	struct noise *n = arg;
	double r, a;

	(void)i;
	if (n->has_spare) {
		n->has_spare = 0;
		return value + n->sigma * n->spare;
	}
	r = sqrt(-2.0 * log(uniform(n->s)));
	a = 2.0 * M_PI * uniform(n->s);
	n->spare = r * sin(a);
	n->has_spare = 1;
	return value + n->sigma * r * cos(a);
}

struct intensity_series *shift_forecast_with_error(
	const struct intensity_series *s, double error, uint64_t seed,
	struct sc_error *err)
{
	int64_t a = intensity_series_start(s), b = intensity_series_end(s);
	struct noise n = {.has_spare = 0};

	n.sigma = error > 0.0 ? error * intensity_series_integral(s, a, b) /
					(double)(b - a)
			      : 0.0;
	for (int k = 0; k < 4; k++)
		n.s[k] = splitmix64(&seed);
	return intensity_series_transform(s, add_noise, &n, err);
}

long shift_choose_site(const struct shift_site *sites, size_t n, int64_t now,
	enum shift_placement how, double wait_weight, int64_t max_wait)
{
	int64_t earliest = INT64_MAX;
	double score, best_score = 0.0;
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (sites[i].usable && sites[i].expected_start < earliest)
			earliest = sites[i].expected_start;
	for (i = 0; i < n; i++) {
		const struct shift_site *c = &sites[i];
		double wait = (double)(c->expected_start - now);

		if (!c->usable || (c->expected_start != earliest &&
					  c->expected_start - earliest > max_wait))
			continue;
		score = how == SHIFT_PLACE_EARLIEST ? wait
						    : c->grams + wait_weight * wait;
		if (best < 0 || score < best_score) {
			best = (long)i;
			best_score = score;
		}
	}
	return best;
}

/* Intensity at t0 over the least of [t0, t1), minus 1; 0 if that is <= 0. */
static double carbon_ratio_over(
	const struct intensity_series *s, int64_t t0, int64_t t1)
{
	double now, lo;
	int64_t t = t0;

	now = lo = intensity_series_at(s, t0);
	while ((t = intensity_series_next_change(s, t)) < t1) {
		double v = intensity_series_at(s, t);

		if (v < lo)
			lo = v;
	}
	return lo > 0 ? now / lo - 1.0 : 0.0;
}

double shift_carbon_ratio(const struct intensity_series *s, int64_t t0)
{
	return s ? carbon_ratio_over(s, t0, t0 + DAY) : 0.0;
}

double shift_carbon_ratio_live(const struct intensity_series *s, int64_t t0)
{
	int64_t end;

	if (!s || t0 < intensity_series_start(s) ||
		t0 >= (end = intensity_series_end(s)))
		return 0.0;
	return carbon_ratio_over(s, t0, end - t0 < DAY ? end : t0 + DAY);
}
