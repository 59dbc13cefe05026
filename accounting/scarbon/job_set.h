/*
 * job_set.h: the jobs scarbon works on, with everything their records
 * point to (strings, node lists, steps) owned in one place.
 */
#ifndef SCARBON_JOB_SET_H
#define SCARBON_JOB_SET_H

#include <stddef.h>

#include "job_record.h"
#include "sc_error.h"

struct job_set_list {
	char *expr;
	struct nodelist *nodes;
};

struct job_set {
	struct job_record *jobs;
	size_t njobs;
	size_t cap;
	void **owned; /* strings, step arrays */
	size_t nowned, owned_cap;
	struct job_set_list *lists; /* parsed node lists by expression */
	size_t nlists, lists_cap;
};

/* An empty set; job_set_clear frees everything it holds. */
void job_set_init(struct job_set *set);
void job_set_clear(struct job_set *set);

/* A copy of s owned by the set (NULL for NULL); NULL on ENOMEM. */
const char *job_set_strdup(struct job_set *set, const char *s);

/*
 * The parsed node list of expr, shared by every record that names the same
 * expression; NULL with err set on a bad expression or ENOMEM.
 */
const struct nodelist *job_set_nodelist(
	struct job_set *set, const char *expr, struct sc_error *err);

/* A new zeroed record at the end of the set; NULL on ENOMEM. Pointers to
 * earlier records may move. */
struct job_record *job_set_add(struct job_set *set);

/* n zeroed steps owned by the set for a record; NULL on ENOMEM. */
struct job_step_record *job_set_steps(struct job_set *set, size_t n);

#endif
