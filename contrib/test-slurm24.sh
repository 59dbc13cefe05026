#!/bin/bash
# The plugins and scarbon on Slurm 24.11, as root on a Debian 12 machine:
# a Debian 13 (trixie) root made with debootstrap from the host's package
# registry, Debian's Slurm 24.11 daemons and their source installed in it,
# this tree built there against that source, and end-to-end tests run
# unchanged on the 24.11 daemons (contrib/test-all.sh tests 22.05 on the
# host).
#
# Stages, one line each with its time: host (debootstrap), root (made, or
# reused when complete; mounted), slurm-source, build (the project, plugins
# staged), unit (the energy plugin's dlopen test), e2e. Ends with
# "test-slurm24: N passed, M failed, K skipped" like test-all, counting
# each set-up stage as one test and the unit and e2e tests one by one; a
# failed set-up stage stops the run. The root's mounts are undone on any
# exit, and daemons left in the root are killed.
#
# Environment:
#   SLURM24_ROOT=DIR   the Debian 13 root [/var/tmp/slurm-carbon-trixie];
#                      reused when a run completed it, else made anew
#   SLURM24_FRESH=1    make the root anew even if it is complete
#   SLURM24_MIRROR=URL the Debian mirror [the host's, from its apt sources]
#   SLURM24_TESTS="t0010-energy-accuracy ..."  the e2e tests
#                      [t0060 site_factor/carbon, t0061 job_submit/carbon,
#                      t0010 energy accuracy, t0050..t0053 scarbon, t0020
#                      no powercap tree]
#   SLURM24_PARALLEL=N how many e2e tests run at once [2; cluster.sh
#                      starts one cluster at a time (before it did, clusters
#                      that started together raced: mariadb-install-db and
#                      a slurmd failed at start, 2 runs in 3)]
# Logs in _test-logs/slurm24/ (the e2e tests' own in e2e/ there).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=${SLURM24_ROOT:-/var/tmp/slurm-carbon-trixie}
suite=trixie
tests=${SLURM24_TESTS:-t0060-site-factor t0061-job-submit t0010-energy-accuracy t0050-scarbon-contain t0051-scarbon-no-contain t0053-scarbon-epilog t0052-scarbon-estimated t0020-no-powercap}
parallel=${SLURM24_PARALLEL:-2}
logdir=$top/_test-logs/slurm24
# Inside the root: the Slurm source and this project's build.
src_parent=/usr/local/src/slurm-carbon
build=$src_parent/build
marker=.slurm-carbon-root

# What the root holds besides minbase; the marker records it, so a root
# made from another list is made anew.
packages=(
	build-essential autoconf automake libtool pkg-config dpkg-dev
	check libjansson-dev zlib1g-dev libpowercap-dev libgsl-dev
	libslurm-dev libmunge-dev libpam0g-dev
	munge mariadb-server slurmd slurmctld slurmdbd slurm-client
	python3 procps util-linux psmisc bc
)
recipe="suite=$suite packages=${packages[*]}"

