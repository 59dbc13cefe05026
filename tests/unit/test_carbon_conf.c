/*
 * test_carbon_conf.c: carbon.conf(5): a full file read back field by
 * field, the defaults, loaded series, and every refusal as "FILE:LINE:".
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbon_conf.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES TEST_DATA_DIR "/carbon_conf/"

static struct carbon_conf *load_fixture(const char *file,
	const struct carbon_conf_options *opts, struct sc_error *err)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s", FIXTURES, file);
	return carbon_conf_load(path, opts, err);
}

/* Every key, with CRLF, quotes, comments and continued lines. */
START_TEST(test_full)
{
	struct sc_error err = {{0}};
	struct carbon_conf *c =
		load_fixture("test_carbon_conf-full.conf", NULL, &err);
	const struct carbon_node_group *g;
	const struct carbon_partition *pt;
	const struct carbon_region *r;
	struct carbon_intensity ci;

	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_str_eq(c->path, FIXTURES "test_carbon_conf-full.conf");
	/* global keys */
	ck_assert_double_eq(c->pue, 1.25);
	ck_assert_int_eq(c->default_region, 0); /* es, defined after */
	ck_assert_int_eq(c->share, CARBON_SHARE_MAX);
	ck_assert_str_eq(c->priority_policy, "f2");
	ck_assert_double_eq(c->site_factor_max, 5000);
	ck_assert_int_eq(c->forecast_max_age, 3 * 3600);
	ck_assert_double_eq_tol(c->defer_min_saving, 0.10, 1e-15);
	ck_assert(!c->space_shift);
	ck_assert_double_eq(c->space_wait_weight, 0.5);
	ck_assert_int_eq(c->space_max_wait, 30 * 60);
	ck_assert_ptr_nonnull(c->exempt_accounts);
	ck_assert_str_eq(c->exempt_accounts[0], "admin");
	ck_assert_str_eq(c->exempt_accounts[1], "ops");
	ck_assert_ptr_null(c->exempt_accounts[2]);
	ck_assert_str_eq(c->exempt_qos[0], "urgent"); /* key "exemptqos" */
	ck_assert_ptr_null(c->exempt_qos[1]);
	ck_assert(carbon_conf_listed(c->exempt_accounts, "ops"));
	ck_assert(!carbon_conf_listed(c->exempt_accounts, "Ops"));
	ck_assert(!carbon_conf_listed(c->exempt_accounts, NULL));
	ck_assert(!carbon_conf_listed(NULL, "ops"));

	/* regions, in file order, with their line numbers */
	ck_assert_uint_eq(c->nregions, 4);
	r = &c->regions[0];
	ck_assert_str_eq(r->name, "es");
	ck_assert_str_eq(r->path, "/var/lib/scarbon/ES_2022.csv");
	ck_assert_int_eq(r->column, INTENSITY_LCA);
	ck_assert_ptr_null(r->series); /* not loaded without the flag */
	ck_assert_int_eq(r->line, 16);
	r = &c->regions[1];
	/* quoted: the blank and the '#' are part of the path */
	ck_assert_str_eq(r->name, "no");
	ck_assert_str_eq(r->path, "/var/lib/scarbon/NO 2022.csv#x");
	ck_assert_int_eq(r->column, INTENSITY_DIRECT);
	ck_assert_int_eq(r->line, 17);
	r = &c->regions[2];
	ck_assert_str_eq(r->name, "lab");
	ck_assert_ptr_null(r->path);
	ck_assert_double_eq(r->constant, 250.5);
	ck_assert_int_eq(r->line, 18);
	r = &c->regions[3];
	ck_assert_str_eq(r->name, "quoted");
	ck_assert_double_eq(r->constant, 42);
	ck_assert_ptr_eq(carbon_conf_region(c, "lab"), &c->regions[2]);
	ck_assert_ptr_null(carbon_conf_region(c, "LAB"));
	ck_assert_ptr_null(carbon_conf_region(c, NULL));

	/* partitions */
	ck_assert_uint_eq(c->npartitions, 4);
	pt = carbon_conf_partition(c, "batch");
	ck_assert_ptr_eq(pt, &c->partitions[0]);
	ck_assert_uint_eq(pt->region, 0);
	ck_assert_double_eq(pt->pue, 1.1);
	ck_assert(pt->deferrable);
	ck_assert_int_eq(pt->max_delay, 12 * 3600);
	ck_assert_int_eq(pt->line, 21);
	pt = carbon_conf_partition(c, "debug");
	ck_assert_uint_eq(pt->region, 2);
	ck_assert_double_eq(pt->pue, 0);
	ck_assert(!pt->deferrable);
	ck_assert_int_eq(pt->max_delay, 0);
	/* three physical lines: the first one's number */
	pt = carbon_conf_partition(c, "long");
	ck_assert_uint_eq(pt->region, 1);
	ck_assert(pt->deferrable);
	ck_assert_int_eq(pt->max_delay, 2 * 86400);
	ck_assert_int_eq(pt->line, 23);
	pt = carbon_conf_partition(c, "plain");
	ck_assert_uint_eq(pt->region, (size_t)-1);
	ck_assert_int_eq(pt->line, 26);
	ck_assert_ptr_null(carbon_conf_partition(c, "nosuch"));
	ck_assert_ptr_null(carbon_conf_partition(c, NULL));

	/* a partition's region: its own, else DefaultRegion */
	ck_assert_str_eq(carbon_conf_partition_region(c, "debug")->name, "lab");
	ck_assert_str_eq(carbon_conf_partition_region(c, "plain")->name, "es");
	ck_assert_str_eq(carbon_conf_partition_region(c, "nosuch")->name, "es");
	ck_assert_str_eq(carbon_conf_partition_region(c, NULL)->name, "es");
	/* PUE: the partition's, else the site's */
	ck_assert_double_eq(carbon_conf_pue(c, "batch"), 1.1);
	ck_assert_double_eq(carbon_conf_pue(c, "plain"), 1.25);
	ck_assert_double_eq(carbon_conf_pue(c, "nosuch"), 1.25);
	ck_assert_double_eq(carbon_conf_pue(c, NULL), 1.25);

	/* node groups: DEFAULT as given, the built-in values where not */
	ck_assert_uint_eq(c->ngroups, 3);
	g = &c->groups[0];
	ck_assert_str_eq(g->expr, "DEFAULT");
	ck_assert_ptr_null(g->nodes);
	ck_assert_double_eq(g->embodied_kg, CARBON_DEFAULT_EMBODIED_KG);
	ck_assert_double_eq(g->lifetime_years, 5);
	ck_assert_double_eq(g->cpus, 64);
	ck_assert_double_eq(g->memory_gb, 256);
	ck_assert_double_eq(g->gpus, 0);
	ck_assert_double_eq(g->estimate.watts_per_core, 12);
	ck_assert_double_eq(g->estimate.watts_per_gb, 0.3725);
	ck_assert_double_eq(g->estimate.watts_per_gpu, 200);
	ck_assert_int_eq(g->line, 28);
	/* cn[1-4]: its own embodied and watts per core, DEFAULT's rest */
	g = &c->groups[1];
	ck_assert_str_eq(g->expr, "cn[1-4]");
	ck_assert_uint_eq(nodelist_count(g->nodes), 4);
	ck_assert_double_eq(g->embodied_kg, 1500);
	ck_assert_double_eq(g->lifetime_years, 5);
	ck_assert_double_eq(g->cpus, 64);
	ck_assert_double_eq(g->memory_gb, 256);
	ck_assert_double_eq(g->gpus, 0);
	ck_assert_double_eq(g->estimate.watts_per_core, 10);
	ck_assert_double_eq(g->estimate.watts_per_gb, 0.3725);
	ck_assert_double_eq(g->estimate.watts_per_gpu, 200);
	ck_assert_int_eq(g->line, 29);
	g = &c->groups[2];
	ck_assert_str_eq(g->expr, "gpu[01-02]");
	ck_assert_double_eq(g->embodied_kg, 2500);
	ck_assert_double_eq(g->lifetime_years, 5);
	ck_assert_double_eq(g->cpus, 32);
	ck_assert_double_eq(g->memory_gb, 512);
	ck_assert_double_eq(g->gpus, 4);
	ck_assert_double_eq(g->estimate.watts_per_core, 12);
	ck_assert_double_eq(g->estimate.watts_per_gb, 0.5);
	ck_assert_double_eq(g->estimate.watts_per_gpu, 300);
	ck_assert_int_eq(g->line, 30);
	ck_assert_ptr_eq(carbon_conf_node_group(c, "cn3"), &c->groups[1]);
	ck_assert_ptr_eq(carbon_conf_node_group(c, "gpu02"), &c->groups[2]);
	ck_assert_ptr_eq(carbon_conf_node_group(c, "gpu2"), &c->groups[0]);
	ck_assert_ptr_eq(carbon_conf_node_group(c, "cn5"), &c->groups[0]);
	ck_assert_ptr_eq(carbon_conf_node_group(c, ""), &c->groups[0]);

	/* a series not loaded is an error, never a constant 0 */
	ck_assert_int_eq(
		carbon_region_intensity(&c->regions[0], &ci, &err), -1);
	ck_assert_str_eq(err.text,
		"region es: series "
		"/var/lib/scarbon/ES_2022.csv is not loaded");
	sc_error_clear(&err);
	ck_assert_int_eq(carbon_region_intensity(&c->regions[2], &ci, &err), 0);
	ck_assert_str_eq(ci.name, "lab");
	ck_assert_ptr_null(ci.series);
	ck_assert_double_eq(ci.constant, 250.5);
	ck_assert(!sc_error_is_set(&err));
	carbon_conf_destroy(c);
}
END_TEST

