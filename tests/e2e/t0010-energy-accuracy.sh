#!/bin/bash
# e2e-seconds: 208 (alone, on CI; tests/e2e/run.sh starts the longest first)
# Energy accuracy end to end: two slurmd nodes, each in a mount namespace
# whose /sys/class/powercap is driven by raplsim (2 packages + 2 dram, power
# varying every 3 s, counters wrapping several times per job); real sbatch
# jobs of 1 to 3 minutes; sacct's ConsumedEnergyRaw of each job's .batch
# step must equal the simulator's true energy over the job's lifetime within
# 1% or 2 J, whichever is larger.
#
# Which interval Slurm measures: slurmstepd's jobacct_gather polls the energy
# plugin (ENERGY_DATA_NODE_ENERGY_UP) when the batch task is added, every
# JobAcctGatherFrequency, and once more after the task exits; the step's
# energy is the last reading minus the first. Those reads bracket the batch
# script within milliseconds, so the truth is taken over the script's own
# lifetime: the realtime instants it prints first and last (date +%s.%N).
# The simulator logs its true cumulative energy against the same realtime
# clock. For information the test also prints the truth over the window of
# slurmstepd's first and last energy log lines (DebugFlags=Energy).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

# node:seconds of each job; they run concurrently, two per node.
jobs_spec="cn1:60 cn2:100 cn2:140 cn1:180"
pkg_range_uj=8000000000
dram_range_uj=1000000000

e2e_start --nodes 2 --cpus 4 --energy powercap --rapl sim --seed 42 \
	--node-freq 5 --jobacct-freq 5 \
	--raplsim-args "--pkg-range-uj $pkg_range_uj --dram-range-uj $dram_range_uj"
mkdir -p "$e2e_state/out"

# Count counter wraps from outside the namespaces: /proc/PID/root of a
# node's raplsim sees that node's /sys/class/powercap.
sample_counters() {
	local node pid z
	while :; do
		for node in cn1 cn2; do
			pid=$(cat "$e2e_state/run/raplsim-$node.pid" 2>/dev/null) || continue
			for z in intel-rapl:0 intel-rapl:1 intel-rapl:0/intel-rapl:0:1 \
				intel-rapl:1/intel-rapl:1:1; do
				printf '%s %s %s %s\n' "$(date +%s.%N)" "$node" "$z" \
					"$(cat "/proc/$pid/root/sys/class/powercap/intel-rapl/$z/energy_uj" 2>/dev/null)"
			done
		done
		sleep 1
	done > "$e2e_state/out/counters.log"
}
sample_counters &
sampler=$!

ids=()
declare -A node_of secs_of
for spec in $jobs_spec; do
	node=${spec%%:*}
	secs=${spec#*:}
	id=$(sbatch --parsable -w "$node" -n 1 -J "e2e-$secs" \
		-o "$e2e_state/out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
sleep $secs
echo "end \$(date +%s.%N)"
EOF
) || e2e_bail "sbatch failed"
	ids+=("$id")
	node_of[$id]=$node
	secs_of[$id]=$secs
done
e2e_say "submitted jobs ${ids[*]} ($jobs_spec); waiting for them"

e2e_wait_for "the jobs to finish" 400 e2e_jobs_done "${ids[@]}" ||
	e2e_bail "jobs still queued or running: $(squeue -h -o '%i %T %R')"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null

# ConsumedEnergyRaw reaches slurmdbd shortly after the step ends.
energy_of() { sacct -n -P -j "$1.batch" -o ConsumedEnergyRaw 2>/dev/null | head -n1; }
all_energy_known() {
	local id
	for id in "${ids[@]}"; do
		[ -n "$(energy_of "$id")" ] || return 1
	done
}
e2e_wait_for "sacct to show the energy of every job" 60 all_energy_known ||
	e2e_note "some jobs have no energy in sacct"

# wraps NODE T0 T1: counter wraps (a value lower than the one before) seen
# by the sampler between T0 and T1, over the node's four zones.
wraps() {
	awk -v node="$1" -v t0="$2" -v t1="$3" '
		$2 == node && $4 != "" {
			if ($1 >= t0 && $1 <= t1 && ($3 in last) && $4 < last[$3])
				w++
			last[$3] = $4
		}
		END { print w + 0 }' "$e2e_state/out/counters.log"
}

# stepd_window ID NODE: realtime of slurmstepd's first and last energy read
# for the batch step, from the slurmd log, if the plugin logs them.
stepd_window() {
	local lines first last
	lines=$(grep -F "[$1.batch] ENERGY: acct_gather_energy/powercap: node" \
		"$e2e_state/log/slurmd-$2.log" 2>/dev/null) || return 1
	first=$(echo "$lines" | head -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	last=$(echo "$lines" | tail -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	[ -n "$first" ] && [ -n "$last" ] || return 1
	echo "$(date -d "$first" +%s.%N) $(date -d "$last" +%s.%N)"
}

checked=0
for id in "${ids[@]}"; do
	node=${node_of[$id]}
	out=$e2e_state/out/$id.out
	state=$(sacct -n -P -X -j "$id" -o State | head -n1)
	t0=$(sed -n 's/^start //p' "$out" 2>/dev/null)
	t1=$(sed -n 's/^end //p' "$out" 2>/dev/null)
	measured=$(energy_of "$id")
	if [ "$state" != COMPLETED ] || [ -z "$t0" ] || [ -z "$t1" ]; then
		e2e_fail "job $id on $node: state '$state', script window '$t0'..'$t1'"
		continue
	fi
	truth=$(e2e_truth "$node" "$t0" "$t1") ||
		{ e2e_fail "job $id: the truth log of $node does not cover $t0..$t1"; continue; }
	if [ -z "$measured" ]; then
		e2e_fail "job $id on $node: sacct ConsumedEnergyRaw is empty (truth $truth J)"
		continue
	fi
	verdict=$(awk -v m="$measured" -v t="$truth" 'BEGIN {
		d = m - t; bound = t * 0.01; if (bound < 2) bound = 2
		printf "%+.1f J (%+.3f%%, bound %.1f J) %s", d, 100 * d / t,
			bound, (d <= bound && -d <= bound) ? "ok" : "OUT OF BOUND" }')
	e2e_say "job $id on $node, ${secs_of[$id]} s: sacct $measured J, truth $truth J: $verdict; counter wraps $(wraps "$node" "$t0" "$t1")"
	case $verdict in *"OUT OF BOUND") e2e_fail "job $id: sacct energy off by more than the bound" ;; esac
	if win=$(stepd_window "$id" "$node"); then
		e2e_say "  (truth over slurmstepd's first..last energy read: $(e2e_truth "$node" "${win% *}" "${win#* }") J)"
	fi
	checked=$((checked + 1))
done
[ "$checked" -eq "${#ids[@]}" ] || e2e_fail "$checked of ${#ids[@]} jobs checked"

# The plugin should not have rejected any delta or missed any wrap here.
if grep -h "error: acct_gather_energy/powercap" "$e2e_state"/log/slurmd-cn*.log | head -n 5 | grep .; then
	e2e_fail "the plugin logged errors (above)"
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "all ${#ids[@]} jobs within 1% (or 2 J) of the truth"
