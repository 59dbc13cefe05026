/*
 * policy.h: queue orders, classic and learned (Carastan-Santos & de Camargo,
 * SC17), as one scoring function over plain values. The simulator and the
 * live Slurm plugins call this same code.
 */
#ifndef SCHED_POLICY_H
#define SCHED_POLICY_H

#include <stdbool.h>

#include "sc_error.h"

enum policy_kind {
	POLICY_FCFS,	/* submit time */
	POLICY_SPF,	/* shortest processing time p */
	POLICY_SAF,	/* smallest area p*q */
	POLICY_WFP3,	/* (w/p)^3 * q, descending */
	POLICY_UNICEF,	/* (w+e) / (log2(q) * p), descending, q = 1 guarded */
	POLICY_F1,	/* log10(p)*q + 870*log10(r) */
	POLICY_F2,	/* sqrt(p)*q + 25600*log10(r) */
	POLICY_F3,	/* p*q + 6860000*log10(r) */
	POLICY_F4,	/* p*sqrt(q) + 530000*log10(r) */
	POLICY_COUNT,	/* the built-in policies */
	/*
	 * Learned policies (carbonlearn(1)): one value per policy file loaded
	 * by policy_load("learned:FILE"), from POLICY_LEARNED on.
	 */
	POLICY_LEARNED = 64,
};

/* Learned policy files a process can load (distinct files or versions). */
#define POLICY_LEARNED_MAX 256

/*
 * What a policy may look at, in plain numbers (no simulator or Slurm type):
 * p the runtime the scheduler believes (actual or requested), s > 0;
 * q processors, > 0; r the submit time in seconds from the start of the
 * experiment window; w the current wait (now - submit), s >= 0.
 */
struct policy_job {
	double p;
	double q;
	double r;
	double w;
	/*
	 * The grid's intensity now over its day-ahead forecast minimum,
	 * minus 1 (>= 0; 0 when unknown): read only by learned policies
	 * whose formula has c.
	 */
	double c;
};

/*
 * Guards, so that every score is finite:
 * - r is clamped to >= 1 s before log10 (F1..F4): a job submitted at the
 *   window's start scores as if submitted 1 s later. The SC17 reference
 *   simulator takes log10(0) = -inf, which also puts such a job first; the
 *   clamp keeps the order among the other jobs and the score finite.
 * - p is clamped to >= 1 s (log10 and divisions; SWF runtimes are whole
 *   seconds, so this changes nothing for a loaded trace).
 * - UNICEF: (w + e) / (L * p) with e = 1e-6 s and L = log2(q) for q >= 2,
 *   L = 0.01 for q = 1 (log2(1) = 0): serial jobs come first, as in the
 *   reference (which divides by log2(1 + 1e-20) = 0), but ordered among
 *   themselves by (w + e) / p instead of all being +inf.
 */

/*
 * The job's score: a smaller score runs first, for every policy
 * (descending policies return the negated value). FCFS returns r. Ties are
 * the caller's to break (submit time, then trace order). Never NaN.
 */
double policy_score(enum policy_kind kind, const struct policy_job *job);

/*
 * WFP3 and UNICEF seen as lines in the wait w: a job's order value
 * v(w) = rate * w + offset grows with w, and of two jobs the one with the
 * larger v has the smaller score (runs first), so their order changes at
 * most once, where the lines cross (sched/kinetic.h uses this). The score
 * itself is policy_linear_score: bit for bit policy_score's for that wait.
 * rate > 0 is exact only up to rounding (WFP3's is cbrt(q) / p): a caller
 * that predicts a crossing from it must allow some slack.
 */
struct policy_linear {
	enum policy_kind kind;
	double scale;	/* WFP3: p; UNICEF: log2(q) * p (both clamped) */
	double weight;	/* WFP3: q */
	double rate;	/* v per second of wait */
	double offset;	/* v at w = 0 */
};

/* True for the policies with a linear form: WFP3 and UNICEF. */
bool policy_is_linear(enum policy_kind kind);

/*
 * The linear form of job (its w is ignored) under kind: true for WFP3 and
 * UNICEF, false (lin untouched) for every other policy.
 */
bool policy_linear_form(enum policy_kind kind, const struct policy_job *job,
	struct policy_linear *lin);

/* UNICEF's e, in seconds of wait. */
#define POLICY_UNICEF_EPS 1e-6

/*
 * WFP3's and UNICEF's scores, written once for policy_score and
 * policy_linear_score so that both give the same bits, and inline because
 * the kinetic tournament computes two at every match it plays.
 */
static inline double policy_wfp3_score(double w, double p, double q)
{
	/* the cube by hand: pow() was two thirds of a WFP3 replay */
	double l = w / p;

	return -(l * l * l * q);
}

static inline double policy_unicef_score(double w, double scale)
{
	return -((w + POLICY_UNICEF_EPS) / scale);
}

/* The score at wait w (clamped to >= 0, NaN to 0, as policy_score does). */
static inline double policy_linear_score(
	const struct policy_linear *lin, double w)
{
	w = w >= 0.0 ? w : 0.0;
	if (lin->kind == POLICY_WFP3)
		return policy_wfp3_score(w, lin->scale, lin->weight);
	return policy_unicef_score(w, lin->scale);
}

/*
 * True if the score changes with time: WFP3, UNICEF (w), and learned
 * policies whose formula has w or c.
 */
bool policy_is_dynamic(enum policy_kind kind);

/* True for a built-in policy or a learned one this process loaded. */
bool policy_is_known(enum policy_kind kind);

/* True if a learned policy's formula has c (the grid's intensity). */
bool policy_uses_carbon(enum policy_kind kind);

/*
 * "fcfs", "spf", "saf", "wfp3", "unicef", "f1".."f4"; for a learned policy
 * the file's name (its "name" key, else its base name).
 */
const char *policy_name(enum policy_kind kind);

/*
 * Parse a built-in name as printed by policy_name (case-insensitive), or
 * "learned:FILE", a policy file written by carbonlearn(1): the file is
 * loaded once per process and version (path, inode, size and mtime: a
 * file rewritten in place is loaded again, as a new kind) and scored
 * without recompiling. Thread-safe. 0, or -1 with err (may be NULL): an
 * unknown name, a file that cannot be read or parsed (its line and column),
 * more than POLICY_LEARNED_MAX files.
 */
int policy_load(const char *name, enum policy_kind *kind,
	struct sc_error *err);

/* policy_load without the error text. 0 or -1. */
int policy_parse(const char *name, enum policy_kind *kind);

/*
 * What producing a learned policy cost, from its file (carbonlearn(1)):
 * CPU and wall seconds and joules, NAN when unknown. -1 for a built-in
 * policy (all NAN).
 */
int policy_learn_cost(enum policy_kind kind, double *cpu_s, double *wall_s,
	double *energy_j);

#endif
