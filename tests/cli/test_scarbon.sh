#!/bin/sh
# scarbon(1) without a cluster: --help, --version, --helpformat; usage
# errors exit 2 with one line on stderr and nothing on stdout; scarbon
# check on good and broken carbon.conf files (a broken one: exit 1, one
# line naming FILE:LINE and the problem, nothing on stdout, also before
# any query); where carbon.conf is looked for (--conf, $SCARBON_CONF, next
# to $SLURM_CONF); and a slurmdbd that does not answer (exit 1, no output).
#
# The binary: $1, else $SCARBON, else ../accounting/scarbon/scarbon
# relative to the current directory (the tests/ build directory under
# `make check`). Fixtures: data/scarbon/test_scarbon-*.
set -u

bin=${1:-${SCARBON:-../accounting/scarbon/scarbon}}
srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
data=$srcdir/data/scarbon
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
if [ ! -x "$bin" ]; then
	echo "test_scarbon: no scarbon binary at $bin" >&2
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_scarbon.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
# No cluster of the caller's is consulted by accident.
unset SCARBON_CONF
export SLURM_CONF="$tmp/none/slurm.conf"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /'; }

# The fixtures with @DATA@ made absolute (series paths must be).
for f in "$data"/test_scarbon-*.conf; do
	sed "s|@DATA@|$data|g" "$f" >"$tmp/$(basename "$f")"
done

# run ARGS...: stdout in out, stderr in err, exit status in rc.
run() {
	"$bin" "$@" >out 2>err
	rc=$?
}

# run_env VAR=VALUE... -- ARGS...: run with those variables set.
run_env() {
	vars=
	while [ "$1" != -- ]; do
		vars="$vars $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # VAR=VALUE words, no blanks in them
	env $vars "$bin" "$@" >out 2>err
	rc=$?
}

# usage NAME WANT-MESSAGE ARGS...: exit 2, nothing on stdout, exactly one
# line on stderr: "scarbon: WANT-MESSAGE".
usage() {
	name=$1 want=$2
	shift 2
	run "$@"
	if [ $rc -eq 2 ] && [ ! -s out ] && [ "$(wc -l <err)" -eq 1 ] &&
		[ "$(cat err)" = "scarbon: $want" ]; then
		ok "usage: $name: exit 2, '$(cat err)'"
	else
		not_ok "usage: $name: exit $rc, want 2 and 'scarbon: $want'" \
			"$(cat out err)"
	fi
}

# broken NAME FILE LINE PATTERN [ARGS...]: scarbon ARGS --conf FILE exits 1,
# prints nothing on stdout and one line "scarbon: FILE:LINE: ..." matching
# PATTERN (a fixed string).
broken() {
	name=$1 file=$2 line=$3 pattern=$4
	shift 4
	[ $# -gt 0 ] || set -- check
	run "$@" --conf "$file"
	first=$(head -n1 err)
	if [ $rc -eq 1 ] && [ ! -s out ] && [ "$(wc -l <err)" -eq 1 ] &&
		case $first in "scarbon: $file:$line: "*) true ;; *) false ;; esac &&
		grep -qF -- "$pattern" err; then
		ok "broken: $name ($*): exit 1, '$first'"
	else
		not_ok "broken: $name ($*): exit $rc, want 1 and 'scarbon: $file:$line: ...$pattern...'" \
			"$(cat out err)"
	fi
}

# --- help, version, fields --------------------------------------------------
run --help
if [ $rc -eq 0 ] && [ ! -s err ] && head -n1 out | grep -q '^usage: scarbon ' &&
	grep -q -- '--settle DURATION' out; then
	ok "--help: exit 0, usage on stdout ($(wc -l <out) lines)"
else
	not_ok "--help: exit $rc" "$(head -3 out err)"
fi
run report -h
if [ $rc -eq 0 ] && [ ! -s err ] && grep -q -- '--by user|account|partition' out; then
	ok "report -h: exit 0, usage mentions --by"
else
	not_ok "report -h: exit $rc" "$(head -3 out err)"
fi
run --version
if [ $rc -eq 0 ] && [ ! -s err ] && grep -qx 'scarbon [0-9][0-9.a-z~-]*' out; then
	ok "--version: '$(cat out)'"
else
	not_ok "--version: exit $rc" "$(cat out err)"
fi
# --helpformat needs no carbon.conf (SLURM_CONF points nowhere).
run --helpformat
missing=
for field in JobID User Account Partition State NodeList Start End Elapsed \
	ElapsedRaw AllocCPUS Energy EnergyRaw EnergyKWh EnergySource EnergyRule \
	PUE Region Intensity CO2eOperational CO2eOperationalRaw CO2eEmbodied \
	CO2eEmbodiedRaw CO2e CO2eRaw EmbodiedShare Stamped AdminComment Reason; do
	tr -s ' ' '\n' <out | grep -qx "$field" || missing="$missing $field"
done
if [ $rc -eq 0 ] && [ ! -s err ] && [ -z "$missing" ]; then
	ok "--helpformat: exit 0, $(tr -s ' ' '\n' <out | grep -c .) fields"
else
	not_ok "--helpformat: exit $rc, missing:$missing" "$(cat err)"
fi
run -o help
if [ $rc -eq 0 ] && grep -q CO2eRaw out; then
	ok "-o help: the same list"
else
	not_ok "-o help: exit $rc" "$(cat out err)"
fi

