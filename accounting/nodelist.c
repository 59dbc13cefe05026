/*
 * nodelist.c: Slurm hostlist expressions expanded into names, with a hash
 * index for lookups (carbon.conf node groups, a job's nodes).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodelist.h"

struct nodelist {
	char **names;
	size_t count;
	size_t cap;
	long *slots; /* hash table of indices into names, -1 empty */
	size_t nslots;
};

/* A parse in progress: the expression, for messages. */
struct parse {
	const char *expr;
	struct sc_error *err;
	struct nodelist *nl;
};

static int fail(struct parse *p, int errnum, const char *what)
{
	sc_errprintf(p->err, "nodelist '%s': %s", p->expr, what);
	errno = errnum;
	return -1;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static long *slot_of(const struct nodelist *nl, const char *name)
{
	size_t mask = nl->nslots - 1;
	size_t i = (size_t)hash_name(name) & mask;

	while (nl->slots[i] >= 0 && strcmp(nl->names[nl->slots[i]], name))
		i = (i + 1) & mask;
	return &nl->slots[i];
}

static int rehash(struct nodelist *nl, size_t nslots)
{
	long *slots = malloc(nslots * sizeof(*slots));
	size_t i;

	if (!slots)
		return -1;
	for (i = 0; i < nslots; i++)
		slots[i] = -1;
	free(nl->slots);
	nl->slots = slots;
	nl->nslots = nslots;
	for (i = 0; i < nl->count; i++)
		*slot_of(nl, nl->names[i]) = (long)i;
	return 0;
}

/* Append name unless already there (takes ownership). */
static int add_name(struct parse *p, char *name)
{
	struct nodelist *nl = p->nl;
	long *slot;

	if (nl->count >= NODELIST_MAX_NAMES) {
		free(name);
		return fail(p, EINVAL, "expands to too many names");
	}
	if ((nl->count + 1) * 2 > nl->nslots &&
		rehash(nl, nl->nslots ? nl->nslots * 2 : 16) < 0)
		goto nomem;
	slot = slot_of(nl, name);
	if (*slot >= 0) {
		free(name);
		return 0;
	}
	if (nl->count == nl->cap) {
		size_t cap = nl->cap ? nl->cap * 2 : 8;
		char **names = realloc(nl->names, cap * sizeof(*names));

		if (!names)
			goto nomem;
		nl->names = names;
		nl->cap = cap;
	}
	*slot = (long)nl->count;
	nl->names[nl->count++] = name;
	return 0;
nomem:
	free(name);
	return fail(p, ENOMEM, "out of memory");
}

/* Parse an unsigned decimal of at most 9 digits at *s; width = digits. */
static int parse_number(const char **s, unsigned long *v, int *width)
{
	const char *q = *s;

	*v = 0;
	while (*q >= '0' && *q <= '9' && q - *s < 9)
		*v = *v * 10 + (unsigned long)(*q++ - '0');
	if (q == *s || (*q >= '0' && *q <= '9'))
		return -1;
	*width = (int)(q - *s);
	*s = q;
	return 0;
}

static int expand(struct parse *p, const char *item, size_t len,
	char *prefix, size_t plen);

/*
 * The bracket group at item[0] == '[': for every number in it, append the
 * number to the prefix and expand the rest after ']'.
 */
static int expand_group(struct parse *p, const char *item, size_t len,
	char *prefix, size_t plen)
{
	const char *end = memchr(item, ']', len), *s = item + 1;
	const char *rest;

	if (!end)
		return fail(p, EINVAL, "'[' without ']'");
	if (s == end)
		return fail(p, EINVAL, "empty brackets");
	rest = end + 1;
	while (s < end) {
		const char *num = s;
		unsigned long lo, hi, v;
		int width, hwidth;

		if (parse_number(&s, &lo, &width) < 0)
			return fail(p, EINVAL, "a bracket must hold numbers "
					       "and ranges such as [1-4,7]");
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_number(&s, &hi, &hwidth) < 0 || hi < lo)
				return fail(p, EINVAL, "bad range in brackets");
		}
		if (s < end && *s++ != ',')
			return fail(p, EINVAL, "bad character in brackets");
		if (s == end && s[-1] == ',')
			return fail(p, EINVAL, "empty entry in brackets");
		if (hi - lo >= NODELIST_MAX_NAMES)
			return fail(p, EINVAL, "expands to too many names");
		if (*num != '0')
			width = 1; /* no leading zero: no padding */
		for (v = lo; v <= hi; v++) {
			int n = snprintf(prefix + plen,
				NODELIST_NAME_MAX + 1 - plen, "%0*lu", width, v);

			if (n < 0 || plen + (size_t)n > NODELIST_NAME_MAX)
				return fail(p, EINVAL, "a name is too long");
			if (expand(p, rest, len - (size_t)(rest - item), prefix,
				    plen + (size_t)n) < 0)
				return -1;
		}
	}
	return 0;
}

