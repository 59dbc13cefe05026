/*
 * svg.c: publication figures as plain SVG 1.1 (no dependency): axes with
 * "nice" ticks, labels, legend, step areas, polylines and markers.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intensity.h"
#include "svg.h"

#define WIDTH 800.0
#define HEIGHT 450.0
#define LEFT 80.0
#define RIGHT 80.0
#define TOP 60.0
#define BOTTOM 60.0
#define UTIL_BINS 600
#define FONT "font-family=\"Helvetica, Arial, sans-serif\""

/* Colour-blind safe (Okabe-Ito), then a few more. */
static const char *const palette[] = {
	"#0072B2",
	"#D55E00",
	"#009E73",
	"#CC79A7",
	"#E69F00",
	"#56B4E9",
	"#000000",
	"#F0E442",
	"#882255",
	"#44AA99",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* A linear axis: data [lo, hi] onto pixels [p0, p1]. */
struct axis {
	double lo, hi;
	double p0, p1;
	double step; /* tick spacing (linear) */
	bool log;    /* log10 scale, ticks at powers of ten; lo > 0 */
};

static double axis_map(const struct axis *a, double v)
{
	if (a->log)
		return a->p0 + (log10(v) - log10(a->lo)) /
				       (log10(a->hi) - log10(a->lo)) *
				       (a->p1 - a->p0);
	return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks. */
static double nice_step(double range, int n)
{
	double raw = range / n, mag, f;

	if (!(raw > 0.0) || !isfinite(raw))
		return 1.0;
	mag = pow(10.0, floor(log10(raw)));
	f = raw / mag;
	if (f <= 1.0)
		return mag;
	if (f <= 2.0)
		return 2.0 * mag;
	if (f <= 5.0)
		return 5.0 * mag;
	return 10.0 * mag;
}

/* Widen [lo, hi] to whole ticks; a flat range gets some room. */
static void axis_fit(
	struct axis *a, double lo, double hi, int nticks, bool from_zero)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0.0;
		hi = 1.0;
	}
	if (from_zero && lo > 0.0)
		lo = 0.0;
	if (hi - lo <= 0.0) {
		double pad = fabs(hi) > 0.0 ? fabs(hi) * 0.1 : 1.0;

		lo -= pad;
		hi += pad;
		if (from_zero && lo < 0.0 && hi > 0.0)
			lo = 0.0;
	}
	a->step = nice_step(hi - lo, nticks);
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	if (a->hi <= a->lo)
		a->hi = a->lo + a->step;
}

/* Tick label without trailing noise: 0.1 not 0.1000000001. */
static void tick_label(double v, double step, char *buf, size_t len)
{
	int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (fabs(v) < step * 1e-9)
		v = 0.0;
	snprintf(buf, len, "%.*f", decimals > 6 ? 6 : decimals, v);
}

static void svg_open(FILE *fp, double height, const char *title)
{
	fprintf(fp,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%.1f\" y=\"24\" text-anchor=\"middle\" "
		"font-size=\"16\" " FONT ">%s</text>\n",
		WIDTH, height, WIDTH, height, WIDTH / 2.0, title);
}

/* Horizontal axis at the bottom of the plot area, with grid and label. */
static void x_axis(
	FILE *fp, const struct axis *x, double y0, double y1, const char *label)
{
	char text[32];

	for (double v = x->lo; v <= x->hi * (1 + 1e-9) + x->step * 1e-6;
		v = x->log ? v * 10.0 : v + x->step) {
		double px = axis_map(x, v);

		if (x->log)
			snprintf(text, sizeof(text), "%g", v);
		else
			tick_label(v, x->step, text, sizeof(text));
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n"
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"black\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			"font-size=\"12\" " FONT ">%s</text>\n",
			px, y1, px, y0, px, y0, px, y0 + 5, px, y0 + 19, text);
	}
	fprintf(fp,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"black\"/>\n"
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		"font-size=\"13\" " FONT ">%s</text>\n",
		x->p0, y0, x->p1, y0, (x->p0 + x->p1) / 2.0, y0 + 42, label);
}

