/*
 * fit.c: SC17's candidate functions, fitted to the scores by weighted
 * linear least squares (GSL's gsl_multifit_wlinear) and ranked.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "fit.h"

/* The script's transforms, in its order: log10, inv, sqrt, id. */
static const char *const tr_names[] = {"log10", "inv", "sqrt", "id"};
static const struct {
	enum formula_fn fn;
	int exp;
} tr[] = {
	{FORMULA_LOG10, 1},
	{FORMULA_ID, -1},
	{FORMULA_SQRT, 1},
	{FORMULA_ID, 1},
};
#define NTR 4

static const char op_names[] = {'*', '+', '/'};

/* A term that is one transformed variable, with coefficient 1. */
static struct formula_term single(int var, int t)
{
	struct formula_term x = {.coef = 1.0};

	x.exp[var][tr[t].fn] = (int8_t)tr[t].exp;
	return x;
}

/* a * b (sign 1) or a / b (sign -1). */
static struct formula_term combine(
	struct formula_term a, const struct formula_term *b, int sign)
{
	int i, j;

	for (i = 0; i < FORMULA_NVARS; i++)
		for (j = 0; j < FORMULA_NFNS; j++)
			a.exp[i][j] =
				(int8_t)(a.exp[i][j] + sign * b->exp[i][j]);
	return a;
}

static void add_term(struct formula *f, struct formula_term t)
{
	t.coef = 1.0;
	f->terms[f->nterms++] = t;
}

/* (g(p) op1 h(q)) op2 k(r) as linear bases. */
static void paper_form(
	struct fit_candidate *c, int op1, int op2, int g, int h, int k)
{
	struct formula_term A = single(FORMULA_P, g), B = single(FORMULA_Q, h);
	struct formula_term C = single(FORMULA_R, k), inner[2];
	size_t ni = 0, i;

	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "(%s(p) %c %s(q)) %c %s(r)",
		tr_names[g], op_names[op1], tr_names[h], op_names[op2],
		tr_names[k]);
	c->family = "paper";
	if (op1 == 0) {
		inner[ni++] = combine(A, &B, 1);
	} else if (op1 == 1) {
		inner[ni++] = A;
		inner[ni++] = B;
	} else {
		inner[ni++] = combine(A, &B, -1);
	}
	for (i = 0; i < ni; i++) {
		if (op2 == 0)
			add_term(&c->f, combine(inner[i], &C, 1));
		else if (op2 == 1)
			add_term(&c->f, inner[i]);
		else
			add_term(&c->f, combine(inner[i], &C, -1));
	}
	if (op2 == 1)
		add_term(&c->f, C);
}

/* p^a q^b r^d, coefficient 1. */
static struct formula_term mono(int a, int b, int d)
{
	struct formula_term t = {.coef = 1.0};

	t.exp[FORMULA_P][FORMULA_ID] = (int8_t)a;
	t.exp[FORMULA_Q][FORMULA_ID] = (int8_t)b;
	t.exp[FORMULA_R][FORMULA_ID] = (int8_t)d;
	return t;
}

/* nlr_polynomials.py: linear .. quartic, terms in the script's order. */
static void poly_form(struct fit_candidate *c, int degree)
{
	static const char *const names[] = {
		"", "linear", "quadratic", "cubic", "quartic"};
	static const int m[][3] = {
		{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1},	       /* 1 */
		{2, 0, 0}, {0, 2, 0}, {0, 0, 2}, {1, 1, 0},	       /* 2 */
		{3, 0, 0}, {0, 3, 0}, {0, 0, 3}, {2, 1, 0}, {1, 2, 0}, /* 3 */
		{4, 0, 0}, {0, 4, 0}, {0, 0, 4}, {3, 1, 0}, {1, 3, 0},
		{2, 2, 0}, /* 4 */
	};
	static const size_t upto[] = {0, 4, 8, 13, 19};
	size_t i;

	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "%s polynomial in p, q, r",
		names[degree]);
	c->family = "poly";
	for (i = 0; i < upto[degree]; i++)
		add_term(&c->f, mono(m[i][0], m[i][1], m[i][2]));
}

/* g(p)*h(q) + log10(r) + c*u(p)*v(q); u, v index tr[] minus inv. */
static void carbon_form(struct fit_candidate *c, int g, int h, int u, int v)
{
	struct formula_term A = single(FORMULA_P, g), B = single(FORMULA_Q, h);
	struct formula_term U = single(FORMULA_P, u), V = single(FORMULA_Q, v);
	struct formula_term cvar = {.coef = 1.0};

	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label),
		"%s(p) * %s(q) + log10(r) + c * %s(p) * %s(q)", tr_names[g],
		tr_names[h], tr_names[u], tr_names[v]);
	c->family = "carbon";
	add_term(&c->f, combine(A, &B, 1));
	add_term(&c->f, single(FORMULA_R, 0));
	cvar.exp[FORMULA_C][FORMULA_ID] = 1;
	add_term(&c->f, combine(combine(cvar, &U, 1), &V, 1));
}

