/*
 * queue.h: a site's wait queue in priority order. Static policies index
 * the queued jobs by their precomputed rank in a 64-ary tree of the least
 * procs below each node, so that the next job that fits is found in a few
 * cache lines; dynamic ones a sorted array (for WFP3 and UNICEF kept in
 * order between passes by the jobs' lines), or for WFP3 and UNICEF without
 * backfilling on one site, no job known in advance, a kinetic tournament
 * that knows only the head (kinetic.h).
 */
#ifndef SCHED_QUEUE_H
#define SCHED_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kinetic.h"

#define QUEUE_NONE UINT32_MAX

/* An entry: priority key (smaller first), ties by submit, then idx. */
struct queue_entry {
	double key;
	int64_t submit;
	uint32_t idx;
	int32_t procs;
};

/* Total order of entries: key, then submit, then idx. */
int queue_entry_cmp(const void *a, const void *b);

/* Every job's rank in a static policy's order (shared by all sites). */
struct queue_ranks {
	uint32_t *rank_of; /* rank_of[idx] */
	size_t n;
	/* least[r]: the least value of the jobs ranked r or after; or NULL */
	int64_t *least;
};

/*
 * Sort all[0..n) (one entry per job, idx < n) by queue_entry_cmp and record
 * the ranks. When all[] is already in (submit, idx) order (the arrival
 * order) a stable radix sort by key does it in O(n); otherwise a
 * comparison sort. Keys must not be NaN. 0, or -1 (ENOMEM). Release with
 * queue_ranks_free.
 */
int queue_ranks_build(struct queue_ranks *r, struct queue_entry *all, size_t n);
void queue_ranks_free(struct queue_ranks *r);

/*
 * Fill r->least from value(arg, idx) of every job (least[n] is INT64_MAX):
 * a bound on what the jobs from a rank on can hold (their least estimate:
 * EASY's walk for backfill candidates, and conservative's for jobs that
 * could start now). 0, or -1 (ENOMEM).
 */
int queue_ranks_least(struct queue_ranks *r,
	int64_t (*value)(const void *arg, uint32_t idx), const void *arg);

/* Fan-out of the static queue's tree. */
#define QUEUE_FANOUT 64
#define QUEUE_LEVELS_MAX 8

/*
 * Positions: a rank (static) or an array index (dynamic). The caller
 * iterates with queue_next from pos 0, removes what it starts with
 * queue_remove_at, and calls queue_commit once the pass is over.
 */
struct wait_queue {
	const struct queue_ranks *ranks; /* NULL: dynamic */
	/*
	 * Static: level[0][rank] is the procs of the job queued at rank
	 * (UINT32_MAX: none); level[k + 1][i] the least of level[k][64 i ..
	 * 64 i + 63]. The top level has one entry.
	 */
	uint32_t *level[QUEUE_LEVELS_MAX];
	uint64_t *mask[QUEUE_LEVELS_MAX]; /* bit j of mask[k][g]: level[k][64
					   * g + j] holds a job */
	size_t size[QUEUE_LEVELS_MAX];	  /* entries of each level */
	size_t levels;
	size_t first;	       /* no job is queued at a rank below it */
	uint32_t *idx_of;      /* idx at each queued rank */
	struct queue_entry *a; /* dynamic: entries in order */
	size_t len, acap;
	size_t first_removed; /* the least position removed in this pass */
	bool removed;
	/*
	 * Dynamic: how many waiting jobs ask for each number of processors,
	 * a bit per non-zero count, and the first word with a bit set
	 * (SIZE_MAX: none), so the least request needs no walk.
	 */
	uint32_t *size_count;
	uint64_t *size_bits;
	size_t size_words, size_lo;
	size_t count;
	/*
	 * Dynamic, ordered by lines (queue_resort_linear): a kinetic sorted
	 * array. a[0..placed) is in order at lin_now and a[placed..len) was
	 * queued since; fail[i] is the second from which a[i] and a[i + 1]
	 * must be compared again (INT64_MIN: now), and due at most the least
	 * fail. lin_ok: kept so since the last full sort.
	 */
	int64_t *fail;
	const struct policy_linear *lin; /* the lines of the last call */
	size_t placed;
	int64_t lin_now, due;
	bool lin_ok;
	/* kinetic: the tournament, and each job's line from the caller */
	struct kinetic *kin;
	int (*linear_of)(void *arg, uint32_t idx, struct policy_linear *lin);
	void *linear_arg;
};

