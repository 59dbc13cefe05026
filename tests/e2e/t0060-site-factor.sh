#!/bin/bash
# e2e-seconds: 560 (alone, on CI; tests/e2e/run.sh starts the longest first)
# site_factor/carbon orders the pending queue as the policy does: with the
# other priority weights at zero, `squeue --sort=-p -t PD` lists the pending
# jobs in exactly the order an independent model of the policy
# (policy_order.py, no code shared with sched/policy.c) computes from the
# same jobs, for F1 and then, after carbon.conf is changed on the running
# controller (no restart), for SPF; no two pending jobs share a priority.
# Then learned policy files: one with F1's formula orders as F1, then as
# SPF once retrained in place (carbon.conf untouched), and one
# with a carbon term reads c from the region's forecast file: a forecast of
# 300 g now and 100 g later in the day gives c = 300 / 100 - 1 = 2, and
# 2*q*c - 3*q orders by ascending CPUs (by descending ones if c were 0).
# A forecast that ended (its file freshly written) gives c = 0. A broken
# carbon.conf sets every pending job's site factor back to neutral.
#
# All nodes are held by a blocker job, so 24 jobs of 1 to 32 CPUs and 5 min
# to 10 h limits, submitted a second apart, pend. The check is made after
# the priority thread's next update (PriorityCalcPeriod=1, seen in the
# slurmctld log with DebugFlags=Priority at verbose level): between
# updates new jobs are placed against the last update's origin of r
# (site_factor_carbon(8)).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin site_factor_carbon
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$e2e_state.in"
trap 'rm -rf "$e2e_state.in"; e2e_cleanup' EXIT
cat > "$e2e_state.in/slurm.conf" <<CONF
PriorityType=priority/multifactor
PrioritySiteFactorPlugin=site_factor/carbon
PriorityWeightAge=0
PriorityWeightFairshare=0
PriorityWeightJobSize=0
PriorityWeightPartition=0
PriorityWeightQOS=0
PriorityCalcPeriod=1
DebugFlags=Priority
SlurmctldDebug=verbose
CONF
write_conf() {
	cat > "$1" <<CONF
# t0060: the policy of site_factor/carbon
PUE=1.2
RegionName=here Intensity=${3:-200}
DefaultRegion=here
PriorityPolicy=$2
CONF
}
write_conf "$e2e_state.in/carbon.conf" f1

e2e_start --nodes 2 --cpus 32 --energy none --rapl empty \
	--slurm-conf "$e2e_state.in/slurm.conf" \
	--carbon-conf "$e2e_state.in/carbon.conf"
ctld_log=$e2e_state/log/slurmctld.log

blocker=$(sbatch --parsable -N2 --exclusive -t 30 -o /dev/null --wrap 'sleep 1500') ||
	e2e_bail "sbatch of the blocker failed"
running() { [ "$(squeue -h -j "$blocker" -o %T)" = RUNNING ]; }
e2e_wait_for "the blocker to run" 60 running || e2e_bail "the blocker does not run"

cpus=(1 8 4 2 32 1 3 16 6 12 2 24 1 5 10 4 20 2 7 32 3 1 14 9)
mins=(60 10 120 5 30 600 45 20 240 15 90 60 5 180 30 300 10 45 120 20 480 15 60 5)
ids=()
for i in "${!cpus[@]}"; do
	ids+=("$(sbatch --parsable -n "${cpus[$i]}" -t "${mins[$i]}" -o /dev/null \
		--wrap 'sleep 1')") || e2e_bail "sbatch $i failed"
	sleep 1
done
e2e_say "submitted ${#ids[@]} jobs (${ids[0]}..${ids[-1]}) behind blocker $blocker"

# updates: the count of "ranked by POLICY" lines in the slurmctld log
updates() { grep -c "site_factor/carbon: .* ranked by $1" "$ctld_log" 2>/dev/null; }
# wait_update POLICY: until an update by POLICY after this call
wait_update() {
	local before
	before=$(updates "$1")
	newer() { [ "$(updates "$1")" -gt "$before" ]; }
	e2e_wait_for "an update by $1" "$2" newer "$1"
	sleep 3 # the priorities follow the factors in the same pass
}

# check_order POLICY [MODEL]: squeue's order equals the model's (of
# POLICY, or of MODEL for a learned file); no ties.
check_order() {
	local got want prios
	got=$(squeue --sort=-p,i -t PD -h -o '%i')
	want=$(squeue -t PD -h -o '%i|%C|%l|%V' | python3 "$here/policy_order.py" "${2:-$1}")
	prios=$(squeue -t PD -h -o '%Q' | sort | uniq -d)
	e2e_say "$1: squeue order  $(echo "$got" | tr '\n' ' ')"
	e2e_say "$1: model order   $(echo "$want" | tr '\n' ' ')"
	[ "$(echo "$got" | wc -l)" -eq "${#ids[@]}" ] ||
		e2e_fail "$1: $(echo "$got" | wc -l) jobs pending, not ${#ids[@]}"
	[ "$got" = "$want" ] || e2e_fail "$1: squeue's order is not the policy's"
	[ -z "$prios" ] || e2e_fail "$1: pending jobs share priorities: $prios"
}

wait_update f1 100 || e2e_bail "no update of the site factors (see $ctld_log)"
check_order f1
squeue --sort=-p -t PD -o '%.6i %.10Q %.5C %.10l %V' | head -n 6 | sed 's/^/    /'

write_conf "$e2e_state/etc/carbon.conf.new" spf
mv "$e2e_state/etc/carbon.conf.new" "$e2e_state/etc/carbon.conf"
# carbon.conf is looked at once a minute, the factors updated once a minute
wait_update spf 200 || e2e_bail "carbon.conf's new policy was not taken"
check_order spf
grep -q "site_factor/carbon: .*policy spf" "$ctld_log" ||
	e2e_fail "the reload of carbon.conf is not in the slurmctld log"

