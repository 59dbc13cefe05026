#!/bin/bash
# e2e-seconds: 167 (alone, on CI; tests/e2e/run.sh starts the longest first)
# scarbon end to end with PrologFlags=Contain: two slurmd nodes over
# raplsim, a carbon.conf with a site PUE, a partition PUE of its own, a
# region whose intensity is a series written here (a sample every 60 s,
# changing during the jobs), and node groups with CPUs=, EmbodiedKgCO2e=
# and LifetimeYears=. Two jobs, one after the other (a job sharing a node
# would be given the whole node's energy too):
#  A  partition alt (the site's PUE): a batch job of one step, sleep 75;
#  B  partition main (its own PUE): a batch job on both nodes running two
#     srun steps, 62 s.
# Both are longer than a sample of the series, so its mean matters.
# For each job, independently of scarbon:
#  - energy: the simulator's true energy over the extern step's own window
#    on each node (slurmstepd's first..last energy read for [ID.extern] in
#    that node's slurmd log, DebugFlags=Energy, as t0010 reads [ID.batch]),
#    summed over the nodes: the extern step spans the whole allocation;
#  - operational grams: truth x PUE x the mean of the series written here
#    over the extern step's Start..End as sacct records it (awk, from the
#    file) / 3.6e6: the energy is the extern step's, so it was drawn over
#    that step's lifetime, which may begin or end a second apart from the
#    job's (seen under load: 76 s against 75 s, 0.6% apart when a sample
#    changed in that second);
#  - embodied grams (SCI, job_carbon.c): per node TE x 1000 x Elapsed /
#    (EL x 365.25 x 86400), summed over the nodes, x AllocCPUS / the
#    nodes' CPUs;
# and scarbon -X -P -o CO2eRaw,CO2eOperationalRaw,CO2eEmbodiedRaw,
# EnergyRaw,EnergySource must agree within 0.5%. Then stamping: a foreign
# AdminComment set first on B survives; nobody is refused (exit 1, the
# reason named) and changes nothing; root stamps as the systemd unit runs
# it (no capabilities, no new privileges); sacct -o AdminComment shows
# co2e_g= with scarbon's grams to 3 decimals; a second stamp changes
# nothing, byte for byte; scarbon report --by partition totals are the
# jobs' CO2eRaw.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim
scarbon=${SCARBON:-${E2E_BUILDDIR:-$e2e_top}/accounting/scarbon/scarbon}
[ -x "$scarbon" ] || e2e_skip "scarbon is not built ($scarbon; configure without --disable-scarbon)"
command -v setpriv >/dev/null || e2e_skip "setpriv (util-linux) not installed"

# The site: PUE 1.2; partition main 1.4; node groups of their own.
site_pue=1.2 main_pue=1.4
declare -A te=([cn1]=4000 [cn2]=2500) el=([cn1]=4 [cn2]=6) cpus=([cn1]=4 [cn2]=4)
series=$e2e_state/etc/intensity.csv
conf_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.carbon.XXXXXX")
extra_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.slurm.XXXXXX")
# removed on any exit (e2e_cleanup still sees the test's status)
trap 'rc=$?; rm -f "$conf_in" "$extra_in"; (exit $rc); e2e_cleanup' EXIT
cat > "$conf_in" <<EOF
# $e2e_name: written by the test
PUE=$site_pue
DefaultRegion=grid
RegionName=grid Intensity=$series
PartitionName=main PUE=$main_pue
NodeName=DEFAULT LifetimeYears=5
NodeName=cn1 CPUs=${cpus[cn1]} EmbodiedKgCO2e=${te[cn1]} LifetimeYears=${el[cn1]}
NodeName=cn2 CPUs=${cpus[cn2]} EmbodiedKgCO2e=${te[cn2]} LifetimeYears=${el[cn2]}
EOF
echo PrologFlags=Contain > "$extra_in"
e2e_start --nodes 2 --cpus 4 --energy powercap --rapl sim --seed 50 \
	--node-freq 5 --jobacct-freq 5 --slurm-conf "$extra_in" --carbon-conf "$conf_in"
rm -f "$conf_in" "$extra_in"
# A second partition, not in carbon.conf (the site's PUE). Created once the
# cluster is up: cluster.sh start counts sinfo -N lines, one per node and
# partition, and would wait for 4 idle nodes of 2.
scontrol create PartitionName=alt Nodes=cn[1-2] MaxTime=INFINITE State=UP ||
	e2e_bail "scontrol create partition alt failed"