/* Static queue over ranks (not owned). 0, or -1 (ENOMEM). */
int queue_init_static(struct wait_queue *q, const struct queue_ranks *ranks);
/* Dynamic queue: entries appended, ordered by queue_resort. */
void queue_init_dynamic(struct wait_queue *q);
/*
 * Kinetic queue: only its head is known (position 0 of queue_next and
 * queue_remove_at); for passes without backfilling. linear_of(arg, idx,
 * lin) gives a job's line (policy_linear_form), 0 or -1. 0, or -1
 * (ENOMEM).
 */
int queue_init_kinetic(struct wait_queue *q,
	int (*linear_of)(void *arg, uint32_t idx, struct policy_linear *lin),
	void *arg);
void queue_free(struct wait_queue *q);

/*
 * Add an entry. Its key orders a dynamic queue sorted by queue_resort (and
 * is then replaced); queue_resort_linear scores from the lines instead.
 */
int queue_insert(struct wait_queue *q, const struct queue_entry *e);

/*
 * The first job at a position >= *pos whose procs <= limit: its idx, with
 * *pos set to its position; QUEUE_NONE if there is none.
 */
uint32_t queue_next(const struct wait_queue *q, size_t *pos, int64_t limit);

/*
 * The first job at a position >= *pos, if its procs <= limit: its idx;
 * QUEUE_NONE if there is none or it does not fit (unlike queue_next, it
 * is not passed over). *pos is set to its position either way, where
 * queue_at finds a head that did not fit without a second search. The
 * procs are the queue's own copy, so a head that does not fit costs no
 * read of its job.
 */
uint32_t queue_first_if_fits(
	const struct wait_queue *q, size_t *pos, int64_t limit);

/*
 * The job waiting at pos, a position queue_next or queue_first_if_fits
 * gave in this pass; QUEUE_NONE if it has been removed.
 */
uint32_t queue_at(const struct wait_queue *q, size_t pos);

/*
 * Remove the job at pos (found by queue_next in this pass). 0, or -1 with
 * errno ENOMEM (a kinetic queue plays in the jobs the head held out; the
 * queue is then unusable).
 */
int queue_remove_at(struct wait_queue *q, size_t pos);

/* End of a pass: compacts a dynamic queue after removals. */
void queue_commit(struct wait_queue *q);

/*
 * True when a waiting job asks for at most procs processors. A dynamic
 * queue answers from its index of requests, without a walk; above 2^20
 * processors it may say true when none fits.
 */
bool queue_any_fits(const struct wait_queue *q, int64_t procs);

/* Kinetic queues: the order at now (>= the last now); others: nothing. */
void queue_set_time(struct wait_queue *q, int64_t now);

/* Dynamic queues: recompute every key with score(arg, idx) and sort. */
void queue_resort(
	struct wait_queue *q, double (*score)(void *, uint32_t), void *arg);

/*
 * queue_resort for a policy with lines: the order of the keys
 * policy_linear_score(&lin[idx], now - submit) (the same bits as a score
 * callback that calls policy_score), then submit, then idx. The order is
 * kept between calls, as a kinetic sorted array: each pair of neighbours
 * knows from the jobs' lines the first second at which they may swap, so
 * a call compares again only the pairs whose second has come and places
 * the jobs queued since, instead of re-scoring and re-sorting the queue.
 * A call whose now goes back, or whose lin is another array, sorts anew;
 * lin's lines must not change while the queue uses them. Keys are left as
 * scored at the last full sort: only the order is kept.
 */
void queue_resort_linear(
	struct wait_queue *q, const struct policy_linear *lin, int64_t now);

static inline size_t queue_count(const struct wait_queue *q)
{
	return q->count;
}

#endif
