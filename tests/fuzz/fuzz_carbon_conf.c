/*
 * fuzz_carbon_conf.c: libFuzzer target over the carbon.conf parser and the
 * lookups on what it accepts; without libFuzzer, a main() that replays a
 * corpus with deterministic mutations.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A policy hook refusing names with an 'x', as sched/'s would others. */
static int check_policy(const char *value, char *why, size_t size)
{
	if (!strchr(value, 'x'))
		return 0;
	if (value[0] != 'x')
		snprintf(why, size, "refused by the fuzz hook");
	return -1;
}

/* "fuzz:LINE: problem", or "fuzz: out of memory". */
static int well_formed(const char *text)
{
	const char *s = text + 5;

	if (strncmp(text, "fuzz:", 5))
		return 0;
	if (!strcmp(s, " out of memory"))
		return 1;
	if (*s < '1' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9')
		s++;
	return s[0] == ':' && s[1] == ' ' && s[2];
}

/* What the parser promises of a configuration it accepts. */
static void check_conf(const struct carbon_conf *c)
{
	size_t i, k;

	if (c->pue < 1 || c->pue > 10 || !c->priority_policy ||
		c->default_region >= (long)c->nregions ||
		c->default_region < -1 || c->ngroups < 1 ||
		!c->groups[0].expr || strcmp(c->groups[0].expr, "DEFAULT") ||
		c->groups[0].nodes)
		abort();
	for (i = 0; i < c->nregions; i++) {
		const struct carbon_region *r = &c->regions[i];
		struct carbon_intensity ci;
		struct sc_error err = {{0}};
		int rc = carbon_region_intensity(r, &ci, &err);

		if (r->series || carbon_conf_region(c, r->name) != r)
			abort();
		/* a series is not loaded here: an error, never a number */
		if (r->path ? rc != -1 || !err.text[0]
			    : rc != 0 || r->constant < 0 || r->constant > 1e6)
			abort();
	}
	for (i = 0; i < c->npartitions; i++) {
		const struct carbon_partition *p = &c->partitions[i];
		const struct carbon_region *r;
		double pue;

		if (carbon_conf_partition(c, p->name) != p ||
			(p->region != (size_t)-1 && p->region >= c->nregions) ||
			(p->deferrable && p->max_delay <= 0) ||
			(!p->deferrable && p->max_delay))
			abort();
		r = carbon_conf_partition_region(c, p->name);
		if (p->region != (size_t)-1 && r != &c->regions[p->region])
			abort();
		pue = carbon_conf_pue(c, p->name);
		if (pue < 1 || pue > 10)
			abort();
	}
	for (i = 1; i < c->ngroups; i++) {
		const struct carbon_node_group *g = &c->groups[i];

		if (!g->nodes || !g->expr || g->embodied_kg < 0 ||
			g->lifetime_years <= 0 || g->cpus < 0)
			abort();
		/* groups never overlap: each node finds its own group */
		for (k = 0; k < nodelist_count(g->nodes) && k < 64; k++)
			if (carbon_conf_node_group(
				    c, nodelist_name(g->nodes, k)) != g)
				abort();
	}
}

/*
 * The first byte picks whether a policy hook is given; the rest is the
 * file. A duration is parsed from the text too.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carbon_conf_options opts = {0};
	struct sc_error err = {{0}};
	struct carbon_conf *c;
	char dur[32];
	int64_t secs;

	if (size > 0) {
		if (data[0] & 1)
			opts.check_policy = check_policy;
		data++;
		size--;
	}
	errno = 0;
	c = carbon_conf_parse("fuzz", (const char *)data, size, &opts, &err);
	if (!c) {
		/* Every failure explains itself as "fuzz:LINE: ...". */
		if (!well_formed(err.text) || errno == 0)
			abort();
	} else {
		if (err.text[0])
			abort();
		check_conf(c);
		carbon_conf_destroy(c);
	}
	snprintf(dur, sizeof(dur), "%.*s", (int)(size < 31 ? size : 31),
		(const char *)data);
	if (carbon_parse_duration(dur, &secs) == 0 &&
		(secs < 0 || secs > 100LL * 366 * 86400))
		abort();
	return 0;
}

#ifndef FUZZ_LIBFUZZER

/* Read a whole file; NULL on error. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				goto error;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto error;
	fclose(f);
	return buf;
error:
	fclose(f);
	free(buf);
	return NULL;
}

/* Deterministic byte mutations of an input, as a tiny fuzzer would. */
static void mutate(uint8_t *buf, size_t len, uint32_t *seed)
{
	size_t i, n = 1 + *seed % 4;

	for (i = 0; i < n && len > 0; i++) {
		*seed = *seed * 1103515245u + 12345u;
		buf[(*seed >> 8) % len] = (uint8_t)(*seed >> 16);
	}
}

static int replay(const char *path, unsigned rounds)
{
	uint8_t *buf, *copy;
	uint32_t seed = 1;
	size_t len;
	unsigned r;

	buf = slurp(path, &len);
	if (!buf) {
		fprintf(stderr, "fuzz_carbon_conf: %s: %s\n", path,
			strerror(errno ? errno : EIO));
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	copy = malloc(len ? len : 1);
	if (!copy) {
		free(buf);
		return -1;
	}
	for (r = 0; r < rounds; r++) {
		memcpy(copy, buf, len);
		mutate(copy, len, &seed);
		LLVMFuzzerTestOneInput(copy, len);
		/* Every prefix too: cut lines, quotes, continuations. */
		LLVMFuzzerTestOneInput(buf, (len * r) / rounds);
	}
	free(copy);
	free(buf);
	return 0;
}

/*
 * Replay each file of the corpus directories (default: the committed
 * corpus), each followed by 2000 deterministic mutations.
 */
int main(int argc, char **argv)
{
	static const char *dflt[] = {
		TOP_SRCDIR "/tests/fuzz/corpus/carbon_conf"};
	const char **dirs = argc > 1 ? (const char **)argv + 1 : dflt;
	int ndirs = argc > 1 ? argc - 1 : 1, i, files = 0;

	for (i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		char path[4096];

		if (!d) {
			fprintf(stderr, "fuzz_carbon_conf: %s: %s\n", dirs[i],
				strerror(errno));
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				e->d_name);
			if (replay(path, 2000)) {
				closedir(d);
				return 1;
			}
			files++;
		}
		closedir(d);
	}
	if (files == 0) {
		fprintf(stderr, "fuzz_carbon_conf: empty corpus\n");
		return 1;
	}
	printf("fuzz_carbon_conf: %d inputs replayed, with mutations\n", files);
	return 0;
}

#endif
