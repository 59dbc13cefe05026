/*
 * options.h: scarbon's command line, with sacct's habits: -j, -u, -A, -r,
 * -S, -E, -a, -s, -X, -o, -n, -P/-p, plus --json, --csv, --conf and the
 * subcommands report, stamp and check.
 */
#ifndef SCARBON_OPTIONS_H
#define SCARBON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sc_error.h"

enum scarbon_cmd {
	SCARBON_JOBS,	/* one line per job (and step), like sacct */
	SCARBON_REPORT, /* totals by user, account or partition */
	SCARBON_STAMP,	/* store each finished job's carbon in AdminComment */
	SCARBON_CHECK,	/* validate carbon.conf and its series */
};

enum scarbon_output {
	OUT_TABLE,
	OUT_PARSABLE,  /* -p: '|' after every field */
	OUT_PARSABLE2, /* -P: '|' between fields */
	OUT_CSV,
	OUT_JSON,
};

enum scarbon_group { GROUP_USER, GROUP_ACCOUNT, GROUP_PARTITION };

/* NULL-terminated lists; NULL when not given. Owned by the options. */
struct scarbon_opts {
	enum scarbon_cmd cmd;
	const char *conf_path; /* --conf, else SCARBON_CONF, else default */
	char **jobs;
	char **users;
	char **accounts;
	char **partitions;
	char **states;
	char **clusters;
	bool all_clusters; /* -M all / -L */
	bool all_users;
	bool allocations; /* -X */
	bool noheader;
	bool units_raw; /* every figure as a plain number */
	bool have_start, have_end;
	time_t start, end;
	enum scarbon_output output;
	const char *format; /* -o */
	enum scarbon_group group;
	long top;	 /* report: 0 = all */
	bool dry_run;	 /* stamp */
	int64_t settle;	 /* stamp: seconds after a job's end */
	bool show_help, show_version;
};

/*
 * Parse argv (argv[1] may be a subcommand). now is the reference for
 * relative times. 0, or -1 with a one-line reason in err (usage error).
 * Free with scarbon_opts_free even after a failure.
 */
int scarbon_opts_parse(int argc, char **argv, time_t now,
	struct scarbon_opts *o, struct sc_error *err);

void scarbon_opts_free(struct scarbon_opts *o);

/* The usage text for cmd. */
const char *scarbon_usage(enum scarbon_cmd cmd);

#endif
