/*
 * jobs.c: the fields of scarbon's job lines and their printing (table,
 * parsable, CSV, JSON).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "stamp.h"
#include "when.h"

#define ROW(r) ((const struct job_row *)(r))

static void f_jobid(const void *r, char *b, size_t n)
{
	if (ROW(r)->step)
		snprintf(b, n, "%s.%s", ROW(r)->job->id, ROW(r)->step->name);
	else
		snprintf(b, n, "%s", ROW(r)->job->id);
}

static void str_or_empty(const char *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s ? s : "");
}

static void f_user(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->step ? NULL : ROW(r)->job->user, b, n);
}

static void f_account(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->step ? NULL : ROW(r)->job->account, b, n);
}

static void f_partition(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->step ? NULL : ROW(r)->job->partition, b, n);
}

static void f_state(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->step ? NULL : ROW(r)->job->state, b, n);
}

static void f_nodelist(const void *r, char *b, size_t n)
{
	const struct job_row *row = r;

	str_or_empty(row->step ? row->step->nodes_expr : row->job->nodes_expr,
		b, n);
}

static int64_t row_start(const struct job_row *r)
{
	return r->step ? r->step->start : r->job->start;
}

static int64_t row_end(const struct job_row *r)
{
	return r->step ? r->step->end : r->job->end;
}

static void f_start(const void *r, char *b, size_t n)
{
	when_format((time_t)row_start(r), b, n);
}

static void f_end(const void *r, char *b, size_t n)
{
	when_format((time_t)row_end(r), b, n);
}

static int64_t elapsed(const struct job_row *r)
{
	int64_t s = row_start(r), e = row_end(r);

	if (s <= 0)
		return 0;
	if (e <= 0)
		e = (int64_t)time(NULL);
	return e > s ? e - s : 0;
}

static void f_elapsed(const void *r, char *b, size_t n)
{
	when_format_elapsed(elapsed(r), b, n);
}

static void f_elapsed_raw(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%lld", (long long)elapsed(r));
}

static void f_cpus(const void *r, char *b, size_t n)
{
	if (ROW(r)->step)
		b[0] = '\0';
	else
		out_number(ROW(r)->job->alloc_cpus, 0, b, n);
}

static void f_energy(const void *r, char *b, size_t n)
{
	out_energy(ROW(r)->jc->energy_j, b, n);
}

static void f_energy_raw(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->energy_j, 0, b, n);
}

static void f_energy_kwh(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->energy_j / CARBON_J_PER_KWH, 6, b, n);
}

static void f_source(const void *r, char *b, size_t n)
{
	const struct job_carbon *jc = ROW(r)->jc;

	if (ROW(r)->step)
		snprintf(b, n, isfinite(jc->energy_j) ? "step" : "");
	else
		snprintf(b, n, "%s", isfinite(jc->energy_j)
					     ? energy_source_name(jc->source)
					     : "");
}

static void f_rule(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->jc->rule, b, n);
}

static void f_pue(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->pue, 2, b, n);
}

static void f_region(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->jc->region, b, n);
}

static void f_intensity(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->intensity, 1, b, n);
}

static void f_op(const void *r, char *b, size_t n)
{
	out_grams(ROW(r)->jc->operational_g, b, n);
}

static void f_op_raw(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->operational_g, 3, b, n);
}

static void f_emb(const void *r, char *b, size_t n)
{
	out_grams(ROW(r)->jc->embodied_g, b, n);
}

static void f_emb_raw(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->embodied_g, 3, b, n);
}

static void f_total(const void *r, char *b, size_t n)
{
	out_grams(ROW(r)->jc->total_g, b, n);
}

static void f_total_raw(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->total_g, 3, b, n);
}

static void f_share(const void *r, char *b, size_t n)
{
	out_number(ROW(r)->jc->share, 4, b, n);
}

static void f_stamped(const void *r, char *b, size_t n)
{
	double g;

	if (!ROW(r)->step && stamp_co2e(ROW(r)->job->admin_comment, &g) == 0)
		out_number(g, 3, b, n);
	else
		b[0] = '\0';
}

static void f_admin_comment(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->step ? NULL : ROW(r)->job->admin_comment, b, n);
}

static void f_reason(const void *r, char *b, size_t n)
{
	str_or_empty(ROW(r)->jc->why, b, n);
}

const struct field_def jobs_fields[] = {
	{"JobID", 14, false, f_jobid, "job id, with .step on step lines"},
	{"User", 9, false, f_user, "user"},
	{"Account", 10, false, f_account, "account"},
	{"Partition", 10, false, f_partition, "partition"},
	{"State", 10, false, f_state, "job state"},
	{"NodeList", 15, false, f_nodelist, "nodes"},
	{"Start", 19, false, f_start, "start time"},
	{"End", 19, false, f_end, "end time"},
	{"Elapsed", 10, true, f_elapsed, "run time [D-]HH:MM:SS"},
	{"ElapsedRaw", 10, true, f_elapsed_raw, "run time in seconds"},
	{"AllocCPUS", 9, true, f_cpus, "allocated CPUs"},
	{"Energy", 9, true, f_energy, "IT energy, human units"},
	{"EnergyRaw", 12, true, f_energy_raw, "IT energy in joules"},
	{"EnergyKWh", 12, true, f_energy_kwh, "IT energy in kWh"},
	{"EnergySource", 12, false, f_source,
		"measured, partial, estimated (step: step)"},
	{"EnergyRule", 24, false, f_rule, "how the energy was obtained"},
	{"PUE", 5, true, f_pue, "power usage effectiveness applied"},
	{"Region", 8, false, f_region, "grid region"},
	{"Intensity", 9, true, f_intensity,
		"grid gCO2e/kWh, energy-weighted average over the run"},
	{"CO2eOperational", 15, true, f_op, "energy x PUE x intensity"},
	{"CO2eOperationalRaw", 18, true, f_op_raw, "the same in grams"},
	{"CO2eEmbodied", 12, true, f_emb, "embodied share of the nodes"},
	{"CO2eEmbodiedRaw", 15, true, f_emb_raw, "the same in grams"},
	{"CO2e", 9, true, f_total, "operational + embodied"},
	{"CO2eRaw", 12, true, f_total_raw, "the same in grams"},
	{"EmbodiedShare", 13, true, f_share, "RR/ToR of the embodied term"},
	{"Stamped", 12, true, f_stamped,
		"grams stored by scarbon stamp in AdminComment"},
	{"AdminComment", 30, false, f_admin_comment, "AdminComment"},
	{"Reason", 40, false, f_reason, "why a figure is unknown"},
};

const size_t jobs_nfields = sizeof(jobs_fields) / sizeof(jobs_fields[0]);

void jobs_step_carbon(const struct carbon_conf *conf,
	const struct job_record *job, const struct job_step_record *step,
	struct job_carbon *out)
{
	const struct carbon_region *r =
		carbon_conf_partition_region(conf, job->partition);
	struct carbon_intensity ci;
	struct sc_error err = {{0}};
	double mean;

	memset(out, 0, sizeof(*out));
	out->source = ENERGY_SOURCE_MEASURED;
	out->rule = "the step as Slurm recorded it";
	out->energy_j = step->energy_j;
	out->pue = carbon_conf_pue(conf, job->partition);
	out->intensity = out->operational_g = NAN;
	out->embodied_g = out->total_g = out->share = NAN;
	if (!isfinite(step->energy_j)) {
		snprintf(out->why, sizeof(out->why), "step energy unknown");
		return;
	}
	if (!r || carbon_region_intensity(r, &ci, &err) < 0 ||
		carbon_intensity_mean(&ci, step->start, step->end, &mean,
			&err) < 0) {
		snprintf(out->why, sizeof(out->why), "%.*s",
			(int)sizeof(out->why) - 1,
			err.text[0] ? err.text : "no region");
		return;
	}
	out->region = r->name;
	out->intensity = mean;
	out->operational_g = carbon_operational_g(step->energy_j, out->pue, mean);
}

/* ---- JSON ---- */

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *carbon_json(const struct job_carbon *jc)
{
	return json_pack("{s:o s:s s:s s:o s:o s:o s:o s:o s:o s:s? s:s?}",
		"energy_j", num_or_null(jc->energy_j), "energy_source",
		isfinite(jc->energy_j) ? energy_source_name(jc->source) : "none",
		"energy_rule", jc->rule ? jc->rule : "", "pue",
		num_or_null(jc->pue), "intensity_g_kwh",
		num_or_null(jc->intensity), "co2e_operational_g",
		num_or_null(jc->operational_g), "co2e_embodied_g",
		num_or_null(jc->embodied_g), "co2e_g", num_or_null(jc->total_g),
		"embodied_share", num_or_null(jc->share), "region", jc->region,
		"reason", jc->why[0] ? jc->why : NULL);
}

