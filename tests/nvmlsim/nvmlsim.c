/*
 * nvmlsim: a stand-in for NVIDIA's libnvidia-ml.so.1 with the few entry
 * points slurm-carbon uses, whose devices and counters a test programs
 * through a control file, so that GPU energy is tested without a GPU.
 */

/*
 * The control file is named by the environment variable NVMLSIM_CONTROL
 * and read again at every call, so a test changes the devices while they
 * are in use. Without it (or when it cannot be read) nvmlInit_v2 fails
 * with NVML_ERROR_DRIVER_NOT_LOADED, as on a node whose driver is not
 * loaded. Lines (# starts a comment):
 *
 *   init=ok|driver_not_loaded|no_permission|unknown   nvmlInit_v2's result
 *   gpu uuid=U [energy_mj=E] [power_mw=P] [at=T] [counter=yes|no]
 *       [power=yes|no] [lost=yes|no]
 *
 * one gpu line per device, in NVML index order. The device's energy
 * counter (nvmlDeviceGetTotalEnergyConsumption, mJ) reads E, plus P x
 * (now - T) when at=T is given (T in seconds of CLOCK_REALTIME, P in mW:
 * mW x s = mJ), so a device drawing a constant P has a known energy over
 * any interval; its power reading (nvmlDeviceGetPowerUsage) is P.
 * counter=no: the counter gives NVML_ERROR_NOT_SUPPORTED (a device older
 * than Volta); power=no: likewise the power reading. lost=yes: every call
 * on the device gives NVML_ERROR_GPU_IS_LOST, as does any call on a handle
 * whose UUID is no longer in the file (a device that disappeared). A
 * counter that goes backwards (a driver reload or GPU reset) is written as
 * a lower E.
 *
 * The declarations follow NVIDIA's nvml.h (NVML 12.2): nvmlDevice_t is an
 * opaque pointer, nvmlReturn_t an enum with the values below.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NVMLSIM_MAX_DEVICES 64
#define NVMLSIM_UUID_SIZE 96

typedef enum nvmlReturn_enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NO_PERMISSION = 4,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_UNKNOWN = 999,
} nvmlReturn_t;

/* A handle names a device by its UUID, as a real handle names a board. */
struct nvmlDevice_st {
	char uuid[NVMLSIM_UUID_SIZE];
};
typedef struct nvmlDevice_st *nvmlDevice_t;

/* The exported entry points, as nvml.h declares them. */
nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlShutdown(void);
const char *nvmlErrorString(nvmlReturn_t result);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(
	unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetUUID(
	nvmlDevice_t device, char *uuid, unsigned int length);
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(
	nvmlDevice_t device, unsigned long long *energy);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power);

struct simdev {
	char uuid[NVMLSIM_UUID_SIZE];
	unsigned long long energy_mj;
	unsigned long long power_mw;
	double at; /* 0: the counter stands still */
	bool counter, power, lost;
};

struct sim {
	nvmlReturn_t init_rc;
	unsigned n;
	struct simdev dev[NVMLSIM_MAX_DEVICES];
};

static struct nvmlDevice_st handles[NVMLSIM_MAX_DEVICES];
static int initialised;

static bool yes(const char *v)
{
	return !strcmp(v, "yes") || !strcmp(v, "1");
}

static void parse_gpu(struct sim *s, char *line)
{
	struct simdev *d;
	char *tok, *save = NULL;

	if (s->n >= NVMLSIM_MAX_DEVICES)
		return;
	d = &s->dev[s->n++];
	*d = (struct simdev){.counter = true, .power = true};
	for (tok = strtok_r(line, " \t", &save); tok;
		tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(tok, "uuid"))
			snprintf(d->uuid, sizeof(d->uuid), "%s", eq);
		else if (!strcmp(tok, "energy_mj"))
			d->energy_mj = strtoull(eq, NULL, 10);
		else if (!strcmp(tok, "power_mw"))
			d->power_mw = strtoull(eq, NULL, 10);
		else if (!strcmp(tok, "at"))
			d->at = strtod(eq, NULL);
		else if (!strcmp(tok, "counter"))
			d->counter = yes(eq);
		else if (!strcmp(tok, "power"))
			d->power = yes(eq);
		else if (!strcmp(tok, "lost"))
			d->lost = yes(eq);
	}
}

