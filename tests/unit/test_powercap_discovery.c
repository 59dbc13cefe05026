/*
 * test_powercap_discovery.c: zone discovery, selection and polling by the
 * real libpowercap against simulated sysfs trees built on a private tmpfs.
 *
 * Run it through test_powercap_discovery.sh, which enters a private mount
 * namespace and mounts a tmpfs over /sys/class; this program refuses to
 * write unless /sys/class is a tmpfs.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "powercap_zones.h"

#define ROOT "/sys/class/powercap"
#define RAPL ROOT "/intel-rapl"
#define J UINT64_C(1000000)
#define RANGE UINT64_C(262143328850)
/* Zone directories below ROOT. */
#define Z0 "intel-rapl/intel-rapl:0"
#define Z1 "intel-rapl/intel-rapl:1"
#define MMIO0 "intel-rapl-mmio/intel-rapl-mmio:0"

/* An energy_uj that reads "n/a": libpowercap 0.6 takes it for 0. */
#define NOT_A_NUMBER UINT64_MAX

/* A simulated zone: its directory below ROOT, name and first reading. */
struct sim_zone {
	const char *dir;
	const char *name;
	uint64_t energy_uj;
	uint64_t max_power_uw; /* constraint_0_max_power_uw; 0: none */
	mode_t energy_mode;    /* 0: 0444 */
};

struct discovery_case {
	const char *name;
	struct sim_zone zones[8];
	enum powercap_zones_mode mode;
	bool as_nobody;
	const char *expect[6]; /* selected paths below ROOT, in order */
	const char *error;     /* expected error text, when NULL expected */
};