/* PUE alone: every other field takes its documented default. */
START_TEST(test_minimal)
{
	struct sc_error err = {{0}};
	struct carbon_conf *c =
		load_fixture("test_carbon_conf-minimal.conf", NULL, &err);
	const struct carbon_node_group *g;

	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_double_eq(c->pue, 1.3);
	ck_assert_int_eq(c->default_region, -1);
	ck_assert_int_eq(c->share, CARBON_SHARE_CPU);
	ck_assert_str_eq(c->priority_policy, "f1");
	ck_assert_double_eq(c->site_factor_max, 10000000.0);
	ck_assert_int_eq(c->forecast_max_age, 6 * 3600);
	ck_assert_double_eq(c->defer_min_saving, 0.05);
	ck_assert(c->space_shift);
	ck_assert_double_eq(c->space_wait_weight, 0);
	ck_assert_int_eq(c->space_max_wait, 3600);
	ck_assert_ptr_null(c->exempt_accounts);
	ck_assert_ptr_null(c->exempt_qos);
	ck_assert_uint_eq(c->nregions, 0);
	ck_assert_uint_eq(c->npartitions, 0);
	ck_assert_ptr_null(carbon_conf_partition_region(c, "batch"));
	ck_assert_double_eq(carbon_conf_pue(c, "batch"), 1.3);
	ck_assert_uint_eq(c->ngroups, 1);
	g = carbon_conf_node_group(c, "cn1");
	ck_assert_ptr_eq(g, &c->groups[0]);
	ck_assert_str_eq(g->expr, "DEFAULT");
	/* CCF's dual-socket 192 GB node over 4 years; Green Algorithms */
	ck_assert_double_eq(g->embodied_kg, 1344);
	ck_assert_double_eq(g->lifetime_years, 4);
	ck_assert_double_eq(g->cpus, 0); /* unknown: asked of slurmctld */
	ck_assert_double_eq(g->memory_gb, 0);
	ck_assert_double_eq(g->gpus, 0);
	ck_assert_double_eq(g->estimate.watts_per_core, 12);
	ck_assert_double_eq(g->estimate.watts_per_gb, 0.3725);
	ck_assert_double_eq(g->estimate.watts_per_gpu, 200);
	ck_assert_int_eq(g->line, 0);
	carbon_conf_destroy(c);
}
END_TEST

