#!/usr/bin/env bash
# Soak: builds Release, starts `veil serve` on a fresh data directory and a free loopback port, measures the peak
# durable rate of one wire format (a short flat-out veil-load run), then drives 70% of it on an open-loop schedule for
# 10 minutes while sampling the server's RSS, GC heap and WAL size every second. Writes
# bench/results/soak-<date>.json, the per-second samples (.tsv) and a plot (.png), and fails if memory keeps growing
# (least-squares slope of the floor of the server's anonymous RSS, the lowest of each minute, over the last half above
# the threshold). Anonymous memory is what the server allocates (GC heap, DuckDB's buffer pool, native buffers); the
# file-backed rest of RSS is mapped files (the dedup index's key runs: 8 bytes per event of the days in use), page
# cache the kernel drops under pressure, plotted and reported but not judged.
#
# Usage: bench/run-soak.sh [--short] [--duration S] [--rate EVENTS_PER_S] [--fraction F] [--format F]
#                          [--connections N] [--peak-seconds S] [--max-slope MIB_PER_MIN]
#   --short         try it: 60 s soak after an 8 s peak run
#   --duration      soak length in seconds (default 600)
#   --rate          fixed target rate; skips the peak run
#   --fraction      share of the measured peak to drive (default 0.7)
#   --format        veil-load format (default import): import | ndjson | native | track-batch | track-get
#   --max-slope     growth of the anonymous RSS floor (lowest of each minute) over the last half that fails the soak,
#                   MiB per minute (default 8)
#   --warmup        seconds at the soak rate before the measured soak (default 30; JIT and GC settle, not timed)
#   --store-memory-mb  the server's DuckDB memory limit (default 256, so the soak reaches that cap early and a
#                   slope in the last half means growth beyond every configured bound)
# Needs gnuplot (installed with apt-get if missing) for the PNG and dotnet-counters (installed into ~/.cache/veil-bench-tools with
# `dotnet tool install` if missing) for the GC heap; without them the soak still runs and says what it skipped.
# Traffic goes to 127.0.0.1 only; every run is bounded by its duration.
set -euo pipefail

DURATION=600
PEAK_SECONDS=20
RATE=""
FRACTION=0.7
FORMAT=import
CONNECTIONS=8
MAX_SLOPE=8
STORE_MEMORY=256
WARMUP=30
while [ $# -gt 0 ]; do
    case "$1" in
        --short) DURATION=60; PEAK_SECONDS=8; shift ;;
        --duration) DURATION="$2"; shift 2 ;;
        --rate) RATE="$2"; shift 2 ;;
        --fraction) FRACTION="$2"; shift 2 ;;
        --format) FORMAT="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --peak-seconds) PEAK_SECONDS="$2"; shift 2 ;;
        --max-slope) MAX_SLOPE="$2"; shift 2 ;;
        --store-memory-mb) STORE_MEMORY="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-soak: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/lib/bench-server.sh
. "$ROOT/bench/lib/bench-server.sh"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/soak-$STAMP"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/veil-soak.XXXXXX")"
SERVER_PID=""
SAMPLER_PID=""
COUNTERS_PID=""

log() { echo "run-soak: $*" >&2; }

cleanup() {
    local status=$?
    stop_pid "$COUNTERS_PID" 5
    stop_pid "$SAMPLER_PID" 2
    stop_pid "$SERVER_PID" 15
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
        echo "--- last lines of the server log ---" >&2
        tail -n 20 "$WORK/server.log" >&2 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools ----------------------------------------------------------------------------------------------------
if ! command -v gnuplot >/dev/null; then
    log "installing gnuplot-nox (apt) for the plot"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    { $SUDO apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq gnuplot-nox >/dev/null 2>&1; }; } \
        || log "gnuplot could not be installed: no PNG this time"
fi
COUNTERS=""
TOOLS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/veil-bench-tools"
if command -v dotnet-counters >/dev/null; then
    COUNTERS="dotnet-counters"
