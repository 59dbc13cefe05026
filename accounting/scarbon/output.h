/*
 * output.h: scarbon's output: fields chosen with -o NAME[%WIDTH] and
 * printed as sacct does (a table, "|"-separated with -p/-P) or as CSV, and
 * human units for energy (J, kJ, MJ, GJ) and CO2e (g, kg, t).
 */
#ifndef SCARBON_OUTPUT_H
#define SCARBON_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "options.h"
#include "sc_error.h"

/* A field: writes its text for row into buf ("" when unknown). */
struct field_def {
	const char *name;
	int width; /* default table width */
	bool right;
	void (*get)(const void *row, char *buf, size_t size);
	const char *help;
};

/* A chosen column. */
struct out_column {
	const struct field_def *def;
	int width;
};

/*
 * Parse spec ("JobID,User%12,CO2e"; NULL for dflt), case-insensitive
 * names. "help" is not handled here. Returns the number of columns with
 * *cols malloc'd, or -1 with err naming the unknown field.
 */
int out_columns(const char *spec, const char *dflt,
	const struct field_def *defs, size_t ndefs, struct out_column **cols,
	struct sc_error *err);

/* The list of fields for --helpformat, several a line as sacct prints. */
void out_print_fields(FILE *f, const struct field_def *defs, size_t ndefs);

void out_print_header(FILE *f, enum scarbon_output mode,
	const struct out_column *cols, size_t n);

void out_print_row(FILE *f, enum scarbon_output mode,
	const struct out_column *cols, size_t n, const void *row);

/* Human units; "" for NAN. */
void out_energy(double joules, char *buf, size_t size);
void out_grams(double grams, char *buf, size_t size);
/* A plain number with decimals; "" for NAN. */
void out_number(double v, int decimals, char *buf, size_t size);

#endif
