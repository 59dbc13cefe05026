/*
 * carbonlearn.c: learn queue priority functions from an SWF trace by the
 * SC17 procedure (trials of random queue orders, scores, regression); a
 * thin front end over sample.c and fit.c. Usage in carbonlearn(1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fit.h"
#include "formula.h"
#include "intensity.h"
#include "learn_cost.h"
#include "policy.h"
#include "sample.h"
#include "sim.h"
#include "validate.h"

#define EXIT_USAGE 2

struct opts {
	struct sample_config cfg;
	unsigned families;
	unsigned threads;
	unsigned shard, nshards;
	bool merge, quiet;
	const char *data_out;
	const char *outdir;
	const char *carbon;
	size_t top;
	long procs;
	size_t validate;
	enum backfill_kind validate_bf[2];
	size_t nvalidate_bf;
	size_t validate_boot;
	const char *validate_trace;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: carbonlearn [OPTIONS] TRACE.swf\n"
		"       carbonlearn --merge [OPTIONS] DATA.csv...\n"
		"Learn queue priority functions by the SC17 procedure.\n\n"
		"  -t, --tuples N        tuples (S, Q) drawn from the trace "
		"(1000)\n"
		"  -n, --permutations N  random queue orders per tuple (5000)\n"
		"      --state N         jobs in S, already on the machine "
		"(16)\n"
		"      --queue N         jobs in Q, the queue to order (32)\n"
		"      --first MODE      uniform, balanced or paper (uniform)\n"
		"  -s, --seed N          random seed (1)\n"
		"  -j, --threads N       threads (all cores)\n"
		"      --procs N         machine size (default: the trace "
		"header)\n"
		"      --shard I/N       make only tuples i with i %% N == I; "
		"needs --data\n"
		"      --data FILE       write the training data (scores) to "
		"FILE\n"
		"      --merge           the arguments are --data files of "
		"every shard: fit them\n"
		"  -f, --family LIST     paper, poly, carbon (paper,poly)\n"
		"      --carbon FILE     intensity series: add the carbon "
		"objective and c\n"
		"      --carbon-weight L weight of carbon in a trial's outcome "
		"(100)\n"
		"  -o, --output DIR      write ranking.csv and the top "
		"policies "
		"there\n"
		"      --top K           policies written and rows printed "
		"(10)\n"
		"      --validate K      replay the top K on the trace's SC17 "
		"windows, keep the best\n"
		"                        as DIR/learned.policy (needs -o)\n"
		"      --validate-backfill L none, easy or none,easy "
		"(none,easy)\n"
		"      --validate-bootstrap N    also on N bootstrap "
		"replicates "
		"of the trace (3)\n"
		"      --validate-trace FILE     the trace to replay (default: "
		"the one learned from)\n"
		"  -q, --quiet           no progress\n"
		"  -h, --help, -V, --version\n");
}

static int parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno || v < min || v > max || *s == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

static int bad(const char *opt, const char *arg, const char *what)
{
	fprintf(stderr, "carbonlearn: %s '%s': %s\n", opt, arg, what);
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_STATE = 256,
		O_QUEUE,
		O_FIRST,
		O_PROCS,
		O_SHARD,
		O_DATA,
		O_MERGE,
		O_CARBON,
		O_WEIGHT,
		O_TOP,
		O_VALIDATE,
		O_VBF,
		O_VBOOT,
		O_VTRACE
	};
	static const struct option lo[] = {
		{"tuples", required_argument, NULL, 't'},
		{"permutations", required_argument, NULL, 'n'},
		{"state", required_argument, NULL, O_STATE},
		{"queue", required_argument, NULL, O_QUEUE},
		{"first", required_argument, NULL, O_FIRST},
		{"seed", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 'j'},
		{"procs", required_argument, NULL, O_PROCS},
		{"shard", required_argument, NULL, O_SHARD},
		{"data", required_argument, NULL, O_DATA},
		{"merge", no_argument, NULL, O_MERGE},
		{"family", required_argument, NULL, 'f'},
		{"carbon", required_argument, NULL, O_CARBON},
		{"carbon-weight", required_argument, NULL, O_WEIGHT},
		{"output", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, O_TOP},
		{"validate", required_argument, NULL, O_VALIDATE},
		{"validate-backfill", required_argument, NULL, O_VBF},
		{"validate-trace", required_argument, NULL, O_VTRACE},
		{"validate-bootstrap", required_argument, NULL, O_VBOOT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct sc_error err = {{0}};
	size_t v;
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	memset(o, 0, sizeof(*o));
	o->cfg.nstate = 16;
	o->cfg.nqueue = 32;
	o->cfg.ntuples = 1000;
	o->cfg.nperms = 5000;
	o->cfg.seed = 1;
	o->cfg.carbon.weight = 100.0;
	o->families = FIT_PAPER | FIT_POLY;
	o->threads = nc > 0 ? (unsigned)nc : 1;
	o->nshards = 1;
	o->top = 10;
	o->validate_bf[0] = BACKFILL_NONE;
	o->validate_bf[1] = BACKFILL_EASY;
	o->nvalidate_bf = 2;
	o->validate_boot = 3;
	while ((c = getopt_long(argc, argv, "t:n:s:j:f:o:qhV", lo, NULL)) !=
		-1) {
		switch (c) {
		case 't':
			if (parse_size(optarg, 1, UINT32_MAX, &o->cfg.ntuples))
				return bad("--tuples", optarg, "1..2^32-1");
			break;
		case 'n':
			if (parse_size(optarg, 1, SIZE_MAX, &o->cfg.nperms))
				return bad(
					"--permutations", optarg, "at least 1");
			break;
		case O_STATE:
			if (parse_size(
				    optarg, 1, TRIAL_MAX_STATE, &o->cfg.nstate))
				return bad("--state", optarg, "1..64");
			break;
		case O_QUEUE:
			if (parse_size(
				    optarg, 2, TRIAL_MAX_QUEUE, &o->cfg.nqueue))
				return bad("--queue", optarg, "2..64");
			break;
		case O_FIRST:
			if (!strcmp(optarg, "uniform"))
				o->cfg.first = SAMPLE_FIRST_UNIFORM;
			else if (!strcmp(optarg, "balanced"))
				o->cfg.first = SAMPLE_FIRST_BALANCED;
			else if (!strcmp(optarg, "paper"))
				o->cfg.first = SAMPLE_FIRST_PAPER;
			else
				return bad("--first", optarg,
					"uniform, balanced or paper");
			break;
		case 's':
			if (parse_size(optarg, 0, SIZE_MAX, &v))
				return bad("--seed", optarg, "a whole number");
			o->cfg.seed = v;
			break;
		case 'j':
			if (parse_size(optarg, 1, 1024, &v))
				return bad("--threads", optarg, "1..1024");
			o->threads = (unsigned)v;
			break;
		case O_PROCS:
			if (parse_size(optarg, 1, INT32_MAX, &v))
				return bad("--procs", optarg, "at least 1");
			o->procs = (long)v;
			break;
		case O_SHARD: {
			unsigned i, n;
			int end = 0;

			if (sscanf(optarg, "%u/%u%n", &i, &n, &end) != 2 ||
				optarg[end] || !n || i >= n)
				return bad("--shard", optarg,
					"I/N with 0 <= I < N");
			o->shard = i;
			o->nshards = n;
			break;
		}
		case O_DATA:
			o->data_out = optarg;
			break;
		case O_MERGE:
			o->merge = true;
			break;
		case 'f':
			if (fit_parse_families(optarg, &o->families, &err) < 0)
				return bad("--family", optarg, err.text);
			break;
		case O_CARBON:
			o->carbon = optarg;
			break;
		case O_WEIGHT: {
			char *end;

			errno = 0;
			o->cfg.carbon.weight = strtod(optarg, &end);
			if (end == optarg || *end || errno ||
				!(o->cfg.carbon.weight >= 0) ||
				!isfinite(o->cfg.carbon.weight))
				return bad("--carbon-weight", optarg,
					"a number >= 0");
			break;
		}
		case 'o':
			o->outdir = optarg;
			break;
		case O_TOP:
			if (parse_size(optarg, 1, 100000, &o->top))
				return bad("--top", optarg, "1..100000");
			break;
		case O_VALIDATE:
			if (parse_size(optarg, 1, 1000, &o->validate))
				return bad("--validate", optarg, "1..1000");
			break;
		case O_VBF:
			if (!strcmp(optarg, "none") ||
				!strcmp(optarg, "easy")) {
				o->nvalidate_bf = 1;
				backfill_parse(optarg, &o->validate_bf[0]);
			} else if (!strcmp(optarg, "none,easy")) {
				o->nvalidate_bf = 2;
			} else {
				return bad("--validate-backfill", optarg,
					"none, easy or none,easy");
			}
			break;
		case O_VBOOT:
			if (parse_size(optarg, 0, 16, &o->validate_boot))
				return bad("--validate-bootstrap", optarg,
					"0..16");
			break;
		case O_VTRACE:
			o->validate_trace = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("carbonlearn (%s) %s\n", PACKAGE_NAME,
				PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "carbonlearn: no %s given\n",
			o->merge ? "data file" : "trace");
		return -1;
	}
	if (!o->merge && optind + 1 != argc) {
		fprintf(stderr, "carbonlearn: one trace only\n");
		return -1;
	}
	if (o->nshards > 1 && !o->data_out) {
		fprintf(stderr, "carbonlearn: --shard needs --data FILE\n");
		return -1;
	}
	if (o->validate && !o->outdir) {
		fprintf(stderr, "carbonlearn: --validate needs -o DIR\n");
		return -1;
	}
	if (o->validate > o->top)
		o->top = o->validate;
	if ((o->families & FIT_CARBON) && !o->carbon && !o->merge) {
		fprintf(stderr, "carbonlearn: --family carbon needs --carbon "
				"FILE\n");
		return -1;
	}
	return 0;
}

/* ---- progress on a terminal ---- */

