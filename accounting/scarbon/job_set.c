/*
 * job_set.c: an owner for scarbon's job records and what they point to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job_set.h"

/* Node lists are looked up among the most recent few: they repeat from a
 * job to its steps and between neighbouring jobs. */
#define RECENT_LISTS 16

void job_set_init(struct job_set *set)
{
	memset(set, 0, sizeof(*set));
}

void job_set_clear(struct job_set *set)
{
	size_t i;

	for (i = 0; i < set->nowned; i++)
		free(set->owned[i]);
	for (i = 0; i < set->nlists; i++) {
		free(set->lists[i].expr);
		nodelist_destroy(set->lists[i].nodes);
	}
	free(set->owned);
	free(set->lists);
	free(set->jobs);
	job_set_init(set);
}

static void *own(struct job_set *set, void *p)
{
	if (!p)
		return NULL;
	if (set->nowned == set->owned_cap) {
		size_t cap = set->owned_cap ? set->owned_cap * 2 : 64;
		void **grown = realloc(set->owned, cap * sizeof(*grown));

		if (!grown) {
			free(p);
			return NULL;
		}
		set->owned = grown;
		set->owned_cap = cap;
	}
	set->owned[set->nowned++] = p;
	return p;
}

const char *job_set_strdup(struct job_set *set, const char *s)
{
	return s ? own(set, strdup(s)) : NULL;
}

const struct nodelist *job_set_nodelist(
	struct job_set *set, const char *expr, struct sc_error *err)
{
	struct job_set_list *l;
	size_t i, first = set->nlists > RECENT_LISTS ? set->nlists - RECENT_LISTS
						     : 0;

	for (i = set->nlists; i-- > first;)
		if (!strcmp(set->lists[i].expr, expr))
			return set->lists[i].nodes;
	if (set->nlists == set->lists_cap) {
		size_t cap = set->lists_cap ? set->lists_cap * 2 : 16;

		l = realloc(set->lists, cap * sizeof(*l));
		if (!l) {
			sc_errprintf(err, "out of memory");
			return NULL;
		}
		set->lists = l;
		set->lists_cap = cap;
	}
	l = &set->lists[set->nlists];
	if (!(l->expr = strdup(expr))) {
		sc_errprintf(err, "out of memory");
		return NULL;
	}
	if (!(l->nodes = nodelist_parse(expr, err))) {
		free(l->expr);
		return NULL;
	}
	set->nlists++;
	return l->nodes;
}

struct job_record *job_set_add(struct job_set *set)
{
	if (set->njobs == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct job_record *grown =
			realloc(set->jobs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		set->jobs = grown;
		set->cap = cap;
	}
	memset(&set->jobs[set->njobs], 0, sizeof(set->jobs[0]));
	return &set->jobs[set->njobs++];
}

struct job_step_record *job_set_steps(struct job_set *set, size_t n)
{
	return n ? own(set, calloc(n, sizeof(struct job_step_record))) : NULL;
}
