#!/bin/bash
# The main job on a fresh Debian 12 machine, as root: set up and build
# (contrib/setup.sh), stage the plugins in a private directory, and start a
# local Slurm cluster whose nodes read simulated RAPL (raplsim), with the
# carbon-aware plugins loaded. Then show each part:
#   1. energy: jobs run, sacct shows their energy next to the simulator's
#      ground truth;
#   2. carbon: scarbon lists each job's CO2e (operational and embodied,
#      with a grid intensity that changes during the run), stores it with
#      `scarbon stamp`, and plain sacct shows it in AdminComment; a table
#      compares the measurement with a TDP-only estimate;
#   3. carbon-aware scheduling: the pending queue ordered by the SC17
#      function F1 (site_factor/carbon), and a job in a carbon-aware
#      partition deferred to the forecast's low-carbon window
#      (job_submit/carbon), with what its submitter reads;
# stop the cluster, then
#   4. simulation: carbonsim replays the bundled SWF trace (FCFS vs F1,
#      then with carbon-aware time shifting on the GB grid of 2020);
#   5. learning: carbonlearn re-derives a priority function from the trace
#      in seconds, and the multi-criteria grid compares it with FCFS and F1.
#
#   DEMO_NO_SETUP=1   skip contrib/setup.sh (the tree is already built)
#   DEMO_STATE=DIR    the cluster's state directory [/tmp/slurm-carbon-demo]
#   DEMO_RESULTS=DIR  the figures and the learned policy, replaced at each
#                     run [/tmp/slurm-carbon-demo-results]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state=${DEMO_STATE:-/tmp/slurm-carbon-demo}
results=${DEMO_RESULTS:-/tmp/slurm-carbon-demo-results}
in=$state.in
say() { printf '\ndemo: %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts daemons)"
cd "$top"

if [ -z "${DEMO_NO_SETUP:-}" ]; then
	say "setting up and building (contrib/setup.sh)"
	contrib/setup.sh
fi
say "staging the plugins in $top/_plugins (the demo cluster loads them from there)"
make stage-plugins >/dev/null || die "make stage-plugins failed"
[ -x tests/e2e/raplsim ] || make -C tests e2e/raplsim >/dev/null ||
	die "cannot build tests/e2e/raplsim"
scarbon=$top/accounting/scarbon/scarbon
[ -x "$scarbon" ] || die "scarbon is not built in this tree"

# The site: a grid region whose forecast (a minute per sample here, half an
# hour from scarbon-fetch in production) is about 300 gCO2e/kWh, with a
# low-carbon window of 90 from 12 to 20 minutes after the demo starts (the
# scheduling part submits around minute 5); a carbon-aware partition
# "flex" that may defer jobs up to an hour; F1 orders the queue.
mkdir -p "$in"
t0=$(( $(date +%s) / 60 * 60 ))
{
	echo "Time,Carbon Intensity"
	for ((t = t0 - 7200; t < t0 + 6 * 3600; t += 60)); do
		v=$((280 + (t / 60 % 7) * 10)) # a little variation minute by minute
		if [ $t -ge $((t0 + 720)) ] && [ $t -lt $((t0 + 1200)) ]; then v=90; fi
		echo "$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S'),$v"
	done
} > "$in/grid.csv"
cat > "$in/carbon.conf" <<EOF
# carbon.conf(5) of the demo cluster
PUE=1.3
DefaultRegion=grid
RegionName=grid Intensity=$in/grid.csv
PartitionName=flex Region=grid Deferrable=yes MaxDelay=1h
NodeName=cn[1-2] CPUs=16 MemoryGB=1 EmbodiedKgCO2e=1344 LifetimeYears=4
PriorityPolicy=f1
EOF
cat > "$in/slurm.conf" <<EOF
PrologFlags=Contain
PriorityType=priority/multifactor
PrioritySiteFactorPlugin=site_factor/carbon
PriorityWeightAge=0
PriorityWeightFairshare=0
PriorityWeightJobSize=0
PriorityWeightPartition=0
PriorityWeightQOS=0
PriorityCalcPeriod=1
DebugFlags=Energy,Priority
SlurmctldDebug=verbose
JobSubmitPlugins=carbon
PartitionName=flex Nodes=cn[1-2] MaxTime=INFINITE State=UP
EOF

# Demos before DEMO_RESULTS left their figures in the state directory, which
# cluster.sh then refuses: remove it if it holds nothing else.
if [ -d "$state" ] && [ ! -f "$state/.slurm-carbon-cluster" ] &&
	[ -z "$(find "$state" -mindepth 1 -maxdepth 1 ! -name grid.svg \
		! -name tradeoff.svg ! -name learned -print -quit)" ]; then
	rm -rf "$state"
fi
say "starting a 2-node cluster with simulated RAPL in $state"
stop_cluster() { contrib/cluster.sh --state "$state" stop >/dev/null 2>&1 || true; }
trap 'stop_cluster; rm -rf "$in"' EXIT
contrib/cluster.sh --state "$state" --plugin-dir "$top/_plugins" \
	--nodes 2 --cpus 16 --energy powercap --rapl sim \
	--raplsim "$top/tests/e2e/raplsim" \
	--slurm-conf "$in/slurm.conf" --carbon-conf "$in/carbon.conf" start
export SLURM_CONF=$state/etc/slurm.conf
mkdir -p "$state/out"

# ---- 1. energy ----
# Job 2 keeps a CPU busy, so that its TotalCPU means something below.
ids=()
for spec in cn1:30:sleep cn2:45:burn cn1:60:sleep; do
	IFS=: read -r node secs what <<< "$spec"
	work="sleep $secs"
	[ "$what" = sleep ] || work="timeout $secs sh -c 'while :; do :; done'"
	ids+=("$(sbatch --parsable -w "$node" -n 2 -J "$what$secs" \
		-o "$state/out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
$work
echo "end \$(date +%s.%N)"
EOF
)")
done
say "1. energy: submitted jobs ${ids[*]}; waiting for them (about a minute)"
while [ -n "$(squeue -h -o %i)" ]; do sleep 2; done
sleep 5

# e2e_truth: the simulator's true energy between two instants.
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_state=$state
list=$(IFS=,; echo "${ids[*]}")

say "sacct (with PrologFlags=Contain the job line is the whole allocation)"
sacct -j "$list" -o JobID,JobName,NodeList,Elapsed,State,ConsumedEnergyRaw
say "measured by Slurm against the simulator's truth over each batch script"
printf '%-6s %-5s %14s %14s %9s\n' job node 'sacct [J]' 'truth [J]' error
for id in "${ids[@]}"; do
	node=$(sacct -n -P -X -j "$id" -o NodeList | head -n1)
	measured=$(sacct -n -P -j "$id.batch" -o ConsumedEnergyRaw | head -n1)
	t0s=$(sed -n 's/^start //p' "$state/out/$id.out")
	t1s=$(sed -n 's/^end //p' "$state/out/$id.out")
	truth=$(e2e_truth "$node" "$t0s" "$t1s" || echo '?')
	awk -v id="$id" -v n="$node" -v m="${measured:-?}" -v t="$truth" 'BEGIN {
		e = (m + 0 > 0 && t + 0 > 0) ? sprintf("%+.3f%%", 100 * (m - t) / t) : "?"
		printf "%-6s %-5s %14s %14s %9s\n", id, n, m, t, e }'
