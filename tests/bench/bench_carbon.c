/*
 * bench_carbon.c: the carbon of 10^6 synthetic jobs under one carbon.conf
 * (job_carbon_compute only); fails below 5,000,000 jobs per second on
 * one core (issue 6's target). The model runs at 7 to 9 million per
 * second on the machines here: node lists' sizes, embodied rate and the
 * estimate's node group memoised, so a memo that stops hitting or a
 * linear search per job shows as a failure.
 *
 * The mix is what a cluster's accounting holds: single-node jobs with an
 * extern step (PrologFlags=Contain), batch + srun steps on one or two
 * nodes without one, jobs whose steps have no energy (the Green
 * Algorithms estimate) and GPU jobs; a year of grid intensity at 30-min
 * steps, per-partition PUE and regions, embodied shares by CPU, memory
 * and GPU. Jobs come in start order over the year, as slurmdbd returns a
 * period's jobs (by submit and id), so successive jobs read nearby
 * samples of the series. The target is checked against the CPU time of the best of
 * five passes (one thread), which a busy machine does not inflate as it
 * does wall time; both are printed. Records are built before the clock
 * starts. Usage: bench_carbon [JOBS] (default 1000000).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job_carbon.h"

#define BENCH_JOBS 1000000
#define BENCH_MIN_JOBS_PER_S 5e6
#define BENCH_PASSES 5
#define T2023 1672531200 /* 2023-01-01T00:00:00Z */
#define YEAR (365 * 86400)
#define STEP_S 1800
#define NSAMPLES (YEAR / STEP_S)
#define NCN 512
#define NGPU 64

static const char conf_text[] =
	"PUE=1.3\n"
	"DefaultRegion=grid\n"
	"EmbodiedShare=max\n"
	"RegionName=grid Intensity=/bench/grid.csv\n"
	"RegionName=hydro Intensity=24\n"
	"PartitionName=batch Region=grid\n"
	"PartitionName=gpu Region=grid PUE=1.1\n"
	"PartitionName=eco Region=hydro PUE=1.05 Deferrable=yes MaxDelay=12h\n"
	"PartitionName=debug\n"
	"NodeName=DEFAULT EmbodiedKgCO2e=1344 LifetimeYears=4\n"
	"NodeName=cn[1-512] CPUs=64 MemoryGB=256 WattsPerCore=11\n"
	"NodeName=gpu[1-64] CPUs=32 MemoryGB=512 GPUs=4 "
	"EmbodiedKgCO2e=3000 LifetimeYears=5 WattsPerGPU=300\n";

static const char *const partitions[] = {"batch", "eco", "debug", "gpu"};

/* The node lists jobs and steps point to, built once. */
struct lists {
	struct nodelist *cn[NCN];	   /* cnK */
	struct nodelist *cn_pair[NCN - 1]; /* cn[K-K+1] */
	struct nodelist *gpu[NGPU];
	struct nodelist *gpu_pair[NGPU - 1];
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return next_random() % n;
}

/* name<a>, or name[<a>-<b>] when b > 0. */
static struct nodelist *parse(const char *name, int a, int b)
{
	struct sc_error err = {{0}};
	struct nodelist *nl;
	char expr[64];

	if (b > 0)
		snprintf(expr, sizeof(expr), "%s[%d-%d]", name, a, b);
	else
		snprintf(expr, sizeof(expr), "%s%d", name, a);
	nl = nodelist_parse(expr, &err);
	if (!nl) {
		fprintf(stderr, "bench_carbon: %s\n", err.text);
		exit(1);
	}
	return nl;
}

static void build_lists(struct lists *l)
{
	int i;

	for (i = 0; i < NCN; i++)
		l->cn[i] = parse("cn", i + 1, 0);
	for (i = 0; i < NCN - 1; i++)
		l->cn_pair[i] = parse("cn", i + 1, i + 2);
	for (i = 0; i < NGPU; i++)
		l->gpu[i] = parse("gpu", i + 1, 0);
	for (i = 0; i < NGPU - 1; i++)
		l->gpu_pair[i] = parse("gpu", i + 1, i + 2);
}

static void free_lists(struct lists *l)
{
	int i;

	for (i = 0; i < NCN; i++)
		nodelist_destroy(l->cn[i]);
	for (i = 0; i < NCN - 1; i++)
		nodelist_destroy(l->cn_pair[i]);
	for (i = 0; i < NGPU; i++)
		nodelist_destroy(l->gpu[i]);
	for (i = 0; i < NGPU - 1; i++)
		nodelist_destroy(l->gpu_pair[i]);
}

