/*
 * powercap_zones.c: RAPL zone discovery and selection through libpowercap,
 * and polling of the selected zones' energy_uj files kept open.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <powercap/powercap.h>
#include <powercap/powercap-sysfs.h>

#include "powercap_zones.h"
#include "rapl.h"

#define CT POWERCAP_ZONES_CONTROL_TYPE

/* Top-level zones and subzones scanned; the kernel numbers them densely. */
#define MAX_TOP 64
#define MAX_SUB 16
#define MAX_CONSTRAINTS 4

struct zone {
	char name[64];
	char path[160];
	uint32_t index[2];
	uint32_t depth;
	int package; /* N of package-N[-die-M], or -1 */
	bool is_die;
	uint64_t range_uj;
	uint64_t max_uw;
	powercap_zone fds; /* only energy_uj is opened */
	struct rapl_counter counter;
};

struct powercap_zones {
	size_t n;
	struct zone zone[POWERCAP_ZONES_MAX];
};

/* libpowercap returns negative error codes; some paths leave errno only. */
static int cause(long rc)
{
	if (rc < -1)
		return (int)-rc;
	return errno ? errno : EIO;
}

static void zone_path(struct zone *zn)
{
	if (zn->depth == 1)
		snprintf(zn->path, sizeof(zn->path), "%s/%s/%s:%x",
			POWERCAP_ZONES_SYSFS, CT, CT, zn->index[0]);
	else
		snprintf(zn->path, sizeof(zn->path), "%s/%s/%s:%x/%s:%x:%x",
			POWERCAP_ZONES_SYSFS, CT, CT, zn->index[0], CT,
			zn->index[0], zn->index[1]);
}

/* Read a zone's name; -1 with err set on failure. */
static int read_name(struct zone *zn, struct sc_error *err)
{
	ssize_t rc;

	errno = 0;
	rc = powercap_sysfs_zone_get_name(
		CT, zn->index, zn->depth, zn->name, sizeof(zn->name));
	if (rc <= 0)
		return sc_errprintf(
			err, "%s/name: %s", zn->path, strerror(cause(rc)));
	zn->name[strcspn(zn->name, "\n")] = '\0';
	return 0;
}

/* "package-N" or "package-N-die-M": sets package and is_die. */
static void parse_package(struct zone *zn)
{
	unsigned pkg, die;
	int end = 0;

	zn->package = -1;
	zn->is_die = false;
	if (sscanf(zn->name, "package-%u%n", &pkg, &end) == 1 &&
		zn->name[end] == '\0') {
		zn->package = (int)pkg;
		return;
	}
	end = 0;
	if (sscanf(zn->name, "package-%u-die-%u%n", &pkg, &die, &end) == 2 &&
		zn->name[end] == '\0') {
		zn->package = (int)pkg;
		zn->is_die = true;
	}
}

/* The largest power figure sysfs gives for the zone, or 0. */
static uint64_t sysfs_max_uw(const struct zone *zn)
{
	uint64_t best = 0, v;
	uint32_t c;

	if (!powercap_sysfs_zone_get_max_power_range_uw(
		    CT, zn->index, zn->depth, &v) &&
		v > best)
		best = v;
	for (c = 0; c < MAX_CONSTRAINTS; c++) {
		if (powercap_sysfs_constraint_exists(
			    CT, zn->index, zn->depth, c))
			break;
		if (!powercap_sysfs_constraint_get_max_power_uw(
			    CT, zn->index, zn->depth, c, &v) &&
			v > best)
			best = v;
		if (!powercap_sysfs_constraint_get_power_limit_uw(
			    CT, zn->index, zn->depth, c, &v) &&
			v > best)
			best = v;
	}
	return best;
}

/*
 * Read a zone's energy_uj through libpowercap. libpowercap 0.6 reports a
 * value that is not a number as 0 and success, so a 0 is checked against
 * the file's text. Returns 0, or -1 with err naming the file and cause.
 */
