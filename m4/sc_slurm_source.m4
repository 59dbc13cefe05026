# SC_SLURM_SOURCE: locate a configured Slurm source tree of the installed
# Slurm version (plugins need Slurm's internal headers and its config.h), 22.05
# or 24.11, and Slurm's plugin directory.
AC_DEFUN([SC_SLURM_SOURCE], [
	AC_ARG_WITH([slurm-source],
		[AS_HELP_STRING([--with-slurm-source=DIR],
			[configured Slurm source tree matching the installed Slurm (required for the plugins)])],
		[], [with_slurm_source=check])
	AC_ARG_ENABLE([plugins],
		[AS_HELP_STRING([--disable-plugins], [build only the libraries and commands, not the Slurm plugins])],
		[], [enable_plugins=yes])
	AC_ARG_WITH([slurm-plugindir],
		[AS_HELP_STRING([--with-slurm-plugindir=DIR], [where to install the plugins (default: detected)])],
		[SLURM_PLUGIN_DIR="$withval"], [SLURM_PLUGIN_DIR=])
	AC_ARG_WITH([slurm-include],
		[AS_HELP_STRING([--with-slurm-include=DIR], [installed Slurm's public headers (default /usr/include)])],
		[], [with_slurm_include=/usr/include])

	build_plugins=no
	SLURM_SOURCE_DIR=
	SLURM_SOURCE_VERSION=
	SLURM_SERIES=
	AS_IF([test "x$enable_plugins" = xyes], [
		AS_IF([test "x$with_slurm_source" = xcheck || test "x$with_slurm_source" = xno || test "x$with_slurm_source" = xyes],
			[AC_MSG_ERROR([the Slurm plugins need a configured Slurm source tree: pass --with-slurm-source=DIR (contrib/setup.sh fetches and configures one), or --disable-plugins to build only the libraries and commands])])
		dir="$with_slurm_source"
		AS_IF([test -d "$dir"], [], [AC_MSG_ERROR([--with-slurm-source=$dir: no such directory])])
		dir=`cd "$dir" && pwd`
		AS_IF([test -f "$dir/src/common/log.h" && test -f "$dir/slurm/slurm.h"], [],
			[AC_MSG_ERROR([--with-slurm-source=$dir: not a Slurm source tree (no src/common/log.h)])])
		AS_IF([test -f "$dir/config.h" && test -f "$dir/slurm/slurm_version.h"], [],
			[AC_MSG_ERROR([--with-slurm-source=$dir: the tree is not configured (no config.h); run ./configure in it with the flags of the installed Slurm (see contrib/setup.sh)])])
		src_ver=`sed -n 's/^#define SLURM_VERSION_NUMBER[[ 	]]*//p' "$dir/slurm/slurm_version.h"`
		# The Slurm interfaces the plugins know (plugin/slurm_compat.h):
		# a 22.05 or a 24.11 tree; its SLURM_VERSION_NUMBER selects.
		AC_MSG_CHECKING([Slurm release series])
		AS_CASE([$src_ver],
			[0x1605??], [SLURM_SERIES=22.05],
			[0x180b??], [SLURM_SERIES=24.11],
			[AC_MSG_RESULT([$src_ver])
			 AC_MSG_ERROR([--with-slurm-source=$dir is Slurm $src_ver: the plugins build against Slurm 22.05 or 24.11 only (plugin/slurm_compat.h); --disable-plugins builds the rest])])
		AC_MSG_RESULT([$SLURM_SERIES])
		AC_MSG_CHECKING([installed Slurm version])
		AS_IF([test -f "$with_slurm_include/slurm/slurm_version.h"], [
			inst_ver=`sed -n 's/^#define SLURM_VERSION_NUMBER[[ 	]]*//p' "$with_slurm_include/slurm/slurm_version.h"`
			AC_MSG_RESULT([$inst_ver])
			AS_IF([test "x$src_ver" = "x$inst_ver"], [],
				[AC_MSG_ERROR([--with-slurm-source=$dir is Slurm $src_ver but the installed Slurm is $inst_ver: plugins must be built against the matching source])])
		], [
			AC_MSG_RESULT([not found])
			AC_MSG_ERROR([no installed Slurm headers in $with_slurm_include/slurm (apt-get install libslurm-dev), needed to check the source version])
		])
		SLURM_SOURCE_DIR="$dir"
		SLURM_SOURCE_VERSION="$src_ver"
		build_plugins=yes
		AS_IF([test -z "$SLURM_PLUGIN_DIR"], [
			AC_MSG_CHECKING([Slurm plugin directory])
			# auth_munge.so: in both series (24.11 has no *_none.so)
			for d in /usr/lib/x86_64-linux-gnu/slurm-wlm /usr/lib64/slurm /usr/lib/slurm /usr/local/lib/slurm; do
				AS_IF([test -f "$d/auth_munge.so"], [SLURM_PLUGIN_DIR="$d"; break])
			done
			AS_IF([test -z "$SLURM_PLUGIN_DIR"],
				[AC_MSG_ERROR([cannot find Slurm's plugin directory (no auth_munge.so); pass --with-slurm-plugindir=DIR])])
			AC_MSG_RESULT([$SLURM_PLUGIN_DIR])
		])
	])
	# Slurm's headers are not -Wextra clean: include them as system headers.
	SLURM_CPPFLAGS="-isystem $SLURM_SOURCE_DIR -isystem $SLURM_SOURCE_DIR/slurm"
	AC_SUBST([SLURM_SOURCE_DIR])
	AC_SUBST([SLURM_SOURCE_VERSION])
	AC_SUBST([SLURM_SERIES])
	AC_SUBST([SLURM_CPPFLAGS])
	AC_SUBST([SLURM_PLUGIN_DIR])
	AM_CONDITIONAL([BUILD_PLUGINS], [test "x$build_plugins" = xyes])
])
