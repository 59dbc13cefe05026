#!/bin/bash
# slurmd's own polling (AcctGatherNodeFreq): with a poll interval longer than
# the shortest possible counter wrap period (max_energy_range_uj over the
# zones' maximum power), slurmd warns, naming AcctGatherNodeFreq; and the
# node's CurrentWatts, which slurmd reports to slurmctld, lies within the
# simulator's power range (2 packages at 60..250 W + 2 dram at 8..40 W).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

# raplsim's default ranges: 8 kJ per package, whose max_power_uw is 300 W,
# so a wrap can come every 8000 / 300 = 27 s or sooner (the plugin may allow
# a margin above max_power_uw): polling every 40 s must be warned about.
e2e_start --nodes 1 --energy powercap --rapl sim --node-freq 40

warned() {
	grep -q "error: .*acct_gather_energy/powercap.*AcctGatherNodeFreq" \
		"$e2e_state/log/slurmd-cn1.log"
}
if warned; then
	e2e_say "slurmd log: $(grep -h "AcctGatherNodeFreq" "$e2e_state/log/slurmd-cn1.log" | head -n1)"
else
	e2e_fail "no warning about AcctGatherNodeFreq=40 in the slurmd log"
fi

watts() { scontrol show node cn1 | sed -n 's/.*CurrentWatts=\([0-9]*\).*/\1/p'; }
polled() { w=$(watts); [ -n "$w" ] && [ "$w" -gt 0 ]; }
e2e_wait_for "CurrentWatts of cn1" 100 polled ||
	e2e_fail "cn1 reports no CurrentWatts after 100 s: '$(watts)'"
w=$(watts)
if [ -n "$w" ] && [ "$w" -ge 136 ] && [ "$w" -le 580 ]; then
	e2e_say "cn1 CurrentWatts=$w (simulated range 136..580 W)"
else
	e2e_fail "cn1 CurrentWatts='$w', outside the simulated 136..580 W"
fi
[ "$e2e_failed" -ne 0 ] || e2e_say "node polling warns about a long interval and reports plausible power"
