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

/* The longest PowercapNVMLLibrary accepted. */
#define POWERCAP_OPTIONS_PATH_MAX 255

/*
 * PowercapGPU: whether NVIDIA GPUs (NVML) are part of the node's energy.
 * AUTO: when NVML finds GPUs; a node without the library, the driver or
 * GPUs is counted as before. YES: required: their absence leaves energy
 * unknown. NO: NVML is never loaded.
 */
enum powercap_gpu_mode {
	POWERCAP_GPU_AUTO,
	POWERCAP_GPU_YES,
	POWERCAP_GPU_NO,
};

/*
 * PowercapShare: what a step's energy is. NONE: the node's energy over the
 * step's lifetime (Slurm's model). CPU: interval by interval, the node's
 * energy above PowercapIdleWatts times the step's share of the node's busy
 * CPU time, plus (for the step holding the allocation) the idle energy of
 * its CPUs.
 */
enum powercap_share_mode {
	POWERCAP_SHARE_NONE,
	POWERCAP_SHARE_CPU,
};

struct powercap_options {
	enum powercap_zones_mode mode; /* PowercapZones */
	uint64_t max_uw;	       /* PowercapMaxWatts, 0: from sysfs */
	bool drain_on_error;	       /* PowercapDrainOnError */
	enum powercap_gpu_mode gpu;    /* PowercapGPU */
	char nvml_library[POWERCAP_OPTIONS_PATH_MAX + 1]; /* "": default */
	enum powercap_share_mode share;			  /* PowercapShare */
	uint64_t idle_uw; /* PowercapIdleWatts */
};

/* The names in acct_gather.conf, each followed by its default. */
#define POWERCAP_OPTION_ZONES "PowercapZones"
#define POWERCAP_OPTION_MAX_WATTS "PowercapMaxWatts"
#define POWERCAP_OPTION_DRAIN "PowercapDrainOnError"
#define POWERCAP_OPTION_GPU "PowercapGPU"
#define POWERCAP_OPTION_NVML "PowercapNVMLLibrary"
#define POWERCAP_OPTION_SHARE "PowercapShare"
#define POWERCAP_OPTION_IDLE_WATTS "PowercapIdleWatts"

/*
 * The defaults: package mode, ceilings from sysfs, no drain, GPUs when
 * found (libnvidia-ml.so.1), whole-node steps, no idle power.
 */
void powercap_options_init(struct powercap_options *o);

/*
 * Set option key (one of the names above, any case) from its text value:
 *   PowercapZones         package or psys (any case)
 *   PowercapMaxWatts      a whole number of watts, 0 to
 *                         POWERCAP_OPTIONS_MAX_WATTS, digits only
 *   PowercapDrainOnError  yes, true, up, 1, no, false, down, 0 (any
 *                         case; the words Slurm's own booleans take)
 *   PowercapGPU           auto, yes or no (any case; yes and no also as
 *                         the words above)
 *   PowercapNVMLLibrary   a library name without '/' (found by the
 *                         dynamic loader) or an absolute path, at most
 *                         POWERCAP_OPTIONS_PATH_MAX bytes, no space
 *   PowercapShare         none or cpu (any case)
 *   PowercapIdleWatts     as PowercapMaxWatts
 * Returns 0, or -1 with *o unchanged, errno EINVAL and err (unless it
 * already holds a message) reading "KEY=VALUE: what is expected".
 */
int powercap_options_set(struct powercap_options *o, const char *key,
	const char *value, struct sc_error *err);

/* The canonical text of mode ("package", "psys"). */
const char *powercap_options_mode_name(enum powercap_zones_mode mode);

/* The canonical texts of the GPU and share modes. */
const char *powercap_options_gpu_name(enum powercap_gpu_mode gpu);
const char *powercap_options_share_name(enum powercap_share_mode share);

#endif
