/*
 * sim.c: event-driven replay of a workload on one or more sites: queue
 * orders, time and space shifting at arrival, energy and carbon accounting
 * (the scheduling passes are in backfill.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"
#include "profile.h"
#include "queue.h"
#include "shift.h"
#include "sim.h"
#include "sim_state.h"

#define SIM_PROGRESS_EVERY 65536
/* Holds longer than 100 years are cut there (no time overflows). */
#define SIM_MAX_DELAY (100LL * 366 * 86400)

static void sim_errorf(struct sim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sim_errorf(struct sim_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->text[0])
		return;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

/* ---- min-heap ---- */

static bool hent_less(const struct hent *a, const struct hent *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->tie != b->tie)
		return a->tie < b->tie;
	return a->idx < b->idx;
}

static int heap_push(struct heap *h, struct hent e)
{
	struct hent *grown;
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;

		grown = realloc(h->a, cap * sizeof(*grown));
		if (!grown)
			return -1;
		h->a = grown;
		h->cap = cap;
	}
	i = h->n++;
	h->a[i] = e;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct hent tmp;

		if (!hent_less(&h->a[i], &h->a[parent]))
			break;
		tmp = h->a[i];
		h->a[i] = h->a[parent];
		h->a[parent] = tmp;
		i = parent;
	}
	return 0;
}

static struct hent heap_pop(struct heap *h)
{
	struct hent top = h->a[0];
	size_t i = 0;

	h->a[0] = h->a[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct hent tmp;

		if (l < h->n && hent_less(&h->a[l], &h->a[m]))
			m = l;
		if (r < h->n && hent_less(&h->a[r], &h->a[m]))
			m = r;
		if (m == i)
			break;
		tmp = h->a[i];
		h->a[i] = h->a[m];
		h->a[m] = tmp;
		i = m;
	}
	return top;
}

/* ---- queue ---- */

double sim_job_score(const struct sim *s, uint32_t idx, int64_t now)
{
	const struct swf_job *j = &s->w->jobs[idx];
	struct policy_job pj = {
		.p = (double)j->estimate,
		.q = (double)j->procs,
		.r = (double)(j->submit - s->origin),
		.w = (double)(now - j->submit),
	};

	return policy_score(s->cfg->policy, &pj);
}

static struct queue_entry job_entry(
	const struct sim *s, uint32_t idx, int64_t now)
{
	struct queue_entry e = {.key = sim_job_score(s, idx, now),
		.submit = s->w->jobs[idx].submit,
		.idx = idx,
		.procs = s->w->jobs[idx].procs};

	return e;
}

static int enqueue(
	struct sim *s, struct site_state *st, uint32_t idx, int64_t now)
{
	struct queue_entry e = job_entry(s, idx, now);

	st->dirty = true;
	return queue_insert(&st->queue, &e);
}

/*
 * Static policies: every job's rank in the policy's order, computed once
 * (the score does not change while a job waits).
 */
static int build_ranks(struct sim *s)
{
	struct queue_entry *all;
	size_t i, n = s->w->njobs;
	int rc;

	all = malloc(n * sizeof(*all));
	if (!all)
		return -1;
	for (i = 0; i < n; i++)
		all[i] = job_entry(s, (uint32_t)i, s->w->jobs[i].submit);
	rc = queue_ranks_build(&s->ranks, all, n);
	free(all);
	return rc;
}

/* ---- running set ---- */

/* First position in the running set not before (exp_end, idx). */
static size_t run_lower_bound(
	const struct site_state *st, int64_t exp_end, uint32_t idx)
{
	size_t lo = 0, hi = st->nrun;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->run[mid].exp_end < exp_end ||
			(st->run[mid].exp_end == exp_end &&
				st->run[mid].idx < idx))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int run_insert(
	struct site_state *st, int64_t exp_end, int32_t procs, uint32_t idx)
{
	struct run e = {.exp_end = exp_end, .procs = procs, .idx = idx};
	struct run *grown;
	size_t lo;

	if (st->nrun == st->runcap) {
		size_t cap = st->runcap ? st->runcap * 2 : 64;

		grown = realloc(st->run, cap * sizeof(*grown));
		if (!grown)
			return -1;
		st->run = grown;
		st->runcap = cap;
	}
	lo = run_lower_bound(st, exp_end, idx);
	memmove(&st->run[lo + 1], &st->run[lo], (st->nrun - lo) * sizeof(e));
	st->run[lo] = e;
	st->nrun++;
	return 0;
}

