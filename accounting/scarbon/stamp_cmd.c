/*
 * stamp_cmd.c: scarbon stamp: idempotent AdminComment summaries, written
 * only once a job's accounting is complete.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"
#include "stamp_cmd.h"

/*
 * True when the job's extern step may still be on its way: none with its
 * energy yet, while another step has some (energy is gathered at all).
 */
static bool extern_missing(const struct job_record *job)
{
	bool measured = false;
	size_t i;

	for (i = 0; i < job->nsteps; i++) {
		const struct job_step_record *s = &job->steps[i];

		if (s->kind == JOB_STEP_EXTERN && s->end > 0 &&
			isfinite(s->energy_j))
			return false;
		if (isfinite(s->energy_j))
			measured = true;
	}
	return measured;
}

const char *stamp_not_ready(const struct carbon_conf *conf,
	const struct job_record *job, time_t now, int64_t settle,
	bool expect_extern)
{
	const struct carbon_region *r;
	size_t i;

	if (!job->finished || job->end <= 0)
		return "job has not ended";
	if ((int64_t)now - job->end < settle)
		return "job ended less than --settle ago";
	for (i = 0; i < job->nsteps; i++)
		if (job->steps[i].end <= 0)
			return "a step has not ended in the accounting yet";
	/*
	 * With PrologFlags=Contain the extern step's record reaches slurmdbd
	 * after the job's; without it the energy rule would fall back to the
	 * other steps and the stamp, never redone, would stay wrong. A job
	 * that ran before Contain was set never gets one: wait an hour at
	 * most.
	 */
	if (expect_extern && job->start > 0 && extern_missing(job) &&
		(int64_t)now - job->end < STAMP_EXTERN_WAIT_S)
		return "the extern step is not in the accounting yet";
	r = carbon_conf_partition_region(conf, job->partition);
	if (r && r->series && job->end >= intensity_series_end(r->series))
		return "the intensity series does not reach the job's end yet";
	return NULL;
}

static void stamp_one(const struct scarbon_opts *o, struct slurmdb_source *src,
	const struct job_record *job, const struct job_carbon *jc, FILE *out,
	FILE *err_out, struct stamp_tally *t)
{
	struct sc_error err = {{0}};
	char segment[512];
	char *merged;

	if (!isfinite(jc->total_g) || stamp_format(jc, segment, sizeof(segment)) < 0) {
		fprintf(err_out, "scarbon stamp: job %s: cannot be stamped: %s\n",
			job->id, jc->why[0] ? jc->why : "carbon unknown");
		t->failed++;
		return;
	}
	if (!(merged = stamp_merge(job->admin_comment, segment))) {
		fprintf(err_out, "scarbon stamp: out of memory\n");
		t->failed++;
		return;
	}
	if (o->dry_run) {
		fprintf(out, "job %s: would set AdminComment to: %s\n", job->id,
			merged);
		t->stamped++;
	} else if (slurmdb_source_set_admin_comment(src, job, merged, &err) < 0) {
		fprintf(err_out, "scarbon stamp: %s\n", err.text);
		t->failed++;
	} else {
		t->stamped++;
	}
	free(merged);
}

void stamp_jobs(const struct scarbon_opts *o, const struct carbon_conf *conf,
	struct slurmdb_source *src, const struct job_set *set,
	const struct job_carbon *jcs, time_t now, FILE *out, FILE *err_out,
	struct stamp_tally *t)
{
	bool expect_extern = src && slurmdb_source_contain(src);
	size_t i, len;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < set->njobs; i++) {
		const struct job_record *job = &set->jobs[i];

		if (stamp_find(job->admin_comment, &len)) {
			t->already++;
			continue;
		}
		if (job->start <= 0 && job->finished)
			continue; /* never ran: nothing to account */
		if (stamp_not_ready(conf, job, now, o->settle, expect_extern)) {
			t->pending++;
			continue;
		}
		stamp_one(o, src, job, &jcs[i], out, err_out, t);
	}
}
