# SC_WARNINGS: the warning flags every target of the project is built with.
AC_DEFUN([SC_WARNINGS], [
	AC_ARG_ENABLE([werror],
		[AS_HELP_STRING([--disable-werror], [do not turn warnings into errors])],
		[], [enable_werror=yes])
	WARN_CFLAGS="-std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes"
	AS_IF([test "x$enable_werror" = xyes], [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
	AC_SUBST([WARN_CFLAGS])
	# Loadable Slurm plugins: no version suffix, no static archive, no lib prefix.
	PLUGIN_LDFLAGS="-module -avoid-version -shared"
	AC_SUBST([PLUGIN_LDFLAGS])
])
