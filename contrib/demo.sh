#!/bin/bash
# The main job on a fresh Debian 12 machine, as root: set up and build
# (contrib/setup.sh), stage the plugins in a private directory, start a local Slurm cluster whose
# nodes read simulated RAPL (raplsim), run a few jobs, show their energy in
# sacct next to the simulator's ground truth, stop the cluster; then replay
# the bundled SWF trace with carbonsim.
#
#   DEMO_NO_SETUP=1   skip contrib/setup.sh (the tree is already built)
#   DEMO_STATE=DIR    the cluster's state directory [/tmp/slurm-carbon-demo]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state=${DEMO_STATE:-/tmp/slurm-carbon-demo}
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

say "starting a 2-node cluster with simulated RAPL in $state"
stop_cluster() { contrib/cluster.sh --state "$state" stop >/dev/null 2>&1 || true; }
trap stop_cluster EXIT
contrib/cluster.sh --state "$state" --plugin-dir "$top/_plugins" \
	--nodes 2 --energy powercap --rapl sim \
	--raplsim "$top/tests/e2e/raplsim" start
export SLURM_CONF=$state/etc/slurm.conf
mkdir -p "$state/out"

ids=()
for spec in cn1:30 cn2:45 cn1:60; do
	node=${spec%%:*}
	secs=${spec#*:}
	ids+=("$(sbatch --parsable -w "$node" -n 1 -J "sleep$secs" \
		-o "$state/out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
sleep $secs
echo "end \$(date +%s.%N)"
EOF
)")
done
say "submitted jobs ${ids[*]}; waiting for them (about a minute)"
while [ -n "$(squeue -h -o %i)" ]; do sleep 2; done
sleep 3

# e2e_truth: the simulator's true energy between two instants.
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_state=$state

say "sacct (energy is on the .batch step line)"
sacct -j "$(IFS=,; echo "${ids[*]}")" \
	-o JobID,JobName,NodeList,Elapsed,State,ConsumedEnergyRaw
say "measured by Slurm against the simulator's truth over each job's lifetime"
printf '%-6s %-5s %14s %14s %9s\n' job node 'sacct [J]' 'truth [J]' error
for id in "${ids[@]}"; do
	node=$(sacct -n -P -X -j "$id" -o NodeList | head -n1)
	measured=$(sacct -n -P -j "$id.batch" -o ConsumedEnergyRaw | head -n1)
	t0=$(sed -n 's/^start //p' "$state/out/$id.out")
	t1=$(sed -n 's/^end //p' "$state/out/$id.out")
	truth=$(e2e_truth "$node" "$t0" "$t1" || echo '?')
	awk -v id="$id" -v n="$node" -v m="${measured:-?}" -v t="$truth" 'BEGIN {
		e = (m + 0 > 0 && t + 0 > 0) ? sprintf("%+.3f%%", 100 * (m - t) / t) : "?"
		printf "%-6s %-5s %14s %14s %9s\n", id, n, m, t, e }'
done
say "stopping the cluster"
trap - EXIT
contrib/cluster.sh --state "$state" stop

say "carbonsim on the bundled trace (tests/data/lublin_256.swf): FCFS against the SC17 function F1"
[ -x sched/carbonsim ] || die "sched/carbonsim is not built in this tree"
mkdir -p "$state"
sched/carbonsim --policy fcfs,f1 --backfill none,easy tests/data/lublin_256.swf
say "the same trace on the GB grid of 2020, with jobs held up to 6 h or 24 h for cleaner power"
sched/carbonsim --policy fcfs,f1 --backfill easy --carbon tests/data/gb_ci.csv \
	--max-delay 6h,24h --plot-tradeoff "$state/tradeoff.svg" \
	tests/data/lublin_256.swf
say "figure: $state/tradeoff.svg"
