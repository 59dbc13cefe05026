/*
 * intensity_load.c: readers for carbon-intensity files (simple CSV,
 * Electricity Maps CSV, UK carbon-intensity API JSON), plain or gzip.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <zlib.h>

#include "intensity_build.h"

/* Samples as read, with the line of each for error messages. */
struct samples {
	int64_t *t;
	double *v;
	size_t *line; /* line, or data[] index, of each sample */
	size_t n, cap;
	int json; /* locations are data[] indices, not lines */
	const char *name;
	struct sc_error *err;
};

/* A span of the input; not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

static const struct intensity_options default_options = {
	.column = INTENSITY_DIRECT,
};

static void samples_free(struct samples *sm)
{
	free(sm->t);
	free(sm->v);
	free(sm->line);
}

/* "NAME:LINE" or, for JSON, "NAME: data[I]". */
static const char *where_of(
	const struct samples *sm, size_t where, char *buf, size_t size)
{
	snprintf(buf, size, sm->json ? "%s: data[%zu]" : "%s:%zu", sm->name,
		where);
	return buf;
}

static void sample_where(const void *ctx, size_t i, char *buf, size_t size)
{
	const struct samples *sm = ctx;

	where_of(sm, sm->line[i], buf, size);
}

/* Append one sample read at line (or record) `where`; 0 or -1 with err. */
static int samples_add(struct samples *sm, int64_t t, double v, size_t where)
{
	char here[320], prev[320];

	if (!isfinite(v) || v < 0.0 || v > INTENSITY_VALUE_LIMIT) {
		errno = EINVAL;
		return sc_errprintf(sm->err,
			"%s: intensity %g is not in "
			"[0, %g]",
			where_of(sm, where, here, sizeof(here)), v,
			INTENSITY_VALUE_LIMIT);
	}
	if (sm->n > 0 && t <= sm->t[sm->n - 1]) {
		errno = EINVAL;
		where_of(sm, sm->line[sm->n - 1], prev, sizeof(prev));
		return sc_errprintf(sm->err,
			"%s: time %s that of %s; "
			"times must be strictly increasing",
			where_of(sm, where, here, sizeof(here)),
			t == sm->t[sm->n - 1] ? "repeats" : "is before", prev);
	}
	if (sm->n == sm->cap) {
		size_t cap = sm->cap ? 2 * sm->cap : 1024;
		int64_t *nt = realloc(sm->t, cap * sizeof(*nt));
		double *nv;
		size_t *nl;

		if (!nt)
			goto nomem;
		sm->t = nt;
		nv = realloc(sm->v, cap * sizeof(*nv));
		if (!nv)
			goto nomem;
		sm->v = nv;
		nl = realloc(sm->line, cap * sizeof(*nl));
		if (!nl)
			goto nomem;
		sm->line = nl;
		sm->cap = cap;
	}
	sm->t[sm->n] = t;
	sm->v[sm->n] = v;
	sm->line[sm->n++] = where;
	return 0;
nomem:
	errno = ENOMEM;
	return sc_errprintf(sm->err, "%s: out of memory", sm->name);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n digits at *p (bounded by end); -1 if not digits. */
static int digits(const char **p, const char *end, int n)
{
	int v = 0;

	if (end - *p < n)
		return -1;
	for (; n > 0; n--, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/*
 * Parse "YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM|+HHMM|+HH]" (UTC
 * when no zone is given; a fraction of a second is truncated) into unix
 * seconds. 0 or -1.
 */
static int parse_time(struct span f, int64_t *out)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = f.p, *end = f.p + f.len;
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0;

	if ((y = digits(&p, end, 4)) < 0 || expect(&p, end, '-') ||
		(mo = digits(&p, end, 2)) < 0 || expect(&p, end, '-') ||
		(d = digits(&p, end, 2)) < 0)
		return -1;
	if (p >= end || (*p != ' ' && *p != 'T' && *p != 't'))
		return -1;
	p++;
	if ((h = digits(&p, end, 2)) < 0 || expect(&p, end, ':') ||
		(mi = digits(&p, end, 2)) < 0)
		return -1;
	if (p < end && *p == ':') {
		p++;
		if ((sec = digits(&p, end, 2)) < 0)
			return -1;
		if (p < end && *p == '.') {
			for (p++; p < end && isdigit((unsigned char)*p); p++)
				;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, end, 2)) < 0)
			return -1;
		if (p < end && *p == ':')
			p++;
		if (p < end && (om = digits(&p, end, 2)) < 0)
			return -1;
		if (oh > 23 || om > 59)
			return -1;
	}
	if (p != end || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
		h > 23 || mi > 59 || sec > 59)
		return -1;
	if (mo == 2 && d == 29 &&
		!(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return 0;
}

static struct span trim(struct span f)
{
	while (f.len > 0 && (f.p[0] == ' ' || f.p[0] == '\t'))
		f.p++, f.len--;
	while (f.len > 0 && (f.p[f.len - 1] == ' ' || f.p[f.len - 1] == '\t' ||
				    f.p[f.len - 1] == '\r'))
		f.len--;
	return f;
}

/*
 * Split a CSV line into at most max fields (RFC 4180 quotes, no newline
 * inside quotes); returns the number of fields, or -1 on an unterminated or
 * misplaced quote. Fields beyond max are counted but not stored.
 */
static int split_csv(struct span line, struct span *fields, int max)
{
	const char *p = line.p, *end = line.p + line.len;
	int n = 0;

	for (;;) {
		struct span f;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '"') {
			f.p = ++p;
			for (;;) {
				if (p >= end)
					return -1;
				if (*p == '"' && p + 1 < end && p[1] == '"')
					p += 2;
				else if (*p == '"')
					break;
				else
					p++;
			}
			f.len = (size_t)(p++ - f.p);
			while (p < end &&
				(*p == ' ' || *p == '\t' || *p == '\r'))
				p++;
			if (p < end && *p != ',')
				return -1;
		} else {
			f.p = p;
			while (p < end && *p != ',')
				p++;
			f.len = (size_t)(p - f.p);
			f = trim(f);
		}
		if (n < max)
			fields[n] = f;
		if (n == INT_MAX)
			return -1;
		n++;
		if (p >= end)
			return n;
		p++; /* the comma */
	}
}

/* Case-insensitive equality of a span and a string. */
static int span_is(struct span f, const char *s)
{
	size_t len = strlen(s);

	return f.len == len && strncasecmp(f.p, s, len) == 0;
}

static int span_has_prefix(struct span f, const char *s)
{
	size_t len = strlen(s);

	return f.len >= len && strncasecmp(f.p, s, len) == 0;
}

static int span_has_suffix(struct span f, const char *s)
{
	size_t len = strlen(s);

	return f.len >= len && strncasecmp(f.p + f.len - len, s, len) == 0;
}

/* strtod over a span: the whole field must be a number. 0 or -1. */
static int parse_double(struct span f, double *out)
{
	char buf[64], *endp;

	if (f.len == 0 || f.len >= sizeof(buf))
		return -1;
	memcpy(buf, f.p, f.len);
	buf[f.len] = '\0';
	if (memchr(buf, '\0', f.len) ||
		!(isdigit((unsigned char)buf[0]) || buf[0] == '-' ||
			buf[0] == '+' || buf[0] == '.'))
		return -1;
	errno = 0;
	*out = strtod(buf, &endp);
	if (*endp != '\0' || errno == ERANGE)
		return -1;
	return 0;
}

/* A field for an error message: at most 40 bytes, unprintables as '?'. */
static const char *printable(struct span f, char *buf, size_t size)
{
	size_t i, n = f.len < 40 ? f.len : 40;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)f.p[i]) ? f.p[i] : '?';
	buf[n] = '\0';
	return buf;
}

