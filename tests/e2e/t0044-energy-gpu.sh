#!/bin/bash
# e2e-seconds: 99 (alone, on CI; tests/e2e/run.sh starts the longest first)
# GPU energy end to end: one slurmd over raplsim whose NVML is the stand-in
# library (tests/nvmlsim, loaded by the plugin through PowercapNVMLLibrary
# exactly as it loads libnvidia-ml.so.1), with two GPUs drawing a known
# constant power from a fixed instant: GPU-a 150 W, read through its energy
# counter; GPU-b 90 W, without one, so the plugin integrates its power
# readings. So the node's true energy over any interval is raplsim's truth
# plus 240 W times its length.
#  - a batch job: sacct's energy of its .batch step is that truth over the
#    script's lifetime within 1%, and the step's split in slurmd's log
#    (DebugFlags=Energy) gives the GPUs 240 W within 1%;
#  - a job during which GPU-b falls off the bus, then disappears: its
#    energy is unknown (empty), never a figure without the GPU;
#  - GPU-b back: a later job is right again.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

nvmlsim=${NVMLSIM:-${E2E_BUILDDIR:-$e2e_top}/tests/nvmlsim/.libs/libnvidia-ml.so.1}
[ -f "$nvmlsim" ] || e2e_bail "the stand-in NVML is not at $nvmlsim (build the tree, or set NVMLSIM)"

# The control file outlives the cluster's state directory (cluster.sh
# starts afresh there), so it has its own, removed at exit.
ctl_dir=$(mktemp -d "${TMPDIR:-/tmp}/t0044.XXXXXX") || e2e_bail "mktemp failed"
trap 'rc=$?; rm -rf "$ctl_dir"; (exit $rc); e2e_cleanup' EXIT
export NVMLSIM_CONTROL=$ctl_dir/nvmlsim.conf
t_gpu=$(date +%s.%N)
gpus() { # [GPU-b's extra fields | "gone"]
	{
		echo "gpu uuid=GPU-e2e-a energy_mj=1000000 power_mw=150000 at=$t_gpu"
		[ "${1:-}" = gone ] ||
			echo "gpu uuid=GPU-e2e-b counter=no power_mw=90000 at=$t_gpu ${1:-}"
	} > "$NVMLSIM_CONTROL.tmp" && mv "$NVMLSIM_CONTROL.tmp" "$NVMLSIM_CONTROL"
}
gpus
gpu_w=240

cat > "$ctl_dir/acct_gather.conf" <<EOF
PowercapGPU=yes
PowercapNVMLLibrary=$nvmlsim
EOF
e2e_start --nodes 1 --cpus 2 --energy powercap --rapl sim --seed 44 \
	--node-freq 5 --jobacct-freq 5 --acct-gather-conf "$ctl_dir/acct_gather.conf"
mkdir -p "$e2e_state/out"
out=$e2e_state/out
log=$e2e_state/log/slurmd-cn1.log

grep -q "2 GPU(s) through NVML, 1 of them by power readings" "$log" ||
	e2e_fail "slurmd did not find the two stand-in GPUs: $(grep -m3 'GPU' "$log")"

submit() { # SECONDS: a batch job printing its start and end
	sbatch --parsable -w cn1 -n 1 -o "$out/%j.out" <<EOF
#!/bin/bash
echo "start \$(date +%s.%N)"
sleep $1
echo "end \$(date +%s.%N)"
EOF
}
energy_of() { sacct -n -P -j "$1.batch" -o ConsumedEnergyRaw 2>/dev/null | head -n1; }
state_of() { sacct -n -P -X -j "$1" -o State 2>/dev/null | head -n1; }
recorded() { [ "$(state_of "$1")" = COMPLETED ] && sacct -n -P -j "$1.batch" -o JobID 2>/dev/null | grep -q .; }
within() { # MEASURED TRUTH PERCENT
	awk -v m="$1" -v t="$2" -v p="$3" 'BEGIN {
		d = m - t; b = t * p / 100
		printf "%+.1f J (%+.3f%%) %s", d, 100 * d / t, (d <= b && -d <= b) ? "ok" : "OUT OF BOUND" }'
}
# truth ID: node truth over the job script's lifetime, RAPL + GPUs
truth_of() {
	local t0 t1 rapl
	t0=$(sed -n 's/^start //p' "$out/$1.out")
	t1=$(sed -n 's/^end //p' "$out/$1.out")
	[ -n "$t0" ] && [ -n "$t1" ] || return 1
	rapl=$(e2e_truth cn1 "$t0" "$t1") || return 1
	awk -v r="$rapl" -v a="$t0" -v b="$t1" -v w="$gpu_w" \
		'BEGIN { printf "%.3f %.3f\n", r + w * (b - a), w * (b - a) }'
}

