#!/bin/bash
# e2e-seconds: 92 (alone, on CI; tests/e2e/run.sh starts the longest first)
# Energy through a read failure, end to end: one slurmd over raplsim with
# PowercapDrainOnError=yes. Mid-job every energy_uj reads "n/a" for 15 s
# (raplsim SIGUSR2), then numbers again:
#  - the job still completes, and its energy is unknown (empty in sacct),
#    never the partial figure of the intervals that were read;
#  - slurmd drains the node with a reason naming the file and the cause,
#    and the node's CurrentWatts (slurmctld's energy poll of slurmd) is n/s
#    while the zones fail;
#  - slurmd and the job's slurmstepd read the zones again on their own
#    (no scontrol reconfigure): both log it, CurrentWatts is plausible
#    again, and once the node is resumed a later job's energy is within 1%
#    (or 2 J) of raplsim's truth over its script.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim
dir=$(mktemp -d /tmp/e2e-recovery.XXXXXX)
trap 'rc=$?; rm -rf "$dir"; (exit $rc); e2e_cleanup' EXIT
printf 'PowercapDrainOnError=yes\n' > "$dir/acct_gather.conf"

e2e_start --nodes 1 --cpus 2 --energy powercap --rapl sim --seed 40 \
	--node-freq 5 --jobacct-freq 5 --acct-gather-conf "$dir/acct_gather.conf"
mkdir -p "$e2e_state/out"
log=$e2e_state/log/slurmd-cn1.log

watts() { scontrol show node cn1 | sed -n 's/.*CurrentWatts=\([0-9a-z/]*\).*/\1/p'; }
# The simulated node draws 2 x 60..250 W (packages) + 2 x 8..40 W (dram).
plausible() { w=$(watts); [ -n "$w" ] && [ "$w" != n/s ] && [ "$w" -ge 136 ] && [ "$w" -le 580 ]; }
unknown_watts() { [ "$(watts)" = n/s ]; }
reason() { scontrol show node cn1 | sed -n 's/^ *Reason=//p'; }
drained() { scontrol show node cn1 | grep -q 'State=[A-Z+]*DRAIN'; }
energy_of() { sacct -n -P -j "$1.batch" -o State,ConsumedEnergyRaw 2>/dev/null | head -n1; }
recorded() { case $(energy_of "$1") in COMPLETED*) return 0 ;; esac; return 1; }
script() { # SECONDS
	printf '#!/bin/bash\necho "start $(date +%%s.%%N)"\nsleep %s\necho "end $(date +%%s.%%N)"\n' "$1"
}

e2e_wait_for "plausible CurrentWatts of cn1" 40 plausible ||
	e2e_bail "no plausible CurrentWatts before the fault: '$(watts)'"

a=$(script 45 | sbatch --parsable -w cn1 -o "$e2e_state/out/%j.out") ||
	e2e_bail "sbatch failed"
started() { grep -q '^start' "$e2e_state/out/$a.out" 2>/dev/null; }
e2e_wait_for "job $a to start" 60 started || e2e_bail "job $a did not start"
sleep 10
e2e_kill raplsim-cn1 USR2
g0=$SECONDS
e2e_say "job $a running; energy_uj reads n/a from $(date +%T) for 15 s"
e2e_wait_for "the node to be drained" 15 drained ||
	e2e_fail "cn1 not drained while its zones read n/a"
w_during=$(watts)
why=$(reason)
[ $((SECONDS - g0)) -ge 15 ] || sleep $((15 - (SECONDS - g0)))
e2e_kill raplsim-cn1 USR2
e2e_say "numbers again from $(date +%T); during the fault CurrentWatts=$w_during, Reason=$why"
[ "$w_during" = n/s ] || e2e_fail "CurrentWatts was '$w_during' while the zones read n/a, not n/s"
case $why in
"powercap: /sys/class/powercap/intel-rapl/intel-rapl:"*"/energy_uj: not a number: \"n/a\""*) ;;
*) e2e_fail "drain reason '$why' does not name the energy_uj file and the cause" ;;
esac

e2e_wait_for "job $a to finish" 60 e2e_jobs_done "$a" || e2e_bail "job $a still running"
e2e_wait_for "sacct to record job $a" 60 recorded "$a" || true
rec=$(energy_of "$a")
e2e_say "job $a (spanning the fault): .batch State|ConsumedEnergyRaw '$rec'"
[ "$rec" = "COMPLETED|" ] || e2e_fail "job $a: expected COMPLETED with empty (unknown) energy, got '$rec'"

again() { grep -q "acct_gather_energy/powercap: zones readable again" "$log"; }
e2e_wait_for "slurmd to read the zones again" 60 again ||
	e2e_fail "slurmd did not read the zones again on its own"
grep -F "[$a.batch]" "$log" | grep -q "zones readable again" ||
	e2e_fail "the slurmstepd of job $a did not read the zones again"
e2e_say "slurmd log: $(grep -h "zones readable again" "$log" | head -n1 | sed 's/^\[[^]]*\] //')"
e2e_wait_for "plausible CurrentWatts again" 30 plausible ||
	e2e_fail "CurrentWatts is '$(watts)' after the zones came back"
e2e_say "CurrentWatts=$(watts) after recovery; node $(drained && echo drained || echo not drained) until resumed"

scontrol update nodename=cn1 state=resume || e2e_fail "cannot resume cn1"
b=$(script 20 | sbatch --parsable -w cn1 -o "$e2e_state/out/%j.out") ||
	e2e_bail "sbatch failed"
e2e_wait_for "job $b to finish" 90 e2e_jobs_done "$b" || e2e_bail "job $b still running"
e2e_wait_for "sacct to record job $b" 60 recorded "$b" || true
measured=$(energy_of "$b")
measured=${measured#*|}
t0=$(sed -n 's/^start //p' "$e2e_state/out/$b.out")
t1=$(sed -n 's/^end //p' "$e2e_state/out/$b.out")
truth=$(e2e_truth cn1 "$t0" "$t1") || e2e_bail "no truth for job $b over $t0..$t1"
if [ -z "$measured" ]; then
	e2e_fail "job $b after the recovery: energy unknown (truth $truth J)"
else
	verdict=$(awk -v m="$measured" -v t="$truth" 'BEGIN {
		d = m - t; b = t * 0.01; if (b < 2) b = 2
		printf "%+.1f J (%+.3f%%) %s", d, 100 * d / t, (d <= b && -d <= b) ? "ok" : "OUT OF BOUND" }')
	e2e_say "job $b after the recovery: sacct $measured J, truth $truth J: $verdict"
	case $verdict in *"OUT OF BOUND") e2e_fail "job $b off by more than 1% (or 2 J)" ;; esac
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "unknown across the fault, drained with the cause, right again after it"
