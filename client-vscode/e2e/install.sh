#!/usr/bin/env bash
# Installs what the real-workbench e2e test (run.mjs) needs, on a clean Debian 12 with Node 20:
#   - Debian packages: Chromium, and what code-server's native modules build with (only the missing ones);
#   - code-server 4.100.3 and playwright-core, pinned in package.json/package-lock.json, into
#     client-vscode/e2e/node_modules.
# Idempotent: a second run checks the packages and a stamp, and returns in about a second.
# See /work/shared/notes/real-clients.md (or docs) for why each workaround is here.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

log() { printf '[e2e install] %s\n' "$*" >&2; }

# --- Debian packages --------------------------------------------------------------------------------
APT_PACKAGES=(chromium build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  SUDO=()
  if [ "$(id -u)" != 0 ]; then SUDO=(sudo); fi
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# --- npm packages -----------------------------------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  # code-server 4.100.3 bundles VS Code 1.100, whose native modules are built for Node 20;
  # 4.103+ needs Node 22.
  log "warning: Node $(node -v) found; code-server 4.100.3 is meant for Node 20"
fi

STAMP="node_modules/.lamina-e2e-installed"
want="$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1) node-$(node -v)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
  && [ -x node_modules/.bin/code-server ] && [ -d node_modules/playwright-core ]; then
  log "npm packages: up to date ($(node -p 'require("./node_modules/code-server/package.json").version') + playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version'))"
  exit 0
fi

# 1. @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable). It looks in its download
#    cache first, so put Debian's rg there under the name it expects.
tmp="$(node -p 'require("os").tmpdir()')"
rg_version="v13.0.0-10"
for rg_pkg_version in 1.15.11 1.15.9 1.15.10 1.15.12 1.15.13 1.15.14; do
  cache="$tmp/vscode-ripgrep-cache-$rg_pkg_version"
  archive="$cache/ripgrep-$rg_version-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$archive" ]; then
    mkdir -p "$cache"
    tar -czf "$archive" -C /usr/bin rg
  fi
done

# 2. node-pty's build runs `npx node-gyp`, which asks before installing; answer yes.
export npm_config_yes=true
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

t0=$(date +%s)
if [ -f package-lock.json ]; then
  log "npm ci (code-server + playwright-core; about 80 s on a clean machine)"
  npm ci --no-audit --no-fund --unsafe-perm --loglevel=error
else
  log "npm install (code-server + playwright-core; about 80 s on a clean machine)"
  npm install --no-audit --no-fund --unsafe-perm --loglevel=error
  want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node-$(node -v)"
fi

# A half-built code-server would fail later with an obscure error; check the pieces run.mjs uses.
node_modules/.bin/code-server --version >/dev/null
for native in node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node \
  node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg; do
  if [ ! -e "$native" ]; then
    log "error: $native is missing after npm install (see the npm output above)"
    exit 1
  fi
done
echo "$want" >"$STAMP"
log "installed in $(($(date +%s) - t0)) s: code-server $(node_modules/.bin/code-server --version | head -1)"
