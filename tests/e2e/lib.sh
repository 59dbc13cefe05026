# shellcheck shell=bash
# The one helper every end-to-end test sources: setup, start (a real local
# cluster through contrib/cluster.sh; registers its cleanup), wait-for, kill,
# and the simulator's ground truth. Tests run as root and exit 0 (pass),
# 1 (fail) or 77 (skip).
#
# Environment:
#   E2E_STATE_ROOT  where clusters keep their state [/tmp/slurm-carbon-e2e]
#   E2E_LOGDIR      where a failed test's logs are kept [TOP/_test-logs/e2e]
#   RAPLSIM         the raplsim program [TOP/tests/e2e/raplsim, or
#                   E2E_BUILDDIR/tests/e2e/raplsim for a VPATH build]
#   E2E_KEEP=1      keep every test's logs, not only a failed one's
#   E2E_PLUGIN_DIR  the project's plugins, loaded by the test clusters
#                   through PluginDir [TOP/_plugins, made by
#                   make stage-plugins; E2E_BUILDDIR/_plugins for VPATH]
# Clusters find a free block of ports themselves (cluster.sh), so tests of
# two checkouts can run on one host at once.

e2e_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
e2e_cluster=$e2e_top/contrib/cluster.sh
e2e_plugin_dir=${E2E_PLUGIN_DIR:-${E2E_BUILDDIR:-$e2e_top}/_plugins}
e2e_failed=0

e2e_say() { printf '%s: %s\n' "$e2e_name" "$*"; }
e2e_note() { printf '%s: %s\n' "$e2e_name" "$*" >&2; }

# e2e_bail MESSAGE: the test cannot go on (a daemon did not come up...).
e2e_bail() {
	printf '%s: error: %s\n' "$e2e_name" "$*" >&2
	e2e_failed=1
	exit 1
}

e2e_skip() {
	printf '%s: skipped: %s\n' "$e2e_name" "$*" >&2
	exit 77
}

# e2e_fail MESSAGE: one check failed; the test goes on and fails at exit.
e2e_fail() {
	printf '%s: FAIL: %s\n' "$e2e_name" "$*"
	e2e_failed=1
}

# e2e_setup: name the test, check what it needs, register the cleanup.
e2e_setup() {
	e2e_name=$(basename "$0" .sh)
	[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (daemons, mount namespaces)"
	e2e_state=${E2E_STATE_ROOT:-/tmp/slurm-carbon-e2e}/$e2e_name
	e2e_logdir=${E2E_LOGDIR:-$e2e_top/_test-logs/e2e}/$e2e_name
	export SLURM_CONF=$e2e_state/etc/slurm.conf
	if [ -z "${RAPLSIM:-}" ]; then
		RAPLSIM=$e2e_top/tests/e2e/raplsim
		[ -z "${E2E_BUILDDIR:-}" ] ||
			RAPLSIM=$E2E_BUILDDIR/tests/e2e/raplsim
	fi
	export RAPLSIM
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

# e2e_need_plugin NAME: plugin TYPE_NAME.so (acct_gather_energy_powercap,
# site_factor_carbon, ...; a bare NAME means acct_gather_energy_NAME) is
# staged in the private plugin directory.
e2e_need_plugin() {
	local so=$1
	case $so in *_*) ;; *) so=acct_gather_energy_$so ;; esac
	[ -f "$e2e_plugin_dir/$so.so" ] ||
		e2e_bail "$so.so is not in $e2e_plugin_dir (run make stage-plugins)"
}

e2e_need_raplsim() {
	[ -x "$RAPLSIM" ] ||
		e2e_bail "raplsim not found at $RAPLSIM (build the tree, or set RAPLSIM or E2E_BUILDDIR)"
}

# e2e_start [cluster.sh options]: start a cluster in this test's state
# directory; the cleanup stops it. Bails out if any daemon does not come up.
e2e_start() {
	e2e_started=1
	"$e2e_cluster" --state "$e2e_state" --plugin-dir "$e2e_plugin_dir" \
		"$@" start ||
		e2e_bail "the cluster did not come up (cluster.sh start failed, see above)"
}

# Keep the logs of a failed test, stop the cluster, remove its state.
e2e_cleanup() {
	local rc=$?
	trap - EXIT
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || e2e_failed=1
	if [ -n "${e2e_started:-}" ] && [ -d "$e2e_state" ]; then
		if [ "$e2e_failed" -ne 0 ] || [ -n "${E2E_KEEP:-}" ]; then
			rm -rf "$e2e_logdir"
			mkdir -p "$e2e_logdir"
			cp -r "$e2e_state/log" "$e2e_state/etc" "$e2e_logdir/" 2>/dev/null
			[ ! -d "$e2e_state/rapl" ] || cp -r "$e2e_state/rapl" "$e2e_logdir/"
			[ ! -d "$e2e_state/out" ] || cp -r "$e2e_state/out" "$e2e_logdir/"
			e2e_note "logs kept in $e2e_logdir"
		fi
		"$e2e_cluster" --state "$e2e_state" stop >/dev/null 2>&1 ||
			e2e_note "cluster.sh stop failed"
	fi
	[ "$e2e_failed" -eq 0 ] || [ $rc -ne 0 ] || rc=1
	exit $rc
}

# e2e_wait_for WHAT SECONDS CMD...: poll CMD every second until it succeeds;
# returns 1 (after saying so) when SECONDS pass.
e2e_wait_for() {
	local what=$1 secs=$2 deadline=$((SECONDS + $2))
	shift 2
	while [ $SECONDS -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	e2e_note "timed out after $secs s waiting for $what"
	return 1
}

# e2e_kill NAME [SIGNAL]: signal a daemon of this cluster by the name of its
# pid file (slurmctld, slurmd-cn1, raplsim-cn1, ...).
e2e_kill() {
	local pid
	pid=$(cat "$e2e_state/run/$1.pid" 2>/dev/null) ||
		e2e_bail "no pid file for $1"
	kill -"${2:-TERM}" "$pid"
}

# e2e_jobs_done JOBID...: true when none of the jobs is pending or running.
e2e_jobs_done() {
	local ids
	ids=$(IFS=,; echo "$*")
	[ -z "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]
}

# e2e_truth NODE T0 T1: the simulator's true energy of NODE (package + dram,
# every socket) between two realtime instants (seconds, decimals allowed),
# in joules with 3 decimals. Power is constant between two log lines, so
# linear interpolation is exact. The log trails the clock by up to raplsim's
# --log-ms (100 ms): a T1 just past is waited for, up to 5 s. Fails when
# the log does not cover both.
e2e_truth() {
	local _
	for _ in $(seq 50); do
		e2e_truth_once "$@" && return 0
		# 2: the log has not reached T1 yet
		[ $? -eq 2 ] || return 1
		sleep 0.1
	done
	return 1
}

e2e_truth_once() {
	awk -v t0="$2" -v t1="$3" '
		function at(t,   i, f) {
			for (i = 2; i <= n; i++)
				if (T[i] >= t && T[i - 1] <= t) {
					f = (t - T[i - 1]) / (T[i] - T[i - 1])
					return E[i - 1] + (E[i] - E[i - 1]) * f
				}
			return -1
		}
		/^#/ { next }
		{ n++; T[n] = $2; E[n] = $3 }
		END {
			a = at(t0)
			if (a < 0) exit 1
			if (T[n] < t1) exit 2
			b = at(t1)
			if (b < 0 || b < a) exit 1
			printf "%.3f\n", (b - a) / 1e6
		}' "$e2e_state/rapl/$1.truth"
}
