/*
 * job_record.h: a finished or running Slurm job and its steps as plain
 * values, the input of the carbon model. scarbon fills them from slurmdbd
 * (scarbon/slurmdb_jobs.c); tests and benchmarks build them by hand.
 */
#ifndef ACCOUNTING_JOB_RECORD_H
#define ACCOUNTING_JOB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodelist.h"

enum job_step_kind {
	JOB_STEP_NORMAL,      /* srun steps: "0", "1", ... */
	JOB_STEP_BATCH,	      /* "batch": the batch script, first node only */
	JOB_STEP_EXTERN,      /* "extern": the allocation (PrologFlags=Contain) */
	JOB_STEP_INTERACTIVE, /* "interactive" (salloc) */
};

/*
 * A step. Slurm gives each step the energy of its whole nodes over its
 * lifetime (../shared SLURM-NOTES, acct_gather_energy_powercap(5)), summed
 * over its nodes; for steps on two nodes or more it also keeps the largest
 * and smallest node's energy and which nodes those were.
 */
struct job_step_record {
	char name[32];
	enum job_step_kind kind;
	int64_t start; /* unix seconds */
	int64_t end;   /* 0 while running */
	const struct nodelist *nodes; /* not owned */
	const char *nodes_expr;	      /* as Slurm wrote it, for output */
	double energy_j;	      /* all nodes; NAN: not measured/unknown */
	long max_node;		      /* index into nodes, or -1 */
	double max_node_j;
	long min_node;
	double min_node_j;
};

/* Strings and node lists are not owned: the container that built it is. */
struct job_record {
	char id[32]; /* as sacct prints it: "123", "45_6", "78+1" */
	uint32_t jobid;
	const char *user;
	const char *account;
	const char *partition;
	const char *state; /* "COMPLETED", "RUNNING", ... */
	const char *nodes_expr;
	const char *admin_comment;
	const struct nodelist *nodes; /* NULL if the job never ran */
	int64_t submit;
	int64_t start; /* 0: never started */
	int64_t end;   /* 0: not ended */
	bool finished; /* in a final state */
	double alloc_cpus;
	double alloc_mem_gb;
	double alloc_gpus;
	double cpu_time_s; /* TotalCPU: user + system of all steps */
	struct job_step_record *steps;
	size_t nsteps;
};

#endif
