#!/bin/sh
# carbonsim's command line: exit codes, error messages naming file:line,
# outputs that parse (JSON, CSV, SVG), and hand-computed schedules and
# carbon checked through --jobs-csv.
#
# The binary: $1, else $CARBONSIM, else ../sched/carbonsim/carbonsim
# relative to the current directory (the tests/ build directory under
# `make check`).
set -u

bin=${1:-${CARBONSIM:-../sched/carbonsim/carbonsim}}
srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
if [ ! -x "$bin" ]; then
	echo "test_carbonsim: no carbonsim binary at $bin" >&2
	exit 99
fi
command -v python3 >/dev/null || { echo "test_carbonsim: needs python3" >&2; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_carbonsim.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '    %s\n' "$2"; }

# run NAME EXPECTED-EXIT ARGS...: stdout in out, stderr in err.
run() {
	name=$1 want=$2
	shift 2
	"$bin" "$@" >out 2>err
	rc=$?
	if [ $rc -eq "$want" ] && [ "$want" -eq 0 ] && [ -s err ]; then
		# Success is silent on stderr (this also catches sanitizer reports).
		not_ok "$name: exit 0 but stderr: $(head -1 err)" "$(head -5 err)"
	elif [ $rc -eq "$want" ]; then
		ok "$name: exit $want"
	else
		not_ok "$name: exit $rc, want $want" "$(head -3 err)"
	fi
}

# expect_err NAME PATTERN: stderr is one line matching the pattern.
expect_err() {
	if [ "$(wc -l <err)" -eq 1 ] && grep -q -- "$2" err; then
		ok "$1: message '$(cat err)'"
	else
		not_ok "$1: stderr does not match '$2'" "$(cat err)"
	fi
}

# check_schedule NAME CSV "id:start:end ...": the CSV holds these times.
check_schedule() {
	got=$(awk -F, 'NR > 1 { printf "%s%s:%s:%s", sep, $1, $3, $4; sep = " " }' "$2")
	if [ "$got" = "$3" ]; then
		ok "$1: schedule $got"
	else
		not_ok "$1: schedule" "got  $got; want $3"
	fi
}

# A 4-processor machine, 5 jobs (SWF: id submit wait runtime procs ...).
cat >tiny.swf <<'EOF'
; MaxProcs: 4
; hand-made: see test_carbonsim.sh for the expected schedules
1   0 -1 100 4 -1 -1 4 100 -1 1 1 -1 -1 -1 -1 -1 -1
2  10 -1  50 2 -1 -1 2  50 -1 1 1 -1 -1 -1 -1 -1 -1
3  20 -1  30 2 -1 -1 2  30 -1 1 1 -1 -1 -1 -1 -1 -1
4  30 -1  10 4 -1 -1 4  10 -1 1 1 -1 -1 -1 -1 -1 -1
5  40 -1   5 1 -1 -1 1   5 -1 1 1 -1 -1 -1 -1 -1 -1
EOF

# --- hand-computed schedules ---------------------------------------------
# FCFS, no backfilling: job 1 holds the machine until 100; jobs 2 and 3
# start at 100; job 4 (4 procs) waits for 150; job 5 queues behind it.
# FCFS, EASY: at 130 job 3 ends and 2 procs are free; the head (job 4)
# is reserved for 150 (job 2's end); job 5 (1 proc, 5 s) ends by 135 <=
# 150, so it is backfilled at 130 and job 4 still starts at 150.
# SPF, no backfilling: at 100 the order is 5 (5 s), 4 (10 s), 3, 2; job 5
# starts, job 4 needs 4 procs and waits for 105; jobs 3 and 2 at 115.
run "tiny schedules" 0 --policy fcfs,spf --backfill none,easy \
	--jobs-csv jobs.csv --json tiny.json tiny.swf
check_schedule "fcfs/none" jobs-fcfs-none.csv \
	"1:0:100 2:100:150 3:100:130 4:150:160 5:160:165"
check_schedule "fcfs/easy" jobs-fcfs-easy.csv \
	"1:0:100 2:100:150 3:100:130 4:150:160 5:130:135"
check_schedule "spf/none" jobs-spf-none.csv \
	"1:0:100 2:115:165 3:115:145 4:105:115 5:100:105"

# wait and bsld of fcfs/none: waits 0 90 80 120 120; bsld = max(1,
# (wait + runtime) / max(runtime, 10)): 1, 2.8, 3.6667, 13, 12.5.
got=$(awk -F, 'NR > 1 { printf "%s%s/%s", sep, $6, $7; sep = " " }' jobs-fcfs-none.csv)
want="0/1.0000 90/2.8000 80/3.6667 120/13.0000 120/12.5000"
if [ "$got" = "$want" ]; then ok "fcfs/none: wait/bsld $got"; else not_ok "fcfs/none: wait/bsld" "got $got; want $want"; fi

