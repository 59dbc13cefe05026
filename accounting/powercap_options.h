/*
 * powercap_options.h: the acct_gather_energy/powercap options of
 * acct_gather.conf, checked from their text. Slurm's parser is given them
 * as plain strings, so that a malformed value reaches this check (and
 * leaves energy unknown) instead of stopping the daemons.
 */
#ifndef ACCOUNTING_POWERCAP_OPTIONS_H
#define ACCOUNTING_POWERCAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "powercap_zones.h"

/* The largest PowercapMaxWatts accepted: a zone ceiling of 100 kW. */
#define POWERCAP_OPTIONS_MAX_WATTS 100000

struct powercap_options {
	enum powercap_zones_mode mode; /* PowercapZones */
	uint64_t max_uw;	       /* PowercapMaxWatts, 0: from sysfs */
	bool drain_on_error;	       /* PowercapDrainOnError */
};

/* The names in acct_gather.conf, each followed by its default. */
#define POWERCAP_OPTION_ZONES "PowercapZones"
#define POWERCAP_OPTION_MAX_WATTS "PowercapMaxWatts"
#define POWERCAP_OPTION_DRAIN "PowercapDrainOnError"

/* The defaults: package mode, ceilings from sysfs, no drain. */
void powercap_options_init(struct powercap_options *o);

/*
 * Set option key (one of the names above, any case) from its text value:
 *   PowercapZones         package or psys (any case)
 *   PowercapMaxWatts      a whole number of watts, 0 to
 *                         POWERCAP_OPTIONS_MAX_WATTS, digits only
 *   PowercapDrainOnError  yes, true, up, 1, no, false, down, 0 (any
 *                         case; the words Slurm's own booleans take)
 * Returns 0, or -1 with *o unchanged, errno EINVAL and err (unless it
 * already holds a message) reading "KEY=VALUE: what is expected".
 */
int powercap_options_set(struct powercap_options *o, const char *key,
	const char *value, struct powercap_zones_error *err);

/* The canonical text of mode ("package", "psys"). */
const char *powercap_options_mode_name(enum powercap_zones_mode mode);

#endif
