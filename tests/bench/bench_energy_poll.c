/*
 * bench_energy_poll.c: the cost of one node energy poll (2 packages + their
 * dram zones) through libpowercap and libenergy, in microseconds.
 *
 * libpowercap reads /sys/class/powercap only, so the benchmark enters a
 * private mount namespace (root needed), mounts a tmpfs over /sys/class and
 * builds a simulated tree there; a tmpfs read is cheaper than a real RAPL
 * sysfs read (which reads an MSR), so this measures the library's own path.
 * When a real intel-rapl tree is visible before that, it is measured too.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "powercap_zones.h"
#include "rapl.h"

#define POLLS 200000
#define ROOT "/sys/class/powercap/intel-rapl"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RAPL_NS_PER_S + ts.tv_nsec;
}

static int put(const char *dir, const char *file, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs(value, f);
	return fclose(f);
}

static int zone(const char *dir, const char *name)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return put(dir, "name", name) || put(dir, "energy_uj", "1000\n") ||
	       put(dir, "max_energy_range_uj", "262143328850\n") ||
	       put(dir, "enabled", "1\n");
}

static int build_tree(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
		mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
		mount("bench", "/sys/class", "tmpfs", 0, "mode=755") < 0 ||
		mkdir("/sys/class/powercap", 0755) < 0 ||
		mkdir(ROOT, 0755) < 0 || put(ROOT, "enabled", "1\n"))
		return -1;
	return zone(ROOT "/intel-rapl:0", "package-0\n") ||
	       zone(ROOT "/intel-rapl:0/intel-rapl:0:0", "core\n") ||
	       zone(ROOT "/intel-rapl:0/intel-rapl:0:1", "dram\n") ||
	       zone(ROOT "/intel-rapl:1", "package-1\n") ||
	       zone(ROOT "/intel-rapl:1/intel-rapl:1:0", "dram\n");
}

/* Open, poll POLLS times, print the figures. Returns 0 or -1. */
static int measure(const char *label)
{
	struct sc_error err = {{0}};
	struct powercap_zones *z;
	uint64_t total = 0;
	int64_t t0, t1;
	int i;

	if (!(z = powercap_zones_open(NULL, now_ns(), &err))) {
		fprintf(stderr, "bench_energy_poll: %s\n", err.text);
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < POLLS; i++) {
		if (powercap_zones_poll(z, now_ns(), &total, &err) < 0) {
			fprintf(stderr, "bench_energy_poll: %s\n", err.text);
			powercap_zones_close(z);
			return -1;
		}
	}
	t1 = now_ns();
	printf("energy poll (%s, %zu zones): %.2f us per node poll over %d "
	       "polls\n",
		label, powercap_zones_count(z),
		(double)(t1 - t0) / 1000.0 / POLLS, POLLS);
	powercap_zones_close(z);
	return 0;
}

/* The counter arithmetic alone, for comparison. */
static void measure_arithmetic(void)
{
	struct rapl_counter c[4];
	struct rapl_meter m;
	uint64_t raw = 0;
	int64_t t0, t1;
	int i, k;

	for (k = 0; k < 4; k++)
		rapl_counter_init(&c[k], "zone", UINT64_C(262143328850),
			UINT64_C(300000000), 0, 0, NULL);
	rapl_meter_start(&m, 0, 0);
	t0 = now_ns();
	for (i = 1; i <= POLLS; i++) {
		uint64_t sum = 0;

		raw = (raw + 1234567) % UINT64_C(262143328851);
		for (k = 0; k < 4; k++) {
			rapl_counter_advance(
				&c[k], raw, (int64_t)i * 10000000, NULL, NULL);
			sum += c[k].total_uj;
		}
		rapl_meter_update(&m, sum, (int64_t)i * 10000000);
	}
	t1 = now_ns();
	printf("energy arithmetic (4 zones): %.3f us per node poll "
	       "(%" PRIu64 " J counted)\n",
		(double)(t1 - t0) / 1000.0 / POLLS, rapl_meter_joules(&m));
}

int main(void)
{
	struct stat st;

	measure_arithmetic();
	if (stat(ROOT, &st) == 0 && measure("real sysfs"))
		fprintf(stderr, "bench_energy_poll: real tree not readable\n");
	if (geteuid() != 0) {
		printf("energy poll (simulated tree): skipped, needs root for "
		       "a private mount namespace\n");
		return 0;
	}
	if (build_tree()) {
		fprintf(stderr, "bench_energy_poll: simulated tree: %s\n",
			strerror(errno));
		return 1;
	}
	return measure("simulated tree on tmpfs") ? 1 : 0;
}