/* Vertical axis at px; ticks point outward (left when !right). */
static void y_axis(FILE *fp, const struct axis *y, double px, bool right,
	bool grid, double grid_x1, const char *label, const char *colour)
{
	double dir = right ? 1.0 : -1.0;
	char text[32];

	for (double v = y->lo; v <= y->hi + y->step * 1e-6; v += y->step) {
		double py = axis_map(y, v);

		tick_label(v, y->step, text, sizeof(text));
		if (grid)
			fprintf(fp,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n",
				px, py, grid_x1, py);
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"%s\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
			"font-size=\"12\" fill=\"%s\" " FONT ">%s</text>\n",
			px, py, px + 5 * dir, py, colour, px + 8 * dir, py + 4,
			right ? "start" : "end", colour, text);
	}
	fprintf(fp,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"%s\"/>\n"
		"<text transform=\"translate(%.1f,%.1f) rotate(%d)\" "
		"text-anchor=\"middle\" font-size=\"13\" fill=\"%s\" " FONT
		">%s</text>\n",
		px, y->p0, px, y->p1, colour, px + 58 * dir,
		(y->p0 + y->p1) / 2.0, right ? 90 : -90, colour, label);
}

/* One legend entry, a line sample (or a filled box) and its text. */
static void legend_entry(FILE *fp, double x, double y, const char *colour,
	bool box, const char *text)
{
	if (box)
		fprintf(fp,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" "
			"height=\"10\" fill=\"%s\" fill-opacity=\"0.35\" "
			"stroke=\"%s\"/>\n",
			x, y - 9, colour, colour);
	else
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n",
			x, y - 4, x + 18, y - 4, colour);
	fprintf(fp,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" " FONT
		">%s</text>\n",
		x + 24, y, text);
}

/*
 * Busy processor-seconds per bin of width dt from t0: partial first and
 * last bins directly, whole bins in between through a difference array.
 */
static int utilization_bins(const struct report_run *run,
	const struct workload *w, int64_t t0, double dt, size_t nbins,
	double *busy)
{
	double *diff = calloc(nbins + 1, sizeof(*diff));

	if (diff == NULL)
		return -1;
	for (size_t k = 0; k < w->njobs && k < run->res.njobs; k++) {
		double s = (double)(run->res.jobs[k].start - t0) / dt;
		double e = (double)(run->res.jobs[k].end - t0) / dt;
		double q = w->jobs[k].procs * dt;
		size_t bs, be;

		if (e <= s || s < 0.0)
			continue;
		bs = (size_t)s;
		be = (size_t)e;
		if (bs >= nbins)
			continue;
		if (be >= nbins) {
			be = nbins - 1;
			e = (double)nbins;
		}
		if (bs == be) {
			busy[bs] += q * (e - s);
			continue;
		}
		busy[bs] += q * ((double)(bs + 1) - s);
		busy[be] += q * (e - (double)be);
		diff[bs + 1] += q;
		diff[be] -= q;
	}
	for (size_t b = 0; b < nbins; b++) {
		if (b > 0)
			diff[b] += diff[b - 1];
		busy[b] += diff[b];
	}
	free(diff);
	return 0;
}