else
    [ -x "$TOOLS_DIR/dotnet-counters" ] || dotnet tool install dotnet-counters --tool-path "$TOOLS_DIR" >/dev/null 2>&1 || true
    [ -x "$TOOLS_DIR/dotnet-counters" ] && COUNTERS="$TOOLS_DIR/dotnet-counters"
fi
[ -n "$COUNTERS" ] || log "dotnet-counters unavailable: GC heap not sampled (RSS still is)"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
log "load average before: $LOAD_BEFORE (the machine's other work skews the figures)"
build_veil "$ROOT"

# ---- server ---------------------------------------------------------------------------------------------------
start_veil soak --store-memory-mb "$STORE_MEMORY"

load_run() { # label, out, extra args...
    local label="$1" out="$2"
    shift 2
    "${LOAD[@]}" --url "$URL" --ca "$CA" --token "$TOKEN" --secret "$SECRET" --format "$FORMAT" --connections "$CONNECTIONS" \
        --label "$label" --server-pid "$SERVER_PID" --out "$out" "$@" </dev/null >/dev/null
}
num_field() { grep -o "\"$1\": *[0-9.]*" "$2" | head -n 1 | sed 's/.*: *//'; }

# ---- peak ------------------------------------------------------------------------------------------------------
PEAK=""
if [ -z "$RATE" ]; then
    log "measuring the peak: $FORMAT flat out for ${PEAK_SECONDS}s with $CONNECTIONS connections"
    load_run "peak" "$WORK/peak.json" --duration "${PEAK_SECONDS}s" --warmup 2s --seed 1 || log "peak run ended with an error"
    PEAK="$(num_field events_per_s "$WORK/peak.json")"
    [ -n "$PEAK" ] || { log "no peak figure in the peak run's result"; exit 1; }
    RATE="$(awk -v p="$PEAK" -v f="$FRACTION" 'BEGIN { printf "%d", p * f }')"
    log "peak $PEAK events/s; soak rate $RATE events/s ($FRACTION of it)"
    wait_for_idle >/dev/null
fi

# ---- soak ------------------------------------------------------------------------------------------------------
# One line a second: epoch, server RSS KiB, WAL bytes.
start_rss_sampler "$WORK/rss.txt"
if [ -n "$COUNTERS" ]; then
    "$COUNTERS" collect -p "$SERVER_PID" --refresh-interval 1 --format csv -o "$WORK/counters.csv" --counters System.Runtime >/dev/null 2>&1 &
    COUNTERS_PID=$!
fi
SOAK_START="$(date +%s)"
log "soak: $FORMAT at $RATE events/s for ${DURATION}s"
load_run "soak" "$WORK/soak.json" --duration "${DURATION}s" --warmup "${WARMUP}s" --rate "$RATE" --seed 2 || log "soak run ended with an error (kept)"
SOAK_END="$(date +%s)"
# veil-load builds every request body before its clock starts: the soak proper begins after that.
PREPARE_S="$(num_field prepare_s "$WORK/soak.json" || true)"
SOAK_START=$((SOAK_START + $(printf '%.0f' "${PREPARE_S:-0}") + WARMUP))
sleep 2
stop_pid "$COUNTERS_PID" 5
COUNTERS_PID=""
stop_pid "$SAMPLER_PID" 2
SAMPLER_PID=""
stop_pid "$SERVER_PID" 30
SERVER_PID=""

# ---- analysis -------------------------------------------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
# GC heap per second: dotnet-counters' rows for the heap size after the last GC (one per generation, summed), keyed
# by epoch second. Older runtimes report one "GC Heap Size (MB)" row instead.
: >"$WORK/gc.txt"
if [ -f "$WORK/counters.csv" ]; then
    awk -F, '/last_collection\.heap\.size \(By\)/ { v = $NF + 0 } /GC Heap Size \(MB\)/ { v = ($NF + 0) * 1048576 }
             /last_collection\.heap\.size \(By\)|GC Heap Size \(MB\)/ { if (!($1 in sum)) order[n++] = $1; sum[$1] += v }
             END { for (i = 0; i < n; i++) print order[i] "," sum[order[i]] }' "$WORK/counters.csv" >"$WORK/gc-ts.csv" || true
    if [ -s "$WORK/gc-ts.csv" ]; then
        paste -d' ' <(cut -d, -f1 "$WORK/gc-ts.csv" | date -f - +%s) <(cut -d, -f2 "$WORK/gc-ts.csv") >"$WORK/gc.txt" || : >"$WORK/gc.txt"
    fi
