/*
 * gpu_nvml.c: NVIDIA GPU energy through NVML loaded with dlopen(): device
 * discovery, energy counters and integrated power readings.
 *
 * The few NVML declarations used are repeated here from NVIDIA's nvml.h
 * (NVML 12.2, as vendored in github.com/NVIDIA/go-nvml pkg/nvml/nvml.h),
 * so that nothing of CUDA or the driver is needed to build:
 *   nvmlReturn_t nvmlInit_v2(void);
 *   nvmlReturn_t nvmlShutdown(void);
 *   const char *nvmlErrorString(nvmlReturn_t result);
 *   nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
 *   nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index,
 *                                              nvmlDevice_t *device);
 *   nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid,
 *                                  unsigned int length);
 *   nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device,
 *                                  unsigned long long *energy);   mJ
 *   nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device,
 *                                  unsigned int *power);          mW
 * with nvmlDevice_t an opaque pointer (typedef struct nvmlDevice_st *) and
 * nvmlReturn_t an enum. nvmlInit_v2 returns NVML_ERROR_DRIVER_NOT_LOADED
 * "if NVIDIA driver is not running"; the device functions return
 * NVML_ERROR_NOT_SUPPORTED "if the device does not support energy
 * readings" (power readings), and NVML_ERROR_GPU_IS_LOST "if the target
 * GPU has fallen off the bus or is otherwise inaccessible". The energy
 * counter counts "since the driver was last reloaded" (Volta and later);
 * the power reading is "averaged over 1 sec interval" on Ampere (except
 * GA100) and later, instantaneous on GA100 and older.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_nvml.h"

/* nvml.h's values, for the codes this module acts on. */
#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96

typedef int nvml_return;
typedef struct nvmlDevice_st *nvml_device;

struct nvml_api {
	nvml_return (*init)(void);
	nvml_return (*shutdown)(void);
	const char *(*error_string)(nvml_return);
	nvml_return (*count)(unsigned int *);
	nvml_return (*handle)(unsigned int, nvml_device *);
	nvml_return (*uuid)(nvml_device, char *, unsigned int);
	nvml_return (*energy)(nvml_device, unsigned long long *);
	nvml_return (*power)(nvml_device, unsigned int *);
};

struct gpu_dev {
	nvml_device handle;
	unsigned index;
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	enum gpu_nvml_method method;
	uint64_t last_mj;  /* counter: last reading */
	uint32_t last_mw;  /* power: last reading */
	int64_t last_ns;   /* time of the last reading */
	uint64_t total_uj; /* counted since open */
	uint64_t rem_pj;   /* power: integrated picojoules below 1 uJ */
	uint64_t breaks;
};

struct gpu_nvml {
	void *lib;
	bool initialised;
	struct nvml_api api;
	size_t n;
	struct gpu_dev dev[GPU_NVML_MAX_DEVICES];
};

static const char *nvml_text(const struct gpu_nvml *g, nvml_return rc)
{
	const char *s = g->api.error_string ? g->api.error_string(rc) : NULL;

	return s ? s : "unknown NVML error";
}

const char *gpu_nvml_method_name(enum gpu_nvml_method method)
{
	return method == GPU_NVML_POWER ? "power" : "counter";
}

/* Look up every function; -1 with err naming the first one missing. */
static int load_api(struct gpu_nvml *g, const char *library,
	struct sc_error *err)
{
	static const char *const names[] = {"nvmlInit_v2", "nvmlShutdown",
		"nvmlErrorString", "nvmlDeviceGetCount_v2",
		"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetUUID",
		"nvmlDeviceGetTotalEnergyConsumption",
		"nvmlDeviceGetPowerUsage"};
	void **slots[] = {(void **)&g->api.init, (void **)&g->api.shutdown,
		(void **)&g->api.error_string, (void **)&g->api.count,
		(void **)&g->api.handle, (void **)&g->api.uuid,
		(void **)&g->api.energy, (void **)&g->api.power};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		*slots[i] = dlsym(g->lib, names[i]);
		if (!*slots[i])
			return sc_errprintf(err, "%s: no %s in this NVML", library,
				names[i]);
	}
	return 0;
}

/* Open device i: handle, UUID, and which reading it gives. */
static int open_device(struct gpu_nvml *g, unsigned i, int64_t now_ns,
	struct sc_error *err)
{
	struct gpu_dev *d = &g->dev[g->n];
	unsigned long long mj;
	unsigned int mw;
	nvml_return rc;

