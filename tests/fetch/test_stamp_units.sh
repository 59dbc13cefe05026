#!/bin/bash
# contrib/systemd: systemd-analyze verify accepts scarbon-stamp.service and
# scarbon-stamp.timer without a warning, the settings the units promise
# are there (a oneshot `scarbon stamp` every 10 minutes, caught up at boot,
# spread by a random delay), and make install points the installed service
# at $(bindir)/scarbon. verify checks that ExecStart= names an executable,
# so it runs on a copy whose /usr/bin/scarbon is this tree's binary (or, in
# a tree built without scarbon, /bin/true).
#
# One line per check ("ok - ..." or "FAIL - ..."); exit 0 when all passed,
# 1 when one failed, 77 (skipped) without systemd-analyze (Debian package
# systemd, in contrib/setup.sh).
set -u

srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd) || exit 99
units=$srcdir/../contrib/systemd
builddir=$(pwd)
scarbon=$builddir/../accounting/scarbon/scarbon
[ -x "$scarbon" ] || scarbon=/bin/true

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP - systemd-analyze verify: not installed (apt-get install systemd)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_stamp_units.XXXXXX") || exit 99
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

service=$tmp/scarbon-stamp.service
timer=$tmp/scarbon-stamp.timer
if grep -qxF "ExecStart=/usr/bin/scarbon stamp" "$units/scarbon-stamp.service"; then
	ok "service: ExecStart=/usr/bin/scarbon stamp (make install substitutes the path)"
else
	fail "service: no 'ExecStart=/usr/bin/scarbon stamp'"
fi
sed "s|^ExecStart=/usr/bin/scarbon |ExecStart=$scarbon |" \
	"$units/scarbon-stamp.service" >"$service"
cp "$units/scarbon-stamp.timer" "$timer"

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
has "$service" Type=oneshot User=root "After=network-online.target munge.service slurmdbd.service"
has "$service" ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
	"CapabilityBoundingSet=" "ProtectHome=read-only"
has "$timer" "OnCalendar=*:00/10" RandomizedDelaySec=2min Persistent=true \
	"WantedBy=timers.target"
# The site's SLURM_CONF is a drop-in's business: no Environment= here
# (an empty SLURM_CONF would make libslurm look for a file named "").
if grep -q '^Environment' "$service"; then
	fail "service: sets an Environment= (SLURM_CONF is left to the site)"
else
	ok "service: no Environment= (SLURM_CONF left to the site, documented in a comment)"
fi

# The timer fires every 10 minutes: systemd's own reading of OnCalendar=.
if next=$(systemd-analyze calendar --iterations=3 '*:00/10' 2>/dev/null) &&
	echo "$next" | grep -q '^ *Normalized form: \*-\*-\* \*:00/10:00$'; then
	ok "OnCalendar=*:00/10 is every 10 minutes ($(echo "$next" | sed -n 's/^ *Next elapse: //p'), ...)"
else
	fail "OnCalendar=*:00/10" "$next"
fi

# make install: the installed service runs $(bindir)/scarbon (the top
# Makefile's install-data-local, into a staging root). -o Makefile: the
# Makefile as it is (make check has brought it up to date), not remade.
top=$builddir/..
topmake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" --no-print-directory -o Makefile "$@"; }
if [ -f "$top/Makefile" ] && topmake DESTDIR="$tmp/root" \
	install-data-local >"$tmp/install" 2>&1; then
	# shellcheck disable=SC2016 # $(bindir) is make's, not the shell's
	bindir=$(topmake --eval='print-bindir: ; @echo $(bindir)' print-bindir)
	# shellcheck disable=SC2016
	unitdir=$(topmake --eval='print-unitdir: ; @echo $(systemdsystemunitdir)' \
		print-unitdir)
	got=$(grep '^ExecStart=' "$tmp/root$unitdir/scarbon-stamp.service" 2>/dev/null)
	if [ "$got" = "ExecStart=$bindir/scarbon stamp" ] &&
		[ -f "$tmp/root$unitdir/scarbon-stamp.timer" ]; then
		ok "make install: $unitdir/scarbon-stamp.{service,timer}, $got"
	else
		fail "make install: installed service has '$got', want 'ExecStart=$bindir/scarbon stamp'" \
			"$(find "$tmp/root" 2>&1 | head -20)"
	fi
elif [ -f "$top/Makefile" ]; then
	fail "make install-data-local failed" "$(cat "$tmp/install")"
else
	echo "SKIP - make install: no configured build tree at $top"
fi

echo "test_stamp_units: $passed passed, $failed failed"
[ $failed -eq 0 ]
