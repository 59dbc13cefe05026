/*
 * stamp.c: format, find and merge scarbon's AdminComment segment, keeping
 * every other tool's text in the comment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"

int stamp_format(const struct job_carbon *jc, char *buf, size_t size)
{
	int n;

	if (!isfinite(jc->total_g) || !isfinite(jc->energy_j))
		return -1;
	n = snprintf(buf, size,
		STAMP_OPEN "co2e_g=%.3f co2e_op_g=%.3f co2e_emb_g=%.3f "
			   "energy_j=%.0f energy_source=%s pue=%.3g "
			   "intensity_g_kwh=%.1f region=%s v=%d]",
		jc->total_g, jc->operational_g, jc->embodied_g, jc->energy_j,
		energy_source_name(jc->source), jc->pue,
		isfinite(jc->intensity) ? jc->intensity : 0.0,
		jc->region ? jc->region : "none", STAMP_VERSION);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

const char *stamp_find(const char *comment, size_t *len)
{
	const char *s;

	/*
	 * Our segment holds no '[': an opening without its ']' before the
	 * next '[' is someone else's text, not the start of ours.
	 */
	for (s = comment; s && (s = strstr(s, STAMP_OPEN)); s++) {
		const char *e = strpbrk(s + 1, "[]");

		if (e && *e == ']') {
			*len = (size_t)(e - s) + 1;
			return s;
		}
	}
	return NULL;
}

char *stamp_merge(const char *comment, const char *segment)
{
	size_t len = 0, clen = comment ? strlen(comment) : 0;
	const char *at = stamp_find(comment, &len);
	size_t slen = strlen(segment);
	char *out = malloc(clen + slen + 2);

	if (!out)
		return NULL;
	if (at) {
		size_t before = (size_t)(at - comment);

		memcpy(out, comment, before);
		memcpy(out + before, segment, slen);
		strcpy(out + before + slen, at + len);
	} else if (clen) {
		memcpy(out, comment, clen);
		out[clen] = ' ';
		strcpy(out + clen + 1, segment);
	} else {
		strcpy(out, segment);
	}
	return out;
}

int stamp_co2e(const char *comment, double *grams)
{
	size_t len;
	const char *s = stamp_find(comment, &len), *v;
	char *end;

	if (!s || !(v = strstr(s, " co2e_g=")) || v >= s + len)
		return -1;
	*grams = strtod(v + 8, &end);
	return end > v + 8 ? 0 : -1;
}
