/*
 * outfile.c: whole-or-nothing output files (temporary file beside the target
 * with mkstemp, fsync-free rename on commit; removed on abort or failure).
 */
#include <errno.h>
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

int outfile_commit(struct outfile *of)
{
	int rc = 0, saved = 0;

	if (of->fp == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ferror(of->fp) || fflush(of->fp) != 0) {
		saved = errno ? errno : EIO;
		rc = -1;
	}
	if (fclose(of->fp) != 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	of->fp = NULL;
	if (rc == 0 && rename(of->tmp, of->path) != 0) {
		saved = errno;
		rc = -1;
	}
	if (rc != 0)
		unlink(of->tmp);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	if (rc != 0)
		errno = saved;
	return rc;
}

void outfile_abort(struct outfile *of)
{
	int saved = errno;

	if (of->fp != NULL) {
		fclose(of->fp);
		unlink(of->tmp);
	}
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	errno = saved;
}