# A learned policy file (carbonlearn(1)) with F1's formula orders as F1.
cat > "$e2e_state/etc/f1-learned.policy" <<POLICY
# F1 as a learned policy file
name = f1-learned
score = log10(p)*q + 870*log10(r)
POLICY
write_conf "$e2e_state/etc/carbon.conf.new" "learned:$e2e_state/etc/f1-learned.policy"
mv "$e2e_state/etc/carbon.conf.new" "$e2e_state/etc/carbon.conf"
wait_update f1-learned 200 || e2e_bail "the learned policy file was not taken"
check_order f1-learned f1

# The file retrained in place (carbon.conf untouched): its new version, a
# function of p alone, orders as SPF from the next look at the file.
cat > "$e2e_state/etc/f1-learned.policy.new" <<POLICY
# retrained: shortest limit first
name = retrained
score = p
POLICY
mv "$e2e_state/etc/f1-learned.policy.new" "$e2e_state/etc/f1-learned.policy"
wait_update retrained 200 || e2e_bail "the retrained policy file was not taken"
check_order retrained spf

# write_forecast FROM TO LOW: the region's forecast file, a sample every
# 10 min over [t0 + FROM, t0 + TO) hours: 300 g/kWh, 100 from t0 + LOW h.
write_forecast() {
	local t v
	{
		echo "Time,Carbon Intensity"
		for ((t = t0 + $1 * 3600; t < t0 + $2 * 3600; t += 600)); do
			v=300
			[ $t -ge $((t0 + $3 * 3600)) ] && v=100
			echo "$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S'),$v"
		done
	} > "$e2e_state/etc/here.csv.new"
	mv "$e2e_state/etc/here.csv.new" "$e2e_state/etc/here.csv"
}
# check_by_cpus WHAT n|nr WHY: squeue's order is by CPUs (n: ascending,
# nr: descending), else WHY.
check_by_cpus() {
	local got want
	got=$(squeue --sort=-p,i -t PD -h -o '%i')
	want=$(squeue -t PD -h -o '%i|%C' | sort -t'|' -k2,2"$2" -k1,1n | cut -d'|' -f1)
	e2e_say "$1: squeue order      $(echo "$got" | tr '\n' ' ')"
	e2e_say "$1: by CPUs ($2 sort) $(echo "$want" | tr '\n' ' ')"
	[ "$got" = "$want" ] || e2e_fail "$1: not ordered by CPUs ($2): $3"
}

# A learned policy with a carbon term, c from the forecast of the jobs'
# region: 300 g/kWh until 3 h from now, then 100 for an hour.
t0=$(( $(date +%s) / 60 * 60 ))
write_forecast -1 4 3
cat > "$e2e_state/etc/carbon-learned.policy" <<POLICY
# c = 2 here: 2*q*c - 3*q = q, ascending CPUs; c = 0 would give -3*q
name = carbon-learned
score = 2*q*c - 3*q
POLICY
write_conf "$e2e_state/etc/carbon.conf.new" \
	"learned:$e2e_state/etc/carbon-learned.policy" "$e2e_state/etc/here.csv"
mv "$e2e_state/etc/carbon.conf.new" "$e2e_state/etc/carbon.conf"
wait_update carbon-learned 200 || e2e_bail "the carbon policy file was not taken"
check_by_cpus carbon-learned n "c was not read as 2"

# The fetcher writes a forecast that ended 2 h ago (fresh by its file
# time): c is unknown, 0, and -3*q orders by descending CPUs. Repeated
# past its end, the series would read 300 now and 100 later: c = 2 again.
write_forecast -26 -2 -5
ended() { grep -q "site_factor/carbon: region here: forecast .* has ended" "$ctld_log"; }
e2e_wait_for "the ended forecast to be seen" 150 ended ||
	e2e_fail "an ended forecast is not logged as ended"
wait_update carbon-learned 200 || e2e_bail "no update after the forecast ended"
check_by_cpus "ended forecast" nr "c was not taken as 0"

# A broken carbon.conf: every pending job's factor goes back to neutral
# (one priority for all), not only those of jobs submitted since.
write_conf "$e2e_state/etc/carbon.conf.new" no-such-policy
mv "$e2e_state/etc/carbon.conf.new" "$e2e_state/etc/carbon.conf"
neutral() { grep -q "site_factor/carbon: no usable PriorityPolicy: the site factors of ${#ids[@]} pending" "$ctld_log"; }
e2e_wait_for "the factors to be reset" 200 neutral ||
	e2e_fail "a broken carbon.conf did not reset the ${#ids[@]} pending jobs' factors"
sleep 3 # the priorities follow the factors in the same pass
# every other weight is 0: neutral site factors leave one priority for all
# (sprio -j refused the list on Slurm 24.11: "Invalid job id")
prios=$(squeue -t PD -h -o '%Q' -j "$(IFS=,; echo "${ids[*]}")" | sort -u)
e2e_say "broken carbon.conf: priorities of the pending jobs: $(echo "$prios" | tr '\n' ' ')"
[ -n "$prios" ] && [ "$(echo "$prios" | wc -l)" -eq 1 ] ||
	e2e_fail "broken carbon.conf: pending jobs kept different priorities: $prios"

scancel "${ids[@]}" "$blocker" 2>/dev/null
[ "$e2e_failed" -eq 0 ] && e2e_say "F1, SPF, a learned file with F1's formula and one with a carbon term order as expected, reloaded without a restart; an ended forecast gives c = 0; a broken carbon.conf leaves every factor neutral"