mkdir -p "$e2e_state/out"

# The series: a sample every 60 s from 5 minutes ago for 25 minutes, each
# different from the one before (UTC, the simple CSV of intensity(5)).
t0=$(( $(date +%s) / 60 * 60 - 300 ))
{
	echo "Time,Carbon Intensity"
	for ((i = 0; i < 25; i++)); do
		echo "$(date -u -d "@$((t0 + 60 * i))" '+%Y-%m-%d %H:%M:%S'),$((90 + (i * 137) % 400))"
	done
} > "$series"
chmod 644 "$series" "$e2e_state/etc/carbon.conf"
# The same samples as "epoch value", read back from the file.
while IFS=, read -r t v; do
	[ "$t" = Time ] || echo "$(date -u -d "$t" +%s) $v"
done < "$series" > "$e2e_state/out/series.txt"

# series_mean T0 T1: mean intensity over [T0, T1) of the step function
# (each sample holds until the next; the last for 60 s).
series_mean() {
	awk -v a="$1" -v b="$2" '
		{ n++; T[n] = $1; V[n] = $2 }
		END {
			T[n + 1] = T[n] + 60
			if (b <= a) {
				for (i = 1; i <= n; i++)
					if (T[i] <= a && a < T[i + 1]) { printf "%.6f\n", V[i]; exit }
				exit 1
			}
			if (a < T[1] || b > T[n + 1]) exit 1
			for (i = 1; i <= n; i++) {
				lo = T[i] > a ? T[i] : a; hi = T[i + 1] < b ? T[i + 1] : b
				if (hi > lo) s += V[i] * (hi - lo)
			}
			printf "%.6f\n", s / (b - a)
		}' "$e2e_state/out/series.txt"
}

# stepd_window STEP NODE: realtime of slurmstepd's first and last energy
# read for STEP (ID.extern, ID.batch, ID.0) on NODE, from its slurmd log.
stepd_window() {
	local lines first last
	lines=$(grep -F "[$1] ENERGY: acct_gather_energy/powercap: node" \
		"$e2e_state/log/slurmd-$2.log" 2>/dev/null) || return 1
	first=$(echo "$lines" | head -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	last=$(echo "$lines" | tail -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	[ -n "$first" ] && [ -n "$last" ] || return 1
	echo "$(date -d "$first" +%s.%N) $(date -d "$last" +%s.%N)"
}

# within MEASURED EXPECTED: "+d (+p%) ok" or "... OUT OF BOUND" (0.5%).
within() {
	awk -v m="$1" -v t="$2" 'BEGIN {
		d = m - t; p = t != 0 ? 100 * d / t : (d == 0 ? 0 : 100)
		printf "%+.4f (%+.3f%%) %s", d, p, (p <= 0.5 && p >= -0.5) ? "ok" : "OUT OF BOUND" }'
}

# check WHAT MEASURED EXPECTED: say both and the error; fail beyond 0.5%.
check() {
	local v
	if [ -z "$2" ] || [ -z "$3" ]; then
		e2e_fail "$1: scarbon '$2', independent '$3'"
		return
	fi
	v=$(within "$2" "$3")
	e2e_say "  $1: scarbon $2, independent $3: $v"
	case $v in *"OUT OF BOUND") e2e_fail "$1 off by more than 0.5%" ;; esac
}

jobA=$(sbatch --parsable -p alt -w cn1 -N1 -n2 -J scarbon-A \
	-o "$e2e_state/out/%j.out" --wrap 'sleep 75') || e2e_bail "sbatch A failed"
jobB=$(sbatch --parsable -p main -N2 -n4 -J scarbon-B -d "afterany:$jobA" \
	-o "$e2e_state/out/%j.out" <<'EOF'
#!/bin/bash
srun -N2 -n4 sleep 30
srun -N2 -n2 sleep 25
sleep 6
EOF
) || e2e_bail "sbatch B failed"
e2e_say "job $jobA (alt, cn1, sleep 75) then job $jobB (main, cn[1-2], two srun steps); waiting"
e2e_wait_for "jobs $jobA and $jobB to finish" 200 e2e_jobs_done "$jobA" "$jobB" ||
	e2e_bail "jobs still queued or running: $(squeue -h -o '%i %T %R')"

