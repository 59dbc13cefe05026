/*
 * when.h: the times scarbon accepts for -S/-E, as sacct does: dates with
 * optional times (local time), "now" with an offset, "today", "midnight".
 */
#ifndef SCARBON_WHEN_H
#define SCARBON_WHEN_H

#include <stdint.h>
#include <time.h>

/*
 * Parse s relative to now: YYYY-MM-DD[THH:MM[:SS]] (local time),
 * now[{+|-}N[seconds|minutes|hours|days|weeks]] (any unambiguous prefix
 * of the unit; seconds by default), today or midnight (00:00 today), or a
 * plain number of seconds since the epoch. 0 and *out set, or -1.
 */
int when_parse(const char *s, time_t now, time_t *out);

/* "YYYY-MM-DDTHH:MM:SS" in local time, as sacct prints; "Unknown" for 0. */
void when_format(time_t t, char *buf, size_t size);

/* Elapsed seconds as sacct prints them: [D-]HH:MM:SS. */
void when_format_elapsed(int64_t secs, char *buf, size_t size);

#endif
