#!/bin/sh
# The differential check of the replay engine (sched_crosscheck.py against
# bench/sched_dump) under make check: 4 seeds of 100 random workloads, every
# policy and backfilling mode (10,800 schedules, under a minute). By hand:
#   tests/bench/sched_crosscheck.py tests/bench/sched_dump SEED [WORKLOADS]
set -u

srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
dump=${SCHED_DUMP:-bench/sched_dump}
command -v python3 >/dev/null || { echo "test_sched_crosscheck: needs python3" >&2; exit 77; }
if [ ! -x "$dump" ]; then
	echo "test_sched_crosscheck: no sched_dump at $dump (make first)" >&2
	exit 99
fi
failed=0
for seed in 1 2 3 4; do
	if python3 "$srcdir/bench/sched_crosscheck.py" "$dump" "$seed" 100; then
		echo "ok - seed $seed"
	else
		echo "not ok - seed $seed"
		failed=1
	fi
done
exit $failed
