/*
 * defer.c: carbon-aware deferral of a live job and the words that tell its
 * submitter why.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "defer.h"
#include "intensity.h"
#include "shift.h"

static int no(struct defer_decision *d, int64_t now, const char *why)
{
	d->defer = 0;
	d->now = now;
	d->begin = now;
	d->why_not = why;
	return 0;
}

int defer_decide(const struct intensity_series *forecast,
	const struct defer_request *rq, struct defer_decision *d)
{
	int64_t start, end, latest, best, dur = rq->duration;
	double now_w, best_w;

	d->saving = 0;
	d->mean_now = d->mean_begin = 0;
	if (!forecast)
		return no(d, rq->now, "no forecast");
	if (dur <= 0 || rq->max_delay <= 0)
		return no(d, rq->now, "nothing to shift");
	start = intensity_series_start(forecast);
	end = intensity_series_end(forecast);
	if (rq->now < start || rq->now >= end)
		return no(d, rq->now, "the forecast does not cover now");
	latest = rq->max_delay < INT64_MAX - rq->now ? rq->now + rq->max_delay
						      : INT64_MAX;
	if (end - dur < latest)
		latest = end - dur;
	if (latest <= rq->now)
		return no(d, rq->now, "the forecast does not cover the job's "
				      "time limit beyond now");
	best = shift_best_start(forecast, FORECAST_ORACLE, rq->now, rq->now,
		latest, dur);
	now_w = intensity_series_integral(forecast, rq->now, rq->now + dur);
	best_w = intensity_series_integral(forecast, best, best + dur);
	d->mean_now = now_w / (double)dur;
	d->mean_begin = best_w / (double)dur;
	d->saving = now_w > 0 ? 1.0 - best_w / now_w : 0;
	if (best <= rq->now)
		return no(d, rq->now, "now is already the lowest-carbon start");
	if (d->saving < rq->min_saving)
		return no(d, rq->now, "the saving is below DeferMinSaving");
	d->defer = 1;
	d->now = rq->now;
	d->begin = best;
	d->why_not = NULL;
	return 0;
}

/* t in UTC, ISO 8601 ("2026-11-30T02:00:00Z") or for people. */
static void utc(int64_t t, int iso, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&tt, &tm))
		n = iso ? strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm)
			: strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (!n)
		snprintf(buf, size, "%" PRId64, t);
}

int defer_message(const struct defer_decision *d, const char *region,
	char *buf, size_t size)
{
	char when[32];
	int64_t in = d->begin - d->now;
	int n;

	utc(d->begin, 0, when, sizeof(when));
	n = snprintf(buf, size,
		"deferred to %s (in %" PRId64 " h %02" PRId64 " min) for "
		"lower-carbon power in region %s: about %.0f%% less CO2e than "
		"starting now (forecast %.0f instead of %.0f gCO2e/kWh); "
		"submit with --begin=now to opt out",
		when, in / 3600, in / 60 % 60, region ? region : "?",
		100.0 * d->saving, d->mean_begin, d->mean_now);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int defer_trace(const struct defer_decision *d, const char *region,
	char *buf, size_t size)
{
	char when[32];
	int n;

	utc(d->begin, 1, when, sizeof(when));
	n = snprintf(buf, size,
		"[carbon-submit deferred_to=%s region=%s saving=%.0f%% "
		"ci_now=%.0f ci_then=%.0f]",
		when, region ? region : "?", 100.0 * d->saving, d->mean_now,
		d->mean_begin);
	return n > 0 && (size_t)n < size ? 0 : -1;
}