/* Same function: the same set of bases (order aside). */
static bool same_function(const struct formula *a, const struct formula *b)
{
	size_t i, j;

	if (a->nterms != b->nterms)
		return false;
	for (i = 0; i < a->nterms; i++) {
		for (j = 0; j < b->nterms; j++)
			if (formula_same_factors(&a->terms[i], &b->terms[j]))
				break;
		if (j == b->nterms)
			return false;
	}
	return true;
}

int fit_enumerate(unsigned families, struct fit_candidate **out, size_t *n,
	struct sc_error *err)
{
	size_t cap = 576 + 4 + 144, k = 0, i, j;
	struct fit_candidate *c = calloc(cap, sizeof(*c));

	*out = NULL;
	*n = 0;
	if (!c)
		return sc_errprintf(err, "out of memory");
	/* the script's order: OP1, OP2, then (g, h, k) as itertools.product */
	if (families & FIT_PAPER)
		for (int f = 0; f < 3 * 3 * NTR * NTR * NTR; f++)
			paper_form(&c[k++], f / (3 * NTR * NTR * NTR),
				f / (NTR * NTR * NTR) % 3,
				f / (NTR * NTR) % NTR, f / NTR % NTR, f % NTR);
	if (families & FIT_POLY)
		for (int degree = 1; degree <= 4; degree++)
			poly_form(&c[k++], degree);
	/* u, v skip inv (index 1) */
	if (families & FIT_CARBON)
		for (int f = 0; f < NTR * NTR * NTR * NTR; f++)
			if (f / NTR % NTR != 1 && f % NTR != 1)
				carbon_form(&c[k++], f / (NTR * NTR * NTR),
					f / (NTR * NTR) % NTR, f / NTR % NTR,
					f % NTR);
	if (!k) {
		free(c);
		return sc_errprintf(err, "no family of functions chosen");
	}
	for (i = 0; i < k; i++)
		c[i].index = i;
	for (i = 1; i < k; i++)
		for (j = 0; j < i; j++)
			if (!c[j].duplicate &&
				same_function(&c[i].f, &c[j].f)) {
				c[i].duplicate = true;
				c[i].same_as = j;
				break;
			}
	*out = c;
	*n = k;
	return 0;
}

int fit_parse_families(const char *list, unsigned *mask, struct sc_error *err)
{
	const char *s = list;

	*mask = 0;
	while (*s) {
		size_t len = strcspn(s, ",");

		if (len == 5 && strncmp(s, "paper", 5) == 0)
			*mask |= FIT_PAPER;
		else if (len == 4 && strncmp(s, "poly", 4) == 0)
			*mask |= FIT_POLY;
		else if (len == 6 && strncmp(s, "carbon", 6) == 0)
			*mask |= FIT_CARBON;
		else
			return sc_errprintf(err,
				"unknown family '%.*s' (paper, poly, carbon)",
				(int)len, s);
		s += len;
		if (*s == ',')
			s++;
	}
	return *mask ? 0 : sc_errprintf(err, "no family given");
}

void fit_row_vars(const struct sample_row *r, double *x)
{
	x[FORMULA_P] = r->p >= 1.0 ? r->p : 1.0;
	x[FORMULA_Q] = r->q >= 1.0 ? r->q : 1.0;
	x[FORMULA_R] = r->r >= 1.0 ? r->r : 1.0;
	x[FORMULA_W] = 0.0;
	x[FORMULA_C] = r->c >= 0.0 ? r->c : 0.0;
}

void fit_normalise(const struct formula *in, struct formula *out)
{
	double s = 0.0;
	size_t k;

	*out = *in;
	for (k = 0; k < in->nterms && s == 0.0; k++)
		s = fabs(in->terms[k].coef);
	if (s == 0.0)
		return;
	for (k = 0; k < out->nterms; k++)
		out->terms[k].coef /= s;
}

/* ---- fitting ---- */

struct fit_job {
	const struct sample_set *d;
	struct fit_candidate *c;
	size_t n;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;
	struct sc_error err;
};

