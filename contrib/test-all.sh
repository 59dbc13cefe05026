#!/bin/bash
# The whole test suite, on a fresh Debian 12 machine, as root: set up and
# build, unit tests (check), cppcheck, unit tests again under ASan/UBSan,
# valgrind on the commands, short fuzzing runs, end-to-end tests against a real local Slurm
# cluster with simulated RAPL, benchmarks, and make distcheck.
#
# Prints one line per stage and ends with "test-all: N passed, M failed,
# K skipped", where N, M and K count individual tests (unit cases, e2e
# scripts, checks). A skipped test is never counted as passed, and a
# required stage (e2e) in which every test skipped fails.
#   TEST_ALL_SKIP="distcheck bench"  skips the named stages.
#   E2E_JOBS=N  end-to-end tests at once [2: each has its own cluster, and
#               they mostly wait on sleeping jobs]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
skipped=0
failed_stages=()
skip=" ${TEST_ALL_SKIP:-} "
logdir="$top/_test-logs"
rm -rf "$logdir"
mkdir -p "$logdir"

say() { printf 'test-all: %s\n' "$*"; }

# Counts of an automake test-suite.log ("# PASS: N" lines); "# SKIP: K"
# is counted apart. Sets stage_ran to the number of tests that did not skip.
count_automake() {
	local log=$1 p f k
	p=$(sed -n 's/^# PASS: *//p' "$log" 2>/dev/null | head -1)
	f=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$log" 2>/dev/null | awk '{s+=$1} END {print s+0}')
	k=$(sed -n 's/^# SKIP: *//p' "$log" 2>/dev/null | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${k:-0}))
	stage_ran=$(( ${p:-0} + ${f:-0} ))
}

# run_stage NAME COUNT-MODE CMD...: COUNT-MODE is "one" (the stage is one
# test) or a log file in automake format whose counts are added; with
# "required:LOG" a stage whose tests all skipped fails.
run_stage() {
	local name=$1 mode=$2 rc required=
	shift 2
	case $mode in required:*) required=1; mode=${mode#required:} ;; esac
	case "$skip" in *" $name "*) say "$name: skipped (TEST_ALL_SKIP)"; return 0;; esac
	say "$name: running"
	local t0=$SECONDS
	# A subshell: a stage's cd or exported variables stay in the stage.
	( "$@" ) > "$logdir/$name.log" 2>&1
	rc=$?
	if [ "$mode" = one ]; then
		if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	else
		stage_ran=0
		count_automake "$mode"
		# A stage that failed before its tests ran still counts as a failure.
		if [ $rc -ne 0 ] && ! grep -qs '^# \(FAIL\|ERROR\): *[1-9]' "$mode"; then
			failed=$((failed + 1))
		fi
		if [ -n "$required" ] && [ $rc -eq 0 ] && [ "$stage_ran" -eq 0 ]; then
			echo "every test of the required stage $name skipped" >> "$logdir/$name.log"
			failed=$((failed + 1))
			rc=1
		fi
	fi
	if [ $rc -eq 0 ]; then
		say "$name: ok ($((SECONDS - t0)) s)"
	else
		say "$name: FAILED (exit $rc, $((SECONDS - t0)) s); last lines of $logdir/$name.log:"
		tail -n 40 "$logdir/$name.log" | sed 's/^/    /'
		failed_stages+=("$name")
	fi
	return 0
}

stage_setup() { contrib/setup.sh; }
stage_unit() { make -j"$(nproc)" check; }
stage_cppcheck() { make cppcheck; }
# The tree is configured in place, so builds with other flags work on a
# clean copy of the distributed sources: copy_sources DIR.
copy_sources() {
	rm -rf "$1" slurm-carbon-[0-9]* &&
	make distdir >/dev/null &&
	mkdir -p "$(dirname "$1")" &&
	mv slurm-carbon-[0-9]* "$1"
}
# The plugin too (Slurm's headers from the source tree setup.sh prepared):
# its unit test loads the ASan build with dlopen, as Slurm would.
stage_sanitizers() {
	local slurm_src
	slurm_src=$(cat .slurm-source) || return 1
	copy_sources _build-san &&
	cd _build-san &&
	./configure -q --enable-sanitizers --with-slurm-source="$slurm_src" &&
	make -j"$(nproc)" >/dev/null &&
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions="$top/tests/lsan.supp":print_suppressions=0 \
		make -j"$(nproc)" check
}
stage_valgrind() { tests/valgrind.sh; }
# The test clusters load the plugins from a private directory; make install
# is checked into a staging root, never into the system's Slurm.
stage_install() {
	make stage-plugins >/dev/null &&
	rm -rf _install-check &&
	make install DESTDIR="$top/_install-check" >/dev/null
}
stage_bench() { tests/bench/run.sh; }
# A short coverage-guided run of each parser under libFuzzer, ASan and UBSan
# (the corpora are also replayed by make check).
stage_fuzz() {
	rm -rf _build-fuzz &&
	copy_sources _build-fuzz/src &&
	FUZZ_BUILD_DIR="$top/_build-fuzz/swf" \
		_build-fuzz/src/tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-60}" &&
	_build-fuzz/src/tests/fuzz/run-fuzz-intensity.sh "${FUZZ_SECONDS:-60}" \
		"$top/_build-fuzz/intensity" &&
	_build-fuzz/src/tests/fuzz/run-fuzz-carbon-conf.sh "${FUZZ_SECONDS:-60}" \
		"$top/_build-fuzz/carbon-conf"
}
stage_distcheck() { make -j"$(nproc)" distcheck >/dev/null; }

run_stage setup one stage_setup
if [ ${#failed_stages[@]} -eq 0 ]; then
	run_stage unit "$top/tests/test-suite.log" stage_unit
	run_stage cppcheck one stage_cppcheck
	run_stage sanitizers "$top/_build-san/tests/test-suite.log" stage_sanitizers
	run_stage valgrind one stage_valgrind
	run_stage install one stage_install
	run_stage e2e "required:$logdir/e2e-counts.log" env E2E_COUNTS="$logdir/e2e-counts.log" E2E_JOBS="${E2E_JOBS:-2}" tests/e2e/run.sh
	run_stage bench one stage_bench
	run_stage fuzz one stage_fuzz
	run_stage distcheck one stage_distcheck
fi
# The benchmark figures belong in CI's output, not only in a log file.
[ -s "$logdir/bench.log" ] && sed 's/^/    /' "$logdir/bench.log"

say "logs in $logdir"
[ ${#failed_stages[@]} -eq 0 ] || say "failed stages: ${failed_stages[*]}"
echo "test-all: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] && [ ${#failed_stages[@]} -eq 0 ]
