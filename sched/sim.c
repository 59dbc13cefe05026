/*
 * sim.c: event-driven replay of a workload on one or more sites: queue
 * orders, time and space shifting at arrival, energy and carbon accounting
 * (each site's scheduling passes are backfill.c's).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "backfill.h"
#include "carbon.h"
#include "intensity.h"
#include "queue.h"
#include "shift.h"
#include "sim.h"

#define SIM_PROGRESS_EVERY 65536
/* Holds longer than 100 years are cut there (no time overflows). */
#define SIM_MAX_DELAY (100LL * 366 * 86400)

/* Min-heap entry: time, then tie, then idx. */
struct hent {
	int64_t t;
	int64_t tie;
	uint32_t idx;
};

struct heap {
	struct hent *a;
	size_t n, cap;
};

/*
 * A site: its scheduler, and whether a pass is due at this instant. A
 * dynamic queue is re-scored only when its order matters (a pass that may
 * start a job, an expected start): the order is a total one, so sorting
 * by the keys of one instant gives the same whenever it is done. The
 * order a pass would have left stands for the last pass time.
 */
struct site_state {
	struct backfill_site bf;
	bool dirty;
	bool stale;	     /* not sorted by the keys at last_pass */
	int64_t last_pass;
};

struct sim {
	const struct workload *w;
	const struct sim_config *cfg;
	struct sim_result *res;
	struct site_state *sites;
	struct heap ends;	  /* running jobs by actual end; tie = site */
	struct heap held;	  /* held jobs by eligible; tie = submit */
	struct queue_ranks ranks; /* static policies: the order of all jobs */
	struct backfill_starts started; /* scratch: a pass's jobs */
	int64_t origin;		  /* earliest submit: r = submit - origin */
	int64_t advance;	  /* jobs arrive this long before submit */
	int64_t idle_from;	  /* origin, or an earlier first start */
	bool dynamic;
	bool kinetic;	    /* a dynamic queue kept by kinetic.h */
	/* WFP3 and UNICEF re-sorted: each job's line, to re-score it fast */
	struct policy_linear *lin;
	bool carbon_policy; /* a learned policy that reads c */
	size_t done;
};

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
	size_t i;

	if (!array_grow((void **)&h->a, &h->cap, h->n, sizeof(*h->a)))
		return -1;
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

/*
 * c of a learned policy at the job's site (shift_carbon_ratio of the series
 * itself, an oracle forecast), as carbonlearn's training (sample.h).
 */
static double carbon_ratio(const struct sim *s, uint32_t idx, int64_t now)
{
	return shift_carbon_ratio(s->cfg->sites[s->res->jobs[idx].site].ci,
		s->cfg->carbon_epoch + now);
}

/* The job's queue score at now under the configured policy. */
static double job_score(const struct sim *s, uint32_t idx, int64_t now)
{
	const struct swf_job *j = &s->w->jobs[idx];
	struct policy_job pj = {
		.p = (double)j->estimate,
		.q = (double)j->procs,
		.r = (double)(j->submit - s->origin),
		.w = (double)(now - j->submit),
	};

	if (s->lin)
		return policy_linear_score(&s->lin[idx], pj.w);
	if (s->carbon_policy)
		pj.c = carbon_ratio(s, idx, now);
	return policy_score(s->cfg->policy, &pj);
}

/* A kinetic queue's line for job idx (queue_init_kinetic). */
static int job_linear(void *arg, uint32_t idx, struct policy_linear *lin)
{
	const struct sim *s = arg;
	const struct swf_job *j = &s->w->jobs[idx];
	struct policy_job pj = {
		.p = (double)j->estimate,
		.q = (double)j->procs,
		.r = (double)(j->submit - s->origin),
	};

	return policy_linear_form(s->cfg->policy, &pj, lin) ? 0 : -1;
}

/*
 * A dynamic queue re-sorted at every pass re-scores each job from its
 * line when the policy has lines (a division and a few products, where
 * UNICEF's score takes a log2). NULL when it has none. 0, or -1 (ENOMEM).
 */
