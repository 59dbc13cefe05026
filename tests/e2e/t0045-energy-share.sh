#!/bin/bash
# e2e-seconds: 99 (alone, on CI; tests/e2e/run.sh starts the longest first)
# A shared node's energy split by use (PowercapShare=cpu) end to end: one
# slurmd with 2 CPUs over raplsim in its CPU-following mode, where the
# node's power is 40 W idle (30 W package + 10 W dram) plus 60 W per busy
# CPU of the node's own processes (raplsim --cpu-watts), and /proc/stat in
# the node is raplsim's account of that same CPU use (--bind-proc-stat), so
# other work on the host neither draws simulated power nor counts as the
# node's. "Dynamic" energy is the energy above those 40 W: what the node's
# CPU use caused.
#
# Two 1-CPU jobs share the node and end together: one burns a core, one
# sleeps. With PowercapIdleWatts=40 each holds the idle energy of its CPU
# (20 W), and the energy above idle goes by busy CPU time. Checked:
#  - the two jobs' energies add up to the node's true energy over the
#    shared period within 2% (the idle share of a CPU nobody held while
#    only one job ran is left unattributed, and taken off the truth);
#  - the busy job receives at least 90% of the dynamic energy.
# Without the option each job would get the whole node (t0010).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

idle_w=40
conf_dir=$(mktemp -d "${TMPDIR:-/tmp}/t0045.XXXXXX") || e2e_bail "mktemp failed"
trap 'rc=$?; rm -rf "$conf_dir"; (exit $rc); e2e_cleanup' EXIT
cat > "$conf_dir/acct_gather.conf" <<EOF
PowercapShare=cpu
PowercapIdleWatts=$idle_w
PowercapGPU=no
EOF
e2e_start --nodes 1 --cpus 2 --energy powercap --rapl sim --seed 45 \
	--node-freq 5 --jobacct-freq 5 --acct-gather-conf "$conf_dir/acct_gather.conf" \
	--raplsim-args "--packages 1 --cpu-watts 30:60 --dram-watts 10:10 --step-ms 250 --bind-proc-stat"
mkdir -p "$e2e_state/out"
out=$e2e_state/out

# Both jobs end at the same wall-clock second, whenever they start.
end=$(( $(date +%s) + 80 ))
busy=$(sbatch --parsable -w cn1 -n 1 -J busy -o "$out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
timeout \$(( $end - \$(date +%s) )) bash -c 'while :; do :; done'
echo "end \$(date +%s.%N)"
EOF
) || e2e_bail "sbatch failed"
idle=$(sbatch --parsable -w cn1 -n 1 -J idle -o "$out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
sleep \$(( $end - \$(date +%s) ))
echo "end \$(date +%s.%N)"
EOF
) || e2e_bail "sbatch failed"
e2e_say "jobs $busy (burns a core) and $idle (sleeps) share cn1 until $(date -d "@$end" +%T)"

e2e_wait_for "the jobs to finish" 150 e2e_jobs_done "$busy" "$idle" ||
	e2e_bail "jobs still running: $(squeue -h -o '%i %T %R')"
energy_of() { sacct -n -P -j "$1.batch" -o ConsumedEnergyRaw 2>/dev/null | head -n1; }
both() { [ -n "$(energy_of "$busy")" ] && [ -n "$(energy_of "$idle")" ]; }
e2e_wait_for "sacct to show both jobs' energy" 60 both || true

eb=$(energy_of "$busy")
ei=$(energy_of "$idle")
[ -n "$eb" ] && [ -n "$ei" ] || e2e_bail "energy unknown in sacct: busy '$eb', idle '$ei'"
b0=$(sed -n 's/^start //p' "$out/$busy.out"); b1=$(sed -n 's/^end //p' "$out/$busy.out")
i0=$(sed -n 's/^start //p' "$out/$idle.out"); i1=$(sed -n 's/^end //p' "$out/$idle.out")
[ -n "$b0" ] && [ -n "$b1" ] && [ -n "$i0" ] && [ -n "$i1" ] || e2e_bail "the jobs did not print their start and end"
read -r u0 u1 o0 o1 <<< "$(awk -v a="$b0" -v b="$b1" -v c="$i0" -v d="$i1" 'BEGIN {
	printf "%s %s %s %s\n", (a < c ? a : c), (b > d ? b : d), (a > c ? a : c), (b < d ? b : d) }')"
truth=$(e2e_truth cn1 "$u0" "$u1") || e2e_bail "no truth over $u0..$u1"

# Expected sum: the truth over both jobs' lifetimes less the idle share
# (idle_w / 2) of the CPU nobody held while only one job ran.
result=$(awk -v eb="$eb" -v ei="$ei" -v t="$truth" -v iw="$idle_w" \
	-v u0="$u0" -v u1="$u1" -v o0="$o0" -v o1="$o1" -v b0="$b0" -v b1="$b1" 'BEGIN {
	union = u1 - u0; shared = o1 - o0
	expect = t - iw / 2 * (union - shared)
	sum = eb + ei
	dyn = t - iw * union                 # above idle, over both lifetimes
	busy_dyn = eb - iw / 2 * (b1 - b0)   # the busy job less its idle share
	d = 100 * (sum - expect) / expect
	printf "%.1f %.1f %.1f %.3f %.1f %.1f %.2f %.1f %.1f\n", sum, expect, t, d,
		dyn, busy_dyn, 100 * busy_dyn / dyn, union, shared }')
read -r sum expect truth_u dev dyn busy_dyn busy_pct union shared <<< "$result"
e2e_say "busy job $busy: $eb J, idle job $idle: $ei J; together $sum J"
e2e_say "node truth $truth_u J over $union s (shared $shared s); expected sum $expect J: $dev%"
e2e_say "dynamic energy (above $idle_w W) $dyn J; the busy job's $busy_dyn J: $busy_pct%"
awk -v d="$dev" 'BEGIN { exit !(d <= 2 && d >= -2) }' ||
	e2e_fail "the jobs' sum is off the node's truth by $dev% (bound 2%)"
awk -v p="$busy_pct" 'BEGIN { exit !(p >= 90) }' ||
	e2e_fail "the busy job received $busy_pct% of the dynamic energy (at least 90% expected)"
awk -v d="$dyn" 'BEGIN { exit !(d > 500) }' ||
	e2e_fail "only $dyn J of dynamic energy: the burner did not get a CPU"
grep -h "step share" "$e2e_state/log/slurmd-cn1.log" | tail -n 2 | sed 's/^/    /'

[ "$e2e_failed" -eq 0 ] && e2e_say "shared node: the jobs' energies add up to the node's within 2%, the busy job got $busy_pct% of the dynamic energy"