/* Expand item[0..len) after prefix[0..plen). */
static int expand(struct parse *p, const char *item, size_t len,
	char *prefix, size_t plen)
{
	const char *br = memchr(item, '[', len);
	size_t lit = br ? (size_t)(br - item) : len;
	char *name;

	if (memchr(item, ']', lit))
		return fail(p, EINVAL, "']' without '['");
	if (plen + lit > NODELIST_NAME_MAX)
		return fail(p, EINVAL, "a name is too long");
	memcpy(prefix + plen, item, lit);
	plen += lit;
	if (br)
		return expand_group(p, br, len - lit, prefix, plen);
	if (plen == 0)
		return fail(p, EINVAL, "empty name");
	name = strndup(prefix, plen);
	if (!name)
		return fail(p, ENOMEM, "out of memory");
	return add_name(p, name);
}

/* The end of the top-level item starting at s: a comma outside brackets. */
static const char *item_end(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '[')
			depth++;
		else if (*s == ']')
			depth--;
		else if (*s == ',' && depth == 0)
			break;
	}
	return s;
}

static int check_chars(struct parse *p)
{
	const char *s;

	for (s = p->expr; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '=' || *s == '#')
			return fail(p, EINVAL,
				"blanks, '=' and '#' are not allowed");
	return 0;
}

struct nodelist *nodelist_parse(const char *expr, struct sc_error *err)
{
	struct parse p = {.expr = expr ? expr : "", .err = err};
	char prefix[NODELIST_NAME_MAX + 1];
	const char *s;

	p.nl = calloc(1, sizeof(*p.nl));
	if (!p.nl) {
		fail(&p, ENOMEM, "out of memory");
		return NULL;
	}
	if (!*p.expr) {
		fail(&p, EINVAL, "empty");
		goto error;
	}
	if (check_chars(&p) < 0)
		goto error;
	for (s = p.expr;;) {
		const char *e = item_end(s);

		if (e == s) {
			fail(&p, EINVAL, "empty entry");
			goto error;
		}
		if (expand(&p, s, (size_t)(e - s), prefix, 0) < 0)
			goto error;
		if (!*e)
			break;
		s = e + 1;
	}
	return p.nl;
error:
	nodelist_destroy(p.nl);
	return NULL;
}

void nodelist_destroy(struct nodelist *nl)
{
	size_t i;
	int saved = errno;

	if (!nl)
		return;
	for (i = 0; i < nl->count; i++)
		free(nl->names[i]);
	free(nl->names);
	free(nl->slots);
	free(nl);
	errno = saved;
}

size_t nodelist_count(const struct nodelist *nl)
{
	return nl->count;
}

const char *nodelist_name(const struct nodelist *nl, size_t i)
{
	return nl->names[i];
}

long nodelist_index(const struct nodelist *nl, const char *name)
{
	if (!nl->nslots)
		return -1;
	return *slot_of(nl, name);
}
