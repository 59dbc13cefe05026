/*
 * output.c: sacct-like tables, parsable and CSV output of scarbon's fields
 * and human units.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output.h"

/* Longest cell text. */
#define CELL_MAX 1024

static const struct field_def *find_field(
	const struct field_def *defs, size_t ndefs, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ndefs; i++)
		if (strlen(defs[i].name) == len &&
			!strncasecmp(defs[i].name, name, len))
			return &defs[i];
	return NULL;
}

/* One "Name[%W]" item of spec[0..len). */
static int parse_item(const char *item, size_t len,
	const struct field_def *defs, size_t ndefs, struct out_column *col,
	struct sc_error *err)
{
	const char *pct = memchr(item, '%', len);
	size_t nlen = pct ? (size_t)(pct - item) : len;

	col->def = find_field(defs, ndefs, item, nlen);
	if (!col->def)
		return sc_errprintf(err, "-o: unknown field '%.*s' (see "
					 "scarbon --helpformat)",
			(int)nlen, item);
	col->width = col->def->width;
	if (pct) {
		char buf[16], *end;
		long w;
		size_t wl = len - nlen - 1;

		if (!wl || wl >= sizeof(buf))
			return sc_errprintf(err, "-o: bad width in '%.*s'",
				(int)len, item);
		memcpy(buf, pct + 1, wl);
		buf[wl] = '\0';
		w = strtol(buf, &end, 10);
		if (*end || w < 1 || w > 500)
			return sc_errprintf(err, "-o: bad width in '%.*s'",
				(int)len, item);
		col->width = (int)w;
	}
	return 0;
}

int out_columns(const char *spec, const char *dflt,
	const struct field_def *defs, size_t ndefs, struct out_column **cols,
	struct sc_error *err)
{
	const char *s = spec && *spec ? spec : dflt;
	size_t n = 0, cap = 0;
	struct out_column *c = NULL;

	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len) {
			if (n == cap) {
				struct out_column *g;

				cap = cap ? cap * 2 : 16;
				g = realloc(c, cap * sizeof(*c));
				if (!g) {
					free(c);
					return sc_errprintf(err, "out of memory");
				}
				c = g;
			}
			if (parse_item(s, len, defs, ndefs, &c[n], err) < 0) {
				free(c);
				return -1;
			}
			n++;
		}
		if (!e)
			break;
		s = e + 1;
	}
	if (!n) {
		free(c);
		return sc_errprintf(err, "-o: no fields");
	}
	*cols = c;
	return (int)n;
}

void out_print_fields(FILE *f, const struct field_def *defs, size_t ndefs)
{
	size_t i;

	for (i = 0; i < ndefs; i++)
		fprintf(f, "%-20s%s", defs[i].name,
			(i % 4 == 3 || i + 1 == ndefs) ? "\n" : "");
}

/* CSV: quote when needed (RFC 4180). */
static void csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A table cell: right or left aligned, cut to width with a '+' as sacct. */
static void table_cell(FILE *f, const char *s, int width, bool right)
{
	int len = (int)strlen(s);

	if (len > width) {
		fprintf(f, "%.*s+", width - 1, s);
		return;
	}
	fprintf(f, right ? "%*s" : "%-*s", width, s);
}

static void print_cells(FILE *f, enum scarbon_output mode,
	const struct out_column *cols, size_t n, char cells[][CELL_MAX])
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (mode) {
		case OUT_PARSABLE:
			fprintf(f, "%s|", cells[i]);
			break;
		case OUT_PARSABLE2:
			fprintf(f, "%s%s", i ? "|" : "", cells[i]);
			break;
		case OUT_CSV:
			if (i)
				fputc(',', f);
			csv_cell(f, cells[i]);
			break;
		default:
			if (i)
				fputc(' ', f);
			table_cell(f, cells[i], cols[i].width,
				cols[i].def->right);
			break;
		}
	}
	fputc('\n', f);
}

void out_print_header(FILE *f, enum scarbon_output mode,
	const struct out_column *cols, size_t n)
{
	char(*cells)[CELL_MAX] = malloc(n * sizeof(*cells));
	size_t i;

	if (!cells)
		return;
	for (i = 0; i < n; i++)
		snprintf(cells[i], CELL_MAX, "%s", cols[i].def->name);
	print_cells(f, mode, cols, n, cells);
	if (mode == OUT_TABLE) {
		for (i = 0; i < n; i++) {
			int k;

			for (k = 0; k < cols[i].width && k < CELL_MAX - 1; k++)
				cells[i][k] = '-';
			cells[i][k] = '\0';
		}
		print_cells(f, mode, cols, n, cells);
	}
	free(cells);
}

void out_print_row(FILE *f, enum scarbon_output mode,
	const struct out_column *cols, size_t n, const void *row)
{
	char(*cells)[CELL_MAX] = malloc(n * sizeof(*cells));
	size_t i;

	if (!cells)
		return;
	for (i = 0; i < n; i++) {
		cells[i][0] = '\0';
		cols[i].def->get(row, cells[i], CELL_MAX);
	}
	print_cells(f, mode, cols, n, cells);
	free(cells);
}

/* v in the largest unit of units[] it reaches; decimals by magnitude. */
static void scaled(double v, const char *const *units, const double *steps,
	size_t nunits, char *buf, size_t size)
{
	size_t u = 0;
	double a;

	if (!isfinite(v)) {
		buf[0] = '\0';
		return;
	}
	/* 999.6 J prints as 1.00kJ, not 1000J */
	while (u + 1 < nunits && fabs(v) >= steps[u + 1] * 0.9995)
		u++;
	v /= steps[u];
	a = fabs(v);
	snprintf(buf, size, "%.*f%s", a < 10 ? 2 : a < 100 ? 1 : 0, v,
		units[u]);
}

void out_energy(double joules, char *buf, size_t size)
{
	static const char *const units[] = {"J", "kJ", "MJ", "GJ"};
	static const double steps[] = {1, 1e3, 1e6, 1e9};

	scaled(joules, units, steps, 4, buf, size);
}

void out_grams(double grams, char *buf, size_t size)
{
	static const char *const units[] = {"g", "kg", "t"};
	static const double steps[] = {1, 1e3, 1e6};

	scaled(grams, units, steps, 3, buf, size);
}

void out_number(double v, int decimals, char *buf, size_t size)
{
	if (!isfinite(v))
		buf[0] = '\0';
	else
		snprintf(buf, size, "%.*f", decimals, v);
}
