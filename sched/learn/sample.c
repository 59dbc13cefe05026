/*
 * sample.c: SC17 training data: tuples from a trace, trials of random
 * queue orders, scores, threads and shards, and the data files.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intensity.h"
#include "sample.h"
#include "shift.h"

/* ---- random numbers: xoshiro256** seeded by splitmix64 ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The stream of tuple index under seed: independent of threads, shards. */
static void rng_init(struct rng *r, uint64_t seed, uint64_t index)
{
	uint64_t x = seed ^ (index * 0xd1342543de82ef95ULL);
	int i;

	splitmix64(&x);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n), n >= 1, without modulo bias. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

/* ---- tuples ---- */

uint64_t sample_trace_sum(const struct workload *w)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < w->njobs; i++) {
		int64_t v[3] = {w->jobs[i].runtime, w->jobs[i].procs,
			w->jobs[i].submit};
		const unsigned char *b = (const unsigned char *)v;
		size_t k;

		for (k = 0; k < sizeof(v); k++) {
			h ^= b[k];
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

static void fill_job(struct trial_job *tj, const struct swf_job *j, int64_t t0)
{
	tj->runtime = j->runtime;
	tj->procs = j->procs;
	tj->submit = j->submit - t0;
}

int sample_draw(const struct workload *w, const uint32_t *arrival,
	const struct sample_config *cfg, size_t index, struct trial_tuple *t,
	size_t *first_job, struct sc_error *err)
{
	size_t need = cfg->nstate + cfg->nqueue, choose, k;
	struct rng r;
	int64_t t0;

	if (!cfg->nstate || cfg->nstate > TRIAL_MAX_STATE || !cfg->nqueue ||
		cfg->nqueue > TRIAL_MAX_QUEUE)
		return sc_errprintf(err,
			"tuple sizes %zu + %zu: 1..%d and "
			"1..%d jobs",
			cfg->nstate, cfg->nqueue, TRIAL_MAX_STATE,
			TRIAL_MAX_QUEUE);
	if (w->njobs < need + 1)
		return sc_errprintf(err,
			"the trace has %zu jobs, a tuple "
			"needs %zu",
			w->njobs, need + 1);
	rng_init(&r, cfg->seed, index);
	/* random.randint(0, n - 1 - (Q + S)), both ends included */
	choose = (size_t)rng_below(&r, (uint64_t)(w->njobs - need));
	t0 = w->jobs[arrival[choose]].submit;
	memset(t, 0, sizeof(*t));
	t->machine = w->machine_procs;
	t->nstate = cfg->nstate;
	t->nqueue = cfg->nqueue;
	for (k = 0; k < cfg->nstate; k++)
		fill_job(&t->state[k], &w->jobs[arrival[choose + k]], t0);
	for (k = 0; k < cfg->nqueue; k++)
		fill_job(&t->queue[k],
			&w->jobs[arrival[choose + cfg->nstate + k]], t0);
	if (first_job)
		*first_job = choose;
	return trial_prepare(t, err);
}

/* ---- trials ---- */

static void draw_order(struct rng *r, enum sample_first first, size_t n,
	uint64_t trial, uint8_t *order)
{
	size_t k, lo = 0;

	for (k = 0; k < n; k++)
		order[k] = (uint8_t)k;
	if (first == SAMPLE_FIRST_PAPER) {
		/* generate_simulation_data.py lines 98-111 */
		for (k = 0; k < n; k++) {
			size_t c = (size_t)rng_below(r, n);
			uint8_t x = order[c];

			order[c] = order[k];
			order[k] = x;
		}
		return;
	}
	if (first == SAMPLE_FIRST_BALANCED) {
		size_t f = (size_t)(trial % n);

		order[f] = 0;
		order[0] = (uint8_t)f;
		lo = 1;
	}
	for (k = n - 1; k > lo; k--) { /* Fisher-Yates over [lo, n) */
		size_t c = lo + (size_t)rng_below(r, k - lo + 1);
		uint8_t x = order[c];

		order[c] = order[k];
		order[k] = x;
	}
}

void sample_score_orders(size_t nqueue, const uint8_t *orders,
	const double *outcome, size_t ntrials, double *score)
{
	double total = 0.0;
	size_t j, k;

	for (k = 0; k < nqueue; k++)
		score[k] = 0.0;
	for (j = 0; j < ntrials; j++) {
		score[orders[j * nqueue]] += outcome[j];
		total += outcome[j];
	}
	for (k = 0; k < nqueue; k++)
		score[k] = total > 0 ? score[k] / total : 0.0;
}

int sample_scores(const struct trial_tuple *t, const struct sample_config *cfg,
	size_t index, int64_t t0, double *score, double *c,
	struct sc_error *err)
{
	const struct sample_carbon *cb = &cfg->carbon;
	uint8_t order[TRIAL_MAX_QUEUE];
	int64_t start[TRIAL_MAX_QUEUE] = {0};
	double total = 0.0, gref = 0.0;
	int64_t base = 0;
	struct rng r;
	uint64_t j;
	size_t k;

	if (!cfg->nperms)
		return sc_errprintf(err, "no permutations");
	/* a stream apart from the tuple's draw */
	rng_init(&r, cfg->seed ^ 0x5851f42d4c957f2dULL, index);
	*c = 0.0;
	if (cb->ci) {
		int64_t s0 = intensity_series_start(cb->ci);
		int64_t s1 = intensity_series_end(cb->ci);
		double mean_ci;

		base = cb->epoch + t0;
		mean_ci = intensity_series_integral(cb->ci, s0, s1) /
			  (double)(s1 - s0);
		for (k = 0; k < t->nqueue; k++)
			gref += (double)t->queue[k].procs *
				(double)t->queue[k].runtime * mean_ci;
		*c = shift_carbon_ratio(cb->ci, base + t->after.clock);
	}
	for (k = 0; k < t->nqueue; k++)
		score[k] = 0.0;
	for (j = 0; j < cfg->nperms; j++) {
		double v;

		draw_order(&r, cfg->first, t->nqueue, j, order);
		v = trial_run(t, order, cb->ci ? start : NULL);
		if (cb->ci && gref > 0) {
			double g = 0.0;

			for (k = 0; k < t->nqueue; k++)
				g += (double)t->queue[k].procs *
				     intensity_series_integral(cb->ci,
					     base + start[k],
					     base + start[k] +
						     t->queue[k].runtime);
			v += cb->weight * g / gref;
		}
		/* sample_score_orders, one trial at a time */
		score[order[0]] += v;
		total += v;
	}
	for (k = 0; k < t->nqueue; k++)
		score[k] = total > 0 ? score[k] / total : 0.0;
	return 0;
}

/* ---- threads ---- */

struct job {
	const struct workload *w;
	const uint32_t *arrival;
	const struct sample_config *cfg;
	unsigned shard, nshards;
	size_t nlocal; /* tuples of this shard */
	struct sample_row *rows;
	atomic_size_t next; /* local index handed out next */
	atomic_size_t done;
	atomic_int failed;
	pthread_mutex_t lock;
	struct sc_error err;
};

static void *worker(void *arg)
{
	struct job *jb = arg;
	const struct sample_config *cfg = jb->cfg;
	double score[TRIAL_MAX_QUEUE], c;
	struct trial_tuple t;
	size_t local;

	while ((local = atomic_fetch_add(&jb->next, 1)) < jb->nlocal) {
		size_t index = local * jb->nshards + jb->shard, first, k;
		struct sc_error err = {{0}};
		struct sample_row *row = &jb->rows[local * cfg->nqueue];

		if (atomic_load(&jb->failed))
			break;
		if (sample_draw(jb->w, jb->arrival, cfg, index, &t, &first,
			    &err) < 0 ||
			sample_scores(&t, cfg, index,
				jb->w->jobs[jb->arrival[first]].submit, score,
				&c, &err) < 0) {
			pthread_mutex_lock(&jb->lock);
			sc_errprintf(
				&jb->err, "tuple %zu: %s", index, err.text);
			pthread_mutex_unlock(&jb->lock);
			atomic_store(&jb->failed, 1);
			break;
		}
		for (k = 0; k < cfg->nqueue; k++) {
			row[k].tuple = (uint32_t)index;
			row[k].p = (double)t.queue[k].runtime;
			row[k].q = (double)t.queue[k].procs;
			row[k].r = (double)t.queue[k].submit;
			row[k].c = c;
			row[k].score = score[k];
		}
		atomic_fetch_add(&jb->done, 1);
	}
	return NULL;
}

static void fill_meta(struct sample_meta *m, const struct workload *w,
	const char *trace, const char *carbon, const struct sample_config *cfg,
	unsigned shard, unsigned nshards)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->trace, sizeof(m->trace), "%s", trace ? trace : "");
	snprintf(m->carbon, sizeof(m->carbon), "%s",
		carbon && cfg->carbon.ci ? carbon : "");
	m->trace_sum = sample_trace_sum(w);
	m->njobs = w->njobs;
	m->procs = w->machine_procs;
	m->cfg = *cfg;
	m->cfg.carbon.ci = NULL;
	m->shard = shard;
	m->nshards = nshards;
	m->energy_j = NAN;
}