/* A year of intensity at 30-min steps: a daily cycle and noise. */
static struct intensity_series *year_series(void)
{
	int64_t *t = malloc(NSAMPLES * sizeof(*t));
	double *v = malloc(NSAMPLES * sizeof(*v));
	struct sc_error err = {{0}};
	struct intensity_series *s = NULL;

	if (t && v) {
		size_t i;

		for (i = 0; i < NSAMPLES; i++) {
			double hour = (double)(i % 48) / 2;

			t[i] = T2023 + (int64_t)i * STEP_S;
			v[i] = 200 + 80 * sin(hour / 24 * 2 * M_PI) +
			       (double)below(40);
		}
		s = intensity_series_create(t, v, NSAMPLES, &err);
	}
	free(t);
	free(v);
	if (!s) {
		fprintf(stderr, "bench_carbon: series: %s\n",
			err.text[0] ? err.text : strerror(errno));
		exit(1);
	}
	return s;
}

static struct job_step_record make_step(const char *name,
	enum job_step_kind kind, int64_t start, int64_t end,
	const struct nodelist *nodes, double joules)
{
	struct job_step_record s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.kind = kind;
	s.start = start;
	s.end = end;
	s.nodes = nodes;
	s.energy_j = joules;
	s.max_node = s.min_node = -1;
	return s;
}

/*
 * Job i, its steps in steps[0..2]: 45 % single-node with an extern step
 * (and its batch step), 30 % batch + one or two srun steps on one or two
 * nodes, 15 % with no energy in any step, 10 % GPU jobs with an extern
 * step. Durations from a minute to a day, inside the year.
 */
static void make_job(const struct lists *l, size_t i, size_t njobs,
	struct job_record *job, struct job_step_record *steps)
{
	uint64_t kind = below(100);
	int64_t dur = 60 + (int64_t)below(86400 - 60);
	/* in start order, a few minutes of jitter */
	int64_t start = T2023 +
			(int64_t)((double)i / (double)njobs * (YEAR - 2 * 86400)) +
			(int64_t)below(600);
	int64_t end = start + dur;
	int two = below(2) == 0;
	double watts = 50 + (double)below(400);
	size_t n = 0;
	int k;

	memset(job, 0, sizeof(*job));
	snprintf(job->id, sizeof(job->id), "%zu", i + 1);
	job->jobid = (uint32_t)(i + 1);
	job->state = "COMPLETED";
	job->finished = true;
	job->submit = start - (int64_t)below(3600);
	job->start = start;
	job->end = end;
	job->partition = partitions[below(3)];
	job->alloc_cpus = (double)(1 + below(64));
	job->alloc_mem_gb = (double)(1 + below(256));
	job->cpu_time_s = job->alloc_cpus * (double)dur * 0.8;
	if (kind < 45) {
		k = (int)below(NCN);
		job->nodes = l->cn[k];
		steps[n++] = make_step("extern", JOB_STEP_EXTERN, start, end,
			job->nodes, watts * (double)dur);
		steps[n++] = make_step("batch", JOB_STEP_BATCH, start, end,
			job->nodes, watts * (double)dur * 0.97);
	} else if (kind < 75) {
		k = (int)below(NCN - 1);
		job->nodes = two ? l->cn_pair[k] : l->cn[k];
		steps[n++] = make_step("batch", JOB_STEP_BATCH, start, end,
			l->cn[k], watts * (double)dur);
		steps[n] = make_step("0", JOB_STEP_NORMAL, start + 5,
			start + dur / 2, job->nodes,
			(two ? 2 : 1) * watts * (double)(dur / 2 - 5));
		if (two) {
			steps[n].max_node = 1;
			steps[n].max_node_j =
				watts * (double)(dur / 2 - 5) * 1.1;
			steps[n].min_node = 0;
			steps[n].min_node_j =
				watts * (double)(dur / 2 - 5) * 0.9;
		}
		n++;
		if (below(2))
			steps[n++] = make_step("1", JOB_STEP_NORMAL,
				start + dur / 2, end - 2, job->nodes,
				watts * (double)(dur / 2));
	} else if (kind < 90) {
		k = (int)below(NCN - 1);
		job->nodes = two ? l->cn_pair[k] : l->cn[k];
		steps[n++] = make_step(
			"batch", JOB_STEP_BATCH, start, end, l->cn[k], NAN);
		steps[n++] = make_step("0", JOB_STEP_NORMAL, start + 1, end - 1,
			job->nodes, NAN);
	} else {
		k = (int)below(NGPU - 1);
		job->partition = "gpu";
		job->nodes = two ? l->gpu_pair[k] : l->gpu[k];
		job->alloc_cpus = (double)(1 + below(32));
		job->alloc_gpus = (double)(1 + below(4));
		steps[n++] = make_step("extern", JOB_STEP_EXTERN, start, end,
			job->nodes, (two ? 2 : 1) * 4 * watts * (double)dur);
		steps[n++] = make_step("batch", JOB_STEP_BATCH, start, end,
			l->gpu[k], 4 * watts * (double)dur);
	}
	job->steps = steps;
	job->nsteps = n;
}

