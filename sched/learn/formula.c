/*
 * formula.c: learned priority functions: evaluation, the text form
 * ("0.0043*log10(p)*q + 3.7*log10(r)") both ways, and policy files.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formula.h"

static const char var_names[FORMULA_NVARS] = {'p', 'q', 'r', 'w', 'c'};
static const char *const fn_names[FORMULA_NFNS] = {"", "log10", "sqrt"};

static double apply(enum formula_fn fn, double x)
{
	switch (fn) {
	case FORMULA_LOG10:
		return log10(x);
	case FORMULA_SQRT:
		return sqrt(x);
	default:
		return x;
	}
}

static double ipow(double b, int e)
{
	double r = 1.0;
	int n = e < 0 ? -e : e;

	while (n--)
		r *= b;
	return e < 0 ? 1.0 / r : r;
}

double formula_term_basis(const struct formula_term *t, const double *x)
{
	double v = 1.0;
	int i, j;

	for (i = 0; i < FORMULA_NVARS; i++)
		for (j = 0; j < FORMULA_NFNS; j++)
			if (t->exp[i][j])
				v *= ipow(apply((enum formula_fn)j, x[i]),
					t->exp[i][j]);
	return v;
}

double formula_eval(const struct formula *f, const double *x)
{
	double s = 0.0;
	size_t k;

	for (k = 0; k < f->nterms; k++)
		s += f->terms[k].coef * formula_term_basis(&f->terms[k], x);
	return s;
}

bool formula_uses(const struct formula *f, enum formula_var v)
{
	size_t k;
	int j;

	for (k = 0; k < f->nterms; k++)
		for (j = 0; j < FORMULA_NFNS; j++)
			if (f->terms[k].exp[v][j] && f->terms[k].coef != 0.0)
				return true;
	return false;
}

bool formula_same_factors(
	const struct formula_term *a, const struct formula_term *b)
{
	return memcmp(a->exp, b->exp, sizeof(a->exp)) == 0;
}

/* ---- parsing ---- */

struct lexer {
	const char *s, *start;
	struct sc_error *err;
};

static void skip_space(struct lexer *lx)
{
	while (*lx->s == ' ' || *lx->s == '\t')
		lx->s++;
}

static int fail(struct lexer *lx, const char *what)
{
	return sc_errprintf(
		lx->err, "column %d: %s", (int)(lx->s - lx->start) + 1, what);
}

static int parse_var(struct lexer *lx, int *var)
{
	int i;

	skip_space(lx);
	for (i = 0; i < FORMULA_NVARS; i++) {
		if (*lx->s == var_names[i] &&
			!isalnum((unsigned char)lx->s[1])) {
			*var = i;
			lx->s++;
			return 0;
		}
	}
	return fail(lx, "expected a variable (p, q, r, w or c)");
}

/* FACTOR [^INT], multiplied into t with sign (+1 for '*', -1 for '/'). */
static int parse_factor(struct lexer *lx, struct formula_term *t, int sign)
{
	int fn = FORMULA_ID, var = 0, e = 1, i;

	skip_space(lx);
	for (i = 1; i < FORMULA_NFNS; i++) {
		size_t n = strlen(fn_names[i]);

		if (strncmp(lx->s, fn_names[i], n) == 0) {
			fn = i;
			lx->s += n;
			skip_space(lx);
			if (*lx->s != '(')
				return fail(lx, "expected '('");
			lx->s++;
			break;
		}
	}
	if (parse_var(lx, &var) < 0)
		return -1;
	if (fn != FORMULA_ID) {
		skip_space(lx);
		if (*lx->s != ')')
			return fail(lx, "expected ')'");
		lx->s++;
	}
	skip_space(lx);
	if (*lx->s == '^') {
		char *end;
		long v;

		lx->s++;
		skip_space(lx);
		errno = 0;
		v = strtol(lx->s, &end, 10);
		if (end == lx->s || errno || v == 0 || v > FORMULA_MAX_EXP ||
			v < -FORMULA_MAX_EXP)
			return fail(lx,
				"expected a whole exponent, 1..8 or -8..-1");
		lx->s = end;
		e = (int)v;
	}
	e = t->exp[var][fn] + sign * e;
	if (e > FORMULA_MAX_EXP || e < -FORMULA_MAX_EXP)
		return fail(lx, "exponent out of range");
	t->exp[var][fn] = (int8_t)e;
	return 0;
}

static int parse_term(struct lexer *lx, struct formula_term *t, double sign)
{
	char *end;
	int op = '*';

	memset(t, 0, sizeof(*t));
	t->coef = sign;
	skip_space(lx);
	if (isdigit((unsigned char)*lx->s) || *lx->s == '.') {
		errno = 0;
		t->coef = sign * strtod(lx->s, &end);
		if (end == lx->s || errno == ERANGE || !isfinite(t->coef))
			return fail(lx, "bad number");
		lx->s = end;
		skip_space(lx);
		if (*lx->s != '*' && *lx->s != '/')
			return 0;
		op = *lx->s++;
	}
	for (;;) {
		if (parse_factor(lx, t, op == '*' ? 1 : -1) < 0)
			return -1;
		skip_space(lx);
		if (*lx->s != '*' && *lx->s != '/')
			return 0;
		op = *lx->s++;
	}
}

