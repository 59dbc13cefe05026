/*
 * slurm_compat.h: what differs, for our plugins, between the Slurm versions
 * they build against (22.05 and 24.11), in one place.
 *
 * Copyright (C) 2026 the slurm-carbon authors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Include it after Slurm's config.h and before Slurm's other headers. It
 * selects by SLURM_VERSION_NUMBER of the source tree configure was given
 * (configure accepts only 22.05 and 24.11 trees). Each difference names
 * the 24.11 source that shows it. The releases between the two (23.02 to
 * 24.05) were neither built nor tested, so the header knows the two
 * series, not the release that made each change.
 *
 * What needed no change, checked in both trees: the acct_gather_energy
 * operations and their order (src/interfaces/acct_gather_energy.c, syms[]),
 * enum acct_energy_type (slurm/slurm.h), stepd_step_rec_t's step_id, cpus,
 * env and cont_id (src/slurmd/slurmstepd/slurmstepd_job.h), slurmd_conf_t's
 * node_name and cpus and the global conf (src/slurmd/slurmd/slurmd.h),
 * proctrack_g_get_pids(), the slurmctld globals job_list, default_part_loc,
 * find_part_record() and acct_db_conn (src/slurmctld/slurmctld.h),
 * next_node() (src/common/node_conf.h) and assoc_mgr_fill_in_assoc()
 * (src/common/assoc_mgr.h). acct_gather_energy_t gained last_adjustment and
 * slurmd_start_time in 24.11 (slurm/slurm.h): the energy plugin clears a
 * record before filling it, so both stay 0, as Slurm's rapl plugin leaves
 * them.
 */
#ifndef SC_SLURM_COMPAT_H
#define SC_SLURM_COMPAT_H

#include "slurm/slurm_version.h"

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(24, 11, 0) &&                    \
	SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(24, 12, 0)
#define SC_SLURM_24_11 1
#elif SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) &&                  \
	SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 6, 0)
#define SC_SLURM_24_11 0
#else
#error "slurm-carbon's plugins build against Slurm 22.05 or 24.11 only"
#endif

/*
 * Interfaces to other plugin types moved from src/common/ and
 * src/slurmd/common/ to src/interfaces/ (24.11: src/interfaces/
 * acct_gather_energy.h, acct_gather_profile.h, proctrack.h).
 */
#if SC_SLURM_24_11
#define SC_ACCT_GATHER_ENERGY_H "src/interfaces/acct_gather_energy.h"
#define SC_ACCT_GATHER_PROFILE_H "src/interfaces/acct_gather_profile.h"
#define SC_PROCTRACK_H "src/interfaces/proctrack.h"
#else
#define SC_ACCT_GATHER_ENERGY_H "src/common/slurm_acct_gather_energy.h"
#define SC_ACCT_GATHER_PROFILE_H "src/common/slurm_acct_gather_profile.h"
#define SC_PROCTRACK_H "src/slurmd/common/proctrack.h"
#endif

/*
 * Lists: 22.05's pointer types List and ListIterator became the structure
 * types list_t and list_itr_t (24.11: src/common/list.h); the plugins use
 * the new names, which name the same structures in 22.05.
 */
#if !SC_SLURM_24_11
typedef struct xlist list_t;
typedef struct listIterator list_itr_t;
#endif

/*
 * site_factor_p_reconfig() is gone from the site_factor operations (24.11:
 * src/interfaces/site_factor.c, syms[]): scontrol reconfigure starts a new
 * slurmctld, which loads the plugin afresh (src/slurmctld/controller.c,
 * _attempt_reconfig), so init() rereads the configuration.
 */
#define SC_SITE_FACTOR_RECONFIG (!SC_SLURM_24_11)

/*
 * job_modify() takes the message for the user, as job_submit() does
 * (24.11: src/interfaces/job_submit.c, slurm_submit_ops_t).
 */
#define SC_JOB_MODIFY_ERR_MSG SC_SLURM_24_11

#endif /* SC_SLURM_COMPAT_H */