# The CSV header, in the documented order.
head -1 jobs-fcfs-none.csv >hdr
if [ "$(cat hdr)" = "id,submit,start,end,procs,wait,bsld,energy,co2e,site,eligible" ]; then
	ok "CSV columns"
else
	not_ok "CSV columns" "$(cat hdr)"
fi

# The JSON parses and holds the table's figures: AVEbsld of fcfs/none is
# (1 + 2.8 + 3.6667 + 13 + 12.5) / 5 = 6.5933, mean wait 410 / 5 = 82.
if python3 -m json.tool tiny.json >/dev/null 2>&1; then ok "JSON parses"; else not_ok "JSON parses"; fi
got=$(python3 -c '
import json, sys
d = json.load(open("tiny.json"))
r = [x for x in d["runs"] if x["policy"] == "fcfs" and x["backfill"] == "none"][0]
print("%d %.4f %.1f" % (len(d["runs"]), r["metrics"]["ave_bsld"], r["metrics"]["mean_wait_s"]))')
if [ "$got" = "4 6.5933 82.0" ]; then ok "JSON runs and metrics: $got"; else not_ok "JSON runs and metrics" "got '$got', want '4 6.5933 82.0'"; fi

# The table: one row per run, aligned under its header.
if [ "$(grep -c '^\(fcfs\|spf\) ' out)" -eq 4 ] && grep -q '^policy  backfill' out; then
	ok "table: 4 rows"
else
	not_ok "table: 4 rows" "$(cat out)"
fi

# The same trace gzip-compressed (detected from the content, not the name).
gzip -c tiny.swf >tiny.gz
run "gzip trace" 0 --jobs-csv gz.csv tiny.gz
check_schedule "gzip trace, fcfs/none" gz.csv \
	"1:0:100 2:100:150 3:100:130 4:150:160 5:160:165"

# --- what the scheduler believes: --runtime -------------------------------
# 2 processors, all jobs submitted at 0 (trace order breaks the ties):
# job 1 (1 proc) runs 50 s but requested 200 s; job 2 (2 procs, 100 s)
# is the head and waits; job 3 (1 proc, 100 s) fits now. EASY with actual
# runtimes: the head's shadow time is 50, job 3 would end at 100 > 50 and
# there are no extra processors, so it waits: 2 runs 50-150, 3 150-250.
# With requested times the shadow time is 200 (job 1's estimate): job 3
# is backfilled at 0; job 1 really ends at 50, job 2 starts when job 3
# ends at 100.
cat >est.swf <<'EOF'
; MaxProcs: 2
1 0 -1  50 1 -1 -1 1 200 -1 1 1 -1 -1 -1 -1 -1 -1
2 0 -1 100 2 -1 -1 2 100 -1 1 1 -1 -1 -1 -1 -1 -1
3 0 -1 100 1 -1 -1 1 100 -1 1 1 -1 -1 -1 -1 -1 -1
EOF
run "runtime actual" 0 --backfill easy --jobs-csv est-actual.csv est.swf
check_schedule "easy, actual runtimes" est-actual.csv "1:0:50 2:50:150 3:150:250"
run "runtime requested" 0 --backfill easy --runtime requested --jobs-csv est-req.csv est.swf
check_schedule "easy, requested times" est-req.csv "1:0:50 2:100:200 3:0:100"

# --- carbon, by hand --------------------------------------------------------
# Hourly intensity 300, 100, 200 g/kWh from 2020-01-01 00:00 UTC. One job
# of 1 processor for 1 h at 1000 W (PUE 1, idle 0 W) submitted at 00:30:
# 1 kWh over 00:30-01:30 = 0.5 * 300 + 0.5 * 100 = 200 g. With a maximum
# delay of 1 h the best 1-hour window starting in [00:30, 01:30] starts at
# 01:00 (100 g): the job is held 1800 s and 100 g (50 %) are saved.
cat >ci.csv <<'EOF'
Time,Carbon Intensity
2020-01-01 00:00:00,300
2020-01-01 01:00:00,100
2020-01-01 02:00:00,200
EOF
cat >one.swf <<'EOF'
; MaxProcs: 1
1 0 -1 3600 1 -1 -1 1 3600 -1 1 1 -1 -1 -1 -1 -1 -1
EOF
run "time shifting" 0 --carbon ci.csv --carbon-start 2020-01-01T00:30:00Z \
	--watts-busy 1000 --watts-idle 0 --pue 1 --max-delay 1h \
	--jobs-csv shift.csv --json shift.json --plot-tradeoff trade.svg \
	--plot-utilization util.svg one.swf
got=$(awk -F, 'NR == 2 { print $3 ":" $4 ":" $8 ":" $9 ":" $11 }' shift-fcfs-none-1h.csv)
if [ "$got" = "1800:5400:3600000.0:100.000:1800" ]; then ok "shifted job: start:end:J:g:eligible $got"; else not_ok "shifted job" "got $got, want 1800:5400:3600000.0:100.000:1800"; fi
got=$(awk -F, 'NR == 2 { print $3 ":" $9 }' shift-fcfs-none-base.csv)
if [ "$got" = "0:200.000" ]; then ok "baseline job: start:g $got"; else not_ok "baseline job" "got $got, want 0:200.000"; fi
got=$(python3 -c '
import json
d = json.load(open("shift.json"))
s = d["runs"][1]["saved"]
print("%.3f %.1f %.1f" % (s["co2e_kg"], s["percent"], s["added_mean_wait_s"]))')
if [ "$got" = "0.100 50.0 1800.0" ]; then ok "saved: kg % wait $got"; else not_ok "saved" "got '$got', want '0.100 50.0 1800.0'"; fi
for f in trade.svg util-fcfs-none-base.svg util-fcfs-none-1h.svg; do
	if python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$f" 2>/dev/null &&
		grep -q '</svg>' "$f"; then
		ok "$f is well-formed SVG"
	else
		not_ok "$f is well-formed SVG"
	fi
done

# --- space shifting, by hand ------------------------------------------------
# Two 1-processor sites, A at a constant 400 g/kWh and B at 100; two jobs
# of 1 processor for 1 h at 1000 W (1 kWh each: 400 g at A, 100 g at B).
# Baseline (carbon-unaware): job 1 goes to A (both start at once: the
# first site given), job 2 to B (A is busy): 400 + 100 = 500 g.
# Space shifting, an hour of wait free: job 1 to B; for job 2, B starts in
# 1 h (within --space-max-wait 1h) and is cleaner: B at 3600, 200 g in all.
# With --space-max-wait 30m, job 2 cannot wait for B: A, 500 g. With an
# hour of wait worth 400 g, B scores 100 + 400 > 400: A, 500 g.
printf 'Time,Carbon Intensity\n2020-01-01 00:00:00,400\n2020-01-01 01:00:00,400\n2020-01-01 02:00:00,400\n' >hi.csv
printf 'Time,Carbon Intensity\n2020-01-01 00:00:00,100\n2020-01-01 01:00:00,100\n2020-01-01 02:00:00,100\n' >lo.csv
cat >two.swf <<'EOF'
; MaxProcs: 1
1 0 -1 3600 1 -1 -1 1 3600 -1 1 1 -1 -1 -1 -1 -1 -1
2 0 -1 3600 1 -1 -1 1 3600 -1 1 1 -1 -1 -1 -1 -1 -1
EOF
space="--site A:1:hi.csv --site B:1:lo.csv --watts-busy 1000 --watts-idle 0 --pue 1"
# check_sites NAME CSV "id:site:start:co2e ..."
check_sites() {
	got=$(awk -F, 'NR > 1 { printf "%s%s:%s:%s:%s", sep, $1, $10, $3, $9; sep = " " }' "$2")
	if [ "$got" = "$3" ]; then ok "$1: $got"; else not_ok "$1" "got  $got; want $3"; fi
}
run "space shifting" 0 $space --jobs-csv sp.csv --json sp.json two.swf
check_sites "space baseline" sp-fcfs-none-base.csv "1:A:0:400.000 2:B:0:100.000"
check_sites "space shifted" sp-fcfs-none-0.csv "1:B:0:100.000 2:B:3600:100.000"
got=$(python3 -c '
import json
r = json.load(open("sp.json"))["runs"]
print("%.3f %.3f %.1f" % (r[0]["metrics"]["co2e_kg"], r[1]["metrics"]["co2e_kg"], r[1]["saved"]["percent"]),
      " ".join("%s:%d:%.3f" % (x["name"], x["jobs"], x["jobs_co2e_kg"]) for x in r[0]["sites"] + r[1]["sites"]))')
want="0.500 0.200 60.0 A:1:0.400 B:1:0.100 A:0:0.000 B:2:0.200"
if [ "$got" = "$want" ]; then ok "space: kg, saving, per site $got"; else not_ok "space: kg, saving, per site" "got '$got', want '$want'"; fi
run "space, short max wait" 0 $space --space-max-wait 30m --jobs-csv spw.csv two.swf
check_sites "space, max wait 30m" spw-fcfs-none-0.csv "1:B:0:100.000 2:A:0:400.000"
run "space, wait weight" 0 $space --space-wait-weight 400 --jobs-csv spg.csv two.swf
check_sites "space, 400 g per hour" spg-fcfs-none-0.csv "1:B:0:100.000 2:A:0:400.000"

# --- the SC17 windows: the parts add up to the whole -----------------------
# lublin_256 spans 89 days: 6 windows of 15 days, 16 warm-up jobs each.
run "windows" 0 --windows --policy f1 --backfill easy \
	--json win.json "$srcdir/data/lublin_256.swf"
got=$(python3 -c '
import json
r = json.load(open("win.json"))["runs"][0]
w = r["windows"]
m = r["metrics"]
mean = sum(x["ave_bsld"] for x in w) / len(w)
print(len(w), sum(x["jobs"] for x in w), m["jobs"],
      abs(sum(x["energy_mwh"] for x in w) - m["energy_mwh"]) < 1e-6,
      abs(mean - r["window_mean_ave_bsld"]) < 1e-6)')
if [ "$got" = "6 9904 9904 True True" ]; then ok "windows add up: $got"; else not_ok "windows add up" "got '$got', want '6 9904 9904 True True'"; fi

# A series with a 3 h hole in hourly samples: the site line says it was
# filled (one gap, samples at 03:00 and 04:00 interpolated).
printf 'Time,Carbon Intensity\n2020-01-01 00:00:00,100\n2020-01-01 01:00:00,100\n2020-01-01 02:00:00,100\n2020-01-01 05:00:00,400\n2020-01-01 06:00:00,400\n2020-01-01 07:00:00,400\n' >gap.csv
run "series with a gap" 0 --carbon gap.csv tiny.swf
if grep -q "1 gap(s) in the series, 2 sample(s) filled by linear interpolation" out; then ok "gap reported on the site line"; else not_ok "gap reported" "$(grep -A1 '^site' out)"; fi

# --- forecasts as researchers model them ---------------------------------------
# The nightly jobs of "Let's Wait Awhile" (Wiesner et al., Middleware 2021)
# on the 30-minute samples of their GB series, as their simulate.py reads
# it: with a window of +-30 min, 1 h and 2 h and a perfect forecast, the
# saving is their method's (3.07, 4.73 and 6.54 % of the jobs' carbon,
# computed independently below as their strategy.py chooses the start).
nightly=$srcdir/data/swf/test_carbonsim-nightly.swf
awk -F, 'NR == 1 || substr($1, 15, 2) ~ /^(00|30)$/' "$srcdir/data/gb_ci.csv" >gb30.csv
run "nightly windows" 0 --carbon gb30.csv --watts-busy 1000 --watts-idle 0 \
	--pue 1 --max-advance 30m,1h,2h --max-delay 30m,1h,2h --json lwa.json "$nightly"
got=$(python3 -c '
import csv, datetime, json
ci = [float(v) for t, v in list(csv.reader(open("gb30.csv")))[1:]
      if datetime.datetime.fromisoformat(t) >= datetime.datetime(2020, 1, 1)]
def mean(w):   # the first lowest forecast step within +-w of 01:00, daily
    return sum(ci[min(range(48 * d + 2 - w, 48 * d + 3 + w),
                      key=lambda k: (ci[k], k))] for d in range(365)) / 365
runs = json.load(open("lwa.json"))["runs"]
print(" ".join("%.2f/%.2f" % (100 * (1 - mean(w) / mean(0)),
               r["saved"]["percent"]) for w, r in zip((1, 2, 4), runs[1:])))')
if [ "$got" = "3.07/3.07 4.73/4.73 6.54/6.54" ]; then ok "nightly windows: the paper's method, saving % (model/carbonsim) $got"; else not_ok "nightly windows" "got '$got'"; fi
if grep -q -- "-2h+2h " out; then ok "nightly windows: labelled -2h+2h"; else not_ok "nightly windows: label" "$(cat out)"; fi

# Forecast errors: a repetition is a seed; the same seed gives the same
# figures, the table's mean and spread are those of the repetitions, and
# repetition k of seed S is the run of seed S + k alone.
run "forecast error, 4 repetitions" 0 --carbon gb30.csv --watts-idle 0 \
	--max-advance 2h --max-delay 2h --forecast-error 20% --repetitions 4 \
	--forecast-seed 3 --json e1.json "$nightly"
cp out e1.out
run "forecast error, again" 0 --carbon gb30.csv --watts-idle 0 \
	--max-advance 2h --max-delay 2h --forecast-error 0.2 --repetitions 4 \
	--forecast-seed 3 --json e2.json "$nightly"
if cmp -s e1.out out && cmp -s e1.json e2.json; then ok "forecast error: same seed, same output"; else not_ok "forecast error: not deterministic"; fi
run "forecast error, seed 4 alone" 0 --carbon gb30.csv --watts-idle 0 \
	--max-advance 2h --max-delay 2h --forecast-error 20% --repetitions 1 \
	--forecast-seed 4 --json e3.json "$nightly"
got=$(python3 -c '
import json, statistics
r = json.load(open("e1.json"))["runs"]
e, base = r[1]["forecast_error"], r[0]["metrics"]["co2e_kg"]
kg = e["co2e_kg"]
pct = [100 * (base - x) / base for x in kg]
one = json.load(open("e3.json"))["runs"][1]["forecast_error"]["co2e_kg"]
def near(a, b):   # the JSON has 10 significant digits
    return abs(a - b) <= 1e-8 * max(abs(a), abs(b))
print(e["repetitions"], e["first_seed"], len(set(kg)),
      near(statistics.mean(kg), e["co2e_kg_mean"]),
      near(statistics.mean(kg), r[1]["metrics"]["co2e_kg"]),
      near(statistics.stdev(kg), e["co2e_kg_sd"]),
      near(statistics.stdev(pct), e["saved_percent_sd"]),
      near(statistics.mean(pct), r[1]["saved"]["percent"]),
      one == kg[1:2])')
if [ "$got" = "4 3 4 True True True True True True" ]; then ok "forecast error: mean and spread of 4 repetitions, seed 3 + 1 = seed 4"; else not_ok "forecast error: mean and spread" "got '$got'"; fi
if grep -q "^forecast  error: Gaussian noise of sd 20% of each series' mean; 4 repetitions, seeds 3..6" e1.out && head -8 e1.out | grep -q "sd saved %"; then ok "forecast error: header and spread columns"; else not_ok "forecast error: header" "$(cat e1.out)"; fi
run "forecast error without shifting" 2 --carbon gb30.csv --forecast-error 5% "$nightly"
expect_err "forecast error without shifting" "needs time or space shifting"

# --- errors -------------------------------------------------------------------
printf '; MaxProcs: 4\n1 0 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 -1 -1 -1 -1\n2 5 -1 10\n' >bad.swf
run "malformed line" 1 bad.swf
expect_err "malformed line" "bad.swf:3"
run "lenient" 0 --lenient bad.swf
if grep -q "1 malformed skipped" out; then ok "lenient: counts 1 skipped line"; else not_ok "lenient: count" "$(head -1 out)"; fi
run "missing trace" 1 nosuch.swf
expect_err "missing trace" "nosuch.swf"
run "bad series" 1 --carbon bad.swf tiny.swf
expect_err "bad series" "bad.swf"
run "unknown policy" 2 --policy fcfs,xyz tiny.swf
expect_err "unknown policy" "--policy: unknown policy 'xyz'"
run "bad delay" 2 --carbon ci.csv --max-delay 6q tiny.swf
expect_err "bad delay" "--max-delay: '6q'"
run "delay without carbon" 2 --max-delay 6h tiny.swf
expect_err "delay without carbon" "needs a carbon intensity series"
run "bad site" 2 --site ES:x:ci.csv tiny.swf
expect_err "bad site" "PROCS must be a positive integer"
run "bad time" 2 --carbon ci.csv --carbon-start 2020-02-30 tiny.swf
expect_err "bad time" "--carbon-start"
run "no trace" 2
expect_err "no trace" "no trace given"
run "job wider than every site" 1 --site A:2:ci.csv --site B:2:ci.csv tiny.swf
expect_err "job wider than every site" "tiny.swf"
run "help" 0 --help
grep -q '^Usage: carbonsim' out && ok "help: usage" || not_ok "help: usage"
run "version" 0 --version
grep -q '^carbonsim (slurm-carbon) ' out && ok "version" || not_ok "version" "$(cat out)"

# No half-written output: a failing CSV leaves no JSON and no temp file.
run "unwritable output" 1 --json all.json --jobs-csv nodir/jobs.csv tiny.swf
expect_err "unwritable output" "nodir/jobs.csv"
if [ ! -e all.json ] && [ -z "$(ls | grep '\.tmp')" ]; then
	ok "unwritable output: no partial files"
else
	not_ok "unwritable output: partial files" "$(ls)"
fi

echo "test_carbonsim: $passed passed, $failed failed"
[ $failed -eq 0 ]
