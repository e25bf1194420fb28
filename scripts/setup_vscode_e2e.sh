#!/usr/bin/env bash
# Set up everything the VS Code end-to-end test needs, idempotently and cached:
#   1. Debian packages: the headers code-server's native modules build against, ripgrep and
#      chromium (installed with apt-get when missing and we are root; skip with --no-apt);
#   2. the extension: `npm ci` in vscode-extension/ and the packaged .vsix;
#   3. code-server (from npm) with its native modules rebuilt locally and its ripgrep pointed
#      at /usr/bin/rg -- its own post-install steps download from GitHub, which CI cannot.
#
# The code-server install is cached under $GRAFTLAB_E2E_CACHE (default
# ~/.cache/graftlab-e2e), keyed by the code-server version, the Node major version and the
# machine; a finished install is marked with a stamp file, so a second run takes seconds.
# The last line printed is `CODE_SERVER=<dir>` (the directory holding out/node/entry.js).
#
# --extension-only: just the extension (npm ci and the .vsix; no Debian packages, no
# code-server). Concurrent runs (pytest -n 2) wait for each other on a lock.
#
# Usage: scripts/setup_vscode_e2e.sh [--no-apt] [--no-extension | --extension-only]
set -euo pipefail

CODE_SERVER_VERSION="4.100.3"   # the last release that runs on Node 20
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT="$ROOT/vscode-extension"
CACHE="${GRAFTLAB_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/graftlab-e2e}"
APT=1
BUILD_EXTENSION=1
CODE_SERVER=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) APT=0 ;;
    --no-extension) BUILD_EXTENSION=0 ;;
    --extension-only) APT=0; CODE_SERVER=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[setup-vscode-e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
T0=$(date +%s)

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9   # one setup at a time (the other waits, then finds everything done)

# npm must not try to download Node headers (node-gyp) or talk to anything but the registry.
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
if [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi

# -- 1. system packages ----------------------------------------------------------------------
if [ "$CODE_SERVER" = 1 ]; then
  PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium
            g++ make python3)
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$APT" = 1 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      log "installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      if ! apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
      fi
    else
      die "missing Debian packages: ${missing[*]} (apt-get install them, or run this as root)"
    fi
  fi
  command -v rg >/dev/null || die "ripgrep (rg) is not on PATH"
  RG="$(command -v rg)"

  command -v node >/dev/null || die "node is not installed"
  NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$NODE_MAJOR" = 20 ] || die "code-server $CODE_SERVER_VERSION needs Node 20 (found $(node --version))"
  NODE_GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$NODE_GYP" ] || die "node-gyp (bundled with npm) not found at $NODE_GYP"
fi
command -v node >/dev/null || die "node is not installed"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"

# -- 2. the extension ---------------------------------------------------------------------------
if [ "$BUILD_EXTENSION" = 1 ]; then
  stamp="$EXT/node_modules/.graftlab-lock-sha"
  want="$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "npm ci in vscode-extension/"
    # --ignore-scripts: nothing we need runs install scripts (esbuild's binary comes from its
    # platform package; vsce's optional keytar would try to download a prebuilt binary).
    (cd "$EXT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    echo "$want" > "$stamp"
  fi
  # Package only when a source changed (a test may be installing the .vsix right now).
  src_hash="$(cd "$EXT" && find src scripts package.json package-lock.json tsconfig.json README.md .vscodeignore \
      -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$EXT/dist/graftlab.vsix" ] || [ "$(cat "$EXT/dist/.graftlab-src-sha" 2>/dev/null)" != "$src_hash" ]; then
    log "packaging the extension"
    (cd "$EXT" && npm run --silent package >&2)
    [ -f "$EXT/dist/graftlab.vsix" ] || die "packaging did not produce dist/graftlab.vsix"
    echo "$src_hash" > "$EXT/dist/.graftlab-src-sha"
  else
    log "extension package up to date: $EXT/dist/graftlab.vsix"
  fi
fi
if [ "$CODE_SERVER" = 0 ]; then
  log "done in $(( $(date +%s) - T0 ))s"
  exit 0
fi

# -- 3. code-server -------------------------------------------------------------------------------
KEY="code-server-$CODE_SERVER_VERSION-node$NODE_MAJOR-$(uname -m)"
DEST="$CACHE/$KEY"
CS="$DEST/node_modules/code-server"
if [ -f "$DEST/.complete" ] && [ -f "$CS/out/node/entry.js" ]; then
  log "code-server $CODE_SERVER_VERSION: cached in $DEST"
else
  if [ ! -f "$DEST/.complete" ]; then
    t_cs=$(date +%s)
    BUILD="$CACHE/.build-$KEY-$$"
    rm -rf "$BUILD"
    mkdir -p "$BUILD"
    trap 'rm -rf "$BUILD"' EXIT
    log "installing code-server $CODE_SERVER_VERSION into $BUILD (no install scripts)"
    printf '{"name":"graftlab-e2e-code-server","private":true}\n' > "$BUILD/package.json"
    (cd "$BUILD" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        "code-server@$CODE_SERVER_VERSION" >&2)
    B="$BUILD/node_modules/code-server"
    # What code-server's postinstall.sh does, without its downloads:
    log "installing VS Code's dependencies (lib/vscode)"
    (cd "$B/lib/vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    (cd "$B/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2 \
        && node postinstall.mjs >/dev/null)
    ln -sfn node_modules "$B/lib/vscode/node_modules.asar"
    (cd "$B/lib/vscode/bin/remote-cli" && ln -sf code-linux.sh code-server)
    (cd "$B/lib/vscode/bin/helpers" && ln -sf browser-linux.sh browser.sh)
    # ripgrep: the Debian binary instead of the download.
    mkdir -p "$B/lib/vscode/node_modules/@vscode/ripgrep/bin"
    ln -sf "$RG" "$B/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
    # Native modules, built from source against the local Node headers.
    JOBS="$(nproc 2>/dev/null || echo 2)"
    for m in kerberos @vscode/spdlog @vscode/deviceid native-watchdog node-pty; do
      log "building $m"
      (cd "$B/lib/vscode/node_modules/$m" && node "$NODE_GYP" rebuild -j "$JOBS" >"$BUILD/gyp.log" 2>&1) \
        || { tail -30 "$BUILD/gyp.log" >&2; die "building $m failed"; }
    done
    log "building argon2"
    (cd "$BUILD/node_modules/argon2" \
        && node ../@mapbox/node-pre-gyp/bin/node-pre-gyp rebuild -j "$JOBS" >"$BUILD/gyp.log" 2>&1) \
      || { tail -30 "$BUILD/gyp.log" >&2; die "building argon2 failed"; }
    # A smoke test: every native module loads, code-server answers --version.
    (cd "$B/lib/vscode" && node -e '
      for (const m of ["kerberos", "@vscode/spdlog", "@vscode/deviceid", "native-watchdog", "node-pty"]) require(m);
    ') || die "a native module does not load"
    (cd "$BUILD" && node -e 'require("argon2")') || die "argon2 does not load"
    ver="$(node "$B/out/node/entry.js" --version --config /dev/null 2>/dev/null | head -1)"
    case "$ver" in "$CODE_SERVER_VERSION "*) ;; *) die "code-server --version said: $ver" ;; esac
    rm -f "$BUILD/gyp.log"
    date -u +%FT%TZ > "$BUILD/.complete"
    rm -rf "$DEST"
    mv "$BUILD" "$DEST"
    trap - EXIT
    log "code-server installed in $(( $(date +%s) - t_cs ))s"
  fi
fi

log "done in $(( $(date +%s) - T0 ))s"
echo "CODE_SERVER=$CS"
