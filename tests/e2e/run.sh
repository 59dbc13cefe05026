#!/bin/bash
# Runs every end-to-end test (tests/e2e/t*.sh) in order, as root, against
# real daemons; prints one line per test (and the test's own lines), keeps
# each test's output in E2E_LOGDIR, and exits non-zero if any test failed.
#
#   E2E_COUNTS=FILE  also write automake-style counts to FILE:
#                    "# PASS: N", "# FAIL: M", "# SKIP: K"
#   E2E_TESTS="t0020-no-powercap"  run only the named tests
# See tests/e2e/lib.sh for RAPLSIM, E2E_BUILDDIR, E2E_LOGDIR, E2E_KEEP.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_LOGDIR=${E2E_LOGDIR:-$top/_test-logs/e2e}
mkdir -p "$E2E_LOGDIR"
pass=0
fail=0
skip=0

for t in "$here"/t*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${E2E_TESTS:-}" ]; then
		case " $E2E_TESTS " in *" $name "*) ;; *) continue ;; esac
	fi
	t0=$SECONDS
	bash "$t" > "$E2E_LOGDIR/$name.log" 2>&1
	rc=$?
	case $rc in
	0) verdict=PASS; pass=$((pass + 1)) ;;
	77) verdict=SKIP; skip=$((skip + 1)) ;;
	*) verdict=FAIL; fail=$((fail + 1)) ;;
	esac
	printf '%s: %s (%d s)\n' "$verdict" "$name" $((SECONDS - t0))
	if [ $rc -eq 0 ]; then
		grep "^$name: " "$E2E_LOGDIR/$name.log" | sed 's/^/    /'
	else
		tail -n 40 "$E2E_LOGDIR/$name.log" | sed 's/^/    /'
	fi
done

echo "e2e: $pass passed, $fail failed, $skip skipped (logs in $E2E_LOGDIR)"
if [ -n "${E2E_COUNTS:-}" ]; then
	printf '# PASS: %d\n# FAIL: %d\n# SKIP: %d\n' "$pass" "$fail" "$skip" \
		> "$E2E_COUNTS"
fi
[ $fail -eq 0 ] && [ $((pass + skip)) -gt 0 ]