struct progress {
	bool tty, quiet;
	struct learn_cost *cost;
	struct timespec t0;
	size_t nperms;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_cb(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;
	double s = since(&p->t0);

	if (p->cost)
		learn_cost_tick(p->cost);
	if (!p->tty || p->quiet)
		return;
	fprintf(stderr, "\rtuples %zu/%zu (%3.0f%%)  %.0f trials/s  ", done,
		total, total ? 100.0 * (double)done / (double)total : 100.0,
		s > 0 ? (double)done * (double)p->nperms / s : 0.0);
	if (done && done < total)
		fprintf(stderr, "%.0f s left ",
			s * (double)(total - done) / (double)done);
	if (done == total)
		fprintf(stderr, "\r%*s\r", 70, "");
}

/* ---- output ---- */

static void print_candidate(
	FILE *fp, size_t rank, const struct fit_candidate *c)
{
	struct formula nf;
	char buf[1024];

	fit_normalise(&c->f, &nf);
	formula_format(&nf, 4, buf, sizeof(buf));
	fprintf(fp, "%4zu  %13.6e  %-6s  %-44s  %s\n", rank, c->mae, c->family,
		c->label, buf);
}

static int write_policy(const char *dir, size_t rank, size_t ranked,
	const struct fit_candidate *c, const struct sample_set *d,
	const struct learn_cost *cost, struct sc_error *err)
{
	const struct sample_config *cfg = &d->meta.cfg;
	char path[PATH_MAX], raw[2048], norm[2048], energy[64];
	struct formula nf;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/rank-%02zu.policy", dir, rank);
	fit_normalise(&c->f, &nf);
	formula_format(&c->f, 8, raw, sizeof(raw));
	formula_format(&nf, 8, norm, sizeof(norm));
	learn_cost_energy_text(cost, energy, sizeof(energy));
	if (!(fp = fopen(path, "w")))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	fprintf(fp,
		"# carbonlearn %s: rank %zu of %zu ranked candidates, family "
		"%s\n"
		"# form       %s\n"
		"# fitted     %s\n"
		"# fit error  %.6e (mean absolute residual over %zu rows)\n"
		"# trained on %s, seed %" PRIu64 ", %zu tuples x %zu "
		"permutations (S %zu, Q %zu)%s%s\n"
		"# smaller scores run first; the score below is the fitted one "
		"scaled\n"
		"# by a positive constant, which orders jobs the same.\n"
		"name = %s-rank-%02zu\n"
		"score = %s\n"
		"learn-cpu-seconds = %.3f\n"
		"learn-wall-seconds = %.3f\n"
		"learn-energy-joules = %s\n",
		PACKAGE_VERSION, rank, ranked, c->family, c->label, raw, c->mae,
		d->nrows, d->meta.trace, cfg->seed, cfg->ntuples, cfg->nperms,
		cfg->nstate, cfg->nqueue, d->meta.carbon[0] ? ", carbon " : "",
		d->meta.carbon, c->family, rank, norm, cost->cpu_s,
		cost->wall_s, energy);
	if (ferror(fp) | (fclose(fp) != 0))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	return 0;
}

static int write_ranking(const char *dir, const struct fit_candidate *c,
	size_t n, struct sc_error *err)
{
	char path[PATH_MAX], buf[2048];
	size_t i, rank = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/ranking.csv", dir);
	if (!(fp = fopen(path, "w")))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	fprintf(fp, "rank,family,form,mae,chisq,status,fitted\n");
	for (i = 0; i < n; i++) {
		const char *st = c[i].duplicate ? "duplicate"
				 : c[i].defined ? "ranked"
						: "undefined";

		formula_format(&c[i].f, 10, buf, sizeof(buf));
		if (c[i].defined && !c[i].duplicate)
			fprintf(fp, "%zu,", ++rank);
		else
			fprintf(fp, ",");
		fprintf(fp, "%s,\"%s\",%.10e,%.10e,%s,\"%s\"\n", c[i].family,
			c[i].label, c[i].mae, c[i].chisq, st,
			c[i].defined && !c[i].duplicate ? buf : "");
	}
	if (ferror(fp) | (fclose(fp) != 0))
		return sc_errprintf(err, "%s: %s", path, strerror(errno));
	return 0;
}

/* ---- the paper's selection: replay the top candidates ---- */

/* DIR/learned.policy: the chosen rank's file with a note on top. */
static int write_chosen(const char *dir, size_t rank, double mean,
	const char *why, struct sc_error *err)
{
	char src[PATH_MAX], dst[PATH_MAX], line[4096];
	FILE *in, *out;

	snprintf(src, sizeof(src), "%s/rank-%02zu.policy", dir, rank);
	snprintf(dst, sizeof(dst), "%s/learned.policy", dir);
	if (!(in = fopen(src, "r")))
		return sc_errprintf(err, "%s: %s", src, strerror(errno));
	if (!(out = fopen(dst, "w"))) {
		fclose(in);
		return sc_errprintf(err, "%s: %s", dst, strerror(errno));
	}
	fprintf(out,
		"# chosen by carbonlearn --validate among the top "
		"candidates: rank %zu,\n# %s\n",
		rank, why);
	(void)mean;
	while (fgets(line, sizeof(line), in))
		fputs(line, out);
	fclose(in);
	if (ferror(out) | (fclose(out) != 0))
		return sc_errprintf(err, "%s: %s", dst, strerror(errno));
	return 0;
}

#define VALIDATE_MAX_SETS 64

/*
 * The paper chose F1..F4 among its fitted functions by simulation. Here
 * each of the top K is replayed under the SC17 window protocol on the
 * trace and --validate-bootstrap replicates of it, under each
 * --validate-backfill mode; its figure is the geometric mean over these
 * of its AVEbsld over F1's (F1 only makes the traces comparable), and the
 * lowest wins.
 */
static int validate_top(const struct opts *o, const char *trace, size_t ranked)
{
	struct swf_options so = {
		.runtime_mode = SWF_RUNTIME_ACTUAL, .procs = (int)o->procs};
	struct sc_error err = {{0}};
	struct workload sets[1 + 16] = {{0}};
	double f1[VALIDATE_MAX_SETS], fcfs[VALIDATE_MAX_SETS], pooled;
	double best = INFINITY, first_mean[2] = {NAN, NAN};
	size_t i, n = ranked < o->validate ? ranked : o->validate, pick = 0;
	size_t ns = 1 + o->validate_boot, nm = o->nvalidate_bf, s, m;
	char why[256];
	int rc = -1;

	if (swf_load(trace, &so, &sets[0], &err) < 0)
		goto out;
	for (s = 1; s < ns; s++)
		if (validate_bootstrap(&sets[0], o->cfg.seed * 1000003 + s,
			    sets[0].njobs, &sets[s]) < 0) {
			sc_errprintf(&err, "bootstrap: %s", strerror(errno));
			goto out;
		}
	for (s = 0; s < ns; s++)
		for (m = 0; m < nm; m++)
			if (validate_windows(&sets[s], POLICY_F1,
				    o->validate_bf[m], &f1[s * nm + m], &pooled,
				    &err) < 0 ||
				validate_windows(&sets[s], POLICY_FCFS,
					o->validate_bf[m], &fcfs[s * nm + m],
					&pooled, &err) < 0)
				goto out;
	printf("\nvalidated on %s and %zu bootstrap replicates of it, SC17 "
	       "windows (mean of the windows' AVEbsld), backfilling",
		trace, ns - 1);
	for (m = 0; m < nm; m++)
		printf(" %s", backfill_name(o->validate_bf[m]));
	printf(":\n%-16s", "policy");
	for (m = 0; m < nm; m++)
		printf("  %10s", backfill_name(o->validate_bf[m]));
	printf("  vs F1 (geometric mean over %zu)\n", ns * nm);
	printf("%-16s", "fcfs");
	for (m = 0; m < nm; m++)
		printf("  %10.2f", fcfs[m]);
	printf("\n%-16s", "f1 (SC17)");
	for (m = 0; m < nm; m++)
		printf("  %10.2f", f1[m]);
	printf("  %8.3f\n", 1.0);
	for (i = 0; i < n; i++) {
		char spec[PATH_MAX + 16];
		double logsum = 0.0, mean[2] = {0}, g;
		enum policy_kind k;

		snprintf(spec, sizeof(spec), "learned:%s/rank-%02zu.policy",
			o->outdir, i + 1);
		if (policy_load(spec, &k, &err) < 0)
			goto out;
		for (s = 0; s < ns; s++)
			for (m = 0; m < nm; m++) {
				double v;

				if (validate_windows(&sets[s], k,
					    o->validate_bf[m], &v, &pooled,
					    &err) < 0)
					goto out;
				if (s == 0)
					mean[m] = v;
				logsum += log(v / f1[s * nm + m]);
			}
		g = exp(logsum / (double)(ns * nm));
		printf("%-16s", policy_name(k));
		for (m = 0; m < nm; m++)
			printf("  %10.2f", mean[m]);
		printf("  %8.3f\n", g);
		if (g < best) {
			best = g;
			pick = i + 1;
			first_mean[0] = mean[0];
			first_mean[1] = nm > 1 ? mean[1] : NAN;
		}
	}
	snprintf(why, sizeof(why),
		"%.3f x F1 over the trace and %zu bootstrap replicates; on the "
		"trace %.2f (%s; F1 %.2f)",
		best, ns - 1, first_mean[0], backfill_name(o->validate_bf[0]),
		f1[0]);
	if (pick && write_chosen(o->outdir, pick, best, why, &err) < 0)
		goto out;
	if (pick)
		printf("chosen rank %zu (%.3f x F1) -> %s/learned.policy\n",
			pick, best, o->outdir);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "carbonlearn: --validate: %s\n", err.text);
	for (s = 0; s < ns; s++)
		workload_free(&sets[s]);
	return rc;
}