static json_t *step_json(const struct carbon_conf *conf,
	const struct job_record *job, const struct job_step_record *step)
{
	struct job_carbon sc;
	json_t *s;

	jobs_step_carbon(conf, job, step, &sc);
	s = carbon_json(&sc);
	json_object_set_new(s, "step", json_string(step->name));
	json_object_set_new(s, "start", json_integer((json_int_t)step->start));
	json_object_set_new(s, "end", json_integer((json_int_t)step->end));
	return s;
}

static json_t *job_json(const struct carbon_conf *conf,
	const struct job_record *job, const struct job_carbon *jc)
{
	json_t *o, *c, *steps = json_array();
	size_t i;

	o = json_pack("{s:s s:s? s:s? s:s? s:s? s:s? s:s? s:I s:I s:I s:f}",
		"job_id", job->id, "user", job->user, "account", job->account,
		"partition", job->partition, "state", job->state, "nodes",
		job->nodes_expr, "admin_comment", job->admin_comment, "submit",
		(json_int_t)job->submit, "start", (json_int_t)job->start, "end",
		(json_int_t)job->end, "alloc_cpus", job->alloc_cpus);
	c = carbon_json(jc);
	json_object_update(o, c);
	json_decref(c);
	for (i = 0; i < job->nsteps; i++)
		json_array_append_new(steps, step_json(conf, job, &job->steps[i]));
	json_object_set_new(o, "steps", steps);
	return o;
}

