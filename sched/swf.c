/*
 * swf.c: Standard Workload Format (v2.2) reader: header lines, 18 fields
 * per job, the documented filtering and fall-backs; plain or gzip input.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>

#include "array.h"
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
	struct sc_error *err;
	size_t cap;
	long line;
	const char *buf_end; /* the whole text's end: 16-byte loads stop */
};

/* "NAME:LINE: problem" (or "NAME: problem" for line 0) into err. */
static void swf_errorf(struct sc_error *err, const char *name, long line,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void swf_errorf(struct sc_error *err, const char *name, long line,
	const char *fmt, ...)
{
	char what[sizeof(err->text)];
	va_list ap;

	if (sc_error_is_set(err))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line > 0)
		sc_errprintf(err, "%s:%ld: %s", name, line, what);
	else
		sc_errprintf(err, "%s: %s", name, what);
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

/* Space, tab and CR separate fields; a newline ends the line. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Skip blanks in [p, end). */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
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

/*
 * Read the field at *pp as llround(strtod(field)) would, for the plain
 * forms that make up nearly every trace: an optional sign, digits, an
 * optional '.' and more digits, 15 significant digits at most (leading
 * zeros included). Such a field is m / 10^k with m < 10^15: strtod's double
 * is within half an ulp of it, much closer than the distance 10^-k to any
 * n + 0.5, so rounding the exact value half away from zero, as llround
 * does, gives the same integer. Returns 1 with *v set and *pp at the end of
 * the field, or 0 when the field needs strtod (exponents, hexadecimal, inf,
 * more digits, anything malformed), *pp then somewhere inside it.
 */
static int field_plain(const char **pp, const char *end, int64_t *v)
{
	static const uint64_t pow10[16] = {1, 10, 100, 1000, 10000, 100000,
		1000000, 10000000, 100000000, 1000000000, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL};
	const char *p = *pp, *first;
	uint64_t m = 0, q;
	size_t digits, frac = 0;
	unsigned d;
	bool neg = false;

	if (*p == '-')
		neg = *p++ == '-';
	else if (*p == '+')
		p++;
	first = p;
	while (p < end && (d = (unsigned char)*p - 48u) < 10) {
		m = m * 10 + d;
		p++;
	}
	digits = (size_t)(p - first);
	if (p < end && *p == '.') {
		const char *f = ++p;

		while (p < end && (d = (unsigned char)*p - 48u) < 10) {
			m = m * 10 + d;
			p++;
		}
		frac = (size_t)(p - f);
		digits += frac;
	}
	*pp = p;
	if (digits == 0 || digits > 15 || (p < end && !is_blank(*p)))
		return 0;
	q = m;
	if (frac) { /* no division for whole numbers */
		q = m / pow10[frac];
		if (2 * (m % pow10[frac]) >= pow10[frac])
			q++;
	}
	*v = neg ? -(int64_t)q : (int64_t)q;
	return 1;
}

/* The word-at-a-time parser reads memory as little-endian words. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWF_LITTLE_ENDIAN 1
#else
#define SWF_LITTLE_ENDIAN 0
#endif

/*
 * Eight characters at once (bytes in memory order): the lowest non-digit
 * byte is flagged with its high bit (later bytes may be wrong: carries and
 * borrows only move upwards, from a flagged byte).
 */
static uint64_t non_digits(uint64_t x)
{
	return ((x + 0x4646464646464646ULL) | (x - 0x3030303030303030ULL) | x) &
	       0x8080808080808080ULL;
}

/* The value of the 8 digit characters in x, first in the lowest byte. */
static uint64_t eight_digits(uint64_t x)
{
	x -= 0x3030303030303030ULL;
	x = x * 10 + (x >> 8);
	return (((x & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
		       (((x >> 16) & 0x000000ff000000ffULL) *
			       (1 + (10000ULL << 32)))) >>
	       32;
}

/* The first len (1..8) characters of x as digits: their value. */
static uint64_t some_digits(uint64_t x, unsigned len)
{
	if (len < 8) /* '0's before them make eight */
		x = (x << (8 * (8 - len))) |
		    (0x3030303030303030ULL >> (8 * len));
	return eight_digits(x);
}

/*
 * field_plain for a whole number ([+-]digits), 16 bytes at a time: 1 with
 * *v and *pp set, 0 to leave it to field_plain (always, on a big-endian
 * machine). Needs 17 readable bytes.
 */
static int field_words(const char **pp, int64_t *v)
{
	const char *p = *pp;
	uint64_t x, mx, m;
	unsigned len;
	bool neg = false;

	if (!SWF_LITTLE_ENDIAN)
		return 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	memcpy(&x, p, 8);
	mx = non_digits(x);
	if (mx) {
		len = (unsigned)__builtin_ctzll(mx) / 8;
		if (len == 0)
			return 0;
		m = some_digits(x, len);
	} else {
		uint64_t y, my;
		unsigned len2;

		memcpy(&y, p + 8, 8);
		my = non_digits(y);
		len2 = my ? (unsigned)__builtin_ctzll(my) / 8 : 8;
		if (len2 > 7) /* 16 digits or more: field_plain refuses */
			return 0;
		len = 8 + len2;
		m = eight_digits(x);
		if (len2) {
			static const uint64_t pow10[8] = {
				1, 10, 100, 1000, 10000, 100000, 1000000,
				10000000};

			m = m * pow10[len2] + some_digits(y, len2);
		}
	}
	p += len;
	if (!is_blank(*p) && *p != '\n')
		return 0; /* '.', an exponent, junk: the careful way */
	*pp = p;
	*v = neg ? -(int64_t)m : (int64_t)m;
	return 1;
}

/*
 * The commonest fields of all, -1 (unknown) and a single digit, without
 * the general parsers: 1 with *v and *pp set, else 0. p < end.
 */
static int field_short(const char **pp, const char *end, int64_t *v)
{
	const char *p = *pp;
	unsigned d = (unsigned char)p[0] - 48u;

	if (d < 10 && (end - p == 1 || is_blank(p[1]))) {
		*v = d;
		*pp = p + 1;
		return 1;
	}
	if (p[0] == '-' && end - p >= 2 && p[1] == '1' &&
		(end - p == 2 || is_blank(p[2]))) {
		*v = -1;
		*pp = p + 2;
		return 1;
	}
	return 0;
}

/*
 * The field at *pp the careful way, through strtod: *pp moves to its end.
 * 0 with *v set, or -1 with err set.
 */
static int field_strtod(struct parser *ps, const char **pp, const char *end,
	const char *start, int n, int64_t *v)
{
	char tok[SWF_TOKEN_MAX];
	const char *p = *pp;
	size_t len;
	double d;
	char *e;

	while (p < end && !is_blank(*p))
		p++;
	*pp = p;
	len = (size_t)(p - start);
	if (len >= sizeof(tok)) {
		swf_errorf(ps->err, ps->name, ps->line, "field %d is too long",
			n + 1);
		return -1;
	}
	memcpy(tok, start, len);
	tok[len] = '\0';
	d = strtod(tok, &e);
	if (e != tok + len || !isfinite(d) || fabs(d) > SWF_VALUE_MAX) {
		swf_errorf(ps->err, ps->name, ps->line,
			"field %d is not a number: '%s'", n + 1, tok);
		return -1;
	}
	*v = (int64_t)llround(d);
	return 0;
}

/*
 * Split a data line into SWF_FIELDS numbers, each rounded to the nearest
 * integer (halves away from zero); -1 with err set if malformed. The plain
 * parsers stop at the field's end (a blank or the line's), and no field
 * they take is too long.
 */
static int parse_fields(
	struct parser *ps, const char *p, const char *end, int64_t *f)
{
	int n = 0;
	int64_t v = 0;

	for (;;) {
		const char *start;

		p = skip_blanks(p, end);
		if (p >= end)
			break;
		if (n == SWF_FIELDS) {
			swf_errorf(ps->err, ps->name, ps->line,
				"more than %d fields", SWF_FIELDS);
			return -1;
		}
		start = p;
		if (!field_short(&p, end, &v) &&
			!(ps->buf_end - p >= 17 && field_words(&p, &v)) &&
			!field_plain(&p, end, &v) &&
			field_strtod(ps, &p, end, start, n, &v) < 0)
			return -1;
		f[n++] = v;
	}
	if (n != SWF_FIELDS) {
		swf_errorf(ps->err, ps->name, ps->line, "%d fields, SWF has %d",
			n, SWF_FIELDS);
		return -1;
	}
	return 0;
}

static int64_t field_int(const int64_t *f, int field)
{
	return f[field - 1];
}

/* One data line: 0 (job added or filtered out), 1 malformed, -1 error. */
static int parse_job(struct parser *ps, const char *p, const char *end)
{
	const struct swf_options *opt = ps->opt;
	struct workload *w = ps->w;
	int64_t f[SWF_FIELDS];
	struct swf_job *job;
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
	if (!array_grow((void **)&w->jobs, &ps->cap, w->njobs,
		    sizeof(*w->jobs))) {
		swf_errorf(ps->err, ps->name, ps->line, "out of memory");
		return -1;
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
	struct sc_error *err)
{
	static const struct swf_options defaults = {0};
	struct parser ps = {.name = name ? name : "(buffer)",
		.opt = opt ? opt : &defaults,
		.w = w,
		.err = err,
		.buf_end = buf + len};
	const char *p = buf, *end = buf + len, *eol, *q;
	struct sc_error scratch;
	int32_t machine;
	size_t i;
	int rc;

	workload_init(w);
	sc_error_clear(err);
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
static char *read_all(const char *path, size_t *len, struct sc_error *err)
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

/*
 * A plain regular file, mapped rather than copied: returns the mapping
 * (*len bytes, release with munmap), or NULL when the file is compressed,
 * empty, not a regular file or cannot be mapped (read_all then reads it,
 * and reports any error).
 */
static char *map_plain(const char *path, size_t *len)
{
	unsigned char magic[2];
	struct stat st;
	void *map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 2 &&
		(uint64_t)st.st_size < SIZE_MAX &&
		pread(fd, magic, 2, 0) == 2 &&
		!(magic[0] == 0x1f && magic[1] == 0x8b)) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ,
			MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (map == MAP_FAILED)
			map = NULL;
		else
			*len = (size_t)st.st_size;
	}
	close(fd);
	return map;
}

int swf_load(const char *path, const struct swf_options *opt,
	struct workload *w, struct sc_error *err)
{
	size_t len = 0;
	char *buf;
	int rc;

	workload_init(w);
	sc_error_clear(err);
	buf = map_plain(path, &len);
	if (buf) {
		(void)madvise(buf, len, MADV_SEQUENTIAL);
		rc = swf_parse_buffer(path, buf, len, opt, w, err);
		munmap(buf, len);
		return rc;
	}
	errno = 0;
	buf = read_all(path, &len, err);
	if (!buf)
		return -1;
	rc = swf_parse_buffer(path, buf, len, opt, w, err);
	free(buf);
	return rc;
}
