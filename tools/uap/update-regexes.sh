#!/usr/bin/env bash
# Refreshes Veil's embedded copy of uap-core's regexes.yaml (Apache-2.0) from the npm package pinned in
# package-lock.json. The server itself needs no npm: the copy is an embedded resource of Veil.Ingest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/../../src/Veil.Ingest/Enrichment/uap-regexes.yaml"
echo "uap: npm ci in $here" >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
source="$here/node_modules/uap-core/regexes.yaml"
version="$(node -p "require('$here/node_modules/uap-core/package.json').version")"
{
    echo "# regexes.yaml from uap-core $version (npm package uap-core, https://github.com/ua-parser/uap-core)."
    echo "# Copyright 2009 Google Inc. Licensed under the Apache License, Version 2.0 (the \"License\");"
    echo "# you may not use this file except in compliance with the License. You may obtain a copy of the"
    echo "# License at http://www.apache.org/licenses/LICENSE-2.0 (also in uap-regexes.LICENSE beside this file)."
    echo "# Unless required by applicable law or agreed to in writing, software distributed under the License"
    echo "# is distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express"
    echo "# or implied. See the License for the specific language governing permissions and limitations."
    echo "# Copied unmodified below this header by tools/uap/update-regexes.sh."
    cat "$source"
} > "$target"
cp "$here/node_modules/uap-core/LICENSE" "$(dirname "$target")/uap-regexes.LICENSE"
echo "uap: wrote $target" >&2
