#!/bin/bash
# A real local Slurm cluster on loopback, as root: munged, MariaDB, slurmdbd,
# slurmctld and N slurmd "nodes" (Debian's Slurm has --enable-multiple-slurmd).
#
# usage: contrib/cluster.sh [options] start | stop | status | env | run CMD...
#
#   start    start every daemon and wait until all nodes are idle
#   stop     stop every daemon named by the state directory's pid files and
#            remove the state directory (kept with --keep)
#   status   show which daemons run, and sinfo
#   env      print "export SLURM_CONF=..." for clients (eval "$(... env)")
#   run CMD  start, run CMD with SLURM_CONF set, stop (even after a failure);
#            exits with CMD's status
#
# Options:
#   -d, --state DIR      all state: config, logs, spool, database, munge key,
#                        pid files, simulator truth logs
#                        [$CLUSTER_STATE or /tmp/slurm-carbon-cluster]
#   -n, --nodes N        slurmd nodes cn1..cnN [2]
#   -c, --cpus N         CPUs per node (SlurmdParameters=config_overrides) [4]
#   -e, --energy NAME    AcctGatherEnergyType: powercap or none [powercap]
#   -f, --node-freq S    AcctGatherNodeFreq [5]
#   -j, --jobacct-freq S JobAcctGatherFrequency (task and energy) [5]
#   -r, --rapl MODE      what each slurmd sees at /sys/class/powercap:
#                          sim   a private mount namespace over a tmpfs tree
#                                driven by raplsim (truth in STATE/rapl/)
#                          empty a private mount namespace with no tree
#                          host  the machine's own /sys/class [sim]
#   -s, --seed N         raplsim seed; node cnI uses N+I [1]
#       --raplsim PATH   the raplsim program [$RAPLSIM, else tests/e2e/raplsim
#                        in this tree]
#       --raplsim-args A extra raplsim arguments (one string, split on spaces)
#       --acct-gather-conf FILE  copied to STATE/etc/acct_gather.conf
#       --slurm-conf FILE  lines appended to the generated slurm.conf (a
#                        later line overrides an earlier one: priority,
#                        partitions, PrologFlags, plugins)
#       --carbon-conf FILE copied to STATE/etc/carbon.conf (next to
#                        slurm.conf, where the carbon plugins look for it)
#   -p, --port-base N    slurmctld N, MariaDB N+1, slurmdbd N+2, slurmd N+10..
#                        [a free block of ports found at start]
#       --plugin-dir DIR load plugins from DIR first (PluginDir=DIR:Slurm's
#                        own), so a test cluster needs no make install
#       --keep           stop leaves the state directory (logs) in place
#
# Ports are on 127.0.0.1; the chosen base is kept in STATE/etc/ports, so two
# clusters with different state directories never collide. Starts take
# turns (a lock on $CLUSTER_LOCK, /tmp/slurm-carbon-cluster.lock by default,
# held until every node is idle), so a cluster chooses its ports only when
# the one before it listens on all of its own. Clients find a cluster
# through SLURM_CONF=STATE/etc/slurm.conf.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state=${CLUSTER_STATE:-/tmp/slurm-carbon-cluster}
nodes=2
cpus=4
energy=powercap
node_freq=5
jobacct_freq=5
rapl=sim
seed=1
raplsim=${RAPLSIM:-}
raplsim_args=
acct_gather_conf=
slurm_conf_extra=
carbon_conf=
port_base=
plugin_dir=
keep=
cluster_name=carbon

cleanup_on_exit=

# Messages go to fd 3, a copy of stderr that wait_for's polling leaves open.
exec 3>&2
log() { printf 'cluster: %s\n' "$*" >&3; }
die() { printf 'cluster: error: %s\n' "$*" >&3; exit 1; }

# die_log "FILE..." MESSAGE: the message, then the end of the logs that say why
# (the state directory and its logs go away on exit unless --keep).
die_log() {
	local f
	printf 'cluster: error: %s\n' "$2" >&3
	for f in $1; do
		[ ! -s "$f" ] || tail -n 15 "$f" | sed "s|^|    ${f##*/}: |" >&3
	done
	exit 1
}

