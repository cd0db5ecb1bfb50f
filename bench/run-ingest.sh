#!/usr/bin/env bash
# Whole-server ingestion benchmark: builds Release, starts `veil serve` on a fresh data directory and a free
# loopback port, drives every ingestion wire format with bench/load, runs the DuckDB appender baseline on as
# many events, and writes bench/results/ingest-<date>.json plus a Markdown table on stdout.
#
# Usage: bench/run-ingest.sh [SECONDS_PER_RUN] [WARMUP_SECONDS]      (defaults 20 and 3)
# Env:   VEIL_BENCH_RUNS="import:8 import:32 ..."   override the list of format:connections runs
#        VEIL_BENCH_COUNTERS=1                      also record dotnet-counters (needs dotnet-counters on PATH)
# Traffic goes to 127.0.0.1 only; every run is bounded by its duration.
set -euo pipefail

DURATION="${1:-20}"
WARMUP="${2:-3}"
RUNS="${VEIL_BENCH_RUNS:-import:8 import:32 ndjson:8 native:8 track-batch:8 track-batch:32 track-get:8 track-get:32}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/lib/bench-server.sh
. "$ROOT/bench/lib/bench-server.sh"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
RESULT="$ROOT/bench/results/ingest-$STAMP.json"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/veil-bench.XXXXXX")"
SERVER_PID=""
SAMPLER_PID=""
COUNTERS_PID=""

cleanup() {
    local status=$?
    stop_pid "$COUNTERS_PID" 5
    stop_pid "$SAMPLER_PID" 2
    stop_pid "$SERVER_PID" 15
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
        echo "--- last lines of the server log ---" >&2
        tail -n 40 "$WORK/server.log" >&2 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run-ingest: $*" >&2; }

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
log "load average before the session: $LOAD_BEFORE (others' work on this machine skews the figures)"
build_veil "$ROOT"
# VEIL_SERVE_ARGS: extra `veil serve` options, e.g. "--store-memory-mb 256".
# shellcheck disable=SC2086
start_veil bench ${VEIL_SERVE_ARGS:-}

# Server RSS (KiB) and WAL size (bytes) once a second for the whole session: "memory stays flat", and how far the
# store writer falls behind the acknowledged events.
start_rss_sampler "$WORK/rss.txt"

if [ "${VEIL_BENCH_COUNTERS:-0}" = "1" ] && command -v dotnet-counters >/dev/null; then
    dotnet-counters collect -p "$SERVER_PID" --refresh-interval 1 --format csv -o "$WORK/counters.csv" \
        --counters System.Runtime,Microsoft.AspNetCore.Hosting,System.Net.Security >/dev/null 2>&1 &
    COUNTERS_PID=$!
fi

RESULTS=()
CATCH_UP=()
seed=0
for run in $RUNS; do
    format="${run%%:*}"
    connections="${run##*:}"
    seed=$((seed + 1))
    out="$WORK/run-$seed-$format-$connections.json"
    log "run $seed: $format, $connections connections, ${DURATION}s (+${WARMUP}s warm-up)"
    "${LOAD[@]}" --url "$URL" --ca "$CA" --token "$TOKEN" --secret "$SECRET" \
        --format "$format" --connections "$connections" --duration "${DURATION}s" --warmup "${WARMUP}s" \
        --seed "$seed" --label "$format-$connections" --server-pid "$SERVER_PID" --out "$out" </dev/null >/dev/null \
        || log "run $seed ended with an error (kept in the results)"
    [ -f "$out" ] && RESULTS+=("$out")
    # Let the store writer drain the WAL before the next run, so each run starts from the same state.
    idle_after="$(wait_for_idle)"
    log "server idle ${idle_after}s after the run"
    CATCH_UP+=(--catch-up "$format-$connections=$idle_after")
done
[ "${#RESULTS[@]}" -gt 0 ] || { log "no run produced a result"; exit 1; }

log "stopping the server"
stop_pid "$COUNTERS_PID" 5
COUNTERS_PID=""
stop_pid "$SERVER_PID" 30
SERVER_PID=""
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

# The baseline appends as many events as the largest run acknowledged, with the server stopped (same machine, no contention).
events="$(grep -h '"events_acked"' "${RESULTS[@]}" | tr -dc '0-9\n' | sort -n | tail -n 1)"
[ "${events:-0}" -gt 0 ] || events=1000000
# The baseline holds its events in memory: a soak acknowledges tens of millions, so cap it (a rate needs no more).
[ "$events" -le 2000000 ] || events=2000000
mkdir -p "$ROOT/bench/results"
# Keep the memory curve (epoch seconds, RSS KiB, WAL bytes; one line a second) beside the result, before anything can fail.
cp "$WORK/rss.txt" "${RESULT%.json}-rss.txt"
log "baseline: DuckDB appender, $events events"
"${LOAD[@]}" baseline --events "$events" --seed 1 --db "$WORK/baseline.duckdb" --out "$WORK/baseline.json" >/dev/null

mkdir -p "$ROOT/bench/results"
[ -f "$WORK/counters.csv" ] && cp "$WORK/counters.csv" "${RESULT%.json}-counters.csv"
"${LOAD[@]}" report --out "$RESULT" --baseline "$WORK/baseline.json" --rss "$WORK/rss.txt" \
    "${CATCH_UP[@]}" \
    --note "Load average (1/5/15 min) before the session: $LOAD_BEFORE." \
    --command "bench/run-ingest.sh $DURATION $WARMUP (runs: $RUNS; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))" \
    "${RESULTS[@]}"
log "results written to ${RESULT#"$ROOT"/}"
