#!/bin/bash
# e2e-seconds: 50 (alone, on CI; tests/e2e/run.sh starts the longest first)
# scarbon on a cluster that measures no energy (AcctGatherEnergyType
# acct_gather_energy/none): every job's energy is the Green Algorithms
# estimate, labelled "estimated", never a measured 0. Two jobs:
#  A  a batch script that keeps one CPU busy for 20 s, --mem=600M;
#  B  srun hostname (a step of well under 2 s), then an srun step of two
#     busy tasks for 15 s, --mem=900M: a short step must not turn the
#     estimate into a "measured" 0 J.
# Independently of scarbon, from sacct's TotalCPU, ElapsedRaw and AllocTRES
# mem and carbon.conf's watts (job_carbon.c takes those of the job's first
# node's group):
#   energy = TotalCPU x WattsPerCore + Elapsed x MemGB x WattsPerGB
#   operational = energy x PUE x intensity / 3.6e6,
#   embodied as in t0050;
# scarbon's EnergyRaw, CO2eOperationalRaw and CO2eRaw within 0.5%.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
scarbon=${SCARBON:-${E2E_BUILDDIR:-$e2e_top}/accounting/scarbon/scarbon}
[ -x "$scarbon" ] || e2e_skip "scarbon is not built ($scarbon; configure without --disable-scarbon)"

# Large figures, so that scarbon's 3 decimals of a gram stay well within 0.5%.
pue=2.0 intensity=1000 w_core=60 w_gb=4 te=12000 el=4 ncpu=4
conf_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.carbon.XXXXXX")
extra_in=$(mktemp "${TMPDIR:-/tmp}/$e2e_name.slurm.XXXXXX")
# removed on any exit (e2e_cleanup still sees the test's status)
trap 'rc=$?; rm -f "$conf_in" "$extra_in"; (exit $rc); e2e_cleanup' EXIT
cat > "$conf_in" <<EOF
# $e2e_name: written by the test
PUE=$pue
DefaultRegion=flat
RegionName=flat Intensity=$intensity
NodeName=DEFAULT WattsPerCore=99
NodeName=cn[1-2] CPUs=$ncpu EmbodiedKgCO2e=$te LifetimeYears=$el WattsPerCore=$w_core WattsPerGB=$w_gb
EOF
# Memory a consumable resource, so that AllocTRES has the job's mem=.
echo SelectTypeParameters=CR_CPU_Memory > "$extra_in"
e2e_start --nodes 2 --cpus 4 --energy none --rapl empty \
	--slurm-conf "$extra_in" --carbon-conf "$conf_in"
rm -f "$conf_in" "$extra_in"
chmod 644 "$e2e_state/etc/carbon.conf"
mkdir -p "$e2e_state/out"

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

# seconds TOTALCPU: sacct's [D-][HH:]MM:SS[.mmm] in seconds.
seconds() {
	awk -v s="$1" 'BEGIN {
		d = 0
		if (index(s, "-")) { d = substr(s, 1, index(s, "-") - 1); s = substr(s, index(s, "-") + 1) }
		n = split(s, f, ":")
		t = n == 3 ? f[1] * 3600 + f[2] * 60 + f[3] : f[1] * 60 + f[2]
		printf "%.3f\n", d * 86400 + t }'
}

# mem_gb ALLOCTRES: the mem= of AllocTRES in GB (1024 MB each).
mem_gb() {
	echo "$1" | tr ',' '\n' | awk -F= '$1 == "mem" {
		v = $2; u = substr(v, length(v)); n = v + 0
		f = u == "K" ? 1 / 1024 : u == "G" ? 1024 : u == "T" ? 1048576 : 1
		printf "%.6f\n", n * f / 1024; found = 1 }
		END { if (!found) print 0 }'
}

