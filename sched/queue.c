/*
 * queue.c: wait queues: a 64-ary min-tree of procs over static ranks (the
 * next job that fits in a few cache lines), or an array re-sorted by pass
 * (for WFP3 and UNICEF kept in order between passes: queue_linear.c); and
 * the ranks of a static order (radix-sorted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "queue_internal.h"

/* a before b: queue_entry_cmp < 0, inlined for the sort's inner loop */
static inline bool entry_less(
	const struct queue_entry *a, const struct queue_entry *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	if (a->submit != b->submit)
		return a->submit < b->submit;
	return a->idx < b->idx;
}

int queue_entry_cmp(const void *pa, const void *pb)
{
	const struct queue_entry *a = pa, *b = pb;

	if (entry_less(a, b))
		return -1;
	return entry_less(b, a);
}

/* ---- ranks ---- */

/*
 * A double's bits mapped so that unsigned order is numeric order (-0.0 as
 * 0.0; no NaN).
 */
static uint64_t key_bits(double key)
{
	uint64_t u;

	key += 0.0; /* -0.0 becomes 0.0 */
	memcpy(&u, &key, sizeof(u));
	return u >> 63 ? ~u : u | (1ULL << 63);
}

struct keyed {
	uint64_t bits;
	uint32_t idx;
};

/*
 * Stable LSD radix sort of a[0..n) by bits, 8 bits a pass; passes whose
 * byte is the same in every key are skipped. tmp holds n entries.
 */