/* Next line of buf at *pos (without its newline); 0 at end of input. */
static int next_line(
	const char *buf, size_t len, size_t *pos, struct span *line)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	line->p = buf + *pos;
	nl = memchr(line->p, '\n', len - *pos);
	line->len = nl ? (size_t)(nl - line->p) : len - *pos;
	*pos += line->len + (nl != NULL);
	return 1;
}

#define CSV_MAX_FIELDS 64

/*
 * Columns of a header: the time column and the intensity column. 0 or -1
 * with err.
 */
static int csv_header(struct samples *sm, struct span line, size_t lineno,
	const struct intensity_options *opts, int *tcol, int *vcol)
{
	struct span f[CSV_MAX_FIELDS];
	int n = split_csv(line, f, CSV_MAX_FIELDS);
	int i, direct = -1, lca = -1, simple = -1;

	*tcol = -1;
	for (i = 0; i < n && i < CSV_MAX_FIELDS; i++) {
		if (*tcol < 0 &&
			(span_is(f[i], "Time") || span_is(f[i], "Datetime") ||
				span_is(f[i], "Datetime (UTC)")))
			*tcol = i;
		else if (span_is(f[i], "Carbon Intensity"))
			simple = i;
		else if (span_has_prefix(f[i], "Carbon Intensity") &&
			 span_has_suffix(f[i], "(direct)"))
			direct = i;
		else if (span_has_prefix(f[i], "Carbon Intensity") &&
			 (span_has_suffix(f[i], "(LCA)") ||
				 span_has_suffix(f[i], "(Life cycle)")))
			lca = i;
	}
	if (*tcol < 0 || (simple < 0 && direct < 0 && lca < 0)) {
		errno = EINVAL;
		return sc_errprintf(sm->err,
			"%s:%zu: unknown header: "
			"expected \"Time,Carbon Intensity\", an Electricity "
			"Maps export or UK carbon-intensity API JSON",
			sm->name, lineno);
	}
	if (simple >= 0 && opts->column != INTENSITY_LCA)
		*vcol = simple;
	else
		*vcol = opts->column == INTENSITY_LCA ? lca : direct;
	if (*vcol < 0) {
		errno = EINVAL;
		return sc_errprintf(sm->err,
			"%s:%zu: no \"Carbon Intensity "
			"... (%s)\" column",
			sm->name, lineno,
			opts->column == INTENSITY_LCA ? "LCA" : "direct");
	}
	return 0;
}

