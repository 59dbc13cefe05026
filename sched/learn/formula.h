/*
 * formula.h: a learned priority function as a person reads it and a
 * program evaluates it: a sum of terms, each a coefficient times a product
 * of transformed variables raised to integer powers, for example
 * "0.0043*log10(p)*q + 3.7*log10(r)" or "2.1e-6*p/sqrt(q)". carbonlearn
 * writes these; sched/policy.c scores jobs with them (learned:FILE).
 */
#ifndef SCHED_LEARN_FORMULA_H
#define SCHED_LEARN_FORMULA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

/*
 * The variables, as in policy.h: p runtime (s), q processors, r submit time
 * from the start of the experiment (s), w current wait (s), c the grid's
 * intensity now over the day-ahead forecast minimum, minus 1 (0 when now is
 * the minimum, or when no intensity is known).
 */
enum formula_var {
	FORMULA_P,
	FORMULA_Q,
	FORMULA_R,
	FORMULA_W,
	FORMULA_C,
	FORMULA_NVARS
};

/* Transforms of a variable: x, log10(x), sqrt(x). 1/x is x^-1. */
enum formula_fn { FORMULA_ID, FORMULA_LOG10, FORMULA_SQRT, FORMULA_NFNS };

#define FORMULA_MAX_TERMS 32
#define FORMULA_MAX_EXP 8 /* |exponent| of one factor */

/* coef * prod over (var, fn) of fn(var)^exp[var][fn]; all 0 is a constant. */
struct formula_term {
	double coef;
	int8_t exp[FORMULA_NVARS][FORMULA_NFNS];
};

/* Plain data; zero-initialised it is the constant 0. */
struct formula {
	size_t nterms;
	struct formula_term terms[FORMULA_MAX_TERMS];
};

/*
 * The value at x (indexed by enum formula_var), without clamping: the
 * caller clamps (policy.c: p, q, r >= 1, w, c >= 0). May be infinite or
 * NaN where a term divides by zero or takes log10 of 0.
 */
double formula_eval(const struct formula *f, const double *x);

/* One term's product of factors at x, its coefficient left out. */
double formula_term_basis(const struct formula_term *t, const double *x);

/* True when some term has a factor of variable v. */
bool formula_uses(const struct formula *f, enum formula_var v);

/* True when the two terms have the same factors (coefficients aside). */
bool formula_same_factors(
	const struct formula_term *a, const struct formula_term *b);

/*
 * Parse "TERM {(+|-) TERM}" where TERM is a product "[NUMBER] {(*|/)
 * FACTOR}" (a leading FACTOR without a number has coefficient 1) and
 * FACTOR is "VAR", "log10(VAR)" or "sqrt(VAR)", optionally followed by
 * "^INT"; VAR one of p q r w c. Spaces anywhere between tokens. Terms
 * with the same factors are kept apart (not merged). 0, or -1 with err
 * ("column N: problem").
 */
int formula_parse(const char *text, struct formula *f, struct sc_error *err);

/*
 * Write f as formula_parse reads it, coefficients with digits significant
 * digits (%.*g), into buf (always terminated). Returns the length it needed
 * (as snprintf), so >= size means it was cut.
 */
int formula_format(const struct formula *f, int digits, char *buf, size_t size);

/*
 * A learned policy file (carbonlearn(1), FILES): '#' comments and
 * "KEY = VALUE" lines; "score" (the formula, smaller runs first) is
 * required, "name" optional (default: the file's base name). The cost of
 * learning it, "learn-cpu-seconds", "learn-wall-seconds" and
 * "learn-energy-joules" (a number or "unknown"), is optional and NAN when
 * absent. Other keys are ignored.
 */
struct formula_policy {
	char name[64];
	struct formula f;
	double cpu_s, wall_s, energy_j;
};

/* Load path: 0, or -1 with err ("PATH:LINE: problem"). */
int formula_policy_load(
	const char *path, struct formula_policy *pol, struct sc_error *err);

#endif
