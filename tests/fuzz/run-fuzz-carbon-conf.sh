#!/bin/sh
# run-fuzz-carbon-conf.sh: build the carbon.conf fuzz target with clang's
# libFuzzer, ASan and UBSan, and fuzz the parser for a while.
#
# Usage: tests/fuzz/run-fuzz-carbon-conf.sh [SECONDS] [WORKDIR]
#   SECONDS  how long to fuzz (default 60)
#   WORKDIR  build and scratch corpus (default: a new directory under /tmp)
# New inputs go to WORKDIR/corpus, never to the committed corpus; a crash
# leaves WORKDIR/crash-* and exits non-zero. Needs clang and the -dev
# packages of jansson and zlib.
set -eu

seconds=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$(mktemp -d /tmp/fuzz-carbon-conf.XXXXXX)}
mkdir -p "$work/corpus"

command -v clang >/dev/null || {
	echo "run-fuzz-carbon-conf: clang not found" >&2
	exit 1
}

# The parser's sources are compiled here, instrumented (every
# carbon_conf*.c, however it is split); carbon_conf.c links the series
# loader (CARBON_CONF_LOAD_SERIES), which the target never asks for.
clang -g -O1 -std=gnu11 -DFUZZ_LIBFUZZER \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$top/accounting" \
	$(pkg-config --cflags jansson zlib) \
	"$top/tests/fuzz/fuzz_carbon_conf.c" \
	"$top"/accounting/carbon_conf*.c "$top/accounting/nodelist.c" \
	"$top/accounting/carbon.c" \
	"$top/accounting/intensity.c" "$top/accounting/intensity_load.c" \
	$(pkg-config --libs jansson zlib) -lm \
	-o "$work/fuzz_carbon_conf"

cp "$top"/tests/fuzz/corpus/carbon_conf/* "$work/corpus/"
cd "$work"
echo "run-fuzz-carbon-conf: fuzzing for ${seconds}s in $work"
# Above libFuzzer's default RSS limit: ASan's quarantine and the fuzzer's
# own data grow the process past 1 GB on a long run without any leak (CI
# saw 1030 MB); one allocation over 256 MB is still reported as a bug.
./fuzz_carbon_conf -max_total_time="$seconds" -max_len=4096 \
	-rss_limit_mb=2048 -malloc_limit_mb=256 -timeout=10 -print_final_stats=1 corpus