static int read_energy(
	const struct zone *zn, uint64_t *val, struct sc_error *err)
{
	char text[32];
	ssize_t n;
	int rc;

	errno = 0;
	rc = powercap_zone_get_energy_uj(&zn->fds, val);
	if (rc)
		return sc_errprintf(
			err, "%s/energy_uj: %s", zn->path, strerror(cause(rc)));
	if (*val)
		return 0;
	n = pread(zn->fds.energy_uj, text, sizeof(text) - 1, 0);
	if (n < 0)
		return sc_errprintf(
			err, "%s/energy_uj: %s", zn->path, strerror(errno));
	/* The value ends at a newline; a writer may pad it with spaces. */
	text[n] = '\0';
	n = (ssize_t)strcspn(text, "\n");
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	text[n] = '\0';
	if (text[strspn(text, " \t")] != '0')
		return sc_errprintf(err, "%s/energy_uj: not a number: \"%s\"",
			zn->path, text);
	return 0;
}

/* Open energy_uj, read the range and the first value, start the counter. */
static int zone_start(struct zone *zn, const struct powercap_zones_options *o,
	int64_t now_ns, struct sc_error *err)
{
	struct sc_error rerr = {{0}};
	uint64_t first, found;
	int rc;

	errno = 0;
	rc = powercap_sysfs_zone_get_max_energy_range_uj(
		CT, zn->index, zn->depth, &zn->range_uj);
	if (rc)
		return sc_errprintf(err, "%s/max_energy_range_uj: %s", zn->path,
			strerror(cause(rc)));
	found = sysfs_max_uw(zn);
	if (o->max_uw)
		zn->max_uw = o->max_uw;
	else if (found)
		zn->max_uw = found * POWERCAP_ZONES_MARGIN;
	else
		zn->max_uw = POWERCAP_ZONES_DEFAULT_MAX_UW;

	errno = 0;
	rc = powercap_zone_file_open(&zn->fds, POWERCAP_ZONE_FILE_ENERGY_UJ, CT,
		zn->index, zn->depth, O_RDONLY | O_CLOEXEC);
	if (rc < 0) {
		zn->fds.energy_uj = -1;
		return sc_errprintf(
			err, "%s/energy_uj: %s", zn->path, strerror(cause(rc)));
	}
	if (read_energy(zn, &first, err))
		return -1;
	if (rapl_counter_init(&zn->counter, zn->path, zn->range_uj, zn->max_uw,
		    first, now_ns, &rerr))
		return sc_errprintf(err, "%s", rerr.text);
	return 0;
}

static struct zone *add_zone(struct powercap_zones *z, const struct zone *zn,
	struct sc_error *err)
{
	if (z->n >= POWERCAP_ZONES_MAX) {
		sc_errprintf(err, "%s/%s: more than %d zones",
			POWERCAP_ZONES_SYSFS, CT, POWERCAP_ZONES_MAX);
		return NULL;
	}
	z->zone[z->n] = *zn;
	z->zone[z->n].fds.energy_uj = -1;
	return &z->zone[z->n++];
}

static bool name_taken(const struct powercap_zones *z, const char *name,
	uint32_t parent, uint32_t depth)
{
	size_t i;

	for (i = 0; i < z->n; i++) {
		const struct zone *o = &z->zone[i];

		if (o->depth != depth || strcmp(o->name, name))
			continue;
		/* dram is unique per package, top-level names per node. */
		if (depth == 1 || o->index[0] == parent)
			return true;
	}
	return false;
}

/* All top-level zones, in index order, into tops[]; returns the count. */
static int list_tops(struct zone *tops, struct sc_error *err)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < MAX_TOP; i++) {
		struct zone *zn = &tops[n];

		memset(zn, 0, sizeof(*zn));
		zn->index[0] = i;
		zn->depth = 1;
		if (powercap_sysfs_zone_exists(CT, zn->index, 1))
			continue;
		zone_path(zn);
		if (read_name(zn, err))
			return -1;
		parse_package(zn);
		n++;
	}
	return n;
}

static bool has_package(const struct zone *tops, int n, int package)
{
	int i;

	for (i = 0; i < n; i++)
		if (tops[i].package == package && !tops[i].is_die)
			return true;
	return false;
}

/* Add a package zone's dram subzone, if any. */
static int add_dram(struct powercap_zones *z, const struct zone *pkg,
	const struct powercap_zones_options *o, int64_t now_ns,
	struct sc_error *err)
{
	struct zone sub, *zn;
	uint32_t j;