int formula_parse(const char *text, struct formula *f, struct sc_error *err)
{
	struct lexer lx = {.s = text, .start = text, .err = err};
	double sign = 1.0;

	memset(f, 0, sizeof(*f));
	skip_space(&lx);
	if (*lx.s == '-' || *lx.s == '+') {
		sign = *lx.s == '-' ? -1.0 : 1.0;
		lx.s++;
	}
	for (;;) {
		if (f->nterms == FORMULA_MAX_TERMS)
			return fail(&lx, "too many terms (at most 32)");
		if (parse_term(&lx, &f->terms[f->nterms], sign) < 0)
			return -1;
		f->nterms++;
		skip_space(&lx);
		if (*lx.s == '\0' || *lx.s == '\n' || *lx.s == '\r')
			return 0;
		if (*lx.s != '+' && *lx.s != '-')
			return fail(
				&lx, "expected '+', '-', '*', '/' or the end");
		sign = *lx.s == '-' ? -1.0 : 1.0;
		lx.s++;
	}
}

/* ---- printing ---- */

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_factor(struct out *o, int var, int fn, int e)
{
	if (fn == FORMULA_ID)
		put(o, "%c", var_names[var]);
	else
		put(o, "%s(%c)", fn_names[fn], var_names[var]);
	if (e != 1)
		put(o, "^%d", e);
}

int formula_format(const struct formula *f, int digits, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	size_t k;
	int i, j;

	if (size)
		buf[0] = '\0';
	if (!f->nterms)
		put(&o, "0");
	for (k = 0; k < f->nterms; k++) {
		const struct formula_term *t = &f->terms[k];
		double c = t->coef;

		if (k)
			put(&o, c < 0 ? " - " : " + ");
		else if (c < 0)
			put(&o, "-");
		bool any = false, num = fabs(c) != 1.0;

		for (i = 0; i < FORMULA_NVARS; i++)
			for (j = 0; j < FORMULA_NFNS; j++)
				any = any || t->exp[i][j] > 0;
		/* "q", "2*q", "1/q": the 1 only where nothing else is */
		if (num || !any)
			put(&o, "%.*g", digits, fabs(c));
		for (i = 0; i < FORMULA_NVARS; i++)
			for (j = 0; j < FORMULA_NFNS; j++)
				if (t->exp[i][j] > 0) {
					if (num || !any)
						put(&o, "*");
					num = true;
					put_factor(&o, i, j, t->exp[i][j]);
				}
		for (i = 0; i < FORMULA_NVARS; i++)
			for (j = 0; j < FORMULA_NFNS; j++)
				if (t->exp[i][j] < 0) {
					put(&o, "/");
					put_factor(&o, i, j, -t->exp[i][j]);
				}
	}
	return (int)o.len;
}

/* ---- policy files ---- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void base_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strcspn(b, ".");
	if (n >= size)
		n = size - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* A cost: a finite number >= 0, or "unknown" (NAN). */
static int cost_value(const char *s, double *out)
{
	char *end;

	if (strcasecmp(s, "unknown") == 0) {
		*out = NAN;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end || errno || !(*out >= 0) || !isfinite(*out) ? -1
									    : 0;
}

int formula_policy_load(
	const char *path, struct formula_policy *pol, struct sc_error *err)
{
	char line[4096];
	long lineno = 0;
	bool have_score = false;
	FILE *fp;

	memset(pol, 0, sizeof(*pol));
	pol->cpu_s = pol->wall_s = pol->energy_j = NAN;
	if (!(fp = fopen(path, "r")))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	base_name(path, pol->name, sizeof(pol->name));
	while (fgets(line, sizeof(line), fp)) {
		char *key, *val, *eq;
		struct sc_error ferr = {{0}};

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			sc_errprintf(
				err, "%s:%ld: line too long", path, lineno);
			goto error;
		}
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		if (!(eq = strchr(key, '='))) {
			sc_errprintf(err, "%s:%ld: expected KEY = VALUE", path,
				lineno);
			goto error;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (strcasecmp(key, "score") == 0) {
			if (formula_parse(val, &pol->f, &ferr) < 0) {
				sc_errprintf(err, "%s:%ld: score: %s", path,
					lineno, ferr.text);
				goto error;
			}
			have_score = true;
		} else if (strcasecmp(key, "name") == 0) {
			if (!*val || strlen(val) >= sizeof(pol->name)) {
				sc_errprintf(err,
					"%s:%ld: name: 1 to %zu "
					"characters",
					path, lineno, sizeof(pol->name) - 1);
				goto error;
			}
			strcpy(pol->name, val);
		} else if (strcasecmp(key, "learn-cpu-seconds") == 0) {
			if (cost_value(val, &pol->cpu_s) < 0)
				goto bad_cost;
		} else if (strcasecmp(key, "learn-wall-seconds") == 0) {
			if (cost_value(val, &pol->wall_s) < 0)
				goto bad_cost;
		} else if (strcasecmp(key, "learn-energy-joules") == 0) {
			if (cost_value(val, &pol->energy_j) < 0)
				goto bad_cost;
		}
		continue;
	bad_cost:
		sc_errprintf(err, "%s:%ld: %s: a number >= 0 or 'unknown'",
			path, lineno, key);
		goto error;
	}
	if (ferror(fp)) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	if (!have_score) {
		sc_errprintf(err, "%s: no 'score = FORMULA' line", path);
		goto error;
	}
	fclose(fp);
	return 0;
error:
	fclose(fp);
	return -1;
}
