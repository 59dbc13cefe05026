/*
 * nodelist.h: node names in Slurm's hostlist syntax ("cn[1-16]",
 * "gpu[01-04,7],login1", "rack[1-2]-n[1-4]"), expanded, without Slurm.
 */
#ifndef ACCOUNTING_NODELIST_H
#define ACCOUNTING_NODELIST_H

#include <stddef.h>

#include "sc_error.h"

/*
 * Most names one expression (and one carbon.conf) may expand to: more
 * nodes than the largest clusters have (Fugaku's 158,976), small enough
 * that a typo such as cn[1-999999999] is an error, not gigabytes.
 */
#define NODELIST_MAX_NAMES ((size_t)1 << 18)

/* Longest node name, bytes without the NUL. */
#define NODELIST_NAME_MAX 255

/* An immutable list of names in expression order, with duplicates removed. */
struct nodelist;

/*
 * Expand expr: names separated by commas, each with any number of bracket
 * groups of numbers and ranges ("[1-3,5]"); a range whose first number has
 * leading zeros keeps that width ("[01-10]" gives 01..10). Blanks are not
 * allowed. Returns the list (caller destroys it), or NULL with err set
 * ("nodelist 'x': problem") and errno EINVAL (ENOMEM).
 */
struct nodelist *nodelist_parse(const char *expr, struct sc_error *err);

/* Accepts NULL. */
void nodelist_destroy(struct nodelist *nl);

size_t nodelist_count(const struct nodelist *nl);

/* The i-th name, i < nodelist_count; owned by the list. */
const char *nodelist_name(const struct nodelist *nl, size_t i);

/* Index of name in the list, or -1. O(1) on average. */
long nodelist_index(const struct nodelist *nl, const char *name);

#endif
