/*
 * gpu_nvml.h: NVIDIA GPUs' energy through NVML, loaded at run time with
 * dlopen() (no build-time dependency on CUDA or the driver): each device's
 * total-energy counter where it has one, otherwise its power readings
 * integrated over time. Slurm-free.
 */
#ifndef ACCOUNTING_GPU_NVML_H
#define ACCOUNTING_GPU_NVML_H

#include <stddef.h>
#include <stdint.h>

#include "powercap_zones.h"

/* The driver's NVML library, by its soname (found by the dynamic loader). */
#define GPU_NVML_LIBRARY "libnvidia-ml.so.1"

/* Most devices a node may have. */
#define GPU_NVML_MAX_DEVICES 64

/*
 * Power ceiling of one device for the plausibility check of its counter:
 * 5 kW, well above any board's limit (the largest draw about 1.2 kW). A
 * delta above it over the interval (plus GPU_NVML_SLACK_NS) is impossible.
 */
#define GPU_NVML_MAX_UW UINT64_C(5000000000)
#define GPU_NVML_SLACK_NS INT64_C(1000000000)

/*
 * Power readings further apart than this are not integrated: the interval's
 * energy is unknown (a break in continuity), as for a RAPL interval that
 * could hide wraps.
 */
#define GPU_NVML_MAX_GAP_NS (INT64_C(60) * INT64_C(1000000000))

enum gpu_nvml_method {
	GPU_NVML_COUNTER, /* nvmlDeviceGetTotalEnergyConsumption, mJ */
	GPU_NVML_POWER,	  /* nvmlDeviceGetPowerUsage, mW, integrated */
};

/* A device, as reported by gpu_nvml_get. */
struct gpu_nvml_info {
	unsigned index;	  /* NVML index at discovery */
	const char *uuid; /* "GPU-..." */
	enum gpu_nvml_method method;
	uint64_t total_uj; /* energy counted since open */
	uint64_t breaks;   /* intervals not counted */
};

struct gpu_nvml_options {
	/* dlopen() name or absolute path; NULL: GPU_NVML_LIBRARY */
	const char *library;
	/*
	 * UUIDs every open must find (the devices of an earlier open in this
	 * process), so that a device lost for good keeps energy unknown
	 * instead of leaving a node total without it. May be NULL.
	 */
	const char *const *expect;
	size_t nexpect;
};

struct gpu_nvml;

/*
 * Load NVML (opts->library), initialise it, find every device, decide per
 * device between its energy counter and its power readings, and take a
 * first reading at now_ns (a monotonic clock in ns).
 *
 * Returns a handle the caller frees with gpu_nvml_close, or NULL with err
 * set (naming the library or the device and NVML's own message) and
 * errno:
 *   ENOENT  no GPUs here: the library cannot be loaded, nvmlInit_v2 says
 *           NVML_ERROR_DRIVER_NOT_LOADED, or there are no devices; and
 *           no device is expected (opts->nexpect == 0);
 *   EIO     anything else: a missing NVML function, another init error, a
 *           device that cannot be opened or read (including one that gives
 *           neither energy nor power), an expected device missing.
 */
struct gpu_nvml *gpu_nvml_open(const struct gpu_nvml_options *opts,
	int64_t now_ns, struct sc_error *err);

/*
 * Read every device at now_ns. *total_uj receives the GPUs' energy since
 * open (the devices' counted energy).
 * Returns 0 when every interval was counted; 1 when continuity was lost:
 * a counter went backwards (the driver was reloaded, the GPU reset),
 * jumped by more than GPU_NVML_MAX_UW allows, or power readings were more
 * than GPU_NVML_MAX_GAP_NS apart (err says which; *total_uj is set, the
 * interval's energy is not in it); -1 when a device could not be read (a
 * device lost, an NVML error, a power reading above GPU_NVML_MAX_UW: err
 * names it; *total_uj is left alone and the handle should be closed).
 */
int gpu_nvml_poll(struct gpu_nvml *g, int64_t now_ns, uint64_t *total_uj,
	struct sc_error *err);

/* Number of devices (at least 1). */
size_t gpu_nvml_count(const struct gpu_nvml *g);

/*
 * Fill *info for device i (in NVML index order). Strings stay valid until
 * gpu_nvml_close. Returns 0, or -1 (errno EINVAL) when i is out of range.
 */
int gpu_nvml_get(
	const struct gpu_nvml *g, size_t i, struct gpu_nvml_info *info);

/* Shut NVML down, unload it and free the handle. Accepts NULL; keeps errno. */
void gpu_nvml_close(struct gpu_nvml *g);

/* "counter" or "power". */
const char *gpu_nvml_method_name(enum gpu_nvml_method method);

#endif