static int build_lines(struct sim *s)
{
	size_t n = s->w->njobs;

	if (s->kinetic || !policy_is_linear(s->cfg->policy))
		return 0;
	s->lin = malloc(n * sizeof(*s->lin));
	if (!s->lin)
		return -1;
	for (size_t i = 0; i < n; i++)
		(void)job_linear(s, (uint32_t)i, &s->lin[i]);
	return 0;
}

/*
 * A kinetic queue serves a dynamic policy that has lines (WFP3, UNICEF)
 * when only the head matters: no backfilling, one site (space shifting
 * asks for the whole order), and no job known before its submit time
 * (its wait would be clamped at 0, which is not a line).
 */
static bool kinetic_fits(const struct sim *s)
{
	return policy_is_linear(s->cfg->policy) &&
	       s->cfg->backfill == BACKFILL_NONE && s->cfg->nsites == 1 &&
	       s->advance == 0;
}

/* Site i's scheduler, with the queue the policy and mode call for. */
static int init_site(struct sim *s, size_t i)
{
	struct backfill_site *bf = &s->sites[i].bf;
	int64_t procs = s->cfg->sites[i].procs;

	if (s->kinetic)
		return backfill_site_init_kinetic(
			bf, procs, job_linear, s, s->w->jobs, s->w->njobs);
	return backfill_site_init(bf, procs, s->dynamic ? NULL : &s->ranks,
		s->w->jobs, s->w->njobs);
}

