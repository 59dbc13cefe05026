/*
 * report.h: scarbon report: energy and carbon totals by user, account or
 * partition over a period, largest first.
 */
#ifndef SCARBON_REPORT_H
#define SCARBON_REPORT_H

#include <stdio.h>

#include "job_carbon.h"
#include "job_set.h"
#include "options.h"

/* One group's totals; figures sum the jobs whose value is known. */
struct report_row {
	const char *key;
	size_t jobs;
	size_t estimated; /* jobs whose energy is estimated */
	size_t partial;	  /* jobs with a partial measurement */
	size_t unknown;	  /* jobs whose CO2e is unknown */
	double energy_j;
	double operational_g;
	double embodied_g;
	double total_g;
};

/*
 * Group set's jobs (carbon in jcs) by o->group into *rows, sorted by total
 * CO2e, largest first (ties by name). Returns the number of rows (rows
 * malloc'd, keys point into the set), or -1 on ENOMEM.
 */
long report_group(const struct scarbon_opts *o, const struct job_set *set,
	const struct job_carbon *jcs, struct report_row **rows);

/* With scarbon report: -1 with err when -o names an unknown field. */
int report_check_format(const struct scarbon_opts *o, struct sc_error *err);

/* Print rows (the top o->top, then a TOTAL line over all). 0 or -1. */
int report_print(FILE *f, const struct scarbon_opts *o,
	const struct report_row *rows, size_t n, struct sc_error *err);

#endif