	for (j = 0; j < MAX_SUB; j++) {
		memset(&sub, 0, sizeof(sub));
		sub.index[0] = pkg->index[0];
		sub.index[1] = j;
		sub.depth = 2;
		sub.package = pkg->package;
		if (powercap_sysfs_zone_exists(CT, sub.index, 2))
			continue;
		zone_path(&sub);
		if (read_name(&sub, err))
			return -1;
		if (strcmp(sub.name, "dram") ||
			name_taken(z, "dram", pkg->index[0], 2))
			continue;
		if (!(zn = add_zone(z, &sub, err)) ||
			zone_start(zn, o, now_ns, err))
			return -1;
	}
	return 0;
}

/*
 * Do two zones show the same counter? Reads of one register microseconds
 * apart agree unless it ticked in between (about once a millisecond), so
 * agreement in any of a few read pairs means one counter; two distinct
 * counters agreeing at the same instant is too unlikely to matter.
 */
#define MIRROR_TRIES 5

static bool same_counter(const struct zone *a, const struct zone *b)
{
	uint64_t va, vb;
	int k;

	if (a->range_uj != b->range_uj)
		return false;
	if (a->counter.last_uj == b->counter.last_uj)
		return true;
	for (k = 0; k < MIRROR_TRIES; k++) {
		if (powercap_zone_get_energy_uj(&a->fds, &va) ||
			powercap_zone_get_energy_uj(&b->fds, &vb))
			return false;
		if (va == vb)
			return true;
	}
	return false;
}

/* Is zn a die zone reading the same counter as a selected die zone? */
static bool mirrors(const struct powercap_zones *z, const struct zone *zn)
{
	size_t i;

	for (i = 0; i + 1 < z->n; i++) {
		const struct zone *o = &z->zone[i];

		if (o->is_die && o->package == zn->package &&
			same_counter(o, zn))
			return true;
	}
	return false;
}

static int select_packages(struct powercap_zones *z, const struct zone *tops,
	int n, const struct powercap_zones_options *o, int64_t now_ns,
	struct sc_error *err)
{
	struct zone *zn;
	int i;

	for (i = 0; i < n; i++) {
		const struct zone *t = &tops[i];

		if (t->package < 0 || name_taken(z, t->name, 0, 1))
			continue;
		if (t->is_die && has_package(tops, n, t->package))
			continue;
		if (!(zn = add_zone(z, t, err)) ||
			zone_start(zn, o, now_ns, err))
			return -1;
		if (zn->is_die && mirrors(z, zn)) {
			close(zn->fds.energy_uj);
			z->n--;
			continue;
		}
		if (add_dram(z, t, o, now_ns, err))
			return -1;
	}
	return 0;
}

static int select_psys(struct powercap_zones *z, const struct zone *tops, int n,
	const struct powercap_zones_options *o, int64_t now_ns,
	struct sc_error *err)
{
	struct zone *zn;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(tops[i].name, "psys"))
			continue;
		if (!(zn = add_zone(z, &tops[i], err)))
			return -1;
		return zone_start(zn, o, now_ns, err);
	}
	return 0;
}

struct powercap_zones *powercap_zones_open(
	const struct powercap_zones_options *opts, int64_t now_ns,
	struct sc_error *err)
{
	static const struct powercap_zones_options defaults = {
		.mode = POWERCAP_ZONES_PACKAGE,
	};
	const struct powercap_zones_options *o = opts ? opts : &defaults;
	struct powercap_zones *z = NULL;
	struct zone *tops = NULL;
	int n, rc, saved;

