#!/usr/bin/env bash
# make bench: is the harness ever the bottleneck, and how fast is the reference implementation?
#
#   (a) `edgeconform load` at max rate against the reference implementation (a separate process)
#   (b) `vegeta attack` at max rate with a static, pre-signed target list against the same server
#       → ratio a/b (aim ≥ 0.95, medians); both save their raw results, as vegeta always does;
#       client CPU per call at a fixed rate (aim: load's no more than vegeta's)
#   (c) the reference implementation with signature checks + throttle vs a bare net/http handler,
#       same run (mock's BenchmarkMockVsBare) → ratio (aim ≥ 0.7)
#   (d) the reference implementation's p99 latency at half its max rate
#   (e) the harness's cost per request: signing (targeter) and result handling
#   (f) the reference implementation's memory held per call (the nonce window: BenchmarkMemoryPerCall)
#       and the stopped-job setups per second its state endpoint serves (load --mix start pools)
#   (g) the reference implementation's resident memory per call, as a user sees it: RSS growth of a
#       fresh `edgeconform mock` over MEM_CALLS calls (150,000) at MEM_RATE (5,000/s) (aim ≤ 100 B)
#   (h) the throttle scenario's verdict time at the spec's limit (6000/1m) against the reference
#       implementation, set-up included (BenchmarkThrottleVerdict; about 90 s; BENCH_THROTTLE=0 skips it)
#
# Rounds alternate the order of a and b and keep each one's best, so a noisy neighbour hurts both
# alike; the client CPU per request (summed over the rounds) is printed beside, being steadier.
# Bounded: about 4 minutes with the defaults (plus builds). Knobs: BENCH_DURATION, BENCH_ROUNDS,
# BENCH_WORKERS, BENCH_ACCOUNTS, BENCH_FIXED_ROUNDS, MEM_CALLS, MEM_RATE, VEGETA, BENCH_THROTTLE. The machine's load average is printed
# beside every figure: on a shared machine the figures move with it.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${BENCH_DURATION:-2s}
ROUNDS=${BENCH_ROUNDS:-8}
WORKERS=${BENCH_WORKERS:-32}
ACCOUNTS=${BENCH_ACCOUNTS:-40}
FIXED_ROUNDS=${BENCH_FIXED_ROUNDS:-4}
MEM_CALLS=${MEM_CALLS:-150000}
MEM_RATE=${MEM_RATE:-5000}
GO=${GO:-go}

command -v jq >/dev/null || { echo "bench: needs jq" >&2; exit 2; }

tmp=$(mktemp -d)
mock_pid=""
cleanup() {
	if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== building edgeconform and vegeta (the version go.mod requires, as its own module)"
"$GO" build -o "$tmp/edgeconform" ./cmd/edgeconform
ec="$tmp/edgeconform"
# The vegeta command is installed with its own go.mod (go install pkg@version): this module
# requires only vegeta's library, so building the command against our tidied go.mod fails.
# VEGETA=/path/to/vegeta uses a binary of your own instead.
vegeta=${VEGETA:-$tmp/vegeta}
if [ -z "${VEGETA:-}" ]; then
	vv=$("$GO" list -m -f '{{.Version}}' github.com/tsenart/vegeta/v12)
	if ! GOBIN="$tmp" GOFLAGS= "$GO" install "github.com/tsenart/vegeta/v12@$vv"; then
		echo "bench: cannot install the vegeta command ($vv); give one as VEGETA=/path/to/vegeta" >&2
		exit 3
	fi
fi

# start_mock serves the reference implementation (default world and throttle) on free loopback
# ports, a separate process as a real target would be; sets api and admin.
start_mock() {
	"$ec" mock --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$tmp/mock.out" 2>&1 &
	mock_pid=$!
	for _ in $(seq 100); do
		grep -q '^admin: ' "$tmp/mock.out" 2>/dev/null && break
		sleep 0.1
	done
	api=$(sed -n 's/^api: //p' "$tmp/mock.out")
	admin=$(sed -n 's/^admin: //p' "$tmp/mock.out")
	[ -n "$api" ] && [ -n "$admin" ] || { echo "bench: the mock did not start:" >&2; cat "$tmp/mock.out" >&2; exit 3; }
}
stop_mock() {
	kill "$mock_pid" 2>/dev/null || true
	wait "$mock_pid" 2>/dev/null || true
	mock_pid=""
}
start_mock
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime; }
echo "== reference implementation at $api (admin $admin); $(nproc) CPUs; rounds of $DURATION, $WORKERS workers, $ACCOUNTS accounts"
echo "   load average before: $(loadavg) (client and server share these CPUs: a busy machine lowers every figure)"

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
secs() { awk -v d="$1" 'BEGIN { sub(/s$/, "", d); print d }'; }