static int is_blank(struct span line)
{
	return trim(line).len == 0;
}

/* CSV: a header, then one sample a line; blank lines are skipped. */
static int parse_csv(struct samples *sm, const char *buf, size_t len,
	const struct intensity_options *opts)
{
	struct span line, f[CSV_MAX_FIELDS];
	size_t pos = 0, lineno = 0;
	char text[48];
	int tcol = -1, vcol = -1, need, n;

	while (next_line(buf, len, &pos, &line)) {
		int64_t t;
		double v;

		lineno++;
		if (is_blank(line))
			continue;
		if (tcol < 0) {
			if (csv_header(sm, line, lineno, opts, &tcol, &vcol))
				return -1;
			continue;
		}
		need = (tcol > vcol ? tcol : vcol) + 1;
		n = split_csv(line, f, CSV_MAX_FIELDS);
		if (n < 0) {
			errno = EINVAL;
			return sc_errprintf(sm->err,
				"%s:%zu: unterminated "
				"or misplaced quote",
				sm->name, lineno);
		}
		if (n < need) {
			errno = EINVAL;
			return sc_errprintf(sm->err,
				"%s:%zu: %d fields, "
				"expected at least %d",
				sm->name, lineno, n, need);
		}
		if (parse_time(f[tcol], &t)) {
			errno = EINVAL;
			return sc_errprintf(sm->err,
				"%s:%zu: bad time \"%s\"", sm->name, lineno,
				printable(f[tcol], text, sizeof(text)));
		}
		if (f[vcol].len == 0)
			continue; /* missing value: becomes a gap */
		if (parse_double(f[vcol], &v)) {
			errno = EINVAL;
			return sc_errprintf(sm->err,
				"%s:%zu: bad intensity \"%s\"", sm->name,
				lineno, printable(f[vcol], text, sizeof(text)));
		}
		if (samples_add(sm, t, v, lineno))
			return -1;
	}
	if (tcol < 0) {
		errno = EINVAL;
		return sc_errprintf(sm->err, "%s: empty file", sm->name);
	}
	return 0;
}

static int json_time(json_t *rec, const char *key, int64_t *t)
{
	const char *s = json_string_value(json_object_get(rec, key));
	struct span f;

	if (!s)
		return -1;
	f.p = s;
	f.len = strlen(s);
	return parse_time(f, t);
}

/* The value of a record: actual when present, else forecast; 0, 1 (none). */
static int json_value(json_t *rec, double *v)
{
	json_t *in = json_object_get(rec, "intensity");
	json_t *a = json_object_get(in, "actual");
	json_t *f = json_object_get(in, "forecast");

	if (json_is_number(a))
		*v = json_number_value(a);
	else if (json_is_number(f))
		*v = json_number_value(f);
	else
		return 1;
	return 0;
}

/* UK carbon-intensity API: {"data": [{"from", "to", "intensity"}]}. */
static int parse_json(
	struct samples *sm, const char *buf, size_t len, int64_t *end)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	json_t *data, *rec;
	size_t i;

	sm->json = 1;
	if (!root) {
		errno = EINVAL;
		return sc_errprintf(
			sm->err, "%s:%d: %s", sm->name, jerr.line, jerr.text);
	}
	data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		sc_errprintf(sm->err, "%s: no \"data\" array", sm->name);
		goto error;
	}
	json_array_foreach(data, i, rec)
	{
		int64_t from, to;
		double v;

		if (json_time(rec, "from", &from) ||
			json_time(rec, "to", &to) || to <= from) {
			sc_errprintf(sm->err,
				"%s: data[%zu]: bad or missing "
				"\"from\"/\"to\"",
				sm->name, i);
			goto error;
		}
		if (json_value(rec, &v))
			continue; /* neither actual nor forecast: a gap */
		if (samples_add(sm, from, v, i))
			goto error;
		*end = to;
	}
	json_decref(root);
	return 0;
