/*
 * test_job_carbon.c: a job's energy (job_energy: the extern step, else the
 * union of step lifetimes per node) and its carbon (job_carbon), every
 * figure computed by hand in the comments.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_carbon.h"
#include "stamp.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES TEST_DATA_DIR "/carbon_conf/"

#define H 3600
#define T0 1640995200 /* 2022-01-01T00:00:00Z */
#define T11 (T0 + 11 * H)

/*
 * Embodied rates, g/s per node: TE x 1000 / (LifetimeYears x 365.25 x
 * 86400). cn: 1344 kg over 4 y: 1344000 / 126230400 = 140 / 13149 (both
 * divided by 9600). gpu: 3155.76 kg over 1 y: 3155760 / 31557600 = 0.1.
 */
#define RATE_CN (140.0 / 13149.0)
#define RATE_GPU 0.1

/*
 * Three configurations, the same but for the embodied share and the
 * default region. grid: test_job_carbon-step.csv, 100 g/kWh from 00:00 to
 * 12:00 on 2022-01-01, then 300 until 24:00, nothing outside.
 */
#define CONF_TEXT(share, default_region)                                       \
	"PUE=1.5\n"                                                            \
	"EmbodiedShare=" share "\n"                                            \
	"RegionName=grid Intensity=\"" FIXTURES "test_job_carbon-step.csv\"\n" \
	"RegionName=lab Intensity=50\n"                                        \
	"RegionName=flat Intensity=250\n" default_region                       \
	"PartitionName=eco Region=lab PUE=1.1\n"                               \
	"PartitionName=const Region=flat\n"                                    \
	"NodeName=cn[1-4] CPUs=64 MemoryGB=256 EmbodiedKgCO2e=1344 "           \
	"LifetimeYears=4 WattsPerCore=10 WattsPerGB=0.5\n"                     \
	"NodeName=gpu[1-2] CPUs=32 MemoryGB=512 GPUs=4 "                       \
	"EmbodiedKgCO2e=3155.76 LifetimeYears=1 WattsPerCore=5 "               \
	"WattsPerGB=0.25 WattsPerGPU=250\n"

enum { CONF_CPU, CONF_MAX, CONF_NO_DEFAULT, NCONFS };

static const char *const conf_texts[NCONFS] = {
	[CONF_CPU] = CONF_TEXT("cpu", "DefaultRegion=grid\n"),
	[CONF_MAX] = CONF_TEXT("max", "DefaultRegion=grid\n"),
	[CONF_NO_DEFAULT] = CONF_TEXT("cpu", ""),
};

static struct carbon_conf *confs[NCONFS];

/* Node lists the jobs point to, freed after each test. */
static struct nodelist *lists[2048];
static size_t nlists;

static const struct nodelist *nl(const char *expr)
{
	struct sc_error err = {{0}};
	struct nodelist *l;

	if (!expr)
		return NULL;
	l = nodelist_parse(expr, &err);
	ck_assert_msg(l != NULL, "%s", err.text);
	ck_assert_uint_lt(nlists, NELEM(lists));
	lists[nlists++] = l;
	return l;
}

static void setup(void)
{
	const struct carbon_conf_options opts = {
		.flags = CARBON_CONF_LOAD_SERIES};
	size_t i;

	for (i = 0; i < NCONFS; i++) {
		struct sc_error err = {{0}};

		confs[i] = carbon_conf_parse("job.conf", conf_texts[i],
			strlen(conf_texts[i]), &opts, &err);
		ck_assert_msg(confs[i] != NULL, "%s", err.text);
	}
}

static void teardown(void)
{
	size_t i;

	for (i = 0; i < NCONFS; i++)
		carbon_conf_destroy(confs[i]);
	for (i = 0; i < nlists; i++)
		nodelist_destroy(lists[i]);
	nlists = 0;
}

/* A step as sacct gives it; max/min node -1 when Slurm kept none. */
struct step_spec {
	const char *name;
	enum job_step_kind kind;
	int64_t start, end;
	const char *nodes;
	double joules;
	long max_node;
	double max_j;
	long min_node;
	double min_j;
};

#define STEP(name, kind, start, end, nodes, joules)                            \
	{                                                                      \
		name, kind, start, end, nodes, joules, -1, 0, -1, 0            \
	}
#define STEP_MM(name, kind, start, end, nodes, joules, mx, mxj, mn, mnj)       \
	{                                                                      \
		name, kind, start, end, nodes, joules, mx, mxj, mn, mnj        \
	}

#define B JOB_STEP_BATCH
#define X JOB_STEP_EXTERN
#define N JOB_STEP_NORMAL

/* A job and the figures expected of it (NAN: unknown). */
struct job_case {
	const char *what;
	int conf;
	const char *partition;
	const char *nodes;
	int64_t start, end;
	double cpus, mem_gb, gpus, cpu_time_s;
	struct step_spec steps[4]; /* up to the first without a name */
	/* expected */
	enum energy_source source;
	const char *rule;
	const char *region;
	double energy_j, pue, intensity, operational_g, embodied_g, share;
	size_t npieces;
	const char *why; /* the whole reason; NULL: none */
};

