#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (see README "Set-up").
# Installs only what is missing; tools and build output live under $ENCORE_CACHE
# (default ~/.cache/encore), outside the clone, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

# 1. Debian packages: Rust for wasm (rustc-web + std sources + lld), Chromium, PostgreSQL 15,
#    wrk (the benchmark's load generator).
need_apt=()
[ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] || need_apt+=(rustc-web cargo-web rust-web-src)
[ -x /usr/bin/lld-22 ] || [ -x /usr/lib/llvm-22/bin/lld ] || need_apt+=(lld-22)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x "$PG_BIN/initdb" ] || need_apt+=(postgresql)
command -v wrk >/dev/null || need_apt+=(wrk)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
fi

mkdir -p "$ENCORE_CACHE/bin"

# 2. wasm-bindgen CLI, the exact version in Cargo.lock (it must match the library).
wb_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if ! "$ENCORE_CACHE/bin/wasm-bindgen" --version 2>/dev/null | grep -q "$wb_version"; then
  step "cargo install wasm-bindgen-cli $wb_version (first time only, a few minutes)"
  cargo install wasm-bindgen-cli --version "$wb_version" --root "$ENCORE_CACHE" --target-dir "$ENCORE_CACHE/target-tools"
fi

# 3. SecantusDB (MongoDB wire protocol server, GPL-2.0-only, separate process).
if ! [ -x "$ENCORE_CACHE/secantus/bin/secantusd-py" ]; then
  step "pip install SecantusDB==0.7.0b3"
  python3 -m venv "$ENCORE_CACHE/secantus"
  "$ENCORE_CACHE/secantus/bin/pip" install -q SecantusDB==0.7.0b3
fi

# 3b. The independent API client libraries the API tests drive Encore with (pinned).
if ! cmp -s end2end/api/requirements.txt "$ENCORE_CACHE/apiclients/requirements.txt"; then
  step "pip install the API test clients (end2end/api/requirements.txt)"
  python3 -m venv "$ENCORE_CACHE/apiclients"
  "$ENCORE_CACHE/apiclients/bin/pip" install -q -r end2end/api/requirements.txt
  cp end2end/api/requirements.txt "$ENCORE_CACHE/apiclients/requirements.txt"
fi

# 4. npm: Tailwind CLI, Playwright (browser from Debian), binaryen's wasm-opt.
if ! [ -x node_modules/.bin/playwright ] || ! [ -x node_modules/.bin/tailwindcss ] \
   || [ package.json -nt node_modules/.stamp ]; then
  step "npm install (tailwindcss, @playwright/test, binaryen)"
  (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
fi
echo "setup: ok"
