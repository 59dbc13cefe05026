/*
 * options.h: carbonsim's command line, parsed into plain values, and the
 * value syntaxes it accepts (durations, delay factors, ISO 8601 times).
 */
#ifndef CARBONSIM_OPTIONS_H
#define CARBONSIM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "sc_error.h"
#include "shift.h"
#include "sim.h"
#include "swf.h"

/* Documented defaults of the site power model (carbonsim(1)). */
#define OPTIONS_WATTS_BUSY 10.0
#define OPTIONS_WATTS_IDLE 3.0
#define OPTIONS_PUE 1.2
/* Documented defaults of space shifting. */
#define OPTIONS_SPACE_WAIT_WEIGHT 0.0 /* g CO2e per hour of wait */
#define OPTIONS_SPACE_MAX_WAIT 3600   /* s */
/* Longest value text of --max-delay and --forecast-error. */
#define OPTIONS_VALUE_MAX 24
/* Repetitions of a run with forecast errors (Wiesner et al. use 10). */
#define OPTIONS_REPETITIONS 10
#define OPTIONS_REPETITIONS_MAX 10000

/*
 * One --max-delay value: an absolute delay in seconds (factor == 0), or a
 * factor of the job's requested time (factor > 0, written "2x"). label is
 * the value as the user wrote it, normalised ("6h", "2x", "0"). With
 * --max-advance, advance is how long before its submit time the job's
 * window opens, and label reads "-ADVANCE+DELAY" ("-2h+2h").
 */
struct options_delay {
	int64_t seconds;
	double factor;
	char label[48];
	int64_t advance;
};

/* One --site NAME:PROCS:SERIES. Strings point into a copy owned here. */
struct options_site {
	char *name;
	int32_t procs;
	char *series;
};

/* Policies one invocation compares: the built-in ones and learned files. */
#define OPTIONS_MAX_POLICIES (POLICY_COUNT + 32)

struct options {
	const char *trace;	/* positional: SWF, plain or gzip */
	struct swf_options swf; /* --procs, --runtime, --lenient */
	enum policy_kind policies[OPTIONS_MAX_POLICIES];
	size_t npolicies; /* default: fcfs */
	enum backfill_kind backfills[3];
	size_t nbackfills;	    /* default: none */
	bool windows;		    /* --windows: the SC17 protocol */
	const char *carbon;	    /* --carbon SERIES, or NULL */
	struct options_site *sites; /* --site, in command-line order */
	size_t nsites;
	double space_wait_weight; /* g CO2e per hour of wait */
	int64_t space_max_wait;	  /* s */
	bool carbon_start_set;
	int64_t carbon_start; /* unix seconds of trace time 0 */
	struct power_model power;
	struct options_delay *delays; /* --max-delay list, or NULL */
	size_t ndelays;
	int64_t *advances; /* --max-advance list, paired into delays */
	char (*advance_labels)[16];
	size_t nadvances;
	enum forecast_kind forecast;
	double forecast_error;	 /* --forecast-error: a fraction, 0: none */
	uint64_t forecast_seed;	 /* --forecast-seed: the first repetition's */
	size_t repetitions;	 /* --repetitions */
	bool repetitions_set;
	const char *json; /* output paths, NULL if not asked */
	const char *jobs_csv;
	const char *plot_utilization;
	const char *plot_tradeoff;
	bool grid;		/* --grid: the multi-criteria table */
	const char *plot_grid;	/* --plot-grid FILE */
	bool help;
	bool version;
};

/*
 * Parse argv into *opt (defaults first). Returns 0, or -1 with err filled
 * ("--policy: unknown policy 'xyz'"). On -1 *opt may hold partial values:
 * release it with options_free() in both cases. With --help or --version
 * the rest of the command line is not checked.
 */
int options_parse(
	int argc, char **argv, struct options *opt, struct sc_error *err);

/* Release what options_parse allocated; accepts a zeroed struct. */
void options_free(struct options *opt);

/*
 * A duration: a non-negative number with an optional unit s, m, h or d
 * ("90", "30m", "6h", "1.5d"), rounded to whole seconds. 0 or -1 (EINVAL).
 */
int options_parse_duration(const char *text, int64_t *seconds);

/* A --max-delay value: a duration, or a factor "2x" (> 0). 0 or -1. */
int options_parse_delay(const char *text, struct options_delay *delay);

/*
 * An ISO 8601 time, UTC unless an offset is given: "2020-01-01",
 * "2020-01-01T06:00", "2020-01-01 06:00:00", with optional "Z" or
 * "+HH:MM"/"-HH:MM". Stores unix seconds. 0 or -1 (EINVAL).
 */
int options_parse_time(const char *text, int64_t *unix_time);

/* Format unix seconds as "2020-01-01T06:00:00Z" into buf (>= 21 bytes). */
void options_format_time(int64_t unix_time, char *buf, size_t len);

#endif