fi
# Samples during the soak: seconds since its start, RSS MiB, GC heap MiB (- if unknown), WAL MiB, anonymous RSS MiB,
# file-backed RSS MiB.
awk -v s="$SOAK_START" -v e="$SOAK_END" -v gcfile="$WORK/gc.txt" '
    BEGIN { while ((getline line < gcfile) > 0) { split(line, f, " "); gc[f[1]] = f[2] / 1048576 } }
    { if ($1 < s || $1 > e) next
      heap = ($1 in gc) ? sprintf("%.1f", gc[$1]) : (($1 - 1) in gc) ? sprintf("%.1f", gc[$1 - 1]) : "-"
      printf "%d\t%.1f\t%s\t%.1f\t%.1f\t%.1f\n", $1 - s, $2 / 1024, heap, $3 / 1048576, $4 / 1024, $5 / 1024 }' "$WORK/rss.txt" >"$OUT.tsv"
[ -s "$OUT.tsv" ] || { log "no samples"; exit 1; }

# Least-squares slope (MiB per minute) over the second half of the soak of a memory column, and of its floor: the
# lowest value of each whole minute there. The store writer's cycle (WAL segments applied and freed, DuckDB
# checkpoints) makes RSS a saw-tooth of ~30 s whose raw slope depends on where the run stops; the floor is what stays
# allocated, and a leak raises it. The verdict uses the anonymous floor (at least three whole minutes needed); total
# RSS and its floor are reported beside it.
slopes() { # column
    awk -v c="$1" -v half="$((DURATION / 2))" -v dur="$DURATION" '
    function slope(n, sx, sy, sxx, sxy) { return (n > 1 && n * sxx - sx * sx != 0) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60 : 0 }
    { v = $c; if (NR == 1) first = v; if (v > max) max = v; last = v
      if ($1 >= half) { n++; sx += $1; sy += v; sxx += $1 * $1; sxy += $1 * v }
      m = int(($1 - half) / 60)
      if ($1 >= half && half + (m + 1) * 60 <= dur) { if (!(m in low) || v < low[m]) low[m] = v } }
    END { for (k in low) { fn++; x = half + k * 60 + 30; fx += x; fy += low[k]; fxx += x * x; fxy += x * low[k] }
          printf "%.2f %s %.0f %.0f %.0f\n", slope(n, sx, sy, sxx, sxy), (fn >= 3 ? sprintf("%.2f", slope(fn, fx, fy, fxx, fxy)) : "null"), first, max, last }' "$OUT.tsv"
}
read -r SLOPE FLOOR_SLOPE RSS_START RSS_MAX RSS_END <<<"$(slopes 2)"
read -r ANON_SLOPE ANON_FLOOR_SLOPE ANON_START ANON_MAX ANON_END <<<"$(slopes 5)"
read -r _ _ FILE_START FILE_MAX FILE_END <<<"$(slopes 6)"
GC_MAX="$(awk '$3 != "-" && $3 > m { m = $3 } END { printf "%.0f", m + 0 }' "$OUT.tsv")"
ACKED="$(num_field events_acked "$WORK/soak.json")"
ACHIEVED="$(num_field events_per_s "$WORK/soak.json")"
STATUSES="$(tr -d '\n' <"$WORK/soak.json" | grep -o '"status_counts": *{[^}]*}' | sed 's/"status_counts": *//; s/  */ /g' || true)"
[ -n "$STATUSES" ] || STATUSES='{}'
P99="$(grep -o '"p99": *[0-9.]*' "$WORK/soak.json" | head -n 1 | sed 's/.*: *//')"
VERDICT=pass
# Too short for three whole minutes in the second half: judge by the raw slope.
JUDGED="$ANON_FLOOR_SLOPE"; [ "$JUDGED" = null ] && JUDGED="$ANON_SLOPE"
awk -v s="$JUDGED" -v m="$MAX_SLOPE" 'BEGIN { exit !(s > m) }' && VERDICT=fail