int sample_run(const struct workload *w, const char *trace_name,
	const char *carbon_name, const struct sample_config *cfg,
	unsigned shard, unsigned nshards, unsigned nthreads,
	sample_progress_fn *progress, void *progress_arg,
	struct sample_set *out, struct sc_error *err)
{
	struct job jb = {
		.w = w, .cfg = cfg, .shard = shard, .nshards = nshards};
	pthread_t *th = NULL;
	uint32_t *arrival = NULL;
	unsigned i, started = 0;

	memset(out, 0, sizeof(*out));
	if (!nshards || shard >= nshards)
		return sc_errprintf(err, "shard %u of %u", shard, nshards);
	if (cfg->ntuples > UINT32_MAX)
		return sc_errprintf(err, "too many tuples");
	if (nthreads < 1)
		nthreads = 1;
	fill_meta(&out->meta, w, trace_name, carbon_name, cfg, shard, nshards);
	jb.nlocal = cfg->ntuples > shard
			    ? (cfg->ntuples - shard + nshards - 1) / nshards
			    : 0;
	pthread_mutex_init(&jb.lock, NULL);
	if (!(arrival = malloc((w->njobs ? w->njobs : 1) * sizeof(*arrival))) ||
		workload_arrival_order(w, arrival) < 0 ||
		!(jb.rows = calloc(
			  jb.nlocal * cfg->nqueue + 1, sizeof(*jb.rows))) ||
		!(th = calloc(nthreads, sizeof(*th)))) {
		sc_errprintf(err, "out of memory");
		goto error;
	}
	jb.arrival = arrival;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[i], NULL, worker, &jb) != 0)
			break;
		started++;
	}
	if (!started) {
		sc_errprintf(err, "cannot start a thread");
		goto error;
	}
	while (atomic_load(&jb.done) < jb.nlocal && !atomic_load(&jb.failed)) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (progress)
			progress(
				progress_arg, atomic_load(&jb.done), jb.nlocal);
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&jb.failed)) {
		sc_errprintf(err, "%s", jb.err.text);
		goto error;
	}
	if (progress)
		progress(progress_arg, jb.nlocal, jb.nlocal);
	out->rows = jb.rows;
	out->nrows = jb.nlocal * cfg->nqueue;
	out->trials = (uint64_t)jb.nlocal * cfg->nperms;
	free(th);
	free(arrival);
	pthread_mutex_destroy(&jb.lock);
	return 0;