/* Groups take a field from DEFAULT only where they do not give it. */
START_TEST(test_group_defaults)
{
	static const char text[] =
		"PUE=1.3\n"
		"NodeName=a[1-2] GPUs=0 CPUs=8\n" /* before DEFAULT */
		"NodeName=DEFAULT GPUs=2 CPUs=16 WattsPerGPU=150\n"
		"NodeName=b1 EmbodiedKgCO2e=0 LifetimeYears=0.5\n";
	struct sc_error err = {{0}};
	struct carbon_conf *c =
		carbon_conf_parse("t.conf", text, strlen(text), NULL, &err);

	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_uint_eq(c->ngroups, 3);
	/* an explicit 0 is kept, not replaced by DEFAULT's 2 */
	ck_assert_double_eq(c->groups[1].gpus, 0);
	ck_assert_double_eq(c->groups[1].cpus, 8);
	ck_assert_double_eq(c->groups[1].estimate.watts_per_gpu, 150);
	ck_assert_double_eq(c->groups[1].embodied_kg, 1344);
	ck_assert_double_eq(c->groups[2].gpus, 2);
	ck_assert_double_eq(c->groups[2].cpus, 16);
	ck_assert_double_eq(c->groups[2].embodied_kg, 0);
	ck_assert_double_eq(c->groups[2].lifetime_years, 0.5);
	ck_assert_int_eq(c->groups[0].line, 3);
	carbon_conf_destroy(c);
}
END_TEST