error:
	json_decref(root);
	errno = EINVAL;
	return -1;
}

struct intensity_series *intensity_series_parse(const char *name,
	const char *buf, size_t len, const struct intensity_options *opts,
	struct sc_error *err)
{
	struct samples sm = {.name = name ? name : "(buffer)", .err = err};
	struct intensity_series *s = NULL;
	int64_t end = INT64_MIN;
	size_t bom = 0, skip;
	int rc;

	if (err)
		err->text[0] = '\0';
	if (!opts)
		opts = &default_options;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		bom = 3; /* UTF-8 byte order mark */
	for (skip = bom; skip < len && isspace((unsigned char)buf[skip]);)
		skip++;
	if (skip < len && buf[skip] == '{' && opts->column == INTENSITY_LCA) {
		sc_errprintf(err,
			"%s: LCA intensity requested; this "
			"format has only one",
			sm.name);
		errno = EINVAL;
		rc = -1;
	} else if (skip < len && buf[skip] == '{') {
		rc = parse_json(&sm, buf + bom, len - bom, &end);
	} else {
		rc = parse_csv(&sm, buf + bom, len - bom, opts);
	}
	if (rc == 0 && sm.n == 0) {
		sc_errprintf(err, "%s: no samples", sm.name);
		errno = EINVAL;
		rc = -1;
	}
	if (rc == 0)
		s = intensity_series_build(
			sm.t, sm.v, sm.n, end, sm.name, sample_where, &sm, err);
	samples_free(&sm);
	return s;
}

/* The whole file, decompressed when gzip; NULL with err. */
static char *read_all(
	const char *path, size_t *len, struct sc_error *err)
{
	gzFile gz = gzopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0;
	int got, e;

	*len = 0;
	if (!gz) {
		e = errno ? errno : ENOMEM;
		sc_errprintf(err, "%s: cannot open: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				sc_errprintf(
					err, "%s: out of memory", path);
				errno = ENOMEM;
				goto error;
			}
			buf = nb;
		}
		got = gzread(gz, buf + *len, 65536);
		if (got < 0) {
			const char *msg = gzerror(gz, &e);

			if (e == Z_ERRNO) {
				e = errno;
				msg = strerror(e);
			} else {
				e = EINVAL;
			}
			sc_errprintf(err, "%s: cannot read: %s", path, msg);
			errno = e;
			goto error;
		}
		if (got == 0)
			break;
		*len += (size_t)got;
	}
	if (gzclose(gz) == Z_BUF_ERROR) {
		/* The input ended inside a gzip stream. */
		sc_errprintf(err, "%s: truncated gzip data", path);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
error:
	e = errno;
	gzclose(gz);
	free(buf);
	errno = e;
	return NULL;
}

static struct intensity_series *load(const char *path,
	const struct intensity_options *opts, struct sc_error *err)
{
	struct intensity_series *s;
	size_t len;
	char *buf;
	int e;

	buf = read_all(path, &len, err);
	if (!buf)
		return NULL;
	s = intensity_series_parse(path, buf, len, opts, err);
	e = errno;
	free(buf);
	errno = e;
	return s;
}

struct intensity_series *intensity_series_load_opts(const char *path,
	const struct intensity_options *opts, struct sc_error *err)
{
	if (err)
		err->text[0] = '\0';
	return load(path, opts, err);
}

struct intensity_series *intensity_series_load(
	const char *path, struct sc_error *err)
{
	struct intensity_options opts = default_options;
	const char *hash = strrchr(path, '#');
	struct intensity_series *s;
	char *copy;
	int e;

	if (err)
		err->text[0] = '\0';
	if (!hash || (strcasecmp(hash, "#lca") && strcasecmp(hash, "#direct")))
		return load(path, &opts, err);
	if (strcasecmp(hash, "#lca") == 0)
		opts.column = INTENSITY_LCA;
	copy = strndup(path, (size_t)(hash - path));
	if (!copy) {
		sc_errprintf(err, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	s = load(copy, &opts, err);
	e = errno;
	free(copy);
	errno = e;
	return s;
}
