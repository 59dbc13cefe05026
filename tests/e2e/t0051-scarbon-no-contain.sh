#!/bin/bash
# e2e-seconds: 91 (alone, on CI; tests/e2e/run.sh starts the longest first)
# scarbon end to end without PrologFlags=Contain: no extern step, so a job's
# energy is the union of its steps' lifetimes per node (job_energy.h, rule
# 2), each node-second once although Slurm gives every overlapping step the
# whole node. Two slurmd nodes over raplsim, the carbon.conf of t0050 (site
# and partition PUE, a 60 s intensity series changing during the job, node
# groups), and one batch job on both nodes, longer than a sample, so that
# the intensity changes during it:
#   srun -N2 -n2 sleep 30; srun -N1 -n1 -w cn2 sleep 20; sleep 12
# Independent truth, from the simulator and the slurmd logs only:
#  - cn1 (the batch node): the true energy over the batch step's window
#    (slurmstepd's first..last energy read for [ID.batch] in cn1's log);
#  - cn2: over the union of the windows of [ID.0] and [ID.1] in cn2's log;
#  - operational grams: each of those pieces x PUE x the mean of the series
#    over its step's Start..End as sacct records it (the model takes power
#    as constant over a step), / 3.6e6; the grams of the simulator's own
#    power profile are printed beside, not checked;
#  - embodied grams as in t0050.
# scarbon's EnergyRaw, CO2eOperationalRaw, CO2eEmbodiedRaw and CO2eRaw must
# agree within 0.5%. And sacct's own job line (ConsumedEnergyRaw) is the
# srun steps' sum only: it misses the batch step (SLURM-NOTES.md).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim
scarbon=${SCARBON:-${E2E_BUILDDIR:-$e2e_top}/accounting/scarbon/scarbon}
[ -x "$scarbon" ] || e2e_skip "scarbon is not built ($scarbon; configure without --disable-scarbon)"

site_pue=1.2 main_pue=1.4
declare -A te=([cn1]=4000 [cn2]=2500) el=([cn1]=4 [cn2]=6) cpus=([cn1]=4 [cn2]=4)
series=$e2e_state/etc/intensity.csv
conf_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.carbon.XXXXXX")
# removed on any exit (e2e_cleanup still sees the test's status)
trap 'rc=$?; rm -f "$conf_in"; (exit $rc); e2e_cleanup' EXIT
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
e2e_start --nodes 2 --cpus 4 --energy powercap --rapl sim --seed 51 \
	--node-freq 5 --jobacct-freq 5 --carbon-conf "$conf_in"
rm -f "$conf_in"
grep -qi '^PrologFlags=.*contain' "$SLURM_CONF" && e2e_bail "PrologFlags=Contain is set"
mkdir -p "$e2e_state/out"

# The series: a sample every 60 s from 5 minutes ago for 20 minutes.
t0=$(( $(date +%s) / 60 * 60 - 300 ))
{
	echo "Time,Carbon Intensity"
	for ((i = 0; i < 20; i++)); do
		echo "$(date -u -d "@$((t0 + 60 * i))" '+%Y-%m-%d %H:%M:%S'),$((90 + (i * 137) % 400))"
	done
} > "$series"
chmod 644 "$series" "$e2e_state/etc/carbon.conf"
while IFS=, read -r t v; do
	[ "$t" = Time ] || echo "$(date -u -d "$t" +%s) $v"
done < "$series" > "$e2e_state/out/series.txt"

# series_mean T0 T1: mean intensity over [T0, T1) of the step function.
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

# physical_grams NODE T0 T1: grams of the simulator's own power profile
# over [T0, T1) at the series' intensity, before PUE (information).
physical_grams() {
	awk -v a="$2" -v b="$3" '
		FILENAME == ARGV[1] { n++; S[n] = $1; V[n] = $2; next }
		/^#/ { next }
		{
			t = $2; e = $3
			if (have && t > a && pt < b) {
				lo = pt > a ? pt : a; hi = t < b ? t : b
				mid = (lo + hi) / 2
				for (i = n; i > 1 && S[i] > mid; i--) ;
				g += (e - pe) * (hi - lo) / (t - pt) * V[i]
			}
			pt = t; pe = e; have = 1
		}
		END { printf "%.6f\n", g / 1e6 / 3.6e6 }' \
		"$e2e_state/out/series.txt" "$e2e_state/rapl/$1.truth"
}

