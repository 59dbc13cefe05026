/*
 * scarbon.c: energy and carbon of Slurm jobs beside sacct, totals by user,
 * account or partition, and the AdminComment stamp: a thin front end over
 * libcarbon (the carbon model) and slurmdb_jobs.c (Slurm's C API).
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carbon_conf.h"
#include "job_carbon.h"
#include "jobs.h"
#include "options.h"
#include "policy.h"
#include "report.h"
#include "slurmdb_jobs.h"
#include "stamp_cmd.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Seven days back for stamp: what a timer may have missed. */
#define STAMP_LOOKBACK_S (7 * 86400)

static int check_policy(const char *name, char *why, size_t size)
{
	enum policy_kind k;

	if (policy_parse(name, &k) == 0)
		return 0;
	snprintf(why, size, "unknown policy (fcfs, spf, saf, wfp3, unicef, "
			    "f1, f2, f3, f4)");
	return -1;
}

/* --conf, else $SCARBON_CONF, else next to $SLURM_CONF, else /etc/slurm. */
static char *conf_path(const struct scarbon_opts *o)
{
	const char *env = getenv("SCARBON_CONF"), *slurm = getenv("SLURM_CONF");
	char *copy, *path;

	if (o->conf_path)
		return strdup(o->conf_path);
	if (env && *env)
		return strdup(env);
	if (!slurm || !*slurm)
		return strdup(CARBON_CONF_DEFAULT);
	if (!(copy = strdup(slurm)))
		return NULL;
	if (asprintf(&path, "%s/carbon.conf", dirname(copy)) < 0)
		path = NULL;
	free(copy);
	return path;
}

static struct carbon_conf *load_conf(const struct scarbon_opts *o)
{
	struct carbon_conf_options copts = {
		.flags = CARBON_CONF_LOAD_SERIES,
		.check_policy = check_policy,
	};
	struct sc_error err = {{0}};
	struct carbon_conf *conf;
	char *path = conf_path(o);

	if (!path) {
		fprintf(stderr, "scarbon: out of memory\n");
		return NULL;
	}
	conf = carbon_conf_load(path, &copts, &err);
	if (!conf)
		fprintf(stderr, "scarbon: %s\n", err.text);
	free(path);
	return conf;
}

static int cmd_check(const struct carbon_conf *conf)
{
	size_t i;

	printf("%s: PUE %.3g, %zu region(s), %zu partition(s), %zu node "
	       "group(s)\n",
		conf->path, conf->pue, conf->nregions, conf->npartitions,
		conf->ngroups - 1);
	for (i = 0; i < conf->nregions; i++) {
		const struct carbon_region *r = &conf->regions[i];

		if (r->series)
			printf("  region %s: %s, %zu samples\n", r->name,
				r->path, intensity_series_count(r->series));
		else
			printf("  region %s: constant %.1f gCO2e/kWh\n", r->name,
				r->constant);
	}
	return 0;
}

/* The time window of the query. */
static void window(const struct scarbon_opts *o, time_t now, time_t *start,
	time_t *end)
{
	struct tm tm;

	*start = o->have_start ? o->start : 0;
	*end = o->have_end ? o->end : 0;
	if (o->cmd == SCARBON_STAMP && !o->have_start)
		*start = now - STAMP_LOOKBACK_S;
	if (!o->have_start && !o->jobs && o->cmd != SCARBON_STAMP) {
		localtime_r(&now, &tm);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		*start = mktime(&tm);
	}
	if (*start && !*end)
		*end = now;
}

static struct job_carbon *compute_all(const struct carbon_conf *conf,
	const struct job_set *set, struct slurmdb_source *src, size_t *unknown)
{
	struct job_carbon *jcs = calloc(set->njobs ? set->njobs : 1, sizeof(*jcs));
	struct job_energy scratch = {0};
	size_t i;

	*unknown = 0;
	for (i = 0; jcs && i < set->njobs; i++) {
		if (job_carbon_compute(conf, &set->jobs[i],
			    src ? slurmdb_source_node_size : NULL, src, &scratch,
			    &jcs[i]) < 0) {
			free(jcs);
			jcs = NULL;
			break;
		}
		if (set->jobs[i].finished && set->jobs[i].start > 0 &&
			!isfinite(jcs[i].total_g))
			(*unknown)++;
	}
	job_energy_release(&scratch);
	return jcs;
}