static const struct discovery_case cases[] = {
	{"two packages with dram",
		{{Z0, "package-0", 1000, 150000000, 0},
			{Z0 "/intel-rapl:0:0", "core", 10, 0, 0},
			{Z0 "/intel-rapl:0:1", "uncore", 20, 0, 0},
			{Z0 "/intel-rapl:0:2", "dram", 30, 0, 0},
			{Z1, "package-1", 2000, 150000000, 0},
			{Z1 "/intel-rapl:1:0", "dram", 40, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false,
		{Z0, Z0 "/intel-rapl:0:2", Z1, Z1 "/intel-rapl:1:0"}, NULL},
	{"psys present, package mode",
		{{Z0, "package-0", 1000, 0, 0},
			{Z0 "/intel-rapl:0:0", "core", 10, 0, 0},
			{Z0 "/intel-rapl:0:1", "dram", 20, 0, 0},
			{Z1, "psys", 5000, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0, Z0 "/intel-rapl:0:1"},
		NULL},
	{"psys present, psys mode",
		{{Z0, "package-0", 1000, 0, 0},
			{Z0 "/intel-rapl:0:1", "dram", 20, 0, 0},
			{Z1, "psys", 5000, 0, 0}},
		POWERCAP_ZONES_PSYS, false, {Z1}, NULL},
	{"psys mode without psys", {{Z0, "package-0", 1000, 0, 0}},
		POWERCAP_ZONES_PSYS, false, {NULL},
		ROOT "/intel-rapl: no psys zone"},
	{"mmio duplicate",
		{{Z0, "package-0", 1000, 0, 0},
			{Z0 "/intel-rapl:0:0", "dram", 20, 0, 0},
			{MMIO0, "package-0", 1000, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0, Z0 "/intel-rapl:0:0"},
		NULL},
	{"same package twice",
		{{Z0, "package-0", 1000, 0, 0}, {Z1, "package-0", 1000, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0}, NULL},
	{"no dram",
		{{Z0, "package-0", 1000, 0, 0},
			{Z0 "/intel-rapl:0:0", "core", 10, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0}, NULL},
	{"die zones mirroring one socket",
		{{Z0, "package-0-die-0", 777, 0, 0},
			{Z1, "package-0-die-1", 777, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0}, NULL},
	{"die zones that differ",
		{{Z0, "package-0-die-0", 777, 0, 0},
			{Z1, "package-0-die-1", 999, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0, Z1}, NULL},
	{"die zones beside their package",
		{{Z0, "package-0", 1000, 0, 0},
			{Z1, "package-0-die-1", 999, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {Z0}, NULL},
	{"no tree at all", {{NULL, NULL, 0, 0, 0}}, POWERCAP_ZONES_PACKAGE,
		false, {NULL},
		ROOT "/intel-rapl: no RAPL powercap tree: "
		     "No such file or directory"},
	{"only psys, package mode", {{Z0, "psys", 1, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {NULL},
		RAPL ": no package-N zone"},
	{"energy_uj unreadable", {{Z0, "package-0", 1000, 0, 0400}},
		POWERCAP_ZONES_PACKAGE, true, {NULL},
		RAPL "/intel-rapl:0/energy_uj: Permission denied"},
	{"energy_uj not a number", {{Z0, "package-0", NOT_A_NUMBER, 0, 0}},
		POWERCAP_ZONES_PACKAGE, false, {NULL},
		RAPL "/intel-rapl:0/energy_uj: not a number: \"n/a\""},
};

static void die(const char *what)
{
	fprintf(stderr, "test_powercap_discovery: %s: %s\n", what,
		strerror(errno));
	exit(99);
}

/* Write a value in place, as the kernel shows it: no leading zeros. */
static void put(
	const char *dir, const char *file, const char *value, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", ROOT, dir, file);
	fd = open(path, O_WRONLY | O_CREAT, mode);
	if (fd < 0 || pwrite(fd, value, strlen(value), 0) < 0 || close(fd) < 0)
		die(path);
	if (chmod(path, mode) < 0)
		die(path);
}

static void put_u64(const char *dir, const char *file, uint64_t v, mode_t mode)
{
	char buf[32];

	/* Pad with spaces so a shorter value overwrites a longer one. */
	snprintf(buf, sizeof(buf), "%-24" PRIu64 "\n", v);
	put(dir, file, buf, mode);
}

static void mkdirs(const char *dir)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", ROOT, dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die(path);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
}

static void build_zone(const struct sim_zone *z)
{
	char name[80], ct[64];

	mkdirs(z->dir);
	/* The control type directory has an "enabled" file. */
	snprintf(ct, sizeof(ct), "%.*s", (int)strcspn(z->dir, "/"), z->dir);
	put_u64(ct, "enabled", 1, 0644);
	snprintf(name, sizeof(name), "%s\n", z->name);
	put(z->dir, "name", name, 0444);
	put_u64(z->dir, "enabled", 1, 0644);
	put_u64(z->dir, "max_energy_range_uj", RANGE, 0444);
	if (z->energy_uj == NOT_A_NUMBER)
		put(z->dir, "energy_uj", "n/a\n", 0444);
	else
		put_u64(z->dir, "energy_uj", z->energy_uj,
			z->energy_mode ? z->energy_mode : 0444);
	if (z->max_power_uw) {
		put_u64(z->dir, "constraint_0_max_power_uw", z->max_power_uw,
			0444);
		put(z->dir, "constraint_0_name", "long_term\n", 0444);
		put_u64(z->dir, "constraint_0_power_limit_uw", z->max_power_uw,
			0644);
	}
}

static int rm_entry(
	const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void reset_tree(void)
{
	if (nftw(ROOT, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 &&
		errno != ENOENT)
		die("removing " ROOT);
}

static void build_tree(const struct sim_zone *zones)
{
	size_t i;

	reset_tree();
	for (i = 0; i < 8 && zones[i].dir; i++)
		build_zone(&zones[i]);
}

/* Discovery as an unprivileged user, in a child: 0 if the error matched. */
static int open_as_nobody(
	const struct discovery_case *tc, struct sc_error *err)
{
	struct passwd *pw = getpwnam("nobody");
	int fds[2], status;
	pid_t pid;

	if (!pw || pipe(fds) < 0)
		die("nobody");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		struct powercap_zones_options o = {.mode = tc->mode};
		struct powercap_zones *z;

		close(fds[0]);
		if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
			_exit(98);
		z = powercap_zones_open(&o, 0, err);
		if (write(fds[1], err->text, sizeof(err->text)) < 0)
			_exit(97);
		_exit(z ? 1 : 0);
	}
	close(fds[1]);
	if (read(fds[0], err->text, sizeof(err->text)) < 0)
		die("pipe");
	close(fds[0]);
	err->text[sizeof(err->text) - 1] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 96;
}

START_TEST(test_discovery_cases)
{
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct discovery_case *tc = &cases[i];
		struct powercap_zones_options o = {.mode = tc->mode};
		struct sc_error err = {{0}};
		struct powercap_zones_info info;
		struct powercap_zones *z = NULL;
		size_t want = 0;

		build_tree(tc->zones);
		if (!tc->zones[0].dir)
			reset_tree();
		while (want < 6 && tc->expect[want])
			want++;
		if (tc->as_nobody) {
			ck_assert_msg(open_as_nobody(tc, &err) == 0,
				"%s: opened as nobody", tc->name);
		} else {
			z = powercap_zones_open(&o, 0, &err);
		}
		if (!want) {
			ck_assert_msg(z == NULL, "%s: opened", tc->name);
			ck_assert_msg(strcmp(err.text, tc->error) == 0,
				"%s: error \"%s\", expected \"%s\"", tc->name,
				err.text, tc->error);
			continue;
		}
		ck_assert_msg(z != NULL, "%s: %s", tc->name, err.text);
		ck_assert_msg(powercap_zones_count(z) == want,
			"%s: %zu zones, expected %zu", tc->name,
			powercap_zones_count(z), want);
		for (k = 0; k < want; k++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", ROOT,
				tc->expect[k]);
			ck_assert_int_eq(powercap_zones_get(z, k, &info), 0);
			ck_assert_msg(strcmp(info.path, path) == 0,
				"%s: zone %zu is %s, expected %s", tc->name, k,
				info.path, path);
			ck_assert_uint_eq(info.range_uj, RANGE);
		}
		ck_assert_int_eq(powercap_zones_get(z, want, &info), -1);
		powercap_zones_close(z);
	}
}
END_TEST

/*
 * Polling through the open files: counters advance in place (as the
 * simulator and the kernel do), wrap, an impossible jump is rejected, a
 * delta over an interval that could hide wraps is not counted, a vanished
 * zone is an error. Ceilings: 2 x 150 W for the packages (their
 * constraint), the 1000 W default for dram (shortest wrap 262 s).
 */
START_TEST(test_polling)
{
	static const struct sim_zone tree[] = {
		{Z0, "package-0", RANGE + 1 - 50 * J, 150000000, 0},
		{Z0 "/intel-rapl:0:0", "dram", 0, 0, 0},
		{Z1, "package-1", 7, 150000000, 0},
		{NULL, NULL, 0, 0, 0},
	};
	static const struct {
		uint64_t pkg0, dram, pkg1;
		int64_t t_s;
		int rc;
		uint64_t total_uj;
	} steps[] = {
		/* 1 s: 100 J (wrapping) + 10 J + 120 J. */
		{50 * J, 10 * J, 120 * J + 7, 1, 0, 230 * J},
		/* 2 s: nothing moved. */
		{50 * J, 10 * J, 120 * J + 7, 2, 0, 230 * J},
		/* 3 s: package-1 jumps 1000 J: rejected, others count. */
		{150 * J, 20 * J, 1120 * J + 7, 3, 1, 340 * J},
		/* 4 s: counting resumes from the jump. */
		{250 * J, 30 * J, 1220 * J + 7, 4, 0, 550 * J},
		/* 300 s: 296 s since the last reading, past dram's 262 s
		 * wrap period: its 10 J are not counted, the packages'
		 * (873 s) are. */
		{350 * J, 40 * J, 1320 * J + 7, 300, 1, 750 * J},
	};
	struct sc_error err = {{0}};
	struct powercap_zones_info info;
	struct powercap_zones *z;
	uint64_t total = 0;
	size_t i;

	build_tree(tree);
	z = powercap_zones_open(NULL, 0, &err);
	ck_assert_msg(z != NULL, "%s", err.text);
	ck_assert_uint_eq(powercap_zones_count(z), 3);
	ck_assert_int_eq(powercap_zones_get(z, 0, &info), 0);
	ck_assert_uint_eq(info.max_uw, 300000000);
	ck_assert_int_eq(powercap_zones_get(z, 1, &info), 0);
	ck_assert_uint_eq(info.max_uw, POWERCAP_ZONES_DEFAULT_MAX_UW);
	/* 262143.32885 J at 1000 W (dram, the smaller ceiling's zone). */
	ck_assert_double_eq_tol(
		powercap_zones_min_wrap_s(z), 262.14332885, 1e-6);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int rc;

		put_u64(tree[0].dir, "energy_uj", steps[i].pkg0, 0444);
		put_u64(tree[1].dir, "energy_uj", steps[i].dram, 0444);
		put_u64(tree[2].dir, "energy_uj", steps[i].pkg1, 0444);
		memset(&err, 0, sizeof(err));
		rc = powercap_zones_poll(
			z, steps[i].t_s * INT64_C(1000000000), &total, &err);
		ck_assert_msg(rc == steps[i].rc, "step %zu: rc %d (%s)", i, rc,
			err.text);
		ck_assert_msg(total == steps[i].total_uj,
			"step %zu: %" PRIu64 " uJ, expected %" PRIu64, i, total,
			steps[i].total_uj);
	}
	ck_assert_msg(strstr(err.text, "wraps may be missing") != NULL, "%s",
		err.text);
	ck_assert_int_eq(powercap_zones_get(z, 1, &info), 0);
	ck_assert_uint_eq(info.uncertain, 1);
	ck_assert_uint_eq(info.total_uj, 30 * J);
	ck_assert_int_eq(powercap_zones_get(z, 2, &info), 0);
	ck_assert_uint_eq(info.rejected, 1);
	ck_assert_uint_eq(info.uncertain, 0);

	/* package-1 reads "n/a": an error, counters left alone. */
	put(tree[2].dir, "energy_uj", "n/a\n", 0444);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(
		powercap_zones_poll(z, INT64_C(300500000000), &total, &err),
		-1);
	ck_assert_str_eq(err.text,
		RAPL "/intel-rapl:1/energy_uj: not a number: \"n/a\"");
	ck_assert_uint_eq(total, 750 * J);
	/* Padded with spaces, as a simulator writes it: the same message. */
	put(tree[2].dir, "energy_uj", "n/a                     \n", 0444);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(
		powercap_zones_poll(z, INT64_C(300700000000), &total, &err),
		-1);
	ck_assert_str_eq(err.text,
		RAPL "/intel-rapl:1/energy_uj: not a number: \"n/a\"");

	/* The dram zone vanishes. */
	if (unlink(RAPL "/intel-rapl:0/intel-rapl:0:0/energy_uj") < 0)
		die("unlink");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(
		powercap_zones_poll(z, INT64_C(301000000000), &total, &err),
		-1);
	ck_assert_str_eq(err.text,
		RAPL "/intel-rapl:0/intel-rapl:0:0/energy_uj:"
		     " zone vanished (file removed)");
	ck_assert_uint_eq(total, 750 * J);
	powercap_zones_close(z);
}
END_TEST

static Suite *discovery_suite(void)
{
	Suite *s = suite_create("powercap_discovery");
	TCase *tc = tcase_create("sysfs");

	tcase_add_test(tc, test_discovery_cases);
	tcase_add_test(tc, test_polling);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct statfs fs;
	SRunner *sr;
	int failed;

	if (!getenv("POWERCAP_TEST_NS")) {
		fprintf(stderr, "run me through test_powercap_discovery.sh\n");
		return 77;
	}
	if (statfs("/sys/class", &fs) < 0 || fs.f_type != TMPFS_MAGIC) {
		fprintf(stderr, "/sys/class is not a private tmpfs: refusing "
				"to write there\n");
		return 99;
	}
	sr = srunner_create(discovery_suite());
	/* No fork: the trees are shared state, built case by case. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	reset_tree();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