	memset(d, 0, sizeof(*d));
	d->index = i;
	rc = g->api.handle(i, &d->handle);
	if (rc != NVML_SUCCESS)
		return sc_errprintf(err,
			"GPU %u: nvmlDeviceGetHandleByIndex_v2: %s", i,
			nvml_text(g, rc));
	rc = g->api.uuid(d->handle, d->uuid, sizeof(d->uuid));
	if (rc != NVML_SUCCESS)
		return sc_errprintf(err, "GPU %u: nvmlDeviceGetUUID: %s", i,
			nvml_text(g, rc));
	d->uuid[sizeof(d->uuid) - 1] = '\0';
	d->last_ns = now_ns;
	rc = g->api.energy(d->handle, &mj);
	if (rc == NVML_SUCCESS) {
		d->method = GPU_NVML_COUNTER;
		d->last_mj = mj;
		g->n++;
		return 0;
	}
	if (rc != NVML_ERROR_NOT_SUPPORTED)
		return sc_errprintf(err,
			"GPU %u (%s): nvmlDeviceGetTotalEnergyConsumption: %s",
			i, d->uuid, nvml_text(g, rc));
	rc = g->api.power(d->handle, &mw);
	if (rc != NVML_SUCCESS)
		return sc_errprintf(err,
			"GPU %u (%s): no energy counter, and "
			"nvmlDeviceGetPowerUsage: %s",
			i, d->uuid, nvml_text(g, rc));
	if ((uint64_t)mw * 1000 > GPU_NVML_MAX_UW)
		return sc_errprintf(err,
			"GPU %u (%s): nvmlDeviceGetPowerUsage: %u mW, above "
			"%.0f W: not a reading",
			i, d->uuid, mw, (double)GPU_NVML_MAX_UW / 1e6);
	d->method = GPU_NVML_POWER;
	d->last_mw = mw;
	g->n++;
	return 0;
}

static bool has_uuid(const struct gpu_nvml *g, const char *uuid)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->dev[i].uuid, uuid))
			return true;
	return false;
}

/* Set errno to e and return NULL after freeing g. */
static struct gpu_nvml *fail(struct gpu_nvml *g, int e)
{
	gpu_nvml_close(g);
	errno = e;
	return NULL;
}

struct gpu_nvml *gpu_nvml_open(const struct gpu_nvml_options *opts,
	int64_t now_ns, struct sc_error *err)
{
	const char *library = opts && opts->library && opts->library[0]
				      ? opts->library
				      : GPU_NVML_LIBRARY;
	size_t nexpect = opts ? opts->nexpect : 0;
	/* Without GPUs to find, their absence is not an error. */
	int absent = nexpect ? EIO : ENOENT;
	struct gpu_nvml *g;
	unsigned count = 0, i;
	nvml_return rc;
	size_t k;

	if (!(g = calloc(1, sizeof(*g)))) {
		sc_errprintf(err, "%s: out of memory", library);
		errno = ENOMEM;
		return NULL;
	}
	dlerror();
	if (!(g->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL))) {
		const char *why = dlerror();

		sc_errprintf(err, "cannot load %s: %s", library,
			why ? why : "unknown error");
		return fail(g, absent);
	}
	if (load_api(g, library, err))
		return fail(g, EIO);
	rc = g->api.init();
	if (rc == NVML_ERROR_DRIVER_NOT_LOADED) {
		sc_errprintf(
			err, "%s: nvmlInit_v2: %s", library, nvml_text(g, rc));
		return fail(g, absent);
	}
	if (rc != NVML_SUCCESS) {
		sc_errprintf(
			err, "%s: nvmlInit_v2: %s", library, nvml_text(g, rc));
		return fail(g, EIO);
	}
	g->initialised = true;
	rc = g->api.count(&count);
	if (rc != NVML_SUCCESS) {
		sc_errprintf(err, "%s: nvmlDeviceGetCount_v2: %s", library,
			nvml_text(g, rc));
		return fail(g, EIO);
	}
	if (count == 0) {
		sc_errprintf(err, "%s: no GPU", library);
		return fail(g, absent);
	}
	if (count > GPU_NVML_MAX_DEVICES) {
		sc_errprintf(err, "%s: %u GPUs, more than %d", library, count,
			GPU_NVML_MAX_DEVICES);
		return fail(g, EIO);
	}
	for (i = 0; i < count; i++)
		if (open_device(g, i, now_ns, err))
			return fail(g, EIO);
	for (k = 0; k < nexpect; k++) {
		if (has_uuid(g, opts->expect[k]))
			continue;
		sc_errprintf(err,
			"GPU %s, found earlier, is missing (%u GPU(s) now)",
			opts->expect[k], count);
		return fail(g, EIO);
	}
	return g;
}

