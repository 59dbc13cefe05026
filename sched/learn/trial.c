/*
 * trial.c: the SC17 trial simulator: jobs started strictly in list order
 * as soon as they have arrived and fit, no backfilling (see trial.h).
 */
#include <string.h>

#include "trial.h"

/* Running jobs as a binary min-heap on end time (at most S + Q of them). */
struct running {
	size_t n;
	int64_t end[TRIAL_MAX_STATE + TRIAL_MAX_QUEUE];
	int32_t procs[TRIAL_MAX_STATE + TRIAL_MAX_QUEUE];
};

static void swap(struct running *h, size_t a, size_t b)
{
	int64_t e = h->end[a];
	int32_t p = h->procs[a];

	h->end[a] = h->end[b];
	h->procs[a] = h->procs[b];
	h->end[b] = e;
	h->procs[b] = p;
}

static void push(struct running *h, int64_t end, int32_t procs)
{
	size_t i = h->n++;

	h->end[i] = end;
	h->procs[i] = procs;
	while (i && h->end[(i - 1) / 2] > h->end[i]) {
		swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/* Remove the earliest ending job; returns its processors. */
static int32_t pop(struct running *h)
{
	int32_t procs = h->procs[0];
	size_t i = 0;

	h->n--;
	h->end[0] = h->end[h->n];
	h->procs[0] = h->procs[h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && h->end[l] < h->end[m])
			m = l;
		if (r < h->n && h->end[r] < h->end[m])
			m = r;
		if (m == i)
			return procs;
		swap(h, i, m);
		i = m;
	}
}

/*
 * Start job j no earlier than *clock: at its submit time at the earliest,
 * then as soon as enough processors are free. Returns the start time.
 */
static int64_t start_job(struct running *h, int32_t *free, int64_t *clock,
	const struct trial_job *j)
{
	int64_t t = *clock > j->submit ? *clock : j->submit;

	while (h->n && h->end[0] <= t)
		*free += pop(h);
	while (*free < j->procs) {
		t = h->end[0];
		while (h->n && h->end[0] <= t)
			*free += pop(h);
	}
	*free -= j->procs;
	push(h, t + j->runtime, j->procs);
	*clock = t;
	return t;
}

double trial_bsld(int64_t wait, int64_t runtime)
{
	double q = runtime >= TRIAL_TAU ? (double)runtime : TRIAL_TAU;
	double s = (double)(wait + runtime) / q;

	return s >= 1.0 ? s : 1.0;
}

static int check_job(const struct trial_job *j, int32_t machine,
	const char *set, size_t k, struct sc_error *err)
{
	if (j->runtime <= 0 || j->procs <= 0 || j->procs > machine ||
		j->submit < 0)
		return sc_errprintf(err,
			"%s job %zu: runtime %lld, %d processors, submit %lld "
			"(machine %d)",
			set, k, (long long)j->runtime, (int)j->procs,
			(long long)j->submit, (int)machine);
	return 0;
}

int trial_prepare(struct trial_tuple *t, struct sc_error *err)
{
	struct running h = {0};
	int32_t free = t->machine;
	int64_t clock = 0;
	size_t k;

	if (t->machine <= 0 || !t->nstate || t->nstate > TRIAL_MAX_STATE ||
		!t->nqueue || t->nqueue > TRIAL_MAX_QUEUE)
		return sc_errprintf(err,
			"tuple: %zu state and %zu queued jobs on %d processors "
			"(1..%d and 1..%d jobs)",
			t->nstate, t->nqueue, (int)t->machine, TRIAL_MAX_STATE,
			TRIAL_MAX_QUEUE);
	for (k = 0; k < t->nstate; k++)
		if (check_job(&t->state[k], t->machine, "state", k, err) < 0)
			return -1;
	for (k = 0; k < t->nqueue; k++)
		if (check_job(&t->queue[k], t->machine, "queue", k, err) < 0)
			return -1;
	for (k = 0; k < t->nstate; k++)
		start_job(&h, &free, &clock, &t->state[k]);
	/* the jobs that ended by t0 are gone: keep the running ones */
	while (h.n && h.end[0] <= clock)
		free += pop(&h);
	memset(&t->after, 0, sizeof(t->after));
	t->after.clock = clock;
	t->after.free = free;
	t->after.nrun = h.n;
	memcpy(t->after.end, h.end, h.n * sizeof(h.end[0]));
	memcpy(t->after.procs, h.procs, h.n * sizeof(h.procs[0]));
	return 0;
}

double trial_run(
	const struct trial_tuple *t, const uint8_t *order, int64_t *start)
{
	struct running h;
	int32_t free = t->after.free;
	int64_t clock = t->after.clock;
	double sum = 0.0;
	size_t k;

	/* t->after is a heap already (copied from one) */
	h.n = t->after.nrun;
	memcpy(h.end, t->after.end, h.n * sizeof(h.end[0]));
	memcpy(h.procs, t->after.procs, h.n * sizeof(h.procs[0]));
	for (k = 0; k < t->nqueue; k++) {
		const struct trial_job *j = &t->queue[order[k]];
		int64_t s = start_job(&h, &free, &clock, j);

		if (start)
			start[order[k]] = s;
		sum += trial_bsld(s - j->submit, j->runtime);
	}
	return sum / (double)t->nqueue;
}
