/*
 * job_energy.c: a job's measured energy from its steps: the extern step
 * when there is one, else the union of step lifetimes per node.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_energy.h"

/*
 * Step lifetimes are whole seconds: a step inside another one's lifetime
 * widened by this much either side is inside it (a step recorded to end a
 * second after its batch step). Partial overlaps are measured exactly, so
 * a step that starts the second another ended loses nothing.
 */
#define SLACK_S 1

const char *energy_source_name(enum energy_source s)
{
	switch (s) {
	case ENERGY_SOURCE_MEASURED:
		return "measured";
	case ENERGY_SOURCE_PARTIAL:
		return "partial";
	case ENERGY_SOURCE_ESTIMATED:
		return "estimated";
	case ENERGY_SOURCE_NONE:
		break;
	}
	return "none";
}

static bool known(double j)
{
	return isfinite(j) && j >= 0;
}

static int add_piece(struct job_energy *je, double joules, int64_t t0, int64_t t1)
{
	if (je->npieces == je->cap) {
		size_t cap = je->cap ? je->cap * 2 : 8;
		struct energy_piece *p = realloc(je->pieces, cap * sizeof(*p));

		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		je->pieces = p;
		je->cap = cap;
	}
	je->pieces[je->npieces++] = (struct energy_piece){joules, t0, t1};
	je->joules += joules;
	return 0;
}

/*
 * Accepted intervals: triples (step index, node index, unused) kept as
 * int64 start/end plus a pointer to the node name, in parallel arrays
 * packed into je->iv: [start, end, step, node] per entry.
 */
struct accepted {
	struct job_energy *je;
	const struct job_record *job;
	size_t n;
};

static const char *iv_node(const struct accepted *a, size_t i)
{
	const int64_t *e = &a->je->iv[4 * i];

	return nodelist_name(a->job->steps[e[2]].nodes, (size_t)e[3]);
}

static int accept(struct accepted *a, size_t step, size_t node)
{
	const struct job_step_record *s = &a->job->steps[step];
	struct job_energy *je = a->je;

	if (4 * (a->n + 1) > je->iv_cap) {
		size_t cap = je->iv_cap ? je->iv_cap * 2 : 64;
		int64_t *iv = realloc(je->iv, cap * sizeof(*iv));

		if (!iv) {
			errno = ENOMEM;
			return -1;
		}
		je->iv = iv;
		je->iv_cap = cap;
	}
	je->iv[4 * a->n] = s->start;
	je->iv[4 * a->n + 1] = s->end;
	je->iv[4 * a->n + 2] = (int64_t)step;
	je->iv[4 * a->n + 3] = (int64_t)node;
	a->n++;
	return 0;
}

/* Room for n clipped intervals in je->clip. */
static int reserve_clip(struct job_energy *je, size_t n)
{
	int64_t *clip;

	if (2 * n <= je->clip_cap)
		return 0;
	clip = realloc(je->clip, 2 * n * sizeof(*clip));
	if (!clip) {
		errno = ENOMEM;
		return -1;
	}
	je->clip = clip;
	je->clip_cap = 2 * n;
	return 0;
}

/* Below this many entries, an insertion sort beats qsort's calls. */
#define SMALL_SORT 16