# --- usage errors: exit 2, one line -----------------------------------------
usage "unknown command" "unknown command 'stmp' (report, stamp, check; see scarbon --help)" stmp
usage "unknown option" "unknown option '--nope' (see scarbon --help)" --nope
usage "short option" "unknown option '-q' (see scarbon --help)" -q
usage "missing value" "option '-j' needs a value" -j
usage "missing value of --conf" "option '--conf' needs a value" check --conf
usage "extra argument" "unexpected argument 'extra' (see scarbon --help)" -j 1 extra
usage "empty -j" "-j: empty list" -j ,
usage "bad -S" "-S 'yesterday': not a time (YYYY-MM-DD[THH:MM[:SS]], now[-N{minutes,hours,days,weeks}], today)" -S yesterday
usage "bad -E" "-E '2026-02-30': not a time (YYYY-MM-DD[THH:MM[:SS]], now[-N{minutes,hours,days,weeks}], today)" -E 2026-02-30
usage "-E before -S" "-E is before -S" -S 2026-01-15 -E 2026-01-14
usage "--by" "--by 'host': expected user, account or partition" report --by host
usage "--top" "--top '0': a positive number" report --top 0
usage "--top outside report" "--top is an option of scarbon report" --top 3
usage "--settle without unit" "--settle '5': a duration with a unit (0s, 90s, 5min)" stamp --settle 5
usage "--settle outside stamp" "--settle and --dry-run are options of scarbon stamp" --settle 0s
usage "--dry-run outside stamp" "--settle and --dry-run are options of scarbon stamp" report --dry-run
usage "stamp --json" "scarbon stamp prints a summary only" stamp --json

# --- scarbon check --------------------------------------------------------
run check --conf test_scarbon-good.conf
if [ $rc -eq 0 ] && [ ! -s err ] &&
	grep -qxF "test_scarbon-good.conf: PUE 1.2, 2 region(s), 2 partition(s), 2 node group(s)" out &&
	grep -qxF "  region grid: $data/test_scarbon-series.csv, 4 samples" out &&
	grep -qxF "  region lab: constant 250.0 gCO2e/kWh" out; then
	ok "check good: exit 0, $(head -n1 out)"
else
	not_ok "check good: exit $rc" "$(cat out err)"
fi
broken "unknown key" test_scarbon-unknown-key.conf 4 "unknown key 'Watts'"
broken "unknown node key" test_scarbon-node-unknown-key.conf 3 "unknown key 'EmbodiedKgCO2'"
broken "no PUE" test_scarbon-pue-missing.conf 1 "PUE is not set"
broken "series missing" test_scarbon-series-missing.conf 4 \
	"RegionName=grid: /nonexistent/test_scarbon-series-missing.csv: cannot open"
broken "series out of order" test_scarbon-bad-series.conf 4 \
	"RegionName=grid: $data/test_scarbon-bad-series.csv:4: time is before that of"
broken "undefined region" test_scarbon-region-undefined.conf 4 "Region=nowhere: no such region"
# Every command reads carbon.conf first: no query, no partial output.
broken "unknown key" test_scarbon-unknown-key.conf 4 "unknown key 'Watts'" -j 1 -X
broken "no PUE" test_scarbon-pue-missing.conf 1 "PUE is not set" report --by account
broken "series missing" test_scarbon-series-missing.conf 4 "cannot open" stamp --dry-run
run check --conf "$tmp/nothing.conf"
if [ $rc -eq 1 ] && [ ! -s out ] &&
	[ "$(cat err)" = "scarbon: $tmp/nothing.conf: No such file or directory" ]; then
	ok "check on a missing file: '$(cat err)'"
else
	not_ok "check on a missing file: exit $rc" "$(cat out err)"
fi

# --- where carbon.conf is found ---------------------------------------------
mkdir -p etc
cp test_scarbon-good.conf etc/carbon.conf
run_env SLURM_CONF="$tmp/etc/slurm.conf" -- check
if [ $rc -eq 0 ] && head -n1 out | grep -q "^$tmp/etc/carbon.conf: PUE 1.2"; then
	ok "carbon.conf next to \$SLURM_CONF"
else
	not_ok "carbon.conf next to \$SLURM_CONF: exit $rc" "$(cat out err)"
fi
run_env SCARBON_CONF="$tmp/test_scarbon-pue-missing.conf" \
	SLURM_CONF="$tmp/etc/slurm.conf" -- check
if [ $rc -eq 1 ] && grep -qF "$tmp/test_scarbon-pue-missing.conf:1:" err; then
	ok "\$SCARBON_CONF before \$SLURM_CONF's directory"
else
	not_ok "\$SCARBON_CONF: exit $rc" "$(cat out err)"
fi
run_env SCARBON_CONF="$tmp/test_scarbon-pue-missing.conf" -- \
	check --conf etc/carbon.conf
if [ $rc -eq 0 ] && head -n1 out | grep -q "^etc/carbon.conf: "; then
	ok "--conf before \$SCARBON_CONF"
else
	not_ok "--conf before \$SCARBON_CONF: exit $rc" "$(cat out err)"
fi

# --- no slurmdbd ------------------------------------------------------------
# A cluster whose slurmctld and slurmdbd ports are closed: one error of
# ours last (libslurm logs its own lines before it), nothing on stdout.
cat >etc/slurm.conf <<'EOF'
ClusterName=nowhere
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=1
AuthType=auth/munge
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=1
EOF
run_env SLURM_CONF="$tmp/etc/slurm.conf" -- -j 1 -X
if [ $rc -eq 1 ] && [ ! -s out ] && tail -n1 err | grep -q '^scarbon: .*slurmdbd'; then
	ok "no slurmdbd: exit 1, '$(tail -n1 err)'"
else
	not_ok "no slurmdbd: exit $rc, want 1" "$(cat out err)"
fi

echo "test_scarbon: $passed passed, $failed failed"
[ $failed -eq 0 ]
