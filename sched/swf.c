/*
 * swf.c: Standard Workload Format (v2.2) reader: header lines, 18 fields
 * per job, the documented filtering and fall-backs; plain or gzip input.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "swf.h"

#define SWF_FIELDS 18
#define SWF_LINE_MAX 1024
#define SWF_TOKEN_MAX 64
/* Larger magnitudes are not times or counts: refuse them (2^53). */
#define SWF_VALUE_MAX 9007199254740992.0

/* SWF field numbers (1-based, as in the standard). */
enum {
	F_ID = 1,
	F_SUBMIT = 2,
	F_RUNTIME = 4,
	F_ALLOC_PROCS = 5,
	F_REQ_PROCS = 8,
	F_REQ_TIME = 9,
	F_USER = 12,
};

struct parser {
	const char *name;
	const struct swf_options *opt;
	struct workload *w;
	struct swf_error *err;
	size_t cap;
	long line;
};

static void swf_errorf(struct swf_error *err, const char *name, long line,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void swf_errorf(struct swf_error *err, const char *name, long line,
	const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || err->text[0])
		return;
	if (line > 0)
		n = snprintf(
			err->text, sizeof(err->text), "%s:%ld: ", name, line);
	else
		n = snprintf(err->text, sizeof(err->text), "%s: ", name);
	if (n < 0 || (size_t)n >= sizeof(err->text))
		return;
	va_start(ap, fmt);
	vsnprintf(err->text + n, sizeof(err->text) - (size_t)n, fmt, ap);
	va_end(ap);
	err->line = line;
}

static void workload_init(struct workload *w)
{
	memset(w, 0, sizeof(*w));
	w->header.max_procs = -1;
	w->header.max_nodes = -1;
	w->header.unix_start_time = -1;
}

