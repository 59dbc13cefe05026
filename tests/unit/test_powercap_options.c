/*
 * test_powercap_options.c: table-driven tests of the plugin's option
 * checks (powercap_options.c): every accepted spelling, and every typo a
 * person could make gets a message naming the option and the value.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "powercap_options.h"

#define ZONES POWERCAP_OPTION_ZONES
#define WATTS POWERCAP_OPTION_MAX_WATTS
#define DRAIN POWERCAP_OPTION_DRAIN
#define PSYS POWERCAP_ZONES_PSYS
#define PKG POWERCAP_ZONES_PACKAGE

struct option_case {
	const char *key, *value;
	const char *error; /* expected message, or NULL when accepted */
	/* the options after it, from the defaults */
	enum powercap_zones_mode mode;
	uint64_t max_uw;
	bool drain;
};

static const struct option_case cases[] = {
	{ZONES, "package", NULL, PKG, 0, false},
	{ZONES, "psys", NULL, PSYS, 0, false},
	{ZONES, "PSYS", NULL, PSYS, 0, false},
	{"powercapzones", "psys", NULL, PSYS, 0, false},
	{ZONES, "bogus", "PowercapZones=bogus: expected package or psys", PKG,
		0, false},
	{ZONES, "", "PowercapZones=: expected package or psys", PKG, 0, false},
	{WATTS, "0", NULL, PKG, 0, false},
	{WATTS, "250", NULL, PKG, 250000000, false},
	{WATTS, "100000", NULL, PKG, 100000000000, false},
	{WATTS, "-5",
		"PowercapMaxWatts=-5: expected a whole number of watts from 0 "
		"to 100000",
		PKG, 0, false},
	{WATTS, "100001",
		"PowercapMaxWatts=100001: expected a whole number of watts "
		"from 0 to 100000",
		PKG, 0, false},
	{WATTS, "99999999999999999999999",
		"PowercapMaxWatts=99999999999999999999999: expected a whole "
		"number of watts from 0 to 100000",
		PKG, 0, false},
	{WATTS, "250W",
		"PowercapMaxWatts=250W: expected a whole number of watts from "
		"0 "
		"to 100000",
		PKG, 0, false},
	{WATTS, "2.5e2",
		"PowercapMaxWatts=2.5e2: expected a whole number of watts from "
		"0 to 100000",
		PKG, 0, false},
	{WATTS, " 250",
		"PowercapMaxWatts= 250: expected a whole number of watts from "
		"0 "
		"to 100000",
		PKG, 0, false},
	{WATTS, "",
		"PowercapMaxWatts=: expected a whole number of watts from 0 to "
		"100000",
		PKG, 0, false},
	{DRAIN, "yes", NULL, PKG, 0, true},
	{DRAIN, "YES", NULL, PKG, 0, true},
	{DRAIN, "true", NULL, PKG, 0, true},
	{DRAIN, "up", NULL, PKG, 0, true},
	{DRAIN, "1", NULL, PKG, 0, true},
	{DRAIN, "no", NULL, PKG, 0, false},
	{DRAIN, "False", NULL, PKG, 0, false},
	{DRAIN, "down", NULL, PKG, 0, false},
	{DRAIN, "0", NULL, PKG, 0, false},
	{DRAIN, "maybe", "PowercapDrainOnError=maybe: expected yes or no", PKG,
		0, false},
	{DRAIN, "yes please",
		"PowercapDrainOnError=yes please: expected yes or no", PKG, 0,
		false},
	{"PowercapZone", "psys",
		"PowercapZone=psys: not an option of this plugin", PKG, 0,
		false},
};

START_TEST(test_option_cases)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct option_case *tc = &cases[i];
		struct sc_error err = {{0}};
		struct powercap_options o;
		int rc;

		powercap_options_init(&o);
		errno = 0;
		rc = powercap_options_set(&o, tc->key, tc->value, &err);
		if (tc->error) {
			ck_assert_msg(rc == -1 && errno == EINVAL,
				"%s=%s: accepted", tc->key, tc->value);
			ck_assert_msg(!strcmp(err.text, tc->error),
				"%s=%s: \"%s\", expected \"%s\"", tc->key,
				tc->value, err.text, tc->error);
		} else {
			ck_assert_msg(rc == 0, "%s=%s: %s", tc->key, tc->value,
				err.text);
		}
		ck_assert_msg(o.mode == tc->mode && o.max_uw == tc->max_uw &&
				      o.drain_on_error == tc->drain,
			"%s=%s: options changed wrongly", tc->key, tc->value);
	}
}
END_TEST

/* The GPU and shared-node options, likewise. */
#define GPU POWERCAP_OPTION_GPU
#define NVML POWERCAP_OPTION_NVML
#define SHARE POWERCAP_OPTION_SHARE
#define IDLE POWERCAP_OPTION_IDLE_WATTS
#define AUTO POWERCAP_GPU_AUTO
#define NONE POWERCAP_SHARE_NONE
#define CPU POWERCAP_SHARE_CPU

struct more_case {
	const char *key, *value;
	const char *error;
	enum powercap_gpu_mode gpu;
	const char *library;
	enum powercap_share_mode share;
	uint64_t idle_uw;
};

#define LIBERR                                                                 \
	": expected a library name without '/' or an absolute path, at "       \
	"most 255 characters, no spaces"