best_a=0
best_b=0
# Client CPU (user + sys) per request, summed over the runs: steadier than rates on a busy
# machine. (a) includes its process start and account set-up; (b) without loading its target list.
TIMEFORMAT='%U %S'
cpu_a=0 cpu_b=0 reqs_a=0 reqs_b=0
all_rates="" rates_a="" rates_b=""
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# (a) the harness at rate $1 (0: max): fresh accounts, a freshly signed call each time, raw
# results saved. Sets rate_a, failed_a, last_cpu (without its start-up: process start, account
# set-up, as vegeta's loading of its list is taken off in run_b), gross_cpu (with it), last_reqs;
# the report is $tmp/a.json.
run_a() {
	local workers=()
	[ "$1" = 0 ] && workers=(--max-workers "$WORKERS")
	{ time "$ec" load --target "$api" --state-url "$admin" --rate "$1" --duration "$DURATION" \
		"${workers[@]}" --accounts "$ACCOUNTS" --progress none \
		--json "$tmp/a.json" --output "$tmp/a.bin" >/dev/null 2>"$tmp/a.err" || { cat "$tmp/a.err" >&2; exit 3; }; } 2>"$tmp/a.time"
	rate_a=$(jq -r '.rate' "$tmp/a.json")
	failed_a=$(jq -r '.failed' "$tmp/a.json")
	last_reqs=$(jq -r '.requests' "$tmp/a.json")
	# What starting costs load (a run of one call: the same process start and account set-up) is
	# not per-request work either: take it off, as for vegeta.
	{ time "$ec" load --target "$api" --state-url "$admin" --rate 1 --duration 1ms --accounts "$ACCOUNTS" --progress none \
		--json "$tmp/a0.json" --output "$tmp/a0.bin" >/dev/null 2>"$tmp/a.err" || { cat "$tmp/a.err" >&2; exit 3; }; } 2>"$tmp/a0.time"
	gross_cpu=$(awk '{ print $1 + $2 }' "$tmp/a.time")
	last_cpu=$(awk 'NR == FNR { start = $1 + $2; next } { print $1 + $2 - start }' "$tmp/a0.time" "$tmp/a.time")
}

# emit_targets signs $1 targets beforehand for run_b.
emit_targets() {
	n=$1
	"$ec" load --target "$api" --state-url "$admin" --accounts "$ACCOUNTS" \
		--emit-targets "$n" --output "$tmp/targets.json" 2>"$tmp/emit.err" || { cat "$tmp/emit.err" >&2; exit 3; }
}

# (b) vegeta at rate $1 (0: max) with the static list of emit_targets. Sets rate_b, last_cpu
# (without loading the list), last_reqs.
run_b() {
	local workers=()
	[ "$1" = 0 ] && workers=(-max-workers="$WORKERS")
	{ time "$vegeta" attack -format=json -targets="$tmp/targets.json" -rate="$1" "${workers[@]}" \
		-duration="$DURATION" -output "$tmp/b.bin"; } 2>"$tmp/b.time"
	"$vegeta" report -type=json "$tmp/b.bin" >"$tmp/b.json"
	rate_b=$(jq -r '.rate' "$tmp/b.json")
	last_reqs=$(jq -r '.requests' "$tmp/b.json")
	# What loading the list costs vegeta (an attack of one call) is not per-request work: take it off.
	{ time "$vegeta" attack -format=json -targets="$tmp/targets.json" -rate=1 -duration=1ms -output /dev/null; } 2>"$tmp/b0.time"
	last_cpu=$(awk 'NR == FNR { load = $1 + $2; next } { print $1 + $2 - load }' "$tmp/b0.time" "$tmp/b.time")
	other_b=$(jq -r '[.status_codes | to_entries[] | select(.key != "200" and .key != "403") | .value] | add // 0' "$tmp/b.json")
	if [ "$last_reqs" -ge "$n" ] || [ "$other_b" -gt 0 ]; then
		echo "bench: vegeta's list ran out or was refused ($last_reqs sent of $n, $other_b not 200/403)" >&2
	fi
}

