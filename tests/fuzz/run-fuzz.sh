#!/bin/bash
# Fuzz the SWF reader with clang's libFuzzer, ASan and UBSan for N seconds
# (default 60): builds libsched in a private clang build directory, starts
# from tests/fuzz/corpus/swf and keeps new inputs and crashes in the build
# directory. Usage: tests/fuzz/run-fuzz.sh [SECONDS]
set -euo pipefail

secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-${TMPDIR:-/tmp}/slurm-carbon-fuzz}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"

command -v clang >/dev/null || { echo "run-fuzz: clang is required" >&2; exit 1; }
[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi)
mkdir -p "$build"
cd "$build"
if [ ! -f config.status ]; then
	"$top/configure" -q --disable-plugins CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san" ||
		{ echo "run-fuzz: configure failed in $build" >&2; exit 1; }
fi
make -s -C accounting libcarbon.la
make -s -C sched libsched.la
clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $san -DFUZZ_LIBFUZZER \
	-I"$top/sched" -I"$top/accounting" "$top/tests/fuzz/fuzz_swf.c" \
	sched/.libs/libsched.a accounting/.libs/libcarbon.a \
	$(pkg-config --libs jansson zlib) -lm -o fuzz_swf

mkdir -p corpus-swf crashes-swf
echo "run-fuzz: fuzzing the SWF reader for $secs s in $build"
./fuzz_swf -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix=crashes-swf/ -print_final_stats=1 \
	corpus-swf "$top/tests/fuzz/corpus/swf"