stepd_window() {
	local lines first last
	lines=$(grep -F "[$1] ENERGY: acct_gather_energy/powercap: node" \
		"$e2e_state/log/slurmd-$2.log" 2>/dev/null) || return 1
	first=$(echo "$lines" | head -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	last=$(echo "$lines" | tail -n1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	[ -n "$first" ] && [ -n "$last" ] || return 1
	echo "$(date -d "$first" +%s.%N) $(date -d "$last" +%s.%N)"
}

within() {
	awk -v m="$1" -v t="$2" 'BEGIN {
		d = m - t; p = t != 0 ? 100 * d / t : (d == 0 ? 0 : 100)
		printf "%+.4f (%+.3f%%) %s", d, p, (p <= 0.5 && p >= -0.5) ? "ok" : "OUT OF BOUND" }'
}

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

id=$(sbatch --parsable -p main -N2 -n2 -J scarbon-nc -o "$e2e_state/out/%j.out" <<'EOF'
#!/bin/bash
srun -N2 -n2 sleep 30
srun -N1 -n1 -w cn2 sleep 20
sleep 12
EOF
) || e2e_bail "sbatch failed"
e2e_say "job $id on cn[1-2]: srun -N2 sleep 30; srun -w cn2 sleep 20; sleep 12; waiting"
e2e_wait_for "job $id to finish" 150 e2e_jobs_done "$id" ||
	e2e_bail "job still queued or running: $(squeue -h -o '%i %T %R')"
steps_recorded() {
	[ "$(sacct -n -P -j "$id" -o JobID | wc -l)" -ge 4 ] &&
		sacct -n -P -j "$id" -o End,ConsumedEnergyRaw |
		awk -F'|' 'NR > 1 && ($1 == "Unknown" || $2 == "") { bad = 1 } END { exit bad }'
}
e2e_wait_for "slurmdbd to record every step" 60 steps_recorded ||
	e2e_note "some step has no end or energy in sacct yet"

declare -A s_start s_end s_energy
while IFS='|' read -r step start end energy; do
	s_start[$step]=$start s_end[$step]=$end s_energy[$step]=$energy
done < <(SLURM_TIME_FORMAT=%s sacct -n -P -j "$id" -o JobID,Start,End,ConsumedEnergyRaw)
IFS='|' read -r nodes start end elapsed alloc state < <(SLURM_TIME_FORMAT=%s \
	sacct -n -X -P -j "$id" -o NodeList,Start,End,ElapsedRaw,AllocCPUS,State)
[ "$state" = COMPLETED ] || e2e_fail "job $id: state '$state'"
[ -z "${s_start[$id.extern]:-}" ] || e2e_fail "job $id has an extern step without Contain"
values=$(awk -v a="$start" -v b="$end" '$1 < b && $1 + 60 > a { print $2 }' \
	"$e2e_state/out/series.txt" | sort -u | wc -l)
[ "$values" -ge 2 ] || e2e_fail "the intensity did not change during job $id ($start..$end)"

# Pieces: NODE STEP, in the order rule 2 takes them (batch, then by start).
truth=0 op=0 phys=0
prev_end=
for piece in "cn1 batch" "cn2 0" "cn2 1"; do
	node=${piece% *} step=$id.${piece#* }
	win=$(stepd_window "$step" "$node") ||
		{ e2e_fail "no [$step] energy lines in slurmd-$node.log"; continue; }
	a=${win% *} b=${win#* }
	# the union on cn2: what an earlier window there already covered
	if [ "$node" = cn2 ] && [ -n "$prev_end" ] &&
		awk -v a="$a" -v p="$prev_end" 'BEGIN { exit !(p > a) }'; then
		e2e_say "  [$step] on $node starts $(echo "$prev_end - $a" | bc) s before the previous window ends: clipped"
		a=$prev_end
	fi
	[ "$node" != cn2 ] || prev_end=$b
	t=$(e2e_truth "$node" "$a" "$b") ||
		{ e2e_fail "the truth log of $node does not cover $a..$b"; continue; }
	mean=$(series_mean "${s_start[$step]}" "${s_end[$step]}") ||
		{ e2e_fail "the series does not cover $step"; continue; }
	g=$(physical_grams "$node" "$a" "$b")
	e2e_say "  piece $node $step: window $(printf %.3f "$(echo "$b - $a" | bc)") s, truth $t J, mean intensity $(printf %.2f "$mean") over ${s_start[$step]}..${s_end[$step]}"
	truth=$(echo "$truth + $t" | bc -l)
	op=$(echo "$op + $t * $main_pue * $mean / 3600000" | bc -l)
	phys=$(echo "$phys + $g * $main_pue" | bc -l)
done
rate=0 ncpus=0
for node in $(scontrol show hostnames "$nodes"); do
	rate=$(echo "$rate + ${te[$node]} * 1000 / (${el[$node]} * 365.25 * 86400)" | bc -l)
	ncpus=$((ncpus + ${cpus[$node]}))
done
emb=$(echo "$rate * $elapsed * $alloc / $ncpus" | bc -l)
total=$(echo "$op + $emb" | bc -l)

IFS='|' read -r s_total s_op s_emb s_energy_j s_source s_rule < <("$scarbon" \
	-j "$id" -X -n -P -o CO2eRaw,CO2eOperationalRaw,CO2eEmbodiedRaw,EnergyRaw,EnergySource,EnergyRule)
e2e_say "job $id ($nodes, $elapsed s, $alloc CPUs of $ncpus): scarbon EnergySource $s_source, rule '$s_rule'"
[ "$s_source" = measured ] || e2e_fail "EnergySource '$s_source', want measured"
[ "$s_rule" = "union of steps" ] || e2e_fail "EnergyRule '$s_rule', want 'union of steps'"
check "energy (J)" "$s_energy_j" "$(printf %.1f "$truth")"
check "operational (g)" "$s_op" "$(printf %.4f "$op")"
check "embodied (g)" "$s_emb" "$(printf %.4f "$emb")"
check "CO2e (g)" "$s_total" "$(printf %.4f "$total")"
e2e_say "  (operational from the simulator's own power profile: $(printf %.4f "$phys") g; the model takes each step's power as constant)"
"$scarbon" -j "$id" | sed "s/^/$e2e_name:   /"

# sacct's own job line: the srun steps only, not the batch step.
job_line=${s_energy[$id]}
sruns=$(( ${s_energy[$id.0]:-0} + ${s_energy[$id.1]:-0} ))
e2e_say "sacct job line ConsumedEnergyRaw $job_line J = .0 ${s_energy[$id.0]} + .1 ${s_energy[$id.1]} ($sruns J); .batch ${s_energy[$id.batch]} J; truth $(printf %.1f "$truth") J; scarbon $s_energy_j J"
if [ -n "$job_line" ] && [ $((job_line - sruns)) -le 2 ] && [ $((sruns - job_line)) -le 2 ] &&
	awk -v j="$job_line" -v t="$truth" 'BEGIN { exit !(j < 0.9 * t) }'; then
	e2e_say "  the job line misses the batch step: $(awk -v j="$job_line" -v t="$truth" 'BEGIN { printf "%.1f%%", 100 * (j - t) / t }') of the truth"
else
	e2e_fail "sacct's job line '$job_line' J is not the srun steps' sum ($sruns J) well below the truth"
fi
[ "$e2e_failed" -eq 0 ] && e2e_say "the union of steps matches the simulator's truth within 0.5%"