for round in $(seq "$ROUNDS"); do
	# Enough pre-signed targets that none is sent twice (a nonce used again would be refused
	# early and flatter the server), sized on the best rate seen so far.
	seen=$(best "$best_a" "$best_b")
	emit_targets "$(awk -v r="$seen" -v d="$(secs "$DURATION")" 'BEGIN { if (r == 0) r = 20000; printf "%d", r * d * 1.6 + 10000 }')"
	# Alternate which goes first, so that neither always meets the server warmer or more loaded.
	if [ $((round % 2)) -eq 1 ]; then
		run_a 0; cpu_a=$(awk -v t="$cpu_a" -v c="$last_cpu" 'BEGIN { print t + c }'); reqs_a=$((reqs_a + last_reqs))
		run_b 0; cpu_b=$(awk -v t="$cpu_b" -v c="$last_cpu" 'BEGIN { print t + c }'); reqs_b=$((reqs_b + last_reqs))
		order="a, b"
	else
		run_b 0; cpu_b=$(awk -v t="$cpu_b" -v c="$last_cpu" 'BEGIN { print t + c }'); reqs_b=$((reqs_b + last_reqs))
		run_a 0; cpu_a=$(awk -v t="$cpu_a" -v c="$last_cpu" 'BEGIN { print t + c }'); reqs_a=$((reqs_a + last_reqs))
		order="b, a"
	fi
	printf "   round %d (%s): (a) edgeconform load %9.1f/s (failed %s)   (b) vegeta attack %9.1f/s   [load average %s]\n" "$round" "$order" "$rate_a" "$failed_a" "$rate_b" "$(loadavg)"
	best_a=$(best "$best_a" "$rate_a")
	best_b=$(best "$best_b" "$rate_b")
	all_rates="$all_rates $rate_a $rate_b"
	rates_a="$rates_a $rate_a"
	rates_b="$rates_b $rate_b"
done
rm -f "$tmp/targets.json" "$tmp/a.bin" "$tmp/b.bin"