# Whatever happens after "start" began, a failed start or the end of "run"
# stops every daemon and removes the state directory.
on_exit() {
	local rc=$?
	trap - EXIT
	if [ -n "$cleanup_on_exit" ]; then
		stop_all
		remove_state
	fi
	exit $rc
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-d|--state) state=$2; shift ;;
		-n|--nodes) nodes=$2; shift ;;
		-c|--cpus) cpus=$2; shift ;;
		-e|--energy) energy=$2; shift ;;
		-f|--node-freq) node_freq=$2; shift ;;
		-j|--jobacct-freq) jobacct_freq=$2; shift ;;
		-r|--rapl) rapl=$2; shift ;;
		-s|--seed) seed=$2; shift ;;
		--raplsim) raplsim=$2; shift ;;
		--raplsim-args) raplsim_args=$2; shift ;;
		--acct-gather-conf) acct_gather_conf=$2; shift ;;
		--slurm-conf) slurm_conf_extra=$2; shift ;;
		--carbon-conf) carbon_conf=$2; shift ;;
		-p|--port-base) port_base=$2; shift ;;
		--plugin-dir) plugin_dir=$2; shift ;;
		--keep) keep=1 ;;
		-h|--help) usage; exit 0 ;;
		--) shift; break ;;
		-*) die "unknown option $1 (see --help)" ;;
		*) break ;;
		esac
		shift
	done
	cmd=${1:-}
	[ -n "$cmd" ] || die "no command: start, stop, status, env or run CMD (see --help)"
	shift
	cmd_args=("$@")
	case $nodes in ''|*[!0-9]*|0) die "--nodes: a positive number, not '$nodes'" ;; esac
	case $energy in powercap|none) ;; *) die "--energy: powercap or none, not '$energy'" ;; esac
	case $rapl in sim|empty|host) ;; *) die "--rapl: sim, empty or host, not '$rapl'" ;; esac
	[ "$nodes" -le 64 ] || die "--nodes: at most 64"
	case $port_base in
	'') ;;
	*[!0-9]*) die "--port-base: a number, not '$port_base'" ;;
	*) [ "$port_base" -ge 1024 ] && [ "$port_base" -le 65400 ] ||
		die "--port-base: between 1024 and 65400, not $port_base" ;;
	esac
	case $state in /*) ;; *) state=$PWD/$state ;; esac
	conf=$state/etc/slurm.conf
	local f
	for f in "$slurm_conf_extra" "$carbon_conf" "$acct_gather_conf"; do
		[ -z "$f" ] || [ -r "$f" ] || die "$f: no such readable file"
	done
	if [ -n "$plugin_dir" ]; then
		[ -d "$plugin_dir" ] || die "--plugin-dir $plugin_dir: no such directory"
		plugin_dir=$(cd "$plugin_dir" && pwd)
	fi
}

# TCP ports something listens on, from /proc/net/tcp{,6} (state 0A).
listening_ports() {
	local hex
	for hex in $(awk '$4 == "0A" { sub(/.*:/, "", $2); print $2 }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null); do
		echo $((16#$hex))
	done | sort -un
}

# ports_free BASE: true when none of BASE..BASE+10+nodes is in use.
ports_free() {
	local base=$1 used p
	used=$(listening_ports)
	for ((p = base; p <= base + 10 + nodes; p++)); do
		grep -qx "$p" <<< "$used" && return 1
	done
	return 0
}

# The port base: --port-base, else a free block of 80 ports from 20000 up
# to the kernel's ephemeral range (ip_local_port_range, 32768 by default),
# which outgoing connections take at random: a daemon's port there can be
# taken by another cluster's client socket before the daemon binds it.
# The search starts from a hash of the state directory so that different
# directories usually get different blocks on the first try.
choose_ports() {
	local start i base low nblocks
	if [ -n "$port_base" ]; then
		ports_free "$port_base" ||
			die "--port-base $port_base: a port in $port_base..$((port_base + 10 + nodes)) is in use"
	else
		low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
		case $low in ''|*[!0-9]*) low=32768 ;; esac
		# an ephemeral range that starts low cannot be avoided
		[ "$low" -gt 28000 ] || low=60000
		nblocks=$(( (low - 20000) / 80 ))
		start=$(( $(printf '%s' "$state" | cksum | cut -d' ' -f1) % nblocks ))
		for ((i = 0; i < nblocks; i++)); do
			base=$((20000 + ((start + i) % nblocks) * 80))
			if ports_free "$base"; then
				port_base=$base
				break
			fi
		done
		[ -n "$port_base" ] || die "no free block of ports between 20000 and $low"
	fi
	ctld_port=$port_base
	db_port=$((port_base + 1))
	dbd_port=$((port_base + 2))
	slurmd_port=$((port_base + 10))
	echo "$port_base" > "$state/etc/ports"
}

# The pid of a daemon from its pid file, if that process still runs and is
# that program (a stale pid file must not name someone else's process).
pid_of() {
	local f=$state/run/$1.pid pid comm want
	[ -f "$f" ] || return 1
	pid=$(head -n1 "$f" 2>/dev/null) || return 1
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	case $1 in
	slurmd-*) want=slurmd ;;
	raplsim-*) want=raplsim ;;
	mariadb) want=mariadbd ;;
	*) want=$1 ;;
	esac
	{ read -r comm < "/proc/$pid/comm"; } 2>/dev/null || return 1
	# before its exec, a daemon is still one of the launchers
	case $comm in
	"$want"|setsid|env|setpriv|unshare|cluster.sh) ;;
	*) return 1 ;;
	esac
	# and it is ours: its command line or environment names this state
	# directory (another cluster's daemon of the same name may have been
	# given a recycled pid)
	if tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$state/" ||
		tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null |
		grep -qxF "SLURM_CONF=$conf"; then
		echo "$pid"
		return 0
	fi
	return 1
}

# stop_one NAME: SIGTERM the process of run/NAME.pid, wait up to 20 s, then
# SIGKILL it.
stop_one() {
	local name=$1 pid i t0=$SECONDS
	pid=$(pid_of "$name") || { rm -f "$state/run/$name.pid"; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name (pid $pid) ignored SIGTERM for 20 s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	[ $((SECONDS - t0)) -lt 10 ] || log "$name took $((SECONDS - t0)) s to stop"
	rm -f "$state/run/$name.pid"
}

# descendants PID...: every process below the given ones (ps's ppid links).
descendants() {
	ps -e -o pid=,ppid= | awk -v roots="$*" '
		{ parent[$1] = $2 }
		END {
			n = split(roots, r, " ")
			for (i = 1; i <= n; i++) mark[r[i]] = 1
			do {
				grew = 0
				for (p in parent)
					if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; grew = 1 }
			} while (grew)
			for (i = 1; i <= n; i++) delete mark[r[i]]
			for (p in mark) print p
		}'
}

# A slurmstepd outlives its slurmd; ours hold files in the state directory.
# Their jobs' processes go with them (a killed slurmstepd cannot reap its
# tasks, and a "sleep 600" would outlive the cluster).
kill_stepds() {
	local p pid comm ours=()
	for p in /proc/[0-9]*; do
		comm=
		{ read -r comm < "$p/comm"; } 2>/dev/null || continue
		[ "$comm" = slurmstepd ] || continue
		pid=${p#/proc/}
		if find "$p/fd" -maxdepth 1 -lname "$state/*" 2>/dev/null |
			grep -q .; then
			ours+=("$pid")
		fi
	done
	[ ${#ours[@]} -gt 0 ] || return 0
	# shellcheck disable=SC2046
	kill -KILL "${ours[@]}" $(descendants "${ours[@]}") 2>/dev/null || true
}

# Every daemon this state directory started, in reverse order of start. The
# pid files name them, so stale daemons of an earlier run are found too.
stop_all() {
	local f name
	[ -d "$state/run" ] || return 0
	if pid_of slurmctld >/dev/null; then
		SLURM_CONF=$conf scancel --quiet --full --state=RUNNING,PENDING \
			2>/dev/null || true
	fi
	for f in "$state"/run/slurmd-*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		stop_one "$name"
	done
	kill_stepds
	for f in "$state"/run/raplsim-*.pid; do
		[ -e "$f" ] || continue
		stop_one "$(basename "$f" .pid)"
	done
	stop_one slurmctld
	stop_one slurmdbd
	stop_one mariadb
	stop_one munged
}

remove_state() {
	[ -z "$keep" ] || { log "state kept in $state"; return 0; }
	# a safety net against removing something that is not ours
	[ -f "$state/.slurm-carbon-cluster" ] || return 0
	rm -rf "$state"
}

# wait_for WHAT SECONDS CMD...: poll CMD every 0.5 s until it succeeds.
wait_for() {
	local what=$1 secs=$2 deadline=$((SECONDS + $2))
	shift 2
	while [ $SECONDS -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	log "$what did not come up within $secs s"
	return 1
}

# start_daemon NAME LOGFILE CMD...: run CMD in the background in its own
# session, output to LOGFILE, and record its pid.
start_daemon() {
	local name=$1 logf=$2
	shift 2
	setsid "$@" < /dev/null >> "$logf" 2>&1 3>&- 9>&- &
	echo $! > "$state/run/$name.pid"
}

find_raplsim() {
	[ -n "$raplsim" ] || raplsim=$top/tests/e2e/raplsim
	[ -x "$raplsim" ] || die "raplsim not found at $raplsim: build the tree (make) or pass --raplsim PATH"
	raplsim=$(cd "$(dirname "$raplsim")" && pwd)/$(basename "$raplsim")
}

write_config() {
	local host i last
	host=$(hostname -s)
	last=$((slurmd_port + nodes - 1))
	cat > "$conf" <<EOF
# Generated by slurm-carbon contrib/cluster.sh: a local test cluster.
ClusterName=$cluster_name
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/%n
SlurmctldPidFile=$state/run/daemon/slurmctld.pid
SlurmdPidFile=$state/run/daemon/slurmd-%n.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=debug
DebugFlags=Energy
LogTimeFormat=iso8601_ms
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$dbd_port
AccountingStoragePass=socket=$state/munge/munge.socket
AccountingStorageTRES=energy
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=$jobacct_freq,energy=$jobacct_freq
AcctGatherEnergyType=acct_gather_energy/$energy
AcctGatherNodeFreq=$node_freq
JobCompType=jobcomp/none
NodeName=cn[1-$nodes] NodeHostname=$host NodeAddr=127.0.0.1 Port=$slurmd_port-$last CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=main Nodes=cn[1-$nodes] Default=YES MaxTime=INFINITE State=UP
EOF
	cat > "$state/etc/slurmdbd.conf" <<EOF
# Generated by slurm-carbon contrib/cluster.sh
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
DbdAddr=127.0.0.1
DbdHost=localhost
DbdPort=$dbd_port
SlurmUser=root
LogFile=$state/log/slurmdbd.log
PidFile=$state/run/daemon/slurmdbd.pid
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=slurm-carbon
StorageLoc=slurm_acct_db
EOF
	chmod 600 "$state/etc/slurmdbd.conf"
	# The cluster uses no cgroups (proctrack/linuxproc, task/none), but
	# 24.11's slurmd loads the cgroup plugin at start and exits where no
	# cgroup filesystem is mounted, as in a chroot (src/slurmd/slurmd/
	# slurmd.c, main: cgroup_g_init); 22.05 loads it only when used.
	if [ "$(slurm_release)" -ge 2411 ]; then
		echo "CgroupPlugin=disabled" > "$state/etc/cgroup.conf"
	fi
	if [ -n "$plugin_dir" ]; then
		echo "PluginDir=$plugin_dir:$(slurm_plugin_dir)" >> "$conf"
	fi
	if [ -n "$slurm_conf_extra" ]; then
		{ echo "# from $slurm_conf_extra"; cat "$slurm_conf_extra"; } >> "$conf"
	fi
	if [ -n "$carbon_conf" ]; then
		cp "$carbon_conf" "$state/etc/carbon.conf"
	fi
	if [ -n "$acct_gather_conf" ]; then
		cp "$acct_gather_conf" "$state/etc/acct_gather.conf"
	fi
	for ((i = 1; i <= nodes; i++)); do
		mkdir -p "$state/spool/cn$i"
	done
}

# The installed Slurm's release as a number: 2205 for 22.05.8, 2411 for
# 24.11.5 ("slurmd -V" prints "slurm-wlm 24.11.5"); 0 if unknown.
slurm_release() {
	{ /usr/sbin/slurmd -V 2>/dev/null || true; } | awk '
		NR == 1 { split($2, v, "."); r = v[1] * 100 + v[2] }
		END { print r + 0 }'
}

# Slurm's own plugin directory (where auth_munge.so is, in 22.05 and 24.11;
# 24.11 has no acct_gather_energy_none.so).
slurm_plugin_dir() {
	local d
	for d in /usr/lib/x86_64-linux-gnu/slurm-wlm /usr/lib64/slurm /usr/lib/slurm; do
		[ -f "$d/auth_munge.so" ] && { echo "$d"; return 0; }
	done
	die "cannot find Slurm's plugin directory (no auth_munge.so)"
}

start_munged() {
	local d=$state/munge
	mkdir -p "$d"
	dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 status=none
	chown -R munge:munge "$d"
	chmod 755 "$d"
	chmod 400 "$d/munge.key"
	start_daemon munged "$state/log/munged.out" setpriv --reuid=munge \
		--regid=munge --init-groups /usr/sbin/munged --foreground --force \
		--socket="$d/munge.socket" --key-file="$d/munge.key" \
		--pid-file="$d/munged.pid" --log-file="$d/munged.log" \
		--seed-file="$d/munged.seed"
	wait_for munged 20 timeout 10 munge --socket="$d/munge.socket" -n ||
		die_log "$d/munged.log" "munged did not start"
}

mariadb_sql() {
	mariadb --no-defaults --socket="$state/db/mysqld.sock" -uroot -e "$1"
}

start_mariadb() {
	local d=$state/db
	mkdir -p "$d/data"
	chown -R mysql:mysql "$d"
	mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" \
		--auth-root-authentication-method=socket \
		> "$state/log/mariadb-install.log" 2>&1 ||
		die_log "$state/log/mariadb-install.log" "mariadb-install-db failed"
	start_daemon mariadb "$state/log/mariadb.out" /usr/sbin/mariadbd \
		--no-defaults --user=mysql --datadir="$d/data" \
		--socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" \
		--bind-address=127.0.0.1 --port=$db_port \
		--log-error="$state/log/mariadb.log" \
		--innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900
	wait_for MariaDB 60 mariadb_sql 'SELECT 1' ||
		die_log "$state/log/mariadb.log" "MariaDB did not start"
	mariadb_sql "CREATE DATABASE slurm_acct_db;
		CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm-carbon';
		CREATE USER 'slurm'@'localhost' IDENTIFIED BY 'slurm-carbon';
		GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
		GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';" ||
		die "cannot create the accounting database"
}

start_slurmdbd() {
	start_daemon slurmdbd "$state/log/slurmdbd.out" \
		env SLURM_CONF="$conf" /usr/sbin/slurmdbd -D
	wait_for slurmdbd 60 timeout 10 sacctmgr -n list cluster ||
		die_log "$state/log/slurmdbd.log" "slurmdbd did not start"
	sacctmgr -i add cluster "$cluster_name" >/dev/null ||
		die "sacctmgr add cluster $cluster_name failed"
}

start_slurmctld() {
	start_daemon slurmctld "$state/log/slurmctld.out" \
		/usr/sbin/slurmctld -D -i
	wait_for slurmctld 60 timeout 10 scontrol ping ||
		die_log "$state/log/slurmctld.log" "slurmctld did not start"
}

# The body of a node: runs inside "unshare -m", so its mounts are private.
# With --rapl sim, raplsim drives /sys/class/powercap; slurmd replaces this
# shell, so the node's pid is slurmd's.
node_body() {
	local n=$1 i
	if [ "$rapl" != host ]; then
		mount -t tmpfs -o mode=755 "slurm-carbon-$n" /sys/class
	fi
	if [ "$rapl" = sim ]; then
		# shellcheck disable=SC2086 # raplsim_args is split on purpose
		setsid "$raplsim" --root /sys/class/powercap \
			--truth "$state/rapl/$n.truth" \
			--ready "$state/run/raplsim-$n.pid" \
			--seed $((seed + ${n#cn})) $raplsim_args \
			< /dev/null >> "$state/log/raplsim-$n.log" 2>&1 &
		for ((i = 0; i < 100; i++)); do
			[ -s "$state/run/raplsim-$n.pid" ] && break
			sleep 0.1
		done
		[ -s "$state/run/raplsim-$n.pid" ] || {
			die_log "$state/log/raplsim-$n.log" "raplsim for $n did not start"
		}
	fi
	exec /usr/sbin/slurmd -D -N "$n"
}

start_nodes() {
	local i n
	[ "$rapl" != sim ] || mkdir -p "$state/rapl"
	for ((i = 1; i <= nodes; i++)); do
		n=cn$i
		if [ "$rapl" = host ]; then
			start_daemon "slurmd-$n" "$state/log/slurmd-$n.out" \
				/usr/sbin/slurmd -D -N "$n"
		else
			start_daemon "slurmd-$n" "$state/log/slurmd-$n.out" \
				unshare -m --propagation private -- \
				"$0" --state "$state" --rapl "$rapl" \
				--seed "$seed" --raplsim "${raplsim:-none}" \
				--raplsim-args "$raplsim_args" node-body "$n"
		fi
	done
	wait_for "slurmd on every node" 90 nodes_idle || {
		sinfo -N >&2 || true
		die_log "$state/log/slurmd-cn1.log" "the nodes did not all become idle"
	}
}

# True when the process of this pid file exists and is not a zombie.
# Unlike pid_of, it does not ask whether the process is ours: right after
# a start the pid cannot have been recycled, and a daemon's name or
# environment as /proc shows them may change while it runs.
launched_alive() {
	local pid st
	pid=$(head -n1 "$state/run/$1.pid" 2>/dev/null) || return 1
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# True when every node is idle (counted once, whatever partitions it is
# in); a node whose slurmd (or raplsim) died ends the wait at once, with
# its log.
nodes_idle() {
	local out i
	for ((i = 1; i <= nodes; i++)); do
		launched_alive "slurmd-cn$i" ||
			die_log "$state/log/slurmd-cn$i.out $state/log/slurmd-cn$i.log" \
				"slurmd of cn$i exited (pid $(head -n1 "$state/run/slurmd-cn$i.pid" 2>/dev/null))"
	done
	out=$(timeout 10 sinfo -h -N -o '%N %t') || return 1
	[ "$(echo "$out" | sort -u | grep -c ' idle$')" -eq "$nodes" ]
}

# Take the start lock on fd 9; daemons are started with fd 9 closed, so it
# is released when do_start closes it (or the script exits).
take_start_lock() {
	local lock=${CLUSTER_LOCK:-/tmp/slurm-carbon-cluster.lock}
	exec 9>> "$lock" || die "cannot open the start lock $lock"
	flock -w 900 9 ||
		die "another cluster has been starting for 900 s (lock $lock)"
}

do_start() {
	[ "$(id -u)" -eq 0 ] || die "run as root (it starts munged, MariaDB and the Slurm daemons)"
	[ "$rapl" != sim ] || find_raplsim
	take_start_lock
	if [ -d "$state/run" ]; then
		log "stopping what an earlier run left in $state"
		stop_all
	fi
	if [ -d "$state" ]; then
		[ -f "$state/.slurm-carbon-cluster" ] ||
			die "$state exists and is not a cluster state directory"
		rm -rf "$state"
	fi
	mkdir -p "$state"/{etc,log,run/daemon,spool/ctld}
	touch "$state/.slurm-carbon-cluster"
	chmod 755 "$state"
	# On any failure from here, stop what was started and clean up.
	cleanup_on_exit=1
	export SLURM_CONF=$conf
	choose_ports
	write_config
	log "starting munged, MariaDB, slurmdbd, slurmctld and $nodes node(s) in $state"
	start_munged
	start_mariadb
	start_slurmdbd
	start_slurmctld
	start_nodes
	exec 9>&-
	[ "$cmd" = run ] || cleanup_on_exit=
	log "up: $nodes node(s), energy $energy, rapl $rapl, ports $port_base..; SLURM_CONF=$conf"
}

do_stop() {
	[ -d "$state" ] || { log "nothing to stop ($state does not exist)"; return 0; }
	stop_all
	remove_state
	log "stopped"
}

do_status() {
	local f name pid rc=0
	[ -d "$state/run" ] || { echo "no cluster in $state"; return 1; }
	for f in "$state"/run/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		if pid=$(pid_of "$name"); then
			echo "$name: running (pid $pid)"
		else
			echo "$name: not running"
			rc=1
		fi
	done
	SLURM_CONF=$conf sinfo -N || rc=1
	return $rc
}

do_run() {
	local rc=0
	[ ${#cmd_args[@]} -gt 0 ] || die "run: no command given"
	do_start
	SLURM_CONF=$conf "${cmd_args[@]}" || rc=$?
	return $rc
}

parse_args "$@"
trap on_exit EXIT
trap 'exit 130' INT TERM HUP
case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
env) echo "export SLURM_CONF=$conf" ;;
run) do_run ;;
node-body) node_body "${cmd_args[0]}" ;;
*) die "unknown command '$cmd' (see --help)" ;;
esac
