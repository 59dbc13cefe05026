/*
 * profile.h: availability profile of a cluster: free processors over future
 * time, as used by conservative backfilling and space shifting's estimates.
 */
#ifndef SCHED_PROFILE_H
#define SCHED_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* free processors from t until the next step's t; the last step lasts. */
struct profile_step {
	int64_t t;
	int64_t free;
};

/*
 * Zero-initialise; the caller owns it and releases it with profile_free.
 * The live steps are steps[head..n): profile_advance drops the past
 * without moving the rest.
 */
struct profile {
	struct profile_step *steps;
	size_t n;
	size_t cap;
	size_t head;
};

/* Restart the profile at time now with free processors. 0, or -1 (ENOMEM). */
int profile_reset(struct profile *p, int64_t now, int64_t free);

/*
 * A running job ends (by its estimate) at t >= now and releases procs from
 * t on. Cheapest when called in ascending t. 0, or -1 (ENOMEM).
 */
int profile_release(struct profile *p, int64_t t, int64_t procs);

/*
 * The earliest start >= now at which procs processors are free for
 * duration seconds. The caller guarantees procs <= the profile's last step
 * (the whole machine), so a start always exists.
 */
int64_t profile_earliest(
	const struct profile *p, int64_t procs, int64_t duration);

/*
 * The processors free over all of [now, now + duration) (at now for a
 * duration of 0): the widest job of that duration that could start now.
 * The search stops at the first step with fewer than enough: then a value
 * below enough, not always the least. So a job of procs processors could
 * start now if profile_free_for(p, its duration, procs) >= procs.
 */
int64_t profile_free_for(
	const struct profile *p, int64_t duration, int64_t enough);

/* Take procs processors over [start, start + duration). 0, or -1 (ENOMEM). */
int profile_reserve(
	struct profile *p, int64_t start, int64_t duration, int64_t procs);

/*
 * Add delta free processors over [t0, t1), now <= t0 <= t1 (a reservation
 * given back: +procs); bounds left between equal values are dropped. 0,
 * or -1 (ENOMEM).
 */
int profile_add(struct profile *p, int64_t t0, int64_t t1, int64_t delta);

/* The least free processors over [t0, t1), now <= t0 < t1. */
int64_t profile_min(const struct profile *p, int64_t t0, int64_t t1);

/* Move the profile's start to now >= its start, dropping the past. */
void profile_advance(struct profile *p, int64_t now);

/* The profile's start (now). */
int64_t profile_now(const struct profile *p);

/* Free processors at the profile's start (now). */
int64_t profile_free_now(const struct profile *p);

/* Accepts NULL. */
void profile_free(struct profile *p);

#endif
