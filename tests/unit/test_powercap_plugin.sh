#!/bin/sh
# Run test_powercap_plugin in a private mount namespace with a tmpfs over
# /sys/class, so the simulated RAPL trees the loaded plugin reads never
# touch the real sysfs, and a file the test writes bound over /proc/stat
# (the node's CPU times for PowercapShare=cpu). Needs root (unshare,
# mount); skipped (77) otherwise.
#   POWERCAP_TEST_WRAPPER="valgrind ..."  runs the program under a wrapper
set -eu
bin=${POWERCAP_TEST_BIN:-./unit/test_powercap_plugin}
if [ -z "${POWERCAP_TEST_NS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the plugin tests need root (unshare -m)"
		exit 77
	fi
	POWERCAP_TEST_NS=1 exec unshare -m "$0" "$@"
fi
export POWERCAP_TEST_NS
mount --make-rprivate /
mount -t tmpfs -o mode=755 slurm-carbon-test /sys/class
printf 'cpu  0 0 0 0 0 0 0 0 0 0\n' > /sys/class/test-proc-stat
mount --bind /sys/class/test-proc-stat /proc/stat
# shellcheck disable=SC2086 # the wrapper is a command with its arguments
exec ${POWERCAP_TEST_WRAPPER:-} "$bin"