done

# ---- 2. carbon ----
say "2. carbon: scarbon (energy x PUE 1.3 x the grid's intensity over each run, plus the nodes' embodied share)"
"$scarbon" -j "$list" -X -o JobID,NodeList,Elapsed,AllocCPUS,Energy,EnergySource,PUE,Intensity,CO2eOperational,CO2eEmbodied,CO2e
say "scarbon report --by user"
"$scarbon" report -j "$list"
say "scarbon stamp: each finished job's carbon into its AdminComment in slurmdbd (a systemd timer does this every 10 minutes)"
"$scarbon" stamp --settle 0s -S now-1hour
say "plain sacct now shows it"
sacct -j "$list" -X -o JobID,AdminComment%170
say "measured versus a TDP-only estimate (Green Algorithms' 12 W per CPU-second, 0.3725 W/GB, no idle power; raplsim's power is synthetic)"
printf '%-6s %10s %12s %14s %12s %14s\n' job TotalCPU 'measured J' 'measured CO2e' 'TDP-only J' 'TDP-only CO2e'
for id in "${ids[@]}"; do
	# TotalCPU is on the step lines: slurmdbd keeps none on the job's
	read -r cpu < <(sacct -n -P -j "$id.batch" -o TotalCPU |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	read -r elapsed mem < <(sacct -n -P -X -j "$id" -o ElapsedRaw,ReqMem |
		awk -F'|' '{ m = $2; sub(/[MG]$/, "", m); if ($2 ~ /G$/) m *= 1024; print $1, m / 1024 }')
	"$scarbon" -j "$id" -X -n -P -o EnergyRaw,CO2eRaw,Intensity |
		awk -F'|' -v id="$id" -v cpu="$cpu" -v el="$elapsed" -v mem="$mem" '{
			est = cpu * 12 + el * mem * 0.3725
			printf "%-6s %9.1fs %12d %13.3fg %12.1f %13.3fg\n", id, cpu, $1, $2, est,
				est * 1.3 * $3 / 3.6e6 }'
