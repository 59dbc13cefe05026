#!/bin/sh
# carbonsim under valgrind (memcheck): no invalid access, no definite or
# indirect leak, on a few representative invocations. The binary: $1, else
# $CARBONSIM, else sched/carbonsim/carbonsim relative to the current directory (the
# top build directory when contrib/test-all.sh runs this).
set -u

bin=${1:-${CARBONSIM:-sched/carbonsim/carbonsim}}
data=$(cd "$(dirname "$0")/data" && pwd)
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
if [ ! -x "$bin" ]; then
	echo "valgrind.sh: no carbonsim binary at $bin" >&2
	exit 1
fi
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/valgrind_carbonsim.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The first 500 jobs of lublin_256 keep each run to seconds.
awk '/^;/ { print; next } n < 500 { print; n++ }' "$data/lublin_256.swf" >"$tmp/lublin500.swf"
printf '; MaxProcs: 4\n1 0 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 -1 -1 -1 -1\n2 5 -1 10\n' >"$tmp/bad.swf"

passed=0
failed=0
# vg NAME EXPECTED-EXIT ARGS...: carbonsim; vg_prog does any program.
vg() {
	vg_prog "$bin" "$@"
}

# vg_prog PROGRAM NAME EXPECTED-EXIT ARGS...
vg_prog() {
	prog=$1 name=$2 want=$3
	shift 3
	valgrind -q --error-exitcode=101 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--log-file="$tmp/vg.log" "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && [ ! -s "$tmp/vg.log" ]; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name (exit $rc, want $want)"
		sed 's/^/    /' "$tmp/vg.log" "$tmp/err" | head -40
	fi
}

vg "four policies x two backfills" 0 --policy fcfs,spf,wfp3,f1 \
	--backfill none,easy "$tmp/lublin500.swf"
vg "carbon, time shifting, every output" 0 --policy fcfs,f1 --backfill easy \
	--carbon "$data/gb_ci.csv" --max-delay 0,6h,2x --forecast persistence \
	--json "$tmp/o.json" --jobs-csv "$tmp/jobs.csv" \
	--plot-utilization "$tmp/u.svg" --plot-tradeoff "$tmp/t.svg" \
	"$tmp/lublin500.swf"
vg "two sites, windows, conservative" 0 --policy f2 --backfill conservative \
	--windows --site ES:128:"$data/ES_2022_hourly.csv" \
	--site NO:256:"$data/NO_2022_hourly.csv" --space-wait-weight 50 \
	--jobs-csv "$tmp/sites.csv" --json "$tmp/sites.json" "$tmp/lublin500.swf"
vg "windows before the submit time, forecast errors" 0 \
	--carbon "$data/gb_ci.csv" --watts-idle 0 --max-advance 1h,8h \
	--max-delay 1h,8h --forecast-error 5% --repetitions 2 \
	--forecast persistence --json "$tmp/n.json" --jobs-csv "$tmp/n.csv" \
	"$data/swf/test_carbonsim-nightly.swf"
vg "every backfilling mode, dynamic and static" 0 --policy wfp3,unicef,spf \
	--backfill none,easy,conservative "$tmp/lublin500.swf"
vg "malformed trace" 1 "$tmp/bad.swf"
vg "bad option" 2 --policy nope "$tmp/lublin500.swf"
vg "unwritable output" 1 --json "$tmp/nodir/o.json" "$tmp/lublin500.swf"

