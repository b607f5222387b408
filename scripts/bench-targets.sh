#!/bin/sh
# Measures the performance targets of docs/BENCHMARKS.md with `relais bench`
# against a fresh release server on an embedded SQLite file (synchronous=FULL).
# Prints one JSON report per run; the document gives medians of the runs.
#
#   cargo build --release -p relais-server -p relais-client
#   scripts/bench-targets.sh [RUNS] [QUEUE_CASES] > results.jsonl
set -eu
runs=${1:-3}
queue_cases=${2:-1000000}
bin=${RELAIS_BIN:-target/release}
dir=$(mktemp -d)
port=${RELAIS_BENCH_PORT:-50151}
url=http://127.0.0.1:$port

# The per-account rate limit would cap the load, not the server.
RELAIS__LIMITS__REQUESTS_PER_SECOND=1000000 RELAIS__LIMITS__BURST=1000000 RUST_LOG=warn \
    "$bin/relais-server" --insecure-plaintext --listen "127.0.0.1:$port" \
    --database-url "sqlite://$dir/bench.db" > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do
    grep -q RELAIS_TOKEN "$dir/server.log" 2>/dev/null && break
    sleep 0.2
done
RELAIS_TOKEN=$(sed -n "s/.*RELAIS_TOKEN=['\"]\{0,1\}\([^'\" ]*\).*/\1/p" "$dir/server.log" | head -1)
export RELAIS_TOKEN
sleep 1
echo "{\"idle_rss_kib\": $(awk '/VmRSS/ {print $2}' /proc/$server/status)}"

bench() { "$bin/relais" --url "$url" --json bench --server-pid "$server" "$@" 2>/dev/null; }

for _ in $(seq 1 "$runs"); do
    bench health --duration 5s --warmup 1s
    bench submit --duration 5s --warmup 1s
done
for _ in $(seq 1 "$runs"); do bench get --duration 5s --warmup 1s; done
for _ in $(seq 1 "$runs"); do bench batch --rows 100000; done
for _ in $(seq 1 "$runs"); do bench watch --streams 1000 --count 200; done
# The queue target is a latency: one request at a time. Each run seeds a
# fund of its own with QUEUE_CASES cases through the API (minutes for a
# million), so the store holds RUNS times that many by the last run.
for _ in $(seq 1 "$runs"); do
    bench queue --cases "$queue_cases" --in-flight 1 --connections 1 --duration 20s --warmup 2s
done
