/*
 * job_energy.h: a job's measured IT energy from its steps' records, with
 * no node-second counted twice, as pieces (joules over an interval) for
 * the carbon model.
 */
#ifndef ACCOUNTING_JOB_ENERGY_H
#define ACCOUNTING_JOB_ENERGY_H

#include <stddef.h>
#include <stdint.h>

#include "job_record.h"

enum energy_source {
	ENERGY_SOURCE_MEASURED,	 /* every counted node-second measured */
	ENERGY_SOURCE_PARTIAL,	 /* some step's energy is unknown: a lower
				  * bound, labelled so */
	ENERGY_SOURCE_ESTIMATED, /* nothing measured: Green Algorithms */
	ENERGY_SOURCE_NONE,	 /* nothing measured, nothing estimated */
};

/* "measured", "partial", "estimated", "none". */
const char *energy_source_name(enum energy_source s);

/* Joules drawn over [t0, t1) (unix seconds; t0 == t1 for an instant). */
struct energy_piece {
	double joules;
	int64_t t0, t1;
};

/*
 * job_carbon.c's memo of a node list's sizes and embodied rate, keyed by
 * pointers: a scratch must be released (job_energy_release) before the
 * node lists or the configuration it saw are freed and others made. 16384
 * slots (1 MB, allocated at first use), so that the few thousand node
 * lists a year of a cluster's jobs comes back to rarely share one.
 */
#define JOB_NODES_MEMO_BITS 14
#define JOB_NODES_MEMO (1u << JOB_NODES_MEMO_BITS)
struct job_nodes_memo {
	const void *nodes, *conf, *arg;
	const void *first_group; /* of the first node: the estimate's */
	double cpus, mem, gpus, rate;
	long bad;
};

/*
 * The result, reusable from job to job (pieces grows as needed; free it
 * with job_energy_release). rule names the rule that applied. Zero it
 * before the first use.
 */
struct job_energy {
	enum energy_source source;
	double joules;
	const char *rule; /* "extern step", "union of steps", "" */
	struct energy_piece *pieces;
	size_t npieces;
	size_t cap;
	/* scratch: accepted intervals per node, and their clipped copies */
	int64_t *iv;
	size_t iv_cap;
	int64_t *clip;
	size_t clip_cap;
	char why[160]; /* with ENERGY_SOURCE_PARTIAL: the first unknown step */
	/*
	 * scratch of job_carbon_compute, which is given a job_energy:
	 * JOB_NODES_MEMO slots, or the spare one if they cannot be allocated
	 */
	struct job_nodes_memo *memo;
	struct job_nodes_memo spare;
};

/*
 * The rule (acct_gather_energy_powercap(5) and scarbon(1) document it):
 * 1. The extern step, when the job has one with known energy
 *    (PrologFlags=Contain): it spans the whole allocation on every node,
 *    once. One piece over its lifetime.
 * 2. Otherwise the union of the steps' lifetimes per node: steps are taken
 *    batch first, then by start time (longest first on ties); a step's
 *    energy on a node counts only for the part of its lifetime that no
 *    earlier step already covers there, prorated by time (a step within
 *    1 s of an earlier step's lifetime at either end counts as inside it:
 *    Slurm records whole seconds). A step's energy on each
 *    node is the one Slurm kept (largest and smallest node), and the rest
 *    shared evenly among its other nodes. One piece per counted step.
 *    A step whose energy is unknown and that earlier steps do not cover
 *    makes the result ENERGY_SOURCE_PARTIAL.
 * 3. No step with known energy: ENERGY_SOURCE_NONE (the caller estimates).
 * Returns 0, or -1 on allocation failure (errno ENOMEM).
 */
int job_energy_measured(const struct job_record *job, struct job_energy *out);

/*
 * Make je one piece of joules over [t0, t1) from source (an estimate).
 * 0, or -1 on allocation failure.
 */
int job_energy_single(struct job_energy *je, enum energy_source source,
	const char *rule, double joules, int64_t t0, int64_t t1);

/* Free what a job_energy holds (not the struct itself). */
void job_energy_release(struct job_energy *je);

#endif
