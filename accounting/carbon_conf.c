/*
 * carbon_conf.c: the carbon.conf(5) parser: Slurm-style "Key=Value" lines
 * (carbon_conf_lex.c), records for regions, partitions and node groups
 * (carbon_conf_records.c), every problem reported as "FILE:LINE: problem";
 * the file read whole, its series loaded, and the lookups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbon_conf.h"
#include "carbon_conf_parser.h"

/* carbon.conf is small; a bigger file is a mistake (a series given here). */
#define CONF_MAX_BYTES (1 << 20)

static int parse_lines(struct conf_parser *p, const char *buf, size_t len)
{
	size_t pos = 0;
	int lineno = 0, first, oom;
	char *text;
	const char *nul;
	struct conf_line ln;

	if ((nul = memchr(buf, '\0', len))) {
		const char *s;

		p->line = 1;
		for (s = buf; s < nul; s++)
			p->line += *s == '\n';
		return conf_error(p, "not a text file (NUL byte)");
	}
	while ((text = conf_next_line(buf, len, &pos, &lineno, &first, &oom))) {
		int rc;

		p->line = first;
		rc = conf_check_text(p, text);
		if (!rc)
			rc = conf_tokenize(p, text, &ln);
		if (!rc && ln.ntok)
			rc = conf_record(p, &ln);
		free(text);
		if (rc < 0)
			return -1;
	}
	if (oom)
		return conf_error(p, "out of memory");
	return 0;
}

static int load_series(struct conf_parser *p)
{
	struct carbon_conf *c = p->conf;
	size_t i;

	for (i = 0; i < c->nregions; i++) {
		struct carbon_region *r = &c->regions[i];
		struct intensity_options o = {.column = r->column};
		struct sc_error ierr = {{0}};

		if (!r->path)
			continue;
		r->series = intensity_series_load_opts(r->path, &o, &ierr);
		if (!r->series) {
			int saved = errno;

			p->line = r->line;
			conf_error(p, "RegionName=%s: %s", r->name, ierr.text);
			errno = saved;
			return -1;
		}
	}
	return 0;
}

/*
 * One list of every node the groups name, with each one's group, so that
 * finding a node's group is one hash lookup however many groups there are.
 */
static int index_nodes(struct conf_parser *p)
{
	struct carbon_conf *c = p->conf;
	size_t g, i, len = 0;
	char *all;

	if (c->ngroups < 2)
		return 0;
	for (g = 1; g < c->ngroups; g++)
		len += strlen(c->groups[g].expr) + 1;
	if (!(all = malloc(len)))
		return conf_error(p, "out of memory");
	all[0] = '\0';
	for (g = 1; g < c->ngroups; g++) {
		if (g > 1)
			strcat(all, ",");
		strcat(all, c->groups[g].expr);
	}
	c->listed = nodelist_parse(all, NULL);
	free(all);
	if (!c->listed || !(c->group_of = calloc(nodelist_count(c->listed),
				    sizeof(*c->group_of))))
		return conf_error(p, "out of memory indexing the node groups");
	for (g = 1; g < c->ngroups; g++)
		for (i = 0; i < nodelist_count(c->groups[g].nodes); i++)
			c->group_of[nodelist_index(c->listed,
				nodelist_name(c->groups[g].nodes, i))] = g;
	return 0;
}

static int finish(struct conf_parser *p)
{
	if (conf_records_finish(p) < 0 || index_nodes(p) < 0)
		return -1;
	if (p->opts && (p->opts->flags & CARBON_CONF_LOAD_SERIES))
		return load_series(p);
	return 0;
}

static struct carbon_conf *conf_new(const char *name)
{
	struct carbon_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->groups = calloc(1, sizeof(*c->groups));
	c->path = strdup(name);
	if (c->groups)
		c->groups[0].expr = strdup("DEFAULT");
	if (!c->groups || !c->path || !c->groups[0].expr) {
		carbon_conf_destroy(c);
		return NULL;
	}
	c->ngroups = 1;
	c->default_region = -1;
	c->share = CARBON_SHARE_CPU;
	c->site_factor_max = CARBON_DEFAULT_SITE_FACTOR_MAX;
	c->forecast_max_age = CARBON_DEFAULT_FORECAST_MAX_AGE;
	c->defer_min_saving = CARBON_DEFAULT_DEFER_MIN_SAVING;
	c->space_shift = true;
	c->space_max_wait = CARBON_DEFAULT_SPACE_MAX_WAIT;
	return c;
}

struct carbon_conf *carbon_conf_parse(const char *name, const char *buf,
	size_t len, const struct carbon_conf_options *opts,
	struct sc_error *err)
{
	struct conf_parser p = {
		.name = name ? name : "carbon.conf", .opts = opts, .err = err};