static void run_remove(struct site_state *st, int64_t exp_end, uint32_t idx)
{
	size_t lo = run_lower_bound(st, exp_end, idx);

	if (lo < st->nrun && st->run[lo].idx == idx) {
		memmove(&st->run[lo], &st->run[lo + 1],
			(st->nrun - lo - 1) * sizeof(st->run[0]));
		st->nrun--;
	}
}

/* ---- starting jobs and accounting ---- */

int sim_start_job(struct sim *s, size_t site, uint32_t idx, int64_t now)
{
	const struct swf_job *j = &s->w->jobs[idx];
	const struct power_model *pm = &s->cfg->power;
	struct site_state *st = &s->sites[site];
	struct sim_job_result *r = &s->res->jobs[idx];
	const struct sim_site *cs = &s->cfg->sites[site];
	double watts = (double)j->procs * pm->watts_busy * pm->pue;
	struct hent e = {
		.t = now + j->runtime, .tie = (int64_t)site, .idx = idx};

	st->free -= j->procs;
	r->start = now;
	r->end = now + j->runtime;
	r->site = (int32_t)site;
	r->energy_j = watts * (double)j->runtime;
	r->co2e_g = cs->ci ? carbon_grams(cs->ci, watts,
				     s->cfg->carbon_epoch + r->start,
				     s->cfg->carbon_epoch + r->end)
			   : 0.0;
	s->res->busy_proc_seconds += (double)j->procs * (double)j->runtime;
	s->res->energy_j += r->energy_j;
	s->res->co2e_g += r->co2e_g;
	if (run_insert(st, now + j->estimate, j->procs, idx) < 0)
		return -1;
	return heap_push(&s->ends, e);
}

/* Idle processors' energy and carbon over [t0, t1) at every site. */
static void account_idle(struct sim *s, int64_t t0, int64_t t1)
{
	const struct power_model *pm = &s->cfg->power;
	double watts, e;
	size_t i;

	if (t1 <= t0 || pm->watts_idle <= 0.0)
		return;
	for (i = 0; i < s->cfg->nsites; i++) {
		if (s->sites[i].free <= 0)
			continue;
		watts = (double)s->sites[i].free * pm->watts_idle * pm->pue;
		e = watts * (double)(t1 - t0);
		s->res->idle_energy_j += e;
		s->res->energy_j += e;
		if (s->cfg->sites[i].ci) {
			e = carbon_grams(s->cfg->sites[i].ci, watts,
				s->cfg->carbon_epoch + t0,
				s->cfg->carbon_epoch + t1);
			s->res->idle_co2e_g += e;
			s->res->co2e_g += e;
		}
	}
}

/* ---- arrivals: space and time shifting ---- */

static long choose_site(struct sim *s, uint32_t idx, int64_t now)
{
	const struct sim_config *cfg = s->cfg;
	const struct swf_job *j = &s->w->jobs[idx];
	struct shift_site small[64], *c = small;
	double watts;
	long best = -1;
	size_t i;

	if (cfg->nsites == 1)
		return 0;
	if (cfg->nsites > sizeof(small) / sizeof(small[0]) &&
		!(c = malloc(cfg->nsites * sizeof(*c))))
		return -1;
	watts = (double)j->procs * cfg->power.watts_busy * cfg->power.pue;
	for (i = 0; i < cfg->nsites; i++) {
		c[i].usable = s->sites[i].procs >= j->procs;
		c[i].grams = 0.0;
		if (!c[i].usable)
			continue;
		c[i].expected_start = backfill_expected_start(s, i, idx, now);
		if (c[i].expected_start < 0)
			goto out;
		if (!cfg->space.carbon_unaware && cfg->sites[i].ci)
			c[i].grams = watts *
				     shift_forecast_integral(cfg->sites[i].ci,
					     cfg->shift.forecast,
					     cfg->carbon_epoch + now,
					     cfg->carbon_epoch +
						     c[i].expected_start,
					     cfg->carbon_epoch +
						     c[i].expected_start +
						     j->estimate) /
				     CARBON_J_PER_KWH;
	}
	best = shift_choose_site(c, cfg->nsites, now,
		cfg->space.carbon_unaware ? SHIFT_PLACE_EARLIEST
					  : SHIFT_PLACE_CARBON,
		cfg->space.wait_weight, cfg->space.max_wait);
out:
	if (c != small)
		free(c);
	return best;
}

