/*
 * kinetic.c: a kinetic tournament over the queued jobs of a WFP3 or
 * UNICEF queue (see kinetic.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kinetic.h"

#define KINETIC_FIRST_CAP 64

void kinetic_free(struct kinetic *k)
{
	if (!k)
		return;
	free(k->job);
	free(k->node);
	free(k->fail);
	free(k->due);
	free(k->free_slot);
	free(k->slot_seq);
	free(k->seq_job);
	free(k->seq_slot);
	free(k->seq_max);
	memset(k, 0, sizeof(*k));
}

/* True when slot a runs before slot b at now: queue_entry_cmp's order. */
static bool runs_first(const struct kinetic *k, uint32_t a, uint32_t b,
	int64_t now)
{
	const struct kinetic_job *x = &k->job[a], *y = &k->job[b];
	double sx = policy_linear_score(&x->lin, (double)(now - x->submit));
	double sy = policy_linear_score(&y->lin, (double)(now - y->submit));

	if (sx != sy)
		return sx < sy;
	if (x->submit != y->submit)
		return x->submit < y->submit;
	return x->idx < y->idx;
}

/* x's winner's line at now: its score's order, growing linearly. */
static inline double line_value(const struct kinetic_node *x, int64_t now)
{
	return x->rate * (double)(now - x->submit) + x->offset;
}

/*
 * When the loser may first run before the winner, both compared at now
 * (their lines there va and vb): never for the same line (a score never
 * falls behind a later-submitted twin's), never if the loser's line is
 * flatter, else where the lines cross, less a slack for rounding (the
 * score's own and the lines').
 */
static int64_t overtake_time(const struct kinetic *k,
	const struct kinetic_node *win, const struct kinetic_node *lose,
	double va, double vb, int64_t now)
{
	if (kinetic_near_parallel(win->rate, lose->rate))
		return kinetic_same_line(&k->job[win->winner].lin,
			       &k->job[lose->winner].lin) ?
			       INT64_MAX :
			       now + 1;
	return kinetic_crossing(win->rate, lose->rate, va, vb, now);
}

/* The least due of node n's subtree, its own fail included. */
static inline void update_due(struct kinetic *k, size_t n)
{
	int64_t due = k->fail[n];

	if (k->due[2 * n] < due)
		due = k->due[2 * n];
	if (k->due[2 * n + 1] < due)
		due = k->due[2 * n + 1];
	k->due[n] = due;
}

/*
 * Play match n (both children right at now). True if its winner changed.
 * Lines clear apart (KINETIC_CLEAR) decide it without the scores' divisions
 * and cubes; closer ones leave it to the scores, their ties to the submit
 * and the index (runs_first).
 */
static bool play(struct kinetic *k, size_t n, int64_t now)
{
	struct kinetic_node *x = &k->node[n];
	const struct kinetic_node *a = &k->node[2 * n], *b = a + 1;
	uint32_t old = x->winner;
	double va, vb, clear;
	bool a_first;

	if (a->winner == KINETIC_NONE || b->winner == KINETIC_NONE) {
		*x = a->winner == KINETIC_NONE ? *b : *a;
		k->fail[n] = INT64_MAX;
		update_due(k, n);
		return x->winner != old;
	}
	va = line_value(a, now);
	vb = line_value(b, now);
	clear = KINETIC_CLEAR * (va + vb);
	a_first = va - vb > clear;
	if (!a_first && vb - va <= clear)
		a_first = runs_first(k, a->winner, b->winner, now);
	if (a_first) {
		k->fail[n] = overtake_time(k, a, b, va, vb, now);
		*x = *a;
	} else {
		k->fail[n] = overtake_time(k, b, a, vb, va, now);
		*x = *b;
	}
	update_due(k, n);
	return x->winner != old;
}

/*
 * Replay the matches under n that are due by now, bottom up: a match is
 * played again when its certificate fails or a child's winner changed.
 * True when n's winner changed.
 */
