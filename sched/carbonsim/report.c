/*
 * report.c: carbonsim's results as an aligned text table, a JSON summary
 * (jansson) and per-job CSV files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fairness.h"
#include "intensity.h"
#include "metrics.h"
#include "report.h"

const char *report_run_delay(const struct report_run *run)
{
	if (run->delay != NULL)
		return run->delay->label;
	/* Space shifting alone (several sites, no --max-delay). */
	if (!run->baseline && run->baseline_run >= 0)
		return "0";
	return "-";
}

/* True if more than one run was made: per-run file names then differ. */
static bool several_runs(const struct report *rep)
{
	return rep->nruns > 1;
}

char *report_output_name(const struct report *rep, size_t i, const char *path)
{
	const struct report_run *run = &rep->runs[i];
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash != NULL ? slash + 1 : path, '.');
	char suffix[96];
	size_t stem, len;
	char *name;

	if (!several_runs(rep))
		return strdup(path);
	if (run->baseline)
		snprintf(suffix, sizeof(suffix), "-%s-%s-base",
			policy_name(run->policy), backfill_name(run->backfill));
	else if (strcmp(report_run_delay(run), "-") != 0)
		snprintf(suffix, sizeof(suffix), "-%s-%s-%s",
			policy_name(run->policy), backfill_name(run->backfill),
			report_run_delay(run));
	else
		snprintf(suffix, sizeof(suffix), "-%s-%s",
			policy_name(run->policy), backfill_name(run->backfill));
	/* A leading dot (".hidden") is no extension. */
	if (dot == NULL || dot == (slash != NULL ? slash + 1 : path))
		dot = path + strlen(path);
	stem = (size_t)(dot - path);
	len = stem + strlen(suffix) + strlen(dot) + 1;
	name = malloc(len);
	if (name == NULL)
		return NULL;
	memcpy(name, path, stem);
	snprintf(name + stem, len - stem, "%s%s", suffix, dot);
	return name;
}

/* Text cells, measured before printing so columns line up. */
#define TABLE_COLS 18
#define CELL_LEN 24

struct table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char (*cells)[TABLE_COLS][CELL_LEN];
	bool left[TABLE_COLS];
	bool hide[TABLE_COLS]; /* columns with nothing to say */
};

static char *table_cell(struct table *t, size_t row, size_t col)
{
	return t->cells[row][col];
}

/* Append an empty row; returns its index, or -1 (ENOMEM). */
static long table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *grown = realloc(t->cells, cap * sizeof(*t->cells));

		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	memset(t->cells[t->nrows], 0, sizeof(*t->cells));
	return (long)t->nrows++;
}

static void table_print(FILE *fp, const struct table *t)
{
	size_t width[TABLE_COLS] = {0};

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t len = strlen(t->cells[r][c]);

			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		char line[TABLE_COLS * (CELL_LEN + 2) + 1];
		size_t len = 0;

		for (size_t c = 0; c < t->ncols; c++) {
			int w = (int)width[c];

			if (t->hide[c])
				continue;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
				t->left[c] ? "%s%-*s" : "%s%*s",
				len ? "  " : "", w, t->cells[r][c]);
		}
		/* Empty cells at the end leave no trailing blanks. */
		while (len > 0 && line[len - 1] == ' ')
			len--;
		fprintf(fp, "%.*s\n", (int)len, line);
	}
}

/* A number with decimals places, signed ("+1.5") if sign. */
static void cellf(struct table *t, size_t row, size_t col, int decimals,
	bool sign, double v)
{
	snprintf(table_cell(t, row, col), CELL_LEN, sign ? "%+.*f" : "%.*f",
		decimals, v);
}

/* The cost and gain of a shifted run against its baseline. */
struct saving {
	double co2e_g; /* saved: baseline - run */
	double percent;
	double wait; /* added mean wait, s */
	double bsld; /* added AVEbsld */
};

