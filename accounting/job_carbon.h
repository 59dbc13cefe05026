/*
 * job_carbon.h: a job's carbon: operational (measured or estimated IT
 * energy x PUE x its region's grid intensity, piece by piece) plus the
 * embodied share of its nodes (SCI), from carbon.conf.
 */
#ifndef ACCOUNTING_JOB_CARBON_H
#define ACCOUNTING_JOB_CARBON_H

#include "carbon_conf.h"
#include "job_energy.h"
#include "job_record.h"

/* A node's size when carbon.conf does not give it. */
struct node_size {
	double cpus;
	double memory_gb;
	double gpus;
};

/* Fill *out for node (0), or -1 when unknown. */
typedef int job_carbon_node_size_fn(
	void *arg, const char *node, struct node_size *out);

/* Every figure is NAN when unknown; why then says why (the first reason). */
struct job_carbon {
	enum energy_source source;
	const char *rule;	  /* how the energy was obtained */
	const char *region;	  /* NULL when the partition has none */
	double energy_j;	  /* IT energy, before PUE */
	double pue;
	double intensity;	  /* gCO2e/kWh, energy-weighted over the run */
	double operational_g;
	double embodied_g;
	double total_g;		  /* operational + embodied */
	double share;		  /* RR / ToR of the embodied term */
	char why[300];
};

/*
 * Compute a job's carbon under conf. The job must have started; a job not
 * ended yet (end 0) gets energy and carbon unknown ("running"). size_of
 * (may be NULL) supplies node sizes that carbon.conf lacks. scratch is
 * reused between calls (see job_energy.h). Returns 0 with *out filled
 * (unknown parts NAN, out->why set), or -1 on allocation failure.
 */
int job_carbon_compute(const struct carbon_conf *conf,
	const struct job_record *job, job_carbon_node_size_fn *size_of,
	void *size_arg, struct job_energy *scratch, struct job_carbon *out);

#endif
