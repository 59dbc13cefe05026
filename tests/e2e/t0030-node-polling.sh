#!/bin/bash
# e2e-seconds: 57 (alone, on CI; tests/e2e/run.sh starts the longest first)
# slurmd's own polling (AcctGatherNodeFreq): with a poll interval longer than
# the shortest possible counter wrap period (max_energy_range_uj over the
# zones' power ceiling), slurmd warns at start, naming AcctGatherNodeFreq.
# Every poll interval could then hide wraps, so from the first poll on the
# node's CurrentWatts is unknown (n/s), never a figure that may be wrong,
# and slurmd logs why. (Plausible CurrentWatts at a short interval: t0040,
# t0042.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_setup
e2e_need_plugin powercap
e2e_need_raplsim

# raplsim's default ranges: 8 kJ per package at a 600 W ceiling (twice its
# 300 W max_power_uw), 1 kJ per dram at 80 W: a wrap can come every 12.5 s,
# so polling every 40 s must be warned about.
e2e_start --nodes 1 --energy powercap --rapl sim --node-freq 40
log=$e2e_state/log/slurmd-cn1.log

if grep -q "error: .*acct_gather_energy/powercap.*AcctGatherNodeFreq" "$log"; then
	e2e_say "slurmd log: $(grep -h "AcctGatherNodeFreq" "$log" | head -n1 | sed 's/^\[[^]]*\] //')"
else
	e2e_fail "no warning about AcctGatherNodeFreq=40 in the slurmd log"
fi

broke() { grep -q "error: acct_gather_energy/powercap: .*wraps may be missing" "$log"; }
e2e_wait_for "slurmd's first node energy poll" 100 broke ||
	e2e_fail "slurmd logged no break in continuity after a 40 s poll interval"
watts() { scontrol show node cn1 | sed -n 's/.*CurrentWatts=\([0-9a-z/]*\).*/\1/p'; }
unknown() { [ "$(watts)" = n/s ]; }
if e2e_wait_for "CurrentWatts=n/s" 10 unknown; then
	e2e_say "cn1 CurrentWatts=n/s after a 40 s poll: $(grep -h "wraps may be missing" "$log" | head -n1 | sed 's/^\[[^]]*\] //' | cut -c1-160)..."
else
	e2e_fail "cn1 CurrentWatts='$(watts)' after a poll interval that could hide wraps"
fi
[ "$e2e_failed" -ne 0 ] || e2e_say "a poll interval that could miss wraps is warned about, and its power is unknown"