static struct queue_entry job_entry(
	const struct sim *s, uint32_t idx, int64_t now)
{
	struct queue_entry e = {.key = job_score(s, idx, now),
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
	return backfill_enqueue(&st->bf, &e, now);
}

static int64_t job_estimate(const void *jobs, uint32_t idx)
{
	return ((const struct swf_job *)jobs)[idx].estimate;
}

/*
 * Static policies: every job's rank in the policy's order, computed once
 * (the score does not change while a job waits). Listed in arrival order,
 * so that queue_ranks_build can radix-sort them.
 */
static int build_ranks(struct sim *s, const uint32_t *order)
{
	struct queue_entry *all;
	size_t i, n = s->w->njobs;
	int rc;

	all = malloc(n * sizeof(*all));
	if (!all)
		return -1;
	for (i = 0; i < n; i++)
		all[i] = job_entry(s, order[i], s->w->jobs[order[i]].submit);
	rc = queue_ranks_build(&s->ranks, all, n);
	free(all);
	/*
	 * EASY: its walk narrows where no job left can end by the shadow;
	 * conservative: where no job left fits the room from now.
	 */
	if (rc == 0 && s->cfg->backfill != BACKFILL_NONE)
		rc = queue_ranks_least(&s->ranks, job_estimate, s->w->jobs);
	return rc;
}

/* ---- starting jobs and accounting ---- */

/* Job idx was started at site now by a pass: its result and end event. */
static int account_start(struct sim *s, size_t site, uint32_t idx, int64_t now)
{
	const struct swf_job *j = &s->w->jobs[idx];
	const struct power_model *pm = &s->cfg->power;
	struct sim_job_result *r = &s->res->jobs[idx];
	const struct sim_site *cs = &s->cfg->sites[site];
	double watts = (double)j->procs * pm->watts_busy * pm->pue;
	struct hent e = {
		.t = now + j->runtime, .tie = (int64_t)site, .idx = idx};

	r->start = now;
	if (now < s->idle_from)
		s->idle_from = now;
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
	return heap_push(&s->ends, e);
}

struct rescore {
	const struct sim *s;
	int64_t now;
};

static double rescore_job(void *arg, uint32_t idx)
{
	const struct rescore *r = arg;

	return job_score(r->s, idx, r->now);
}

/* A dynamic queue in its order at t. */
static void sort_queue(struct sim *s, size_t site, int64_t t)
{
	struct rescore r = {.s = s, .now = t};

	if (s->lin)
		backfill_rescore_linear(&s->sites[site].bf, s->lin, t);
	else
		backfill_rescore(&s->sites[site].bf, rescore_job, &r);
	s->sites[site].stale = false;
}

/* One scheduling pass at site now, and the accounting of what it started. */
static int schedule(struct sim *s, size_t site, int64_t now)
{
	struct site_state *st = &s->sites[site];
	struct backfill_site *bf = &st->bf;
	size_t i;

	st->last_pass = now;
	st->stale = s->dynamic;
	if (s->kinetic) {
		if (bf->free > 0 && queue_count(&bf->queue))
			backfill_set_time(bf, now);
	} else if (s->dynamic && bf->free > 0 && queue_count(&bf->queue)) {
		/*
		 * Without reservations to keep, a pass in which no waiting
		 * job fits the free processors starts nothing in any order:
		 * the order is not needed (WFP3 and UNICEF re-score the
		 * whole queue to sort it).
		 */
		if (s->cfg->backfill != BACKFILL_CONSERVATIVE &&
			!queue_any_fits(&bf->queue, bf->free))
			return 0;
		sort_queue(s, site, now);
	}
	if (backfill_pass(bf, s->cfg->backfill, now, &s->started) < 0)
		return -1;
	for (i = 0; i < s->started.n; i++)
		if (account_start(s, site, s->started.idx[i], now) < 0)
			return -1;
	return 0;
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
		if (s->sites[i].bf.free <= 0)
			continue;
		watts = (double)s->sites[i].bf.free * pm->watts_idle * pm->pue;
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

/* The series time and space shifting decide on. */
static const struct intensity_series *forecast_of(const struct sim_site *site)
{
	return site->forecast ? site->forecast : site->ci;
}

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
		c[i].usable = s->sites[i].bf.procs >= j->procs;
		c[i].grams = 0.0;
		if (!c[i].usable)
			continue;
		if (s->sites[i].stale)
			sort_queue(s, i, s->sites[i].last_pass);
		if (backfill_expected_start(&s->sites[i].bf, idx, now,
			    &c[i].expected_start) < 0)
			goto out;
		if (!cfg->space.carbon_unaware && cfg->sites[i].ci)
			c[i].grams = watts *
				     shift_forecast_integral(forecast_of(&cfg->sites[i]),
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

/*
 * When job idx, arriving at now (its submit time less the advance) at
 * site, becomes eligible: the best start in [now, submit + max delay].
 */
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
	if (max_delay <= 0 && s->advance <= 0)
		return now;
	best = shift_best_start(forecast_of(&s->cfg->sites[site]),
		       ts->forecast, epoch + now, epoch + now,
		       epoch + j->submit + max_delay, j->estimate) -
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

/* How long before its submit time a job is known: the capped advance. */
static int64_t advance_of(const struct sim_config *cfg)
{
	const struct time_shift *ts = &cfg->shift;

	if (!ts->enabled || ts->max_advance <= 0)
		return 0;
	for (size_t i = 0; i < cfg->nsites; i++)
		if (!cfg->sites[i].ci)
			return 0;
	return ts->max_advance < SIM_MAX_DELAY ? ts->max_advance
					       : SIM_MAX_DELAY;
}

static int check_config(const struct workload *w, const struct sim_config *cfg,
	struct sc_error *err)
{
	int64_t widest = 0;
	size_t i;

	if (!cfg->sites || cfg->nsites == 0) {
		sc_errprintf(err, "no site to run jobs on");
		return -1;
	}
	for (i = 0; i < cfg->nsites; i++) {
		if (cfg->sites[i].procs <= 0) {
			sc_errprintf(err, "site %s has %d processors",
				cfg->sites[i].name ? cfg->sites[i].name : "?",
				cfg->sites[i].procs);
			return -1;
		}
		if (cfg->sites[i].procs > widest)
			widest = cfg->sites[i].procs;
	}
	if (cfg->power.pue < 1.0 || cfg->power.watts_busy < 0.0 ||
		cfg->power.watts_idle < 0.0) {
		sc_errprintf(err, "bad power model: watts must be >= 0 and "
				"PUE >= 1");
		return -1;
	}
	if (!policy_is_known(cfg->policy)) {
		sc_errprintf(err, "unknown queue policy %d", (int)cfg->policy);
		return -1;
	}
	if (w->njobs >= UINT32_MAX) {
		sc_errprintf(err, "too many jobs (%zu)", w->njobs);
		return -1;
	}
	for (i = 0; i < w->njobs; i++) {
		if (w->jobs[i].procs <= 0 || w->jobs[i].runtime <= 0 ||
			w->jobs[i].estimate < w->jobs[i].runtime) {
			sc_errprintf(err,
				"job %lld: needs procs > 0 and "
				"0 < runtime <= estimate",
				(long long)w->jobs[i].id);
			return -1;
		}
		if (w->jobs[i].procs > widest) {
			sc_errprintf(err,
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
		for (size_t i = 0; i < s->cfg->nsites; i++)
			backfill_site_free(&s->sites[i].bf);
		free(s->sites);
	}
	free(s->ends.a);
	free(s->held.a);
	free(s->lin);
	backfill_starts_free(&s->started);
	queue_ranks_free(&s->ranks);
}

int sim_run(const struct workload *w, const struct sim_config *cfg,
	struct sim_result *res, struct sc_error *err)
{
	struct sim s = {.w = w, .cfg = cfg, .res = res};
	uint32_t *order = NULL;
	int64_t now, last, next;
	size_t i, next_arrival = 0, n = w ? w->njobs : 0;
	struct hent e;
	struct site_state *st;

	memset(res, 0, sizeof(*res));
	sc_error_clear(err);
	if (!w || !cfg) {
		sc_errprintf(err, "no workload or configuration");
		return -1;
	}
	if (check_config(w, cfg, err) < 0)
		return -1;
	for (i = 0; i < cfg->nsites; i++)
		res->total_procs += cfg->sites[i].procs;
	if (n == 0)
		return 0;
	s.dynamic = policy_is_dynamic(cfg->policy);
	s.carbon_policy = policy_uses_carbon(cfg->policy);
	res->njobs = n;
	res->jobs = calloc(n, sizeof(*res->jobs));
	order = malloc(n * sizeof(*order));
	s.sites = calloc(cfg->nsites, sizeof(*s.sites));
	if (!res->jobs || !order || !s.sites)
		goto nomem;
	if (workload_arrival_order(w, order) < 0)
		goto nomem;
	s.origin = w->jobs[order[0]].submit;
	res->first_submit = s.origin;
	s.advance = advance_of(cfg);
	s.idle_from = s.origin;
	last = s.origin - s.advance;
	if (!s.dynamic && build_ranks(&s, order) < 0)
		goto nomem;
	s.kinetic = kinetic_fits(&s);
	if (build_lines(&s) < 0)
		goto nomem;
	for (i = 0; i < cfg->nsites; i++)
		if (init_site(&s, i) < 0)
			goto nomem;

	for (;;) {
		next = INT64_MAX;
		if (next_arrival < n)
			next = w->jobs[order[next_arrival]].submit - s.advance;
		if (s.ends.n && s.ends.a[0].t < next)
			next = s.ends.a[0].t;
		if (s.held.n && s.held.a[0].t < next)
			next = s.held.a[0].t;
		if (next == INT64_MAX)
			break;
		now = next;
		/* idle processors count from the first submit or start */
		account_idle(&s, last > s.idle_from ? last : s.idle_from, now);
		last = now;

		while (s.ends.n && s.ends.a[0].t == now) {
			e = heap_pop(&s.ends);
			st = &s.sites[e.tie];
			backfill_job_end(&st->bf, e.idx, w->jobs[e.idx].procs,
				res->jobs[e.idx].start +
					w->jobs[e.idx].estimate,
				now);
			st->dirty = true;
			if (++s.done % SIM_PROGRESS_EVERY == 0 && cfg->progress)
				cfg->progress(cfg->progress_arg, s.done, n);
		}
		while (next_arrival < n &&
			w->jobs[order[next_arrival]].submit - s.advance == now)
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
			if (schedule(&s, i, now) < 0)
				goto nomem;
		}
	}
	for (i = 0; i < cfg->nsites; i++) {
		if (queue_count(&s.sites[i].bf.queue)) {
			sc_errprintf(err,
				"internal error: %zu jobs left queued "
				"at site %zu",
				queue_count(&s.sites[i].bf.queue), i);
			free(order);
			sim_state_free(&s);
			sim_result_free(res);
			return -1;
		}
	}
	/* From the first submit, or the first start if earlier. */
	res->first_submit = s.idle_from;
	res->makespan = last - s.idle_from;
	if (cfg->progress)
		cfg->progress(cfg->progress_arg, n, n);
	free(order);
	sim_state_free(&s);
	return 0;

nomem:
	sc_errprintf(err, "out of memory");
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
