#!/bin/bash
# e2e-seconds: 44 (alone, on CI; tests/e2e/run.sh starts the longest first)
# The step and node paths end to end, one slurmd over raplsim:
#  - a 3-task srun step whose tasks end at 22, 14 and 6 s (task 2, the
#    last one started, ends first): its energy in sacct is the truth from
#    its first task's start to its last task's end within 1% (or 2 J).
#    (slurmstepd polls energy into the newest live task's record only and
#    keeps the record of the last task to end: a record counting from its
#    own first poll gave task 0's last 8 s, about a third.)
#  - sstat mid-step (slurmstepd's own record) lies between the truth up to
#    one poll interval before and the truth up to then;
#  - the node's record through slurmd's energy RPC (slurm_get_node_energy,
#    ENERGY_DATA_JOULES_TASK: the node's energy since slurmd first read the
#    zones) matches the truth since then, and scontrol's CurrentWatts
#    (slurmctld's poll of slurmd) lies in the simulated power range.
# The profile path (ENERGY_DATA_PROFILE) needs a profile plugin that takes
# samples; Debian 12 ships only acct_gather_profile/none, so the unit test
# test_powercap_plugin covers it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

e2e_start --nodes 1 --cpus 4 --energy powercap --rapl sim --seed 42 \
	--node-freq 5 --jobacct-freq 5
mkdir -p "$e2e_state/out"
log=$e2e_state/log/slurmd-cn1.log
out=$e2e_state/out

within() { # MEASURED TRUTH: "+d J (+p%) ok" or "... OUT OF BOUND"
	awk -v m="$1" -v t="$2" 'BEGIN {
		d = m - t; b = t * 0.01; if (b < 2) b = 2
		printf "%+.1f J (%+.3f%%) %s", d, 100 * d / t, (d <= b && -d <= b) ? "ok" : "OUT OF BOUND" }'
}

id=$(sbatch --parsable -w cn1 -n 3 -o "$out/%j.out" <<'EOF'
#!/bin/bash
srun -n 3 bash -c 'echo "task $SLURM_PROCID start $(date +%s.%N)"
	sleep $((22 - 8 * SLURM_PROCID))
	echo "task $SLURM_PROCID end $(date +%s.%N)"'
EOF
) || e2e_bail "sbatch failed"
running() { [ "$(grep -c "^task [0-2] start" "$out/$id.out" 2>/dev/null)" = 3 ]; }
e2e_wait_for "step $id.0 to start" 60 running || e2e_bail "step $id.0 did not start"

# sstat about 10 s into the step.
sleep 9
s_before=$(date +%s.%N)
sstat_j=$(sstat -n -P -j "$id.0" -o ConsumedEnergyRaw 2>/dev/null | head -n1)
s_after=$(date +%s.%N)

# slurmd's energy RPC, as slurm_get_node_energy() makes it.
rpc_before=$(date +%s.%N)
rpc=$(python3 - <<'EOF'
import ctypes, ctypes.util
# RTLD_GLOBAL: the plugins libslurm loads (auth/munge) use its symbols.
lib = ctypes.CDLL(ctypes.util.find_library("slurm"), mode=ctypes.RTLD_GLOBAL)
lib.slurm_init(None)
class Energy(ctypes.Structure):
    _fields_ = [("ave_watts", ctypes.c_uint32),
                ("base_consumed_energy", ctypes.c_uint64),
                ("consumed_energy", ctypes.c_uint64),
                ("current_watts", ctypes.c_uint32),
                ("previous_consumed_energy", ctypes.c_uint64),
                ("poll_time", ctypes.c_long)]
count = ctypes.c_uint16()
energy = ctypes.POINTER(Energy)()
rc = lib.slurm_get_node_energy(b"cn1", ctypes.c_uint16(0), ctypes.c_uint16(0),
                               ctypes.byref(count), ctypes.byref(energy))
if rc != 0 or count.value != 1:
    raise SystemExit("slurm_get_node_energy: rc %d, %d sensors" % (rc, count.value))
print(energy[0].consumed_energy, energy[0].current_watts)
EOF
) || e2e_fail "slurm_get_node_energy failed: $rpc"
rpc_after=$(date +%s.%N)
watts=$(scontrol show node cn1 | sed -n 's/.*CurrentWatts=\([0-9a-z/]*\).*/\1/p')