int svg_plot_utilization(FILE *fp, const struct report *rep, size_t i)
{
	const struct report_run *run = &rep->runs[i];
	int64_t t0 = run->res.first_submit;
	int64_t span = run->res.makespan > 0 ? run->res.makespan : 1;
	size_t nbins = (size_t)span < UTIL_BINS ? (size_t)span : UTIL_BINS;
	double dt = (double)span / (double)nbins, capacity = 0.0;
	double ci_hi = -INFINITY, *busy, *ci = NULL;
	struct axis x = {0}, yu = {0}, yc = {0};
	char title[160], text[96];
	double ly;

	busy = calloc(nbins, sizeof(*busy));
	if (rep->carbon)
		ci = calloc(nbins * rep->nsites, sizeof(*ci));
	if (busy == NULL || (rep->carbon && ci == NULL) ||
		utilization_bins(run, rep->w, t0, dt, nbins, busy) < 0)
		goto error;
	for (size_t s = 0; s < rep->nsites; s++)
		capacity += rep->sites[s].procs;
	for (size_t s = 0; rep->carbon && s < rep->nsites; s++)
		for (size_t b = 0; b < nbins; b++) {
			int64_t a = rep->carbon_epoch + t0 +
				    (int64_t)llround((double)b * dt);
			int64_t z = rep->carbon_epoch + t0 +
				    (int64_t)llround((double)(b + 1) * dt);
			double v = z > a ? intensity_series_integral(
						   rep->sites[s].ci, a, z) /
						   (double)(z - a)
					 : intensity_series_at(
						   rep->sites[s].ci, a);

			ci[s * nbins + b] = v;
			ci_hi = fmax(ci_hi, v);
		}

	x.p0 = LEFT;
	x.p1 = WIDTH - RIGHT;
	axis_fit(&x, (double)t0 / 86400.0, (double)(t0 + span) / 86400.0, 8,
		false);
	yu.p0 = HEIGHT - BOTTOM;
	yu.p1 = TOP;
	axis_fit(&yu, 0.0, 100.0, 5, true);
	yc.p0 = HEIGHT - BOTTOM;
	yc.p1 = TOP;
	if (rep->carbon)
		axis_fit(&yc, 0.0, ci_hi, 5, true);

	snprintf(title, sizeof(title), "Utilization%s: %s, %s backfilling%s%s",
		rep->carbon ? " and carbon intensity" : "",
		policy_name(run->policy), backfill_name(run->backfill),
		run->baseline ? ", carbon-unaware baseline"
		: strcmp(report_run_delay(run), "-") != 0 ? ", max delay "
							  : "",
		run->baseline ? ""
		: strcmp(report_run_delay(run), "-") != 0
			? report_run_delay(run)
			: "");
	svg_open(fp, HEIGHT, title);
	y_axis(fp, &yu, LEFT, false, true, WIDTH - RIGHT, "utilization (%)",
		"black");
	x_axis(fp, &x, HEIGHT - BOTTOM, TOP, "time since trace start (days)");

	/* Utilization: a filled step area. */
	fprintf(fp,
		"<path fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\" "
		"stroke-width=\"0.8\" d=\"M%.1f,%.1f",
		palette[0], palette[0], axis_map(&x, (double)t0 / 86400.0),
		yu.p0);
	for (size_t b = 0; b < nbins; b++) {
		double u = capacity > 0.0 ? 100.0 * busy[b] / (capacity * dt)
					  : 0.0;
		double xa =
			axis_map(&x, ((double)t0 + (double)b * dt) / 86400.0);
		double xb = axis_map(
			&x, ((double)t0 + (double)(b + 1) * dt) / 86400.0);
		double py = axis_map(&yu, fmin(u, 100.0));

		fprintf(fp, " L%.1f,%.1f L%.1f,%.1f", xa, py, xb, py);
	}
	fprintf(fp, " L%.1f,%.1f Z\"/>\n",
		axis_map(&x, (double)(t0 + span) / 86400.0), yu.p0);

	/* Carbon intensity: one line per site, on the right axis. */
	for (size_t s = 0; rep->carbon && s < rep->nsites; s++) {
		const char *colour = palette[(1 + s) % NPALETTE];

		fprintf(fp,
			"<polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.2\" points=\"",
			colour);
		for (size_t b = 0; b < nbins; b++)
			fprintf(fp, "%s%.1f,%.1f", b ? " " : "",
				axis_map(&x,
					((double)t0 + ((double)b + 0.5) * dt) /
						86400.0),
				axis_map(&yc, ci[s * nbins + b]));
		fprintf(fp, "\"/>\n");
	}
	if (rep->carbon)
		y_axis(fp, &yc, WIDTH - RIGHT, true, false, 0.0,
			"carbon intensity (gCO2e/kWh)",
			rep->nsites == 1 ? palette[1] : "black");

	/* Legend, above the plot area. */
	ly = TOP - 12;
	snprintf(text, sizeof(text), "utilization (%.0f processors)", capacity);
	legend_entry(fp, LEFT + 4, ly, palette[0], true, text);
	for (size_t s = 0; rep->carbon && s < rep->nsites; s++) {
		if (rep->nsites == 1)
			snprintf(text, sizeof(text), "carbon intensity");
		else
			snprintf(text, sizeof(text), "intensity, %s",
				rep->sites[s].name);
		legend_entry(fp, LEFT + 230 + 170 * (double)s, ly,
			palette[(1 + s) % NPALETTE], false, text);
	}
	fprintf(fp, "</svg>\n");
	free(busy);
	free(ci);
	return ferror(fp) ? -1 : 0;
error:
	free(busy);
	free(ci);
	return -1;
}

/* Marker shapes cycle so series differ in print without colour. */
static void marker(FILE *fp, int shape, double x, double y, const char *colour)
{
	switch (shape % 3) {
	case 0:
		fprintf(fp,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
			"fill=\"%s\"/>\n",
			x, y, colour);
		break;
	case 1:
		fprintf(fp,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" "
			"height=\"8\" fill=\"%s\"/>\n",
			x - 4, y - 4, colour);
		break;
	default:
		fprintf(fp,
			"<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" "
			"fill=\"%s\"/>\n",
			x, y - 5, x + 5, y + 4, x - 5, y + 4, colour);
		break;
	}
}