static bool run_saving(const struct report *rep, const struct report_run *run,
	struct saving *s)
{
	const struct report_run *base;

	if (run->baseline_run < 0)
		return false;
	base = &rep->runs[run->baseline_run];
	s->co2e_g = base->m.co2e_g - run->m.co2e_g;
	s->percent =
		base->m.co2e_g > 0.0 ? 100.0 * s->co2e_g / base->m.co2e_g : 0.0;
	s->wait = run->m.mean_wait - base->m.mean_wait;
	s->bsld = run->m.ave_bsld - base->m.ave_bsld;
	return true;
}

static const char *const run_headers[] = {
	"policy",
	"backfill",
	"max-delay",
	"jobs",
	"mean wait s",
	"AVEbsld",
	"max bsld",
	"util %",
	"makespan d",
	"energy MWh",
	"kg CO2e",
	"saved kg",
	"saved %",
	"+wait s",
	"+AVEbsld",
	"sd kg",
	"sd saved %",
};

/*
 * The spread of a run replayed with forecast errors: the standard
 * deviation (n - 1) of its repetitions' kg CO2e and of their saving in %
 * of its baseline's carbon; their means, minima and maxima. False for a
 * single replay.
 */
struct spread {
	double kg_mean, kg_sd, kg_min, kg_max;
	double pct_mean, pct_sd;
};

static bool run_spread(
	const struct report *rep, const struct report_run *run, struct spread *sp)
{
	double base = 0.0, s1 = 0.0, s2 = 0.0, p1 = 0.0, p2 = 0.0;
	size_t n = run->nreps;

	if (n == 0 || run->rep_co2e_g == NULL)
		return false;
	if (run->baseline_run >= 0)
		base = rep->runs[run->baseline_run].m.co2e_g;
	sp->kg_min = sp->kg_max = run->rep_co2e_g[0] / 1000.0;
	for (size_t r = 0; r < n; r++) {
		double kg = run->rep_co2e_g[r] / 1000.0;
		double pct = base > 0.0 ? 100.0 * (base - run->rep_co2e_g[r]) /
						  base
					: 0.0;

		s1 += kg;
		s2 += kg * kg;
		p1 += pct;
		p2 += pct * pct;
		if (kg < sp->kg_min)
			sp->kg_min = kg;
		if (kg > sp->kg_max)
			sp->kg_max = kg;
	}
	sp->kg_mean = s1 / (double)n;
	sp->pct_mean = p1 / (double)n;
	sp->kg_sd = sp->pct_sd = 0.0;
	if (n > 1) {
		double vk = (s2 - s1 * s1 / (double)n) / (double)(n - 1);
		double vp = (p2 - p1 * p1 / (double)n) / (double)(n - 1);

		sp->kg_sd = vk > 0.0 ? sqrt(vk) : 0.0;
		sp->pct_sd = vp > 0.0 ? sqrt(vp) : 0.0;
	}
	return true;
}

static void metrics_cells(struct table *t, size_t row, size_t col,
	const struct report_metrics *m, bool carbon)
{
	cellf(t, row, col++, 0, false, (double)m->jobs);
	cellf(t, row, col++, 1, false, m->mean_wait);
	cellf(t, row, col++, 2, false, m->ave_bsld);
	cellf(t, row, col++, 1, false, m->max_bsld);
	cellf(t, row, col++, 1, false, 100.0 * m->utilization);
	cellf(t, row, col++, 2, false, (double)m->makespan / 86400.0);
	cellf(t, row, col++, 3, false, m->energy_j / 3.6e9);
	if (carbon)
		cellf(t, row, col, 1, false, m->co2e_g / 1000.0);
	else
		snprintf(table_cell(t, row, col), CELL_LEN, "-");
}