/* ---- the run ---- */

static int load_data(const struct opts *o, int argc, char **argv,
	struct sample_set *data, struct learn_cost *cost, struct progress *prog)
{
	struct sc_error err = {{0}};
	struct workload w = {0};
	struct swf_options so = {
		.runtime_mode = SWF_RUNTIME_ACTUAL, .procs = (int)o->procs};
	struct intensity_series *ci = NULL;
	struct sample_config cfg = o->cfg;
	const char *trace = argv[optind];
	int rc = -1;

	if (o->merge) {
		size_t n = (size_t)(argc - optind), i;
		struct sample_set *sh = calloc(n, sizeof(*sh));

		if (!sh) {
			fprintf(stderr, "carbonlearn: out of memory\n");
			return -1;
		}
		for (i = 0; i < n; i++)
			if (sample_read(argv[optind + (int)i], &sh[i], &err) <
				0)
				break;
		if (i == n && sample_merge(sh, n, data, &err) == 0) {
			/* the shards' cost is part of the policies' */
			cost->cpu_s = data->meta.cpu_s;
			cost->wall_s = data->meta.wall_s;
			cost->energy_j = data->meta.energy_j;
			rc = 0;
		} else
			fprintf(stderr, "carbonlearn: %s\n", err.text);
		while (n--)
			sample_set_free(&sh[n]);
		free(sh);
		if (!rc && !o->quiet)
			printf("merged    %d data files: %zu tuples, %zu "
			       "rows\n",
				argc - optind, data->meta.cfg.ntuples,
				data->nrows);
		return rc;
	}
	if (swf_load(trace, &so, &w, &err) < 0) {
		fprintf(stderr, "carbonlearn: %s\n", err.text);
		return -1;
	}
	if (o->carbon) {
		if (!(ci = intensity_series_load(o->carbon, &err))) {
			fprintf(stderr, "carbonlearn: %s\n", err.text);
			goto out;
		}
		cfg.carbon.ci = ci;
		cfg.carbon.epoch = intensity_series_start(ci);
	}
	if (!o->quiet) {
		printf("trace     %s: %zu jobs, %d processors\n", trace,
			w.njobs, (int)w.machine_procs);
		printf("learning  %zu tuples (S %zu, Q %zu) x %zu "
		       "permutations, "
		       "seed %" PRIu64 ", %s orders, %u threads%s\n",
			cfg.ntuples, cfg.nstate, cfg.nqueue, cfg.nperms,
			cfg.seed,
			cfg.first == SAMPLE_FIRST_UNIFORM    ? "uniform"
			: cfg.first == SAMPLE_FIRST_BALANCED ? "balanced"
							     : "paper",
			o->threads, o->nshards > 1 ? ", one shard" : "");
		if (ci)
			printf("carbon    %s, outcome = AVEbsld + %g x "
			       "G/Gref\n",
				o->carbon, cfg.carbon.weight);
		fflush(stdout);
	}
	prog->nperms = cfg.nperms;
	prog->quiet = o->quiet;
	prog->cost = cost;
	learn_cost_start(cost);
	if (sample_run(&w, trace, o->carbon, &cfg, o->shard, o->nshards,
		    o->threads, progress_cb, prog, data, &err) < 0) {
		fprintf(stderr, "carbonlearn: %s\n", err.text);
		goto out;
	}
	learn_cost_stop(cost);
	data->meta.cpu_s = cost->cpu_s;
	data->meta.wall_s = cost->wall_s;
	data->meta.energy_j = cost->energy_j;
	if (!o->quiet)
		printf("sampled   %" PRIu64 " trials in %.2f s wall (%.0f "
		       "trials/s), %.2f s CPU\n",
			data->trials, cost->wall_s,
			cost->wall_s > 0 ? (double)data->trials / cost->wall_s
					 : 0.0,
			cost->cpu_s);
	rc = 0;
out:
	intensity_series_destroy(ci);
	workload_free(&w);
	return rc;
}

