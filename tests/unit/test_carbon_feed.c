/*
 * test_carbon_feed.c: carbon.conf and forecasts as slurmctld's plugins see
 * them, with real files in a private directory: reloads by modification
 * time at most once a minute, staleness, and each problem logged once.
 */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbon_feed.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define MAX_LINES 16
#define PATH_SIZE 512

/* What the plugin's info() and error() would have printed. */
struct log_record {
	size_t n, errors;
	enum carbon_feed_level level[MAX_LINES];
	char line[MAX_LINES][800];
};

static void record(void *arg, enum carbon_feed_level level, const char *msg)
{
	struct log_record *log = arg;

	/* beyond MAX_LINES, lines are counted only */
	if (log->n < MAX_LINES) {
		log->level[log->n] = level;
		snprintf(log->line[log->n], sizeof(log->line[0]), "%s", msg);
	}
	log->n++;
	log->errors += level == CARBON_FEED_ERROR;
}

/* The last line kept. */
static const char *last_line(const struct log_record *log)
{
	if (!log->n)
		return "-";
	return log->line[log->n <= MAX_LINES ? log->n - 1 : MAX_LINES - 1];
}

/*
 * The suite's own directory, test_carbon_feed.XXXXXX in $TMPDIR, made and
 * removed by the parent process (an unchecked fixture), so that a failed
 * test leaves nothing behind; each test starts by emptying it.
 */
static char dir[PATH_SIZE];
static const char *const files[] = {"carbon.conf", "gb.csv"};

static void clean_dir(void)
{
	char path[PATH_SIZE + 32];
	size_t i;

	for (i = 0; i < NELEM(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
}

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_carbon_feed.XXXXXX",
		tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		exit(EXIT_FAILURE);
	}
}

static void remove_dir(void)
{
	clean_dir();
	if (rmdir(dir) < 0)
		perror(dir);
}

/* dir/name into buf. */
static const char *in_dir(char *buf, const char *name)
{
	snprintf(buf, PATH_SIZE + 32, "%s/%s", dir, name);
	return buf;
}