# (d) p99 at half the max rate: the median of every max-rate run above (a lucky best would put
# "half" near saturation on a busy machine).
max_rate=$(median $all_rates)
half=$(awk -v r="$max_rate" 'BEGIN { printf "%d", r / 2 }')
# A fresh server: not the one holding the rounds' nonces and accounts.
stop_mock
start_mock
run_a "$half"
cp "$tmp/a.json" "$tmp/d.json"
p99_d=$(jq -r '.latency_ms.p99' "$tmp/d.json")
p50_d=$(jq -r '.latency_ms.p50' "$tmp/d.json")
rate_d=$(jq -r '.rate' "$tmp/d.json")
load_d="$(loadavg)"
# The clients' CPU per request at that same fixed rate, where neither is starved (on a quiet
# machine), on the same fresh server: interleaved rounds (vegeta first in odd rounds, load first
# in even ones), each run's CPU per call kept, the medians compared: one run disturbed by other
# work on the machine moves a sum, not a median.
n_half=$(awk -v r="$half" -v d="$(secs "$DURATION")" 'BEGIN { printf "%d", r * d * 1.2 + 5000 }')
per_call() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.1f", n ? c / n * 1e6 : 0 }'; }
fixed_a="" fixed_b="" gross_a=""
fixed_b_run() { emit_targets "$n_half"; run_b "$half"; fixed_b="$fixed_b $(per_call "$last_cpu" "$last_reqs")"; }
fixed_a_run() { run_a "$half"; fixed_a="$fixed_a $(per_call "$last_cpu" "$last_reqs")"; gross_a="$gross_a $(per_call "$gross_cpu" "$last_reqs")"; }
for round in $(seq "$FIXED_ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then fixed_b_run; fixed_a_run; else fixed_a_run; fixed_b_run; fi
done
load_fixed="$(loadavg)"
stop_mock

# (g) resident memory per call, as a user sees it: a fresh `edgeconform mock`, MEM_CALLS calls at
# MEM_RATE (each with a fresh nonce, which the server must keep for the 15-minute window), its
# VmRSS before the first call and after the last (/proc/PID/status).
start_mock
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$mock_pid/status"; }
rss0=$(rss_kb)
mem_secs=$(awk -v n="$MEM_CALLS" -v r="$MEM_RATE" 'BEGIN { printf "%.3f", n / r }')
"$ec" load --target "$api" --state-url "$admin" --rate "$MEM_RATE" --duration "${mem_secs}s" --accounts "$ACCOUNTS" \
	--max-workers 64 --progress none --json "$tmp/g.json" >/dev/null 2>"$tmp/g.err" || { cat "$tmp/g.err" >&2; exit 3; }
rss1=$(rss_kb)
calls_g=$(jq -r '.requests' "$tmp/g.json")
rate_g=$(jq -r '.rate' "$tmp/g.json")
load_g="$(loadavg)"
stop_mock

# (c) the mock's own benchmark: the reference implementation beside a bare handler, same run.
echo "== (c) go test -bench BenchmarkMockVsBare ./internal/mock"
"$GO" test -run '^$' -bench 'BenchmarkMockVsBare' -benchtime 30000x -count 3 ./internal/mock | tee "$tmp/c.txt" | grep '^Benchmark' || true
# The median of the three runs' ratios.
load_c="$(loadavg)"
ratio_c=$(awk '/^BenchmarkMockVsBare/ { for (i = 2; i < NF; i++) if ($(i+1) == "mock/bare") print $i }' "$tmp/c.txt" | sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "n/a") }')

# (e) the harness's cost per request.
echo "== (e) go test -bench 'Targeter|ResultHandling|Classify' ./internal/attack ./internal/loadrun"
"$GO" test -run '^$' -bench 'BenchmarkTargeter|BenchmarkResultHandling|BenchmarkClassify' -benchtime 100000x ./internal/attack ./internal/loadrun | tee "$tmp/e.txt" | grep '^Benchmark' || true
load_e="$(loadavg)"
ns() { awk -v name="$1" '$1 ~ name { print $3; exit }' "$tmp/e.txt"; }

# (f) memory per call and state-endpoint starts per second.
echo "== (f) go test -bench 'MemoryPerCall|AdminStarts' ./internal/mock"
"$GO" test -run '^$' -bench 'BenchmarkMemoryPerCall' -benchtime 1x ./internal/mock | tee "$tmp/f.txt" | grep '^Benchmark' || true
"$GO" test -run '^$' -bench 'BenchmarkAdminStarts' -benchtime 20000x ./internal/mock | tee -a "$tmp/f.txt" | grep '^Benchmark' || true
load_f="$(loadavg)"
metric() { awk -v name="$1" -v unit="$2" '$1 ~ name { for (i = 2; i < NF; i++) if ($(i+1) == unit) { print $i; exit } }' "$tmp/f.txt"; }

# (h) the throttle verdict at 6000/1m.
if [ "${BENCH_THROTTLE:-1}" != 0 ]; then
	echo "== (h) go test -bench BenchmarkThrottleVerdict ./internal/throttle (6000/1m, about 90 s)"
	"$GO" test -run '^$' -bench 'BenchmarkThrottleVerdict' -benchtime 1x -timeout 10m ./internal/throttle | tee "$tmp/h.txt" | grep -E '^Benchmark|against the reference' || true