# Every step's end and energy in slurmdbd (stamp would wait for them too).
steps_recorded() {
	local id
	for id in "$jobA" "$jobB"; do
		sacct -n -P -j "$id" -o End,ConsumedEnergyRaw |
			awk -F'|' '$1 == "Unknown" || $2 == "" { bad = 1 } END { exit bad }' ||
			return 1
	done
}
e2e_wait_for "slurmdbd to record every step" 60 steps_recorded ||
	e2e_note "some step has no end or energy in sacct yet"

declare -A grams
for id in "$jobA" "$jobB"; do
	IFS='|' read -r part nodes start end elapsed alloc state < <(SLURM_TIME_FORMAT=%s \
		sacct -n -X -P -j "$id" -o Partition,NodeList,Start,End,ElapsedRaw,AllocCPUS,State)
	[ "$state" = COMPLETED ] || e2e_fail "job $id: state '$state'"
	values=$(awk -v a="$start" -v b="$end" '$1 < b && $1 + 60 > a { print $2 }' \
		"$e2e_state/out/series.txt" | sort -u | wc -l)
	[ "$values" -ge 2 ] || e2e_fail "the intensity did not change during job $id ($start..$end)"
	pue=$site_pue
	[ "$part" != main ] || pue=$main_pue
	truth=0 rate=0 ncpus=0 windows=
	for node in $(scontrol show hostnames "$nodes"); do
		win=$(stepd_window "$id.extern" "$node") ||
			{ e2e_fail "job $id: no [$id.extern] energy lines in slurmd-$node.log"; continue; }
		t=$(e2e_truth "$node" "${win% *}" "${win#* }") ||
			{ e2e_fail "job $id: the truth log of $node does not cover $win"; continue; }
		windows="$windows $node:$t J"
		truth=$(echo "$truth + $t" | bc -l)
		rate=$(echo "$rate + ${te[$node]} * 1000 / (${el[$node]} * 365.25 * 86400)" | bc -l)
		ncpus=$((ncpus + ${cpus[$node]}))
	done
	IFS='|' read -r x_start x_end < <(SLURM_TIME_FORMAT=%s sacct -n -P \
		-j "$id" -o JobID,Start,End | awk -F'|' -v s="$id.extern" \
		'$1 == s { print $2 "|" $3 }')
	[ -n "$x_start" ] && [ -n "$x_end" ] ||
		{ e2e_fail "job $id: no extern step in sacct"; continue; }
	mean=$(series_mean "$x_start" "$x_end") ||
		{ e2e_fail "job $id: the series does not cover $x_start..$x_end"; continue; }
	op=$(echo "$truth * $pue * $mean / 3600000" | bc -l)
	emb=$(echo "$rate * $elapsed * $alloc / $ncpus" | bc -l)
	total=$(echo "$op + $emb" | bc -l)
	IFS='|' read -r s_total s_op s_emb s_energy s_source s_intensity s_pue < <("$scarbon" \
		-j "$id" -X -n -P -o CO2eRaw,CO2eOperationalRaw,CO2eEmbodiedRaw,EnergyRaw,EnergySource,Intensity,PUE)
	e2e_say "job $id ($part, $nodes, $((end - start)) s, $alloc CPUs of $ncpus): truth${windows} over the extern windows; PUE $pue, mean intensity $(printf %.2f "$mean") g/kWh over the extern step's $x_start..$x_end (scarbon: PUE $s_pue, $s_intensity); EnergySource $s_source"
	[ "$s_source" = measured ] || e2e_fail "job $id: EnergySource '$s_source', want measured"
	check "job $id energy (J)" "$s_energy" "$(printf %.1f "$truth")"
	check "job $id operational (g)" "$s_op" "$(printf %.4f "$op")"
	check "job $id embodied (g)" "$s_emb" "$(printf %.4f "$emb")"
	check "job $id CO2e (g)" "$s_total" "$(printf %.4f "$total")"
	grams[$id]=$s_total
done
"$scarbon" -j "$jobA,$jobB" | sed "s/^/$e2e_name:   /"

# ---- stamping ----
comments() { sacct -n -X -P -j "$jobA,$jobB" -o JobID,AdminComment; }
foreign='owner=ops [ticket 42] note=keep'
sacctmgr -i modify job where "jobid=$jobB" set "AdminComment=$foreign" >/dev/null ||
	e2e_fail "sacctmgr could not set job $jobB's AdminComment"
before=$(comments)