static const struct job_case job_cases[] = {
	{
		/*
		 * 1 kW on cn1 from 11:00 to 13:00 (the extern step: 7.2e6 J),
		 * 100 g/kWh until 12:00, 300 after: mean (3600 x 100 + 3600 x
		 * 300) / 7200 = 200. 2 kWh x 1.5 x 200 = 600 g. Embodied: 4 of
		 * 64 CPUs for 7200 s: 140 / 13149 x 7200 / 16 = 63000 / 13149 =
		 * 7000 / 1461 = 4.7912 g.
		 */
		.what = "intensity changing mid-job",
		.partition = "batch",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 2 * H,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, T11 + 2 * H, "cn1", 7.2e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 7.2e6,
		.pue = 1.5,
		.intensity = 200,
		.operational_g = 600,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/* eco: PUE 1.1, lab 50 g/kWh: 1 kWh x 1.1 x 50 = 55 g. */
		.what = "the partition's PUE",
		.partition = "eco",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 2 * H,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, T11 + 2 * H, "cn1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "lab",
		.energy_j = 3.6e6,
		.pue = 1.1,
		.intensity = 50,
		.operational_g = 55,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/* const: no PUE of its own, the site's 1.5: 1 x 1.5 x 250. */
		.what = "the site's PUE and a constant region",
		.partition = "const",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 2 * H,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, T11 + 2 * H, "cn1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "flat",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 375,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/* A constant holds in any year: 2030, no series span. */
		.what = "a constant region outside any series",
		.partition = "const",
		.nodes = "cn1",
		.start = T0 + 8 * 365 * 86400,
		.end = T0 + 8 * 365 * 86400 + 2 * H,
		.cpus = 4,
		.steps = {STEP("extern", X, T0 + 8 * 365 * 86400,
			T0 + 8 * 365 * 86400 + 2 * H, "cn1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "flat",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 375,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * gpu1 for 1 h from 11:00 at 100 g/kWh: 1 kWh x 1.5 x 100 =
		 * 150 g. Share by CPUs: 8 / 32 = 0.25; 0.1 g/s x 3600 x 0.25
		 * = 90 g.
		 */
		.what = "embodied, CPU share",
		.partition = "batch",
		.nodes = "gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 8,
		.mem_gb = 256,
		.gpus = 1,
		.steps = {STEP("extern", X, T11, T11 + H, "gpu1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 100,
		.operational_g = 150,
		.embodied_g = 90,
		.share = 0.25,
		.npieces = 1,
	},
	{
		/* EmbodiedShare=max: memory 256 / 512 = 0.5 is the largest of
		 * 0.25, 0.5 and GPUs 1 / 4: 360 x 0.5 = 180 g. */
		.what = "embodied, memory share",
		.conf = CONF_MAX,
		.partition = "batch",
		.nodes = "gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 8,
		.mem_gb = 256,
		.gpus = 1,
		.steps = {STEP("extern", X, T11, T11 + H, "gpu1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 100,
		.operational_g = 150,
		.embodied_g = 180,
		.share = 0.5,
		.npieces = 1,
	},
	{
		/* GPUs 3 / 4 = 0.75 above memory 0.5: 270 g. */
		.what = "embodied, GPU share",
		.conf = CONF_MAX,
		.partition = "batch",
		.nodes = "gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 8,
		.mem_gb = 256,
		.gpus = 3,
		.steps = {STEP("extern", X, T11, T11 + H, "gpu1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 100,
		.operational_g = 150,
		.embodied_g = 270,
		.share = 0.75,
		.npieces = 1,
	},
	{
		/* 1024 GB of a 512 GB node: the share is capped at 1. */
		.what = "embodied, share capped",
		.conf = CONF_MAX,
		.partition = "batch",
		.nodes = "gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 8,
		.mem_gb = 1024,
		.steps = {STEP("extern", X, T11, T11 + H, "gpu1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 100,
		.operational_g = 150,
		.embodied_g = 360,
		.share = 1,
		.npieces = 1,
	},
	{
		/*
		 * Two nodes of two groups: 24 of 64 + 32 CPUs = 0.25; rate
		 * 140 / 13149 + 0.1 g/s; 3600 s x 0.25 = 900 s: 126000 / 13149
		 * + 90 = 99.5825 g.
		 */
		.what = "embodied over two node groups",
		.partition = "batch",
		.nodes = "cn1,gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 24,
		.steps = {STEP("extern", X, T11, T11 + H, "cn1,gpu1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 100,
		.operational_g = 150,
		.embodied_g = 126000.0 / 13149 + 90,
		.share = 0.25,
		.npieces = 1,
	},
	{
		/*
		 * No step measured: Green Algorithms with cn's 10 W per core
		 * and 0.5 W per GB: 7200 CPU-s x 10 + 3600 s x 16 GB x 0.5 =
		 * 72000 + 28800 = 100800 J; x 1.5 x 250 / 3.6e6 = 10.5 g.
		 * Embodied 140 / 13149 x 3600 / 16 = 3500 / 1461.
		 */
		.what = "estimated, cn's watts",
		.partition = "const",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + H,
		.cpus = 4,
		.mem_gb = 16,
		.cpu_time_s = 7200,
		.steps = {STEP("batch", B, T11, T11 + H, "cn1", NAN),
			STEP("extern", X, T11, T11 + H, "cn1", NAN)},
		.source = ENERGY_SOURCE_ESTIMATED,
		.rule = "Green Algorithms estimate",
		.region = "flat",
		.energy_j = 100800,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 10.5,
		.embodied_g = 3500.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * gpu's watts: 3600 x 5 + 3600 x (64 x 0.25 + 2 x 250) =
		 * 18000 + 1857600 = 1875600 J; x 1.5 x 250 / 3.6e6 = 195.375 g.
		 * No steps at all. Embodied: 0.1 x 3600 x 8 / 32 = 90 g.
		 */
		.what = "estimated, gpu's watts, no steps",
		.partition = "const",
		.nodes = "gpu1",
		.start = T11,
		.end = T11 + H,
		.cpus = 8,
		.mem_gb = 64,
		.gpus = 2,
		.cpu_time_s = 3600,
		.source = ENERGY_SOURCE_ESTIMATED,
		.rule = "Green Algorithms estimate",
		.region = "flat",
		.energy_j = 1875600,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 195.375,
		.embodied_g = 90,
		.share = 0.25,
		.npieces = 1,
	},
	{
		/* Past the series' end: no number from another day. */
		.what = "a job past the end of the series",
		.partition = "batch",
		.nodes = "cn1",
		.start = T0 + 23 * H,
		.end = T0 + 25 * H,
		.cpus = 4,
		.steps = {STEP(
			"extern", X, T0 + 23 * H, T0 + 25 * H, "cn1", 7.2e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 7.2e6,
		.pue = 1.5,
		.intensity = NAN,
		.operational_g = NAN,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
		.why = "region grid: intensity series covers "
		       "2022-01-01T00:00:00Z..2022-01-02T00:00:00Z, not "
		       "2022-01-01T23:00:00Z..2022-01-02T01:00:00Z",
	},
	{
		.what = "a job before the start of the series",
		.partition = "batch",
		.nodes = "cn1",
		.start = T0 - H,
		.end = T0 + H,
		.cpus = 4,
		.steps = {STEP("extern", X, T0 - H, T0 + H, "cn1", 7.2e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "grid",
		.energy_j = 7.2e6,
		.pue = 1.5,
		.intensity = NAN,
		.operational_g = NAN,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
		.why = "region grid: intensity series covers "
		       "2022-01-01T00:00:00Z..2022-01-02T00:00:00Z, not "
		       "2021-12-31T23:00:00Z..2022-01-01T01:00:00Z",
	},
	{
		/*
		 * The batch step holds cn1 over [0, 100] (1000 J). Step 0 on
		 * cn1 and cn2 over [10, 50]: cn1 (600 J, the largest) is
		 * covered, cn2 (300 J, the smallest) is not. Step 1 on cn1
		 * over [60, 80] is covered. 1000 + 300 = 1300 J; x 1.5 x 250
		 * / 3.6e6 = 0.1354166 g. Given out of order on purpose.
		 * Embodied: 2 x 140 / 13149 x 100 s x 8 / 128 = 1750 / 13149.
		 */
		.what = "overlapping steps counted once",
		.partition = "const",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 100,
		.cpus = 8,
		.steps = {STEP("1", N, T11 + 60, T11 + 80, "cn1", 150),
			STEP_MM("0", N, T11 + 10, T11 + 50, "cn[1-2]", 900, 0,
				600, 1, 300),
			STEP("batch", B, T11, T11 + 100, "cn1", 1000)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1300,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 1300 * 1.5 * 250 / 3.6e6,
		.embodied_g = 1750.0 / 13149,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/*
		 * Step 0 on cn1 over [50, 150] (2000 J) after the batch step
		 * over [0, 100]: it is not within a second of the batch's
		 * lifetime, so the overlap is measured exactly: 50 of its
		 * 100 s are covered and 50 % of its energy counts: 1000 +
		 * 1000 = 2000 J; x 1.5 x 250 / 3.6e6 = 0.2083333 g.
		 * Embodied: 140 / 13149 x 150 / 16.
		 */
		.what = "a partly overlapping step prorated",
		.partition = "const",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 150,
		.cpus = 4,
		.steps = {STEP("batch", B, T11, T11 + 100, "cn1", 1000),
			STEP("0", N, T11 + 50, T11 + 150, "cn1", 2000)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 2000,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 2000 * 1.5 * 250 / 3.6e6,
		.embodied_g = 140.0 / 13149 * 150 / 16,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/*
		 * Step 1 on cn1 starts the second step 0 ended there, no
		 * batch step: nothing overlaps, both count in full: 500 + 700
		 * = 1200 J; x 1.5 x 250 / 3.6e6 = 0.125 g. Embodied: 140 /
		 * 13149 x 40 / 16.
		 */
		.what = "back-to-back steps both counted",
		.partition = "const",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 40,
		.cpus = 4,
		.steps = {STEP("0", N, T11, T11 + 20, "cn1", 500),
			STEP("1", N, T11 + 20, T11 + 40, "cn1", 700)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1200,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 0.125,
		.embodied_g = 140.0 / 13149 * 40 / 16,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/*
		 * Step 0 recorded over [0, 101] inside a batch step over
		 * [0, 100]: within a second of it (whole seconds), so covered:
		 * 1000 J; x 1.5 x 250 / 3.6e6 = 0.1041666 g. Embodied: 140 /
		 * 13149 x 101 / 16.
		 */
		.what = "a step a second past its batch step is inside it",
		.partition = "const",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 101,
		.cpus = 4,
		.steps = {STEP("batch", B, T11, T11 + 100, "cn1", 1000),
			STEP("0", N, T11, T11 + 101, "cn1", 1010)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1000,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 1000 * 1.5 * 250 / 3.6e6,
		.embodied_g = 140.0 / 13149 * 101 / 16,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * Step 0 on three nodes (1200 J): Slurm kept cn1 600 J (max)
		 * and cn3 200 J (min), so cn2 had 400. Step 1 on cn2 over the
		 * same [0, 100] comes after it (same start and end: index
		 * order) and is covered: 1200 J. 1200 x 375 / 3.6e6 = 0.125 g.
		 */
		.what = "a step's energy on its middle node",
		.partition = "const",
		.nodes = "cn[1-3]",
		.start = T11,
		.end = T11 + 100,
		.cpus = 12,
		.steps = {STEP_MM("0", N, T11, T11 + 100, "cn[1-3]", 1200, 0,
				  600, 2, 200),
			STEP("1", N, T11, T11 + 100, "cn2", 500)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1200,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 0.125,
		.embodied_g = 3 * 140.0 / 13149 * 100 * 12 / 192,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * As above but step 1 lasts [0, 200]: the longest first, so
		 * cn2 counts step 1 (500 J) and not step 0's 400 J: 600 + 200
		 * + 500 = 1300 J; x 375 / 3.6e6.
		 */
		.what = "the longest step first on a tie",
		.partition = "const",
		.nodes = "cn[1-3]",
		.start = T11,
		.end = T11 + 200,
		.cpus = 12,
		.steps = {STEP_MM("0", N, T11, T11 + 100, "cn[1-3]", 1200, 0,
				  600, 2, 200),
			STEP("1", N, T11, T11 + 200, "cn2", 500)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1300,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 1300 * 375 / 3.6e6,
		.embodied_g = 3 * 140.0 / 13149 * 200 * 12 / 192,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/*
		 * Rule 1: the extern step's 5000 J is the job's energy; the
		 * batch and srun steps inside it add nothing.
		 * 5000 x 375 / 3.6e6 = 0.5208333 g.
		 */
		.what = "the extern step when there is one",
		.partition = "const",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 200,
		.cpus = 8,
		.steps = {STEP("batch", B, T11, T11 + 200, "cn1", 3000),
			STEP("0", N, T11 + 10, T11 + 50, "cn[1-2]", 1000),
			STEP("extern", X, T11, T11 + 200, "cn[1-2]", 5000)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "flat",
		.energy_j = 5000,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 5000 * 375 / 3.6e6,
		.embodied_g = 2 * 140.0 / 13149 * 200 * 8 / 128,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * An extern step with unknown energy: rule 2. Step 0's 1000 J
		 * shared evenly (Slurm kept no max or min): cn2's 500 J adds to
		 * the batch's 3000: 3500 J.
		 */
		.what = "an extern step without energy",
		.partition = "const",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 200,
		.cpus = 8,
		.steps = {STEP("batch", B, T11, T11 + 200, "cn1", 3000),
			STEP("0", N, T11 + 10, T11 + 50, "cn[1-2]", 1000),
			STEP("extern", X, T11, T11 + 200, "cn[1-2]", NAN)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 3500,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 3500 * 375 / 3.6e6,
		.embodied_g = 2 * 140.0 / 13149 * 200 * 8 / 128,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/*
		 * Step 0's energy is unknown and cn2 is not covered by any
		 * measured step: 1000 J is a lower bound, "partial".
		 */
		.what = "an unknown step uncovered",
		.partition = "const",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 100,
		.cpus = 8,
		.steps = {STEP("batch", B, T11, T11 + 100, "cn1", 1000),
			STEP("0", N, T11 + 10, T11 + 50, "cn[1-2]", NAN)},
		.source = ENERGY_SOURCE_PARTIAL,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1000,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 1000 * 375 / 3.6e6,
		.embodied_g = 2 * 140.0 / 13149 * 100 * 8 / 128,
		.share = 0.0625,
		.npieces = 1,
		.why = "energy of step 0 is unknown",
	},
	{
		/* The same step on cn1 only is covered by the batch step. */
		.what = "an unknown step covered",
		.partition = "const",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 100,
		.cpus = 8,
		.steps = {STEP("batch", B, T11, T11 + 100, "cn1", 1000),
			STEP("0", N, T11 + 10, T11 + 50, "cn1", NAN)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "flat",
		.energy_j = 1000,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 1000 * 375 / 3.6e6,
		.embodied_g = 2 * 140.0 / 13149 * 100 * 8 / 128,
		.share = 0.0625,
		.npieces = 1,
	},
	{
		/*
		 * Two pieces at two intensities: 1 kWh on cn1 over 11:00-12:00
		 * at 100 and 0.5 kWh on cn2 over 12:00-13:00 at 300. Mean
		 * weighted by energy: (3.6e6 x 100 + 1.8e6 x 300) / 5.4e6 =
		 * 500 / 3; grams (1 x 100 + 0.5 x 300) x 1.5 = 375. Embodied:
		 * 2 x 140 / 13149 x 7200 x 8 / 128 = 126000 / 13149.
		 */
		.what = "the energy-weighted mean intensity",
		.partition = "batch",
		.nodes = "cn[1-2]",
		.start = T11,
		.end = T11 + 2 * H,
		.cpus = 8,
		.steps = {STEP("0", N, T11, T11 + H, "cn1", 3.6e6),
			STEP("1", N, T11 + H, T11 + 2 * H, "cn2", 1.8e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "union of steps",
		.region = "grid",
		.energy_j = 5.4e6,
		.pue = 1.5,
		.intensity = 500.0 / 3,
		.operational_g = 375,
		.embodied_g = 126000.0 / 13149,
		.share = 0.0625,
		.npieces = 2,
	},
	{
		/* Nothing to say about a job still running. */
		.what = "a running job",
		.partition = "eco",
		.nodes = "cn1",
		.start = T11,
		.end = 0,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, 0, "cn1", NAN)},
		.source = ENERGY_SOURCE_NONE,
		.rule = "",
		.energy_j = NAN,
		.pue = 1.1,
		.intensity = NAN,
		.operational_g = NAN,
		.embodied_g = NAN,
		.share = NAN,
		.why = "job is still running",
	},
	{
		.what = "a job that never started",
		.partition = "batch",
		.start = 0,
		.end = 0,
		.source = ENERGY_SOURCE_NONE,
		.rule = "",
		.energy_j = NAN,
		.pue = 1.5,
		.intensity = NAN,
		.operational_g = NAN,
		.embodied_g = NAN,
		.share = NAN,
		.why = "job never started",
	},
	{
		/* No region: the embodied part is still known. */
		.what = "a partition without a region",
		.conf = CONF_NO_DEFAULT,
		.partition = "batch",
		.nodes = "cn1",
		.start = T11,
		.end = T11 + 2 * H,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, T11 + 2 * H, "cn1", 7.2e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.energy_j = 7.2e6,
		.pue = 1.5,
		.intensity = NAN,
		.operational_g = NAN,
		.embodied_g = 7000.0 / 1461,
		.share = 0.0625,
		.npieces = 1,
		.why = "partition batch has no region and carbon.conf sets no "
		       "DefaultRegion",
	},
	{
		/* login1 is in no group and DEFAULT gives no CPUs. */
		.what = "a node of unknown size",
		.partition = "const",
		.nodes = "login1",
		.start = T11,
		.end = T11 + H,
		.cpus = 4,
		.steps = {STEP("extern", X, T11, T11 + H, "login1", 3.6e6)},
		.source = ENERGY_SOURCE_MEASURED,
		.rule = "extern step",
		.region = "flat",
		.energy_j = 3.6e6,
		.pue = 1.5,
		.intensity = 250,
		.operational_g = 375,
		.embodied_g = NAN,
		.share = NAN,
		.npieces = 1,
		.why = "node login1: its CPU count is unknown (give CPUs= on a "
		       "NodeName line of carbon.conf)",
	},
};

/* Build the job of c into job/steps (node lists from the pool). */
static void build(const struct job_case *c, struct job_record *job,
	struct job_step_record *steps)
{
	size_t i;

	memset(job, 0, sizeof(*job));
	snprintf(job->id, sizeof(job->id), "%s", "42");
	job->jobid = 42;
	job->partition = c->partition;
	job->state = c->end ? "COMPLETED" : "RUNNING";
	job->nodes_expr = c->nodes;
	job->nodes = nl(c->nodes);
	job->start = c->start;
	job->end = c->end;
	job->finished = c->end != 0;
	job->alloc_cpus = c->cpus;
	job->alloc_mem_gb = c->mem_gb;
	job->alloc_gpus = c->gpus;
	job->cpu_time_s = c->cpu_time_s;
	job->steps = steps;
	for (i = 0; i < NELEM(c->steps) && c->steps[i].name; i++) {
		const struct step_spec *s = &c->steps[i];
		struct job_step_record *r = &steps[i];

		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", s->name);
		r->kind = s->kind;
		r->start = s->start;
		r->end = s->end;
		r->nodes = nl(s->nodes);
		r->energy_j = s->joules;
		r->max_node = s->max_node;
		r->max_node_j = s->max_j;
		r->min_node = s->min_node;
		r->min_node_j = s->min_j;
	}
	job->nsteps = i;
}

/* want and got agree to 1e-12 relative, or are both unknown. */
static void check_figure(
	const char *what, const char *field, double got, double want)
{
	if (isnan(want)) {
		ck_assert_msg(isnan(got), "%s: %s %.17g, expected unknown",
			what, field, got);
		return;
	}
	ck_assert_msg(fabs(got - want) <= 1e-12 * fabs(want) + 1e-15,
		"%s: %s %.17g, expected %.17g", what, field, got, want);
}

START_TEST(test_jobs)
{
	struct job_energy scratch = {0}; /* reused by every job */
	size_t i;

	for (i = 0; i < NELEM(job_cases); i++) {
		const struct job_case *c = &job_cases[i];
		struct job_step_record steps[NELEM(c->steps)];
		struct job_record job;
		struct job_carbon out;

		build(c, &job, steps);
		ck_assert_int_eq(job_carbon_compute(confs[c->conf], &job, NULL,
					 NULL, &scratch, &out),
			0);
		ck_assert_msg(out.source == c->source, "%s: source %s", c->what,
			energy_source_name(out.source));
		ck_assert_msg(!strcmp(out.rule, c->rule), "%s: rule '%s'",
			c->what, out.rule);
		if (c->region)
			ck_assert_msg(
				out.region && !strcmp(out.region, c->region),
				"%s: region %s", c->what,
				out.region ? out.region : "NULL");
		else
			ck_assert_msg(!out.region, "%s: region %s", c->what,
				out.region);
		check_figure(c->what, "energy_j", out.energy_j, c->energy_j);
		check_figure(c->what, "pue", out.pue, c->pue);
		check_figure(c->what, "intensity", out.intensity, c->intensity);
		check_figure(c->what, "operational_g", out.operational_g,
			c->operational_g);
		check_figure(
			c->what, "embodied_g", out.embodied_g, c->embodied_g);
		check_figure(c->what, "total_g", out.total_g,
			c->operational_g + c->embodied_g);
		check_figure(c->what, "share", out.share, c->share);
		ck_assert_msg(!strcmp(out.why, c->why ? c->why : ""),
			"%s: why '%s'", c->what, out.why);
		if (job.end)
			ck_assert_msg(scratch.npieces == c->npieces,
				"%s: %zu pieces", c->what, scratch.npieces);
	}
	job_energy_release(&scratch);
}
END_TEST

/*
 * The pieces of the overlapping-steps job: the batch step's 1000 J over
 * its lifetime, then cn2's 300 J of step 0 over step 0's.
 */
START_TEST(test_pieces)
{
	const struct job_case *c = NULL;
	struct job_step_record steps[4];
	struct job_energy je = {0};
	struct job_record job;
	size_t i;

	for (i = 0; i < NELEM(job_cases); i++)
		if (!strcmp(job_cases[i].what,
			    "overlapping steps counted once"))
			c = &job_cases[i];
	ck_assert_ptr_nonnull(c);
	build(c, &job, steps);
	ck_assert_int_eq(job_energy_measured(&job, &je), 0);
	ck_assert_int_eq(je.source, ENERGY_SOURCE_MEASURED);
	ck_assert_str_eq(je.rule, "union of steps");
	ck_assert_str_eq(je.why, "");
	ck_assert_uint_eq(je.npieces, 2);
	ck_assert_double_eq(je.pieces[0].joules, 1000);
	ck_assert_int_eq(je.pieces[0].t0, T11);
	ck_assert_int_eq(je.pieces[0].t1, T11 + 100);
	ck_assert_double_eq(je.pieces[1].joules, 300);
	ck_assert_int_eq(je.pieces[1].t0, T11 + 10);
	ck_assert_int_eq(je.pieces[1].t1, T11 + 50);
	ck_assert_double_eq(je.joules, 1300);

	/*
	 * Only unknown energies (NAN, or negative: no measurement either):
	 * nothing measured, for the caller to estimate.
	 */
	for (i = 0; i < job.nsteps; i++)
		job.steps[i].energy_j = i ? NAN : -5;
	ck_assert_int_eq(job_energy_measured(&job, &je), 0);
	ck_assert_int_eq(je.source, ENERGY_SOURCE_NONE);
	ck_assert_str_eq(je.rule, "");
	ck_assert_uint_eq(je.npieces, 0);
	ck_assert_double_eq(je.joules, 0);

	ck_assert_int_eq(job_energy_single(&je, ENERGY_SOURCE_ESTIMATED, "x",
				 12.5, T11, T11 + 5),
		0);
	ck_assert_uint_eq(je.npieces, 1);
	ck_assert_double_eq(je.joules, 12.5);
	ck_assert_str_eq(
		energy_source_name(ENERGY_SOURCE_MEASURED), "measured");
	ck_assert_str_eq(energy_source_name(ENERGY_SOURCE_PARTIAL), "partial");
	ck_assert_str_eq(
		energy_source_name(ENERGY_SOURCE_ESTIMATED), "estimated");
	ck_assert_str_eq(energy_source_name(ENERGY_SOURCE_NONE), "none");
	job_energy_release(&je);
	job_energy_release(&je); /* twice is harmless */
}
END_TEST

/* Sizes carbon.conf lacks come from the caller (slurmctld in scarbon). */
static int size_of(void *arg, const char *node, struct node_size *out)
{
	int *calls = arg;

	(*calls)++;
	if (strcmp(node, "login1"))
		return -1;
	out->cpus = 16;
	out->memory_gb = 64;
	out->gpus = 0;
	return 0;
}

/* The job and its one step move to the nodes of expr. */
static void on_nodes(struct job_record *job, const char *expr)
{
	job->nodes = nl(expr);
	job->steps[0].nodes = job->nodes;
}

START_TEST(test_node_size)
{
	struct job_step_record step;
	struct job_energy je = {0};
	struct job_record job;
	struct job_carbon out;
	int calls = 0;

	memset(&job, 0, sizeof(job));
	memset(&step, 0, sizeof(step));
	job.partition = "const";
	job.nodes = nl("login1");
	job.start = T11;
	job.end = T11 + H;
	job.alloc_cpus = 4;
	job.steps = &step;
	job.nsteps = 1;
	snprintf(step.name, sizeof(step.name), "extern");
	step.kind = JOB_STEP_EXTERN;
	step.start = T11;
	step.end = T11 + H;
	step.nodes = job.nodes;
	step.energy_j = 3.6e6;
	step.max_node = step.min_node = -1;
	/*
	 * DEFAULT: 1344 kg over 4 y (the built-in values); 4 of the 16 CPUs
	 * slurmctld reports for 1 h: 140 / 13149 x 3600 x 0.25 = 126000 /
	 * 13149 = 9.5825 g; 1 kWh x 1.5 x 250 = 375 g operational.
	 */
	ck_assert_int_eq(job_carbon_compute(confs[CONF_CPU], &job, size_of,
				 &calls, &je, &out),
		0);
	ck_assert_int_eq(calls, 1);
	ck_assert_str_eq(out.why, "");
	check_figure("size_of", "share", out.share, 0.25);
	check_figure("size_of", "embodied", out.embodied_g, 126000.0 / 13149);
	check_figure("size_of", "total", out.total_g, 375 + 126000.0 / 13149);

	/* cn1's size is in carbon.conf: the caller is not asked */
	calls = 0;
	on_nodes(&job, "cn1");
	ck_assert_int_eq(job_carbon_compute(confs[CONF_CPU], &job, size_of,
				 &calls, &je, &out),
		0);
	ck_assert_int_eq(calls, 0);
	check_figure("cn1", "share", out.share, 4.0 / 64);

	/* the caller does not know login2 either */
	on_nodes(&job, "login2");
	ck_assert_int_eq(job_carbon_compute(confs[CONF_CPU], &job, size_of,
				 &calls, &je, &out),
		0);
	ck_assert_int_eq(calls, 1);
	ck_assert(isnan(out.embodied_g) && isnan(out.total_g));
	ck_assert_str_eq(out.why, "node login2: its CPU count is unknown (give "
				  "CPUs= on a NodeName line of carbon.conf)");
	job_energy_release(&je);
}
END_TEST

/* A region whose series file was not loaded is an error, never 0. */
START_TEST(test_series_not_loaded)
{
	static const char text[] = "PUE=1.2\n"
				   "RegionName=es Intensity=/srv/es.csv\n"
				   "DefaultRegion=es\n"
				   "NodeName=cn1 CPUs=4\n";
	struct sc_error err = {{0}};
	struct carbon_conf *c =
		carbon_conf_parse("n.conf", text, strlen(text), NULL, &err);
	const struct job_case *jc = &job_cases[0];
	struct job_step_record steps[4];
	struct job_energy je = {0};
	struct job_record job;
	struct job_carbon out;

	ck_assert_msg(c != NULL, "%s", err.text);
	build(jc, &job, steps);
	ck_assert_int_eq(job_carbon_compute(c, &job, NULL, NULL, &je, &out), 0);
	ck_assert(isnan(out.operational_g) && isnan(out.total_g));
	ck_assert_str_eq(
		out.why, "region es: series /srv/es.csv is not loaded");
	ck_assert_str_eq(out.region, "es");
	job_energy_release(&je);
	carbon_conf_destroy(c);
}
END_TEST

/*
 * Sub-gram figures over a month: 1440 half-hour samples from T0 of 100 +
 * (k mod 7) g/kWh. 1440 = 7 x 205 + 5, so sum(k mod 7) = 205 x 21 + (0 +
 * 1 + 2 + 3 + 4) = 4315 and the values sum to 144000 + 4315 = 148315;
 * the integral over the 30 days is 1800 x 148315 = 266967000 g/kWh s.
 * A mean of 1 mW over 2592000 s is 2592 J; at PUE 1 that is 2592 x
 * 266967000 / 2592000 / 3.6e6 = 266967000 / 3.6e9 = 0.0741575 g exactly,
 * and the mean intensity 266967000 / 2592000 = 102.99652777... g/kWh.
 */
#define MONTH (30 * 86400)
#define MONTH_G 0.0741575
#define MONTH_MEAN (266967000.0 / 2592000.0)

static struct carbon_conf *month_conf(void)
{
	static const char text[] = "PUE=1.0\n"
				   "RegionName=month Intensity=/unused.csv\n"
				   "DefaultRegion=month\n"
				   "NodeName=cn[1-2] CPUs=64\n";
	struct sc_error err = {{0}};
	struct sc_error ierr = {{0}};
	struct carbon_conf *c =
		carbon_conf_parse("m.conf", text, strlen(text), NULL, &err);
	static int64_t times[1440];
	static double values[1440];
	size_t k;

	ck_assert_msg(c != NULL, "%s", err.text);
	for (k = 0; k < 1440; k++) {
		times[k] = T0 + (int64_t)k * 1800;
		values[k] = 100 + (double)(k % 7);
	}
	c->regions[0].series =
		intensity_series_create(times, values, 1440, &ierr);
	ck_assert_msg(c->regions[0].series != NULL, "%s", ierr.text);
	ck_assert_int_eq(
		intensity_series_end(c->regions[0].series), T0 + MONTH);
	return c;
}

START_TEST(test_month_extern)
{
	struct carbon_conf *c = month_conf();
	struct job_step_record step;
	struct job_energy je = {0};
	struct job_record job;
	struct job_carbon out;
	char buf[512];

	memset(&job, 0, sizeof(job));
	memset(&step, 0, sizeof(step));
	job.partition = "batch";
	job.nodes = nl("cn1");
	job.start = T0;
	job.end = T0 + MONTH;
	job.alloc_cpus = 1;
	job.steps = &step;
	job.nsteps = 1;
	snprintf(step.name, sizeof(step.name), "extern");
	step.kind = JOB_STEP_EXTERN;
	step.start = T0;
	step.end = T0 + MONTH;
	step.nodes = job.nodes;
	step.energy_j = 2592;
	step.max_node = step.min_node = -1;
	ck_assert_int_eq(job_carbon_compute(c, &job, NULL, NULL, &je, &out), 0);
	ck_assert_double_eq_tol(out.operational_g, MONTH_G, 1e-15);
	ck_assert_double_eq_tol(out.intensity, MONTH_MEAN, 1e-12);
	/*
	 * Embodied: DEFAULT's 1344 kg over 4 y, 1 of 64 CPUs for 30 days:
	 * 140 / 13149 x 2592000 / 64 = 5670000 / 13149 = 431.21149897 g
	 * (13149 x 431 = 5667219, remainder 2781 / 13149 = 0.21149897), so
	 * the stamp shows 431.211 and a total of 431.28565647: 431.286.
	 */
	ck_assert_double_eq_tol(out.embodied_g, 5670000.0 / 13149, 1e-9);
	ck_assert_int_eq(stamp_format(&out, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, " co2e_op_g=0.074 "));
	ck_assert_ptr_nonnull(strstr(buf, " co2e_emb_g=431.211 "));
	ck_assert_ptr_nonnull(strstr(buf, " co2e_g=431.286 "));
	job_energy_release(&je);
	carbon_conf_destroy(c);
}
END_TEST

/*
 * The same month as 720 one-hour steps of 3.6 J, alternating between cn1
 * and cn2 so that no two touch on a node: 720 pieces whose grams must add
 * up to the same 0.0741575 g without drift.
 */
START_TEST(test_month_steps)
{
	struct carbon_conf *c = month_conf();
	static struct job_step_record steps[720];
	const struct nodelist *cn1 = nl("cn1"), *cn2 = nl("cn2");
	struct job_energy je = {0};
	struct job_record job;
	struct job_carbon out;
	size_t k;

	memset(&job, 0, sizeof(job));
	job.partition = "batch";
	job.nodes = nl("cn[1-2]");
	job.start = T0;
	job.end = T0 + MONTH;
	job.alloc_cpus = 2;
	job.steps = steps;
	job.nsteps = 720;
	for (k = 0; k < 720; k++) {
		memset(&steps[k], 0, sizeof(steps[k]));
		snprintf(steps[k].name, sizeof(steps[k].name), "%zu", k);
		steps[k].kind = JOB_STEP_NORMAL;
		steps[k].start = T0 + (int64_t)k * H;
		steps[k].end = T0 + (int64_t)(k + 1) * H;
		steps[k].nodes = k % 2 ? cn2 : cn1;
		steps[k].energy_j = 3.6;
		steps[k].max_node = steps[k].min_node = -1;
	}
	ck_assert_int_eq(job_carbon_compute(c, &job, NULL, NULL, &je, &out), 0);
	ck_assert_uint_eq(je.npieces, 720);
	ck_assert_str_eq(out.rule, "union of steps");
	ck_assert_double_eq_tol(out.energy_j, 2592, 1e-9);
	ck_assert_double_eq_tol(out.operational_g, MONTH_G, 1e-15);
	ck_assert_double_eq_tol(out.intensity, MONTH_MEAN, 1e-10);
	job_energy_release(&je);
	carbon_conf_destroy(c);
}
END_TEST

static Suite *job_carbon_suite(void)
{
	Suite *s = suite_create("job_carbon");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jobs);
	tcase_add_test(tc, test_pieces);
	tcase_add_test(tc, test_node_size);
	tcase_add_test(tc, test_series_not_loaded);
	tcase_add_test(tc, test_month_extern);
	tcase_add_test(tc, test_month_steps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(job_carbon_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