static int cmp_start(const void *x, const void *y)
{
	const int64_t *a = x, *b = y;

	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* Sort n [start, end) pairs by start. */
static void sort_pairs(int64_t *pairs, size_t n)
{
	size_t i, j;

	if (n > SMALL_SORT) {
		qsort(pairs, n, 2 * sizeof(*pairs), cmp_start);
		return;
	}
	for (i = 1; i < n; i++) {
		int64_t s = pairs[2 * i], e = pairs[2 * i + 1];

		for (j = i; j > 0 && pairs[2 * (j - 1)] > s; j--) {
			pairs[2 * j] = pairs[2 * (j - 1)];
			pairs[2 * j + 1] = pairs[2 * (j - 1) + 1];
		}
		pairs[2 * j] = s;
		pairs[2 * j + 1] = e;
	}
}

/* Total length of the union of n [start, end) pairs (sorted here). */
static int64_t union_length(int64_t *pairs, size_t n)
{
	int64_t total = 0, cur_s = 0, cur_e = 0;
	size_t i;

	sort_pairs(pairs, n);
	for (i = 0; i < n; i++) {
		int64_t s = pairs[2 * i], e = pairs[2 * i + 1];

		if (i && s <= cur_e) {
			if (e > cur_e)
				cur_e = e;
			continue;
		}
		total += cur_e - cur_s;
		cur_s = s;
		cur_e = e;
	}
	return total + (cur_e - cur_s);
}

/*
 * Fraction of [s, e] on node not yet covered by accepted intervals: 0 when
 * one of them, widened by SLACK_S, holds it; otherwise exactly measured.
 * For an instant (e <= s), 0 if covered and 1 if not. -1 on ENOMEM.
 */
static double uncovered(const struct accepted *a, const char *node, int64_t s,
	int64_t e)
{
	int64_t *clip, last = e > s ? e : s;
	size_t i, n = 0;

	if (reserve_clip(a->je, a->n + 1) < 0)
		return -1;
	clip = a->je->clip;
	for (i = 0; i < a->n; i++) {
		const int64_t *iv = &a->je->iv[4 * i];
		const char *name;

		/* the times first: comparing them is cheaper than the names */
		if (iv[1] + SLACK_S < s || iv[0] - SLACK_S > last)
			continue;
		name = iv_node(a, i);
		if (name != node && strcmp(name, node))
			continue;
		if (iv[0] - SLACK_S <= s && last <= iv[1] + SLACK_S)
			return 0;
		if (e <= s || iv[1] <= s || iv[0] >= e)
			continue;
		clip[2 * n] = iv[0] > s ? iv[0] : s;
		clip[2 * n + 1] = iv[1] < e ? iv[1] : e;
		n++;
	}
	if (e <= s)
		return 1;
	return 1.0 - (double)union_length(clip, n) / (double)(e - s);
}

/* A step's energy on its k-th node. */
static double node_energy(const struct job_step_record *s, size_t k)
{
	size_t n = nodelist_count(s->nodes), others = n;
	double rest = s->energy_j;

	if (n <= 1)
		return s->energy_j;
	if (s->max_node >= 0 && known(s->max_node_j)) {
		if ((size_t)s->max_node == k)
			return s->max_node_j;
		rest -= s->max_node_j;
		others--;
	}
	if (s->min_node >= 0 && s->min_node != s->max_node &&
		known(s->min_node_j)) {
		if ((size_t)s->min_node == k)
			return s->min_node_j;
		rest -= s->min_node_j;
		others--;
	}
	if (!others || rest <= 0)
		return 0;
	return rest / (double)others;
}

/* The order of rule 2: batch, then by start, longest first, then index. */
struct step_key {
	int batch;
	int64_t start, end;
	size_t index;
};

static int cmp_steps(const void *x, const void *y)
{
	const struct step_key *a = x, *b = y;

	if (a->batch != b->batch)
		return b->batch - a->batch;
	if (a->start != b->start)
		return (a->start > b->start) - (a->start < b->start);
	if (a->end != b->end)
		return (a->end < b->end) - (a->end > b->end);
	return (a->index > b->index) - (a->index < b->index);
}

/* cmp_steps is a total order (index breaks ties): any sort gives one order. */
static void sort_steps(struct step_key *keys, size_t n)
{
	size_t i, j;

	if (n > SMALL_SORT) {
		qsort(keys, n, sizeof(*keys), cmp_steps);
		return;
	}
	for (i = 1; i < n; i++) {
		struct step_key k = keys[i];

		for (j = i; j > 0 && cmp_steps(&keys[j - 1], &k) > 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
}

static int count_step(struct accepted *a, size_t i)
{
	const struct job_step_record *s = &a->job->steps[i];
	size_t k, n = nodelist_count(s->nodes);
	double joules = 0;

	for (k = 0; k < n; k++) {
		double u = uncovered(a, nodelist_name(s->nodes, k), s->start,
			s->end);

		if (u < 0)
			return -1;
		joules += node_energy(s, k) * u;
	}
	for (k = 0; k < n; k++)
		if (accept(a, i, k) < 0)
			return -1;
	if (joules > 0 && add_piece(a->je, joules, s->start, s->end) < 0)
		return -1;
	return 0;
}

/* An unknown step not covered by known ones makes the total partial. */
static int check_unknown(struct accepted *a, size_t i)
{
	const struct job_step_record *s = &a->job->steps[i];
	size_t k;

	if (a->je->source == ENERGY_SOURCE_PARTIAL)
		return 0;
	for (k = 0; k < nodelist_count(s->nodes); k++) {
		double u = uncovered(
			a, nodelist_name(s->nodes, k), s->start, s->end);

		if (u < 0)
			return -1;
		if (u > 0) {
			a->je->source = ENERGY_SOURCE_PARTIAL;
			snprintf(a->je->why, sizeof(a->je->why),
				"energy of step %s is unknown", s->name);
			return 0;
		}
	}
	return 0;
}

static bool countable(const struct job_step_record *s)
{
	return s->kind != JOB_STEP_EXTERN && s->nodes;
}

static int union_of_steps(const struct job_record *job, struct job_energy *je)
{
	struct accepted a = {.je = je, .job = job};
	struct step_key small[16], *keys = small;
	size_t i, n = 0;
	int rc = 0;

	if (job->nsteps > sizeof(small) / sizeof(small[0]) &&
		!(keys = malloc(job->nsteps * sizeof(*keys)))) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < job->nsteps; i++) {
		const struct job_step_record *s = &job->steps[i];

		if (countable(s) && known(s->energy_j))
			keys[n++] = (struct step_key){s->kind == JOB_STEP_BATCH,
				s->start, s->end, i};
	}
	if (!n)
		goto out;
	sort_steps(keys, n);
	je->source = ENERGY_SOURCE_MEASURED;
	je->rule = "union of steps";
	for (i = 0; i < n && !rc; i++)
		rc = count_step(&a, keys[i].index);
	for (i = 0; i < job->nsteps && !rc; i++)
		if (countable(&job->steps[i]) &&
			!known(job->steps[i].energy_j))
			rc = check_unknown(&a, i);
out:
	if (keys != small)
		free(keys);
	return rc;
}

int job_energy_measured(const struct job_record *job, struct job_energy *je)
{
	size_t i;

	je->source = ENERGY_SOURCE_NONE;
	je->joules = 0;
	je->npieces = 0;
	je->rule = "";
	je->why[0] = '\0';
	for (i = 0; i < job->nsteps; i++) {
		const struct job_step_record *s = &job->steps[i];

		if (s->kind == JOB_STEP_EXTERN && known(s->energy_j)) {
			je->source = ENERGY_SOURCE_MEASURED;
			je->rule = "extern step";
			return add_piece(je, s->energy_j, s->start, s->end);
		}
	}
	return union_of_steps(job, je);
}

int job_energy_single(struct job_energy *je, enum energy_source source,
	const char *rule, double joules, int64_t t0, int64_t t1)
{
	je->source = source;
	je->rule = rule;
	je->joules = 0;
	je->npieces = 0;
	je->why[0] = '\0';
	return add_piece(je, joules, t0, t1);
}

void job_energy_release(struct job_energy *je)
{
	free(je->pieces);
	free(je->iv);
	free(je->clip);
	je->pieces = NULL;
	je->iv = NULL;
	je->clip = NULL;
	je->cap = je->iv_cap = je->clip_cap = je->npieces = 0;
	free(je->memo);
	je->memo = NULL;
	memset(&je->spare, 0, sizeof(je->spare));
}
