/*
 * kinetic.h: the head of a wait queue ordered by WFP3 or UNICEF, whose
 * scores change with time, kept as a kinetic tournament (Basch, Guibas and
 * Hershberger, "Data structures for mobile data", SODA 1997).
 *
 * Each match of a binary tree over the queued jobs remembers its winner at
 * the time it was played and the first second at which the loser may
 * overtake it: a job's order value is a line in time (policy_linear_form),
 * so two jobs swap at most once. Moving the clock replays only the matches
 * that are due, instead of re-scoring and re-sorting the whole queue at
 * every pass. Every match is decided as the jobs' exact scores at that
 * second order them (policy_linear_score, then submit time, then idx: the
 * order of queue_entry_cmp), so the head is always the one a sort of the
 * queue at that second would put first: lines far enough apart decide it
 * as the scores would (see KINETIC_CLEAR), nearer ones go to the scores.
 * The lines also say when to look again, with slack for their rounding,
 * and pairs too close to parallel for that are looked at again every
 * second.
 *
 * Most queued jobs never need a match: a job whose line rises more slowly
 * than an earlier-queued job's cannot pass it, so it cannot be the head
 * while that job waits. Such a job is held out of the tournament, and
 * played in when the last job that outran it leaves (jobs leave only as
 * the head). A tree of the fastest rate over the jobs in queueing order
 * finds them: at a queueing, its root; at a head's removal, the jobs after
 * it that no earlier job outruns now, up to the first one at least as fast
 * as the head (past it, nothing changed). On lublin_256 repeated to 10^6
 * jobs under WFP3 the tournament holds about 290 of the queue's 12,700 on
 * average. This needs the jobs queued in (submit, idx) order; at the
 * first job queued out of it, every held-out job is played in and none is
 * held out again.
 */
#ifndef SCHED_KINETIC_H
#define SCHED_KINETIC_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define KINETIC_NONE UINT32_MAX
/*
 * A job is held out while an earlier-queued one's rate is at least this
 * much faster, relatively (kinetic.c says why the margin).
 */
#define KINETIC_OUTRUN_MARGIN 1e-6
/*
 * Lines further apart than this, relative to their values, order two jobs
 * as their scores do: a score is minus the cube (WFP3) or minus the line
 * itself (UNICEF), and score and line are each computed within a few units
 * in the last place (1e-15). Closer lines leave the order to the scores.
 */
#define KINETIC_CLEAR 1e-9
/* Lines closer to parallel than this are compared every second. */
#define KINETIC_NEAR_PARALLEL 1e-6
/* Far enough to mean never, and safe to add to any trace time. */
#define KINETIC_FAR 1e15

/*
 * Certificates of two jobs' order, shared with the sorted queue of
 * backfilling passes (queue_linear.c). Two lines whose rates are this
 * close cannot say when they cross: their jobs are compared again every
 * second, unless the lines are the same (the scores' formula's inputs
 * equal), where the job ahead stays ahead (both waits grow alike).
 */
static inline bool kinetic_near_parallel(double ra, double rb)
{
	return fabs(rb - ra) <= KINETIC_NEAR_PARALLEL * (ra > rb ? ra : rb);
}

static inline bool kinetic_same_line(
	const struct policy_linear *a, const struct policy_linear *b)
{
	return a->scale == b->scale && a->weight == b->weight;
}

/*
 * When a line rising at rb may first reach one rising at ra that is ahead
 * at now (their values va and vb there; not nearly parallel): never if it
 * is flatter, else where they cross, less a slack for rounding (the
 * score's own and the lines'), and at least a second on.
 */
static inline int64_t kinetic_crossing(
	double ra, double rb, double va, double vb, int64_t now)
{
	double dt;

	if (rb < ra)
		return INT64_MAX;
	dt = (va - vb) / (rb - ra);
	if (!(dt < KINETIC_FAR))
		return now + (int64_t)KINETIC_FAR;
	dt = floor(dt * (1.0 - KINETIC_NEAR_PARALLEL)) - 2.0;
	return dt < 1.0 ? now + 1 : now + (int64_t)dt;
}

