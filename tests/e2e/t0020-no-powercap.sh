#!/bin/bash
# e2e-seconds: 27 (alone, on CI; tests/e2e/run.sh starts the longest first)
# No powercap tree: slurmd runs in a mount namespace whose /sys/class is an
# empty tmpfs, with acct_gather_energy/powercap. Jobs still run, sacct's
# energy is empty (unknown, never zero), the node stays up, and the slurmd
# log says why, naming the path.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap

e2e_start --nodes 1 --energy powercap --rapl empty --node-freq 5 --jobacct-freq 5
mkdir -p "$e2e_state/out"

id=$(sbatch --parsable -w cn1 -n 1 -o "$e2e_state/out/%j.out" \
	--wrap 'sleep 8; echo done') || e2e_bail "sbatch failed"
e2e_wait_for "job $id to finish" 120 e2e_jobs_done "$id" ||
	e2e_bail "job $id still queued or running"

job_done() { [ -n "$(sacct -n -P -j "$id.batch" -o State | head -n1)" ]; }
e2e_wait_for "sacct to record job $id" 60 job_done || true
state=$(sacct -n -P -X -j "$id" -o State | head -n1)
batch=$(sacct -n -P -j "$id.batch" -o State,ConsumedEnergyRaw | head -n1)
e2e_say "job $id: state $state; batch step State|ConsumedEnergyRaw: '$batch'"

[ "$state" = COMPLETED ] || e2e_fail "job $id is '$state', not COMPLETED"
grep -qx 'done' "$e2e_state/out/$id.out" 2>/dev/null ||
	e2e_fail "job $id did not print its output"
case $batch in
COMPLETED\|) ;;
COMPLETED\|*) e2e_fail "energy of job $id is '${batch#*|}', not empty (unknown)" ;;
*) e2e_fail "batch step of job $id not recorded as COMPLETED: '$batch'" ;;
esac

node=$(sinfo -h -N -n cn1 -o %t)
case $node in idle*|mix*|alloc*) ;; *) e2e_fail "node cn1 is '$node' after the job" ;; esac

why=$(grep -h "error: .*acct_gather_energy/powercap\|acct_gather_energy/powercap.*error" \
	"$e2e_state/log/slurmd-cn1.log" | grep -F /sys/class/powercap | head -n1)
if [ -n "$why" ]; then
	e2e_say "slurmd log: $why"
else
	grep -h powercap "$e2e_state/log/slurmd-cn1.log" | head -n 5 >&2
	e2e_fail "the slurmd log has no error naming /sys/class/powercap"
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "job ran, energy unknown, cause logged"
