/*
 * defer.h: the time-shifting decision for a job submitted now to a
 * carbon-aware queue: start it at the beginning of the lowest-carbon window
 * of its time limit within the queue's maximum delay, from a forecast
 * series (shift.c's window search, the one carbonsim uses).
 */
#ifndef SCHED_DEFER_H
#define SCHED_DEFER_H

#include <stddef.h>
#include <stdint.h>

struct intensity_series;

struct defer_request {
	int64_t now;	    /* unix seconds */
	int64_t duration;   /* the job's time limit, s (> 0) */
	int64_t max_delay;  /* the queue's MaxDelay, s */
	double min_saving;  /* defer only for at least this fraction less */
};

struct defer_decision {
	int defer;	      /* 1: start at begin */
	int64_t now;
	int64_t begin;	      /* unix seconds; now when not deferred */
	double saving;	      /* 1 - window(begin) / window(now), in [0, 1] */
	double mean_now;      /* mean forecast intensity over [now, now+d) */
	double mean_begin;    /* ... over [begin, begin+d) */
	const char *why_not;  /* when not deferred: why (static text) */
};

/*
 * Decide. The forecast must cover now (else why_not says so); the latest
 * start considered is min(now + max_delay, forecast end - duration), so
 * every window is forecast, never wrapped around; when that leaves no
 * room, nothing is deferred. Ties go to the earliest start. Returns 0
 * with *d filled (d->defer 0 or 1).
 */
int defer_decide(const struct intensity_series *forecast,
	const struct defer_request *rq, struct defer_decision *d);

/*
 * What the submitter reads: "deferred to 2026-11-30 02:00:00 UTC (in 6 h
 * 12 min) for lower-carbon power in region gb: about 38% less CO2e than
 * starting now (forecast 120 instead of 194 gCO2e/kWh); submit with
 * --begin=now to opt out". 0, or -1 if it did not fit.
 */
int defer_message(const struct defer_decision *d, const char *region,
	char *buf, size_t size);

/* The trace kept on the job: "[carbon-submit deferred_to=... ...]". */
int defer_trace(const struct defer_decision *d, const char *region,
	char *buf, size_t size);

#endif
