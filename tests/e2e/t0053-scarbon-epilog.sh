#!/bin/bash
# e2e-seconds: 75 (alone, on CI; tests/e2e/run.sh starts the longest first)
# The EpilogSlurmctld alternative to scarbon-stamp.timer, tried on a real
# cluster (PrologFlags=Contain, one node over raplsim). slurmctld runs
# EpilogSlurmctld as the SlurmUser on its own host as soon as a job ends
# (node_scheduler.c deallocate_nodes -> epilog_slurmctld), with only the
# job's SLURM_JOB_* variables (job_mgr.c job_common_env_vars: no PATH, no
# SLURM_CONF). The script tries two things for each job and logs both:
#  1. at once: scarbon stamp --dry-run --settle 0s -j $SLURM_JOB_ID (a dry
#     run, so that the second pass is tried too). The job's end and its
#     steps may not have reached slurmdbd yet: scarbon must then leave the
#     job for later ("not complete yet"), never stamp it wrong;
#  2. detached (setsid), 25 s later: scarbon stamp --settle 20s -j ID, the
#     line a site would use (with the default --settle 120s and sleep 180).
# Checks: the immediate pass would stamp nothing or the final grams; after
# the delayed pass sacct shows co2e_g equal to scarbon's CO2eRaw; the
# epilog ran as the SlurmUser (root here).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim
scarbon=${SCARBON:-${E2E_BUILDDIR:-$e2e_top}/accounting/scarbon/scarbon}
[ -x "$scarbon" ] || e2e_skip "scarbon is not built ($scarbon; configure without --disable-scarbon)"

# slurmctld's prep/script plugin checks EpilogSlurmctld once, when it loads
# (prep_script.c init: access X_OK), not on reconfigure; so the script is in
# place before the cluster starts, outside the state directory that
# cluster.sh start makes afresh, and removed on exit.
epilog=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.epilog.XXXXXX") || e2e_bail "mktemp failed"
conf_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.carbon.XXXXXX")
extra_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.slurm.XXXXXX")
# removed on any exit (e2e_cleanup still sees the test's status)
trap 'rc=$?; rm -f "$epilog" "$conf_in" "$extra_in"; (exit $rc); e2e_cleanup' EXIT
log=$e2e_state/out/epilog.log
cat > "$epilog" <<EOF
#!/bin/sh
# EpilogSlurmctld for the test: the site's version is the two scarbon lines
# (without SLURM_CONF on a cluster whose slurm.conf is /etc/slurm's).
export SLURM_CONF=$SLURM_CONF PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p $e2e_state/out
{
	echo "epilog job \$SLURM_JOB_ID uid \$(id -u) at \$(date +%s.%N)"
	echo "immediate: \$($scarbon stamp --dry-run --settle 0s -j "\$SLURM_JOB_ID" 2>&1 | tr '\n' ' ')"
	echo "seen: \$($scarbon -j "\$SLURM_JOB_ID" -n -P -o JobID,State,End,EnergyRaw,EnergyRule 2>&1 | tr '\n' ' ')"
} >> $log
setsid -f sh -c 'sleep 25; echo "delayed: \$($scarbon stamp --settle 20s -j "\$0" 2>&1 | tr "\n" " ")" >> $log' "\$SLURM_JOB_ID" \
	< /dev/null > /dev/null 2>&1
exit 0
EOF
chmod 755 "$epilog"
printf 'PUE=1.3\nDefaultRegion=flat\nRegionName=flat Intensity=250\nNodeName=cn1 CPUs=4 EmbodiedKgCO2e=2000 LifetimeYears=4\n' > "$conf_in"
printf 'PrologFlags=Contain\nEpilogSlurmctld=%s\n' "$epilog" > "$extra_in"
e2e_start --nodes 1 --cpus 4 --energy powercap --rapl sim --seed 53 \
	--node-freq 5 --jobacct-freq 5 --slurm-conf "$extra_in" --carbon-conf "$conf_in"
rm -f "$conf_in" "$extra_in"
mkdir -p "$e2e_state/out"
if grep -q "Invalid EpilogSlurmctld" "$e2e_state/log/slurmctld.log"; then
	e2e_bail "slurmctld refused EpilogSlurmctld=$epilog"
fi

id=$(sbatch --parsable -N1 -n1 -J epilog -o "$e2e_state/out/%j.out" <<'EOF'
#!/bin/bash
srun -n1 sleep 15
sleep 10
EOF
) || e2e_bail "sbatch failed"
e2e_say "job $id (srun sleep 15; sleep 10), EpilogSlurmctld=$epilog; waiting"
e2e_wait_for "job $id to finish" 90 e2e_jobs_done "$id" || e2e_bail "job $id still running"
ended=$(date +%s.%N)
immediate() { grep -q '^immediate:' "$log" 2>/dev/null; }
delayed() { grep -q '^delayed:' "$log" 2>/dev/null; }
e2e_wait_for "the epilog's immediate pass" 30 immediate ||
	e2e_fail "EpilogSlurmctld did not run scarbon (see $log and slurmctld.log)"
e2e_say "$(grep '^epilog' "$log" 2>/dev/null) (squeue empty at $ended)"
e2e_say "$(grep '^immediate' "$log" 2>/dev/null)"
e2e_say "  what scarbon saw in slurmdbd then: $(grep '^seen' "$log" 2>/dev/null)"
first=$(sed -n 's/^immediate: .*would set AdminComment to: \[scarbon co2e_g=\([0-9.]*\) .*/\1/p' "$log")

e2e_wait_for "the epilog's delayed pass" 150 delayed ||
	e2e_fail "the delayed pass did not run (see $log)"
e2e_say "$(grep '^delayed' "$log" 2>/dev/null)"
grams=$("$scarbon" -j "$id" -X -n -P -o CO2eRaw)
e2e_say "  and now: $("$scarbon" -j "$id" -n -P -o JobID,State,End,EnergyRaw,EnergyRule | tr '\n' ' ')"
final=$(sacct -n -X -P -j "$id" -o AdminComment)
e2e_say "AdminComment after the delayed pass: '$final'; scarbon CO2eRaw $grams g"
case $final in
*"[scarbon co2e_g=$grams "*) ;;
*) e2e_fail "job $id: AdminComment '$final' lacks co2e_g=$grams" ;;
esac
case $first in
'') e2e_say "the immediate pass left the job for later (accounting not complete at the job's end)" ;;
"$grams") e2e_say "the immediate pass would have stamped the final grams ($first g)" ;;
*) e2e_fail "the immediate pass would have stamped $first g, not the final $grams g (a stamp is never redone)" ;;
esac
grep -q "^epilog job $id uid 0 " "$log" || e2e_fail "the epilog did not run as the SlurmUser (root): $(grep '^epilog' "$log")"
[ "$e2e_failed" -eq 0 ] && e2e_say "EpilogSlurmctld stamps right (at once or left for later, then delayed)"