static const struct more_case more_cases[] = {
	{GPU, "auto", NULL, AUTO, "", NONE, 0},
	{GPU, "AUTO", NULL, AUTO, "", NONE, 0},
	{GPU, "yes", NULL, POWERCAP_GPU_YES, "", NONE, 0},
	{GPU, "true", NULL, POWERCAP_GPU_YES, "", NONE, 0},
	{GPU, "No", NULL, POWERCAP_GPU_NO, "", NONE, 0},
	{GPU, "0", NULL, POWERCAP_GPU_NO, "", NONE, 0},
	{GPU, "nvidia", "PowercapGPU=nvidia: expected auto, yes or no", AUTO,
		"", NONE, 0},
	{"powercapgpu", "", "PowercapGPU=: expected auto, yes or no", AUTO, "",
		NONE, 0},
	{NVML, "libnvidia-ml.so.1", NULL, AUTO, "libnvidia-ml.so.1", NONE, 0},
	{NVML, "/opt/nvidia/lib64/libnvidia-ml.so.1", NULL, AUTO,
		"/opt/nvidia/lib64/libnvidia-ml.so.1", NONE, 0},
	{NVML, "lib64/libnvidia-ml.so.1",
		"PowercapNVMLLibrary=lib64/libnvidia-ml.so.1" LIBERR, AUTO, "",
		NONE, 0},
	{NVML, "/opt/my lib.so", "PowercapNVMLLibrary=/opt/my lib.so" LIBERR,
		AUTO, "", NONE, 0},
	{NVML, "", "PowercapNVMLLibrary=" LIBERR, AUTO, "", NONE, 0},
	{SHARE, "none", NULL, AUTO, "", NONE, 0},
	{SHARE, "CPU", NULL, AUTO, "", CPU, 0},
	{SHARE, "cores", "PowercapShare=cores: expected none or cpu", AUTO, "",
		NONE, 0},
	{IDLE, "0", NULL, AUTO, "", NONE, 0},
	{IDLE, "85", NULL, AUTO, "", NONE, 85000000},
	{IDLE, "85.5",
		"PowercapIdleWatts=85.5: expected a whole number of watts from "
		"0 to 100000",
		AUTO, "", NONE, 0},
	{IDLE, "-1",
		"PowercapIdleWatts=-1: expected a whole number of watts from 0 "
		"to 100000",
		AUTO, "", NONE, 0},
};

START_TEST(test_more_cases)
{
	char longname[300];
	size_t i;

	for (i = 0; i < sizeof(more_cases) / sizeof(more_cases[0]); i++) {
		const struct more_case *tc = &more_cases[i];
		struct sc_error err = {{0}};
		struct powercap_options o;
		int rc;

		powercap_options_init(&o);
		errno = 0;
		rc = powercap_options_set(&o, tc->key, tc->value, &err);
		if (tc->error)
			ck_assert_msg(rc == -1 && errno == EINVAL &&
					      !strcmp(err.text, tc->error),
				"%s=%s: \"%s\"", tc->key, tc->value, err.text);
		else
			ck_assert_msg(rc == 0, "%s=%s: %s", tc->key, tc->value,
				err.text);
		ck_assert_msg(o.gpu == tc->gpu &&
				      !strcmp(o.nvml_library, tc->library) &&
				      o.share == tc->share &&
				      o.idle_uw == tc->idle_uw,
			"%s=%s: options changed wrongly", tc->key, tc->value);
	}
	/* 255 characters are accepted, 256 are not. */
	memset(longname, 'x', sizeof(longname));
	longname[0] = '/';
	longname[255] = '\0';
	{
		struct powercap_options o;

		powercap_options_init(&o);
		ck_assert_int_eq(
			powercap_options_set(&o, NVML, longname, NULL), 0);
		longname[255] = 'x';
		longname[256] = '\0';
		ck_assert_int_eq(
			powercap_options_set(&o, NVML, longname, NULL), -1);
	}
	ck_assert_str_eq(powercap_options_gpu_name(AUTO), "auto");
	ck_assert_str_eq(powercap_options_gpu_name(POWERCAP_GPU_YES), "yes");
	ck_assert_str_eq(powercap_options_gpu_name(POWERCAP_GPU_NO), "no");
	ck_assert_str_eq(powercap_options_share_name(NONE), "none");
	ck_assert_str_eq(powercap_options_share_name(CPU), "cpu");
}
END_TEST

/* A rejected value leaves earlier ones alone; the first error is kept. */
START_TEST(test_first_error_kept)
{
	struct sc_error err = {{0}};
	struct powercap_options o;

	powercap_options_init(&o);
	ck_assert_int_eq(powercap_options_set(&o, DRAIN, "yes", &err), 0);
	ck_assert_int_eq(powercap_options_set(&o, WATTS, "-5", &err), -1);
	ck_assert_int_eq(powercap_options_set(&o, ZONES, "bogus", &err), -1);
	ck_assert_int_eq(powercap_options_set(&o, ZONES, "psys", &err), 0);
	ck_assert_str_eq(err.text, "PowercapMaxWatts=-5: expected a whole "
				   "number of watts from 0 to 100000");
	ck_assert(o.drain_on_error);
	ck_assert_uint_eq(o.max_uw, 0);
	ck_assert_int_eq(o.mode, PSYS);
	ck_assert_int_eq(powercap_options_set(&o, NULL, "x", NULL), -1);
	ck_assert_int_eq(powercap_options_set(&o, WATTS, NULL, NULL), -1);
	ck_assert_str_eq(powercap_options_mode_name(PKG), "package");
	ck_assert_str_eq(powercap_options_mode_name(PSYS), "psys");
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("powercap_options");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_option_cases);
	tcase_add_test(tc, test_more_cases);
	tcase_add_test(tc, test_first_error_kept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