static int runs_table(FILE *fp, const struct report *rep)
{
	struct table t = {.ncols = sizeof(run_headers) / sizeof(run_headers[0])};
	struct saving s;
	struct spread sp;
	long row = table_row(&t);

	if (row < 0)
		return -1;
	t.left[0] = t.left[1] = t.left[2] = true;
	/* Without carbon, no carbon column; without shifting, no savings. */
	t.hide[2] = t.hide[11] = t.hide[12] = t.hide[13] = t.hide[14] =
		rep->nruns == 0 || rep->runs[0].baseline_run < 0;
	for (size_t i = 0; i < rep->nruns; i++)
		if (rep->runs[i].baseline_run >= 0 || rep->runs[i].baseline)
			t.hide[2] = t.hide[11] = t.hide[12] = t.hide[13] =
				t.hide[14] = false;
	t.hide[10] = !rep->carbon;
	/* The spread over repetitions, with forecast errors only. */
	t.hide[15] = t.hide[16] = true;
	for (size_t i = 0; i < rep->nruns; i++)
		if (rep->runs[i].nreps > 0)
			t.hide[15] = t.hide[16] = false;
	for (size_t c = 0; c < t.ncols; c++)
		snprintf(table_cell(&t, 0, c), CELL_LEN, "%s", run_headers[c]);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct report_run *run = &rep->runs[i];

		row = table_row(&t);
		if (row < 0)
			goto error;
		snprintf(table_cell(&t, row, 0), CELL_LEN, "%s",
			policy_name(run->policy));
		snprintf(table_cell(&t, row, 1), CELL_LEN, "%s",
			backfill_name(run->backfill));
		snprintf(table_cell(&t, row, 2), CELL_LEN, "%s",
			run->baseline ? "baseline" : report_run_delay(run));
		metrics_cells(&t, row, 3, &run->m, rep->carbon);
		if (run_saving(rep, run, &s)) {
			cellf(&t, row, 11, 1, false, s.co2e_g / 1000.0);
			cellf(&t, row, 12, 2, false, s.percent);
			cellf(&t, row, 13, 1, true, s.wait);
			cellf(&t, row, 14, 2, true, s.bsld);
		} else {
			for (size_t c = 11; c < 15; c++)
				snprintf(table_cell(&t, row, c), CELL_LEN, "-");
		}
		if (run_spread(rep, run, &sp)) {
			cellf(&t, row, 15, 2, false, sp.kg_sd);
			cellf(&t, row, 16, 2, false, sp.pct_sd);
		} else {
			snprintf(table_cell(&t, row, 15), CELL_LEN, "-");
			snprintf(table_cell(&t, row, 16), CELL_LEN, "-");
		}
	}
	table_print(fp, &t);
	free(t.cells);
	return 0;
error:
	free(t.cells);
	return -1;
}

static const char *const window_headers[] = {
	"window",
	"from d",
	"to d",
	"jobs",
	"mean wait s",
	"AVEbsld",
	"max bsld",
	"util %",
	"makespan d",
	"energy MWh",
	"kg CO2e",
};

static int windows_table(
	FILE *fp, const struct report *rep, const struct report_run *run)
{
	struct table t = {.ncols = 11};
	long row = table_row(&t);

	if (row < 0)
		return -1;
	t.hide[10] = !rep->carbon;
	for (size_t c = 0; c < t.ncols; c++)
		snprintf(table_cell(&t, 0, c), CELL_LEN, "%s",
			window_headers[c]);
	for (size_t i = 0; i < run->nwindows; i++) {
		const struct report_window *win = &run->windows[i];

		row = table_row(&t);
		if (row < 0)
			goto error;
		cellf(&t, row, 0, 0, false, (double)(i + 1));
		cellf(&t, row, 1, 1, false, (double)win->start / 86400.0);
		cellf(&t, row, 2, 1, false, (double)win->end / 86400.0);
		metrics_cells(&t, row, 3, &win->m, rep->carbon);
	}
	row = table_row(&t);
	if (row < 0)
		goto error;
	snprintf(table_cell(&t, row, 0), CELL_LEN, "mean");
	cellf(&t, row, 5, 2, false, run->window_mean_bsld);
	fprintf(fp,
		"\nwindows of %s/%s, max-delay %s (15 days each, its "
		"first 16 jobs excluded; mean: the mean of the windows' "
		"AVEbsld):\n",
		policy_name(run->policy), backfill_name(run->backfill),
		run->baseline ? "baseline" : report_run_delay(run));
	table_print(fp, &t);
	free(t.cells);
	return 0;
error:
	free(t.cells);
	return -1;
}