int main(int argc, char **argv)
{
	struct progress prog = {.tty = isatty(STDERR_FILENO) == 1};
	struct sample_set data = {0};
	struct fit_candidate *c = NULL;
	struct learn_cost cost = {0}, fcost = {0};
	struct sc_error err = {{0}};
	struct opts o;
	size_t n = 0, i, ranked = 0, undefined = 0, dup = 0;
	int rc = 1;

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;
	clock_gettime(CLOCK_MONOTONIC, &prog.t0);
	learn_cost_init(&cost);
	if (load_data(&o, argc, argv, &data, &cost, &prog) < 0)
		goto out;
	if (o.data_out && sample_write(&data, o.data_out, &err) < 0) {
		fprintf(stderr, "carbonlearn: %s\n", err.text);
		goto out;
	}
	if (o.nshards > 1) {
		rc = 0;
		goto out;
	}
	learn_cost_init(&fcost);
	learn_cost_start(&fcost);
	if (fit_enumerate(o.families, &c, &n, &err) < 0 ||
		fit_run(&data, c, n, o.threads, &err) < 0) {
		fprintf(stderr, "carbonlearn: %s\n", err.text);
		goto out;
	}
	learn_cost_stop(&fcost);
	learn_cost_add(&cost, &fcost);
	for (i = 0; i < n; i++) {
		if (c[i].duplicate)
			dup++;
		else if (!c[i].defined)
			undefined++;
		else
			ranked++;
	}
	if (!o.quiet) {
		printf("fitted    %zu candidates (%zu the same function as "
		       "another, %zu undefined on the data) in %.2f s\n\n",
			n, dup, undefined, fcost.wall_s);
		printf("rank  fit error MAE  family  %-44s  function "
		       "(scaled)\n",
			"form");
	}
	for (i = 0; i < ranked && i < o.top; i++)
		print_candidate(stdout, i + 1, &c[i]);
	if (o.outdir) {
		if (mkdir(o.outdir, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "carbonlearn: %s: %s\n", o.outdir,
				strerror(errno));
			goto out;
		}
		if (write_ranking(o.outdir, c, n, &err) < 0)
			goto fail;
		for (i = 0; i < ranked && i < o.top; i++)
			if (write_policy(o.outdir, i + 1, ranked, &c[i], &data,
				    &cost, &err) < 0)
				goto fail;
		if (!o.quiet)
			printf("\nwrote     %s/ranking.csv and rank-01.."
			       "rank-%02zu.policy\n",
				o.outdir, ranked < o.top ? ranked : o.top);
	}
	if (o.validate && validate_top(&o,
				  o.validate_trace ? o.validate_trace
				  : o.merge	   ? data.meta.trace
						   : argv[optind],
				  ranked) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "carbonlearn: %s\n", err.text);
out:
	free(c);
	sample_set_free(&data);
	return rc;
}