fi
gmetric() { [ -f "$tmp/h.txt" ] && awk -v unit="$1" '/^BenchmarkThrottleVerdict/ { for (i = 2; i < NF; i++) if ($(i+1) == unit) { print $i; exit } }' "$tmp/h.txt"; }

echo
echo "== results (load average after: $(loadavg))"
printf "(a) edgeconform load, max rate:                 %10.1f req/s (best of %d)\n" "$best_a" "$ROUNDS"
printf "(b) vegeta attack, static pre-signed targets:   %10.1f req/s (best of %d)\n" "$best_b" "$ROUNDS"
med_a=$(median $rates_a)
med_b=$(median $rates_b)
printf "    ratio load/vegeta:                          %10s   (best against best)\n" "$(ratio "$best_a" "$best_b")"
printf "    medians: load %.1f/s, vegeta %.1f/s; ratio  %10s   (aim >= 0.95)\n" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")"
us_a=$(awk -v c="$cpu_a" -v n="$reqs_a" 'BEGIN { printf "%.1f", n ? c / n * 1e6 : 0 }')
us_b=$(awk -v c="$cpu_b" -v n="$reqs_b" 'BEGIN { printf "%.1f", n ? c / n * 1e6 : 0 }')
printf "    client CPU per request at max rate:   load %6s µs, vegeta %6s µs; vegeta/load %s\n" "$us_a" "$us_b" "$(ratio "$us_b" "$us_a")"
fus_a=$(median $fixed_a)
fus_b=$(median $fixed_b)
printf "    client CPU per request at %d/s:     load %6s µs, vegeta %6s µs; vegeta/load %s (aim >= 1: load is no costlier; medians of %d runs each) [load average %s]\n" "$half" "$fus_a" "$fus_b" "$(ratio "$fus_b" "$fus_a")" "$FIXED_ROUNDS" "$load_fixed"
printf "      (each run, µs: load%s; vegeta%s; load with its start-up, process and %d accounts:%s; vegeta's list was signed beforehand, not counted)\n" "$fixed_a" "$fixed_b" "$ACCOUNTS" "$gross_a"
printf "(c) reference implementation / bare handler:    %10s   (aim >= 0.7; median of 3) [load average %s]\n" "$ratio_c" "$load_c"
printf "(d) reference implementation p99 at %d/s:     %10s ms (p50 %s ms; rate reached %.1f/s; half the median max rate %.1f/s) [load average %s]\n" "$half" "$p99_d" "$p50_d" "$rate_d" "$max_rate" "$load_d"
printf "(e) signing per request (V1):                   %10s ns [load average %s]\n" "$(ns 'BenchmarkTargeter/v1')" "$load_e"
printf "    signing per request (V3):                   %10s ns\n" "$(ns 'BenchmarkTargeter/v3')"
printf "    result handling per request:                %10s ns (%s ns saving raw results too)\n" "$(ns 'BenchmarkResultHandling/summary-')" "$(ns 'BenchmarkResultHandling/summary\\+save')"
printf "(f) reference implementation heap per call:     %10s B (heap and mapped tables, held for the 15-minute nonce window) [load average %s]\n" "$(metric BenchmarkMemoryPerCall B/call)" "$load_f"
printf "    state endpoint stopped-job setups:          %10s /s (batches of 100 over loopback; load --mix needs 1,000/s)\n" "$(metric BenchmarkAdminStarts starts/s)"
rss_per=$(awk -v a="$rss0" -v b="$rss1" -v n="$calls_g" 'BEGIN { printf "%.1f", n ? (b - a) * 1024 / n : 0 }')
printf "(g) reference implementation resident memory per call: %s B (aim <= 100; RSS %d -> %d kB over %d calls at %.1f/s, a fresh server) [load average %s]\n" "$rss_per" "$rss0" "$rss1" "$calls_g" "$rate_g" "$load_g"
if [ -f "$tmp/h.txt" ]; then
	printf "(h) throttle verdict at 6000/1m, reference:     %10s s (%s windows, set-up included; aim <= 100 s)\n" "$(gmetric verdict-s)" "$(gmetric windows)"
fi