static int fit_one(const struct sample_set *d, struct fit_candidate *c,
	struct sc_error *err)
{
	size_t n = d->nrows, K = c->f.nterms, i, k;
	gsl_multifit_linear_workspace *ws = NULL;
	gsl_matrix *X = NULL, *cov = NULL;
	gsl_vector *y = NULL, *w = NULL, *b = NULL;
	double chisq, sum = 0.0;
	int rc = -1, st;

	c->defined = false;
	if (n < K) {
		c->mae = c->chisq = INFINITY;
		return 0;
	}
	if (!(X = gsl_matrix_alloc(n, K)) || !(cov = gsl_matrix_alloc(K, K)) ||
		!(y = gsl_vector_alloc(n)) || !(w = gsl_vector_alloc(n)) ||
		!(b = gsl_vector_alloc(K)) ||
		!(ws = gsl_multifit_linear_alloc(n, K))) {
		sc_errprintf(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct sample_row *r = &d->rows[i];
		double x[FORMULA_NVARS];

		fit_row_vars(r, x);
		for (k = 0; k < K; k++) {
			double v = formula_term_basis(&c->f.terms[k], x);

			if (!isfinite(v)) {
				c->mae = c->chisq = INFINITY;
				rc = 0;
				goto out;
			}
			gsl_matrix_set(X, i, k, v);
		}
		gsl_vector_set(y, i, r->score);
		gsl_vector_set(w, i,
			(x[FORMULA_P] * x[FORMULA_Q]) *
				(x[FORMULA_P] * x[FORMULA_Q]));
	}
	st = gsl_multifit_wlinear(X, w, y, b, cov, &chisq, ws);
	if (st) {
		sc_errprintf(err, "%s: %s", c->label, gsl_strerror(st));
		goto out;
	}
	for (k = 0; k < K; k++)
		c->f.terms[k].coef = gsl_vector_get(b, k);
	for (i = 0; i < n; i++) {
		double x[FORMULA_NVARS];

		fit_row_vars(&d->rows[i], x);
		sum += fabs(d->rows[i].score - formula_eval(&c->f, x));
	}
	c->mae = sum / (double)n;
	c->chisq = chisq;
	c->defined = isfinite(c->mae);
	rc = 0;
out:
	gsl_multifit_linear_free(ws);
	gsl_matrix_free(X);
	gsl_matrix_free(cov);
	gsl_vector_free(y);
	gsl_vector_free(w);
	gsl_vector_free(b);
	return rc;
}

static void *fit_worker(void *arg)
{
	struct fit_job *jb = arg;
	size_t i;

	while ((i = atomic_fetch_add(&jb->next, 1)) < jb->n) {
		struct sc_error err = {{0}};

		if (atomic_load(&jb->failed))
			break;
		if (jb->c[i].duplicate)
			continue;
		if (fit_one(jb->d, &jb->c[i], &err) < 0) {
			pthread_mutex_lock(&jb->lock);
			sc_errprintf(&jb->err, "%s", err.text);
			pthread_mutex_unlock(&jb->lock);
			atomic_store(&jb->failed, 1);
		}
	}
	return NULL;
}

/* Ranked first: defined, not duplicate, smaller mae; then enumeration. */
static int cmp_rank(const void *x, const void *y)
{
	const struct fit_candidate *a = x, *b = y;
	int ga = a->defined && !a->duplicate, gb = b->defined && !b->duplicate;

	if (ga != gb)
		return gb - ga;
	if (ga && a->mae != b->mae)
		return a->mae < b->mae ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

int fit_run(const struct sample_set *d, struct fit_candidate *c, size_t n,
	unsigned nthreads, struct sc_error *err)
{
	struct fit_job jb = {.d = d, .c = c, .n = n};
	pthread_t *th;
	unsigned i, started = 0;
	size_t k;

	if (!d->nrows)
		return sc_errprintf(err, "no training rows");
	if (nthreads < 1)
		nthreads = 1;
	gsl_set_error_handler_off();
	if (!(th = calloc(nthreads, sizeof(*th))))
		return sc_errprintf(err, "out of memory");
	pthread_mutex_init(&jb.lock, NULL);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[i], NULL, fit_worker, &jb) != 0)
			break;
		started++;
	}
	if (!started)
		fit_worker(&jb);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&jb.lock);
	if (atomic_load(&jb.failed))
		return sc_errprintf(err, "%s", jb.err.text);
	/* a duplicate carries its original's fit */
	for (k = 0; k < n; k++)
		if (c[k].duplicate) {
			const struct fit_candidate *o = &c[c[k].same_as];

			c[k].defined = o->defined;
			c[k].mae = o->mae;
			c[k].chisq = o->chisq;
		}
	qsort(c, n, sizeof(*c), cmp_rank);
	return 0;
}
