/*
 * when.c: sacct-style time arguments and time formatting for scarbon.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "when.h"

static time_t start_of_day(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* now[{+|-}N[unit]] */
static int parse_now(const char *s, time_t now, time_t *out)
{
	static const struct {
		const char *name;
		long mult;
	} units[] = {{"seconds", 1}, {"minutes", 60}, {"hours", 3600},
		{"days", 86400}, {"weeks", 7 * 86400}};
	const char *p = s + 3;
	long sign, n, mult = 1;
	char *end;
	size_t len;

	if (!*p) {
		*out = now;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno || n > 100L * 366 * 86400)
		return -1;
	len = strlen(end);
	if (len) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strncasecmp(end, units[i].name, len))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		mult = units[i].mult;
	}
	*out = now + sign * n * mult;
	return 0;
}

static int parse_date(const char *s, time_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, k;

	k = sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n);
	if (k != 3)
		return -1;
	if (s[n] == 'T') {
		int n2 = 0;

		if (sscanf(s + n + 1, "%2d:%2d%n", &h, &mi, &n2) != 2)
			return -1;
		n += 1 + n2;
		if (s[n] == ':') {
			int n3 = 0;

			if (sscanf(s + n + 1, "%2d%n", &sec, &n3) != 1)
				return -1;
			n += 1 + n3;
		}
	}
	if (s[n] || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
		mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	/* mktime normalises 2026-02-31: refuse what it had to move */
	return tm.tm_mday == d && tm.tm_mon == mo - 1 ? 0 : -1;
}

int when_parse(const char *s, time_t now, time_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	if (!strncasecmp(s, "now", 3))
		return parse_now(s, now, out);
	if (!strcasecmp(s, "today") || !strcasecmp(s, "midnight")) {
		*out = start_of_day(now);
		return 0;
	}
	if (strchr(s, '-'))
		return parse_date(s, out);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || !isdigit((unsigned char)*s))
		return -1;
	*out = (time_t)v;
	return 0;
}

void when_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t <= 0 || !localtime_r(&t, &tm) ||
		!strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, size, "Unknown");
}

void when_format_elapsed(int64_t secs, char *buf, size_t size)
{
	int64_t d, h, m, s;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	h = secs / 3600 % 24;
	m = secs / 60 % 60;
	s = secs % 60;
	if (d)
		snprintf(buf, size, "%" PRId64 "-%02" PRId64 ":%02" PRId64
				    ":%02" PRId64,
			d, h, m, s);
	else
		snprintf(buf, size, "%02" PRId64 ":%02" PRId64 ":%02" PRId64,
			h, m, s);
}