done

# ---- 3. carbon-aware scheduling ----
say "3. scheduling: every CPU busy, then a job and, 45 s later, 10 jobs of 1 to 16 CPUs and 5 min to 4 h pend"
blocker=$(sbatch --parsable -N2 --exclusive -t 20 -o /dev/null --wrap 'sleep 600')
while [ "$(squeue -h -j "$blocker" -o %T)" != RUNNING ]; do sleep 1; done
# The oldest pending job sets F1's origin of r; 45 s later, when its
# log10(r) term no longer dwarfs the jobs' sizes, 10 more arrive a
# second apart.
sbatch -n 1 -t 60 -o /dev/null --wrap 'sleep 1' >/dev/null
sleep 45
cpus=(1 16 4 2 12 1 3 16 8 2)
mins=(60 10 240 5 30 120 45 20 90 15)
for i in "${!cpus[@]}"; do
	sbatch -n "${cpus[$i]}" -t "${mins[$i]}" -o /dev/null --wrap 'sleep 1' >/dev/null
	sleep 1
done
say "waiting for the priority thread to rank them (PriorityCalcPeriod=1)"
log=$state/log/slurmctld.log
before=$(grep -c 'ranked by f1' "$log" || true)
for _ in $(seq 90); do
	[ "$(grep -c 'ranked by f1' "$log" || true)" -gt "$before" ] && break
	sleep 1
done
sleep 3
say "the pending queue in F1 order, not submit order: log10(p) x q + 870 x log10(r), smallest first (p time limit, q CPUs, r seconds since the oldest pending job's submit)"
squeue --sort=-p -t PD -o '%.6i %.10Q %.5C %.10l %V'
say "a 4-minute job in the carbon-aware partition flex: what its submitter reads"
deferred=$(sbatch --parsable -p flex -t 4 -o /dev/null --wrap 'sleep 5')
scontrol show job "$deferred" | grep -E 'EligibleTime|AdminComment' | sed 's/^ */    /'
mapfile -t pending < <(squeue -h -t PD -o %i)
scancel --quiet "$blocker" "${pending[@]}" 2>/dev/null || true

say "stopping the cluster"
trap 'rm -rf "$in"' EXIT
contrib/cluster.sh --state "$state" stop

# ---- 4. simulation ----
say "4. carbonsim on the bundled trace (tests/data/lublin_256.swf): FCFS against the SC17 function F1"
[ -x sched/carbonsim/carbonsim ] || die "sched/carbonsim/carbonsim is not built in this tree"
rm -rf "$results"
mkdir -p "$results"
sched/carbonsim/carbonsim --policy fcfs,f1 --backfill none,easy tests/data/lublin_256.swf
say "the same trace on the GB grid of 2020, with jobs held up to 6 h or 24 h for cleaner power"
sched/carbonsim/carbonsim --policy fcfs,f1 --backfill easy --carbon tests/data/gb_ci.csv \
	--max-delay 6h,24h --plot-tradeoff "$results/tradeoff.svg" \
	tests/data/lublin_256.swf


# ---- 5. learning ----
say "5. carbonlearn re-derives an F1-class function from the same trace (SC17's procedure; the paper took about 150 hours, this small run seconds: see doc/learning.md for the full one), then replays the best candidates"
[ -x sched/learn/carbonlearn ] || die "sched/learn/carbonlearn is not built in this tree"
sched/learn/carbonlearn --tuples 1000 --permutations 2000 --quiet --top 5 \
	--validate 5 --validate-bootstrap 0 -o "$results/learned" tests/data/lublin_256.swf
say "the multi-criteria grid: performance, carbon, fairness and the cost of learning, FCFS and F1 against the function just learned"
sched/carbonsim/carbonsim --policy "fcfs,f1,learned:$results/learned/learned.policy" \
	--backfill none,easy --carbon tests/data/gb_ci.csv --grid \
	--plot-grid "$results/grid.svg" tests/data/lublin_256.swf
say "figures: $results/tradeoff.svg, $results/grid.svg; the learned policy: $results/learned"
