/*
 * swf.h: reading Standard Workload Format traces (Parallel Workloads Archive,
 * v2.2) into a workload of jobs the simulator can replay.
 */
#ifndef SCHED_SWF_H
#define SCHED_SWF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

/* What the scheduler believes a job's runtime is. */
enum swf_runtime_mode {
	SWF_RUNTIME_ACTUAL,	/* field 4, the real runtime (the SC17 protocol) */
	SWF_RUNTIME_REQUESTED,	/* field 9, the user's requested time */
};

struct swf_options {
	enum swf_runtime_mode runtime_mode;
	int procs;		/* machine size; 0 = from the header */
	bool lenient;		/* skip malformed lines instead of failing */
};

/* Header fields of interest (';' lines); -1 / "" when absent. */
struct swf_header {
	long max_procs;
	long max_nodes;
	int64_t unix_start_time;
	char time_zone_string[64];
};

/*
 * One job as the scheduler sees it. Times are seconds of trace time (the
 * trace's submit field, 0 = start of the trace). runtime > 0, estimate > 0,
 * 0 < procs <= machine size.
 */
struct swf_job {
	int64_t id;		/* field 1, the trace's job number */
	int64_t submit;		/* field 2 */
	int64_t runtime;	/* field 4: how long it really runs */
	int64_t estimate;	/* what the scheduler sees (runtime mode) */
	int32_t procs;		/* requested procs, else allocated, capped */
	int32_t user;		/* field 12, -1 if unknown */
};

/*
 * A loaded trace. jobs are in trace order (ascending submit is not
 * assumed by the loader; the simulator orders arrivals by (submit, index)).
 */
struct workload {
	struct swf_job *jobs;
	size_t njobs;
	int32_t machine_procs;	/* from options.procs, else MaxProcs, else MaxNodes */
	struct swf_header header;
	size_t dropped;		/* filtered out: runtime <= 0, procs <= 0
				 * or submit time unknown (< 0) */
	size_t malformed;	/* skipped malformed lines (lenient mode only) */
	size_t capped;		/* jobs whose procs were capped at machine size */
};

/*
 * Load the SWF trace at path (plain or gzip, detected by content) into *w.
 * Filtering is documented in carbonsim(1). Returns 0, or -1 with err filled
 * ("FILE:LINE: problem", or "FILE: problem" when no line is at fault) and
 * *w left empty. The caller owns w's contents
 * and releases them with workload_free().
 */
int swf_load(const char *path, const struct swf_options *opt,
	struct workload *w, struct sc_error *err);

/* Parse an SWF text held in memory (as swf_load, name used in errors). */
int swf_parse_buffer(const char *name, const char *buf, size_t len,
	const struct swf_options *opt, struct workload *w,
	struct sc_error *err);

/*
 * Fill order[0..w->njobs) with job indices in arrival order: by submit
 * time, then trace order (a stable sort). order is the caller's. Returns 0,
 * or -1 with errno ENOMEM, or EOVERFLOW when there are 2^32 jobs or more.
 */
int workload_arrival_order(const struct workload *w, uint32_t *order);

/* Release a workload's contents; accepts an empty or NULL workload. */
void workload_free(struct workload *w);

#endif
