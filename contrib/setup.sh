#!/bin/bash
# Set up a fresh Debian 12 machine (as root) to build and test slurm-carbon:
# install every build and runtime dependency, fetch and configure the Slurm
# source matching the installed Slurm, then configure and build this tree.
#
# Environment:
#   SLURM_SRC_PARENT  where the Slurm source goes (default /usr/local/src/slurm-carbon)
#   SETUP_NO_APT=1    skip apt-get (dependencies already installed)
#   SETUP_NO_BUILD=1  only install dependencies and prepare the Slurm source
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src_parent=${SLURM_SRC_PARENT:-/usr/local/src/slurm-carbon}
log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and the Slurm source)"

packages=(
	# build
	build-essential autoconf automake libtool pkg-config dpkg-dev
	check libjansson-dev zlib1g-dev libpowercap-dev powercap-utils libgsl-dev
	libslurm-dev libmunge-dev libpam0g-dev
	# a real local cluster
	munge mariadb-server slurmd slurmctld slurmdbd slurm-client
	# quality tools
	valgrind cppcheck clang libclang-rt-14-dev util-linux procps
	psmisc python3
	# the end-to-end tests' arithmetic
	bc
	# systemd-analyze verify of contrib/systemd units
	systemd
	# the Debian 13 root of contrib/test-slurm24.sh (Slurm 24.11)
	debootstrap
)

# True when every package is installed (then apt-get is not run at all).
packages_present() {
	local missing
	missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" 2>&1 |
		awk '$1 != "ii" { n++ } END { print n + 0 }')
	[ "$missing" -eq 0 ]
}

# A deb-src entry is needed only to fetch the Slurm source.
have_deb_src() {
	grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ ||
		grep -qs '^deb-src' /etc/apt/sources.list
}

# policy-rc.d keeps Debian's maintainer scripts from starting the packaged
# daemons; it goes away on any exit, interrupted or not, if we made it.
made_policy=
remove_policy() { [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d; made_policy=; }
trap remove_policy EXIT
trap 'exit 130' INT TERM HUP

add_deb_src() {
	local src=/etc/apt/sources.list.d/slurm-carbon-src.sources
	have_deb_src && return 0
	log "adding a deb-src entry ($src) for apt-get source"
	cat > "$src" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt_updated=
}

apt_updated=
apt_update() {
	[ -z "$apt_updated" ] || return 0
	log "apt-get update"
	apt-get update -qq || die "apt-get update failed"
	apt_updated=1
}

install_packages() {
	export DEBIAN_FRONTEND=noninteractive
	if packages_present; then
		log "all ${#packages[@]} packages are installed: apt-get not run"
		return 0
	fi
	add_deb_src
	apt_update
	log "installing ${#packages[@]} packages"
	# Debian's maintainer scripts try to start the daemons; the local
	# cluster script starts its own, so keep the packaged services down.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0
	apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null || rc=$?
	remove_policy
	[ $rc -eq 0 ] || die "apt-get install failed (exit $rc)"
}

# The Slurm source of exactly the installed version, configured with the
# flags of Debian's debian/rules so that config.h matches the daemons.
prepare_slurm_source() {
	local ver dir
	ver=$(dpkg-query -W -f='${Version}' slurmd | sed 's/-[^-]*$//')
	dir="$src_parent/slurm-wlm-$ver"
	if [ ! -f "$dir/src/common/log.h" ]; then
		log "fetching the Slurm $ver source into $src_parent"
		add_deb_src
		apt_update
		mkdir -p "$src_parent"
		(cd "$src_parent" && apt-get source -qq "slurm-wlm=$(dpkg-query -W -f='${Version}' slurmd)" >/dev/null 2>&1) ||
			die "apt-get source slurm-wlm failed (is a deb-src entry configured?)"
	fi
	if [ ! -f "$dir/config.h" ] || [ ! -f "$dir/slurm/slurm_version.h" ]; then
		log "configuring the Slurm source (about 75 s)"
		(cd "$dir" && ./configure --prefix=/usr --sysconfdir=/etc/slurm \
			--localstatedir=/var --runstatedir=/run \
			--libdir=/usr/lib/x86_64-linux-gnu \
			--with-munge --enable-pam --without-rpath --disable-debug \
			--enable-multiple-slurmd --disable-dependency-tracking \
			SUCMD=/bin/su SLEEP_CMD=/bin/sleep > "$dir/slurm-carbon-configure.log" 2>&1) ||
			die "configuring the Slurm source failed: see $dir/slurm-carbon-configure.log"
	fi
	echo "$dir"
}

[ -n "${SETUP_NO_APT:-}" ] || install_packages
slurm_src=$(prepare_slurm_source)
echo "$slurm_src" > "$top/.slurm-source"
[ -z "${SETUP_NO_BUILD:-}" ] || exit 0

cd "$top"
log "building in $top (Slurm source $slurm_src)"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
./configure --with-slurm-source="$slurm_src" --enable-silent-rules -q
make -j"$(nproc)" >/dev/null
log "built: run 'make install' to install the plugins and commands"
