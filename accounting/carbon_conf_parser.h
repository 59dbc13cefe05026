/*
 * carbon_conf_parser.h: what the parts of the carbon.conf(5) parser share,
 * not for its callers: the lines as Key=Value tokens and their values
 * (carbon_conf_lex.c), the records they make (carbon_conf_records.c), and
 * the file as a whole (carbon_conf.c). Every function that fails reports
 * "NAME:LINE: problem" in the parser's error and returns -1 (errno EINVAL,
 * or ENOMEM).
 */
#ifndef ACCOUNTING_CARBON_CONF_PARSER_H
#define ACCOUNTING_CARBON_CONF_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carbon_conf.h"
#include "sc_error.h"

#define CONF_MAX_TOKENS 64
/* Room for carbon_conf_records.c's global keys (checked there). */
#define CONF_GLOBAL_KEYS_MAX 32

/* One Key=Value of a line; key and value point into the line's copy. */
struct conf_token {
	char *key;
	char *value;
};

/* The parse of one logical line. */
struct conf_line {
	struct conf_token tok[CONF_MAX_TOKENS];
	int ntok;
};

/* The state of one file's parse. */
struct conf_parser {
	const char *name;
	const struct carbon_conf_options *opts;
	struct carbon_conf *conf;
	struct sc_error *err;
	int line;
	char *default_region_name;
	struct carbon_node_group defaults; /* NodeName=DEFAULT, as given */
	unsigned defaults_set;		   /* which fields DEFAULT set */
	int defaults_line;
	size_t node_names; /* in all NodeName lines so far */
	/* where each global key was set, to refuse a second setting */
	int global_lines[CONF_GLOBAL_KEYS_MAX];
};

/* "NAME:LINE: message" into p's error. Always -1, errno EINVAL. */
int conf_error(struct conf_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- values (carbon_conf_lex.c): each 0 with *out set, or -1 ---- */

/* A finite number in [lo, hi]. */
int conf_double(struct conf_parser *p, const struct conf_token *t, double lo,
	double hi, double *out);

/* yes/no, true/false, 1/0, on/off, in any case. */
int conf_bool(struct conf_parser *p, const struct conf_token *t, bool *out);

/* A duration with its unit (carbon_parse_duration), in seconds. */
int conf_duration(
	struct conf_parser *p, const struct conf_token *t, int64_t *out);

/* "5%" or "5": a fraction in [0, 1). */
int conf_percent(
	struct conf_parser *p, const struct conf_token *t, double *out);

/* Comma-separated names into a new NULL-terminated array (*out unset). */
int conf_list(struct conf_parser *p, const struct conf_token *t, char ***out);

/* A region's or partition's name: letters, digits, "-_.". 0 or -1. */
int conf_name(struct conf_parser *p, const struct conf_token *t);

/* ---- lines (carbon_conf_lex.c) ---- */

/*
 * Next logical line of buf[*pos..len): physical lines joined where one
 * ends in a backslash. A malloc'd string, or NULL at the end (or on
 * allocation failure, with *oom set); *first gets its first line number.
 */
char *conf_next_line(const char *buf, size_t len, size_t *pos, int *lineno,
	int *first, int *oom);

/* Refuse control characters other than tabs. 0 or -1. */
int conf_check_text(struct conf_parser *p, const char *line);

/* Split a logical line into Key=Value tokens (modifies s). 0 or -1. */
int conf_tokenize(struct conf_parser *p, char *s, struct conf_line *ln);

/* Refuse a key given twice on a line. 0 or -1. */
int conf_repeats(struct conf_parser *p, const struct conf_line *ln);

/* ---- records (carbon_conf_records.c) ---- */

/*
 * A line's record: RegionName, PartitionName, NodeName, or global keys,
 * into p->conf. 0 or -1.
 */
int conf_record(struct conf_parser *p, const struct conf_line *ln);

/*
 * After the last line: the settings required or cross-checked, and each
 * node group's fields not given taken from DEFAULT. 0 or -1.
 */
int conf_records_finish(struct conf_parser *p);

#endif