if command -v gnuplot >/dev/null; then
    gnuplot <<GNUPLOT || log "gnuplot failed: no PNG"
set terminal pngcairo size 1100,560 noenhanced
set output "$OUT.png"
set title "Veil soak $STAMP UTC: $FORMAT at $RATE events/s for ${DURATION}s (anonymous RSS floor slope last half: $ANON_FLOOR_SLOPE MiB/min; $VERDICT)"
set xlabel "seconds"
set ylabel "MiB"
set grid
set key top left
set datafile missing "-"
plot "$OUT.tsv" using 1:2 with lines lw 2 title "server RSS", \
     "$OUT.tsv" using 1:5 with lines lw 2 title "anonymous RSS (judged)", \
     "$OUT.tsv" using 1:6 with lines lw 1 title "file-backed RSS (mapped key runs)", \
     "$OUT.tsv" using 1:3 with lines lw 2 title "GC heap", \
     "$OUT.tsv" using 1:4 with lines lw 1 title "WAL on disk"
GNUPLOT
fi

cat >"$OUT.json" <<JSON
{
  "command": "bench/run-soak.sh --duration $DURATION --format $FORMAT --connections $CONNECTIONS --fraction $FRACTION --rate $RATE --warmup $WARMUP --store-memory-mb $STORE_MEMORY",
  "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "format": "$FORMAT",
  "connections": $CONNECTIONS,
  "peak_events_per_s": ${PEAK:-null},
  "target_events_per_s": $RATE,
  "achieved_events_per_s": ${ACHIEVED:-null},
  "duration_s": $DURATION,
  "events_acked": ${ACKED:-null},
  "status_counts": $STATUSES,
  "latency_p99_ms": ${P99:-null},
  "rss_mib": { "start": $RSS_START, "max": $RSS_MAX, "end": $RSS_END },
  "gc_heap_max_mib": $GC_MAX,
  "rss_slope_last_half_mib_per_min": $SLOPE,
  "rss_floor_slope_last_half_mib_per_min": $FLOOR_SLOPE,
  "rss_anon_mib": { "start": $ANON_START, "max": $ANON_MAX, "end": $ANON_END },
  "rss_anon_slope_last_half_mib_per_min": $ANON_SLOPE,
  "rss_anon_floor_slope_last_half_mib_per_min": $ANON_FLOOR_SLOPE,
  "rss_file_mib": { "start": $FILE_START, "max": $FILE_MAX, "end": $FILE_END },
  "max_slope_mib_per_min": $MAX_SLOPE,
  "verdict": "$VERDICT",
  "load_average_before": "$LOAD_BEFORE",
  "cores": $(nproc)
}
JSON
log "RSS $RSS_START -> max $RSS_MAX -> $RSS_END MiB (floor slope over the last half $FLOOR_SLOPE, raw $SLOPE MiB/min); file-backed $FILE_START -> $FILE_END MiB; GC heap max $GC_MAX MiB"
log "anonymous RSS $ANON_START -> max $ANON_MAX -> $ANON_END MiB; slope over the last half: floor $ANON_FLOOR_SLOPE, raw $ANON_SLOPE MiB/min (limit $MAX_SLOPE on the floor)"
log "acked $ACKED events at ${ACHIEVED} events/s (target $RATE); statuses $STATUSES"
log "results: ${OUT#"$ROOT"/}.json, .tsv, .png"
[ "$VERDICT" = pass ] || { log "FAIL: memory kept growing"; exit 1; }
