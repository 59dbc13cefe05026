/*
 * report.c: totals of energy and carbon by user, account or partition.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"

static const char *key_of(const struct scarbon_opts *o,
	const struct job_record *job)
{
	const char *k = o->group == GROUP_USER	    ? job->user
			: o->group == GROUP_ACCOUNT ? job->account
						    : job->partition;

	return k && *k ? k : "(none)";
}

static void add(struct report_row *r, const struct job_carbon *jc)
{
	r->jobs++;
	if (jc->source == ENERGY_SOURCE_ESTIMATED)
		r->estimated++;
	if (jc->source == ENERGY_SOURCE_PARTIAL)
		r->partial++;
	if (isfinite(jc->energy_j))
		r->energy_j += jc->energy_j;
	if (isfinite(jc->operational_g))
		r->operational_g += jc->operational_g;
	if (isfinite(jc->embodied_g))
		r->embodied_g += jc->embodied_g;
	if (isfinite(jc->total_g))
		r->total_g += jc->total_g;
	else
		r->unknown++;
}

static int by_total(const void *x, const void *y)
{
	const struct report_row *a = x, *b = y;

	if (a->total_g != b->total_g)
		return a->total_g < b->total_g ? 1 : -1;
	return strcmp(a->key, b->key);
}

long report_group(const struct scarbon_opts *o, const struct job_set *set,
	const struct job_carbon *jcs, struct report_row **rows)
{
	struct report_row *r = NULL;
	size_t n = 0, cap = 0, i, k;

	for (i = 0; i < set->njobs; i++) {
		const char *key = key_of(o, &set->jobs[i]);

		for (k = 0; k < n && strcmp(r[k].key, key); k++)
			;
		if (k == n) {
			if (n == cap) {
				struct report_row *g;

				cap = cap ? cap * 2 : 16;
				if (!(g = realloc(r, cap * sizeof(*r)))) {
					free(r);
					return -1;
				}
				r = g;
			}
			memset(&r[n], 0, sizeof(r[n]));
			r[n++].key = key;
		}
		add(&r[k], &jcs[i]);
	}
	if (n)
		qsort(r, n, sizeof(*r), by_total);
	*rows = r;
	return (long)n;
}

#define RROW(x) ((const struct report_row *)(x))

static void f_key(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%s", RROW(r)->key);
}

static void f_jobs(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", RROW(r)->jobs);
}

static void f_estimated(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", RROW(r)->estimated);
}

static void f_partial(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", RROW(r)->partial);
}

static void f_unknown(const void *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", RROW(r)->unknown);
}

static void f_energy(const void *r, char *b, size_t n)
{
	out_energy(RROW(r)->energy_j, b, n);
}

static void f_energy_raw(const void *r, char *b, size_t n)
{
	out_number(RROW(r)->energy_j, 0, b, n);
}

static void f_op(const void *r, char *b, size_t n)
{
	out_grams(RROW(r)->operational_g, b, n);
}

static void f_op_raw(const void *r, char *b, size_t n)
{
	out_number(RROW(r)->operational_g, 3, b, n);
}

static void f_emb(const void *r, char *b, size_t n)
{
	out_grams(RROW(r)->embodied_g, b, n);
}

static void f_emb_raw(const void *r, char *b, size_t n)
{
	out_number(RROW(r)->embodied_g, 3, b, n);
}

static void f_total(const void *r, char *b, size_t n)
{
	out_grams(RROW(r)->total_g, b, n);
}

static void f_total_raw(const void *r, char *b, size_t n)
{
	out_number(RROW(r)->total_g, 3, b, n);
}

static const struct field_def report_fields[] = {
	{"User", 12, false, f_key, "user (with --by user)"},
	{"Account", 12, false, f_key, "account (with --by account)"},
	{"Partition", 12, false, f_key, "partition (with --by partition)"},
	{"Jobs", 6, true, f_jobs, "jobs"},
	{"Energy", 9, true, f_energy, "IT energy"},
	{"EnergyRaw", 14, true, f_energy_raw, "IT energy in joules"},
	{"CO2eOperational", 15, true, f_op, "operational CO2e"},
	{"CO2eOperationalRaw", 18, true, f_op_raw, "in grams"},
	{"CO2eEmbodied", 12, true, f_emb, "embodied CO2e"},
	{"CO2eEmbodiedRaw", 15, true, f_emb_raw, "in grams"},
	{"CO2e", 9, true, f_total, "total CO2e"},
	{"CO2eRaw", 14, true, f_total_raw, "in grams"},
	{"Estimated", 9, true, f_estimated, "jobs with estimated energy"},
	{"Partial", 7, true, f_partial, "jobs with partial energy"},
	{"Unknown", 7, true, f_unknown, "jobs whose CO2e is unknown"},
};

static const char *default_format(enum scarbon_group g)
{
	switch (g) {
	case GROUP_ACCOUNT:
		return "Account,Jobs,Energy,CO2eOperational,CO2eEmbodied,CO2e,"
		       "Estimated,Unknown";
	case GROUP_PARTITION:
		return "Partition,Jobs,Energy,CO2eOperational,CO2eEmbodied,"
		       "CO2e,Estimated,Unknown";
	case GROUP_USER:
		break;
	}
	return "User,Jobs,Energy,CO2eOperational,CO2eEmbodied,CO2e,Estimated,"
	       "Unknown";
}

static json_t *row_json(const struct report_row *r)
{
	return json_pack("{s:s s:I s:I s:I s:I s:f s:f s:f s:f}", "name",
		r->key, "jobs", (json_int_t)r->jobs, "estimated",
		(json_int_t)r->estimated, "partial", (json_int_t)r->partial,
		"unknown", (json_int_t)r->unknown, "energy_j", r->energy_j,
		"co2e_operational_g", r->operational_g, "co2e_embodied_g",
		r->embodied_g, "co2e_g", r->total_g);
}

static void total_of(const struct report_row *rows, size_t n,
	struct report_row *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->key = "TOTAL";
	for (i = 0; i < n; i++) {
		t->jobs += rows[i].jobs;
		t->estimated += rows[i].estimated;
		t->partial += rows[i].partial;
		t->unknown += rows[i].unknown;
		t->energy_j += rows[i].energy_j;
		t->operational_g += rows[i].operational_g;
		t->embodied_g += rows[i].embodied_g;
		t->total_g += rows[i].total_g;
	}
}

static const char *group_name(enum scarbon_group g)
{
	return g == GROUP_ACCOUNT ? "account"
	       : g == GROUP_PARTITION ? "partition"
				      : "user";
}

static int print_json(FILE *f, const struct scarbon_opts *o,
	const struct report_row *rows, size_t shown,
	const struct report_row *total, struct sc_error *err)
{
	json_t *root = json_object(), *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < shown; i++)
		json_array_append_new(arr, row_json(&rows[i]));
	json_object_set_new(root, "by", json_string(group_name(o->group)));
	json_object_set_new(root, "rows", arr);
	json_object_set_new(root, "total", row_json(total));
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', f);
	json_decref(root);
	return rc < 0 ? sc_errprintf(err, "cannot write JSON") : 0;
}

int report_check_format(const struct scarbon_opts *o, struct sc_error *err)
{
	struct out_column *cols;

	if (o->cmd != SCARBON_REPORT)
		return 0;
	if (out_columns(o->format, default_format(o->group), report_fields,
		    sizeof(report_fields) / sizeof(report_fields[0]), &cols,
		    err) < 0)
		return -1;
	free(cols);
	return 0;
}

int report_print(FILE *f, const struct scarbon_opts *o,
	const struct report_row *rows, size_t n, struct sc_error *err)
{
	struct out_column *cols;
	struct report_row total;
	size_t i, shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	int nc;

	total_of(rows, n, &total);
	if (o->output == OUT_JSON)
		return print_json(f, o, rows, shown, &total, err);
	nc = out_columns(o->format, default_format(o->group), report_fields,
		sizeof(report_fields) / sizeof(report_fields[0]), &cols, err);
	if (nc < 0)
		return -1;
	if (!o->noheader)
		out_print_header(f, o->output, cols, (size_t)nc);
	for (i = 0; i < shown; i++)
		out_print_row(f, o->output, cols, (size_t)nc, &rows[i]);
	out_print_row(f, o->output, cols, (size_t)nc, &total);
	free(cols);
	return 0;
}