check_job() { # ID WHAT: energy within 1% of RAPL + GPU truth
	local id=$1 what=$2 measured truth gpu v split
	measured=$(energy_of "$id")
	read -r truth gpu <<< "$(truth_of "$id")" || true
	if [ -z "$truth" ]; then
		e2e_fail "$what job $id: no truth for its script window"
		return
	fi
	if [ -z "$measured" ]; then
		e2e_fail "$what job $id: energy unknown (truth $truth J)"
		return
	fi
	v=$(within "$measured" "$truth" 1)
	e2e_say "$what job $id: sacct $measured J, truth $truth J (of which GPUs $gpu J): $v"
	case $v in *"OUT OF BOUND") e2e_fail "$what job $id off by more than 1%" ;; esac
	# The split, as a person reads it in slurmd's log.
	split=$(grep -F "[$id.batch] ENERGY: acct_gather_energy/powercap: step " "$log" | tail -n1 |
		sed -n 's/.*: step \(.*\)$/\1/p')
	if [ -z "$split" ]; then
		e2e_fail "$what job $id: no split line in slurmd's log"
		return
	fi
	v=$(within "$(echo "$split" | sed -n 's/.* + gpu \([0-9.]*\) J$/\1/p')" "$gpu" 1)
	e2e_say "  split: $split; GPUs $v"
	case $v in *"OUT OF BOUND") e2e_fail "$what job $id: the GPU part is off by more than 1%" ;; esac
}

# 1. GPUs as they should be.
id1=$(submit 30) || e2e_bail "sbatch failed"
e2e_wait_for "job $id1 to finish" 90 e2e_jobs_done "$id1" || e2e_bail "job $id1 still running"
e2e_wait_for "sacct to record job $id1" 60 recorded "$id1" || true
check_job "$id1" "steady"

# 2. GPU-b falls off the bus 8 s in, then is gone from the bus.
id2=$(submit 24) || e2e_bail "sbatch failed"
started() { grep -q '^start' "$out/$id2.out" 2>/dev/null; }
e2e_wait_for "job $id2 to start" 60 started || e2e_bail "job $id2 did not start"
sleep 8
gpus lost=yes
sleep 8
gpus gone
e2e_wait_for "job $id2 to finish" 60 e2e_jobs_done "$id2" || e2e_bail "job $id2 still running"
e2e_wait_for "sacct to record job $id2" 60 recorded "$id2" || true
lost=$(energy_of "$id2")
read -r truth2 _ <<< "$(truth_of "$id2")" || true
if [ -z "$lost" ]; then
	e2e_say "lost-GPU job $id2: energy unknown in sacct (truth $truth2 J): ok"
else
	e2e_fail "lost-GPU job $id2: sacct shows $lost J (truth $truth2 J); expected unknown"
fi
grep -q "GPU 1 (GPU-e2e-b): nvmlDeviceGetPowerUsage: GPU is lost" "$log" ||
	e2e_fail "the lost GPU was not logged"

# 3. GPU-b back (its counters as if it had run all along): right again.
gpus
id3=$(submit 20) || e2e_bail "sbatch failed"
e2e_wait_for "job $id3 to finish" 60 e2e_jobs_done "$id3" || e2e_bail "job $id3 still running"
e2e_wait_for "sacct to record job $id3" 60 recorded "$id3" || true
check_job "$id3" "recovered"

[ "$e2e_failed" -eq 0 ] && e2e_say "node energy = RAPL + stand-in GPUs within 1%; a lost GPU leaves energy unknown"
