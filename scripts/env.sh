# Shared defaults for the scripts; every value can be overridden from the environment.
export ENCORE_CACHE="${ENCORE_CACHE:-$HOME/.cache/encore}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ENCORE_CACHE/target}"
export WASM_TARGET_DIR="${WASM_TARGET_DIR:-$ENCORE_CACHE/target-wasm}"
export PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export PATH="$ENCORE_CACHE/bin:$PATH"
