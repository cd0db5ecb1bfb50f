#!/usr/bin/env bash
# Installs what the tests need (idempotent), builds, checks formatting and runs every test.
# Usage: ./test.sh [--filter EXPR]     (EXPR is a `dotnet test --filter` expression)
# Ends with a plain "N passed, N failed, N skipped" line computed from the TRX results and
# exits non-zero on any failure or when no test ran.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

FILTER=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --filter)
      [[ $# -ge 2 ]] || { echo "test.sh: --filter needs an expression" >&2; exit 2; }
      FILTER="$2"
      shift 2
      ;;
    --filter=*)
      FILTER="${1#--filter=}"
      shift
      ;;
    -h | --help)
      sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "test.sh: unknown option $1 (try --help)" >&2
      exit 2
      ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive
export VEIL_E2E_DIR="$ROOT/tests/e2e"

step() { printf '\n==> %s\n' "$*"; }

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO="sudo"
fi

APT_UPDATED=0
apt_update_once() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    echo "running apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}

# apt_install PKG...: installs the packages that are not installed yet. The package lists are
# refreshed (once per run) only when a package has no install candidate or the install fails
# (stale lists).
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "installing (apt): ${missing[*]}"
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    apt_update_once
  fi
  if ! $SUDO apt-get install -y -qq "${missing[@]}"; then
    [[ $APT_UPDATED -eq 1 ]] && return 1
    apt_update_once
    $SUDO apt-get install -y -qq "${missing[@]}"
  fi
}

install_browser() {
  if [[ -x /usr/bin/chromium ]]; then
    echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1 || true))"
  else
    apt_install chromium
  fi
}

# ---------------------------------------------------------------------------------------------
# install_services: database servers the tests start themselves (own ports, temp dirs).
# Later issues add them here, e.g. `apt_install clickhouse-server clickhouse-client` and
# `apt_install postgresql`. Tests start their own instances, so no service is enabled here.
# ---------------------------------------------------------------------------------------------
install_services() {
  : # nothing yet
}

install_node_deps() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  local lock="$VEIL_E2E_DIR/package-lock.json"
  local stamp="$VEIL_E2E_DIR/node_modules/.veil-lock-stamp"
  local want
  want="$(sha256sum "$lock" | cut -d' ' -f1) node-$(node --version)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "tests/e2e/node_modules: up to date"
  else
    echo "installing (npm ci): tests/e2e ($(node --version))"
    (cd "$VEIL_E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

# Sums the <Counters> of every TRX file: prints "passed failed skipped total".
trx_totals() {
  local dir="$1" passed=0 failed=0 skipped=0 total=0 counters file
  attr() {
    local v
    v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"
    echo "${v:-0}"
  }
  shopt -s nullglob
  for file in "$dir"/*.trx; do
    counters="$(grep -o '<Counters [^>]*>' "$file" | head -n1 || true)"
    [[ -z "$counters" ]] && continue
    total=$((total + $(attr total)))
    passed=$((passed + $(attr passed)))
    failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
    # xunit skips show up as total - executed, not in notExecuted.
    local not_run=$(($(attr total) - $(attr executed)))
    ((not_run < $(attr notExecuted))) && not_run=$(attr notExecuted)
    skipped=$((skipped + not_run))
  done
  shopt -u nullglob
  echo "$passed $failed $skipped $total"
}

step "System packages"
install_browser
install_services

step "Node packages for the end-to-end drivers"
install_node_deps

step "GeoIP database (DB-IP, npm)"
VEIL_GEOIP_DIR="$("$ROOT/tools/geoip/install.sh" | tail -n 1)"
export VEIL_GEOIP_DIR
echo "VEIL_GEOIP_DIR=$VEIL_GEOIP_DIR"

step "dotnet restore"
dotnet restore Veil.sln

step "dotnet build"
dotnet build Veil.sln -c Release --no-restore

step "dotnet format (verify)"
dotnet format Veil.sln --verify-no-changes --no-restore

step "dotnet test"
RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
test_args=(test Veil.sln -c Release --no-build --results-directory "$RESULTS"
  --logger "trx" --logger "console;verbosity=minimal")
if [[ -n "$FILTER" ]]; then
  test_args+=(--filter "$FILTER")
fi
test_rc=0
dotnet "${test_args[@]}" || test_rc=$?

read -r passed failed skipped total < <(trx_totals "$RESULTS")
echo
echo "$passed passed, $failed failed, $skipped skipped"
if [[ $test_rc -ne 0 ]]; then
  echo "dotnet test exited with $test_rc" >&2
  exit 1
fi
if [[ $failed -ne 0 ]]; then
  exit 1
fi
if [[ $((passed + failed)) -eq 0 ]]; then
  echo "no test ran" >&2
  exit 1
fi
