/*
 * outfile.c: whole-or-nothing output files: a temporary file beside the
 * target (mkstemp), renamed on commit, removed on abort or failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

int outfile_open(struct outfile *of, const char *path)
{
	size_t len = strlen(path);
	int fd, saved;

	memset(of, 0, sizeof(*of));
	of->path = strdup(path);
	of->tmp = malloc(len + sizeof(".tmpXXXXXX"));
	if (of->path == NULL || of->tmp == NULL)
		goto error;
	memcpy(of->tmp, path, len);
	memcpy(of->tmp + len, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
	fd = mkstemp(of->tmp);
	if (fd < 0)
		goto error;
	/* mkstemp makes 0600; an output file gets the usual 0666 & ~umask. */
	{
		mode_t mask = umask(0);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	of->fp = fdopen(fd, "w");
	if (of->fp == NULL) {
		saved = errno;
		close(fd);
		unlink(of->tmp);
		errno = saved;
		goto error;
	}
	return 0;
error:
	saved = errno;
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	errno = saved;
	return -1;
}

/* Release everything; the temporary file is removed if remove. */
static void release(struct outfile *of, bool remove)
{
	if (of->fp != NULL)
		fclose(of->fp);
	if (remove && of->tmp != NULL)
		unlink(of->tmp);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
}

int outfile_close(struct outfile *of)
{
	int saved = 0;

	if (of->tmp == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (of->fp == NULL)
		return 0;
	if (ferror(of->fp) || fflush(of->fp) != 0)
		saved = errno ? errno : EIO;
	if (fclose(of->fp) != 0 && saved == 0)
		saved = errno ? errno : EIO;
	of->fp = NULL;
	if (saved != 0) {
		release(of, true);
		errno = saved;
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *of)
{
	if (outfile_close(of) < 0)
		return -1;
	if (rename(of->tmp, of->path) != 0) {
		int saved = errno;

		release(of, true);
		errno = saved;
		return -1;
	}
	release(of, false);
	return 0;
}

void outfile_abort(struct outfile *of)
{
	int saved = errno;

	release(of, true);
	errno = saved;
}