/* Write dir/name (printf-style content) with modification time mtime. */
static void write_file(const char *name, time_t mtime, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void write_file(const char *name, time_t mtime, const char *fmt, ...)
{
	struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
	char path[PATH_SIZE + 32];
	va_list ap;
	FILE *f;

	f = fopen(in_dir(path, name), "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void set_mtime(const char *name, time_t mtime)
{
	struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
	char path[PATH_SIZE + 32];

	ck_assert_int_eq(utimensat(AT_FDCWD, in_dir(path, name), times, 0), 0);
}

static void remove_file(const char *name)
{
	char path[PATH_SIZE + 32];

	ck_assert_int_eq(unlink(in_dir(path, name)), 0);
}

/* Four hours of grid intensity, first value v. */
static void write_series(const char *name, time_t mtime, int v)
{
	write_file(name, mtime,
		"Time,Carbon Intensity\n"
		"2026-01-01 00:00:00,%d\n"
		"2026-01-01 01:00:00,200\n"
		"2026-01-01 02:00:00,150\n"
		"2026-01-01 03:00:00,300\n",
		v);
}

/*
 * A carbon.conf with policy, a region with a series in the directory
 * (series: file name), a constant one, and a deferrable partition.
 */
static void write_conf(time_t mtime, const char *policy, const char *series,
	const char *max_age)
{
	write_file("carbon.conf", mtime,
		"PUE=1.3\n"
		"PriorityPolicy=%s\n"
		"ForecastMaxAge=%s\n"
		"RegionName=gb Intensity=%s/%s\n"
		"RegionName=lab Intensity=250\n"
		"PartitionName=batch Region=gb Deferrable=yes MaxDelay=12h\n"
		"PartitionName=debug Region=lab\n",
		policy, max_age, dir, series);
}

static struct carbon_feed *feed_at(time_t now, struct log_record *log)
{
	char path[PATH_SIZE + 32];
	struct carbon_feed *f;

	memset(log, 0, sizeof(*log));
	f = carbon_feed_create(
		in_dir(path, "carbon.conf"), NULL, record, log, now);
	ck_assert_ptr_nonnull(f);
	return f;
}

static const struct carbon_region *region(
	const struct carbon_feed *f, const char *name)
{
	const struct carbon_region *r =
		carbon_conf_region(carbon_feed_conf(f), name);

	ck_assert_ptr_nonnull(r);
	return r;
}

/* The log lines from index from on, each compared as a whole. */
static void expect_lines(const struct log_record *log, size_t from,
	const enum carbon_feed_level *levels, const char *const *lines,
	size_t n)
{
	size_t i;

	ck_assert_msg(log->n == from + n, "%zu log lines, want %zu (last: %s)",
		log->n, from + n, last_line(log));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(log->level[from + i], levels[i]);
		ck_assert_str_eq(log->line[from + i], lines[i]);
	}
}

/* A good carbon.conf and a fresh series: all in force, nothing wrong. */
START_TEST(test_good_conf)
{
	static const enum carbon_feed_level levels[] = {
		CARBON_FEED_INFO, CARBON_FEED_INFO};
	char conf[PATH_SIZE + 32], series[PATH_SIZE + 32];
	char want[2][PATH_SIZE + 200];
	const char *lines[2] = {want[0], want[1]};
	const struct intensity_series *s;
	struct carbon_region stranger = {.name = "gb"};
	struct log_record log;
	struct carbon_feed *f;
	const char *why = NULL;

	clean_dir();
	write_series("gb.csv", NOW - 100, 100);
	write_conf(NOW - 100, "f1", "gb.csv", "6h");
	f = feed_at(NOW, &log);
	ck_assert_ptr_nonnull(carbon_feed_conf(f));
	ck_assert_str_eq(carbon_feed_conf(f)->priority_policy, "f1");
	ck_assert_uint_eq(carbon_feed_generation(f), 1);
	s = carbon_feed_forecast(f, region(f, "gb"), &why);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(intensity_series_count(s), 4);
	ck_assert_double_eq(intensity_series_at(s, NOW), 100);
	snprintf(want[0], sizeof(want[0]),
		"%s loaded: 2 region(s), 2 partition(s), priority policy f1",
		in_dir(conf, "carbon.conf"));
	snprintf(want[1], sizeof(want[1]),
		"region gb: forecast %s loaded (4 samples)",
		in_dir(series, "gb.csv"));
	expect_lines(&log, 0, levels, lines, 2);
	/* the constant region has no forecast, and says why */
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "lab"), &why));
	ck_assert_str_eq(why, "the region's intensity is a constant");
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "lab"), NULL));
	/* a region that is not the configuration's own */
	ck_assert_ptr_null(carbon_feed_forecast(f, &stranger, &why));
	ck_assert_str_eq(why, "no configuration");
	/* nothing changed: a refresh reloads and logs nothing */
	carbon_feed_refresh(f, NOW + 60, false);
	carbon_feed_refresh(f, NOW + 61, true);
	ck_assert_uint_eq(carbon_feed_generation(f), 1);
	ck_assert_ptr_eq(carbon_feed_forecast(f, region(f, "gb"), NULL), s);
	ck_assert_uint_eq(log.n, 2);
	carbon_feed_destroy(f);
	carbon_feed_destroy(NULL);
}
END_TEST

/*
 * A broken carbon.conf: no configuration and one ERROR line, however
 * often the feed looks; fixed (a new modification time), it is in force
 * again; another problem is logged once more.
 */
