#!/bin/bash
# Runs every end-to-end test (tests/e2e/t*.sh) as root against real daemons,
# at most E2E_JOBS at once; prints one line per test as it ends (and the
# test's own lines), keeps each test's output in E2E_LOGDIR, and exits
# non-zero if any test failed.
#
#   E2E_JOBS=N       tests at once [1]. Each test's cluster has its own
#                    state directory and ports, and cluster.sh starts one
#                    cluster at a time; the tests mostly wait on sleeping
#                    jobs, so two share two cores well.
#   E2E_COUNTS=FILE  also write automake-style counts to FILE:
#                    "# PASS: N", "# FAIL: M", "# SKIP: K"
#   E2E_TESTS="t0020-no-powercap"  run only the named tests
#   E2E_TIMEOUT=S    a test still running after S seconds is stopped (TERM,
#                    so it stops its cluster; KILL a minute later) and
#                    fails [1200; the longest takes about 270]
# Tests that say "e2e-first:" start first, then the others longest first
# (the "e2e-seconds:" line each test carries), so that with E2E_JOBS=2 a
# long test does not start last. Needs bash 5.1 (wait -n -p).
# See tests/e2e/lib.sh for RAPLSIM, E2E_BUILDDIR, E2E_LOGDIR, E2E_KEEP.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_LOGDIR=${E2E_LOGDIR:-$top/_test-logs/e2e}
jobs=${E2E_JOBS:-1}
limit=${E2E_TIMEOUT:-1200}
for v in "E2E_JOBS=$jobs" "E2E_TIMEOUT=$limit"; do
	case ${v#*=} in
	''|*[!0-9]*) echo "${v%%=*}: a positive number, not '${v#*=}'" >&2; exit 2 ;;
	esac
	[ $((10#${v#*=})) -gt 0 ] ||
		{ echo "${v%%=*}: a positive number, not '${v#*=}'" >&2; exit 2; }
done
jobs=$((10#$jobs))
limit=$((10#$limit))
mkdir -p "$E2E_LOGDIR"
pass=0
fail=0
skip=0
declare -A name_of=() began=()
failed_tests=()

# The selected tests: those marked e2e-first, then the others longest first
# (ties in name order).
selected_tests() {
	local t name secs
	for t in "$here"/t*.sh; do
		name=$(basename "$t" .sh)
		if [ -n "${E2E_TESTS:-}" ]; then
			case " $E2E_TESTS " in *" $name "*) ;; *) continue ;; esac
		fi
		secs=$(sed -n 's/^# e2e-seconds: *\([0-9]*\).*/\1/p' "$t" | head -n1)
		! grep -q '^# e2e-first:' "$t" || secs=999999
		printf '%s %s\n' "${secs:-60}" "$name"
	done | sort -k1,1nr -k2,2 | cut -d' ' -f2
}

launch() {
	timeout --kill-after=60 "$limit" bash "$here/$1.sh" \
		> "$E2E_LOGDIR/$1.log" 2>&1 &
	name_of[$!]=$1
	began[$!]=$SECONDS
}

# Wait for one test to end and report it.
reap() {
	local pid='' rc name verdict
	wait -n -p pid
	rc=$?
	if [ -z "$pid" ] || [ -z "${name_of[$pid]:-}" ]; then
		echo "e2e: waited for a test, but none ended (wait: $rc)" >&2
		exit 2
	fi
	name=${name_of[$pid]}
	case $rc in
	0) verdict=PASS; pass=$((pass + 1)) ;;
	77) verdict=SKIP; skip=$((skip + 1)) ;;
	124|137) verdict=FAIL; fail=$((fail + 1))
		echo "e2e: $name still ran after $limit s: stopped" >> "$E2E_LOGDIR/$name.log" ;;
	*) verdict=FAIL; fail=$((fail + 1)) ;;
	esac
	[ $verdict != FAIL ] || failed_tests+=("$name")
	printf '%s: %s (%d s)\n' "$verdict" "$name" $((SECONDS - began[$pid]))
	if [ $rc -eq 0 ]; then
		grep "^$name: " "$E2E_LOGDIR/$name.log" | sed 's/^/    /'
	else
		tail -n 40 "$E2E_LOGDIR/$name.log" | sed 's/^/    /'
	fi
	unset "name_of[$pid]" "began[$pid]"
}

# Background tests ignore SIGINT (no job control), so pass it on as TERM:
# timeout passes it to its test, whose trap stops the test's cluster.
stop_tests() {
	local pid
	for pid in "${!name_of[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	wait
	exit 130
}
trap stop_tests INT TERM HUP

for name in $(selected_tests); do
	while [ ${#name_of[@]} -ge "$jobs" ]; do reap; done
	launch "$name"
done
while [ ${#name_of[@]} -gt 0 ]; do reap; done

# Why each test failed, again (its failed checks and errors, else its last
# lines): a caller that shows only the end of this output (test-all, CI)
# still shows it.
for name in "${failed_tests[@]}"; do
	echo "e2e: FAILED $name ($E2E_LOGDIR/$name.log):"
	{ grep -E "^$name: (FAIL|error):|^e2e: " "$E2E_LOGDIR/$name.log" ||
		tail -n 8 "$E2E_LOGDIR/$name.log"; } | tail -n 8 | sed 's/^/    /'
done
echo "e2e: $pass passed, $fail failed, $skip skipped (logs in $E2E_LOGDIR)"
if [ -n "${E2E_COUNTS:-}" ]; then
	printf '# PASS: %d\n# FAIL: %d\n# SKIP: %d\n' "$pass" "$fail" "$skip" \
		> "$E2E_COUNTS"
fi
[ $fail -eq 0 ] && [ $((pass + skip)) -gt 0 ]
