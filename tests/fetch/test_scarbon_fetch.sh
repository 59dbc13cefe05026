#!/bin/bash
# scarbon-fetch (contrib/fetch) against replay_server.py, which answers with
# the recorded API responses of tests/data/fetch/ (routes in replay.routes):
# good answers of both APIs give exactly the hand-computed files; every
# failure leaves the previous file byte-identical and exits with its status
# and one line; the token file rules hold; and carbonsim loads what was
# written (the project's own intensity(5) reader).
#
# Under make check srcdir is set and carbonsim is
# ../sched/carbonsim/carbonsim. By hand:
#   srcdir=/path/to/tests CARBONSIM=/path/to/sched/carbonsim/carbonsim \
#       bash tests/fetch/test_scarbon_fetch.sh
# One line per check: "ok - ...", "FAIL - ..." or "SKIP - ..." (a check that
# could not run, never counted as passed). Exit 0 when nothing failed, 1 when
# something did, 77 when nothing can run here, 99 when the set-up breaks.
set -u

srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd) || exit 99
fetch=$srcdir/../contrib/fetch/scarbon-fetch
data=$srcdir/data/fetch
python=${PYTHON:-python3}
now=2024-03-01T10:05:00Z     # the UK API's {from} is then 2024-03-01T10:00Z
token=test-token-123         # what replay.routes expects in auth-token

# carbonsim: $CARBONSIM, else the build tree's (from abs_top_builddir when
# set, else ../sched/carbonsim/carbonsim from tests/ as make check runs
# it), else the checks that need it are skipped.
carbonsim=${CARBONSIM:-}
if [ -z "$carbonsim" ] && [ -n "${abs_top_builddir:-}" ]; then
	carbonsim=$abs_top_builddir/sched/carbonsim/carbonsim
elif [ -z "$carbonsim" ] && [ -x ../sched/carbonsim/carbonsim ]; then
	carbonsim=$(pwd)/../sched/carbonsim/carbonsim