/* Advance a counter device to mj at now_ns: 0, or 1 with err set. */
static int advance_counter(struct gpu_dev *d, unsigned long long mj,
	int64_t now_ns, struct sc_error *err)
{
	int rc = 0;

	if (mj < d->last_mj) {
		sc_errprintf(err,
			"GPU %u (%s): energy counter went backwards from "
			"%" PRIu64
			" to %llu mJ (driver reloaded or GPU reset); interval "
			"not counted",
			d->index, d->uuid, d->last_mj, mj);
		rc = 1;
	} else {
		uint64_t delta_uj = (uint64_t)(mj - d->last_mj) * 1000;
		double allowed_uj =
			(double)GPU_NVML_MAX_UW *
			(double)(now_ns - d->last_ns + GPU_NVML_SLACK_NS) / 1e9;

		if ((double)delta_uj > allowed_uj) {
			sc_errprintf(err,
				"GPU %u (%s): energy counter went from %" PRIu64
				" to %llu mJ in %.3f s: above %.0f W; interval "
				"not counted",
				d->index, d->uuid, d->last_mj, mj,
				(double)(now_ns - d->last_ns) / 1e9,
				(double)GPU_NVML_MAX_UW / 1e6);
			rc = 1;
		} else {
			d->total_uj += delta_uj;
		}
	}
	if (rc)
		d->breaks++;
	d->last_mj = mj;
	d->last_ns = now_ns;
	return rc;
}

/*
 * Advance a power device to a reading of mw at now_ns: the trapezoid
 * between the two readings (exact when power changes linearly between
 * them), or 1 with err set when they are too far apart to integrate.
 */
static int advance_power(struct gpu_dev *d, unsigned int mw, int64_t now_ns,
	struct sc_error *err)
{
	int64_t dt = now_ns - d->last_ns;
	uint64_t pj;
	int rc = 0;

	if (dt > GPU_NVML_MAX_GAP_NS) {
		sc_errprintf(err,
			"GPU %u (%s): power readings %.1f s apart, more than "
			"%.0f s: energy not integrated over the interval",
			d->index, d->uuid, (double)dt / 1e9,
			(double)GPU_NVML_MAX_GAP_NS / 1e9);
		d->breaks++;
		rc = 1;
	} else if (dt > 0) {
		/*
		 * mW x ns = pJ. Readings are at most GPU_NVML_MAX_UW (5e6 mW,
		 * checked when read) and dt at most 6e10 ns: 6e17, no overflow.
		 */
		pj = ((uint64_t)d->last_mw + mw) * (uint64_t)dt / 2 + d->rem_pj;
		d->total_uj += pj / 1000000;
		d->rem_pj = pj % 1000000;
	}
	d->last_mw = mw;
	d->last_ns = now_ns;
	return rc;
}

int gpu_nvml_poll(struct gpu_nvml *g, int64_t now_ns, uint64_t *total_uj,
	struct sc_error *err)
{
	unsigned long long mj[GPU_NVML_MAX_DEVICES];
	unsigned int mw[GPU_NVML_MAX_DEVICES];
	uint64_t sum = 0;
	int result = 0;
	size_t i;

	/* Read everything first: a failure leaves every device alone. */
	for (i = 0; i < g->n; i++) {
		struct gpu_dev *d = &g->dev[i];
		nvml_return rc;

		if (now_ns < d->last_ns)
			return sc_errprintf(err,
				"GPU %u (%s): clock went "
				"backwards",
				d->index, d->uuid);
		if (d->method == GPU_NVML_COUNTER)
			rc = g->api.energy(d->handle, &mj[i]);
		else
			rc = g->api.power(d->handle, &mw[i]);
		if (rc != NVML_SUCCESS)
			return sc_errprintf(err, "GPU %u (%s): %s: %s", d->index,
				d->uuid,
				d->method == GPU_NVML_COUNTER
					? "nvmlDeviceGetTotalEnergyConsumption"
					: "nvmlDeviceGetPowerUsage",
				nvml_text(g, rc));
		if (d->method == GPU_NVML_POWER &&
			(uint64_t)mw[i] * 1000 > GPU_NVML_MAX_UW)
			return sc_errprintf(err,
				"GPU %u (%s): nvmlDeviceGetPowerUsage: %u mW, "
				"above %.0f W: not a reading",
				d->index, d->uuid, mw[i],
				(double)GPU_NVML_MAX_UW / 1e6);
	}
	for (i = 0; i < g->n; i++) {
		struct gpu_dev *d = &g->dev[i];

		if ((d->method == GPU_NVML_COUNTER
				    ? advance_counter(d, mj[i], now_ns, err)
				    : advance_power(d, mw[i], now_ns, err)))
			result = 1;
		sum += d->total_uj;
	}
	*total_uj = sum;
	return result;
}

size_t gpu_nvml_count(const struct gpu_nvml *g)
{
	return g->n;
}

int gpu_nvml_get(const struct gpu_nvml *g, size_t i, struct gpu_nvml_info *info)
{
	const struct gpu_dev *d;

	if (i >= g->n) {
		errno = EINVAL;
		return -1;
	}
	d = &g->dev[i];
	info->index = d->index;
	info->uuid = d->uuid;
	info->method = d->method;
	info->total_uj = d->total_uj;
	info->breaks = d->breaks;
	return 0;
}

void gpu_nvml_close(struct gpu_nvml *g)
{
	int saved = errno;

	if (!g)
		return;
	if (g->initialised && g->api.shutdown)
		g->api.shutdown();
	if (g->lib)
		dlclose(g->lib);
	free(g);
	errno = saved;
}
