#!/bin/bash
# e2e-seconds: 231 (alone, on CI; tests/e2e/run.sh starts the longest first)
# job_submit/carbon on a real controller: a job in a deferrable partition
# gets a begin time at the start of the forecast's low window, its
# submitter reads why, `scontrol show job` shows the trace in AdminComment,
# and the job starts at that time. --begin (the opt-out), a dependency, an
# exempt account, a deadline and salloc are left alone; a job listing
# partitions in two regions goes to the cleaner one. With the forecast missing, then stale,
# then with carbon.conf broken, jobs pass through unchanged (never
# rejected) and each problem is logged once, not per job; a controller
# started with a broken carbon.conf accepts jobs too.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin job_submit_carbon

in=$e2e_state.in
mkdir -p "$in"
trap 'rm -rf "$in"; e2e_cleanup' EXIT

# The forecast: 300 gCO2e/kWh, except 80 over [t0 + 180, t0 + 600), where
# t0 is the start of the current minute; a sample every minute.
t0=$(( $(date +%s) / 60 * 60 ))
low_start=$((t0 + 180))
write_forecast() {
	local t v
	echo "Time,Carbon Intensity"
	for ((t = t0 - 3600; t < t0 + 4 * 3600; t += 60)); do
		v=300
		if [ $t -ge $low_start ] && [ $t -lt $((t0 + 600)) ]; then v=80; fi
		echo "$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S'),$v"
	done
}
write_forecast > "$in/gb.csv"
cat > "$in/slurm.conf" <<CONF
JobSubmitPlugins=carbon
PartitionName=green Nodes=cn[1-2] MaxTime=INFINITE State=UP
PartitionName=nordic Nodes=cn[1-2] MaxTime=INFINITE State=UP
CONF
cat > "$in/carbon.conf" <<CONF
# t0061: carbon-aware queues
PUE=1.3
DefaultRegion=gb
RegionName=gb Intensity=$in/gb.csv
RegionName=no Intensity=30
PartitionName=green Region=gb Deferrable=yes MaxDelay=1h
PartitionName=nordic Region=no
ExemptAccounts=urgent
CONF

e2e_start --nodes 2 --cpus 4 --energy none --rapl empty \
	--slurm-conf "$in/slurm.conf" --carbon-conf "$in/carbon.conf"
ctld_log=$e2e_state/log/slurmctld.log
sacctmgr -i add account urgent >/dev/null &&
	sacctmgr -i add user root account=urgent >/dev/null ||
	e2e_bail "cannot create the exempt account"

field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
# AdminComment holds blanks: it has a line of its own
comment() { scontrol show job "$1" | sed -n 's/^ *AdminComment=//p'; }
epoch() { date -d "$1" +%s; }
# submit ARGS...: sbatch, its job id in $id and what it told the user in $said
submit() {
	said=$(sbatch --parsable -o /dev/null "$@" --wrap 'sleep 5' 2>&1 >"$in/id") ||
		e2e_fail "sbatch $* was rejected: $said"
	id=$(cat "$in/id")
}
not_deferred() { # ID WHAT
	local elig
	elig=$(field "$1" EligibleTime)
	# a job waiting on a dependency has no eligible time yet
	if [ "$elig" != Unknown ]; then
		[ $(($(epoch "$elig") - $(date +%s))) -lt 30 ] ||
			e2e_fail "$2: job $1 is eligible only at $elig"
	fi
	case $(comment "$1") in *carbon-submit*)
		e2e_fail "$2: job $1 has a carbon trace" ;; esac
}

# 1. deferred to the low window, told why, traced, and it starts then
submit -p green -t 3
deferred=$id
begin=$(epoch "$(field "$id" EligibleTime)")
e2e_say "green job $id: eligible at $(field "$id" EligibleTime), low window from $(date -d "@$low_start" +%T)"
e2e_say "  sbatch said: $said"
e2e_say "  AdminComment: $(comment "$id")"
[ "$begin" -eq "$low_start" ] ||
	e2e_fail "job $id: begin time $begin, not the low window's start $low_start"
case $said in *"deferred to"*"less CO2e"*"--begin=now"*) ;;
*) e2e_fail "the submitter was not told why (sbatch said: $said)" ;; esac
case $(comment "$id") in *"[carbon-submit deferred_to="*) ;;
*) e2e_fail "no trace in AdminComment" ;; esac