fi
case $carbonsim in /* | "") ;; *) carbonsim=$(pwd)/$carbonsim ;; esac

if [ ! -x /usr/bin/python3 ] || ! command -v "$python" >/dev/null; then
	echo "test_scarbon_fetch: needs python3 and /usr/bin/python3 (the" \
		"fetcher's interpreter)" >&2
	exit 77
fi
if [ ! -f "$fetch" ] || [ ! -f "$data/replay.routes" ]; then
	echo "test_scarbon_fetch: no $fetch or $data/replay.routes" >&2
	exit 99
fi

# Never the network, never a proxy: everything goes to 127.0.0.1.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1 PYTHONDONTWRITEBYTECODE=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_scarbon_fetch.XXXXXX") || exit 99
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

passed=0
failed=0
skipped=0
ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL - $1"
	if [ $# -gt 1 ]; then printf '%s\n' "$2" | sed 's/^/    /'; fi
}
skip() {
	skipped=$((skipped + 1))
	echo "SKIP - $1"
}

# --- the replay server -----------------------------------------------------
"$python" "$srcdir/fetch/replay_server.py" "$data/replay.routes" \
	>port 2>server.log &
server_pid=$!
for _ in $(seq 100); do
	grep -qE '^[0-9]+$' port 2>/dev/null && break
	sleep 0.1
done
port=$(head -n 1 port 2>/dev/null)
case $port in
'' | *[!0-9]*)
	echo "test_scarbon_fetch: the replay server did not start:" >&2
	cat server.log >&2
	exit 99
	;;
esac
base=http://127.0.0.1:$port

# run ARGS...: the fetcher (through its shebang) under umask 077, so that
# a 0644 file proves the mode is set, not inherited; stdout in out, stderr
# in err, exit status in rc, seconds taken in took.
run() {
	local start=$EPOCHREALTIME
	(
		umask 077
		exec "$fetch" "$@"
	) >out 2>err
	rc=$?
	took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}

# no_temp_files NAME: nothing but the target is left in the directory.
no_temp_files() {
	local left
	left=$(find . -maxdepth 1 -name '.*.tmp' | head -n 3)
	if [ -z "$left" ]; then
		ok "$1: no temporary file left"
	else
		fail "$1: temporary files left" "$left"
	fi
}

# good NAME EXPECTED SUMMARY ARGS...: the fetch writes NAME.csv equal to
# EXPECTED, mode 0644, by renaming a new file over the old one, and says
# SUMMARY on stdout.
good() {
	local name=$1 expected=$2 summary=$3 inode
	shift 3
	echo "an older series" >"$name.csv"
	inode=$(stat -c %i "$name.csv")
	run "$@" --output "$name.csv"
	if [ "$rc" -ne 0 ] || [ -s err ]; then
		fail "$name: exit $rc, want 0 and nothing on stderr" "$(cat err)"
		return
	fi
	if cmp -s "$name.csv" "$expected"; then
		ok "$name: exit 0, file equal to $(basename "$expected")"
	else
		fail "$name: file differs from $(basename "$expected")" \
			"$(diff "$expected" "$name.csv")"
	fi
	if [ "$(stat -c %a "$name.csv")" = 644 ]; then
		ok "$name: mode 0644 under umask 077"
	else
		fail "$name: mode $(stat -c %a "$name.csv"), want 644"
	fi
	if [ "$(stat -c %i "$name.csv")" != "$inode" ]; then
		ok "$name: replaced by rename (new inode), not rewritten in place"
	else
		fail "$name: same inode: the file was rewritten in place"
	fi
	if [ "$(cat out)" = "scarbon-fetch: wrote $name.csv: $summary" ]; then
		ok "$name: summary '$(cat out)'"
	else
		fail "$name: summary" "got:  $(cat out)
want: scarbon-fetch: wrote $name.csv: $summary"
	fi
	no_temp_files "$name"
}

# bad NAME WANT-RC MESSAGE ARGS...: the fetch exits WANT-RC with the one
# line "scarbon-fetch: error: MESSAGE..." and the previous good file is
# left byte-identical.
bad() {
	local name=$1 want=$2 message=$3 line
	shift 3
	cp "$data/uk-national.expected.csv" target.csv
	run "$@" --output target.csv
	line=$(cat err)
	if [ "$rc" -eq "$want" ] && [ "$(wc -l <err)" -eq 1 ] &&
		[ "${line#"scarbon-fetch: error: $message"}" != "$line" ]; then
		ok "$name: exit $rc, '$line'"
	else
		fail "$name: exit $rc (want $want), stderr:" "$line
want: scarbon-fetch: error: $message..."
	fi
	if cmp -s target.csv "$data/uk-national.expected.csv"; then
		ok "$name: previous file untouched"
	else
		fail "$name: previous file changed" "$(cat target.csv)"
	fi
	no_temp_files "$name"
}

common=(--now "$now" --retries 0 --timeout 5)
uk_url() { echo "uk $base/$1/intensity/2024-03-01T10:00Z/$2"; }

# --- the script itself -----------------------------------------------------
if [ -x "$fetch" ] && [ "$(head -n 1 "$fetch")" = "#!/usr/bin/python3" ]; then
	ok "script: executable, #!/usr/bin/python3"
else
	fail "script: not executable or not #!/usr/bin/python3"
fi
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' \
	"$srcdir/../configure.ac")
run --version
if [ "$rc" -eq 0 ] && [ "$(cat out)" = "scarbon-fetch (slurm-carbon) $version" ]; then
	ok "--version: '$(cat out)' (configure.ac's version)"
else
	fail "--version: exit $rc, '$(cat out)', want version $version"
fi
run --help
if [ "$rc" -eq 0 ] && grep -q '^usage: scarbon-fetch' out; then
	ok "--help: usage, exit 0"
else
	fail "--help: exit $rc" "$(head -n 3 out err)"
fi

# --- good answers ----------------------------------------------------------
# Hand-computed: actual when present else forecast; at a time both answers
# give, a measured (actual, history) value wins, else the forecast's; a
# record without a value is left out (the loader interpolates the gap).
good uk-national "$data/uk-national.expected.csv" \
	"8 samples, 2024-03-01T08:30:00Z .. 2024-03-01T12:30:00Z, 2.4 h ahead of $now" \
	uk "${common[@]}" --base-url "$base/uk-national"
good uk-regional "$data/uk-regional.expected.csv" \
	"5 samples, 2024-03-01T09:00:00Z .. 2024-03-01T11:00:00Z, 0.9 h ahead of $now" \
	uk "${common[@]}" --region 13 --base-url "$base/uk-regional"
printf '%s\n' "$token" >token
chmod 600 token
good emaps "$data/emaps.expected.csv" \
	"6 samples, 2024-03-01T07:00:00Z .. 2024-03-01T13:00:00Z, 2.9 h ahead of $now" \
	emaps "${common[@]}" --zone GB --token-file token --base-url "$base/emaps"
good uk-flaky "$data/uk-national.expected.csv" \
	"8 samples, 2024-03-01T08:30:00Z .. 2024-03-01T12:30:00Z, 2.4 h ahead of $now" \
	uk --now "$now" --retries 1 --retry-delay 0.1 --base-url "$base/uk-flaky"

run uk "${common[@]}" --quiet --base-url "$base/uk-national" --output quiet.csv
if [ "$rc" -eq 0 ] && [ ! -s out ] && [ ! -s err ] &&
	cmp -s quiet.csv "$data/uk-national.expected.csv"; then
	ok "--quiet: written, nothing printed"
else
	fail "--quiet: exit $rc" "$(cat out err)"
fi

# --- failures: the old file stays ------------------------------------------
bad http500 3 "$(uk_url uk-http500 fw48h): HTTP 500 Internal Server Error" \
	uk "${common[@]}" --base-url "$base/uk-http500"
bad no-retry 3 "$(uk_url uk-noretry fw48h): HTTP 503 Service Unavailable" \
	uk "${common[@]}" --base-url "$base/uk-noretry"
bad history500 3 "$(uk_url uk-history500 pt24h): HTTP 500" \
	uk "${common[@]}" --base-url "$base/uk-history500"
bad hang 3 "$(uk_url uk-hang fw48h): timed out after 1 s (--timeout)" \
	uk --now "$now" --retries 0 --timeout 1 --base-url "$base/uk-hang"
# Each byte of the drip arrives in 0.1 s, so only a deadline on the whole
# run (not urllib's per-read timeout) stops it.
bad drip 3 "$(uk_url uk-drip fw48h): timed out after 1 s (--timeout)" \
	uk --now "$now" --retries 0 --timeout 1 --base-url "$base/uk-drip"
if awk -v t="$took" 'BEGIN { exit !(t < 3) }'; then
	ok "drip: stopped after ${took} s, the whole run's deadline"
else
	fail "drip: took ${took} s with --timeout 1"
fi
bad cut 3 "$(uk_url uk-cut fw48h): answer cut short: 10 bytes of 1000" \
	uk "${common[@]}" --base-url "$base/uk-cut"
bad empty 1 "$(uk_url uk-empty fw48h): empty body" \
	uk "${common[@]}" --base-url "$base/uk-empty"
bad malformed 1 "$(uk_url uk-malformed fw48h): malformed JSON at line 2, column 82: Unterminated string" \
	uk "${common[@]}" --base-url "$base/uk-malformed"
bad nan 1 "$(uk_url uk-nan fw48h): malformed JSON: NaN is not valid JSON" \
	uk "${common[@]}" --base-url "$base/uk-nan"
bad wrong-shape 1 "$(uk_url uk-wrong-shape fw48h): wrong shape: the answer has no \"data\" array" \
	uk "${common[@]}" --base-url "$base/uk-wrong-shape"
bad no-records 1 "$(uk_url uk-no-records fw48h): no records" \
	uk "${common[@]}" --base-url "$base/uk-no-records"
bad nonmonotonic 1 "$(uk_url uk-nonmonotonic fw48h): data[2]: time 2024-03-01T10:30:00Z is out of order with data[1]'s 2024-03-01T11:00:00Z" \
	uk "${common[@]}" --base-url "$base/uk-nonmonotonic"
bad out-of-range 1 "$(uk_url uk-out-of-range fw48h): data[1].intensity.forecast: intensity -5 is not in [0, 1e6]" \
	uk "${common[@]}" --base-url "$base/uk-out-of-range"
bad stale 1 "$(uk_url uk-stale fw48h): forecast does not reach into the future: last sample 2024-03-01T09:30:00Z is not after $now" \
	uk "${common[@]}" --base-url "$base/uk-stale"
bad wrong-region 1 "uk $base/uk-wrong-region/regional/intensity/2024-03-01T10:00Z/fw48h/regionid/7: wrong region: asked for 7, got 13" \
	uk "${common[@]}" --region 7 --base-url "$base/uk-wrong-region"
bad wrong-zone 1 "emaps $base/emaps-wrong-zone/v3/carbon-intensity/forecast?zone=GB&emissionFactorType=direct: wrong zone: asked for GB, got \"DE\"" \
	emaps "${common[@]}" --zone GB --token-file token \
	--base-url "$base/emaps-wrong-zone"
bad no-server 3 "uk http://127.0.0.1:1/intensity/2024-03-01T10:00Z/fw48h: cannot connect: " \
	uk "${common[@]}" --base-url http://127.0.0.1:1

# --- the token file --------------------------------------------------------
# The good routes: had the token been accepted, the fetch would succeed.
printf '%s\n' "$token" >token644
chmod 644 token644
bad token-0644 2 "token644: token file is readable or writable by group or others (mode 0644)" \
	emaps "${common[@]}" --zone GB --token-file token644 --base-url "$base/emaps"
if [ "$(id -u)" -eq 0 ]; then
	printf '%s\n' "$token" >token-nobody
	chmod 600 token-nobody
	chown 65534 token-nobody
	bad token-not-root 2 "token-nobody: token file is owned by uid 65534; run as root, only a root-owned token file is used" \
		emaps "${common[@]}" --zone GB --token-file token-nobody \
		--base-url "$base/emaps"
else
	skip "token-not-root: only root can check root's rule (uid $(id -u))"
fi
bad token-missing 2 "no-such-token: cannot open token file: No such file or directory" \
	emaps "${common[@]}" --zone GB --token-file no-such-token \
	--base-url "$base/emaps"
# The server checks the header: a wrong token is turned away.
printf 'wrong-token\n' >token-wrong
chmod 600 token-wrong
bad token-wrong 3 "emaps $base/emaps/v3/carbon-intensity/forecast?zone=GB&emissionFactorType=direct: HTTP 401 Unauthorized" \
	emaps "${common[@]}" --zone GB --token-file token-wrong \
	--base-url "$base/emaps"

# --- output and command line -----------------------------------------------
run uk "${common[@]}" --base-url "$base/uk-national" --output no-dir/gb.csv
if [ "$rc" -eq 4 ] && [ "$(cat err)" = "scarbon-fetch: error: no-dir/gb.csv: cannot write: No such file or directory" ]; then
	ok "unwritable output: exit 4, '$(cat err)'"
else
	fail "unwritable output: exit $rc (want 4)" "$(cat err)"
fi

# usage NAME ARGS...: exit 2 and one line naming the problem.
usage() {
	local name=$1
	shift
	run "$@"
	if [ "$rc" -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] &&
		grep -q '^scarbon-fetch: error: .* (see scarbon-fetch --help)$' err; then
		ok "usage: $name: exit 2, '$(cat err)'"
	else
		fail "usage: $name: exit $rc (want 2)" "$(cat err)"
	fi
}
usage "no source"
usage "no output" uk
usage "emaps without zone" emaps --token-file token --output x.csv
usage "region 0" uk --region 0 --output x.csv
usage "bad now" uk --now 2024-02-30T10:00Z --output x.csv
usage "bad timeout" uk --timeout 0 --output x.csv
usage "too many retries" uk --retries 11 --output x.csv
usage "ftp base URL" uk --base-url ftp://127.0.0.1/ --output x.csv
if [ ! -e x.csv ]; then
	ok "usage: no file written"
else
	fail "usage: x.csv written"
fi

# --- the project's own loader reads what was written -----------------------
# carbonsim --carbon loads the file through intensity_series_load (exit 1 on
# any problem) and reports the span it read: first sample .. last + step.
loads() {
	local file=$1 span=$2
	if [ -z "$carbonsim" ] || [ ! -x "$carbonsim" ]; then
		skip "carbonsim --carbon $file: no carbonsim (set CARBONSIM)"
		return
	fi
	"$carbonsim" --carbon "$file" "$data/two-jobs.swf" >sim.out 2>sim.err
	local status=$?
	if [ $status -eq 0 ] && grep -qF -- "$file, $span" sim.out; then
		ok "carbonsim --carbon $file: exit 0, series $span"
	else
		fail "carbonsim --carbon $file: exit $status" "$(cat sim.err sim.out)"
	fi
}
loads uk-national.csv "2024-03-01T08:30:00Z .. 2024-03-01T13:00:00Z"
loads uk-regional.csv "2024-03-01T09:00:00Z .. 2024-03-01T11:30:00Z"
loads emaps.csv "2024-03-01T07:00:00Z .. 2024-03-01T14:00:00Z"

if [ $failed -gt 0 ]; then
	echo "--- replay server log" && cat server.log
fi
echo "test_scarbon_fetch: $passed passed, $failed failed, $skipped skipped"
if [ $failed -gt 0 ]; then exit 1; fi
if [ $passed -eq 0 ]; then exit 77; fi
exit 0
