#!/usr/bin/env bash
# Builds the server binary, the hydrate wasm (wasm-bindgen + wasm-opt) and the CSS into
# $SITE_ROOT. Cargo does nothing when nothing changed, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
SITE_ROOT="${ENCORE_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
mkdir -p "$SITE_ROOT/pkg"

# `make test` builds the server in the dev profile (fast to compile); `make run` sets
# ENCORE_PROFILE=release. The wasm is always optimised.
PROFILE="${ENCORE_PROFILE:-debug}"
echo "==> server (cargo build -p encore-server, $PROFILE)"
if [ "$PROFILE" = release ]; then cargo build -p encore-server --release; else cargo build -p encore-server; fi

echo "==> wasm (hydrate)"
if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  # A toolchain with the wasm std: the plain path.
  cargo build -p encore-app --lib --target wasm32-unknown-unknown --features hydrate \
    --profile wasm-release --target-dir "$WASM_TARGET_DIR"
else
  # Offline Debian: rustc-web 1.96 with std built from its sources (TOOLCHAIN.md §1).
  RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build -p encore-app --lib \
    --target wasm32-unknown-unknown --features hydrate --profile wasm-release \
    -Zbuild-std=std,panic_abort --target-dir "$WASM_TARGET_DIR"
fi
wasm="$WASM_TARGET_DIR/wasm32-unknown-unknown/wasm-release/encore_app.wasm"
stamp="$SITE_ROOT/pkg/.wasm-stamp"
if ! [ -f "$stamp" ] || [ "$wasm" -nt "$stamp" ]; then
  wasm-bindgen --target web --no-typescript --out-dir "$SITE_ROOT/pkg" --out-name encore "$wasm"
  # npm's binaryen: Debian's wasm-opt 108 breaks hydration (TOOLCHAIN.md §2).
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$SITE_ROOT/pkg/encore_bg.wasm" -o "$SITE_ROOT/pkg/encore_bg.wasm"
  touch "$stamp"
fi

echo "==> css (tailwindcss)"
node_modules/.bin/tailwindcss -i style/main.css -o "$SITE_ROOT/pkg/encore.css" --minify 2>&1 | grep -v '^$' || true
cp -r public/. "$SITE_ROOT/"
ls -la "$SITE_ROOT/pkg" | awk 'NR>1 {print "   " $5 "\t" $9}'