void report_table(FILE *fp, const struct report *rep)
{
	if (runs_table(fp, rep) < 0) {
		fprintf(fp, "(table: out of memory)\n");
		return;
	}
	if (!rep->opt->windows)
		return;
	for (size_t i = 0; i < rep->nruns; i++)
		if (windows_table(fp, rep, &rep->runs[i]) < 0) {
			fprintf(fp, "(table: out of memory)\n");
			return;
		}
}

/* ---- the multi-criteria grid ---- */

void report_learn_cost(const struct report *rep, enum policy_kind k,
	struct report_learn_cost *c)
{
	const struct intensity_series *ci =
		rep->nsites ? rep->sites[0].ci : NULL;
	double wall;

	c->learned = policy_learn_cost(k, &c->cpu_s, &wall, &c->energy_j) == 0;
	c->co2e_kg = NAN;
	if (c->learned && ci && isfinite(c->energy_j)) {
		int64_t a = intensity_series_start(ci);
		int64_t b = intensity_series_end(ci);
		double mean = intensity_series_integral(ci, a, b) / (double)(b - a);

		/* J -> kWh, times g/kWh, in kg */
		c->co2e_kg = c->energy_j / 3.6e6 * mean / 1000.0;
	}
}

static const char *const grid_headers[] = {
	"policy", "backfill", "max-delay", "AVEbsld", "kg CO2e",
	"p99 wait h", "max wait h", "bsld n-s", "bsld n-l", "bsld w-s",
	"bsld w-l", "Jain users", "learn CPU s", "learn kWh", "learn kg",
};

/* v, or "-" (not applicable) or "unknown" (applicable, not measured). */
static void cell_or(struct table *t, size_t row, size_t col, int decimals,
	double v, const char *missing)
{
	if (isfinite(v))
		cellf(t, row, col, decimals, false, v);
	else
		snprintf(table_cell(t, row, col), CELL_LEN, "%s", missing);
}

static int grid_table(FILE *fp, const struct report *rep)
{
	struct table t = {.ncols = 15};
	long row = table_row(&t);

	if (row < 0)
		return -1;
	t.left[0] = t.left[1] = t.left[2] = true;
	t.hide[4] = !rep->carbon;
	t.hide[2] = true;
	for (size_t i = 0; i < rep->nruns; i++)
		if (rep->runs[i].baseline_run >= 0 || rep->runs[i].baseline)
			t.hide[2] = false;
	for (size_t c = 0; c < t.ncols; c++)
		snprintf(table_cell(&t, 0, c), CELL_LEN, "%s", grid_headers[c]);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct report_run *run = &rep->runs[i];
		const struct fairness *f = &run->fair;
		struct report_learn_cost lc;

		if ((row = table_row(&t)) < 0)
			goto error;
		report_learn_cost(rep, run->policy, &lc);
		snprintf(table_cell(&t, row, 0), CELL_LEN, "%s",
			policy_name(run->policy));
		snprintf(table_cell(&t, row, 1), CELL_LEN, "%s",
			backfill_name(run->backfill));
		snprintf(table_cell(&t, row, 2), CELL_LEN, "%s",
			run->baseline ? "baseline" : report_run_delay(run));
		cellf(&t, row, 3, 2, false,
			rep->opt->windows ? run->window_mean_bsld
					  : run->m.ave_bsld);
		cellf(&t, row, 4, 1, false, run->m.co2e_g / 1000.0);
		cellf(&t, row, 5, 1, false, f->p99_wait / 3600.0);
		cellf(&t, row, 6, 1, false, f->max_wait / 3600.0);
		for (int c = 0; c < FAIRNESS_NCLASSES; c++)
			cell_or(&t, row, 7 + (size_t)c, 2,
				f->cls[c].njobs ? f->cls[c].mean_bsld : NAN,
				"-");
		cell_or(&t, row, 11, 3, f->jain, "-");
		cell_or(&t, row, 12, 1, lc.learned ? lc.cpu_s : NAN,
			lc.learned ? "unknown" : "-");
		cell_or(&t, row, 13, 3, lc.learned ? lc.energy_j / 3.6e6 : NAN,
			lc.learned ? "unknown" : "-");
		cell_or(&t, row, 14, 4, lc.learned ? lc.co2e_kg : NAN,
			lc.learned ? "unknown" : "-");
	}
	fprintf(fp, "\ngrid: %s; wait percentiles over the counted jobs; bsld "
		    "by class: narrow <= %d processors, short <= %d s; Jain's "
		    "index over the users' mean bsld; learn: the cost of "
		    "producing the policy (its file)\n",
		rep->opt->windows ? "AVEbsld is the mean of the windows'"
				  : "whole trace",
		rep->nruns ? rep->runs[0].fair.narrow_procs : 0,
		FAIRNESS_SHORT_S);
	table_print(fp, &t);
	free(t.cells);
	return 0;