error:
	free(th);
	free(arrival);
	free(jb.rows);
	pthread_mutex_destroy(&jb.lock);
	memset(out, 0, sizeof(*out));
	return -1;
}

/* ---- data files ---- */

static const char *const first_names[] = {"uniform", "balanced", "paper"};

int sample_write(
	const struct sample_set *s, const char *path, struct sc_error *err)
{
	const struct sample_meta *m = &s->meta;
	const struct sample_config *c = &m->cfg;
	FILE *fp = fopen(path, "w");
	size_t i;

	if (!fp)
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	fprintf(fp, "# carbonlearn-data 1\n");
	fprintf(fp, "# trace %s\n", m->trace);
	fprintf(fp, "# trace-sum %016" PRIx64 " jobs %zu procs %d\n",
		m->trace_sum, m->njobs, (int)m->procs);
	fprintf(fp,
		"# seed %" PRIu64 " tuples %zu permutations %zu state %zu "
		"queue %zu first %s\n",
		c->seed, c->ntuples, c->nperms, c->nstate, c->nqueue,
		first_names[c->first]);
	fprintf(fp, "# carbon %s\n", m->carbon[0] ? m->carbon : "-");
	fprintf(fp, "# carbon-epoch %" PRId64 " carbon-weight %.17g\n",
		c->carbon.epoch, c->carbon.weight);
	fprintf(fp, "# shard %u/%u trials %" PRIu64 "\n", m->shard, m->nshards,
		s->trials);
	if (isnan(m->energy_j))
		fprintf(fp,
			"# cost cpu-seconds %.3f wall-seconds %.3f "
			"energy-joules unknown\n",
			m->cpu_s, m->wall_s);
	else
		fprintf(fp,
			"# cost cpu-seconds %.3f wall-seconds %.3f "
			"energy-joules %.3f\n",
			m->cpu_s, m->wall_s, m->energy_j);
	fprintf(fp, "tuple,p,q,r,c,score\n");
	for (i = 0; i < s->nrows; i++) {
		const struct sample_row *r = &s->rows[i];

		fprintf(fp, "%" PRIu32 ",%.17g,%.17g,%.17g,%.17g,%.17g\n",
			r->tuple, r->p, r->q, r->r, r->c, r->score);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	return 0;
}

static int parse_header(const char *line, struct sample_set *s)
{
	struct sample_meta *m = &s->meta;
	struct sample_config *c = &m->cfg;
	char first[32];
	int n = 0;

	if (sscanf(line, "# trace-sum %" SCNx64 " jobs %zu procs %d%n",
		    &m->trace_sum, &m->njobs, &m->procs, &n) == 3 &&
		n)
		return 0;
	if (sscanf(line,
		    "# seed %" SCNu64 " tuples %zu permutations %zu "
		    "state %zu queue %zu first %31s%n",
		    &c->seed, &c->ntuples, &c->nperms, &c->nstate, &c->nqueue,
		    first, &n) == 6 &&
		n) {
		for (c->first = 0; c->first < 3; c->first++)
			if (strcmp(first, first_names[c->first]) == 0)
				return 0;
		return -1;
	}
	if (sscanf(line, "# carbon-epoch %" SCNd64 " carbon-weight %lf%n",
		    &c->carbon.epoch, &c->carbon.weight, &n) == 2 &&
		n)
		return 0;
	if (sscanf(line,
		    "# cost cpu-seconds %lf wall-seconds %lf "
		    "energy-joules %lf%n",
		    &m->cpu_s, &m->wall_s, &m->energy_j, &n) == 3 &&
		n)
		return 0;
	if (sscanf(line,
		    "# cost cpu-seconds %lf wall-seconds %lf "
		    "energy-joules unknown%n",
		    &m->cpu_s, &m->wall_s, &n) == 2 &&
		n) {
		m->energy_j = NAN;
		return 0;
	}
	if (sscanf(line, "# shard %u/%u trials %" SCNu64 "%n", &m->shard,
		    &m->nshards, &s->trials, &n) == 3 &&
		n)
		return 0;
	if (strncmp(line, "# trace ", 8) == 0) {
		snprintf(m->trace, sizeof(m->trace), "%.*s",
			(int)strcspn(line + 8, "\n"), line + 8);
		return 0;
	}
	if (strncmp(line, "# carbon ", 9) == 0) {
		snprintf(m->carbon, sizeof(m->carbon), "%.*s",
			(int)strcspn(line + 9, "\n"), line + 9);
		if (strcmp(m->carbon, "-") == 0)
			m->carbon[0] = '\0';
		return 0;
	}
	return strncmp(line, "# carbonlearn-data 1", 20) == 0 ? 0 : -1;
}

int sample_read(const char *path, struct sample_set *s, struct sc_error *err)
{
	char line[1024];
	size_t cap = 0;
	long lineno = 0;
	FILE *fp;

	memset(s, 0, sizeof(*s));
	s->meta.energy_j = NAN;
	if (!(fp = fopen(path, "r")))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		struct sample_row r;
		int n = 0;

		lineno++;
		if (line[0] == '#') {
			if (parse_header(line, s) < 0) {
				sc_errprintf(err,
					"%s:%ld: unknown header "
					"line",
					path, lineno);
				goto error;
			}
			continue;
		}
		if (strncmp(line, "tuple,", 6) == 0)
			continue;
		if (sscanf(line, "%" SCNu32 ",%lf,%lf,%lf,%lf,%lf%n", &r.tuple,
			    &r.p, &r.q, &r.r, &r.c, &r.score, &n) != 6 ||
			(line[n] != '\n' && line[n] != '\0')) {
			sc_errprintf(err,
				"%s:%ld: expected tuple,p,q,r,c,score", path,
				lineno);
			goto error;
		}
		if (s->nrows == cap) {
			size_t nc = cap ? 2 * cap : 4096;
			struct sample_row *nr =
				realloc(s->rows, nc * sizeof(*nr));

			if (!nr) {
				sc_errprintf(err, "out of memory");
				goto error;
			}
			s->rows = nr;
			cap = nc;
		}
		s->rows[s->nrows++] = r;
	}
	if (ferror(fp)) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	if (!s->meta.nshards || !s->meta.cfg.nqueue) {
		sc_errprintf(err, "%s: not a carbonlearn data file", path);
		goto error;
	}
	fclose(fp);
	return 0;
error:
	fclose(fp);
	sample_set_free(s);
	return -1;
}

