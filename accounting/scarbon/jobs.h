/*
 * jobs.h: scarbon's default command: each job's (and step's) energy and
 * carbon, one line each as sacct prints, or JSON.
 */
#ifndef SCARBON_JOBS_H
#define SCARBON_JOBS_H

#include <stdio.h>

#include "carbon_conf.h"
#include "job_carbon.h"
#include "job_set.h"
#include "options.h"
#include "output.h"

/* A line of output: a job, or one of its steps. */
struct job_row {
	const struct job_record *job;
	const struct job_step_record *step; /* NULL on the job's line */
	const struct job_carbon *jc;
};

extern const struct field_def jobs_fields[];
extern const size_t jobs_nfields;

#define JOBS_DEFAULT_FORMAT                                                    \
	"JobID,User,Partition,Elapsed,State,Energy,EnergySource,Intensity,CO2e"

/*
 * A step's own carbon, as Slurm recorded its energy (the whole nodes over
 * the step's lifetime): operational only, embodied and total unknown.
 */
void jobs_step_carbon(const struct carbon_conf *conf,
	const struct job_record *job, const struct job_step_record *step,
	struct job_carbon *out);

/*
 * Print set's jobs under o (their carbon in jcs, one per job) to f. 0, or
 * -1 with err set (bad -o).
 */
int jobs_print(FILE *f, const struct scarbon_opts *o,
	const struct carbon_conf *conf, const struct job_set *set,
	const struct job_carbon *jcs, struct sc_error *err);

#endif