# carbonlearn (threads, shards, merge, validation) and its policy file in
# carbonsim with the grid.
learn=${CARBONLEARN:-$(dirname "$bin")/../learn/carbonlearn}
if [ -x "$learn" ]; then
	vg_prog "$learn" "carbonlearn, 2 threads, validate" 0 -q -j 2 -t 20 \
		-n 200 --validate 3 --validate-bootstrap 1 -o "$tmp/learn" \
		"$tmp/lublin500.swf"
	vg_prog "$learn" "carbonlearn, a shard" 0 -q -t 20 -n 100 \
		--shard 0/2 --data "$tmp/s0.csv" "$tmp/lublin500.swf"
	vg_prog "$learn" "carbonlearn, the other shard" 0 -q -t 20 -n 100 \
		--shard 1/2 --data "$tmp/s1.csv" "$tmp/lublin500.swf"
	vg_prog "$learn" "carbonlearn, merge" 0 -q --merge -o "$tmp/merged" \
		"$tmp/s0.csv" "$tmp/s1.csv"
	vg_prog "$learn" "carbonlearn, carbon" 0 -q -t 10 -n 100 \
		--family carbon --carbon "$data/gb_ci.csv" "$tmp/lublin500.swf"
	vg_prog "$learn" "carbonlearn, a shard missing" 1 -q --merge "$tmp/s0.csv"
	vg "learned policy, grid" 0 --policy f1,learned:"$tmp/learn/learned.policy" \
		--backfill none,easy --windows --grid --carbon "$data/gb_ci.csv" \
		--plot-grid "$tmp/grid.svg" --json "$tmp/grid.json" "$tmp/lublin500.swf"
else
	failed=$((failed + 1))
	echo "not ok - carbonlearn: no binary at $learn"
fi

# The RAPL simulator (a test tool, but it runs for minutes beside slurmd).
raplsim=${RAPLSIM:-$(dirname "$bin")/../../tests/e2e/raplsim}
if [ -x "$raplsim" ]; then
	vg_prog "$raplsim" "raplsim for 2 s" 0 --root "$tmp/powercap" \
		--truth "$tmp/truth" --duration 2
else
	failed=$((failed + 1))
	echo "not ok - raplsim: no binary at $raplsim"
fi

# libenergy's zone discovery, and the energy plugin loaded by its unit
# test as Slurm loads it, each in a private mount namespace (their .sh):
# built by make check; the plugin test only with the plugins. Leaks that
# libslurm's own logging keeps "possibly lost" are not ours: only definite
# and indirect leaks are shown.
skipped=0
unit=$(dirname "$bin")/../../tests/unit
vg_unit() { # NAME: tests/unit/NAME.sh running tests/unit/NAME
	name=$1
	if [ "$(id -u)" != 0 ]; then
		skipped=$((skipped + 1))
		echo "skip - $name (needs root)"
		return
	fi
	if [ ! -x "$unit/$name" ]; then
		skipped=$((skipped + 1))
		echo "skip - $name (not built: run make check first)"
		return
	fi
	POWERCAP_TEST_BIN=$unit/$name POWERCAP_TEST_WRAPPER="valgrind -q \
		--error-exitcode=101 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --log-file=$tmp/vg.log" \
		"$data/../unit/$name.sh" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$tmp/vg.log" ]; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name (exit $rc)"
		sed 's/^/    /' "$tmp/vg.log" "$tmp/out" | head -40
	fi
}
vg_unit test_powercap_discovery
if [ -f "$unit/../../plugin/.libs/acct_gather_energy_powercap.so" ]; then
	vg_unit test_powercap_plugin
else
	echo "skip - test_powercap_plugin (plugins not built)"
	skipped=$((skipped + 1))
fi

# scarbon without a cluster: carbon.conf read (with its series) and
# refused, and a usage error (not built with --disable-scarbon).
scarbon=$(dirname "$bin")/../../accounting/scarbon/scarbon
if [ -x "$scarbon" ]; then
	sed "s|@DATA@|$data/scarbon|g" "$data/scarbon/test_scarbon-good.conf" >"$tmp/carbon.conf"
	vg_prog "$scarbon" "scarbon check, good carbon.conf" 0 check --conf "$tmp/carbon.conf"
	vg_prog "$scarbon" "scarbon check, unknown key" 1 check --conf "$data/scarbon/test_scarbon-unknown-key.conf"
	vg_prog "$scarbon" "scarbon usage error" 2 report --by host
else
	echo "skip - scarbon (not built)"
	skipped=$((skipped + 1))
fi

echo "valgrind.sh: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
