# SC_SLURM_API: libslurm's public API (slurm/slurmdb.h, -lslurm) from the
# Debian development package, for scarbon; --disable-scarbon skips it.
AC_DEFUN([SC_SLURM_API], [
	AC_ARG_ENABLE([scarbon],
		[AS_HELP_STRING([--disable-scarbon], [do not build scarbon (it needs libslurm-dev)])],
		[], [enable_scarbon=yes])
	SLURM_API_CFLAGS=
	SLURM_API_LIBS=
	AS_IF([test "x$enable_scarbon" = xyes], [
		AC_CHECK_HEADER([slurm/slurmdb.h], [],
			[AC_MSG_ERROR([scarbon needs libslurm's headers: apt-get install libslurm-dev, or --disable-scarbon])])
		AC_CHECK_LIB([slurm], [slurmdb_jobs_get], [SLURM_API_LIBS=-lslurm],
			[AC_MSG_ERROR([scarbon needs libslurm: apt-get install libslurm-dev, or --disable-scarbon])])
	])
	AC_SUBST([SLURM_API_CFLAGS])
	AC_SUBST([SLURM_API_LIBS])
	AM_CONDITIONAL([BUILD_SCARBON], [test "x$enable_scarbon" = xyes])
])