static int cmd_stamp(const struct scarbon_opts *o,
	const struct carbon_conf *conf, struct slurmdb_source *src,
	const struct job_set *set, const struct job_carbon *jcs, time_t now)
{
	struct stamp_tally t;

	stamp_jobs(o, conf, src, set, jcs, now, stdout, stderr, &t);
	printf("scarbon stamp: %zu %s, %zu already stamped, %zu not complete "
	       "yet (retried later), %zu failed\n",
		t.stamped, o->dry_run ? "to stamp (dry run)" : "stamped",
		t.already, t.pending, t.failed);
	return t.failed ? 1 : 0;
}

static int may_stamp(struct slurmdb_source *src)
{
	struct sc_error err = {{0}};
	char who[64], why[512];
	int ok = slurmdb_source_may_stamp(src, who, sizeof(who), why,
		sizeof(why), &err);

	if (ok < 0)
		fprintf(stderr, "scarbon stamp: %s\n", err.text);
	else if (!ok)
		fprintf(stderr, "scarbon stamp: refused: %s\n", why);
	return ok > 0;
}

/* A bad -o is refused before slurmdbd is asked anything. */
static int check_format(const struct scarbon_opts *o)
{
	struct sc_error err = {{0}};
	struct out_column *cols = NULL;

	if (o->cmd == SCARBON_STAMP || o->output == OUT_JSON)
		return 0;
	if (report_check_format(o, &err) < 0 ||
		(o->cmd == SCARBON_JOBS &&
			out_columns(o->format, JOBS_DEFAULT_FORMAT, jobs_fields,
				jobs_nfields, &cols, &err) < 0)) {
		fprintf(stderr, "scarbon: %s\n", err.text);
		return -1;
	}
	free(cols);
	return 0;
}

static int run(const struct scarbon_opts *o, const struct carbon_conf *conf)
{
	struct sc_error err = {{0}};
	struct slurmdb_source *src;
	struct job_set set;
	struct job_carbon *jcs = NULL;
	time_t now = time(NULL), start, end;
	size_t unknown = 0;
	int rc = 1;

	job_set_init(&set);
	if (check_format(o) < 0)
		return 2;
	if (!(src = slurmdb_source_open(&err))) {
		fprintf(stderr, "scarbon: %s\n", err.text);
		return 1;
	}
	if (o->cmd == SCARBON_STAMP && !o->dry_run && !may_stamp(src))
		goto out;
	window(o, now, &start, &end);
	if (slurmdb_source_jobs(src, o, start, end, &set, &err) < 0) {
		fprintf(stderr, "scarbon: %s\n", err.text);
		goto out;
	}
	if (!(jcs = compute_all(conf, &set, src, &unknown))) {
		fprintf(stderr, "scarbon: out of memory\n");
		goto out;
	}
	if (o->cmd == SCARBON_STAMP) {
		rc = cmd_stamp(o, conf, src, &set, jcs, now);
		goto out;
	}
	if (o->cmd == SCARBON_REPORT) {
		struct report_row *rows;
		long n = report_group(o, &set, jcs, &rows);

		rc = n < 0 || report_print(stdout, o, rows, (size_t)n, &err) < 0;
		if (n >= 0)
			free(rows);
	} else {
		rc = jobs_print(stdout, o, conf, &set, jcs, &err) < 0;
	}
	if (rc && err.text[0])
		fprintf(stderr, "scarbon: %s\n", err.text);
	if (!rc && unknown)
		fprintf(stderr, "scarbon: %zu job(s) with unknown carbon (see "
				"the Reason field)\n",
			unknown);
out:
	free(jcs);
	job_set_clear(&set);
	slurmdb_source_close(src);
	return rc;
}

int main(int argc, char **argv)
{
	struct scarbon_opts o;
	struct sc_error err = {{0}};
	struct carbon_conf *conf;
	int rc;

	if (scarbon_opts_parse(argc, argv, time(NULL), &o, &err) < 0) {
		fprintf(stderr, "scarbon: %s\n", err.text);
		scarbon_opts_free(&o);
		return 2;
	}
	if (o.show_help || o.show_version) {
		if (o.show_help)
			fputs(scarbon_usage(o.cmd), stdout);
		else
			printf("scarbon %s\n", PACKAGE_VERSION);
		scarbon_opts_free(&o);
		return 0;
	}
	if (o.format && !strcmp(o.format, "help")) {
		out_print_fields(stdout, jobs_fields, jobs_nfields);
		scarbon_opts_free(&o);
		return 0;
	}
	if (!(conf = load_conf(&o))) {
		scarbon_opts_free(&o);
		return 1;
	}
	rc = o.cmd == SCARBON_CHECK ? cmd_check(conf) : run(&o, conf);
	carbon_conf_destroy(conf);
	scarbon_opts_free(&o);
	return rc;
}
