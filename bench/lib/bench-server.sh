# Shared by bench/run-ingest.sh and bench/run-soak.sh (sourced, not run): build Veil and the load client, start
# `veil serve` on a fresh data directory and a free 127.0.0.1 port, sample its memory, wait for it to go idle.
# The caller defines log() and WORK (a temporary directory it removes) before calling these.

stop_pid() { # pid, seconds to wait after SIGTERM before SIGKILL
    local pid="$1" wait_s="$2"
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((wait_s * 10))); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# Sets VEIL and LOAD (commands as arrays).
build_veil() { # repository root
    log "building (Release)"
    dotnet build "$1/src/Veil" -c Release -nologo -v q -clp:ErrorsOnly
    dotnet build "$1/bench/load" -c Release -nologo -v q -clp:ErrorsOnly
    VEIL=(dotnet "$1/src/Veil/bin/Release/net10.0/linux-x64/veil.dll")
    LOAD=(dotnet "$1/bench/load/bin/Release/net10.0/linux-x64/veil-load.dll")
}

# Creates a key and a project under $WORK and starts the server; extra arguments go to `veil serve`.
# Sets DATA, TOKEN, SECRET, URL, CA and SERVER_PID; the server's output goes to $WORK/server.log.
start_veil() { # project name, extra serve arguments...
    local name="$1" key="$WORK/master.key" project_json port="" candidate
    shift
    DATA="$WORK/data"
    "${VEIL[@]}" keys generate --out "$key" >/dev/null
    project_json="$("${VEIL[@]}" project create "$name" --data "$DATA" --key-file "$key" --json)"
    TOKEN="$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$project_json")"
    SECRET="$(sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' <<<"$project_json")"
    [ -n "$TOKEN" ] && [ -n "$SECRET" ] || { log "could not read token/secret from: $project_json"; return 1; }
    # A free port: nothing answers a connect on it (bash's /dev/tcp, no extra tools).
    for _ in $(seq 50); do
        candidate=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
    done
    [ -n "$port" ] || { log "no free port found"; return 1; }
    URL="https://127.0.0.1:$port"
    log "starting veil serve on $URL (data in $WORK) $*"
    "${VEIL[@]}" serve --data "$DATA" --key-file "$key" --urls "$URL" --cert-dir "$WORK/tls" --quiet "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    CA="$WORK/tls/veil-selfsigned.crt"
    for _ in $(seq 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited during start-up"; return 1; }
        if [ -f "$CA" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "server did not come up within 30 s"
    return 1
}

# One line a second until the server exits: epoch, server RSS KiB, WAL directory bytes. Sets SAMPLER_PID.
start_rss_sampler() { # output file; lines of: unix seconds, RSS KiB, WAL bytes, anonymous RSS KiB, file-backed RSS KiB
    (
        while kill -0 "$SERVER_PID" 2>/dev/null; do
            # VmRSS, then its anonymous part (heaps, DuckDB's buffer pool) and its file-backed part (mapped files).
            mem="$(awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} END {if (r) print r, a + 0, f + 0}' "/proc/$SERVER_PID/status" 2>/dev/null || true)"
            wal="$(du -sb "$DATA/wal" 2>/dev/null | cut -f1 || true)"
            [ -n "$mem" ] && echo "$(date +%s) ${mem%% *} ${wal:-0} ${mem#* }"
            sleep 1
        done
    ) >"$1" &
    SAMPLER_PID=$!
}

server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0; }

# Waits until the server has used under 5% CPU for two seconds in a row (its store writer has caught up), at most
# 120 s, and prints how many seconds that took.
wait_for_idle() {
    local started previous now quiet=0
    started="$(date +%s)"
    previous="$(server_ticks)"
    while [ $(($(date +%s) - started)) -lt 120 ]; do
        sleep 1
        now="$(server_ticks)"
        if [ $((now - previous)) -le 5 ]; then
            quiet=$((quiet + 1))
            [ "$quiet" -ge 2 ] && break
        else
            quiet=0
        fi
        previous="$now"
    done
    echo $(($(date +%s) - started - quiet))
}
