/*
 * powercap_zones.h: find, select and poll a node's RAPL energy zones under
 * /sys/class/powercap through libpowercap (control type "intel-rapl").
 */
#ifndef ACCOUNTING_POWERCAP_ZONES_H
#define ACCOUNTING_POWERCAP_ZONES_H

#include <stddef.h>
#include <stdint.h>

#include "sc_error.h"

/* The control type read; AMD's RAPL driver registers under the same name. */
#define POWERCAP_ZONES_CONTROL_TYPE "intel-rapl"
#define POWERCAP_ZONES_SYSFS "/sys/class/powercap"

/*
 * Ceiling used for a zone whose sysfs gives no power figure at all, and
 * the margin applied to the largest power figure sysfs does give
 * (constraint_N_max_power_uw is near TDP; short bursts go above it).
 */
#define POWERCAP_ZONES_DEFAULT_MAX_UW UINT64_C(1000000000) /* 1000 W */
#define POWERCAP_ZONES_MARGIN 2

/* Most zones a node may select (packages and their dram subzones). */
#define POWERCAP_ZONES_MAX 128

/*
 * Which zones make up the node's energy.
 * PACKAGE: every package-N zone plus its dram subzone, never core or
 * uncore (they are inside the package), each domain once: a second zone of
 * the same name is skipped, package-N-die-M zones are skipped when
 * package-N exists, and die zones of one package that read the same
 * counter at discovery are mirrors, counted once.
 * PSYS: the psys (platform) zone alone, which already covers the packages.
 */
enum powercap_zones_mode {
	POWERCAP_ZONES_PACKAGE,
	POWERCAP_ZONES_PSYS,
};

struct powercap_zones_options {
	enum powercap_zones_mode mode;
	uint64_t max_uw; /* per-zone power ceiling; 0: from sysfs */
};

/* A selected zone, as reported by powercap_zones_get. */
struct powercap_zones_info {
	const char *name;   /* "package-0", "dram", "psys" */
	const char *path;   /* its sysfs directory */
	uint64_t range_uj;  /* max_energy_range_uj */
	uint64_t max_uw;    /* power ceiling used for checks */
	uint64_t total_uj;  /* accepted energy since open */
	uint64_t rejected;  /* impossible deltas rejected */
	uint64_t uncertain; /* deltas over intervals that could hide wraps */
};

struct powercap_zones;

/*
 * Discover the zones under /sys/class/powercap/intel-rapl, select them by
 * opts (NULL: package mode, ceilings from sysfs), open their energy_uj
 * files (kept open, close-on-exec) and take a first reading at now_ns (a
 * monotonic clock in ns). Returns a handle the caller frees with
 * powercap_zones_close, or NULL with err naming the path and the cause:
 * no tree, no zone of the mode, an unreadable name, max_energy_range_uj or
 * energy_uj. errno is set (ENOENT when nothing matched).
 */
struct powercap_zones *powercap_zones_open(
	const struct powercap_zones_options *opts, int64_t now_ns,
	struct sc_error *err);

/*
 * Read every selected zone at now_ns and advance its counter (see
 * rapl_counter_advance). *total_uj receives the node's energy since open:
 * the sum of the zones' totals.
 * Returns 0 when every delta was counted; 1 when continuity was lost: a
 * zone's delta was impossible, or its interval could hide wraps, and was
 * not counted (err says which and why; *total_uj is still set, and the
 * energy between the previous reading and this one is unknown); -1 when a
 * zone could not be read or has vanished (err names its energy_uj path
 * and the cause; *total_uj is left alone and the handle should be closed).
 */
int powercap_zones_poll(struct powercap_zones *z, int64_t now_ns,
	uint64_t *total_uj, struct sc_error *err);

/*
 * The zones' accepted energy since open, by kind: *dram_uj the dram
 * subzones', *package_uj every other selected zone's (package-N, or psys).
 * Their sum is the total powercap_zones_poll last gave.
 */
void powercap_zones_split(const struct powercap_zones *z, uint64_t *package_uj,
	uint64_t *dram_uj);

/* Number of selected zones (at least 1). */
size_t powercap_zones_count(const struct powercap_zones *z);

/*
 * Fill *info for selected zone i (in discovery order). Strings stay valid
 * until powercap_zones_close. Returns 0, or -1 (errno EINVAL) when i is
 * out of range.
 */
int powercap_zones_get(const struct powercap_zones *z, size_t i,
	struct powercap_zones_info *info);

/*
 * Shortest time, in seconds, for any selected zone's counter to wrap at
 * its power ceiling; a poll interval at or above it can miss wraps.
 */
double powercap_zones_min_wrap_s(const struct powercap_zones *z);

/* Close the zones' files and free the handle. Accepts NULL; keeps errno. */
void powercap_zones_close(struct powercap_zones *z);

#endif