START_TEST(test_broken_conf)
{
	char conf[PATH_SIZE + 32], want[PATH_SIZE + 300];
	struct log_record log;
	struct carbon_feed *f;
	const char *why = NULL;
	struct carbon_region r = {.name = "gb"};

	clean_dir();
	in_dir(conf, "carbon.conf");
	write_series("gb.csv", NOW - 100, 100);
	write_file("carbon.conf", NOW - 100, "PUE=abc\n");
	f = feed_at(NOW, &log);
	ck_assert_ptr_null(carbon_feed_conf(f));
	ck_assert_uint_eq(log.n, 1);
	ck_assert_int_eq(log.level[0], CARBON_FEED_ERROR);
	snprintf(want, sizeof(want),
		"%s:1: PUE=abc: not a number; carbon-aware scheduling is off "
		"until it is fixed (jobs pass through unchanged)",
		conf);
	ck_assert_str_eq(log.line[0], want);
	ck_assert_ptr_null(carbon_feed_forecast(f, &r, &why));
	ck_assert_str_eq(why, "no configuration");
	/* looked at again and again: still broken, not logged again */
	carbon_feed_refresh(f, NOW + 1, true);
	carbon_feed_refresh(f, NOW + 60, false);
	carbon_feed_refresh(f, NOW + 3600, false);
	carbon_feed_refresh(f, NOW + 3601, true);
	ck_assert_ptr_null(carbon_feed_conf(f));
	ck_assert_uint_eq(log.n, 1);
	ck_assert_uint_eq(carbon_feed_generation(f), 1);

	/* fixed */
	write_conf(NOW + 4000, "spf", "gb.csv", "6h");
	carbon_feed_refresh(f, NOW + 4000, false);
	ck_assert_ptr_nonnull(carbon_feed_conf(f));
	ck_assert_str_eq(carbon_feed_conf(f)->priority_policy, "spf");
	ck_assert_uint_eq(carbon_feed_generation(f), 2);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_uint_eq(log.errors, 1);
	ck_assert_uint_eq(log.n, 3); /* conf loaded, forecast loaded */
	ck_assert_int_eq(log.level[1], CARBON_FEED_INFO);

	/* broken another way: one more line; the same way again: none */
	write_file("carbon.conf", NOW + 5000, "PUE=1.3\nColour=blue\n");
	carbon_feed_refresh(f, NOW + 5000, false);
	ck_assert_ptr_null(carbon_feed_conf(f));
	ck_assert_uint_eq(carbon_feed_generation(f), 3);
	ck_assert_uint_eq(log.n, 4);
	ck_assert_int_eq(log.level[3], CARBON_FEED_ERROR);
	ck_assert_ptr_nonnull(strstr(log.line[3], ":2: unknown key 'Colour'"));
	write_file("carbon.conf", NOW + 6000, "PUE=1.3\nColour=blue\n");
	carbon_feed_refresh(f, NOW + 6000, false);
	ck_assert_uint_eq(carbon_feed_generation(f), 4);
	ck_assert_uint_eq(log.n, 4);

	/* gone: one line naming the file and the reason */
	remove_file("carbon.conf");
	carbon_feed_refresh(f, NOW + 7000, false);
	carbon_feed_refresh(f, NOW + 8000, false);
	ck_assert_ptr_null(carbon_feed_conf(f));
	ck_assert_uint_eq(log.n, 5);
	snprintf(want, sizeof(want),
		"%s: No such file or directory; carbon-aware scheduling is off "
		"until it is fixed (jobs pass through unchanged)",
		conf);
	ck_assert_str_eq(log.line[4], want);
	carbon_feed_destroy(f);
}
END_TEST

/*
 * Between two looks (CARBON_FEED_CHECK_S) the files are not looked at:
 * changed, even removed, nothing changes until a minute has passed since
 * the last look, or a forced refresh.
 */