/*
 * With CARBON_CONF_LOAD_SERIES every region's file is loaded, in the
 * column the region asks for (test_carbon_conf-series.csv: direct 100,
 * 200, 300; LCA 150, 260, 370, hourly from 2022-01-01T00:00Z).
 */
START_TEST(test_load_series)
{
	static const char text[] = "PUE=1.2\n"
				   "RegionName=lca Intensity=\"" FIXTURES
				   "test_carbon_conf-series.csv\" Column=lca\n"
				   "RegionName=direct Intensity=\"" FIXTURES
				   "test_carbon_conf-series.csv\"\n"
				   "RegionName=flat Intensity=80\n"
				   "DefaultRegion=lca\n";
	const struct carbon_conf_options opts = {
		.flags = CARBON_CONF_LOAD_SERIES};
	struct sc_error err = {{0}};
	struct carbon_conf *c =
		carbon_conf_parse("s.conf", text, strlen(text), &opts, &err);
	struct carbon_intensity ci;
	const int64_t t = 1640995200; /* 2022-01-01T00:00:00Z */
	double mean;

	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_ptr_nonnull(c->regions[0].series);
	ck_assert_ptr_nonnull(c->regions[1].series);
	ck_assert_ptr_null(c->regions[2].series);
	ck_assert_int_eq(intensity_series_start(c->regions[0].series), t);
	ck_assert_int_eq(
		intensity_series_end(c->regions[0].series), t + 3 * 3600);
	ck_assert_double_eq(
		intensity_series_at(c->regions[0].series, t + 3600), 260);
	ck_assert_double_eq(
		intensity_series_at(c->regions[1].series, t + 3600), 200);
	ck_assert_int_eq(carbon_region_intensity(&c->regions[0], &ci, &err), 0);
	ck_assert_ptr_eq(ci.series, c->regions[0].series);
	/* 00:30 to 02:30: (1800 x 150 + 3600 x 260 + 1800 x 370) / 7200 */
	ck_assert_int_eq(
		carbon_intensity_mean(&ci, t + 1800, t + 9000, &mean, &err), 0);
	ck_assert_double_eq_tol(mean, 260, 1e-12);
	carbon_conf_destroy(c);
}
END_TEST

static int check_policy(const char *value, char *why, size_t size)
{
	if (!strcmp(value, "f1") || !strcmp(value, "f2"))
		return 0;
	if (!strcmp(value, "zz"))
		return -1; /* no reason given */
	snprintf(why, size, "no such policy (f1, f2)");
	return -1;
}

/*
 * A file that must be refused: the line and the message after
 * "PATH:LINE: " (the start of it where a hint follows).
 */