static int print_json(FILE *f, const struct carbon_conf *conf,
	const struct job_set *set, const struct job_carbon *jcs,
	struct sc_error *err)
{
	json_t *root = json_object(), *jobs = json_array();
	size_t i;
	int rc;

	for (i = 0; i < set->njobs; i++)
		json_array_append_new(jobs, job_json(conf, &set->jobs[i], &jcs[i]));
	json_object_set_new(root, "jobs", jobs);
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', f);
	json_decref(root);
	return rc < 0 ? sc_errprintf(err, "cannot write JSON") : 0;
}

int jobs_print(FILE *f, const struct scarbon_opts *o,
	const struct carbon_conf *conf, const struct job_set *set,
	const struct job_carbon *jcs, struct sc_error *err)
{
	struct out_column *cols;
	size_t i, k;
	int n;

	if (o->output == OUT_JSON)
		return print_json(f, conf, set, jcs, err);
	n = out_columns(o->format, JOBS_DEFAULT_FORMAT, jobs_fields,
		jobs_nfields, &cols, err);
	if (n < 0)
		return -1;
	if (!o->noheader)
		out_print_header(f, o->output, cols, (size_t)n);
	for (i = 0; i < set->njobs; i++) {
		const struct job_record *job = &set->jobs[i];
		struct job_row row = {job, NULL, &jcs[i]};

		out_print_row(f, o->output, cols, (size_t)n, &row);
		for (k = 0; !o->allocations && k < job->nsteps; k++) {
			struct job_carbon sc;

			jobs_step_carbon(conf, job, &job->steps[k], &sc);
			row.step = &job->steps[k];
			row.jc = &sc;
			out_print_row(f, o->output, cols, (size_t)n, &row);
		}
	}
	free(cols);
	return 0;
}