error:
	free(t.cells);
	return -1;
}

void report_grid(FILE *fp, const struct report *rep)
{
	if (grid_table(fp, rep) < 0)
		fprintf(fp, "(grid: out of memory)\n");
}

/* json_object_set_new that remembers a failure in *ok. */
static void jset(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0)
		*ok = false;
}

static void jappend(json_t *arr, json_t *value, bool *ok)
{
	if (value == NULL || json_array_append_new(arr, value) != 0)
		*ok = false;
}

/* A finite number, or null (JSON has no NaN). */
static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_metrics(
	const struct report_metrics *m, bool carbon, bool *ok)
{
	json_t *o = json_object();

	if (o == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "jobs", json_integer((json_int_t)m->jobs), ok);
	jset(o, "mean_wait_s", jnum(m->mean_wait), ok);
	jset(o, "ave_bsld", jnum(m->ave_bsld), ok);
	jset(o, "max_bsld", jnum(m->max_bsld), ok);
	jset(o, "utilization", jnum(m->utilization), ok);
	jset(o, "makespan_s", json_integer(m->makespan), ok);
	jset(o, "energy_mwh", jnum(m->energy_j / 3.6e9), ok);
	jset(o, "co2e_kg", carbon ? jnum(m->co2e_g / 1000.0) : json_null(), ok);
	return o;
}

