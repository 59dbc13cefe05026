/*
 * intensity.c: the carbon-intensity series as a step function: typical step,
 * gap filling, cyclic mapping and integrals over prefix sums (O(1) on a
 * regular series, O(log n) at worst).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intensity_build.h"

/* A single sample is a constant series; this is its nominal interval. */
#define SINGLE_SAMPLE_STEP 3600

struct intensity_series {
	size_t n;
	int64_t *t;   /* n + 1 boundaries: t[i] starts sample i, t[n] = end */
	double *v;    /* n values */
	double *cum;  /* n + 1: integral from t[0] to t[i] */
	int64_t span; /* t[n] - t[0] > 0 */
	int64_t step;
	size_t gaps;
	size_t filled;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Lower median of the n - 1 spacings; n >= 2. 0 on allocation failure. */
static int64_t median_step(const int64_t *t, size_t n)
{
	uint64_t *d = malloc((n - 1) * sizeof(*d));
	int64_t step;
	size_t i;

	if (!d)
		return 0;
	for (i = 0; i + 1 < n; i++)
		d[i] = (uint64_t)t[i + 1] - (uint64_t)t[i];
	qsort(d, n - 1, sizeof(*d), cmp_u64);
	step = (int64_t)d[(n - 2) / 2];
	free(d);
	return step;
}

/* Samples to add inside a spacing of d seconds; 0 unless it is a gap. */
static uint64_t fill_count(uint64_t d, int64_t step)
{
	if (d < 2 * (uint64_t)step)
		return 0;
	return (d + (uint64_t)step - 1) / (uint64_t)step - 1;
}

void intensity_series_destroy(struct intensity_series *s)
{
	int saved = errno;

	if (!s)
		return;
	free(s->t);
	free(s->v);
	free(s->cum);
	free(s);
	errno = saved;
}

static int fill_arrays(struct intensity_series *s, const int64_t *times,
	const double *values, size_t n, int64_t end)
{
	size_t i, j = 0;
	uint64_t k;

	for (i = 0; i < n; i++) {
		uint64_t d, fill;

		s->t[j] = times[i];
		s->v[j++] = values[i];
		if (i + 1 == n)
			break;
		d = (uint64_t)times[i + 1] - (uint64_t)times[i];
		fill = fill_count(d, s->step);
		for (k = 1; k <= fill; k++) {
			/* Linear interpolation at times[i] + k * step. */
			double f = (double)(k * (uint64_t)s->step) / (double)d;

			s->t[j] = times[i] + (int64_t)(k * (uint64_t)s->step);
			s->v[j++] = values[i] + (values[i + 1] - values[i]) * f;
		}
	}
	s->t[j] = end;
	s->cum[0] = 0.0;
	for (i = 0; i < j; i++)
		s->cum[i + 1] =
			s->cum[i] + s->v[i] * (double)(s->t[i + 1] - s->t[i]);
	return 0;
}

struct intensity_series *intensity_series_build(const int64_t *times,
	const double *values, size_t n, int64_t end, const char *name,
	intensity_where_fn *where, const void *ctx, struct sc_error *err)
{
	char here[320];
	struct intensity_series *s = NULL;
	size_t i, total;
	uint64_t fill, d;

	if (n == 0) {
		sc_errprintf(err, "%s: no samples", name);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	if (n == 1)
		s->step =
			end == INT64_MIN ? SINGLE_SAMPLE_STEP : end - times[0];
	else if ((s->step = median_step(times, n)) == 0)
		goto nomem;
	if (end == INT64_MIN)
		end = times[n - 1] + s->step; /* both below 2^61 */
	if (end <= times[n - 1] || end > INTENSITY_TIME_LIMIT) {
		sc_errprintf(err, "%s: series ends out of range", name);
		goto inval;
	}
	total = n;
	for (i = 0; i + 1 < n; i++) {
		d = (uint64_t)times[i + 1] - (uint64_t)times[i];
		fill = fill_count(d, s->step);
		if (fill == 0)
			continue;
		s->gaps++;
		if (fill > INTENSITY_FILL_LIMIT - s->filled) {
			if (where)
				where(ctx, i, here, sizeof(here));
			else
				snprintf(here, sizeof(here), "%s: sample %zu",
					name, i + 1);
			sc_errprintf(err,
				"%s: gap of %llu s to the next sample needs "
				"more than %zu filled samples",
				here, (unsigned long long)d,
				INTENSITY_FILL_LIMIT);
			goto inval;
		}
		s->filled += (size_t)fill;
	}
	total += s->filled;
	s->n = total;
	s->span = end - times[0];
	s->t = malloc((total + 1) * sizeof(*s->t));
	s->v = malloc(total * sizeof(*s->v));
	s->cum = malloc((total + 1) * sizeof(*s->cum));
	if (!s->t || !s->v || !s->cum)
		goto nomem;
	fill_arrays(s, times, values, n, end);
	return s;
nomem:
	sc_errprintf(err, "%s: out of memory", name);
	intensity_series_destroy(s);
	errno = ENOMEM;
	return NULL;
inval:
	intensity_series_destroy(s);
	errno = EINVAL;
	return NULL;
}

struct intensity_series *intensity_series_create(const int64_t *times,
	const double *values, size_t n, struct sc_error *err)
{
	size_t i;

	if (err)
		err->text[0] = '\0';
	if (!times || !values || n == 0) {
		sc_errprintf(err, "series: no samples");
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (times[i] < -INTENSITY_TIME_LIMIT ||
			times[i] > INTENSITY_TIME_LIMIT) {
			sc_errprintf(err,
				"series: sample %zu: time out of "
				"range",
				i + 1);
			errno = EINVAL;
			return NULL;
		}
		if (i > 0 && times[i] <= times[i - 1]) {
			sc_errprintf(err,
				"series: sample %zu: time not "
				"after the previous sample",
				i + 1);
			errno = EINVAL;
			return NULL;
		}
		if (!(values[i] >= 0.0 && values[i] <= INTENSITY_VALUE_LIMIT)) {
			sc_errprintf(err,
				"series: sample %zu: value not "
				"in [0, %g]",
				i + 1, INTENSITY_VALUE_LIMIT);
			errno = EINVAL;
			return NULL;
		}
	}
	return intensity_series_build(
		times, values, n, INT64_MIN, "series", NULL, NULL, err);
}

struct intensity_series *intensity_series_transform(
	const struct intensity_series *s,
	double (*fn)(void *arg, size_t i, double value), void *arg,
	struct sc_error *err)
{
	struct intensity_series *c = calloc(1, sizeof(*c));
	size_t i;

	sc_error_clear(err);
	if (!c)
		goto nomem;
	*c = *s;
	c->t = malloc((s->n + 1) * sizeof(*c->t));
	c->v = malloc(s->n * sizeof(*c->v));
	c->cum = malloc((s->n + 1) * sizeof(*c->cum));
	if (!c->t || !c->v || !c->cum)
		goto nomem;
	memcpy(c->t, s->t, (s->n + 1) * sizeof(*c->t));
	c->cum[0] = 0.0;
	for (i = 0; i < s->n; i++) {
		double v = fn(arg, i, s->v[i]);

		/* NaN too becomes 0 */
		c->v[i] = v > 0.0 ? (v < INTENSITY_VALUE_LIMIT
						? v
						: INTENSITY_VALUE_LIMIT)
				  : 0.0;
		c->cum[i + 1] =
			c->cum[i] + c->v[i] * (double)(c->t[i + 1] - c->t[i]);
	}
	return c;
nomem:
	sc_errprintf(err, "series: out of memory");
	intensity_series_destroy(c); /* its arrays are its own, or NULL */
	errno = ENOMEM;
	return NULL;
}

size_t intensity_series_count(const struct intensity_series *s)
{
	return s->n;
}

int64_t intensity_series_start(const struct intensity_series *s)
{
	return s->t[0];
}

int64_t intensity_series_end(const struct intensity_series *s)
{
	return s->t[s->n];
}

int64_t intensity_series_step(const struct intensity_series *s)
{
	return s->step;
}

size_t intensity_series_gaps(const struct intensity_series *s)
{
	return s->gaps;
}

size_t intensity_series_filled(const struct intensity_series *s)
{
	return s->filled;
}

/*
 * Offset of t into [0, span), cyclically. span <= 2^61 keeps the
 * difference of the two remainders within int64. A time inside the series
 * (the usual case) needs no division.
 */
static int64_t offset_of(const struct intensity_series *s, int64_t t)
{
	int64_t r;

	if (t >= s->t[0] && t < s->t[s->n])
		return t - s->t[0];
	r = t % s->span - s->t[0] % s->span;
	r %= s->span;
	return r < 0 ? r + s->span : r;
}

/*
 * Index i of the sample whose interval holds offset r in [0, span):
 * t[i] <= t[0] + r < t[i + 1]. Samples are usually one step apart, so
 * r / step is checked first; a binary search on the side it points to
 * finds the rest (irregular series, filled gaps off the step grid).
 */
static size_t index_of(const struct intensity_series *s, int64_t r)
{
	int64_t key = s->t[0] + r;
	uint64_t guess = (uint64_t)r / (uint64_t)s->step;
	size_t lo = 0, hi = s->n; /* t[lo] <= key < t[hi] */

	if (guess < s->n) {
		size_t g = (size_t)guess;

		if (s->t[g] > key)
			hi = g;
		else if (key < s->t[g + 1])
			return g;
		else
			lo = g + 1;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->t[mid] <= key)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

double intensity_series_at(const struct intensity_series *s, int64_t t)
{
	return s->v[index_of(s, offset_of(s, t))];
}

int64_t intensity_series_next_change(
	const struct intensity_series *s, int64_t t)
{
	int64_t r = offset_of(s, t);
	size_t i = index_of(s, r);
	int64_t ahead = s->t[i + 1] - (s->t[0] + r);

	return t > INT64_MAX - ahead ? INT64_MAX : t + ahead;
}

/* Integral over [start, start + r) for r in [0, span), in sample i. */
static double prefix_at(const struct intensity_series *s, size_t i, int64_t r)
{
	return s->cum[i] + s->v[i] * (double)(s->t[0] + r - s->t[i]);
}

/* Integral over [start, start + r), r in [0, span]. */
static double prefix(const struct intensity_series *s, int64_t r)
{
	if (r >= s->span)
		return s->cum[s->n];
	return prefix_at(s, index_of(s, r), r);
}

/*
 * Integral over [start + a, start + b), 0 <= a <= b <= span. The sample
 * found for a serves both the one-interval case and a's prefix.
 */
static double between(const struct intensity_series *s, int64_t a, int64_t b)
{
	size_t i = index_of(s, a);

	/* Within one interval: one exact product, no cancellation. */
	if (s->t[0] + b <= s->t[i + 1])
		return s->v[i] * (double)(b - a);
	return prefix(s, b) - prefix_at(s, i, a);
}

double intensity_series_integral(
	const struct intensity_series *s, int64_t t0, int64_t t1)
{
	uint64_t len, span = (uint64_t)s->span, cycles = 0;
	int64_t r0, rem;
	double sum;

	if (t1 <= t0)
		return 0.0;
	len = (uint64_t)t1 - (uint64_t)t0;
	/* An interval shorter than the series (the usual case) needs no
	 * division. */
	if (len < span) {
		rem = (int64_t)len;
	} else {
		cycles = len / span;
		rem = (int64_t)(len % span);
	}
	r0 = offset_of(s, t0);
	sum = cycles ? (double)cycles * s->cum[s->n] : 0.0;
	if (rem == 0)
		return sum;
	if (rem <= s->span - r0)
		return sum + between(s, r0, r0 + rem);
	return sum + between(s, r0, s->span) +
	       between(s, 0, rem - (s->span - r0));
}
