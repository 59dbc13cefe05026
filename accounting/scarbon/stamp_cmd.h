/*
 * stamp_cmd.h: scarbon stamp: each finished job's carbon written into its
 * AdminComment in slurmdbd, once, when its accounting is complete.
 */
#ifndef SCARBON_STAMP_CMD_H
#define SCARBON_STAMP_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "carbon_conf.h"
#include "job_set.h"
#include "options.h"
#include "slurmdb_jobs.h"

/* What one stamping pass did. */
struct stamp_tally {
	size_t stamped;
	size_t already;	 /* stamped before: left alone */
	size_t pending;	 /* accounting not complete yet: retried later */
	size_t failed;	 /* cannot be stamped (configuration, slurmdbd) */
};

/* How long to wait for an extern step that may never come, in seconds. */
#define STAMP_EXTERN_WAIT_S 3600

/*
 * Why a job is not ready to stamp at now, or NULL when it is: not ended,
 * ended less than settle ago, a step not ended, its region's series not
 * reaching its end, or (expect_extern: PrologFlags=Contain) no extern
 * step yet, for an hour after its end.
 */
const char *stamp_not_ready(const struct carbon_conf *conf,
	const struct job_record *job, time_t now, int64_t settle,
	bool expect_extern);

/*
 * Stamp set's jobs (carbon in jcs). Writes through src unless o->dry_run.
 * Problems go to err_out one line each. Fills *t.
 */
void stamp_jobs(const struct scarbon_opts *o, const struct carbon_conf *conf,
	struct slurmdb_source *src, const struct job_set *set,
	const struct job_carbon *jcs, time_t now, FILE *out, FILE *err_out,
	struct stamp_tally *t);

#endif