static nvmlReturn_t init_result(const char *v)
{
	if (!strcmp(v, "driver_not_loaded"))
		return NVML_ERROR_DRIVER_NOT_LOADED;
	if (!strcmp(v, "no_permission"))
		return NVML_ERROR_NO_PERMISSION;
	if (!strcmp(v, "unknown"))
		return NVML_ERROR_UNKNOWN;
	return NVML_SUCCESS;
}

/* Read the control file; -1 when there is none. */
static int load(struct sim *s)
{
	const char *path = getenv("NVMLSIM_CONTROL");
	char line[1024];
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (!path || !(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n#")] = '\0';
		if (!strncmp(line, "init=", 5))
			s->init_rc = init_result(line + 5);
		else if (!strncmp(line, "gpu ", 4))
			parse_gpu(s, line + 4);
	}
	fclose(f);
	return 0;
}

/* The device a handle names, or NULL when it has gone. */
static const struct simdev *find(const struct sim *s, nvmlDevice_t h)
{
	unsigned i;

	for (i = 0; h && i < s->n; i++)
		if (!strcmp(s->dev[i].uuid, h->uuid))
			return &s->dev[i];
	return NULL;
}

/* Common checks of a device call; sets *d on success. */
static nvmlReturn_t device_check(
	struct sim *s, nvmlDevice_t h, const void *out, const struct simdev **d)
{
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (!h || !out)
		return NVML_ERROR_INVALID_ARGUMENT;
	load(s);
	*d = find(s, h);
	if (!*d || (*d)->lost)
		return NVML_ERROR_GPU_IS_LOST;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void)
{
	struct sim s;

	if (load(&s))
		return NVML_ERROR_DRIVER_NOT_LOADED;
	if (s.init_rc == NVML_SUCCESS)
		initialised++;
	return s.init_rc;
}

nvmlReturn_t nvmlShutdown(void)
{
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	initialised--;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
	case NVML_SUCCESS:
		return "Success";
	case NVML_ERROR_UNINITIALIZED:
		return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT:
		return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED:
		return "Not Supported";
	case NVML_ERROR_NO_PERMISSION:
		return "Insufficient Permissions";
	case NVML_ERROR_INSUFFICIENT_SIZE:
		return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED:
		return "Driver Not Loaded";
	case NVML_ERROR_GPU_IS_LOST:
		return "GPU is lost";
	default:
		return "Unknown Error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
	struct sim s;

	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (!deviceCount)
		return NVML_ERROR_INVALID_ARGUMENT;
	load(&s);
	*deviceCount = s.n;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(
	unsigned int index, nvmlDevice_t *device)
{
	struct sim s;

	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	load(&s);
	if (!device || index >= s.n)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (s.dev[index].lost)
		return NVML_ERROR_GPU_IS_LOST;
	snprintf(handles[index].uuid, sizeof(handles[index].uuid), "%s",
		s.dev[index].uuid);
	*device = &handles[index];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(
	nvmlDevice_t device, char *uuid, unsigned int length)
{
	const struct simdev *d = NULL;
	struct sim s;
	nvmlReturn_t rc = device_check(&s, device, uuid, &d);

	if (rc != NVML_SUCCESS)
		return rc;
	if (strlen(d->uuid) >= length)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	snprintf(uuid, length, "%s", d->uuid);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(
	nvmlDevice_t device, unsigned long long *energy)
{
	const struct simdev *d = NULL;
	struct timespec ts;
	struct sim s;
	nvmlReturn_t rc = device_check(&s, device, energy, &d);

	if (rc != NVML_SUCCESS)
		return rc;
	if (!d->counter)
		return NVML_ERROR_NOT_SUPPORTED;
	*energy = d->energy_mj;
	if (d->at > 0) {
		double dt;

		clock_gettime(CLOCK_REALTIME, &ts);
		dt = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - d->at;
		if (dt > 0)
			*energy +=
				(unsigned long long)((double)d->power_mw * dt);
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	const struct simdev *d = NULL;
	struct sim s;
	nvmlReturn_t rc = device_check(&s, device, power, &d);

	if (rc != NVML_SUCCESS)
		return rc;
	if (!d->power)
		return NVML_ERROR_NOT_SUPPORTED;
	*power = (unsigned int)d->power_mw;
	return NVML_SUCCESS;
}
