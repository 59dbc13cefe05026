/*
 * test_gpu_nvml.c: GPU energy through NVML (gpu_nvml.c) against the
 * stand-in library tests/nvmlsim, loaded with dlopen() by path as the real
 * libnvidia-ml.so.1 would be by name, with counters and power readings
 * written here and energy worked out by hand.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu_nvml.h"

#ifndef NVMLSIM_SO
#error "NVMLSIM_SO: the path of the built stand-in libnvidia-ml.so.1"
#endif

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)
#define J UINT64_C(1000000)

static char control[] = "/tmp/test_gpu_nvml.XXXXXX";

/* Write the stand-in's control file (see tests/nvmlsim/nvmlsim.c). */
static void sim(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sim(const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(control, "w");

	ck_assert_msg(f, "%s: %s", control, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
}

static struct gpu_nvml *open_sim(
	int64_t t, const char *const *expect, size_t nexpect)
{
	struct gpu_nvml_options o = {NVMLSIM_SO, expect, nexpect};
	struct sc_error err = {{0}};
	struct gpu_nvml *g = gpu_nvml_open(&o, t, &err);

	ck_assert_msg(g, "gpu_nvml_open: %s", err.text);
	return g;
}

/* An open that must fail with errno e and a message containing what. */
static void open_fails(const char *library, const char *const *expect,
	size_t nexpect, int e, const char *what)
{
	struct gpu_nvml_options o = {library, expect, nexpect};
	struct sc_error err = {{0}};

	errno = 0;
	ck_assert_ptr_null(gpu_nvml_open(&o, 0, &err));
	ck_assert_msg(
		errno == e, "errno %d, expected %d (%s)", errno, e, err.text);
	ck_assert_msg(
		strstr(err.text, what), "\"%s\" lacks \"%s\"", err.text, what);
}

static void setup(void)
{
	int fd = mkstemp(control);

	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("NVMLSIM_CONTROL", control, 1);
}

static void teardown(void)
{
	unlink(control);
	strcpy(control + strlen(control) - 6, "XXXXXX");
}

/*
 * No GPUs here (ENOENT, the node counted as before) versus a failure (EIO,
 * energy unknown): no library, no driver, no device; a failing init, a
 * library without NVML's functions, an expected device absent.
 */
START_TEST(test_open_refusals)
{
	static const char *const one[] = {"GPU-a"};

	open_fails("/nonexistent/libnvidia-ml.so.1", NULL, 0, ENOENT,
		"cannot load /nonexistent/libnvidia-ml.so.1");
	open_fails(
		"/nonexistent/libnvidia-ml.so.1", one, 1, EIO, "cannot load");
	unsetenv("NVMLSIM_CONTROL");
	open_fails(NVMLSIM_SO, NULL, 0, ENOENT,
		"nvmlInit_v2: Driver Not "
		"Loaded");
	setenv("NVMLSIM_CONTROL", control, 1);
	sim("# no devices\n");
	open_fails(NVMLSIM_SO, NULL, 0, ENOENT, "no GPU");
	open_fails(NVMLSIM_SO, one, 1, EIO, "no GPU");
	sim("init=no_permission\ngpu uuid=GPU-a energy_mj=1\n");
	open_fails(NVMLSIM_SO, NULL, 0, EIO,
		"nvmlInit_v2: Insufficient Permissions");
	sim("gpu uuid=GPU-a energy_mj=1 counter=no power=no\n");
	open_fails(NVMLSIM_SO, NULL, 0, EIO,
		"GPU 0 (GPU-a): no energy counter, and "
		"nvmlDeviceGetPowerUsage: "
		"Not Supported");
	sim("gpu uuid=GPU-a lost=yes\n");
	open_fails(NVMLSIM_SO, NULL, 0, EIO,
		"GPU 0: nvmlDeviceGetHandleByIndex_v2: GPU is lost");
	sim("gpu uuid=GPU-a counter=no power_mw=6000000\n");
	open_fails(NVMLSIM_SO, NULL, 0, EIO, "6000000 mW, above 5000 W");
	sim("gpu uuid=GPU-b energy_mj=1\n");
	open_fails(NVMLSIM_SO, one, 1, EIO,
		"GPU GPU-a, found earlier, is missing (1 GPU(s) now)");
	open_fails("libc.so.6", NULL, 0, EIO, "no nvmlInit_v2 in this NVML");
}
END_TEST

/*
 * A device with the energy counter (GPU-a) and one without (GPU-b, power
 * integrated as trapezoids between reads), read at uneven intervals. Each
 * row: the time, GPU-a's counter (mJ), GPU-b's power (mW), and the
 * energy of each since open, by hand.
 */
struct row {
	int64_t t_ms;
	uint64_t a_mj;
	uint64_t b_mw;
	uint64_t a_uj, b_uj;
};

static const struct row rows[] = {
	{0, 5000000, 100000, 0, 0},
	/* +200 J; (100 + 100) / 2 W x 1 s = 100 J */
	{1000, 5200000, 100000, 200 * J, 100 * J},
	/* +500 J; (100 + 300) / 2 W x 2 s = 400 J */
	{3000, 5700000, 300000, 700 * J, 500 * J},
	/* +0 J; 300 W x 0.5 s = 150 J */
	{3500, 5700000, 300000, 700 * J, 650 * J},
	/* +0.1 J; (300 + 0) / 2 W x 1 s = 150 J */
	{4500, 5700100, 0, 700 * J + 100000, 800 * J},
	/* milliwatts over a quarter of a second: (0 + 2) / 2 mW x 0.25 s */
	{4750, 5700100, 2, 700 * J + 100000, 800 * J + 250},
	{5000, 5700100, 2, 700 * J + 100000, 800 * J + 750},
};

START_TEST(test_counter_and_power)
{
	struct sc_error err = {{0}};
	struct gpu_nvml_info a, b;
	struct gpu_nvml *g = NULL;
	uint64_t total;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		sim("gpu uuid=GPU-a energy_mj=%" PRIu64 " power_mw=1\n"
		    "gpu uuid=GPU-b counter=no power_mw=%" PRIu64 "\n",
			r->a_mj, r->b_mw);
		if (!g) {
			g = open_sim(r->t_ms * MS, NULL, 0);
			continue;
		}
		ck_assert_int_eq(
			gpu_nvml_poll(g, r->t_ms * MS, &total, &err), 0);
		ck_assert_int_eq(gpu_nvml_get(g, 0, &a), 0);
		ck_assert_int_eq(gpu_nvml_get(g, 1, &b), 0);
		ck_assert_msg(a.total_uj == r->a_uj && b.total_uj == r->b_uj,
			"row %zu: %" PRIu64 " + %" PRIu64
			" uJ, expected %" PRIu64 " + %" PRIu64,
			i, a.total_uj, b.total_uj, r->a_uj, r->b_uj);
		ck_assert_uint_eq(total, r->a_uj + r->b_uj);
	}
	ck_assert_uint_eq(gpu_nvml_count(g), 2);
	ck_assert_str_eq(a.uuid, "GPU-a");
	ck_assert_int_eq(a.method, GPU_NVML_COUNTER);
	ck_assert_int_eq(b.method, GPU_NVML_POWER);
	ck_assert_str_eq(gpu_nvml_method_name(b.method), "power");
	ck_assert_int_eq(gpu_nvml_get(g, 2, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, "");
	gpu_nvml_close(g);
}
END_TEST

/*
 * Breaks in continuity: a counter that goes backwards (driver reload, GPU
 * reset), a jump beyond 5 kW, power readings more than 60 s apart. None
 * is counted; counting resumes from the new values.
 */
struct brk {
	int64_t t_ms;
	uint64_t a_mj;
	int rc;
	uint64_t total_uj;
	const char *why;
};

static const struct brk breaks[] = {
	{0, 5000000, 0, 0, NULL},
	{1000, 5100000, 0, 100 * J, NULL},
	{2000, 1000, 1, 100 * J,
		"GPU 0 (GPU-a): energy counter went backwards from 5100000 to "
		"1000 mJ"},
	{3000, 51000, 0, 150 * J, NULL},
	/* 10.01 kJ in 1 s: above 5 kW with 1 s of slack (10 kJ allowed) */
	{4000, 10061000, 1, 150 * J, "above 5000 W; interval not counted"},
	{5000, 10062000, 0, 151 * J, NULL},
};

START_TEST(test_breaks)
{
	struct gpu_nvml *g = NULL;
	uint64_t total;
	size_t i;

	for (i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		const struct brk *r = &breaks[i];
		struct sc_error err = {{0}};

		sim("gpu uuid=GPU-a energy_mj=%" PRIu64 "\n", r->a_mj);
		if (!g) {
			g = open_sim(0, NULL, 0);
			continue;
		}
		ck_assert_int_eq(
			gpu_nvml_poll(g, r->t_ms * MS, &total, &err), r->rc);
		ck_assert_uint_eq(total, r->total_uj);
		if (r->why)
			ck_assert_msg(strstr(err.text, r->why), "row %zu: %s",
				i, err.text);
	}
	gpu_nvml_close(g);

	/* Power readings 61 s apart are not integrated; 60 s are. */
	sim("gpu uuid=GPU-b counter=no power_mw=100000\n");
	g = open_sim(0, NULL, 0);
	{
		struct sc_error err = {{0}};
		struct gpu_nvml_info b;

		ck_assert_int_eq(gpu_nvml_poll(g, 60 * S, &total, &err), 0);
		ck_assert_uint_eq(total, 6000 * J);
		ck_assert_int_eq(gpu_nvml_poll(g, 121 * S, &total, &err), 1);
		ck_assert_uint_eq(total, 6000 * J);
		ck_assert_msg(strstr(err.text, "power readings 61.0 s apart"),
			"%s", err.text);
		ck_assert_int_eq(gpu_nvml_poll(g, 122 * S, &total, &err), 0);
		ck_assert_uint_eq(total, 6100 * J);
		ck_assert_int_eq(gpu_nvml_get(g, 0, &b), 0);
		ck_assert_uint_eq(b.breaks, 1);
	}
	gpu_nvml_close(g);
}
END_TEST

/*
 * A device that disappears, or falls off the bus, is a failed read (-1,
 * total untouched), never zero; reopening without it fails while it is
 * expected, and succeeds once it is back.
 */
START_TEST(test_lost_devices)
{
	static const char *const both[] = {"GPU-a", "GPU-b"};
	struct sc_error err = {{0}};
	struct gpu_nvml *g;
	uint64_t total = 42;

	sim("gpu uuid=GPU-a energy_mj=10\ngpu uuid=GPU-b energy_mj=20\n");
	g = open_sim(0, NULL, 0);
	sim("gpu uuid=GPU-a energy_mj=1010\ngpu uuid=GPU-b energy_mj=20 "
	    "lost=yes\n");
	ck_assert_int_eq(gpu_nvml_poll(g, S, &total, &err), -1);
	ck_assert_uint_eq(total, 42);
	ck_assert_str_eq(err.text,
		"GPU 1 (GPU-b): "
		"nvmlDeviceGetTotalEnergyConsumption: GPU is "
		"lost");
	/* The device is gone from the bus altogether. */
	sim("gpu uuid=GPU-a energy_mj=1010\n");
	err.text[0] = '\0';
	ck_assert_int_eq(gpu_nvml_poll(g, S, &total, &err), -1);
	ck_assert_msg(strstr(err.text, "GPU 1 (GPU-b)"), "%s", err.text);
	gpu_nvml_close(g);
	open_fails(NVMLSIM_SO, both, 2, EIO,
		"GPU GPU-b, found earlier, is missing (1 GPU(s) now)");
	sim("gpu uuid=GPU-b energy_mj=5\ngpu uuid=GPU-a energy_mj=1010\n");
	g = open_sim(0, both, 2);
	ck_assert_uint_eq(gpu_nvml_count(g), 2);
	/* A power reading that cannot be one is a failed read too. */
	sim("gpu uuid=GPU-b energy_mj=5\ngpu uuid=GPU-a counter=no "
	    "power_mw=1\n");
	gpu_nvml_close(g);
	g = open_sim(0, NULL, 0);
	sim("gpu uuid=GPU-b energy_mj=5\ngpu uuid=GPU-a counter=no "
	    "power_mw=5000001\n");
	err.text[0] = '\0';
	ck_assert_int_eq(gpu_nvml_poll(g, S, &total, &err), -1);
	ck_assert_msg(
		strstr(err.text, "5000001 mW, above 5000 W"), "%s", err.text);
	gpu_nvml_close(g);
	gpu_nvml_close(NULL);
}
END_TEST

/* Energy below a microjoule is carried to the next reading. */
START_TEST(test_power_remainder)
{
	struct sc_error err = {{0}};
	static const int64_t at_ns[] = {400000, 800000, 1200000, 2000000};
	static const uint64_t want_uj[] = {0, 0, 1, 2};
	struct gpu_nvml *g;
	uint64_t total;
	size_t i;

	/* 1 mW: 1 uJ per ms */
	sim("gpu uuid=GPU-b counter=no power_mw=1\n");
	g = open_sim(0, NULL, 0);
	for (i = 0; i < sizeof(at_ns) / sizeof(at_ns[0]); i++) {
		ck_assert_int_eq(gpu_nvml_poll(g, at_ns[i], &total, &err), 0);
		ck_assert_uint_eq(total, want_uj[i]);
	}
	/* The clock going backwards is a failed read. */
	ck_assert_int_eq(gpu_nvml_poll(g, 1000, &total, &err), -1);
	ck_assert_msg(strstr(err.text, "clock went backwards"), "%s", err.text);
	gpu_nvml_close(g);
}
END_TEST

/* The real library's name by default: absent here, so no GPUs. */
START_TEST(test_default_library)
{
	struct sc_error err = {{0}};
	struct gpu_nvml_options o = {0};

	if (!access("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", F_OK))
		return; /* a machine with the driver: nothing to check */
	errno = 0;
	ck_assert_ptr_null(gpu_nvml_open(&o, 0, &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(strstr(err.text, "cannot load " GPU_NVML_LIBRARY), "%s",
		err.text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gpu_nvml");
	TCase *tc = tcase_create("nvmlsim");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_refusals);
	tcase_add_test(tc, test_counter_and_power);
	tcase_add_test(tc, test_breaks);
	tcase_add_test(tc, test_lost_devices);
	tcase_add_test(tc, test_power_remainder);
	tcase_add_test(tc, test_default_library);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