# 2. left alone: --begin, a dependency, an exempt account
submit -p green -t 3 --begin=now
not_deferred "$id" "--begin=now"
[ -z "$said" ] || e2e_fail "--begin=now: sbatch said: $said"
submit -p green -t 3 --dependency="afterany:$deferred"
not_deferred "$id" "dependency"
submit -p green -t 3 -A urgent
not_deferred "$id" "exempt account"
submit -p green -t 3 --deadline=now+2hours
not_deferred "$id" "deadline"
# salloc: no batch script, someone at a terminal; deferred, it would wait
# for the low window (3 min) and time out here
said=$(timeout 60 salloc -p green -t 3 --no-shell 2>&1)
id=$(echo "$said" | sed -n 's/.*job allocation \([0-9][0-9]*\).*/\1/p' | head -n1)
case $said in *"Granted job allocation"*) ;;
*) e2e_fail "salloc: no allocation within 60 s: $said" ;; esac
case $said in *"deferred to"*) e2e_fail "salloc was deferred: $said" ;; esac
[ -z "$id" ] || not_deferred "$id" "salloc"
[ -z "$id" ] || scancel "$id"
e2e_say "--begin=now, a dependency, the exempt account, a deadline and salloc: not deferred"

# 3. space shifting: green (gb, 300 now) or nordic (30): nordic
submit -p green,nordic -t 3 --begin=now
submit -p green,nordic -t 3
part=$(squeue -h -j "$id" -o %P)
e2e_say "job $id over green,nordic went to $part; sbatch said: $said"
[ "$part" = nordic ] || e2e_fail "job $id went to $part, not nordic"

# 4. a missing forecast, then a stale one, then a broken carbon.conf: jobs
# pass unchanged; each problem logged once. The plugin looks at its files
# at most once a minute, so each step waits for that.
forecast=$in/gb.csv
look_again() { sleep 62; }
mv "$forecast" "$forecast.away"
look_again
submit -p green -t 3; not_deferred "$id" "missing forecast"
submit -p green -t 3; not_deferred "$id" "missing forecast"
n=$(grep -c "job_submit/carbon: region gb: forecast $forecast: No such file" "$ctld_log")
e2e_say "missing forecast: 2 jobs passed, logged $n time(s)"
[ "$n" -eq 1 ] || e2e_fail "the missing forecast was logged $n times, not once"

mv "$forecast.away" "$forecast"
touch -d '-1 day' "$forecast"
look_again
submit -p green -t 3; not_deferred "$id" "stale forecast"
n=$(grep -c "job_submit/carbon: region gb: forecast $forecast is stale" "$ctld_log")
e2e_say "stale forecast: job passed, logged $n time(s)"
[ "$n" -eq 1 ] || e2e_fail "the stale forecast was logged $n times, not once"

echo "PUE=1.3 Bogus=1" > "$e2e_state/etc/carbon.conf"
look_again
submit -p green -t 3; not_deferred "$id" "broken carbon.conf"
submit -p green -t 3; not_deferred "$id" "broken carbon.conf"
n=$(grep -c "job_submit/carbon: .*carbon.conf:1: unknown key 'Bogus'" "$ctld_log")
e2e_say "broken carbon.conf: 2 jobs passed, logged $n time(s)"
[ "$n" -eq 1 ] || e2e_fail "the broken carbon.conf was logged $n times, not once"

# 5. the deferred job starts at its begin time (the scheduler may take a
# pass or two)
started() { [ "$(field "$deferred" JobState)" != PENDING ]; }
e2e_wait_for "job $deferred to start" $((low_start - $(date +%s) + 120)) started ||
	e2e_fail "job $deferred did not start"
start=$(epoch "$(field "$deferred" StartTime)")
e2e_say "deferred job $deferred started $((start - begin)) s after its begin time"
[ "$start" -ge "$begin" ] && [ "$start" -le $((begin + 90)) ] ||
	e2e_fail "job $deferred started at $start, begin time $begin"

# 6. a controller started with a broken carbon.conf accepts jobs unchanged
"$e2e_cluster" --state "$e2e_state" stop >/dev/null 2>&1
echo "PUE=" > "$in/carbon.conf"
e2e_start --nodes 2 --cpus 4 --energy none --rapl empty \
	--slurm-conf "$in/slurm.conf" --carbon-conf "$in/carbon.conf"
submit -p green -t 3; not_deferred "$id" "broken carbon.conf at start"
grep -q "job_submit/carbon: .*carbon.conf:1: PUE has an empty value.*pass through" \
	"$e2e_state/log/slurmctld.log" ||
	e2e_fail "the broken carbon.conf at start is not logged clearly"
[ "$e2e_failed" -eq 0 ] && e2e_say "deferral, opt-outs, space shifting and every failure mode as documented"
