/*
 * job_carbon.c: carbon of a real job from its accounting record and
 * carbon.conf: the same model (carbon.c) the simulator uses.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_carbon.h"

static void why(struct job_carbon *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void why(struct job_carbon *out, const char *fmt, ...)
{
	va_list ap;

	if (out->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

static const struct job_nodes_memo *nodes_memo(const struct carbon_conf *conf,
	const struct nodelist *nodes, job_carbon_node_size_fn *size_of,
	void *arg, struct job_energy *je);

/* Estimated IT energy when nothing was measured (Green Algorithms). */
static int estimate(const struct carbon_conf *conf,
	const struct job_record *job, job_carbon_node_size_fn *size_of,
	void *arg, struct job_energy *je)
{
	const struct carbon_node_group *g;
	double elapsed = (double)(job->end - job->start);
	double joules;

	/* the estimate parameters of the job's first node (or DEFAULT) */
	if (job->nodes && nodelist_count(job->nodes))
		g = nodes_memo(conf, job->nodes, size_of, arg, je)->first_group;
	else
		g = carbon_conf_node_group(conf, "");
	joules = carbon_estimate_energy_j(&g->estimate, job->cpu_time_s,
		elapsed, job->alloc_mem_gb, job->alloc_gpus);
	return job_energy_single(je, ENERGY_SOURCE_ESTIMATED,
		"Green Algorithms estimate", joules, job->start, job->end);
}

static void operational(const struct carbon_conf *conf,
	const struct carbon_partition *part, const struct job_record *job,
	const struct job_energy *je, struct job_carbon *out)
{
	const struct carbon_region *r = carbon_conf_region_of(conf, part);
	struct carbon_intensity ci;
	struct sc_error err;
	double grams = 0, weighted = 0;
	size_t i;

	if (!r) {
		why(out, "partition %s has no region and carbon.conf sets no "
			 "DefaultRegion",
			job->partition ? job->partition : "(none)");
		return;
	}
	out->region = r->name;
	sc_error_clear(&err); /* not = {{0}}: that clears 512 bytes a job */
	if (carbon_region_intensity(r, &ci, &err) < 0) {
		why(out, "%s", err.text);
		return;
	}
	for (i = 0; i < je->npieces; i++) {
		const struct energy_piece *p = &je->pieces[i];
		double mean;

		if (carbon_intensity_mean(&ci, p->t0, p->t1, &mean, &err) < 0) {
			why(out, "%s", err.text);
			return;
		}
		grams += carbon_operational_g(p->joules, out->pue, mean);
		weighted += p->joules * mean;
	}
	out->operational_g = grams;
	if (je->joules > 0)
		out->intensity = weighted / je->joules;
	else if (carbon_intensity_mean(&ci, job->start, job->end,
			 &out->intensity, &err) < 0)
		out->intensity = NAN;
}

/* One node's size: carbon.conf's group, else the caller's lookup. */
static int node_size(const struct carbon_node_group *g, const char *node,
	job_carbon_node_size_fn *size_of, void *arg, struct node_size *ns)
{
	struct node_size slurm = {0, 0, 0};
	bool asked = false;

	ns->cpus = g->cpus;
	ns->memory_gb = g->memory_gb;
	ns->gpus = g->gpus;
	if ((ns->cpus <= 0 || ns->memory_gb <= 0) && size_of &&
		size_of(arg, node, &slurm) == 0)
		asked = true;
	if (ns->cpus <= 0 && asked)
		ns->cpus = slurm.cpus;
	if (ns->memory_gb <= 0 && asked)
		ns->memory_gb = slurm.memory_gb;
	if (g->gpus <= 0 && asked)
		ns->gpus = slurm.gpus;
	return ns->cpus > 0 ? 0 : -1;
}

/* The job's share of its nodes, RR / ToR, capped at 1. */
static double share_of(const struct carbon_conf *conf,
	const struct job_record *job, double cpus, double mem, double gpus)
{
	double share = job->alloc_cpus / cpus;

	if (conf->share == CARBON_SHARE_MAX) {
		if (mem > 0 && job->alloc_mem_gb / mem > share)
			share = job->alloc_mem_gb / mem;
		if (gpus > 0 && job->alloc_gpus / gpus > share)
			share = job->alloc_gpus / gpus;
	}
	return share > 1 ? 1 : share;
}