/* A zero delay on one site replays its baseline: one point for both. */
static bool same_as_baseline(
	const struct report *rep, const struct report_run *run)
{
	return rep->nsites == 1 && run->delay != NULL &&
	       run->delay->seconds == 0 && run->delay->factor == 0.0;
}

int svg_plot_tradeoff(FILE *fp, const struct report *rep)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY;
	double yhi = -INFINITY, lx, ly;
	struct axis x = {0}, y = {0};
	size_t series = 0, nseries = 0;
	double height = HEIGHT;
	bool labels;
	char text[96];

	for (size_t i = 0; i < rep->nruns; i++) {
		nseries += rep->runs[i].baseline;
		xlo = fmin(xlo, rep->runs[i].m.ave_bsld);
		xhi = fmax(xhi, rep->runs[i].m.ave_bsld);
		ylo = fmin(ylo, rep->runs[i].m.co2e_g / 1000.0);
		yhi = fmax(yhi, rep->runs[i].m.co2e_g / 1000.0);
	}
	/* Room around the points for their labels, never below zero. */
	x.p0 = LEFT;
	x.p1 = WIDTH - RIGHT - 150;
	x.log = false;
	axis_fit(&x, fmax(xlo - 0.05 * (xhi - xlo), 0.0),
		xhi + 0.05 * (xhi - xlo), 6, false);
	/* AVEbsld >= 1 spans decades across policies: a log scale then. */
	if (xlo >= 1.0 && xhi / xlo > 100.0) {
		x.log = true;
		x.lo = pow(10.0, floor(log10(xlo)));
		x.hi = pow(10.0, ceil(log10(xhi)));
		x.step = 1.0;
	}
	/* A long legend makes the figure taller; many series, no labels. */
	height = fmax(HEIGHT, TOP + 18.0 * (double)(nseries + 2) + BOTTOM);
	labels = nseries <= 8;
	y.p0 = height - BOTTOM;
	y.p1 = TOP;
	axis_fit(&y, fmax(ylo - 0.05 * (yhi - ylo), 0.0),
		yhi + 0.05 * (yhi - ylo), 6, false);

	svg_open(fp, height,
		"Carbon versus bounded slowdown across maximum delays");
	y_axis(fp, &y, LEFT, false, true, x.p1, "carbon (kg CO2e)", "black");
	x_axis(fp, &x, height - BOTTOM, TOP,
		x.log ? "AVEbsld (mean bounded slowdown, log scale)"
		      : "AVEbsld (mean bounded slowdown)");
	fprintf(fp,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"black\"/>\n",
		x.p0, y.p1, x.p1, y.p1);

	lx = x.p1 + 16;
	ly = TOP + 10;
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct report_run *base = &rep->runs[i];
		const char *colour = palette[series % NPALETTE];

		if (!base->baseline)
			continue;
		/* The series: the baseline, then the runs that name it. */
		fprintf(fp,
			"<polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.5\" points=\"%.1f,%.1f",
			colour, axis_map(&x, base->m.ave_bsld),
			axis_map(&y, base->m.co2e_g / 1000.0));
		for (size_t k = 0; k < rep->nruns; k++)
			if (rep->runs[k].baseline_run == (long)i &&
				!same_as_baseline(rep, &rep->runs[k]))
				fprintf(fp, " %.1f,%.1f",
					axis_map(&x, rep->runs[k].m.ave_bsld),
					axis_map(&y, rep->runs[k].m.co2e_g /
							     1000.0));
		fprintf(fp, "\"/>\n");
		for (size_t k = 0; k < rep->nruns; k++) {
			const struct report_run *run = &rep->runs[k];
			double px, py;

			if (k != i && (run->baseline_run != (long)i ||
					      same_as_baseline(rep, run)))
				continue;
			px = axis_map(&x, run->m.ave_bsld);
			py = axis_map(&y, run->m.co2e_g / 1000.0);
			marker(fp, (int)series, px, py, colour);
			if (!labels)
				continue;
			fprintf(fp,
				"<text x=\"%.1f\" y=\"%.1f\" "
				"font-size=\"10\" fill=\"%s\" " FONT
				">%s</text>\n",
				px + 6, py - 6, colour,
				k != i		  ? report_run_delay(run)
				: rep->nsites > 1 ? "unaware"
						  : "0");
		}
		snprintf(text, sizeof(text), "%s / %s",
			policy_name(base->policy),
			backfill_name(base->backfill));
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
			lx, ly - 4, lx + 22, ly - 4, colour);
		marker(fp, (int)series, lx + 11, ly - 4, colour);
		fprintf(fp,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" " FONT
			">%s</text>\n",
			lx + 28, ly, text);
		ly += 18;
		series++;
	}
	fprintf(fp,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" " FONT
		" fill=\"#555555\">%s%s</text>\n",
		lx, ly + 6,
		labels ? "labels: max delay"
		       : "(too many series to label: see --json)",
		labels && rep->nsites > 1 ? " (0: space only)" : "");
	fprintf(fp, "</svg>\n");
	return ferror(fp) ? -1 : 0;
}

