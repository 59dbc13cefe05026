#!/bin/sh
# run-fuzz-intensity.sh: build the carbon-intensity fuzz target with clang's
# libFuzzer, ASan and UBSan, and fuzz the parsers for a while.
#
# Usage: tests/fuzz/run-fuzz-intensity.sh [SECONDS] [WORKDIR]
#   SECONDS  how long to fuzz (default 60)
#   WORKDIR  build and scratch corpus (default: a new directory under /tmp)
# New inputs go to WORKDIR/corpus, never to the committed corpus; a crash
# leaves WORKDIR/crash-* and exits non-zero. Needs clang and the -dev
# packages of jansson and zlib.
set -eu

seconds=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$(mktemp -d /tmp/fuzz-intensity.XXXXXX)}
mkdir -p "$work/corpus"

command -v clang >/dev/null || {
	echo "run-fuzz-intensity: clang not found" >&2
	exit 1
}

# The parsers' sources are compiled here, instrumented, not taken from the
# gcc-built libraries: every accounting/intensity*.c, however the series
# code is split, and sched/shift.c, whose forecasts the target reads.
clang -g -O1 -std=gnu11 -DFUZZ_LIBFUZZER \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$top/accounting" -I"$top/sched" \
	$(pkg-config --cflags jansson zlib) \
	"$top/tests/fuzz/fuzz_intensity.c" \
	"$top"/accounting/intensity*.c "$top/sched/shift.c" \
	$(pkg-config --libs jansson zlib) -lm \
	-o "$work/fuzz_intensity"

cp "$top"/tests/fuzz/corpus/intensity/* "$work/corpus/"
cd "$work"
echo "run-fuzz-intensity: fuzzing for ${seconds}s in $work"
# libFuzzer's default RSS limit: ASan's quarantine and the fuzzer's own
# data grow the process past 1 GB on a long run without any leak (CI saw
# 1030 MB); one allocation over 256 MB is still reported as a bug.
./fuzz_intensity -max_total_time="$seconds" -max_len=8192 \
	-rss_limit_mb=2048 -malloc_limit_mb=256 -timeout=10 -print_final_stats=1 corpus