static const struct error_case {
	const char *file; /* test_carbon_conf-FILE.conf */
	int line;
	const char *error;
	int flags;
	int err_no; /* 0: EINVAL */
} error_cases[] = {
	{"unknown-key", 3, "unknown key 'Colour'", 0, 0},
	{"unknown-key-region", 2,
		"RegionName=es: unknown key 'Colour' (a "
		"region takes Intensity and Column)",
		0, 0},
	{"unknown-key-partition", 2,
		"PartitionName=batch: unknown key "
		"'Nodes' (a partition takes Region, PUE, "
		"Deferrable and MaxDelay)",
		0, 0},
	{"unknown-key-node", 2,
		"NodeName=cn[1-2]: unknown key 'Sockets' (a "
		"node group takes EmbodiedKgCO2e, "
		"LifetimeYears, CPUs, MemoryGB, GPUs, "
		"WattsPerCore, WattsPerGB, WattsPerGPU)",
		0, 0},
	{"unknown-key-default", 3, "NodeName=DEFAULT: unknown key 'Sockets'", 0,
		0},
	{"pue-missing", 1,
		"PUE is not set (the site's power usage "
		"effectiveness, for example PUE=1.3)",
		0, 0},
	{"pue-low", 2, "PUE=0.5: must be between 1 and 10", 0, 0},
	{"pue-abc", 1, "PUE=abc: not a number", 0, 0},
	{"pue-trailing", 1, "PUE=1.3x: not a number", 0, 0},
	{"pue-partition", 2, "PUE=0.5: must be between 1 and 10", 0, 0},
	{"repeat-on-line", 1, "pue is given twice on the line", 0, 0},
	{"repeat-across-lines", 4, "PUE is already set at line 2", 0, 0},
	{"repeat-record-key", 3, "REGION is given twice on the line", 0, 0},
	{"region-twice", 4, "RegionName=es is already defined at line 3", 0, 0},
	{"partition-twice", 3,
		"PartitionName=batch is already defined at "
		"line 2",
		0, 0},
	{"region-undefined", 3,
		"Region=fr: no such region (define "
		"RegionName=fr first)",
		0, 0},
	{"region-defined-later", 2,
		"Region=fr: no such region (define "
		"RegionName=fr first)",
		0, 0},
	{"default-region-undefined", 3, "DefaultRegion=fr: no such region", 0,
		0},
	{"node-two-groups", 4,
		"NodeName=cn[3-5]: node cn3 is already in "
		"NodeName=cn[1-3] at line 2",
		0, 0},
	{"too-many-nodes", 5,
		"NodeName=e1: the NodeName lines name more than 262144 "
		"nodes in all",
		0, 0},
	{"default-twice", 3, "NodeName=DEFAULT is already given at line 2", 0,
		0},
	{"deferrable-no-delay", 2,
		"PartitionName=batch: Deferrable=yes needs "
		"a MaxDelay= above 0",
		0, 0},
	{"deferrable-zero-delay", 2,
		"PartitionName=batch: Deferrable=yes "
		"needs a MaxDelay= above 0",
		0, 0},
	{"delay-not-deferrable", 2,
		"PartitionName=batch: MaxDelay= without "
		"Deferrable=yes",
		0, 0},
	{"delay-no-unit", 2,
		"MaxDelay=3600: expected a duration with a unit "
		"(90s, 15min, 12h, 2d)",
		0, 0},
	{"bad-bool", 2, "Deferrable=maybe: expected yes or no", 0, 0},
	{"bad-bool-global", 2, "SpaceShift=2: expected yes or no", 0, 0},
	{"empty-value", 1, "PUE has an empty value", 0, 0},
	{"empty-quoted", 2, "PriorityPolicy has an empty value", 0, 0},
	{"empty-before-comment", 2, "PriorityPolicy has an empty value", 0, 0},
	{"unterminated-quote", 2, "PriorityPolicy: unterminated quote", 0, 0},
	{"text-after-quote", 2, "PriorityPolicy: text after the closing quote",
		0, 0},
	/* the NUL is on line 3 */
	{"nul", 3, "not a text file (NUL byte)", 0, 0},
	{"control-char", 2, "control character 0x0d", 0, 0},
	{"no-equals", 1, "expected Key=Value, found 'PUE'", 0, 0},
	{"no-key", 1, "'=' without a key", 0, 0},
	{"bad-nodelist", 2,
		"NodeName=cn[1-: nodelist 'cn[1-': '[' without "
		"']'",
		0, 0},
	{"intensity-range", 2,
		"Intensity=2e6: a constant must be between 0 "
		"and 1e6 gCO2e/kWh",
		0, 0},
	{"intensity-relative", 2,
		"Intensity=data/es.csv: expected a constant "
		"in gCO2e/kWh or an absolute path to a "
		"series file (intensity(5))",
		0, 0},
	{"intensity-negative", 2, "Intensity=-5: expected a constant", 0, 0},
	{"column-constant", 2,
		"RegionName=lab: Column= applies to a series "
		"file, not a constant",
		0, 0},
	{"column-bad", 2, "Column=both: expected direct or lca", 0, 0},
	{"no-intensity", 2,
		"RegionName=es: no Intensity= (a constant in "
		"gCO2e/kWh or a series file)",
		0, 0},
	{"bad-name", 2,
		"RegionName=e/s: a name may hold letters, digits, "
		"'-', '_' and '.'",
		0, 0},
	{"bad-share", 2, "EmbodiedShare=gpu: expected cpu or max", 0, 0},
	/* the number without its % sign */
	{"bad-percent", 2, "DeferMinSaving=100: must be between 0 and 99.999",
		0, 0},
	{"empty-list", 2, "ExemptAccounts=: empty list", 0, 0},
	{"cpus-zero", 2, "CPUs=0: must be between 1 and 1e+07", 0, 0},
	/* an error on a continued line: its first physical line */
	{"continued-error", 2, "PartitionName=batch: unknown key 'Nodes'", 0,
		0},
	{"too-many-settings", 2, "too many settings on one line", 0, 0},
	/* the series is read only when asked: its line, its path, errno */
	{"series-missing", 3,
		"RegionName=es: "
		"/nonexistent/test_carbon_conf-series-missing.csv"
		": cannot open: No such file or directory",
		CARBON_CONF_LOAD_SERIES, ENOENT},
	{"policy-refused", 2, "PriorityPolicy=f9: no such policy (f1, f2)", 0,
		0},
	{"policy-refused-silently", 2, "PriorityPolicy=zz: unknown policy", 0,
		0},
};

