/*
 * fit.h: the regression step of SC17: candidate functions of (p, q, r)
 * (and c) fitted to the scores by weighted least squares with GSL, ranked
 * by their mean absolute residual.
 *
 * Families (reference: hpcsched/gen-sched-policies @ b73f9fa,
 * nonlinear-regression/nlr_scipy_enumerate_functions.py, and
 * fredgrub/gen-sched-policies @ 3651a2e, nonlinear-regression/
 * nlr_polynomials.py):
 *
 * FIT_PAPER: the 576 forms  (a*g(p) OP1 b*h(q)) OP2 d*k(r)  with OP1, OP2
 *   in {*, +, /} and g, h, k in {log10, inv, sqrt, id} (inv(x) = 1/x), as
 *   that script enumerates them. Each is linear in its identifiable
 *   parameters (only products such as a*b*d are), so it is fitted exactly
 *   by linear least squares: "*","+" gives c1*g*h + c2*k; "+","*" gives
 *   c1*g*k + c2*h*k; and so on. F1..F4 are among them (F1 is
 *   log10 * id + log10). Forms that are the same function (g / inv(q) is
 *   g * q) are fitted once: the first in enumeration order is kept.
 * FIT_POLY: the linear, quadratic, cubic and quartic polynomials in
 *   (p, q, r) of nlr_polynomials.py, with an intercept, cross terms in p and
 *   q only.
 * FIT_CARBON: g(p)*h(q) + k*log10(r) + c*u(p)*v(q) with g, h in {log10,
 *   inv, sqrt, id} and u, v in {log10, sqrt, id}: the F1 family with a
 *   carbon interaction (144 forms).
 *
 * Weights: the script's curve_fit(sigma = 1 / (p*q), absolute_sigma) is
 * weighted least squares with weights 1 / sigma^2 = (p*q)^2; the same
 * weights go to gsl_multifit_wlinear. Fitness, as the script's: the mean
 * absolute residual (unweighted); smaller is better. Variables are
 * clamped as policy.c clamps them when scoring (p, q, r >= 1, c >= 0), so
 * that the fitted function is the one that runs. A form whose value is
 * not finite on some row (a division by log10(1) = 0) is "undefined" and
 * not ranked.
 */
#ifndef SCHED_LEARN_FIT_H
#define SCHED_LEARN_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "formula.h"
#include "sample.h"
#include "sc_error.h"

enum fit_family {
	FIT_PAPER = 1 << 0,
	FIT_POLY = 1 << 1,
	FIT_CARBON = 1 << 2,
};

struct fit_candidate {
	char label[96];	    /* the form in the script's notation */
	const char *family; /* "paper", "poly", "carbon" */
	struct formula f;   /* the bases; fitted coefficients after fit_run */
	bool defined;	    /* finite on every row */
	bool duplicate;	    /* same function as an earlier candidate */
	size_t index;	    /* in enumeration order */
	size_t same_as;	    /* that candidate's index when duplicate */
	double mae;	    /* mean absolute residual */
	double chisq;	    /* weighted residual sum of squares */
};

/*
 * The candidates of the families in the mask, in enumeration order, with
 * all coefficients 1. *out is the caller's (free()). 0, or -1 with err.
 */
int fit_enumerate(unsigned families, struct fit_candidate **out, size_t *n,
	struct sc_error *err);

/* Parse "paper,poly,carbon" into a mask: 0, or -1 with err. */
int fit_parse_families(const char *list, unsigned *mask, struct sc_error *err);

/*
 * Fit every candidate to the rows of d with nthreads threads, then sort
 * them: defined and not duplicate first, by mae. 0, or -1 with err (GSL
 * failure, out of memory, no rows).
 */
int fit_run(const struct sample_set *d, struct fit_candidate *c, size_t n,
	unsigned nthreads, struct sc_error *err);

/*
 * The same function scaled by 1 / |first non-zero coefficient|: the order
 * it gives is the same, and it reads like the paper's F1 (first term's
 * coefficient 1 or -1).
 */
void fit_normalise(const struct formula *in, struct formula *out);

/* The variables of a row, clamped as policy.c clamps them. */
void fit_row_vars(const struct sample_row *r, double *x);

#endif