START_TEST(test_check_interval)
{
	const struct intensity_series *s;
	struct log_record log;
	struct carbon_feed *f;

	ck_assert_int_eq(CARBON_FEED_CHECK_S, 60);
	clean_dir();
	write_series("gb.csv", NOW - 100, 100);
	write_conf(NOW - 100, "f1", "gb.csv", "6h");
	f = feed_at(NOW, &log);
	ck_assert_uint_eq(carbon_feed_generation(f), 1);

	/* carbon.conf changed at NOW + 10 */
	write_conf(NOW + 10, "wfp3", "gb.csv", "6h");
	carbon_feed_refresh(f, NOW + 30, false);
	carbon_feed_refresh(f, NOW + 59, false);
	ck_assert_uint_eq(carbon_feed_generation(f), 1);
	ck_assert_str_eq(carbon_feed_conf(f)->priority_policy, "f1");
	carbon_feed_refresh(f, NOW + 60, false);
	ck_assert_uint_eq(carbon_feed_generation(f), 2);
	ck_assert_str_eq(carbon_feed_conf(f)->priority_policy, "wfp3");

	/* the series rewritten at NOW + 70: seen at NOW + 120, not before */
	s = carbon_feed_forecast(f, region(f, "gb"), NULL);
	ck_assert_double_eq(intensity_series_at(s, NOW), 100);
	write_series("gb.csv", NOW + 70, 80);
	carbon_feed_refresh(f, NOW + 119, false);
	s = carbon_feed_forecast(f, region(f, "gb"), NULL);
	ck_assert_double_eq(intensity_series_at(s, NOW), 100);
	carbon_feed_refresh(f, NOW + 120, false);
	s = carbon_feed_forecast(f, region(f, "gb"), NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(intensity_series_at(s, NOW), 80);
	ck_assert_uint_eq(carbon_feed_generation(f), 2);

	/* both files gone: nothing noticed for a minute ... */
	remove_file("gb.csv");
	remove_file("carbon.conf");
	carbon_feed_refresh(f, NOW + 179, false);
	ck_assert_ptr_nonnull(carbon_feed_conf(f));
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_uint_eq(log.errors, 0);
	/* ... unless forced */
	carbon_feed_refresh(f, NOW + 150, true);
	ck_assert_ptr_null(carbon_feed_conf(f));
	ck_assert_uint_eq(log.errors, 1);
	/* the forced look counts: a minute from it again */
	write_conf(NOW + 160, "f1", "gb.csv", "6h");
	carbon_feed_refresh(f, NOW + 209, false);
	ck_assert_ptr_null(carbon_feed_conf(f));
	carbon_feed_refresh(f, NOW + 210, false);
	ck_assert_ptr_nonnull(carbon_feed_conf(f));
	carbon_feed_destroy(f);
}
END_TEST

/*
 * A region's series missing, then there, then unreadable: no forecast
 * while it is not good, each problem logged once, and its return too.
 */
START_TEST(test_series_missing)
{
	char series[PATH_SIZE + 32], want[PATH_SIZE + 300];
	struct log_record log;
	struct carbon_feed *f;
	const char *why = NULL;
	int i;

	clean_dir();
	in_dir(series, "gb.csv");
	write_conf(NOW - 100, "f1", "gb.csv", "6h");
	f = feed_at(NOW, &log);
	ck_assert_ptr_nonnull(carbon_feed_conf(f));
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_str_eq(why, "the forecast is missing or unreadable");
	ck_assert_uint_eq(log.n, 2); /* carbon.conf loaded, the problem */
	ck_assert_uint_eq(log.errors, 1);
	snprintf(want, sizeof(want),
		"region gb: forecast %s: No such file or directory; jobs in "
		"its partitions are not shifted until a good forecast is "
		"there",
		series);
	ck_assert_str_eq(log.line[1], want);
	for (i = 1; i <= 10; i++)
		carbon_feed_refresh(f, NOW + 60 * i, i % 2);
	ck_assert_uint_eq(log.n, 2);

	/* there: loaded, said once */
	write_series("gb.csv", NOW + 650, 100);
	carbon_feed_refresh(f, NOW + 660, false);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_uint_eq(log.n, 3);
	ck_assert_int_eq(log.level[2], CARBON_FEED_INFO);
	carbon_feed_refresh(f, NOW + 720, false);
	ck_assert_uint_eq(log.n, 3);

	/* unreadable: the loader's first error, once */
	write_file("gb.csv", NOW + 730, "Time,Carbon Intensity\nsoon,12\n");
	for (i = 0; i < 3; i++)
		carbon_feed_refresh(f, NOW + 780 + 60 * i, false);
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_str_eq(why, "the forecast is missing or unreadable");
	ck_assert_uint_eq(log.n, 4);
	ck_assert_int_eq(log.level[3], CARBON_FEED_ERROR);
	snprintf(want, sizeof(want),
		"region gb: forecast unreadable: %s:2:", series);
	ck_assert_msg(
		!strncmp(log.line[3], want, strlen(want)), "%s", log.line[3]);

	/* missing again: a new problem, logged */
	remove_file("gb.csv");
	carbon_feed_refresh(f, NOW + 1000, false);
	carbon_feed_refresh(f, NOW + 1060, false);
	ck_assert_uint_eq(log.n, 5);
	ck_assert_int_eq(log.level[4], CARBON_FEED_ERROR);
	carbon_feed_destroy(f);
}
END_TEST

/*
 * ForecastMaxAge: a series written exactly ForecastMaxAge ago is in force;
 * a second later it is stale, logged once however long it stays stale,
 * and in force again once rewritten.
 */
START_TEST(test_stale)
{
	char series[PATH_SIZE + 32], want[PATH_SIZE + 300];
	struct log_record log;
	struct carbon_feed *f;
	const char *why = NULL;
	int i;

	clean_dir();
	in_dir(series, "gb.csv");
	write_series("gb.csv", NOW - 3600, 100);
	write_conf(NOW - 3600, "f1", "gb.csv", "1h");
	f = feed_at(NOW, &log);
	ck_assert_int_eq(carbon_feed_conf(f)->forecast_max_age, 3600);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_uint_eq(log.errors, 0);

	carbon_feed_refresh(f, NOW + 60, false); /* 3660 s old */
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_str_eq(why, "the forecast is stale");
	ck_assert_uint_eq(log.errors, 1);
	snprintf(want, sizeof(want),
		"region gb: forecast %s is stale: last written 3660 s ago, "
		"ForecastMaxAge is 3600 s; jobs in its partitions are not "
		"shifted until a good forecast is there",
		series);
	ck_assert_str_eq(last_line(&log), want);

	/* an hour of looks, forced or not: still one line */
	for (i = 2; i <= 60; i++)
		carbon_feed_refresh(f, NOW + 60 * i, i % 7 == 0);
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_msg(log.errors == 1, "%zu error lines; the last: %s",
		log.errors, last_line(&log));

	/* rewritten by the fetcher: in force again, said once */
	write_series("gb.csv", NOW + 3650, 90);
	carbon_feed_refresh(f, NOW + 3660, false);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_uint_le(log.n, MAX_LINES);
	ck_assert_int_eq(log.level[log.n - 1], CARBON_FEED_INFO);
	ck_assert_uint_eq(log.errors, 1);

	/* stale again later: logged again, once */
	set_mtime("gb.csv", NOW);
	for (i = 0; i < 5; i++)
		carbon_feed_refresh(f, NOW + 7300 + 60 * i, false);
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_uint_eq(log.errors, 2);
	carbon_feed_destroy(f);
}
END_TEST

/*
 * A forecast whose last interval has ended (a fetcher that keeps writing
 * the same old data: fresh by its time) is not in force, logged once, and
 * in force again once a forecast reaching past now is written.
 */
START_TEST(test_ended)
{
	char series[PATH_SIZE + 32], want[PATH_SIZE + 300];
	struct log_record log;
	struct carbon_feed *f;
	const char *why = NULL;
	int i;

	clean_dir();
	in_dir(series, "gb.csv");
	write_series("gb.csv", NOW, 100); /* 00:00 to 04:00 */
	write_conf(NOW, "f1", "gb.csv", "6h");
	f = feed_at(NOW, &log);
	carbon_feed_refresh(f, NOW + 4 * 3600 - 60, false);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_uint_eq(log.errors, 0);

	carbon_feed_refresh(f, NOW + 4 * 3600, false);
	ck_assert_ptr_null(carbon_feed_forecast(f, region(f, "gb"), &why));
	ck_assert_str_eq(why, "the forecast has ended");
	snprintf(want, sizeof(want),
		"region gb: forecast %s has ended: its last interval ends at "
		"2026-01-01T04:00:00Z; jobs in its partitions are not shifted "
		"until a good forecast is there",
		series);
	ck_assert_str_eq(last_line(&log), want);
	for (i = 1; i <= 30; i++)
		carbon_feed_refresh(f, NOW + 4 * 3600 + 60 * i, i % 7 == 0);
	ck_assert_uint_eq(log.errors, 1);

	write_file("gb.csv", NOW + 5 * 3600,
		"Time,Carbon Intensity\n"
		"2026-01-01 05:00:00,120\n"
		"2026-01-01 06:00:00,80\n");
	carbon_feed_refresh(f, NOW + 5 * 3600 + 60, false);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	ck_assert_int_eq(log.level[log.n - 1], CARBON_FEED_INFO);
	ck_assert_uint_eq(log.errors, 1);
	carbon_feed_destroy(f);
}
END_TEST

/* Without a log function the feed works the same, silently. */
START_TEST(test_no_log)
{
	char conf[PATH_SIZE + 32];
	struct carbon_feed *f;

	clean_dir();
	write_series("gb.csv", NOW - 100, 100);
	write_conf(NOW - 100, "f1", "gb.csv", "6h");
	f = carbon_feed_create(
		in_dir(conf, "carbon.conf"), NULL, NULL, NULL, NOW);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(carbon_feed_forecast(f, region(f, "gb"), NULL));
	write_file("carbon.conf", NOW + 10, "PUE=abc\n");
	carbon_feed_refresh(f, NOW + 60, false);
	ck_assert_ptr_null(carbon_feed_conf(f));
	carbon_feed_destroy(f);
}
END_TEST

static Suite *carbon_feed_suite(void)
{
	Suite *s = suite_create("carbon_feed");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, test_good_conf);
	tcase_add_test(tc, test_broken_conf);
	tcase_add_test(tc, test_check_interval);
	tcase_add_test(tc, test_series_missing);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_ended);
	tcase_add_test(tc, test_no_log);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(carbon_feed_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