/* ---- the multi-criteria grid ---- */

#define GRID_CRITERIA 6

static const char *const grid_names[GRID_CRITERIA] = {
	"AVEbsld", "kg CO2e", "p99 wait h", "worst class bsld", "1 - Jain",
	"learning CPU s",
};

/* Criterion c of run, NAN when the run has no value for it. */
static double grid_value(const struct report *rep, size_t i, int c)
{
	const struct report_run *run = &rep->runs[i];
	struct report_learn_cost lc;
	double worst = 0.0;

	switch (c) {
	case 0:
		return rep->opt->windows ? run->window_mean_bsld
					 : run->m.ave_bsld;
	case 1:
		return rep->carbon ? run->m.co2e_g / 1000.0 : NAN;
	case 2:
		return run->fair.p99_wait / 3600.0;
	case 3:
		for (int k = 0; k < FAIRNESS_NCLASSES; k++)
			if (run->fair.cls[k].njobs &&
				run->fair.cls[k].mean_bsld > worst)
				worst = run->fair.cls[k].mean_bsld;
		return worst;
	case 4:
		return isfinite(run->fair.jain) ? 1.0 - run->fair.jain : NAN;
	default:
		report_learn_cost(rep, run->policy, &lc);
		return lc.learned ? lc.cpu_s : 0.0; /* built-in: nothing */
	}
}

int svg_plot_grid(FILE *fp, const struct report *rep)
{
	double max[GRID_CRITERIA] = {0}, x0 = LEFT, y0 = TOP + 20;
	double plot_h = HEIGHT - TOP - BOTTOM - 20, gw, bw;
	int shown[GRID_CRITERIA] = {0}, ns = 0;
	size_t n = rep->nruns;

	for (int c = 0; c < GRID_CRITERIA; c++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			double v = grid_value(rep, i, c);

			if (isfinite(v)) {
				any = any || v > 0 || c != 5;
				if (v > max[c])
					max[c] = v;
			}
		}
		if (any)
			shown[ns++] = c;
	}
	gw = ns ? (WIDTH - LEFT - RIGHT) / ns : 1;
	bw = n ? 0.8 * gw / (double)n : 1;
	svg_open(fp, HEIGHT + 20.0 * (double)((n + 2) / 3),
		"Policies side by side (each criterion over its worst; lower is "
		"better)");
	fprintf(fp,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"black\"/>\n",
		x0, y0 + plot_h, WIDTH - RIGHT, y0 + plot_h);
	for (int s = 0; s < ns; s++) {
		int c = shown[s];
		double gx = x0 + gw * s + 0.1 * gw;

		for (size_t i = 0; i < n; i++) {
			double v = grid_value(rep, i, c);
			double h = isfinite(v) && max[c] > 0
					   ? plot_h * v / max[c]
					   : 0.0;
			const char *col = palette[i % NPALETTE];

			fprintf(fp,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"/>\n",
				gx + bw * (double)i, y0 + plot_h - h,
				bw * 0.9, h, col);
			fprintf(fp,
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
				"text-anchor=\"middle\" " FONT ">%.3g</text>\n",
				gx + bw * ((double)i + 0.45),
				y0 + plot_h - h - 3, isfinite(v) ? v : 0.0);
		}
		fprintf(fp,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
			"text-anchor=\"middle\" " FONT ">%s</text>\n",
			x0 + gw * (s + 0.5), y0 + plot_h + 18, grid_names[c]);
	}
	for (size_t i = 0; i < n; i++) {
		char label[128];

		snprintf(label, sizeof(label), "%s/%s%s%s",
			policy_name(rep->runs[i].policy),
			backfill_name(rep->runs[i].backfill),
			rep->runs[i].delay ? " " : "",
			rep->runs[i].delay ? report_run_delay(&rep->runs[i])
					   : "");
		legend_entry(fp, LEFT + 230.0 * (double)(i % 3),
			HEIGHT + 10 + 20.0 * (double)(i / 3),
			palette[i % NPALETTE], true, label);
	}
	fprintf(fp, "</svg>\n");
	return ferror(fp) ? -1 : 0;
}
