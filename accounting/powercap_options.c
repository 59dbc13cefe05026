/*
 * powercap_options.c: parse and check the acct_gather_energy/powercap
 * options from their text in acct_gather.conf.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "powercap_options.h"
#include "rapl.h"

static int invalid(struct sc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An option's value refused: the message, and errno EINVAL. */
static int invalid(struct sc_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_verrprintf(err, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

void powercap_options_init(struct powercap_options *o)
{
	*o = (struct powercap_options){.mode = POWERCAP_ZONES_PACKAGE};
}

const char *powercap_options_mode_name(enum powercap_zones_mode mode)
{
	return mode == POWERCAP_ZONES_PSYS ? "psys" : "package";
}

const char *powercap_options_gpu_name(enum powercap_gpu_mode gpu)
{
	switch (gpu) {
	case POWERCAP_GPU_YES:
		return "yes";
	case POWERCAP_GPU_NO:
		return "no";
	default:
		return "auto";
	}
}

const char *powercap_options_share_name(enum powercap_share_mode share)
{
	return share == POWERCAP_SHARE_CPU ? "cpu" : "none";
}

static bool is_any(const char *value, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(value, *words))
			return true;
	return false;
}

/* Digits only: no sign, space, exponent or unit, so no typo gets through. */
static int parse_watts(const char *value, uint64_t *watts)
{
	uint64_t w = 0;
	const char *p;

	if (!*value)
		return -1;
	for (p = value; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		w = w * 10 + (uint64_t)(*p - '0');
		if (w > POWERCAP_OPTIONS_MAX_WATTS)
			return -1;
	}
	*watts = w;
	return 0;
}

/* A name for dlopen() (no '/') or an absolute path, printable, no space. */
static bool library_ok(const char *value)
{
	const char *p;

	if (!*value || strlen(value) > POWERCAP_OPTIONS_PATH_MAX)
		return false;
	if (strchr(value, '/') && value[0] != '/')
		return false;
	for (p = value; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

int powercap_options_set(struct powercap_options *o, const char *key,
	const char *value, struct sc_error *err)
{
	static const char *const yes[] = {"yes", "true", "up", "1", NULL};
	static const char *const no[] = {"no", "false", "down", "0", NULL};
	uint64_t watts;

	if (!key || !value)
		return invalid(err, "%s=%s: no option or no value",
			key ? key : "(null)", value ? value : "(null)");
	if (!strcasecmp(key, POWERCAP_OPTION_ZONES)) {
		if (!strcasecmp(value, "package"))
			o->mode = POWERCAP_ZONES_PACKAGE;
		else if (!strcasecmp(value, "psys"))
			o->mode = POWERCAP_ZONES_PSYS;
		else
			return invalid(err, "%s=%s: expected package or psys",
				POWERCAP_OPTION_ZONES, value);
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_MAX_WATTS)) {
		if (parse_watts(value, &watts))
			return invalid(err,
				"%s=%s: expected a whole number of watts"
				" from 0 to %d",
				POWERCAP_OPTION_MAX_WATTS, value,
				POWERCAP_OPTIONS_MAX_WATTS);
		o->max_uw = watts * RAPL_UJ_PER_J;
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_DRAIN)) {
		if (is_any(value, yes))
			o->drain_on_error = true;
		else if (is_any(value, no))
			o->drain_on_error = false;
		else
			return invalid(err, "%s=%s: expected yes or no",
				POWERCAP_OPTION_DRAIN, value);
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_GPU)) {
		if (!strcasecmp(value, "auto"))
			o->gpu = POWERCAP_GPU_AUTO;
		else if (is_any(value, yes))
			o->gpu = POWERCAP_GPU_YES;
		else if (is_any(value, no))
			o->gpu = POWERCAP_GPU_NO;
		else
			return invalid(err, "%s=%s: expected auto, yes or no",
				POWERCAP_OPTION_GPU, value);
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_NVML)) {
		if (!library_ok(value))
			return invalid(err,
				"%s=%s: expected a library name without '/' "
				"or an absolute path, at most %d characters, "
				"no spaces",
				POWERCAP_OPTION_NVML, value,
				POWERCAP_OPTIONS_PATH_MAX);
		snprintf(o->nvml_library, sizeof(o->nvml_library), "%s", value);
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_SHARE)) {
		if (!strcasecmp(value, "none"))
			o->share = POWERCAP_SHARE_NONE;
		else if (!strcasecmp(value, "cpu"))
			o->share = POWERCAP_SHARE_CPU;
		else
			return invalid(err, "%s=%s: expected none or cpu",
				POWERCAP_OPTION_SHARE, value);
		return 0;
	}
	if (!strcasecmp(key, POWERCAP_OPTION_IDLE_WATTS)) {
		if (parse_watts(value, &watts))
			return invalid(err,
				"%s=%s: expected a whole number of watts"
				" from 0 to %d",
				POWERCAP_OPTION_IDLE_WATTS, value,
				POWERCAP_OPTIONS_MAX_WATTS);
		o->idle_uw = watts * RAPL_UJ_PER_J;
		return 0;
	}
	return invalid(
		err, "%s=%s: not an option of this plugin", key, value);
}