static void radix_sort(struct keyed *a, struct keyed *tmp, size_t n)
{
	size_t count[8][256] = {{0}};
	struct keyed *src = a, *dst = tmp, *swap;

	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][(a[i].bits >> (8 * b)) & 0xff]++;
	for (int b = 0; b < 8; b++) {
		size_t sum = 0;

		if (count[b][(a[0].bits >> (8 * b)) & 0xff] == n)
			continue;
		for (int d = 0; d < 256; d++) {
			size_t c = count[b][d];

			count[b][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[b][(src[i].bits >> (8 * b)) & 0xff]++] =
				src[i];
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* True when all[] is in (submit, idx) order. */
static bool in_arrival_order(const struct queue_entry *all, size_t n)
{
	for (size_t k = 1; k < n; k++)
		if (all[k].submit < all[k - 1].submit ||
			(all[k].submit == all[k - 1].submit &&
				all[k].idx <= all[k - 1].idx))
			return false;
	return true;
}

int queue_ranks_build(struct queue_ranks *r, struct queue_entry *all, size_t n)
{
	struct keyed *a = NULL, *tmp = NULL;
	size_t k;

	r->n = n;
	r->least = NULL;
	r->rank_of = malloc((n ? n : 1) * sizeof(*r->rank_of));
	if (!r->rank_of)
		goto nomem;
	if (n < 2 || !in_arrival_order(all, n)) {
		qsort(all, n, sizeof(*all), queue_entry_cmp);
		for (k = 0; k < n; k++)
			r->rank_of[all[k].idx] = (uint32_t)k;
		return 0;
	}
	/* Ties in key keep the arrival order: (submit, idx). */
	a = malloc(n * sizeof(*a));
	tmp = malloc(n * sizeof(*tmp));
	if (!a || !tmp)
		goto nomem;
	for (k = 0; k < n; k++)
		a[k] = (struct keyed){key_bits(all[k].key), all[k].idx};
	radix_sort(a, tmp, n);
	for (k = 0; k < n; k++)
		r->rank_of[a[k].idx] = (uint32_t)k;
	free(tmp);
	free(a);
	return 0;
nomem:
	free(tmp);
	free(a);
	queue_ranks_free(r);
	errno = ENOMEM;
	return -1;
}

int queue_ranks_least(struct queue_ranks *r,
	int64_t (*value)(const void *arg, uint32_t idx), const void *arg)
{
	int64_t *least = malloc((r->n + 1) * sizeof(*least));

	if (!least) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		least[r->rank_of[i]] = value(arg, (uint32_t)i);
	least[r->n] = INT64_MAX;
	for (size_t k = r->n; k-- > 0;)
		if (least[k + 1] < least[k])
			least[k] = least[k + 1];
	free(r->least);
	r->least = least;
	return 0;
}

void queue_ranks_free(struct queue_ranks *r)
{
	if (!r)
		return;
	free(r->rank_of);
	free(r->least);
	r->rank_of = NULL;
	r->least = NULL;
	r->n = 0;
}

/* ---- static queues: a 64-ary min-tree over ranks ---- */

#define FAN QUEUE_FANOUT

int queue_init_static(struct wait_queue *q, const struct queue_ranks *ranks)
{
	size_t len = ranks->n ? ranks->n : 1;

	memset(q, 0, sizeof(*q));
	q->ranks = ranks;
	q->idx_of = malloc(len * sizeof(*q->idx_of));
	if (!q->idx_of)
		goto nomem;
	for (;;) {
		size_t groups = (len + FAN - 1) / FAN;

		if (q->levels == QUEUE_LEVELS_MAX)
			goto nomem;
		q->level[q->levels] = malloc(len * sizeof(uint32_t));
		q->mask[q->levels] = calloc(groups, sizeof(uint64_t));
		if (!q->level[q->levels] || !q->mask[q->levels])
			goto nomem;
		memset(q->level[q->levels], 0xff, len * sizeof(uint32_t));
		q->size[q->levels++] = len;
		if (len == 1)
			break;
		len = groups;
	}
	return 0;
nomem:
	queue_free(q);
	errno = ENOMEM;
	return -1;
}

void queue_init_dynamic(struct wait_queue *q)
{
	memset(q, 0, sizeof(*q));
	q->size_lo = SIZE_MAX;
}

/* ---- dynamic: the requests' sizes ---- */

/*
 * Requests above this share its slot, which keeps the index small on a
 * machine of billions of processors; the least request found is then a
 * lower bound, which is all its users need.
 */
#define SIZE_SLOTS_MAX ((size_t)1 << 20)

static size_t size_slot(int32_t procs)
{
	if (procs <= 0)
		return 0;
	return (size_t)procs < SIZE_SLOTS_MAX ? (size_t)procs
					      : SIZE_SLOTS_MAX - 1;
}

static int size_add(struct wait_queue *q, int32_t procs)
{
	size_t p = size_slot(procs), w = p / 64;

	if (w >= q->size_words) {
		size_t n = q->size_words ? q->size_words : 4;
		uint32_t *count;
		uint64_t *bits;

		while (n <= w)
			n *= 2;
		count = realloc(q->size_count, n * 64 * sizeof(*count));
		if (!count)
			goto nomem;
		q->size_count = count;
		bits = realloc(q->size_bits, n * sizeof(*bits));
		if (!bits)
			goto nomem;
		q->size_bits = bits;
		memset(count + q->size_words * 64, 0,
			(n - q->size_words) * 64 * sizeof(*count));
		memset(bits + q->size_words, 0,
			(n - q->size_words) * sizeof(*bits));
		q->size_words = n;
	}
	if (q->size_count[p]++ == 0)
		q->size_bits[w] |= 1ULL << (p % 64);
	if (q->size_lo == SIZE_MAX || w < q->size_lo)
		q->size_lo = w;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

static void size_remove(struct wait_queue *q, int32_t procs)
{
	size_t p = size_slot(procs), w = p / 64;

	if (--q->size_count[p] != 0)
		return;
	q->size_bits[w] &= ~(1ULL << (p % 64));
	if (w != q->size_lo || q->size_bits[w])
		return;
	while (++w < q->size_words)
		if (q->size_bits[w]) {
			q->size_lo = w;
			return;
		}
	q->size_lo = SIZE_MAX;
}

/*
 * The least request of a waiting job, or a lower bound of it (see
 * SIZE_SLOTS_MAX), in a dynamic queue; -1 when none waits.
 */
static int64_t size_least(const struct wait_queue *q)
{
	size_t w = q->size_lo;

	if (w == SIZE_MAX)
		return -1;
	return (int64_t)(w * 64 + (size_t)__builtin_ctzll(q->size_bits[w]));
}

int queue_init_kinetic(struct wait_queue *q,
	int (*linear_of)(void *arg, uint32_t idx, struct policy_linear *lin),
	void *arg)
{
	memset(q, 0, sizeof(*q));
	q->kin = calloc(1, sizeof(*q->kin));
	if (!q->kin) {
		errno = ENOMEM;
		return -1;
	}
	q->linear_of = linear_of;
	q->linear_arg = arg;
	return 0;
}

/* Kinetic queues: the head, if it needs at most limit procs. */
static uint32_t kinetic_next(const struct wait_queue *q, size_t pos,
	int64_t limit)
{
	/* the head's procs are in the final's node: its job is not read */
	if (pos != 0 || kinetic_head_procs(q->kin) > limit)
		return QUEUE_NONE;
	return kinetic_head(q->kin)->idx;
}

static int kinetic_queue_insert(
	struct wait_queue *q, const struct queue_entry *e)
{
	struct kinetic_job j = {
		.submit = e->submit, .idx = e->idx, .procs = e->procs};

	if (q->linear_of(q->linear_arg, e->idx, &j.lin) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (kinetic_insert(q->kin, &j) < 0)
		return -1;
	q->count++;
	return 0;
}

void queue_set_time(struct wait_queue *q, int64_t now)
{
	if (q->kin)
		kinetic_advance(q->kin, now);
}

void queue_free(struct wait_queue *q)
{
	if (!q)
		return;
	for (size_t k = 0; k < QUEUE_LEVELS_MAX; k++) {
		free(q->level[k]);
		free(q->mask[k]);
	}
	free(q->idx_of);
	free(q->a);
	free(q->fail);
	free(q->size_count);
	free(q->size_bits);
	kinetic_free(q->kin);
	free(q->kin);
	memset(q, 0, sizeof(*q));
}

/* Entry i of level k now holds v (UINT32_MAX: nothing): its group's mask. */
static void mark(struct wait_queue *q, size_t k, size_t i, uint32_t v)
{
	uint64_t bit = 1ULL << (i % FAN);

	if (v == UINT32_MAX)
		q->mask[k][i / FAN] &= ~bit;
	else
		q->mask[k][i / FAN] |= bit;
}

/* Set the procs at rank to v (UINT32_MAX: none) and the minima above. */
static void tree_set(struct wait_queue *q, size_t rank, uint32_t v)
{
	uint32_t old = q->level[0][rank], m;
	size_t i = rank;

	q->level[0][rank] = v;
	mark(q, 0, rank, v);
	for (size_t k = 1; k < q->levels; k++) {
		uint32_t *up = &q->level[k][i / FAN];

		if (v < *up) {
			m = v;
		} else if (old != *up || v == old) {
			return; /* the least of the group is unchanged */
		} else {
			/* the least left the group: look again */
			const uint32_t *c = q->level[k - 1] + i / FAN * FAN;
			uint64_t bits = q->mask[k - 1][i / FAN];

			m = UINT32_MAX;
			for (; bits; bits &= bits - 1) {
				uint32_t x = c[__builtin_ctzll(bits)];

				if (x < m)
					m = x;
			}
		}
		old = *up;
		if (old == m)
			return;
		*up = m;
		mark(q, k, i / FAN, m);
		v = m;
		i /= FAN;
	}
}

/*
 * The first entry of level k at or after from, up to the end of the group
 * of FAN entries that holds from, whose value <= limit; or SIZE_MAX.
 */
static size_t scan_group(
	const struct wait_queue *q, size_t k, size_t from, uint32_t limit)
{
	const uint32_t *v = q->level[k];
	uint64_t bits = q->mask[k][from / FAN] & (~0ULL << (from % FAN));
	size_t first = from / FAN * FAN;

	for (; bits; bits &= bits - 1) {
		size_t i = first + (size_t)__builtin_ctzll(bits);

		if (v[i] <= limit)
			return i;
	}
	return SIZE_MAX;
}

/* The least rank >= pos whose procs <= limit, or SIZE_MAX. */
static size_t tree_find(const struct wait_queue *q, size_t pos, uint32_t limit)
{
	size_t k = 0, i = pos, found;

	/* Up: from the group of pos, then the groups after it. */
	while ((found = scan_group(q, k, i, limit)) == SIZE_MAX) {
		if (++k == q->levels)
			return SIZE_MAX;
		i = i / FAN + 1;
		if (i >= q->size[k])
			return SIZE_MAX;
	}
	/* Down: the first match below. */
	while (k-- > 0)
		found = scan_group(q, k, found * FAN, limit);
	return found;
}

/* ---- both kinds ---- */

int queue_insert(struct wait_queue *q, const struct queue_entry *e)
{
	struct queue_entry *grown;

	if (q->kin)
		return kinetic_queue_insert(q, e);
	if (q->ranks) {
		uint32_t rank = q->ranks->rank_of[e->idx];

		q->idx_of[rank] = e->idx;
		tree_set(q, rank, (uint32_t)e->procs);
		if (rank < q->first || q->count == 0)
			q->first = rank;
		q->count++;
		return 0;
	}
	if (q->len == q->acap) {
		size_t cap = q->acap ? q->acap * 2 : 256;
		int64_t *fail;

		grown = realloc(q->a, cap * sizeof(*grown));
		if (!grown) {
			errno = ENOMEM;
			return -1;
		}
		q->a = grown;
		fail = realloc(q->fail, cap * sizeof(*fail));
		if (!fail) {
			errno = ENOMEM;
			return -1;
		}
		q->fail = fail;
		q->acap = cap;
	}
	if (size_add(q, e->procs) < 0)
		return -1;
	q->a[q->len++] = *e;
	q->count++;
	return 0;
}

uint32_t queue_next(const struct wait_queue *q, size_t *pos, int64_t limit)
{
	size_t i;

	if (limit <= 0 || q->count == 0)
		return QUEUE_NONE;
	if (limit >= UINT32_MAX)
		limit = UINT32_MAX - 1;
	if (q->kin)
		return kinetic_next(q, *pos, limit);
	if (q->ranks) {
		if (*pos >= q->ranks->n)
			return QUEUE_NONE;
		i = tree_find(
			q, *pos > q->first ? *pos : q->first, (uint32_t)limit);
		if (i == SIZE_MAX)
			return QUEUE_NONE;
		*pos = i;
		return q->idx_of[i];
	}
	/* Not a walk to the end when no waiting job fits at all. */
	if (size_least(q) > limit)
		return QUEUE_NONE;
	for (i = *pos; i < q->len; i++) {
		/* most do not fit: their idx is not read */
		if (q->a[i].procs <= limit && q->a[i].idx != QUEUE_NONE) {
			*pos = i;
			return q->a[i].idx;
		}
	}
	return QUEUE_NONE;
}

uint32_t queue_first_if_fits(
	const struct wait_queue *q, size_t *pos, int64_t limit)
{
	uint32_t idx;
	int64_t procs;

	if (q->kin) /* the head's job is read only if it fits */
		return queue_next(q, pos, limit);
	idx = queue_next(q, pos, INT64_MAX);
	if (idx == QUEUE_NONE)
		return QUEUE_NONE;
	procs = q->ranks ? (int64_t)q->level[0][*pos] : q->a[*pos].procs;
	return procs <= limit ? idx : QUEUE_NONE;
}

uint32_t queue_at(const struct wait_queue *q, size_t pos)
{
	if (q->kin)
		return pos == 0 && q->count ? kinetic_head(q->kin)->idx
					    : QUEUE_NONE;
	if (q->ranks)
		return pos < q->ranks->n && q->level[0][pos] != UINT32_MAX
			       ? q->idx_of[pos]
			       : QUEUE_NONE;
	return pos < q->len ? q->a[pos].idx : QUEUE_NONE;
}

int queue_remove_at(struct wait_queue *q, size_t pos)
{
	if (q->kin) {
		q->count--;
		return kinetic_remove_head(q->kin); /* pos is 0, the head */
	}
	if (q->ranks) {
		tree_set(q, pos, UINT32_MAX);
		q->count--;
		return 0;
	}
	size_remove(q, q->a[pos].procs);
	q->a[pos].idx = QUEUE_NONE;
	if (!q->removed || pos < q->first_removed)
		q->first_removed = pos;
	q->removed = true;
	q->count--;
	return 0;
}

/*
 * Compact a dynamic queue after removals: the runs of entries between
 * them move down, each with one memmove. Entries that become neighbours
 * in the placed part are in order at lin_now still, and certified from
 * there. (Locals, not q's fields: a store to fail[] may alias them.)
 */
void queue_commit(struct wait_queue *q)
{
	struct queue_entry *a = q->a;
	const struct policy_linear *lin = q->lin_ok ? q->lin : NULL;
	int64_t *fail = q->fail, due = q->due, at = q->lin_now;
	size_t i, k, o, n = q->len, placed = q->placed, kept = placed;

	if (q->ranks || q->kin || !q->removed)
		return;
	for (i = o = q->first_removed; i < n; i = k) {
		if (a[i].idx == QUEUE_NONE) {
			if (i < placed)
				kept--;
			k = i + 1;
			continue;
		}
		for (k = i + 1; k < n && a[k].idx != QUEUE_NONE; k++)
			;
		if (lin && o > 0 && i < placed) { /* a[i - 1] was removed */
			fail[o - 1] =
				queue_pair_fail(lin, &a[o - 1], &a[i], at);
			due = queue_sooner(due, fail[o - 1]);
		}
		memmove(&a[o], &a[i], (k - i) * sizeof(*a));
		memmove(&fail[o], &fail[i], (k - i) * sizeof(*fail));
		o += k - i;
	}
	q->len = o;
	q->placed = kept;
	q->due = due;
	q->removed = false;
}

/*
 * Sort a[0..n) by queue_entry_cmp: by insertion while that takes few moves
 * (a queue re-scored since the last pass is nearly in order, and at about
 * half the passes of a loaded trace wholly in order: an entry already in
 * place costs one comparison), else qsort.
 */
void queue_sort_entries(struct queue_entry *a, size_t n)
{
	size_t moves = 0, budget = 8 * n + 64;

	for (size_t i = 1; i < n; i++) {
		struct queue_entry x;
		size_t j = i;

		if (!entry_less(&a[i], &a[i - 1]))
			continue;
		x = a[i];
		do {
			a[j] = a[j - 1];
			j--;
			moves++;
		} while (j > 0 && entry_less(&x, &a[j - 1]));
		a[j] = x;
		if (moves > budget) {
			qsort(a, n, sizeof(*a), queue_entry_cmp);
			return;
		}
	}
}

bool queue_any_fits(const struct wait_queue *q, int64_t procs)
{
	int64_t least;

	if (q->kin)
		return kinetic_any_fits(q->kin, procs);
	if (q->ranks)
		return q->count &&
		       tree_find(q, 0, procs > UINT32_MAX ? UINT32_MAX
							  : (uint32_t)procs) !=
			       SIZE_MAX;
	/* a lower bound of the least request: exact below 2^20 */
	least = size_least(q);
	return least >= 0 && least <= procs;
}

void queue_resort(
	struct wait_queue *q, double (*score)(void *, uint32_t), void *arg)
{
	size_t i;

	if (q->ranks || q->kin)
		return;
	queue_commit(q);
	for (i = 0; i < q->len; i++)
		q->a[i].key = score(arg, q->a[i].idx);
	queue_sort_entries(q->a, q->len);
	q->lin_ok = false;
}