/* When job idx, arriving at now at site, becomes eligible. */
static int64_t eligible_time(
	const struct sim *s, size_t site, uint32_t idx, int64_t now)
{
	const struct time_shift *ts = &s->cfg->shift;
	const struct swf_job *j = &s->w->jobs[idx];
	const struct intensity_series *ci = s->cfg->sites[site].ci;
	int64_t max_delay, best, epoch = s->cfg->carbon_epoch;

	if (!ts->enabled || !ci)
		return now;
	if (ts->max_delay_factor > 0.0) {
		double d = ts->max_delay_factor * (double)j->estimate;

		max_delay =
			d < (double)SIM_MAX_DELAY ? (int64_t)d : SIM_MAX_DELAY;
	} else {
		max_delay = ts->max_delay < SIM_MAX_DELAY ? ts->max_delay
							  : SIM_MAX_DELAY;
	}
	if (max_delay <= 0)
		return now;
	best = shift_best_start(ci, ts->forecast, epoch + now, epoch + now,
		       epoch + now + max_delay, j->estimate) -
	       epoch;
	return best > now ? best : now;
}

static int arrive(struct sim *s, uint32_t idx, int64_t now)
{
	struct sim_job_result *r = &s->res->jobs[idx];
	long site;

	site = choose_site(s, idx, now);
	if (site < 0)
		return -1;
	r->site = (int32_t)site;
	r->eligible = eligible_time(s, (size_t)site, idx, now);
	if (r->eligible > now) {
		struct hent e = {.t = r->eligible,
			.tie = s->w->jobs[idx].submit,
			.idx = idx};

		return heap_push(&s->held, e);
	}
	return enqueue(s, &s->sites[site], idx, now);
}

/* ---- the replay ---- */

static int check_config(const struct workload *w, const struct sim_config *cfg,
	struct sim_error *err)
{
	int64_t widest = 0;
	size_t i;

	if (!cfg->sites || cfg->nsites == 0) {
		sim_errorf(err, "no site to run jobs on");
		return -1;
	}
	for (i = 0; i < cfg->nsites; i++) {
		if (cfg->sites[i].procs <= 0) {
			sim_errorf(err, "site %s has %d processors",
				cfg->sites[i].name ? cfg->sites[i].name : "?",
				cfg->sites[i].procs);
			return -1;
		}
		if (cfg->sites[i].procs > widest)
			widest = cfg->sites[i].procs;
	}
	if (cfg->power.pue < 1.0 || cfg->power.watts_busy < 0.0 ||
		cfg->power.watts_idle < 0.0) {
		sim_errorf(err, "bad power model: watts must be >= 0 and "
				"PUE >= 1");
		return -1;
	}
	if ((unsigned)cfg->policy >= POLICY_COUNT) {
		sim_errorf(err, "unknown queue policy %d", (int)cfg->policy);
		return -1;
	}
	if (w->njobs >= UINT32_MAX) {
		sim_errorf(err, "too many jobs (%zu)", w->njobs);
		return -1;
	}
	for (i = 0; i < w->njobs; i++) {
		if (w->jobs[i].procs <= 0 || w->jobs[i].runtime <= 0 ||
			w->jobs[i].estimate < w->jobs[i].runtime) {
			sim_errorf(err,
				"job %lld: needs procs > 0 and "
				"0 < runtime <= estimate",
				(long long)w->jobs[i].id);
			return -1;
		}
		if (w->jobs[i].procs > widest) {
			sim_errorf(err,
				"job %lld needs %d processors, more "
				"than any site has (%lld)",
				(long long)w->jobs[i].id, w->jobs[i].procs,
				(long long)widest);
			return -1;
		}
	}
	return 0;
}

static void sim_state_free(struct sim *s)
{
	if (s->sites) {
		for (size_t i = 0; i < s->cfg->nsites; i++) {
			queue_free(&s->sites[i].queue);
			free(s->sites[i].run);
		}
		free(s->sites);
	}
	free(s->ends.a);
	free(s->held.a);
	profile_free(&s->prof);
	queue_ranks_free(&s->ranks);
}