	errno = 0;
	rc = powercap_sysfs_control_type_exists(CT);
	if (rc) {
		/* libpowercap says ENOSYS for a missing tree: find why. */
		int e = cause(rc);
		struct stat st;

		if (stat(POWERCAP_ZONES_SYSFS "/" CT, &st) < 0)
			e = errno;
		sc_errprintf(err, "%s/%s: no RAPL powercap tree: %s",
			POWERCAP_ZONES_SYSFS, CT, strerror(e));
		errno = e;
		return NULL;
	}
	if (!(z = calloc(1, sizeof(*z))) ||
		!(tops = calloc(MAX_TOP, sizeof(*tops)))) {
		sc_errprintf(
			err, "%s/%s: out of memory", POWERCAP_ZONES_SYSFS, CT);
		errno = ENOMEM;
		goto error;
	}
	if ((n = list_tops(tops, err)) < 0)
		goto error;
	if (o->mode == POWERCAP_ZONES_PSYS)
		rc = select_psys(z, tops, n, o, now_ns, err);
	else
		rc = select_packages(z, tops, n, o, now_ns, err);
	if (rc)
		goto error;
	if (z->n == 0) {
		sc_errprintf(err, "%s/%s: no %s zone", POWERCAP_ZONES_SYSFS, CT,
			o->mode == POWERCAP_ZONES_PSYS ? "psys" : "package-N");
		errno = ENOENT;
		goto error;
	}
	free(tops);
	return z;
error:
	saved = errno ? errno : EIO;
	free(tops);
	powercap_zones_close(z);
	errno = saved;
	return NULL;
}

/* The zone's energy_uj file was removed (tmpfs keeps it readable). */
static bool vanished(const struct zone *zn)
{
	struct stat st;

	return fstat(zn->fds.energy_uj, &st) || st.st_nlink == 0;
}

int powercap_zones_poll(struct powercap_zones *z, int64_t now_ns,
	uint64_t *total_uj, struct sc_error *err)
{
	uint64_t raw[POWERCAP_ZONES_MAX], sum = 0;
	int result = 0;
	size_t i;

	/* Read everything first: a failure leaves every counter alone. */
	for (i = 0; i < z->n; i++) {
		struct zone *zn = &z->zone[i];
		if (read_energy(zn, &raw[i], err))
			return -1;
		if (vanished(zn))
			return sc_errprintf(err,
				"%s/energy_uj: zone vanished (file removed)",
				zn->path);
	}
	for (i = 0; i < z->n; i++) {
		struct zone *zn = &z->zone[i];
		struct sc_error rerr = {{0}};
		int rc;

		rc = rapl_counter_advance(
			&zn->counter, raw[i], now_ns, NULL, &rerr);
		if (rc < 0)
			return sc_errprintf(err, "%s", rerr.text);
		if (rc > 0) {
			sc_errprintf(err, "%s", rerr.text);
			result = 1;
		}
		sum += zn->counter.total_uj;
	}
	*total_uj = sum;
	return result;
}

void powercap_zones_split(
	const struct powercap_zones *z, uint64_t *package_uj, uint64_t *dram_uj)
{
	size_t i;

	*package_uj = *dram_uj = 0;
	for (i = 0; i < z->n; i++) {
		if (!strcmp(z->zone[i].name, "dram"))
			*dram_uj += z->zone[i].counter.total_uj;
		else
			*package_uj += z->zone[i].counter.total_uj;
	}
}

size_t powercap_zones_count(const struct powercap_zones *z)
{
	return z->n;
}

int powercap_zones_get(const struct powercap_zones *z, size_t i,
	struct powercap_zones_info *info)
{
	const struct zone *zn;

	if (i >= z->n) {
		errno = EINVAL;
		return -1;
	}
	zn = &z->zone[i];
	info->name = zn->name;
	info->path = zn->path;
	info->range_uj = zn->range_uj;
	info->max_uw = zn->max_uw;
	info->total_uj = zn->counter.total_uj;
	info->rejected = zn->counter.rejected;
	info->uncertain = zn->counter.uncertain;
	return 0;
}

double powercap_zones_min_wrap_s(const struct powercap_zones *z)
{
	double best = 0;
	size_t i;

	for (i = 0; i < z->n; i++) {
		double w = rapl_wrap_period_s(
			z->zone[i].range_uj, z->zone[i].max_uw);

		if (w > 0 && (best == 0 || w < best))
			best = w;
	}
	return best;
}

void powercap_zones_close(struct powercap_zones *z)
{
	int saved = errno;
	size_t i;

	if (!z)
		return;
	for (i = 0; i < z->n; i++)
		if (z->zone[i].fds.energy_uj >= 0)
			close(z->zone[i].fds.energy_uj);
	free(z);
	errno = saved;
}