START_TEST(test_errors)
{
	size_t i;

	for (i = 0; i < NELEM(error_cases); i++) {
		const struct error_case *e = &error_cases[i];
		const struct carbon_conf_options opts = {
			.flags = e->flags, .check_policy = check_policy};
		struct sc_error err = {{0}};
		char file[256], want[1024];

		snprintf(file, sizeof(file), "test_carbon_conf-%s.conf",
			e->file);
		snprintf(want, sizeof(want), "%s%s:%d: %s", FIXTURES, file,
			e->line, e->error);
		errno = 0;
		ck_assert_msg(
			load_fixture(file, &opts, &err) == NULL, "%s", file);
		ck_assert_msg(!strncmp(err.text, want, strlen(want)),
			"%s:\n  got  '%s'\n  want '%s'", file, err.text, want);
		ck_assert_msg(errno == (e->err_no ? e->err_no : EINVAL),
			"%s: errno %d", file, errno);
	}
}
END_TEST

/* Without a check_policy hook any name is taken. */
START_TEST(test_policy_unchecked)
{
	struct sc_error err = {{0}};
	struct carbon_conf *c = load_fixture(
		"test_carbon_conf-policy-refused.conf", NULL, &err);

	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_str_eq(c->priority_policy, "f9");
	carbon_conf_destroy(c);
}
END_TEST

