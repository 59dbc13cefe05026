#!/bin/bash
# e2e-seconds: 27 (alone, on CI; tests/e2e/run.sh starts the longest first)
# carbonlearn as a Slurm job array (contrib/learn-array.sbatch) on a real
# two-node cluster: three array tasks each simulate a shard of the tuples,
# a merge job that depends on the array fits them, and the merged training
# data and the ranking are byte for byte those of one local run with the
# same seed and sizes (but for the data's cost line: CPU and wall time).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
learn=${CARBONLEARN:-${E2E_BUILDDIR:-$e2e_top}/sched/learn/carbonlearn}
[ -x "$learn" ] || e2e_bail "carbonlearn not found at $learn (build the tree)"
trace=$e2e_top/tests/data/lublin_256.swf
sbatch_script=$e2e_top/contrib/learn-array.sbatch

e2e_start --nodes 2 --cpus 2 --energy none --rapl empty
work=$e2e_state/out/learn
mkdir -p "$work"
export CARBONLEARN=$learn LEARN_TUPLES=24 LEARN_PERMUTATIONS=400 LEARN_SEED=7

jid=$(sbatch --parsable --array=0-2 -c 1 -D "$work" -o "$work/array-%a.out" \
	"$sbatch_script" shard "$trace" "$work/run") ||
	e2e_bail "sbatch of the array failed"
mid=$(sbatch --parsable --dependency="afterok:$jid" -c 1 -D "$work" \
	-o "$work/merge.out" "$sbatch_script" merge "$trace" "$work/run") ||
	e2e_bail "sbatch of the merge failed"
e2e_say "array $jid (3 shards), merge $mid"

done_ok() {
	local st
	st=$(sacct -n -X -P -j "$mid" -o State 2>/dev/null | head -1)
	[ "$st" = COMPLETED ] && return 0
	case $st in FAILED* | CANCELLED* | TIMEOUT* | OUT_OF_ME*)
		e2e_bail "merge job ended $st: $(cat "$work/merge.out" "$work"/array-*.out 2>/dev/null)" ;;
	esac
	return 1
}
e2e_wait_for "the merge job" 120 done_ok || e2e_bail "the merge did not complete"

nodes=$(sacct -n -X -P -j "$jid" -o NodeList | sort -u | tr '\n' ' ')
e2e_say "array tasks ran on: $nodes"
for i in 0 1 2; do
	[ -s "$work/run/shard-$i.csv" ] || e2e_fail "shard-$i.csv missing"
done

"$learn" -q --tuples 24 --permutations 400 --seed 7 --data "$work/whole.csv" \
	-o "$work/whole" "$trace" > /dev/null || e2e_bail "the local run failed"
# the same file but for its cost line (the CPU and wall time it took)
same_data() { cmp -s <(grep -v '^# cost ' "$1") <(grep -v '^# cost ' "$2"); }
if same_data "$work/whole.csv" "$work/run/data.csv"; then
	e2e_say "merged data = one run's ($(grep -vc '^#' "$work/whole.csv") lines)"
else
	e2e_fail "merged data differs from one run's"
	diff "$work/whole.csv" "$work/run/data.csv" | head -5
fi
if cmp -s "$work/whole/ranking.csv" "$work/run/ranking.csv"; then
	e2e_say "merged ranking = one run's"
else
	e2e_fail "merged ranking differs from one run's"
fi
[ -s "$work/run/rank-01.policy" ] || e2e_fail "no rank-01.policy from the merge"
exit 0
