#!/usr/bin/env bash
# End-to-end test of editors/vscode in a real VS Code: code-server (VS Code
# 1.100 in a browser, from the npm registry) driven by Debian's chromium
# through playwright-core. It installs the packaged extension, opens a
# .infra file with an error, and checks that the language is recognised,
# that infrac's diagnostics reach the Problems panel, and that hover and
# completion come from the server.
#
# Not part of scripts/test-all: the first run installs ~700 MB and takes
# about 4 minutes (code-server builds native modules). Later runs reuse
# the install. Needs root (apt) or the packages already installed.
#
#   editors/vscode/e2e/run.sh            # uses target/debug/infrac
#   INFRAC=/path/to/infrac editors/vscode/e2e/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
infrac=${INFRAC:-$repo/target/debug/infrac}
W=${INFRAC_VSCODE_E2E_DIR:-${TMPDIR:-/tmp}/infrac-vscode-e2e}
port=${PORT:-8765}
[ -x "$infrac" ] || { echo "no infrac binary at $infrac (cargo build first, or set INFRAC)" >&2; exit 2; }

missing=()
for p in libkrb5-dev ripgrep chromium; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$W/tmp/vscode-ripgrep-cache-1.15.11" "$W/rg" "$W/home" "$W/ud/User" "$W/ext" "$W/ws" "$W/out"
if [ ! -x "$W/cs/node_modules/.bin/code-server" ]; then
  echo "==> installing code-server and playwright-core (first run: a few minutes)"
  cp /usr/bin/rg "$W/rg/rg"
  tar -czf "$W/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$W/rg" rg
  mkdir -p "$W/cs" && (cd "$W/cs" && npm init -y >/dev/null &&
    npm_config_nodedir=/usr npm_config_yes=true TMPDIR="$W/tmp" \
      npm install --no-audit --no-fund --unsafe-perm code-server@4.100.3 playwright-core >/dev/null)
fi

echo "==> packaging the extension"
(cd "$repo/editors/vscode" && npm ci --no-audit --no-fund >/dev/null && npm run compile >/dev/null &&
  npx vsce package --allow-missing-repository -o "$W/infrac.vsix" >/dev/null)

export HOME="$W/home"
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'
cat > "$W/ws/site.infra" <<'INFRA'
use std::files

group web = [local()]

stage s on web {
  let f = facts.file("/etc/hosts")
  files.directroy("/tmp/x")
}
INFRA

cs=("$W/cs/node_modules/.bin/code-server" --user-data-dir "$W/ud" --extensions-dir "$W/ext")
"${cs[@]}" --install-extension "$W/infrac.vsix" --force >/dev/null

# Runs the scenario in MODE ("full", or "missing": infrac.path set to a
# binary that does not exist) against a fresh code-server.
scenario() {
  local mode=$1 path=$2
  cat > "$W/ud/User/settings.json" <<JSON
{"workbench.startupEditor":"none","security.workspace.trust.enabled":false,"telemetry.telemetryLevel":"off",
 "extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"update.mode":"none",
 "infrac.path":"$path"}
JSON
  "${cs[@]}" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check \
    --disable-workspace-trust "$W/ws" > "$W/out/code-server-$mode.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
  echo "==> scenario: $mode"
  local status=0
  MODE=$mode NODE_PATH="$W/cs/node_modules" URL="http://127.0.0.1:$port/?folder=$W/ws" OUT="$W/out" \
    node "$here/scenario.js" || status=$?
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  return $status
}

scenario full "$infrac"
scenario missing /nonexistent/infrac