int sim_run(const struct workload *w, const struct sim_config *cfg,
	struct sim_result *res, struct sim_error *err)
{
	struct sim s = {.w = w, .cfg = cfg, .res = res};
	uint32_t *order = NULL;
	int64_t now, last, next;
	size_t i, next_arrival = 0, n = w ? w->njobs : 0;
	struct hent e;
	struct site_state *st;

	memset(res, 0, sizeof(*res));
	if (err)
		err->text[0] = '\0';
	if (!w || !cfg) {
		sim_errorf(err, "no workload or configuration");
		return -1;
	}
	if (check_config(w, cfg, err) < 0)
		return -1;
	for (i = 0; i < cfg->nsites; i++)
		res->total_procs += cfg->sites[i].procs;
	if (n == 0)
		return 0;
	s.dynamic = policy_is_dynamic(cfg->policy);
	res->njobs = n;
	res->jobs = calloc(n, sizeof(*res->jobs));
	order = malloc(n * sizeof(*order));
	s.sites = calloc(cfg->nsites, sizeof(*s.sites));
	if (!res->jobs || !order || !s.sites)
		goto nomem;
	for (i = 0; i < cfg->nsites; i++)
		s.sites[i].procs = s.sites[i].free = cfg->sites[i].procs;
	if (workload_arrival_order(w, order) < 0)
		goto nomem;
	s.origin = w->jobs[order[0]].submit;
	res->first_submit = s.origin;
	last = s.origin;
	if (!s.dynamic && build_ranks(&s) < 0)
		goto nomem;
	for (i = 0; i < cfg->nsites; i++) {
		if (s.dynamic)
			queue_init_dynamic(&s.sites[i].queue);
		else if (queue_init_static(&s.sites[i].queue, &s.ranks) < 0)
			goto nomem;
	}

	for (;;) {
		next = INT64_MAX;
		if (next_arrival < n)
			next = w->jobs[order[next_arrival]].submit;
		if (s.ends.n && s.ends.a[0].t < next)
			next = s.ends.a[0].t;
		if (s.held.n && s.held.a[0].t < next)
			next = s.held.a[0].t;
		if (next == INT64_MAX)
			break;
		now = next;
		account_idle(&s, last, now);
		last = now;

		while (s.ends.n && s.ends.a[0].t == now) {
			e = heap_pop(&s.ends);
			st = &s.sites[e.tie];
			st->free += w->jobs[e.idx].procs;
			run_remove(st,
				res->jobs[e.idx].start +
					w->jobs[e.idx].estimate,
				e.idx);
			st->dirty = true;
			if (++s.done % SIM_PROGRESS_EVERY == 0 && cfg->progress)
				cfg->progress(cfg->progress_arg, s.done, n);
		}
		while (next_arrival < n &&
			w->jobs[order[next_arrival]].submit == now)
			if (arrive(&s, order[next_arrival++], now) < 0)
				goto nomem;
		while (s.held.n && s.held.a[0].t == now) {
			e = heap_pop(&s.held);
			if (enqueue(&s, &s.sites[res->jobs[e.idx].site], e.idx,
				    now) < 0)
				goto nomem;
		}
		for (i = 0; i < cfg->nsites; i++) {
			if (!s.sites[i].dirty)
				continue;
			s.sites[i].dirty = false;
			if (backfill_pass(&s, i, now) < 0)
				goto nomem;
		}
	}
	for (i = 0; i < cfg->nsites; i++) {
		if (queue_count(&s.sites[i].queue)) {
			sim_errorf(err,
				"internal error: %zu jobs left queued "
				"at site %zu",
				queue_count(&s.sites[i].queue), i);
			free(order);
			sim_state_free(&s);
			sim_result_free(res);
			return -1;
		}
	}
	res->makespan = last - s.origin;
	if (cfg->progress)
		cfg->progress(cfg->progress_arg, n, n);
	free(order);
	sim_state_free(&s);
	return 0;

nomem:
	sim_errorf(err, "out of memory");
	free(order);
	sim_state_free(&s);
	sim_result_free(res);
	return -1;
}

void sim_result_free(struct sim_result *res)
{
	if (!res)
		return;
	free(res->jobs);
	memset(res, 0, sizeof(*res));
}
