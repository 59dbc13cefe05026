/*
 * slurmdb_jobs.h: scarbon's one door to Slurm: jobs and steps from
 * slurmdbd through libslurm's slurmdb API, node sizes from slurmctld, and
 * the AdminComment write of scarbon stamp.
 */
#ifndef SCARBON_SLURMDB_JOBS_H
#define SCARBON_SLURMDB_JOBS_H

#include <stdbool.h>
#include <time.h>

#include "job_carbon.h"
#include "job_set.h"
#include "options.h"
#include "sc_error.h"

struct slurmdb_source;

/*
 * Connect to slurmdbd (slurm_init with the SLURM_CONF in effect). NULL
 * with err set when slurmdbd cannot be reached.
 */
struct slurmdb_source *slurmdb_source_open(struct sc_error *err);

/* Accepts NULL. */
void slurmdb_source_close(struct slurmdb_source *src);

/*
 * The jobs (with all their steps) that o selects, appended to set;
 * start/end is the time window (0: none). 0, or -1 with err set.
 */
int slurmdb_source_jobs(struct slurmdb_source *src,
	const struct scarbon_opts *o, time_t start, time_t end,
	struct job_set *set, struct sc_error *err);

/*
 * node size lookup for job_carbon_compute (arg: the source): the node's
 * CPUs, memory and GPUs as slurmctld knows them (loaded once).
 */
int slurmdb_source_node_size(void *arg, const char *node, struct node_size *out);

/*
 * Whether the caller may modify AdminComment in slurmdbd: root, the
 * SlurmUser, or AdminLevel Operator/Administrator. who gets the user name;
 * why gets the reason for a refusal. 1 yes, 0 no, -1 with err on failure.
 */
int slurmdb_source_may_stamp(struct slurmdb_source *src, char *who,
	size_t who_size, char *why, size_t why_size, struct sc_error *err);

/* True when slurmctld runs with PrologFlags=Contain (extern steps). */
bool slurmdb_source_contain(const struct slurmdb_source *src);

/* Store comment as the job's AdminComment. 0, or -1 with err set. */
int slurmdb_source_set_admin_comment(struct slurmdb_source *src,
	const struct job_record *job, const char *comment,
	struct sc_error *err);

#endif