static json_t *json_config(const struct report *rep, bool *ok)
{
	const struct options *opt = rep->opt;
	json_t *c = json_object(), *a;

	if (c == NULL) {
		*ok = false;
		return NULL;
	}
	jset(c, "trace", json_string(opt->trace), ok);
	jset(c, "procs", json_integer(rep->w->machine_procs), ok);
	jset(c, "runtime",
		json_string(opt->swf.runtime_mode == SWF_RUNTIME_ACTUAL
				    ? "actual"
				    : "requested"),
		ok);
	jset(c, "lenient", json_boolean(opt->swf.lenient), ok);
	jset(c, "windows", json_boolean(opt->windows), ok);
	a = json_array();
	for (size_t i = 0; a != NULL && i < opt->npolicies; i++)
		jappend(a, json_string(policy_name(opt->policies[i])), ok);
	jset(c, "policies", a, ok);
	a = json_array();
	for (size_t i = 0; a != NULL && i < opt->nbackfills; i++)
		jappend(a, json_string(backfill_name(opt->backfills[i])), ok);
	jset(c, "backfills", a, ok);
	a = json_array();
	for (size_t i = 0; a != NULL && i < rep->nsites; i++) {
		json_t *s = json_object();
		const char *series = opt->carbon != NULL ? opt->carbon
				     : opt->nsites > 0	 ? opt->sites[i].series
							 : NULL;

		if (s != NULL) {
			jset(s, "name", json_string(rep->sites[i].name), ok);
			jset(s, "procs", json_integer(rep->sites[i].procs), ok);
			jset(s, "series",
				series != NULL ? json_string(series)
					       : json_null(),
				ok);
		}
		jappend(a, s, ok);
	}
	jset(c, "sites", a, ok);
	if (rep->carbon) {
		char when[32];

		options_format_time(rep->carbon_epoch, when, sizeof(when));
		jset(c, "carbon_start", json_string(when), ok);
		jset(c, "carbon_start_source", json_string(rep->epoch_source),
			ok);
	}
	a = json_object();
	if (a != NULL) {
		jset(a, "watts_busy", jnum(opt->power.watts_busy), ok);
		jset(a, "watts_idle", jnum(opt->power.watts_idle), ok);
		jset(a, "pue", jnum(opt->power.pue), ok);
	}
	jset(c, "power", a, ok);
	a = json_array();
	for (size_t i = 0; a != NULL && i < opt->ndelays; i++)
		jappend(a, json_string(opt->delays[i].label), ok);
	jset(c, "max_delays", a, ok);
	jset(c, "forecast", json_string(forecast_name(opt->forecast)), ok);
	jset(c, "forecast_error", jnum(opt->forecast_error), ok);
	if (opt->forecast_error > 0.0) {
		jset(c, "forecast_seed",
			json_integer((json_int_t)opt->forecast_seed), ok);
		jset(c, "repetitions",
			json_integer((json_int_t)opt->repetitions), ok);
	}
	if (rep->nsites > 1) {
		a = json_object();
		if (a != NULL) {
			jset(a, "wait_weight_g_per_hour",
				jnum(opt->space_wait_weight), ok);
			jset(a, "max_wait_s", json_integer(opt->space_max_wait),
				ok);
		}
		jset(c, "space", a, ok);
	}
	return c;
}

static json_t *json_trace(const struct report *rep, bool *ok)
{
	const struct workload *w = rep->w;
	json_t *t = json_object();

	if (t == NULL) {
		*ok = false;
		return NULL;
	}
	jset(t, "jobs", json_integer((json_int_t)w->njobs), ok);
	jset(t, "dropped", json_integer((json_int_t)w->dropped), ok);
	jset(t, "malformed", json_integer((json_int_t)w->malformed), ok);
	jset(t, "capped", json_integer((json_int_t)w->capped), ok);
	jset(t, "machine_procs", json_integer(w->machine_procs), ok);
	jset(t, "unix_start_time",
		w->header.unix_start_time >= 0
			? json_integer(w->header.unix_start_time)
			: json_null(),
		ok);
	return t;
}

/* Per site: the jobs it ran and their carbon (idle processors apart). */
static json_t *json_sites(
	const struct report *rep, const struct report_run *run, bool *ok)
{
	json_t *a = json_array();

	if (a == NULL) {
		*ok = false;
		return NULL;
	}
	for (size_t s = 0; s < rep->nsites; s++) {
		json_t *o = json_object();
		size_t jobs = 0;
		double g = 0.0;

		for (size_t k = 0; k < run->res.njobs; k++)
			if (run->res.jobs[k].site == (int32_t)s) {
				jobs++;
				g += run->res.jobs[k].co2e_g;
			}
		if (o != NULL) {
			jset(o, "name", json_string(rep->sites[s].name), ok);
			jset(o, "jobs", json_integer((json_int_t)jobs), ok);
			jset(o, "jobs_co2e_kg", jnum(g / 1000.0), ok);
		}
		jappend(a, o, ok);
	}
	return a;
}