# Not an administrator: refused, with the reason, and nothing changes.
runuser -u nobody -- env SLURM_CONF="$SLURM_CONF" "$scarbon" stamp --settle 0s \
	> "$e2e_state/out/nobody.out" 2> "$e2e_state/out/nobody.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "refused: user nobody is not a Slurm administrator" "$e2e_state/out/nobody.err" &&
	[ ! -s "$e2e_state/out/nobody.out" ]; then
	e2e_say "stamp as nobody: exit 1, '$(cat "$e2e_state/out/nobody.err")'"
else
	e2e_fail "stamp as nobody: exit $rc, stdout '$(cat "$e2e_state/out/nobody.out")', stderr '$(cat "$e2e_state/out/nobody.err")'"
fi
[ "$(comments)" = "$before" ] || e2e_fail "nobody's stamp changed an AdminComment: $(comments)"

# root, as scarbon-stamp.service runs it: no capabilities, no new privileges.
stamp() {
	setpriv --no-new-privs --inh-caps=-all --bounding-set=-all -- \
		"$scarbon" stamp --settle 0s
}
out=$(stamp 2>&1)
rc=$?
e2e_say "stamp (root, no capabilities): exit $rc, '$out'"
if [ $rc -ne 0 ] || [ "$out" != "scarbon stamp: 2 stamped, 0 already stamped, 0 not complete yet (retried later), 0 failed" ]; then
	e2e_fail "first stamp: exit $rc, '$out'"
fi
stamped=$(comments)
while IFS='|' read -r id comment; do
	want=$(printf 'co2e_g=%s ' "${grams[$id]}")
	case $comment in
	*"[scarbon $want"*) e2e_say "  sacct AdminComment of $id: $comment" ;;
	*) e2e_fail "job $id: AdminComment '$comment' lacks '[scarbon ${want% }'" ;;
	esac
	if [ "$id" = "$jobB" ]; then
		case $comment in
		"$foreign [scarbon "*) e2e_say "  the foreign text of $id survived" ;;
		*) e2e_fail "job $id: the foreign AdminComment '$foreign' did not survive: '$comment'" ;;
		esac
	fi
done <<< "$stamped"
got=$("$scarbon" -j "$jobA,$jobB" -X -n -P -o JobID,Stamped,CO2eRaw)
while IFS='|' read -r id st g; do
	[ "$st" = "$g" ] || e2e_fail "job $id: Stamped '$st' is not CO2eRaw '$g'"
done <<< "$got"

# A second pass changes nothing.
out=$(stamp 2>&1)
rc=$?
e2e_say "second stamp: exit $rc, '$out'"
if [ $rc -ne 0 ] || [ "$out" != "scarbon stamp: 0 stamped, 2 already stamped, 0 not complete yet (retried later), 0 failed" ]; then
	e2e_fail "second stamp: exit $rc, '$out'"
fi
if [ "$(comments)" = "$stamped" ]; then
	e2e_say "  AdminComments byte-identical after the second stamp"
else
	e2e_fail "the second stamp changed an AdminComment: '$stamped' -> '$(comments)'"
fi

# ---- report ----
report=$("$scarbon" report --by partition -S now-1hour -n -P -o Partition,Jobs,CO2eRaw)
e2e_say "report --by partition: $(echo "$report" | tr '\n' ' ')"
declare -A part_of=([$jobA]=alt [$jobB]=main)
for id in "$jobA" "$jobB"; do
	row=$(echo "$report" | awk -F'|' -v p="${part_of[$id]}" '$1 == p { print $2 "|" $3 }')
	[ "$row" = "1|${grams[$id]}" ] || e2e_fail "report row ${part_of[$id]}: '$row', want '1|${grams[$id]}'"
done
total=$(echo "$report" | awk -F'|' '$1 == "TOTAL" { print $2 "|" $3 }')
sum=$(echo "${grams[$jobA]} + ${grams[$jobB]}" | bc -l)
if [ "${total%%|*}" = 2 ] && awk -v a="${total#*|}" -v b="$sum" 'BEGIN { exit !(a - b <= 0.0015 && b - a <= 0.0015) }'; then
	e2e_say "  TOTAL ${total#*|} g = ${grams[$jobA]} + ${grams[$jobB]}"
else
	e2e_fail "report TOTAL '$total', want 2 jobs and $sum g"
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "scarbon matches the simulator's truth within 0.5%; stamp, refusal and report right"
