/*
 * sched_dump.c: replays a tiny job list ("submit runtime estimate procs"
 * per line) and prints each job's start; the C side of sched_crosscheck.py.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define DUMP_MAX_JOBS 100000

int main(int argc, char **argv)
{
	struct workload w = {0};
	struct sim_site site = {.name = "dump"};
	struct sim_config cfg = {.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 1, .watts_idle = 1, .pue = 1}};
	struct sim_result res;
	struct sc_error err;
	long long s, r, e;
	int q, rc = 1;
	FILE *f;

	if (argc != 5 || policy_parse(argv[1], &cfg.policy) < 0 ||
		backfill_parse(argv[2], &cfg.backfill) < 0 ||
		(site.procs = atoi(argv[3])) <= 0) {
		fprintf(stderr,
			"usage: sched_dump POLICY BACKFILL PROCS FILE\n");
		return 2;
	}
	f = fopen(argv[4], "r");
	w.jobs = calloc(DUMP_MAX_JOBS, sizeof(*w.jobs));
	if (!f || !w.jobs) {
		fprintf(stderr, "sched_dump: cannot read %s\n", argv[4]);
		goto out;
	}
	while (w.njobs < DUMP_MAX_JOBS &&
		fscanf(f, "%lld %lld %lld %d", &s, &r, &e, &q) == 4) {
		struct swf_job *j = &w.jobs[w.njobs];

		j->id = (int64_t)w.njobs + 1;
		j->submit = s;
		j->runtime = r;
		j->estimate = e;
		j->procs = q;
		j->user = -1;
		w.njobs++;
	}
	w.machine_procs = site.procs;
	if (sim_run(&w, &cfg, &res, &err) < 0) {
		fprintf(stderr, "sched_dump: %s\n", err.text);
		goto out;
	}
	for (size_t i = 0; i < w.njobs; i++)
		printf("%lld\n", (long long)res.jobs[i].start);
	sim_result_free(&res);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(w.jobs);
	return rc;
}
