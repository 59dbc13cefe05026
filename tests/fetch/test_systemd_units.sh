#!/bin/bash
# contrib/systemd: systemd-analyze verify accepts scarbon-fetch@.service and
# scarbon-fetch@.timer without a warning, the settings scarbon-fetch(8)
# promises are there, and the example configuration is a command line the
# fetcher accepts. verify checks that ExecStart= names an executable, so it
# runs on copies whose /usr/sbin/scarbon-fetch is this tree's script.
#
# One line per check ("ok - ..." or "FAIL - ..."); exit 0 when all passed,
# 1 when one failed, 77 (skipped) without systemd-analyze (Debian package
# systemd, in contrib/setup.sh).
set -u

srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd) || exit 99
units=$srcdir/../contrib/systemd
fetch=$srcdir/../contrib/fetch/scarbon-fetch

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP - systemd-analyze verify: not installed (apt-get install systemd)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_systemd_units.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL - $1"
	if [ $# -gt 1 ]; then printf '%s\n' "$2" | sed 's/^/    /'; fi
}

service=$tmp/scarbon-fetch@.service
timer=$tmp/scarbon-fetch@.timer
sed "s|^ExecStart=/usr/sbin/scarbon-fetch |ExecStart=$fetch |" \
	"$units/scarbon-fetch@.service" >"$service"
cp "$units/scarbon-fetch@.timer" "$timer"
if grep -qxF "ExecStart=$fetch \$SCARBON_FETCH_ARGS" "$service"; then
	ok "service: ExecStart=/usr/sbin/scarbon-fetch \$SCARBON_FETCH_ARGS (make install substitutes the path)"
else
	fail "service: no 'ExecStart=/usr/sbin/scarbon-fetch \$SCARBON_FETCH_ARGS'"
fi

# verify: exit 0 and not a word (it warns about unknown keys yet exits 0).
# --man=no: the page is not installed while testing.
for unit in "$service" "$timer"; do
	name=$(basename "$unit")
	if systemd-analyze verify --man=no "$unit" >"$tmp/verify" 2>&1 &&
		[ ! -s "$tmp/verify" ]; then
		ok "systemd-analyze verify $name: clean"
	else
		fail "systemd-analyze verify $name" "$(cat "$tmp/verify")"
	fi
done

# has FILE SETTING...: each line is in the unit as written.
has() {
	local file=$1 setting missing=
	shift
	for setting in "$@"; do
		grep -qxF -- "$setting" "$file" || missing="$missing $setting"
	done
	if [ -z "$missing" ]; then
		ok "$(basename "$file"): $*"
	else
		fail "$(basename "$file"): missing$missing"
	fi
}
has "$service" Type=oneshot \
	"EnvironmentFile=/etc/slurm/scarbon-fetch/%i.conf"
has "$service" ProtectSystem=strict "ReadWritePaths=/var/lib/slurm-carbon" \
	NoNewPrivileges=yes PrivateTmp=yes "CapabilityBoundingSet=" UMask=0022
has "$timer" "OnCalendar=*:00/30" RandomizedDelaySec=5min Persistent=true \
	"WantedBy=timers.target"

# The example's arguments (split at white space, as systemd does) are a
# command line the fetcher accepts: with no server listening it must fail
# on the network (3), not on the command line (2).
args=$(sed -n 's/^SCARBON_FETCH_ARGS=//p' \
	"$units/scarbon-fetch-gb.conf.example")
# shellcheck disable=SC2086 # split as systemd's $VAR does
"$fetch" $args --output "$tmp/gb.csv" --base-url http://127.0.0.1:1 \
	--retries 0 --timeout 5 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ -n "$args" ] && [ $rc -eq 3 ]; then
	ok "scarbon-fetch-gb.conf.example: '$args' accepted"
else
	fail "scarbon-fetch-gb.conf.example: '$args': exit $rc, want 3" \
		"$(cat "$tmp/err")"
fi

echo "test_systemd_units: $passed passed, $failed failed"
[ $failed -eq 0 ]