/* Arrival order is (submit, trace index); a stable merge sort of indices. */
static int arrival_cmp(const struct swf_job *jobs, uint32_t a, uint32_t b)
{
	if (jobs[a].submit != jobs[b].submit)
		return jobs[a].submit < jobs[b].submit ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void sort_arrivals(uint32_t *a, uint32_t *tmp, size_t n,
	const struct swf_job *jobs)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_arrivals(a, tmp, mid, jobs);
	sort_arrivals(a + mid, tmp, n - mid, jobs);
	if (arrival_cmp(jobs, a[mid - 1], a[mid]) <= 0)
		return;
	while (i < mid && j < n)
		tmp[k++] = arrival_cmp(jobs, a[j], a[i]) < 0 ? a[j++] : a[i++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

int workload_arrival_order(const struct workload *w, uint32_t *order)
{
	uint32_t *tmp;
	size_t i;

	if (w->njobs > UINT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (!(tmp = malloc((w->njobs ? w->njobs : 1) * sizeof(*tmp))))
		return -1;
	for (i = 0; i < w->njobs; i++)
		order[i] = (uint32_t)i;
	sort_arrivals(order, tmp, w->njobs, w->jobs);
	free(tmp);
	return 0;
}

void workload_free(struct workload *w)
{
	if (!w)
		return;
	free(w->jobs);
	workload_init(w);
}

/* Skip blanks (space, tab, CR) in [p, end). */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* "; Key: value" header line: record the keys the loader uses. */
static void parse_header(struct parser *ps, const char *p, const char *end)
{
	static const struct {
		const char *key;
		int which;
	} keys[] = {
		{"MaxProcs", 0},
		{"MaxNodes", 1},
		{"UnixStartTime", 2},
		{"TimeZoneString", 3},
	};
	struct swf_header *h = &ps->w->header;
	char val[SWF_TOKEN_MAX];
	size_t i, vlen;
	long long v;
	char *e;

	p = skip_blanks(p + 1, end);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t klen = strlen(keys[i].key);

		if ((size_t)(end - p) <= klen ||
			strncasecmp(p, keys[i].key, klen) != 0 ||
			p[klen] != ':')
			continue;
		p = skip_blanks(p + klen + 1, end);
		vlen = 0;
		while (p + vlen < end && !isspace((unsigned char)p[vlen]) &&
			p[vlen] != '\0' && vlen < sizeof(val) - 1)
			vlen++;
		memcpy(val, p, vlen);
		val[vlen] = '\0';
		if (keys[i].which == 3) {
			snprintf(h->time_zone_string,
				sizeof(h->time_zone_string), "%s", val);
			return;
		}
		errno = 0;
		v = strtoll(val, &e, 10);
		if (errno || e == val || *e != '\0' || v < 0)
			return; /* a header we cannot read is ignored */
		if (keys[i].which == 0)
			h->max_procs = v > INT32_MAX ? INT32_MAX : (long)v;
		else if (keys[i].which == 1)
			h->max_nodes = v > INT32_MAX ? INT32_MAX : (long)v;
		else
			h->unix_start_time = v;
		return;
	}
}

/* Split a data line into SWF_FIELDS numbers; -1 with err set if malformed. */
static int parse_fields(
	struct parser *ps, const char *p, const char *end, double *f)
{
	char tok[SWF_TOKEN_MAX];
	int n = 0;
	char *e;

	for (;;) {
		size_t len = 0;

		p = skip_blanks(p, end);
		if (p >= end)
			break;
		while (p + len < end && p[len] != ' ' && p[len] != '\t' &&
			p[len] != '\r')
			len++;
		if (n == SWF_FIELDS) {
			swf_errorf(ps->err, ps->name, ps->line,
				"more than %d fields", SWF_FIELDS);
			return -1;
		}
		if (len >= sizeof(tok)) {
			swf_errorf(ps->err, ps->name, ps->line,
				"field %d is too long", n + 1);
			return -1;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		errno = 0;
		f[n] = strtod(tok, &e);
		if (e != tok + len || len == 0 || !isfinite(f[n]) ||
			fabs(f[n]) > SWF_VALUE_MAX) {
			swf_errorf(ps->err, ps->name, ps->line,
				"field %d is not a number: '%s'", n + 1, tok);
			return -1;
		}
		n++;
		p += len;
	}
	if (n != SWF_FIELDS) {
		swf_errorf(ps->err, ps->name, ps->line, "%d fields, SWF has %d",
			n, SWF_FIELDS);
		return -1;
	}
	return 0;
}

static int64_t field_int(const double *f, int field)
{
	return (int64_t)llround(f[field - 1]);
}

/* One data line: 0 (job added or filtered out), 1 malformed, -1 error. */
static int parse_job(struct parser *ps, const char *p, const char *end)
{
	const struct swf_options *opt = ps->opt;
	struct workload *w = ps->w;
	double f[SWF_FIELDS];
	struct swf_job *job, *grown;
	int64_t procs, user;

	if (end - p >= SWF_LINE_MAX) {
		swf_errorf(ps->err, ps->name, ps->line,
			"line longer than %d bytes", SWF_LINE_MAX - 1);
		return 1;
	}
	if (parse_fields(ps, p, end, f) < 0)
		return 1;
	procs = field_int(f, F_REQ_PROCS);
	if (procs <= 0)
		procs = field_int(f, F_ALLOC_PROCS);
	if (field_int(f, F_RUNTIME) <= 0 || procs <= 0 ||
		field_int(f, F_SUBMIT) < 0) {
		w->dropped++;
		return 0;
	}
	if (w->njobs == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;

		grown = realloc(w->jobs, cap * sizeof(*grown));
		if (!grown) {
			swf_errorf(
				ps->err, ps->name, ps->line, "out of memory");
			return -1;
		}
		w->jobs = grown;
		ps->cap = cap;
	}
	job = &w->jobs[w->njobs++];
	job->id = field_int(f, F_ID);
	job->submit = field_int(f, F_SUBMIT);
	job->runtime = field_int(f, F_RUNTIME);
	job->estimate = job->runtime;
	if (opt->runtime_mode == SWF_RUNTIME_REQUESTED) {
		int64_t req_time = field_int(f, F_REQ_TIME);

		if (req_time > job->runtime)
			job->estimate = req_time;
	}
	job->procs = procs > INT32_MAX ? INT32_MAX : (int32_t)procs;
	user = field_int(f, F_USER);
	job->user = user >= 0 && user <= INT32_MAX ? (int32_t)user : -1;
	return 0;
}

int swf_parse_buffer(const char *name, const char *buf, size_t len,
	const struct swf_options *opt, struct workload *w,
	struct swf_error *err)
{
	static const struct swf_options defaults = {0};
	struct parser ps = {.name = name ? name : "(buffer)",
		.opt = opt ? opt : &defaults,
		.w = w,
		.err = err};
	const char *p = buf, *end = buf + len, *eol, *q;
	struct swf_error scratch;
	int32_t machine;
	size_t i;
	int rc;

	workload_init(w);
	if (err) {
		err->text[0] = '\0';
		err->line = 0;
	}
	if (!buf && len)
		goto bad_args;
	while (p < end) {
		ps.line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		q = skip_blanks(p, eol);
		if (q < eol && *q == ';') {
			parse_header(&ps, q, eol);
		} else if (q < eol) {
			/* In lenient mode, errors of skipped lines go to
			 * scratch: the caller's err keeps only fatal ones. */
			if (ps.opt->lenient) {
				scratch.text[0] = '\0';
				ps.err = &scratch;
			}
			rc = parse_job(&ps, q, eol);
			ps.err = err;
			if (rc < 0 && ps.opt->lenient && err)
				*err = scratch;
			if (rc < 0)
				goto error;
			if (rc > 0) {
				if (!ps.opt->lenient)
					goto error;
				w->malformed++;
			}
		}
		p = eol + 1;
	}

	if (ps.opt->procs > 0)
		machine = ps.opt->procs;
	else if (w->header.max_procs > 0)
		machine = (int32_t)w->header.max_procs;
	else if (w->header.max_nodes > 0)
		machine = (int32_t)w->header.max_nodes;
	else {
		swf_errorf(err, ps.name, 0,
			"no machine size: the header has neither MaxProcs nor "
			"MaxNodes; give the number of processors");
		goto error;
	}
	w->machine_procs = machine;
	for (i = 0; i < w->njobs; i++) {
		if (w->jobs[i].procs > machine) {
			w->jobs[i].procs = machine;
			w->capped++;
		}
	}
	return 0;

bad_args:
	swf_errorf(err, ps.name, 0, "no buffer");
error:
	workload_free(w);
	return -1;
}

/* Read the whole (possibly gzip-compressed) file; NULL with err set. */
static char *read_all(const char *path, size_t *len, struct swf_error *err)
{
	char *buf = NULL, *grown;
	size_t cap = 0, n = 0;
	int got, errnum;
	gzFile gz;

	gz = gzopen(path, "rb");
	if (!gz) {
		swf_errorf(err, path, 0, "cannot open: %s",
			strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			grown = realloc(buf, cap);
			if (!grown) {
				swf_errorf(err, path, 0, "out of memory");
				goto error;
			}
			buf = grown;
		}
		got = gzread(gz, buf + n, 65536);
		if (got < 0) {
			swf_errorf(err, path, 0, "cannot read: %s",
				gzerror(gz, &errnum));
			goto error;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	gzclose(gz);
	*len = n;
	return buf;

error:
	gzclose(gz);
	free(buf);
	return NULL;
}

int swf_load(const char *path, const struct swf_options *opt,
	struct workload *w, struct swf_error *err)
{
	size_t len = 0;
	char *buf;
	int rc;

	workload_init(w);
	if (err) {
		err->text[0] = '\0';
		err->line = 0;
	}
	errno = 0;
	buf = read_all(path, &len, err);
	if (!buf)
		return -1;
	rc = swf_parse_buffer(path, buf, len, opt, w, err);
	free(buf);
	return rc;
}