jobA=$(sbatch --parsable -w cn1 -n1 --mem=600M -J est-A -o "$e2e_state/out/%j.out" <<'EOF'
#!/bin/bash
timeout 20 sh -c 'while :; do :; done'
sleep 5
EOF
) || e2e_bail "sbatch A failed"
jobB=$(sbatch --parsable -w cn2 -n2 --mem=900M -J est-B -o "$e2e_state/out/%j.out" <<'EOF'
#!/bin/bash
srun -n1 hostname
srun -n2 timeout 15 sh -c 'while :; do :; done'
sleep 3
EOF
) || e2e_bail "sbatch B failed"
e2e_say "jobs $jobA (busy 20 s, 600M) and $jobB (srun hostname; 2 busy tasks 15 s, 900M); waiting"
e2e_wait_for "the jobs to finish" 120 e2e_jobs_done "$jobA" "$jobB" ||
	e2e_bail "jobs still queued or running: $(squeue -h -o '%i %T %R')"
recorded() {
	local id
	for id in "$jobA" "$jobB"; do
		sacct -n -P -j "$id" -o End | grep -q Unknown && return 1
	done
	return 0
}
e2e_wait_for "slurmdbd to record every step" 60 recorded ||
	e2e_note "some step has no end in sacct yet"
e2e_say "sacct (energy as Slurm keeps it with acct_gather_energy/none):"
sacct -j "$jobA,$jobB" -P -o JobID,ElapsedRaw,TotalCPU,AllocTRES,ConsumedEnergyRaw |
	sed "s/^/$e2e_name:   /"

for id in "$jobA" "$jobB"; do
	# The job line without -X: sacct sums the steps' TotalCPU into it
	# (src/sacct/options.c); with -X it prints the job record's own, 0.
	IFS='|' read -r elapsed totalcpu tres alloc state < <(sacct -n -P -j "$id" \
		-o ElapsedRaw,TotalCPU,AllocTRES,AllocCPUS,State | head -n1)
	[ "$state" = COMPLETED ] || e2e_fail "job $id: state '$state'"
	cpu_s=$(seconds "$totalcpu")
	mem=$(mem_gb "$tres")
	energy=$(echo "$cpu_s * $w_core + $elapsed * $mem * $w_gb" | bc -l)
	op=$(echo "$energy * $pue * $intensity / 3600000" | bc -l)
	emb=$(echo "$te * 1000 / ($el * 365.25 * 86400) * $elapsed * $alloc / $ncpu" | bc -l)
	total=$(echo "$op + $emb" | bc -l)
	IFS='|' read -r s_total s_op s_emb s_energy s_source s_rule s_why < <("$scarbon" -j "$id" \
		-X -n -P -o CO2eRaw,CO2eOperationalRaw,CO2eEmbodiedRaw,EnergyRaw,EnergySource,EnergyRule,Reason 2>/dev/null)
	why=
	[ -z "$s_why" ] || why=", reason '$s_why'"
	e2e_say "job $id: TotalCPU $totalcpu ($cpu_s s), Elapsed $elapsed s, mem $(printf %.4f "$mem") GB, $alloc CPUs: $cpu_s x $w_core W + $elapsed s x $(printf %.4f "$mem") GB x $w_gb W/GB = $(printf %.1f "$energy") J; scarbon: EnergySource '$s_source', rule '$s_rule'$why"
	[ "$s_source" = estimated ] || e2e_fail "job $id: EnergySource '$s_source', want estimated"
	check "job $id energy (J)" "$s_energy" "$(printf %.1f "$energy")"
	check "job $id operational (g)" "$s_op" "$(printf %.4f "$op")"
	check "job $id embodied (g)" "$s_emb" "$(printf %.4f "$emb")"
	check "job $id CO2e (g)" "$s_total" "$(printf %.4f "$total")"
done
"$scarbon" -j "$jobA,$jobB" -o JobID,Elapsed,Energy,EnergySource,CO2e 2>&1 | sed "s/^/$e2e_name:   /"
[ "$e2e_failed" -eq 0 ] && e2e_say "estimated jobs labelled so, grams as Green Algorithms computes them within 0.5%"
