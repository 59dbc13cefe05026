#!/bin/bash
# Run every benchmark program built in tests/bench and print its figures.
# Benchmarks print their own figures; a non-zero exit means a target missed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_BUILD_DIR:-$here}
rc=0
missed=
for b in "$bin"/bench_*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	case "$b" in *.c|*.o|*.sh) continue;; esac
	echo "== $(basename "$b")"
	"$b" || { echo "== $(basename "$b"): FAILED"; missed+=" $(basename "$b")"; rc=1; }
done
# Named again last: a caller may show only the end of this output.
[ -z "$missed" ] || echo "bench: FAILED:$missed"
exit $rc