static bool replay(struct kinetic *k, size_t n, int64_t now)
{
	bool changed = false;

	/* leaves are never due: only matches are looked into */
	if (2 * n < k->cap) {
		if (k->due[2 * n] <= now)
			changed = replay(k, 2 * n, now);
		if (k->due[2 * n + 1] <= now)
			changed |= replay(k, 2 * n + 1, now);
	}
	if (changed || k->fail[n] <= now)
		return play(k, n, now);
	update_due(k, n);
	return false;
}

/*
 * Leaf n's job came or went: its match must be played again, and the
 * replay must reach it.
 */
static void mark_path(struct kinetic *k, size_t n)
{
	n /= 2;
	k->fail[n] = INT64_MIN;
	for (; n >= 1; n /= 2)
		k->due[n] = INT64_MIN;
}

/*
 * Leaf n's job came or went while every other match is right at now:
 * replay its path bottom up, playing a match only while the winner below
 * it changed, and stopping where neither the winner nor the due changed
 * (nothing above can), instead of marking the path for a top-down replay.
 */
static void replay_path(struct kinetic *k, size_t n)
{
	bool changed = true;

	for (n /= 2; n >= 1; n /= 2) {
		int64_t due = k->due[n];

		if (changed)
			changed = play(k, n, k->now);
		else
			update_due(k, n);
		if (!changed && k->due[n] == due)
			return;
	}
}