/*
 * SCI: M = sum over the job's nodes of TE x (TiR / EL) x (RR / ToR), with
 * TiR the elapsed time and RR / ToR the job's share of all its nodes taken
 * together (per-node allocations are not in the accounting records).
 */
/*
 * The sizes and embodied rate of a node list, summed over its nodes (or
 * bad set to the first node whose size is unknown). The same few lists
 * come back from job to job, so the last results are memoised in the
 * scratch (keyed by the list and the configuration, both immutable).
 */
static const struct job_nodes_memo *nodes_memo(const struct carbon_conf *conf,
	const struct nodelist *nodes, job_carbon_node_size_fn *size_of,
	void *arg, struct job_energy *je)
{
	/* Fibonacci hashing of the list's address: its top bits */
	uint64_t h = (uint64_t)(uintptr_t)nodes * UINT64_C(11400714819323198485);
	struct job_nodes_memo *m;
	size_t i, n = nodelist_count(nodes);

	if (!je->memo)
		je->memo = calloc(JOB_NODES_MEMO, sizeof(*je->memo));
	m = je->memo ? &je->memo[h >> (64 - JOB_NODES_MEMO_BITS)] : &je->spare;

	if (m->nodes == nodes && m->conf == conf && m->arg == arg)
		return m;
	memset(m, 0, sizeof(*m));
	m->bad = -1;
	for (i = 0; i < n; i++) {
		const char *node = nodelist_name(nodes, i);
		const struct carbon_node_group *g =
			carbon_conf_node_group(conf, node);
		struct node_size ns;

		if (i == 0)
			m->first_group = g;
		if (node_size(g, node, size_of, arg, &ns) < 0) {
			m->bad = (long)i;
			break;
		}
		m->cpus += ns.cpus;
		m->mem += ns.memory_gb;
		m->gpus += ns.gpus;
		m->rate += g->embodied_kg * 1000.0 /
			   (g->lifetime_years * CARBON_S_PER_YEAR);
	}
	m->nodes = nodes;
	m->conf = conf;
	m->arg = arg;
	return m;
}

static void embodied(const struct carbon_conf *conf,
	const struct job_record *job, job_carbon_node_size_fn *size_of,
	void *arg, struct job_energy *je, struct job_carbon *out)
{
	const struct job_nodes_memo *m;

	if (!job->nodes || !nodelist_count(job->nodes)) {
		why(out, "job has no nodes");
		return;
	}
	m = nodes_memo(conf, job->nodes, size_of, arg, je);
	if (m->bad >= 0) {
		why(out, "node %s: its CPU count is unknown (give CPUs= on a "
			 "NodeName line of carbon.conf)",
			nodelist_name(job->nodes, (size_t)m->bad));
		return;
	}
	out->share = share_of(conf, job, m->cpus, m->mem, m->gpus);
	out->embodied_g = m->rate * (double)(job->end - job->start) * out->share;
}

static void reset(struct job_carbon *out)
{
	out->source = ENERGY_SOURCE_NONE;
	out->rule = "";
	out->region = NULL;
	out->energy_j = out->intensity = NAN;
	out->operational_g = out->embodied_g = out->total_g = NAN;
	out->share = NAN;
	out->pue = NAN;
	out->why[0] = '\0';
}

int job_carbon_compute(const struct carbon_conf *conf,
	const struct job_record *job, job_carbon_node_size_fn *size_of,
	void *size_arg, struct job_energy *je, struct job_carbon *out)
{
	/* looked up once: it is a string search */
	const struct carbon_partition *part =
		carbon_conf_partition(conf, job->partition);

	reset(out);
	out->pue = carbon_conf_pue_of(conf, part);
	if (job->start <= 0) {
		why(out, "job never started");
		return 0;
	}
	if (job->end <= 0 || job->end < job->start) {
		why(out, "job is still running");
		return 0;
	}
	if (job_energy_measured(job, je) < 0)
		return -1;
	if (je->source == ENERGY_SOURCE_NONE &&
		estimate(conf, job, size_of, size_arg, je) < 0)
		return -1;
	out->source = je->source;
	out->rule = je->rule;
	out->energy_j = je->joules;
	if (je->source == ENERGY_SOURCE_PARTIAL)
		why(out, "%s", je->why);
	operational(conf, part, job, je, out);
	embodied(conf, job, size_of, size_arg, je, out);
	out->total_g = out->operational_g + out->embodied_g;
	return 0;
}