static double seconds_since(clockid_t clock, const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(clock, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * One pass of job_carbon_compute over every job: its CPU seconds (*wall
 * gets the wall-clock seconds), or -1 on allocation failure.
 */
static double run(const struct carbon_conf *conf, const struct job_record *jobs,
	size_t njobs, struct job_energy *scratch, double *wall, double *total_g,
	size_t *unknown, size_t *estimated)
{
	struct timespec w0, c0;
	double cpu;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &w0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (i = 0; i < njobs; i++) {
		struct job_carbon out;

		if (job_carbon_compute(
			    conf, &jobs[i], NULL, NULL, scratch, &out) < 0)
			return -1;
		if (isfinite(out.total_g))
			*total_g += out.total_g;
		else
			(*unknown)++;
		*estimated += out.source == ENERGY_SOURCE_ESTIMATED;
	}
	cpu = seconds_since(CLOCK_PROCESS_CPUTIME_ID, &c0);
	*wall = seconds_since(CLOCK_MONOTONIC, &w0);
	return cpu;
}

int main(int argc, char **argv)
{
	size_t njobs = argc > 1 ? strtoul(argv[1], NULL, 10) : BENCH_JOBS;
	struct sc_error err = {{0}};
	struct carbon_conf *conf;
	struct job_record *jobs;
	struct job_step_record *steps;
	struct job_energy scratch = {0};
	struct lists l;
	size_t i, nsteps, unknown = 0, estimated = 0;
	double total_g = 0, cpu = 0, wall = 0, rate;
	int pass, rc;

	if (!njobs) {
		fprintf(stderr, "usage: bench_carbon [JOBS]\n");
		return 2;
	}
	conf = carbon_conf_parse(
		"bench.conf", conf_text, strlen(conf_text), NULL, &err);
	if (!conf) {
		fprintf(stderr, "bench_carbon: %s\n", err.text);
		return 1;
	}
	conf->regions[0].series = year_series();
	build_lists(&l);
	jobs = malloc(njobs * sizeof(*jobs));
	steps = malloc(njobs * 3 * sizeof(*steps));
	if (!jobs || !steps) {
		fprintf(stderr, "bench_carbon: out of memory\n");
		return 1;
	}
	/* steps back to back, as a reader of slurmdbd would store them */
	for (i = 0, nsteps = 0; i < njobs; i++) {
		make_job(&l, i, njobs, &jobs[i], &steps[nsteps]);
		nsteps += jobs[i].nsteps;
	}

	/*
	 * The best of BENCH_PASSES passes: the machine's noise (other
	 * processes, a VM's stolen time) only ever slows a pass down.
	 */
	for (pass = 0; pass < BENCH_PASSES; pass++) {
		double c, w;

		total_g = 0;
		unknown = estimated = 0;
		c = run(conf, jobs, njobs, &scratch, &w, &total_g, &unknown,
			&estimated);
		if (c < 0) {
			fprintf(stderr, "bench_carbon: out of memory\n");
			return 1;
		}
		printf("bench_carbon: pass %d: %.1f ns/job\n", pass + 1,
			c * 1e9 / (double)njobs);
		if (pass == 0 || c < cpu) {
			cpu = c;
			wall = w;
		}
	}
	rate = (double)njobs / cpu;
	printf("bench_carbon: %zu jobs in %.3f s CPU (%.3f s wall), best "
	       "pass: %.0f jobs/s, %.1f ns/job\n",
		njobs, cpu, wall, rate, cpu * 1e9 / (double)njobs);
	printf("bench_carbon: %zu estimated, %zu unknown, %.1f t CO2e in "
	       "all\n",
		estimated, unknown, total_g / 1e6);
	rc = 0;
	if (unknown) {
		fprintf(stderr, "bench_carbon: %zu jobs without a total\n",
			unknown);
		rc = 1;
	}
	if (rate < BENCH_MIN_JOBS_PER_S) {
		printf("bench_carbon: below the target of %.0f jobs/s\n",
			BENCH_MIN_JOBS_PER_S);
		rc = 1;
	}
	job_energy_release(&scratch);
	free(steps);
	free(jobs);
	free_lists(&l);
	carbon_conf_destroy(conf);
	return rc;
}