/* Levels of an 8-ary tree over up to 2^32 positions. */
#define KINETIC_SEQ_LEVELS 12

/* A queued job. */
struct kinetic_job {
	struct policy_linear lin;
	int64_t submit;
	uint32_t idx;
	int32_t procs;
};

/*
 * A node of the tournament: its winner (a slot) and what a match and a
 * pass read of that job, so that a match reads its two players from its
 * two children, which share a cache line, instead of from two slots
 * anywhere in the queue, and a pass whose head does not fit reads only
 * the final's node.
 */
struct kinetic_node {
	double rate;	/* the winner's line: v per second of wait */
	double offset;	/* v at a wait of 0 */
	int64_t submit;
	uint32_t winner; /* KINETIC_NONE: no job below */
	int32_t procs;
};

/*
 * Zero-initialise. Slots hold jobs; node[1] is the final, node[cap + s] the
 * leaf of slot s. A match's times are kept apart from its node: the
 * replay's descent reads only dues, and siblings' dues are adjacent.
 */
struct kinetic {
	struct kinetic_job *job; /* by slot */
	struct kinetic_node *node; /* 2 * cap, 64-byte aligned */
	int64_t *fail;	/* by match: replay at or after this second */
	int64_t *due;	/* by node: the least fail in its subtree
			   (INT64_MIN: dirty; a leaf: INT64_MAX) */
	uint32_t *free_slot; /* a stack of empty slots */
	uint32_t *slot_seq; /* by slot: the job's position in seq_job */
	size_t nfree;
	size_t cap; /* slots, a power of 2 */
	size_t count; /* jobs queued: playing and held out */
	int64_t now; /* the matches are right at this second */
	/* every queued job, by position in queueing order */
	struct kinetic_job *seq_job;
	uint32_t *seq_slot; /* its slot, or KINETIC_NONE: held out */
	double *seq_max; /* the 8-ary tree of fastest rates (kinetic.c);
			    a position's: -INFINITY once it left */
	size_t seq_off[KINETIC_SEQ_LEVELS]; /* each level's start */
	size_t seq_len[KINETIC_SEQ_LEVELS]; /* its length */
	size_t seq_levels;
	size_t seq_cap; /* positions, a power of 2 */
	size_t seq_next; /* the next job's position */
	bool unordered; /* a job came out of order: none is held out */
};

/* The jobs in the tournament: its slots that are taken. */
static inline size_t kinetic_playing(const struct kinetic *k)
{
	return k->cap - k->nfree;
}

/* Accepts a zeroed struct. */
void kinetic_free(struct kinetic *k);

/*
 * Queue a job submitted no later than the caller's next kinetic_advance
 * (earlier is fine: a job held back is queued late), and play it in at
 * once, or at the next head or advance when the tree has just grown. If
 * it was submitted after the clock, the clock first moves to its submit:
 * a match is decided only when both jobs have waited >= 0 s. 0, or -1
 * with errno ENOMEM.
 */
int kinetic_insert(struct kinetic *k, const struct kinetic_job *j);

/*
 * Move the clock to now (>= the clock) and replay the matches due, from
 * the root down to the certificates that failed.
 */
void kinetic_advance(struct kinetic *k, int64_t now);

/* The head at the clock's second, or NULL if the queue is empty. */
const struct kinetic_job *kinetic_head(struct kinetic *k);

/*
 * True if a queued job, held out or playing, asks for at most procs
 * processors (a walk of the queue).
 */
bool kinetic_any_fits(const struct kinetic *k, int64_t procs);

/* The head's procs at the clock's second; the queue is not empty. */
int32_t kinetic_head_procs(struct kinetic *k);

/*
 * Remove the head, replay its matches at the same second, and play in the
 * jobs it alone held out. 0, or -1 with errno ENOMEM (the queue is then
 * unusable).
 */
int kinetic_remove_head(struct kinetic *k);

#endif
