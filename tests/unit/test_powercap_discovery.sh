#!/bin/sh
# Run test_powercap_discovery in a private mount namespace with a tmpfs over
# /sys/class, so simulated RAPL trees never touch the real sysfs. Needs root
# (unshare, mount); skipped (77) otherwise.
#   POWERCAP_TEST_WRAPPER="valgrind ..."  runs the program under a wrapper
set -eu
bin=${POWERCAP_TEST_BIN:-./unit/test_powercap_discovery}
if [ -z "${POWERCAP_TEST_NS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the discovery tests need root (unshare -m)"
		exit 77
	fi
	POWERCAP_TEST_NS=1 exec unshare -m "$0" "$@"
fi
export POWERCAP_TEST_NS
mount --make-rprivate /
mount -t tmpfs -o mode=755 slurm-carbon-test /sys/class
# shellcheck disable=SC2086 # the wrapper is a command with its arguments
exec ${POWERCAP_TEST_WRAPPER:-} "$bin"