static json_t *json_fairness(const struct fairness *f, bool *ok)
{
	json_t *o = json_object(), *cls = json_object();

	if (o == NULL || cls == NULL) {
		json_decref(o);
		json_decref(cls);
		*ok = false;
		return NULL;
	}
	for (int c = 0; c < FAIRNESS_NCLASSES; c++) {
		json_t *k = json_object();

		if (k == NULL) {
			*ok = false;
			continue;
		}
		jset(k, "jobs", json_integer((json_int_t)f->cls[c].njobs), ok);
		jset(k, "ave_bsld", jnum(f->cls[c].mean_bsld), ok);
		jset(k, "mean_wait_s", jnum(f->cls[c].mean_wait), ok);
		jset(cls, fairness_class_name((enum fairness_class)c), k, ok);
	}
	jset(o, "classes", cls, ok);
	jset(o, "narrow_procs", json_integer(f->narrow_procs), ok);
	jset(o, "short_s", json_integer(FAIRNESS_SHORT_S), ok);
	jset(o, "p99_wait_s", jnum(f->p99_wait), ok);
	jset(o, "max_wait_s", jnum(f->max_wait), ok);
	jset(o, "users", json_integer((json_int_t)f->nusers), ok);
	jset(o, "jain_users", jnum(f->jain), ok);
	return o;
}

/* null for a built-in policy; unknown figures are null too. */
static json_t *json_learn_cost(const struct report *rep, enum policy_kind k,
	bool *ok)
{
	struct report_learn_cost lc;
	json_t *o;

	report_learn_cost(rep, k, &lc);
	if (!lc.learned)
		return json_null();
	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "cpu_s", jnum(lc.cpu_s), ok);
	jset(o, "energy_j", jnum(lc.energy_j), ok);
	jset(o, "co2e_kg", jnum(lc.co2e_kg), ok);
	return o;
}

/* A run's repetitions with forecast errors, or null. */
static json_t *json_spread(
	const struct report *rep, const struct report_run *run, bool *ok)
{
	struct spread sp;
	json_t *o, *a;

	if (!run_spread(rep, run, &sp))
		return json_null();
	if ((o = json_object()) == NULL || (a = json_array()) == NULL) {
		json_decref(o);
		*ok = false;
		return NULL;
	}
	for (size_t r = 0; r < run->nreps; r++)
		jappend(a, jnum(run->rep_co2e_g[r] / 1000.0), ok);
	jset(o, "error", jnum(rep->opt->forecast_error), ok);
	jset(o, "repetitions", json_integer((json_int_t)run->nreps), ok);
	jset(o, "first_seed", json_integer((json_int_t)run->first_seed), ok);
	jset(o, "co2e_kg", a, ok);
	jset(o, "co2e_kg_mean", jnum(sp.kg_mean), ok);
	jset(o, "co2e_kg_sd", jnum(sp.kg_sd), ok);
	jset(o, "co2e_kg_min", jnum(sp.kg_min), ok);
	jset(o, "co2e_kg_max", jnum(sp.kg_max), ok);
	jset(o, "saved_percent_mean", jnum(sp.pct_mean), ok);
	jset(o, "saved_percent_sd", jnum(sp.pct_sd), ok);
	return o;
}