e2e_wait_for "job $id to finish" 90 e2e_jobs_done "$id" || e2e_bail "job $id still running"
recorded() { [ -n "$(sacct -n -P -j "$id.0" -o ConsumedEnergyRaw 2>/dev/null | head -n1)" ]; }
e2e_wait_for "sacct to show the energy of step $id.0" 60 recorded || true

# The step: from its first task's start to its last task's end.
t0=$(awk '$3 == "start" { print $4 }' "$out/$id.out" | sort -n | head -n1)
t1=$(awk '$3 == "end" { print $4 }' "$out/$id.out" | sort -n | tail -n1)
tlast=$(awk '$3 == "end" { print $4 }' "$out/$id.out" | sort -n | sed -n 2p)
step=$(sacct -n -P -j "$id.0" -o ConsumedEnergyRaw | head -n1)
truth=$(e2e_truth cn1 "$t0" "$t1") || e2e_bail "no truth for step $id.0"
late=$(e2e_truth cn1 "$tlast" "$t1")
if [ -z "$step" ]; then
	e2e_fail "step $id.0: energy unknown (truth $truth J)"
else
	v=$(within "$step" "$truth")
	e2e_say "3-task step $id.0 (tasks end at 22, 14, 6 s): sacct $step J, truth $truth J: $v (from the second end on: $late J)"
	case $v in *"OUT OF BOUND") e2e_fail "step $id.0 off by more than 1% (or 2 J)" ;; esac
fi

# sstat: the step's energy at its last poll, at most one interval (5 s)
# plus a second of slack old.
lo=$(e2e_truth cn1 "$t0" "$(echo "$s_before - 6" | bc)")
hi=$(e2e_truth cn1 "$t0" "$s_after")
if [ -n "$sstat_j" ] && awk -v s="$sstat_j" -v lo="$lo" -v hi="$hi" \
	'BEGIN { exit !(s >= lo * 0.99 - 2 && s <= hi * 1.01 + 2) }'; then
	e2e_say "sstat mid-step: $sstat_j J, truth $lo..$hi J (one poll interval): ok"
else
	e2e_fail "sstat mid-step: '$sstat_j' J, outside the truth $lo..$hi J"
fi

# slurmd's RPC: the node since slurmd first opened the zones.
first=$(grep -m1 "acct_gather_energy/powercap: [0-9]* zone(s) in package mode" "$log" |
	sed 's/^\[\([^]]*\)\].*/\1/')
t_open=$(date -d "$first" +%s.%N)
rpc_j=${rpc% *}
rpc_w=${rpc#* }
lo=$(e2e_truth cn1 "$t_open" "$rpc_before")
hi=$(e2e_truth cn1 "$t_open" "$rpc_after")
if [ -n "$rpc_j" ] && awk -v s="$rpc_j" -v lo="$lo" -v hi="$hi" \
	'BEGIN { exit !(s >= lo * 0.99 - 2 && s <= hi * 1.01 + 2) }'; then
	e2e_say "slurmd energy RPC: $rpc_j J since slurmd opened the zones (truth $lo..$hi J), CurrentWatts $rpc_w: ok"
else
	e2e_fail "slurmd energy RPC: '$rpc_j' J, outside the truth $lo..$hi J since $first"
fi
if [ -n "$watts" ] && [ "$watts" != n/s ] && [ "$watts" -ge 136 ] && [ "$watts" -le 580 ]; then
	e2e_say "scontrol show node: CurrentWatts=$watts (simulated range 136..580 W)"
else
	e2e_fail "scontrol show node: CurrentWatts='$watts', outside 136..580 W"
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "multi-task step, sstat, slurmd RPC and node power right"