/* The file itself: missing, a directory, too large. */
START_TEST(test_load_file)
{
	struct sc_error err = {{0}};
	char dir[256], path[300], want[600];
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	errno = 0;
	ck_assert_ptr_null(
		carbon_conf_load(FIXTURES "nosuch.conf", NULL, &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err.text, FIXTURES "nosuch.conf: No such file or "
					    "directory");

	sc_error_clear(&err);
	errno = 0;
	ck_assert_ptr_null(carbon_conf_load(TEST_DATA_DIR, NULL, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, TEST_DATA_DIR ": not a regular file of at "
						 "most 1048576 bytes");

	/* 1 MiB and one byte of comments */
	snprintf(dir, sizeof(dir), "%s/test_carbon_conf.XXXXXX",
		tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 1024 * 1024 / 64; i++)
		fprintf(f, "# %61s\n", "");
	fputs("\n", f);
	ck_assert_int_eq(fclose(f), 0);
	sc_error_clear(&err);
	ck_assert_ptr_null(carbon_conf_load(path, NULL, &err));
	snprintf(want, sizeof(want),
		"%s: not a regular file of at most "
		"1048576 bytes",
		path);
	ck_assert_str_eq(err.text, want);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Buffers: not NUL-terminated, empty, no final newline; the default name. */
START_TEST(test_parse_buffer)
{
	static const char text[] = "PUE=1.4\nPriorityPolicy=f3XXXX";
	struct sc_error err = {{0}};
	struct carbon_conf *c;

	/* the bytes after len are not read */
	c = carbon_conf_parse("b.conf", text, strlen(text) - 4, NULL, &err);
	ck_assert_msg(c != NULL, "%s", err.text);
	ck_assert_str_eq(c->priority_policy, "f3");
	carbon_conf_destroy(c);

	ck_assert_ptr_null(carbon_conf_parse(NULL, "", 0, NULL, &err));
	ck_assert_str_eq(err.text, "carbon.conf:1: PUE is not set (the "
				   "site's power usage effectiveness, for "
				   "example PUE=1.3)");
	carbon_conf_destroy(NULL);
}
END_TEST

/* The first error wins over later ones, and an earlier one is kept. */
START_TEST(test_first_error)
{
	static const char text[] = "PUE=abc\nColour=blue\n";
	struct sc_error err = {{0}};

	ck_assert_ptr_null(
		carbon_conf_parse("e.conf", text, strlen(text), NULL, &err));
	ck_assert_str_eq(err.text, "e.conf:1: PUE=abc: not a number");
	sc_errprintf(&err, "ignored");
	ck_assert_str_eq(err.text, "e.conf:1: PUE=abc: not a number");
	sc_error_clear(&err);
	sc_errprintf(&err, "earlier");
	ck_assert_ptr_null(
		carbon_conf_parse("e.conf", text, strlen(text), NULL, &err));
	ck_assert_str_eq(err.text, "earlier");
}
END_TEST

/* carbon_parse_duration: a number and a unit, nothing else. */
static const struct duration_case {
	const char *text;
	int rc;
	int64_t seconds;
} duration_cases[] = {
	{"90s", 0, 90},
	{"1sec", 0, 1},
	{"15min", 0, 900},
	{"15m", 0, 900},
	{"10MIN", 0, 600},
	{"12h", 0, 43200},
	{"1hour", 0, 3600},
	{"2hours", 0, 7200},
	{"1.5h", 0, 5400},
	{"2d", 0, 172800},
	{"1day", 0, 86400},
	{"3days", 0, 259200},
	{"0s", 0, 0},
	{"5.s", 0, 5},
	{"0.4s", 0, 0},		   /* rounded to the second */
	{"0.5s", 0, 1},		   /* halves away from zero */
	{"36600d", 0, 3162240000}, /* 100 x 366 days: the most */
	{"36601d", -1, 0},
	{"10", -1, 0}, /* no unit */
	{"", -1, 0},
	{"s", -1, 0},
	{"-5s", -1, 0},
	{" 5s", -1, 0},
	{"5 s", -1, 0},
	{"5s ", -1, 0},
	{"5sx", -1, 0},
	{"5w", -1, 0},
	{".5h", -1, 0},
	{"1e3s", -1, 0},  /* decimal numbers only */
	{"0x10s", -1, 0}, /* not hexadecimal */
	{"1e400s", -1, 0},
};

START_TEST(test_duration)
{
	size_t i;

	for (i = 0; i < NELEM(duration_cases); i++) {
		const struct duration_case *d = &duration_cases[i];
		int64_t s = -7;

		ck_assert_msg(carbon_parse_duration(d->text, &s) == d->rc,
			"'%s'", d->text);
		if (d->rc == 0)
			ck_assert_msg(s == d->seconds, "'%s': %lld", d->text,
				(long long)s);
		else
			ck_assert_msg(s == -7, "'%s' wrote %lld", d->text,
				(long long)s);
	}
	ck_assert_int_eq(carbon_parse_duration(NULL, &(int64_t){0}), -1);
}
END_TEST

static Suite *carbon_conf_suite(void)
{
	Suite *s = suite_create("carbon_conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_group_defaults);
	tcase_add_test(tc, test_load_series);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_policy_unchecked);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_parse_buffer);
	tcase_add_test(tc, test_first_error);
	tcase_add_test(tc, test_duration);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(carbon_conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