static json_t *json_run(const struct report *rep, size_t i, bool *ok)
{
	const struct report_run *run = &rep->runs[i];
	json_t *r = json_object();
	struct saving s;

	if (r == NULL) {
		*ok = false;
		return NULL;
	}
	jset(r, "policy", json_string(policy_name(run->policy)), ok);
	jset(r, "backfill", json_string(backfill_name(run->backfill)), ok);
	jset(r, "max_delay",
		run->delay != NULL ? json_string(run->delay->label)
				   : json_null(),
		ok);
	jset(r, "max_advance_s",
		run->delay != NULL && run->delay->advance > 0
			? json_integer(run->delay->advance)
			: json_null(),
		ok);
	jset(r, "baseline", json_boolean(run->baseline), ok);
	jset(r, "metrics", json_metrics(&run->m, rep->carbon, ok), ok);
	jset(r, "fairness", json_fairness(&run->fair, ok), ok);
	jset(r, "learning_cost", json_learn_cost(rep, run->policy, ok), ok);
	jset(r, "idle_energy_mwh", jnum(run->res.idle_energy_j / 3.6e9), ok);
	jset(r, "idle_co2e_kg",
		rep->carbon ? jnum(run->res.idle_co2e_g / 1000.0) : json_null(),
		ok);
	if (rep->nsites > 1)
		jset(r, "sites", json_sites(rep, run, ok), ok);
	if (run_saving(rep, run, &s)) {
		json_t *o = json_object();

		if (o != NULL) {
			jset(o, "baseline_run", json_integer(run->baseline_run),
				ok);
			jset(o, "co2e_kg", jnum(s.co2e_g / 1000.0), ok);
			jset(o, "percent", jnum(s.percent), ok);
			jset(o, "added_mean_wait_s", jnum(s.wait), ok);
			jset(o, "added_ave_bsld", jnum(s.bsld), ok);
		}
		jset(r, "saved", o, ok);
	} else {
		jset(r, "saved", json_null(), ok);
	}
	jset(r, "forecast_error", json_spread(rep, run, ok), ok);
	if (rep->opt->windows) {
		json_t *a = json_array();

		jset(r, "window_mean_ave_bsld", jnum(run->window_mean_bsld),
			ok);

		for (size_t k = 0; a != NULL && k < run->nwindows; k++) {
			json_t *o = json_metrics(
				&run->windows[k].m, rep->carbon, ok);

			if (o != NULL) {
				jset(o, "start_s",
					json_integer(run->windows[k].start),
					ok);
				jset(o, "end_s",
					json_integer(run->windows[k].end), ok);
			}
			jappend(a, o, ok);
		}
		jset(r, "windows", a, ok);
	}
	return r;
}

int report_json(FILE *fp, const struct report *rep)
{
	json_t *root = json_object(), *runs = json_array();
	bool ok = root != NULL && runs != NULL;
	int rc;

	if (!ok) {
		json_decref(root);
		json_decref(runs);
		errno = ENOMEM;
		return -1;
	}
	jset(root, "carbonsim", json_string(PACKAGE_VERSION), &ok);
	jset(root, "config", json_config(rep, &ok), &ok);
	jset(root, "trace", json_trace(rep, &ok), &ok);
	for (size_t i = 0; i < rep->nruns; i++)
		jappend(runs, json_run(rep, i, &ok), &ok);
	jset(root, "runs", runs, &ok);
	if (!ok) {
		json_decref(root);
		errno = ENOMEM;
		return -1;
	}
	rc = json_dumpf(root, fp,
		JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (rc != 0 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

int report_jobs_csv(FILE *fp, const struct report *rep, size_t i)
{
	const struct report_run *run = &rep->runs[i];
	const struct workload *w = rep->w;

	fprintf(fp, "id,submit,start,end,procs,wait,bsld,energy,co2e,site,"
		    "eligible\n");
	for (size_t k = 0; k < w->njobs && k < run->res.njobs; k++) {
		const struct swf_job *job = &w->jobs[k];
		const struct sim_job_result *r = &run->res.jobs[k];
		int64_t wait = r->start - job->submit;

		if (r->site < 0)
			continue; /* in no window of the SC17 protocol */
		fprintf(fp,
			"%lld,%lld,%lld,%lld,%d,%lld,%.4f,%.1f,%.3f,%s,"
			"%lld\n",
			(long long)job->id, (long long)job->submit,
			(long long)r->start, (long long)r->end, job->procs,
			(long long)wait, metrics_bsld(wait, job->runtime),
			r->energy_j, rep->carbon ? r->co2e_g : 0.0,
			(size_t)r->site < rep->nsites ? rep->sites[r->site].name
						      : "?",
			(long long)r->eligible);
	}
	return ferror(fp) ? -1 : 0;
}
