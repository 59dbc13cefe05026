/*
 * bench_learn.c: the SC17 learning pipeline's speed on lublin_256: trial
 * simulations per second (one thread and all), and the wall time of a
 * whole run (2000 tuples x 5000 permutations, then the fit). The target:
 * the full run (10,000 tuples) in under 10 minutes on 2 cores,
 * checked here by extrapolating the measured rates. Exit 1 if missed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fit.h"
#include "sample.h"

#define TARGET_S 600.0
#define FULL_TUPLES 10000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *trace =
		argc > 1 ? argv[1] : TOP_SRCDIR "/tests/data/lublin_256.swf";
	struct swf_options so = {.runtime_mode = SWF_RUNTIME_ACTUAL};
	struct sample_config cfg = {.nstate = 16,
		.nqueue = 32,
		.ntuples = 2000,
		.nperms = 5000,
		.seed = 1};
	struct sc_error err = {{0}};
	struct workload w = {0};
	struct sample_set d1 = {0}, d;
	struct fit_candidate *c = NULL;
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = nc > 0 ? (unsigned)nc : 1;
	double t0, one, all, fit, full;
	size_t n;

	if (swf_load(trace, &so, &w, &err) < 0) {
		fprintf(stderr, "bench_learn: %s\n", err.text);
		return 1;
	}
	cfg.ntuples = 200;
	t0 = now();
	if (sample_run(&w, trace, NULL, &cfg, 0, 1, 1, NULL, NULL, &d1, &err))
		goto fail;
	one = (double)d1.trials / (now() - t0);
	sample_set_free(&d1);
	cfg.ntuples = 2000;
	t0 = now();
	if (sample_run(
		    &w, trace, NULL, &cfg, 0, 1, threads, NULL, NULL, &d, &err))
		goto fail;
	all = now() - t0;
	t0 = now();
	if (fit_enumerate(FIT_PAPER | FIT_POLY, &c, &n, &err) < 0 ||
		fit_run(&d, c, n, threads, &err) < 0)
		goto fail;
	fit = now() - t0;
	/* sampling scales with tuples, the fit with rows */
	full = (all + fit) * FULL_TUPLES / (double)cfg.ntuples;
	printf("trials/s, 1 thread         %12.0f\n", one);
	printf("trials/s, %u threads        %12.0f\n", threads,
		(double)d.trials / all);
	printf("2000 x 5000 trials         %12.2f s wall\n", all);
	printf("fit, %zu candidates       %12.2f s wall\n", n, fit);
	printf("10000 tuples (estimate)    %12.1f s wall, target %.0f s\n",
		full, TARGET_S);
	free(c);
	sample_set_free(&d);
	workload_free(&w);
	return full < TARGET_S ? 0 : 1;
fail:
	fprintf(stderr, "bench_learn: %s\n", err.text);
	workload_free(&w);
	return 1;
}