# Messages go to fd 3, the script's stdout, also from inside a stage
# (whose output goes to its log).
exec 3>&1
say() { printf 'test-slurm24: %s\n' "$*" >&3; }
die() { printf 'test-slurm24: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot, mounts, daemons)"
case $root in /*) ;; *) die "SLURM24_ROOT must be an absolute path" ;; esac
[ "$root" != / ] || die "SLURM24_ROOT must not be /"

passed=0
failed=0
skipped=0
t_start=$SECONDS
rm -rf "$logdir"
mkdir -p "$logdir"

# in_root CMD...: run CMD in the root with a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" 3>&-
}

# ---- mounts: undone on any exit ----

# Mount points at or below the root, deepest first.
root_mounts() {
	awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

# Processes whose root directory is the root: the daemons this script's
# tests started there (a test that was interrupted may leave some).
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] &&
			echo "${p#/proc/}"
	done
}

# Kill whatever still runs in the root: the tests and clusters of an
# interrupted run (their state stays in the root's /tmp, and the next test
# run starts afresh).
stop_root() {
	local i pids
	for ((i = 0; i < 20; i++)); do
		pids=$(root_pids)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086 # one pid per word
		kill -KILL $pids 2>/dev/null
		sleep 0.5
	done
	say "warning: processes left in $root: $(root_pids | tr '\n' ' ')"
}

unmount_root() {
	local m left
	stop_root
	for m in $(root_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			say "warning: cannot unmount $m"
	done
	left=$(root_mounts)
	[ -z "$left" ] || { say "warning: still mounted: $left"; return 1; }
}

cleanup() {
	local rc=$?
	trap - EXIT
	[ -z "$(root_mounts)" ] || unmount_root
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted: stopping what runs in the root"; exit 130' INT TERM HUP

# The root is bound onto itself, so that inside it "/" is a mount point
# whose propagation unshare(1) can change (cluster.sh's nodes run in
# private mount namespaces), then proc, sys, dev and dev/pts.
mount_root() {
	[ -z "$(root_mounts)" ] || unmount_root || return 1
	mount --bind "$root" "$root" &&
	mount -t proc proc "$root/proc" &&
	mount -t sysfs sysfs "$root/sys" &&
	mount --bind /dev "$root/dev" &&
	mount --bind /dev/pts "$root/dev/pts" &&
	cp /etc/resolv.conf /etc/hosts "$root/etc/"
}

# ---- stages ----

# run_stage NAME FUNCTION: one line per stage, counted as one test; a
# failed stage returns 1.
run_stage() {
	local name=$1 t0=$SECONDS rc
	shift
	say "$name: running"
	"$@" > "$logdir/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		say "$name: ok ($((SECONDS - t0)) s)"
		return 0
	fi
	failed=$((failed + 1))
	say "$name: FAILED (exit $rc, $((SECONDS - t0)) s); last lines of $logdir/$name.log:"
	tail -n 40 "$logdir/$name.log" | sed 's/^/    /'
	return 1
}

# The summary, as test-all's; a run in which nothing passed fails.
finish() {
	unmount_root || failed=$((failed + 1))
	say "total $((SECONDS - t_start)) s; logs in $logdir"
	echo "test-slurm24: $passed passed, $failed failed, $skipped skipped"
	[ $failed -eq 0 ] && [ $passed -gt 0 ]
	exit
}

# The host's Debian mirror: the first URI of its apt sources.
host_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}
mirror=${SLURM24_MIRROR:-$(host_mirror)}

# The host: debootstrap (contrib/setup.sh installs it), and this tree
# configured, since the root builds from its distribution files.
stage_host() {
	if [ ! -f "$top/Makefile" ]; then
		"$top/contrib/setup.sh" || return 1
	fi
	command -v debootstrap >/dev/null && return 0
	apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends debootstrap
}

root_complete() {
	[ -f "$root/$marker" ] && [ "$(cat "$root/$marker")" = "complete $recipe" ]
}

# Make the root: debootstrap, then the packages with their services kept
# down (policy-rc.d); the marker says "complete" only at the end, so an
# interrupted run is made anew next time. A directory that is not ours is
# never removed.
stage_root() {
	if root_complete && [ -z "${SLURM24_FRESH:-}" ]; then
		echo "reusing the complete root $root ($recipe)"
		mount_root
		return
	fi
	if [ -e "$root" ]; then
		[ -f "$root/$marker" ] || [ -z "$(ls -A "$root")" ] ||
			{ echo "$root exists and is not a root this script made"; return 1; }
		unmount_root || return 1
		rm -rf --one-file-system "$root" || return 1
	fi
	mkdir -p "$root" && echo incomplete > "$root/$marker" || return 1
	echo "debootstrap $suite from $mirror"
	debootstrap --variant=minbase --include=ca-certificates "$suite" \
		"$root" "$mirror" || return 1
	cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb-src $mirror $suite main
EOF
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	mount_root &&
	in_root apt-get update -qq &&
	in_root apt-get install -y -qq --no-install-recommends "${packages[@]}" ||
		return 1
	rm -f "$root/usr/sbin/policy-rc.d"
	echo "complete $recipe" > "$root/$marker"
	in_root dpkg-query -W slurmd libslurm-dev
}

# The source of the installed Slurm, configured with the flags
# contrib/setup.sh uses for 22.05 (bookworm's debian/rules; trixie's could
# not be read: see below). apt-get source verifies what it fetches against
# the signed indexes. Where the mirror has only the upstream tarball (no
# .dsc and .debian.tar.xz), that tarball is used: headers and config.h come
# from the same 24.11 release, without Debian's patches.
stage_slurm_source() {
	local ver up dir
	ver=$(in_root dpkg-query -W -f='${Version}' slurmd) || return 1
	up=${ver%-*}
	up=${up#*:}
	dir=$src_parent/slurm-wlm-$up
	echo "slurmd $ver: source in $dir"
	if [ ! -f "$root$dir/config.h" ]; then
		rm -rf "$root$dir"
		mkdir -p "$root$src_parent"
		in_root sh -c "cd $src_parent &&
			apt-get source --download-only -qq 'slurm-wlm=$ver'" ||
			echo "apt-get source failed (above); looking for what it fetched"
		if [ -f "$root$src_parent/slurm-wlm_$ver.dsc" ]; then
			in_root dpkg-source -x "$src_parent/slurm-wlm_$ver.dsc" "$dir" ||
				return 1
		elif [ -f "$root$src_parent/slurm-wlm_$up.orig.tar.gz" ]; then
			echo "no .dsc: the upstream slurm-wlm_$up.orig.tar.gz, without Debian's patches"
			mkdir -p "$root$dir" &&
			tar -xzf "$root$src_parent/slurm-wlm_$up.orig.tar.gz" \
				-C "$root$dir" --strip-components=1 || return 1
		else
			echo "neither slurm-wlm_$ver.dsc nor slurm-wlm_$up.orig.tar.gz was fetched"
			return 1
		fi
		in_root sh -c "cd $dir && ./configure --prefix=/usr \
			--sysconfdir=/etc/slurm --localstatedir=/var --runstatedir=/run \
			--libdir=/usr/lib/x86_64-linux-gnu \
			--with-munge --enable-pam --without-rpath --disable-debug \
			--enable-multiple-slurmd --disable-dependency-tracking \
			SUCMD=/bin/su SLEEP_CMD=/bin/sleep > configure.log 2>&1" || {
			tail -n 20 "$root$dir/configure.log"
			return 1
		}
	fi
	echo "$dir" > "$root$src_parent/slurm-source"
	grep '^#define SLURM_VERSION_NUMBER' "$root$dir/slurm/slurm_version.h"
}

# This tree's distribution files (as test-all copies them), built in the
# root against Slurm 24.11; the plugins staged in _plugins for the tests.
stage_build() {
	local slurm_src dist
	slurm_src=$(cat "$root$src_parent/slurm-source") || return 1
	(cd "$top" && rm -rf slurm-carbon-[0-9]* && make distdir >/dev/null) ||
		return 1
	dist=$(cd "$top" && echo slurm-carbon-[0-9]*)
	rm -rf "$root$build" &&
	mv "$top/$dist" "$root$build" &&
	in_root sh -c "cd $build &&
		./configure -q --with-slurm-source=$slurm_src &&
		make -j$(nproc) >/dev/null &&
		make stage-plugins >/dev/null" || return 1
	ls "$root$build/_plugins"/*.so
}

# The energy plugin loaded with dlopen as a 24.11 daemon would, over
# simulated zones (tests/unit/test_powercap_plugin.c); only that test.
stage_unit() {
	in_root sh -c "cd $build/tests &&
		make -j$(nproc) check TESTS=unit/test_powercap_plugin.sh \
			check_PROGRAMS=unit/test_powercap_plugin"
	local rc=$?
	cat "$root$build/tests/unit/test_powercap_plugin.sh.log" 2>/dev/null
	return "$rc"
}

# The e2e tests through one tests/e2e/run.sh, $parallel at once (it starts
# the longest first, and each cluster has its own state directory and finds
# its ports after the one before it is up); counts in one automake-style
# file.
stage_e2e() {
	local rc
	rm -rf "$root/tmp/slurm24-e2e" && mkdir -p "$root/tmp/slurm24-e2e" ||
		return 1
	in_root env E2E_TESTS="$tests" E2E_JOBS="$parallel" \
		E2E_COUNTS=/tmp/slurm24-e2e/counts \
		E2E_LOGDIR=/tmp/slurm24-e2e/logs "$build/tests/e2e/run.sh"
	rc=$?
	rm -rf "$logdir/e2e"
	cp -r "$root/tmp/slurm24-e2e/logs" "$logdir/e2e" 2>/dev/null
	return "$rc"
}

# count_automake LOG: add an automake-style log's "# PASS: N" (and FAIL,
# ERROR, SKIP) counts; fails when none of its tests ran.
count_automake() {
	local p x k
	p=$(sed -n 's/^# PASS: *//p' "$1" 2>/dev/null | head -n1)
	x=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$1" 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }')
	k=$(sed -n 's/^# SKIP: *//p' "$1" 2>/dev/null | head -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${x:-0}))
	skipped=$((skipped + ${k:-0}))
	[ "${p:-0}" -gt 0 ] || [ "${x:-0}" -gt 0 ]
}

