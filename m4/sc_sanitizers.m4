# SC_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan
# (tests and CLIs; such plugins cannot be loaded into packaged daemons).
AC_DEFUN([SC_SANITIZERS], [
	AC_ARG_ENABLE([sanitizers],
		[AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
		[], [enable_sanitizers=no])
	AS_IF([test "x$enable_sanitizers" = xyes], [
		SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
		CFLAGS="$CFLAGS $SAN_FLAGS"
		LDFLAGS="$LDFLAGS $SAN_FLAGS"
	])
	AM_CONDITIONAL([ENABLE_SANITIZERS], [test "x$enable_sanitizers" = xyes])
])
