/*
 * stamp.h: the carbon summary scarbon stores in a job's AdminComment in
 * slurmdbd, so that plain `sacct -o AdminComment` shows it: key=value text
 * in one bracketed segment, "[scarbon co2e_g=12.345 ...]", beside whatever
 * else the comment holds.
 */
#ifndef ACCOUNTING_STAMP_H
#define ACCOUNTING_STAMP_H

#include <stddef.h>

#include "job_carbon.h"

#define STAMP_OPEN "[scarbon "
#define STAMP_VERSION 1

/*
 * The segment for jc: "[scarbon co2e_g=G co2e_op_g=O co2e_emb_g=M
 * energy_j=J energy_source=S pue=P intensity_g_kwh=I region=R v=1]",
 * grams with three decimals. No double quotes (Slurm 22.05 turns them into
 * backticks) and no single quotes. Returns 0, or -1 when the total is
 * unknown (nothing to stamp) or the buffer is too small.
 */
int stamp_format(const struct job_carbon *jc, char *buf, size_t size);

/*
 * Where our segment is in comment: a pointer to its '[' and its length
 * through ']', or NULL when there is none (comment may be NULL).
 */
const char *stamp_find(const char *comment, size_t *len);

/*
 * The comment with segment in place of ours (or appended after one space
 * when there is none), every other character kept. Returns a malloc'd
 * string, or NULL on allocation failure.
 */
char *stamp_merge(const char *comment, const char *segment);

/* The grams of a stamped comment's co2e_g, 0; -1 when absent. */
int stamp_co2e(const char *comment, double *grams);

#endif
