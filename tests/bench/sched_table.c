/*
 * sched_table.c: AVEbsld of every queue policy and backfilling mode on an
 * SWF trace, whole trace and SC17 windows, as a Markdown table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "sim.h"
#include "swf.h"

static int row(
	const struct workload *w, enum policy_kind pol, enum backfill_kind bf)
{
	struct sim_site site = {.name = "trace", .procs = w->machine_procs};
	struct sim_config cfg = {.policy = pol,
		.backfill = bf,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 100, .watts_idle = 10, .pue = 1}};
	struct metrics_protocol proto = {
		.window_seconds = 15 * 86400, .warmup = 16};
	struct metrics_windows mw;
	struct sim_result res;
	struct sc_error err;
	struct metrics m;

	if (sim_run(w, &cfg, &res, &err) < 0) {
		fprintf(stderr, "sched_table: %s\n", err.text);
		return -1;
	}
	metrics_compute(w, &res, NULL, &m);
	sim_result_free(&res);
	if (metrics_windows_run(w, &cfg, &proto, &mw, &err) < 0) {
		fprintf(stderr, "sched_table: %s\n", err.text);
		return -1;
	}
	printf("| %-6s | %-12s | %10.2f | %10.1f | %9.0f | %5.3f | %4zu | "
	       "%10.2f | %10.2f |\n",
		policy_name(pol), backfill_name(bf), m.avg_bsld, m.max_bsld,
		m.mean_wait, m.utilization, mw.nwindows, mw.mean_avg_bsld,
		mw.overall.avg_bsld);
	metrics_windows_free(&mw);
	return 0;
}

int main(int argc, char **argv)
{
	struct swf_options opt = {.runtime_mode = SWF_RUNTIME_ACTUAL};
	struct workload w;
	struct sc_error err;
	int b, p;

	if (argc < 2 || argc > 3 ||
		(argc == 3 && strcmp(argv[2], "actual") != 0 &&
			strcmp(argv[2], "requested") != 0)) {
		fprintf(stderr,
			"usage: sched_table TRACE.swf [actual|requested]\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[2], "requested") == 0)
		opt.runtime_mode = SWF_RUNTIME_REQUESTED;
	if (swf_load(argv[1], &opt, &w, &err) < 0) {
		fprintf(stderr, "sched_table: %s\n", err.text);
		return 1;
	}
	printf("%s: %zu jobs (%zu dropped), %d procs, %s runtimes\n\n", argv[1],
		w.njobs, w.dropped, w.machine_procs,
		opt.runtime_mode == SWF_RUNTIME_ACTUAL ? "actual"
						       : "requested");
	printf("| policy | backfill     | AVEbsld    | max bsld   | mean wait "
	       "| util  | win  | win mean   | win pooled |\n");
	printf("|--------|--------------|-----------:|-----------:|----------:"
	       "|------:|-----:|-----------:|-----------:|\n");
	for (b = BACKFILL_NONE; b <= BACKFILL_CONSERVATIVE; b++)
		for (p = 0; p < POLICY_COUNT; p++)
			if (row(&w, (enum policy_kind)p,
				    (enum backfill_kind)b) < 0) {
				workload_free(&w);
				return 1;
			}
	workload_free(&w);
	return 0;
}
