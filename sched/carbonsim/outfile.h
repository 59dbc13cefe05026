/*
 * outfile.h: output files that appear whole or not at all: written to a
 * temporary file beside the target, renamed into place on commit.
 */
#ifndef CARBONSIM_OUTFILE_H
#define CARBONSIM_OUTFILE_H

#include <stdio.h>

struct outfile {
	char *path; /* the target */
	char *tmp;  /* the temporary file while open */
	FILE *fp;   /* write here; NULL once closed */
};

/*
 * Create a temporary file in path's directory and open it for writing into
 * of->fp. Returns 0, or -1 with errno set and of left empty (nothing
 * created). The caller ends with outfile_commit() or outfile_abort().
 */
int outfile_open(struct outfile *of, const char *path);

/*
 * Flush and close the temporary file (of->fp becomes NULL) but do not
 * rename it yet, so that many outputs need not stay open. Returns 0 (also
 * if already closed), or -1 with errno set (EINVAL: empty outfile; a write
 * error), the temporary file removed and of emptied.
 */
int outfile_close(struct outfile *of);

/*
 * Close (if still open) and rename the temporary file to the target.
 * Returns 0, or -1 with errno set and the temporary file removed. of is
 * emptied either way.
 */
int outfile_commit(struct outfile *of);

/* Close and remove the temporary file; accepts an empty outfile. */
void outfile_abort(struct outfile *of);

#endif