/* Double the slots (the tree is rebuilt at the next replay). 0 or -1. */
static int grow(struct kinetic *k)
{
	size_t cap = k->cap ? 2 * k->cap : KINETIC_FIRST_CAP, i;
	struct kinetic_job *job = realloc(k->job, cap * sizeof(*job));
	struct kinetic_node *node;
	int64_t *fail, *due;
	uint32_t *free_slot, *slot_seq;

	if (!job)
		goto nomem;
	k->job = job;
	free_slot = realloc(k->free_slot, cap * sizeof(*free_slot));
	if (!free_slot)
		goto nomem;
	k->free_slot = free_slot;
	slot_seq = realloc(k->slot_seq, cap * sizeof(*slot_seq));
	if (!slot_seq)
		goto nomem;
	k->slot_seq = slot_seq;
	/* a sibling pair of nodes is 64 bytes: one cache line */
	node = aligned_alloc(64, 2 * cap * sizeof(*node));
	fail = malloc(cap * sizeof(*fail));
	due = malloc(2 * cap * sizeof(*due));
	if (!node || !fail || !due) {
		free(node);
		free(fail);
		free(due);
		goto nomem;
	}
	for (i = 1; i < cap; i++) {
		node[i].winner = KINETIC_NONE;
		fail[i] = INT64_MIN;
		due[i] = INT64_MIN;
	}
	for (i = 0; i < cap; i++) {
		if (i < k->cap)
			node[cap + i] = k->node[k->cap + i];
		else
			node[cap + i].winner = KINETIC_NONE;
		due[cap + i] = INT64_MAX;
	}
	/* the lowest slots are taken first */
	for (i = cap; i-- > k->cap;)
		k->free_slot[k->nfree++] = (uint32_t)i;
	free(k->node);
	free(k->fail);
	free(k->due);
	k->node = node;
	k->fail = fail;
	k->due = due;
	k->cap = cap;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

/* Play job j, at position seq (or KINETIC_NONE), into the tournament. */
static int tournament_add(struct kinetic *k, const struct kinetic_job *j,
	uint32_t seq)
{
	uint32_t s;

	if (k->nfree == 0 && grow(k) < 0)
		return -1;
	s = k->free_slot[--k->nfree];
	k->job[s] = *j;
	k->slot_seq[s] = seq;
	if (seq != KINETIC_NONE)
		k->seq_slot[seq] = s;
	k->node[k->cap + s] = (struct kinetic_node){
		j->lin.rate, j->lin.offset, j->submit, s, j->procs};
	/*
	 * A tree left dirty by a growth is replayed whole at the next head
	 * or advance: marking the path is enough, and cheaper.
	 */
	if (k->due[1] > k->now)
		replay_path(k, k->cap + s);
	else
		mark_path(k, k->cap + s);
	return 0;
}

/* Rates are finite and >= 0, or -INFINITY: no NaN for fmax to mind. */
static inline double faster(double a, double b)
{
	return a > b ? a : b;
}

/*
 * The held-out filter (see kinetic.h). A job waits outside the tournament
 * while an earlier job's line rises faster by KINETIC_OUTRUN_MARGIN: for
 * any two seconds of wait wa >= wb >= 0 and rates ra >= (1 + margin) rb,
 * WFP3's (w / p)^3 q = (w * rate)^3 and UNICEF's (w + e) / scale =
 * (w + e) * rate put a first, the computed scores too (each within a few
 * units in the last place, far below the margin); at wa = wb = 0 WFP3's
 * are both 0 and the earlier (submit, idx) runs first. So such a job
 * cannot be the head while the other waits.
 */
static inline bool outruns(double earlier, double rate)
{
	return earlier >= rate * (1.0 + KINETIC_OUTRUN_MARGIN);
}

/*
 * The tree of fastest rates is 8-ary: a group of 8 siblings is one cache
 * line, so that a search reads about log8 lines, not log2. Level 0 holds
 * each position's rate (-INFINITY once its job left), level l + 1 the
 * fastest of each group of level l, up to a level of one group. Each
 * level is padded with -INFINITY to whole groups.
 */
#define SEQ_FAN 8

static inline double *seq_level(const struct kinetic *k, size_t l)
{
	return k->seq_max + k->seq_off[l];
}

/* Lay the levels out for cap positions: their offsets, and the total. */
static size_t seq_layout(struct kinetic *k, size_t cap)
{
	size_t n = cap, total = 0;

	for (k->seq_levels = 0;; n = (n + SEQ_FAN - 1) / SEQ_FAN) {
		size_t len = (n + SEQ_FAN - 1) / SEQ_FAN * SEQ_FAN;

		k->seq_off[k->seq_levels] = total;
		k->seq_len[k->seq_levels++] = len;
		total += len;
		if (n <= SEQ_FAN)
			return total;
	}
}

/* The fastest of group g at level l. */
static double seq_group_max(const double *level, size_t g)
{
	double m = level[g * SEQ_FAN];

	for (size_t c = 1; c < SEQ_FAN; c++)
		m = faster(m, level[g * SEQ_FAN + c]);
	return m;
}

/* Set position i's rate (-INFINITY: empty), keeping the groups' maxima. */
static void seq_set(struct kinetic *k, size_t i, double rate)
{
	seq_level(k, 0)[i] = rate;
	for (size_t l = 1; l < k->seq_levels; l++) {
		double *up = seq_level(k, l);
		double m;

		i /= SEQ_FAN;
		m = seq_group_max(seq_level(k, l - 1), i);
		if (up[i] == m)
			break;
		up[i] = m;
	}
}

/* Build every level above the positions' rates. */
static void seq_build(struct kinetic *k)
{
	for (size_t l = 1; l < k->seq_levels; l++) {
		const double *below = seq_level(k, l - 1);
		double *up = seq_level(k, l);

		for (size_t g = 0; g < k->seq_len[l]; g++)
			up[g] = g * SEQ_FAN < k->seq_len[l - 1]
					? seq_group_max(below, g)
					: -INFINITY;
	}
}

/* The fastest rate queued. */
static double seq_fastest(const struct kinetic *k)
{
	return seq_group_max(seq_level(k, k->seq_levels - 1), 0);
}

/* The fastest rate at positions before i (-INFINITY if none). */
static double seq_max_before(const struct kinetic *k, size_t i)
{
	double m = -INFINITY;

	for (size_t l = 0; l < k->seq_levels; l++, i /= SEQ_FAN) {
		const double *level = seq_level(k, l);

		for (size_t c = i - i % SEQ_FAN; c < i; c++)
			m = faster(m, level[c]);
	}
	return m;
}

/*
 * The first position after i whose rate no earlier rate up to fastest
 * outruns, or SIZE_MAX: up through the rest of each group, then down into
 * the first group whose fastest is not outrun (a group's fastest is one
 * of its members' exactly, so one of them is not).
 */
static size_t seq_next_free(const struct kinetic *k, size_t i, double fastest)
{
	size_t l = 0, c = i + 1;

	/* past a group's end, c is its parent's next sibling */
	for (;; l++, c /= SEQ_FAN) {
		const double *level = seq_level(k, l);
		size_t end = (c + SEQ_FAN - 1) / SEQ_FAN * SEQ_FAN;

		if (l + 1 == k->seq_levels)
			end = SEQ_FAN;

		while (c < end && outruns(fastest, level[c]))
			c++;
		if (c < end)
			break;
		if (l + 1 == k->seq_levels)
			return SIZE_MAX;
	}
	while (l-- > 0) {
		const double *level = seq_level(k, l);

		c *= SEQ_FAN;
		while (outruns(fastest, level[c]))
			c++;
	}
	return c;
}

/*
 * Room for cap positions, or -1 (ENOMEM). The rates of the old positions
 * are kept (level 0 comes first); the levels above are to be built.
 */
static int seq_grow(struct kinetic *k, size_t cap)
{
	struct kinetic_job *job = realloc(k->seq_job, cap * sizeof(*job));
	size_t old = k->seq_levels ? k->seq_len[0] : 0;
	uint32_t *slot;
	double *max;

	if (!job)
		goto nomem;
	k->seq_job = job;
	slot = realloc(k->seq_slot, cap * sizeof(*slot));
	if (!slot)
		goto nomem;
	k->seq_slot = slot;
	/* a group of 8 rates is 64 bytes: one cache line */
	max = aligned_alloc(64, seq_layout(k, cap) * sizeof(*max));
	if (!max) {
		if (k->seq_cap) /* the layout of what is kept */
			(void)seq_layout(k, k->seq_cap);
		goto nomem;
	}
	if (old)
		memcpy(max, k->seq_max, old * sizeof(*max));
	free(k->seq_max);
	k->seq_max = max;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

/*
 * The positions ran out: give the queued jobs the first ones again, in
 * order (in place: a job moves only down), doubling the positions when
 * they would be more than half taken.
 */
static int seq_renumber(struct kinetic *k)
{
	size_t cap = k->seq_cap ? k->seq_cap : KINETIC_FIRST_CAP, to = 0;
	double *rate;

	while (cap < 2 * k->count + 1)
		cap *= 2;
	if (cap != k->seq_cap && seq_grow(k, cap) < 0)
		return -1;
	rate = seq_level(k, 0);
	for (size_t i = 0; i < k->seq_next; i++) {
		if (rate[i] == -INFINITY)
			continue;
		rate[to] = rate[i];
		k->seq_job[to] = k->seq_job[i];
		k->seq_slot[to] = k->seq_slot[i];
		if (k->seq_slot[to] != KINETIC_NONE)
			k->slot_seq[k->seq_slot[to]] = (uint32_t)to;
		to++;
	}
	for (size_t i = to; i < cap; i++)
		rate[i] = -INFINITY;
	seq_build(k);
	k->seq_cap = cap;
	k->seq_next = to;
	return 0;
}

/* Play every held-out job in, and hold none out again. */
static int stop_holding_out(struct kinetic *k)
{
	k->unordered = true;
	for (size_t i = 0; i < k->seq_next; i++) {
		if (seq_level(k, 0)[i] == -INFINITY ||
			k->seq_slot[i] != KINETIC_NONE)
			continue;
		if (tournament_add(k, &k->seq_job[i], (uint32_t)i) < 0)
			return -1;
	}
	return 0;
}

/* True if j comes after the last job queued, by (submit, idx). */
static bool in_order(const struct kinetic *k, const struct kinetic_job *j)
{
	const struct kinetic_job *last;

	if (k->seq_next == 0)
		return true;
	last = &k->seq_job[k->seq_next - 1];
	return j->submit > last->submit ||
	       (j->submit == last->submit && j->idx > last->idx);
}

int kinetic_insert(struct kinetic *k, const struct kinetic_job *j)
{
	size_t i;

	/*
	 * A match is played only once both jobs have waited >= 0 s: a score
	 * is flat before the submit, where the lines go on falling.
	 */
	if (j->submit > k->now)
		kinetic_advance(k, j->submit);
	if (!k->unordered && !in_order(k, j) && stop_holding_out(k) < 0)
		return -1;
	if (k->unordered) {
		if (tournament_add(k, j, KINETIC_NONE) < 0)
			return -1;
		k->count++;
		return 0;
	}
	if (k->seq_next == k->seq_cap && seq_renumber(k) < 0)
		return -1;
	i = k->seq_next;
	if (outruns(seq_fastest(k), j->lin.rate)) {
		k->seq_slot[i] = KINETIC_NONE;
	} else if (tournament_add(k, j, (uint32_t)i) < 0) {
		return -1;
	}
	k->seq_job[i] = *j;
	k->seq_next++;
	seq_set(k, i, j->lin.rate);
	k->count++;
	return 0;
}

/*
 * Position i's job (the head) has gone: the jobs after it that only it
 * outran, in order of position, are played in. Past a job at least as
 * fast as it, every job is outrun as before.
 */
static int release_outrun(struct kinetic *k, size_t i, double rate)
{
	double fastest = seq_max_before(k, i);

	while (fastest < rate) {
		i = seq_next_free(k, i, fastest);
		if (i == SIZE_MAX)
			break;
		if (k->seq_slot[i] == KINETIC_NONE &&
			tournament_add(k, &k->seq_job[i], (uint32_t)i) < 0)
			return -1;
		fastest = faster(fastest, k->seq_job[i].lin.rate);
	}
	return 0;
}

bool kinetic_any_fits(const struct kinetic *k, int64_t procs)
{
	/* while jobs are held out, every queued job has a position */
	if (!k->unordered) {
		for (size_t i = 0; i < k->seq_next; i++)
			if (seq_level(k, 0)[i] != -INFINITY &&
				k->seq_job[i].procs <= procs)
				return true;
		return false;
	}
	for (size_t s = 0; s < k->cap; s++)
		if (k->node[k->cap + s].winner != KINETIC_NONE &&
			k->job[s].procs <= procs)
			return true;
	return false;
}

void kinetic_advance(struct kinetic *k, int64_t now)
{
	k->now = now;
	if (k->cap && k->due[1] <= now)
		(void)replay(k, 1, now);
}

const struct kinetic_job *kinetic_head(struct kinetic *k)
{
	if (!k->count)
		return NULL;
	if (k->due[1] <= k->now)
		(void)replay(k, 1, k->now);
	return &k->job[k->node[1].winner];
}

int32_t kinetic_head_procs(struct kinetic *k)
{
	if (k->due[1] <= k->now)
		(void)replay(k, 1, k->now);
	return k->node[1].procs;
}

int kinetic_remove_head(struct kinetic *k)
{
	const struct kinetic_job *head = kinetic_head(k);
	uint32_t s, i;
	double rate;

	if (!head)
		return 0;
	s = (uint32_t)(head - k->job);
	i = k->slot_seq[s];
	rate = head->lin.rate;
	k->node[k->cap + s].winner = KINETIC_NONE;
	k->free_slot[k->nfree++] = s;
	k->count--;
	replay_path(k, k->cap + s); /* kinetic_head left no match due */
	if (k->unordered)
		return 0;
	k->seq_slot[i] = KINETIC_NONE;
	seq_set(k, i, -INFINITY);
	return release_outrun(k, i, rate);
}