static int same_run(const struct sample_meta *a, const struct sample_meta *b)
{
	const struct sample_config *x = &a->cfg, *y = &b->cfg;

	return strcmp(a->trace, b->trace) == 0 &&
	       a->trace_sum == b->trace_sum && a->njobs == b->njobs &&
	       a->procs == b->procs && strcmp(a->carbon, b->carbon) == 0 &&
	       a->nshards == b->nshards && x->seed == y->seed &&
	       x->ntuples == y->ntuples && x->nperms == y->nperms &&
	       x->nstate == y->nstate && x->nqueue == y->nqueue &&
	       x->first == y->first && x->carbon.epoch == y->carbon.epoch &&
	       x->carbon.weight == y->carbon.weight;
}

int sample_merge(struct sample_set *shards, size_t n, struct sample_set *out,
	struct sc_error *err)
{
	const struct sample_set **by = NULL;
	size_t i, nq, total = 0, t;
	unsigned ns;

	memset(out, 0, sizeof(*out));
	if (!n)
		return sc_errprintf(err, "no data to merge");
	ns = shards[0].meta.nshards;
	nq = shards[0].meta.cfg.nqueue;
	if (!(by = calloc(ns, sizeof(*by))))
		return sc_errprintf(err, "out of memory");
	for (i = 0; i < n; i++) {
		const struct sample_meta *m = &shards[i].meta;

		if (!same_run(m, &shards[0].meta)) {
			sc_errprintf(err,
				"shard %u/%u is from another run "
				"(trace, seed, sizes or carbon "
				"differ)",
				m->shard, m->nshards);
			goto error;
		}
		if (m->shard >= ns || by[m->shard]) {
			sc_errprintf(
				err, "shard %u/%u given twice", m->shard, ns);
			goto error;
		}
		by[m->shard] = &shards[i];
		total += shards[i].nrows;
	}
	for (i = 0; i < ns; i++) {
		size_t nt = shards[0].meta.cfg.ntuples, local;

		if (!by[i]) {
			sc_errprintf(err, "shard %zu/%u is missing", i, ns);
			goto error;
		}
		local = nt > i ? (nt - i + ns - 1) / ns : 0;
		if (by[i]->nrows != local * nq) {
			sc_errprintf(err,
				"shard %zu/%u: %zu rows, expected %zu", i, ns,
				by[i]->nrows, local * nq);
			goto error;
		}
	}
	if (total != shards[0].meta.cfg.ntuples * nq) {
		sc_errprintf(err, "%zu rows, the run has %zu tuples of %zu",
			total, shards[0].meta.cfg.ntuples, nq);
		goto error;
	}
	if (!(out->rows = malloc((total + 1) * sizeof(*out->rows)))) {
		sc_errprintf(err, "out of memory");
		goto error;
	}
	/* tuple t is row block t / ns of shard t % ns */
	for (t = 0; t < shards[0].meta.cfg.ntuples; t++) {
		const struct sample_set *s = by[t % ns];
		const struct sample_row *src = &s->rows[(t / ns) * nq];

		if (src->tuple != t) {
			sc_errprintf(err,
				"shard %zu/%u: tuple %zu out of place", t % ns,
				ns, t);
			goto error;
		}
		memcpy(&out->rows[t * nq], src, nq * sizeof(*src));
		out->trials += s->trials ? shards[0].meta.cfg.nperms : 0;
	}
	out->nrows = total;
	out->meta = shards[0].meta;
	out->meta.shard = 0;
	out->meta.nshards = 1;
	out->meta.cpu_s = out->meta.wall_s = out->meta.energy_j = 0.0;
	for (i = 0; i < n; i++) {
		out->meta.cpu_s += shards[i].meta.cpu_s;
		out->meta.wall_s += shards[i].meta.wall_s;
		out->meta.energy_j += shards[i].meta.energy_j; /* NAN stays */
	}
	free(by);
	return 0;
error:
	free(by);
	sample_set_free(out);
	return -1;
}

void sample_set_free(struct sample_set *s)
{
	if (!s)
		return;
	free(s->rows);
	memset(s, 0, sizeof(*s));
}