# test_stage NAME LOG FUNCTION: a stage of tests counted from LOG; one
# whose tests all skipped (or never ran) fails.
test_stage() {
	local name=$1 counts=$2 t0=$SECONDS rc
	shift 2
	say "$name: running"
	rm -f "$counts"
	"$@" > "$logdir/$name.log" 2>&1
	rc=$?
	if ! count_automake "$counts"; then
		echo "no test of $name ran" >> "$logdir/$name.log"
		failed=$((failed + 1))
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		say "$name: ok ($((SECONDS - t0)) s)"
		grep '^\(PASS\|SKIP\|FAIL\|ERROR\): \|^    t0' "$logdir/$name.log" |
			sed 's/^/    /'
	else
		say "$name: FAILED (exit $rc, $((SECONDS - t0)) s); last lines of $logdir/$name.log:"
		tail -n 60 "$logdir/$name.log" | sed 's/^/    /'
	fi
}

say "root $root, mirror $mirror, tests: $tests"
run_stage host stage_host &&
run_stage root stage_root &&
run_stage slurm-source stage_slurm_source &&
run_stage build stage_build || finish
test_stage unit "$root$build/tests/test-suite.log" stage_unit
test_stage e2e "$root/tmp/slurm24-e2e/counts" stage_e2e
finish