	if (!(p.conf = conf_new(p.name))) {
		sc_errprintf(err, "%s: out of memory", p.name);
		errno = ENOMEM;
		return NULL;
	}
	if (parse_lines(&p, buf, len) < 0 || finish(&p) < 0)
		goto error;
	/* site_factor/carbon's default policy */
	if (!p.conf->priority_policy &&
		!(p.conf->priority_policy = strdup("f1"))) {
		conf_error(&p, "out of memory");
		goto error;
	}
	free(p.default_region_name);
	return p.conf;
error:
	free(p.default_region_name);
	carbon_conf_destroy(p.conf);
	return NULL;
}

/* Read a whole regular file of at most CONF_MAX_BYTES. */
static char *read_file(const char *path, size_t *len, struct sc_error *err)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_BYTES) {
		sc_errprintf(err, "%s: not a regular file of at most %d bytes",
			path, CONF_MAX_BYTES);
		errno = EINVAL;
		goto error;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		sc_errprintf(err, "%s: out of memory", path);
		goto error;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, (size_t)st.st_size + 1 - *len)) > 0)
		*len += (size_t)n;
	if (n < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto error;
	}
	close(fd);
	return buf;
error:
	free(buf);
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return NULL;
}

struct carbon_conf *carbon_conf_load(const char *path,
	const struct carbon_conf_options *opts, struct sc_error *err)
{
	struct carbon_conf *c;
	size_t len = 0;
	char *buf = read_file(path, &len, err);

	if (!buf)
		return NULL;
	c = carbon_conf_parse(path, buf, len, opts, err);
	free(buf);
	return c;
}

static void free_list(char **list)
{
	char **s;

	for (s = list; s && *s; s++)
		free(*s);
	free(list);
}

void carbon_conf_destroy(struct carbon_conf *c)
{
	size_t i;
	int saved = errno;

	if (!c)
		return;
	for (i = 0; i < c->nregions; i++) {
		free(c->regions[i].name);
		free(c->regions[i].path);
		intensity_series_destroy(c->regions[i].series);
	}
	free(c->regions);
	for (i = 0; i < c->npartitions; i++)
		free(c->partitions[i].name);
	free(c->partitions);
	for (i = 0; c->groups && i < c->ngroups; i++) {
		free(c->groups[i].expr);
		nodelist_destroy(c->groups[i].nodes);
	}
	free(c->groups);
	nodelist_destroy(c->listed);
	free(c->group_of);
	free_list(c->exempt_accounts);
	free_list(c->exempt_qos);
	free(c->priority_policy);
	free(c->path);
	free(c);
	errno = saved;
}

const struct carbon_partition *carbon_conf_partition(
	const struct carbon_conf *c, const char *name)
{
	size_t i;

	/* the first letter first: a job's partition is looked up twice */
	for (i = 0; name && i < c->npartitions; i++)
		if (c->partitions[i].name[0] == name[0] &&
			!strcmp(c->partitions[i].name, name))
			return &c->partitions[i];
	return NULL;
}

const struct carbon_region *carbon_conf_region(
	const struct carbon_conf *c, const char *name)
{
	size_t i;

	for (i = 0; name && i < c->nregions; i++)
		if (!strcmp(c->regions[i].name, name))
			return &c->regions[i];
	return NULL;
}

const struct carbon_region *carbon_conf_region_of(
	const struct carbon_conf *c, const struct carbon_partition *p)
{
	if (p && p->region != (size_t)-1)
		return &c->regions[p->region];
	if (c->default_region >= 0)
		return &c->regions[c->default_region];
	return NULL;
}

double carbon_conf_pue_of(
	const struct carbon_conf *c, const struct carbon_partition *p)
{
	return p && p->pue > 0 ? p->pue : c->pue;
}

const struct carbon_region *carbon_conf_partition_region(
	const struct carbon_conf *c, const char *partition)
{
	return carbon_conf_region_of(c, carbon_conf_partition(c, partition));
}

double carbon_conf_pue(const struct carbon_conf *c, const char *partition)
{
	return carbon_conf_pue_of(c, carbon_conf_partition(c, partition));
}

const struct carbon_node_group *carbon_conf_node_group(
	const struct carbon_conf *c, const char *node)
{
	long i = c->listed ? nodelist_index(c->listed, node) : -1;

	return &c->groups[i >= 0 ? c->group_of[i] : 0];
}

int carbon_region_intensity(const struct carbon_region *r,
	struct carbon_intensity *ci, struct sc_error *err)
{
	ci->name = r->name;
	ci->series = r->series;
	ci->constant = r->constant;
	if (r->path && !r->series)
		return sc_errprintf(err, "region %s: series %s is not loaded",
			r->name, r->path);
	return 0;
}

bool carbon_conf_listed(char *const *list, const char *name)
{
	for (; list && name && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}
