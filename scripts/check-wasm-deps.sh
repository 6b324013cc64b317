#!/usr/bin/env bash
# The browser build (encore-app with `hydrate`, for wasm32) must never pull in the
# database stack: fail if sqlx, mongodb, argon2 or tokio appear in its dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
tree=$(cargo tree -p encore-app --no-default-features --features hydrate \
  --target wasm32-unknown-unknown -e normal --prefix none 2>/dev/null)
[ -n "$tree" ] || { echo "cargo tree failed" >&2; exit 1; }
bad=$(printf '%s\n' "$tree" | grep -E '^(sqlx|mongodb|argon2|tokio|tower-sessions)( |-)' | sort -u || true)
if [ -n "$bad" ]; then
  echo "browser build pulls server-only crates:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: $(printf '%s\n' "$tree" | sort -u | wc -l) crates in the browser build, none of sqlx/mongodb/argon2/tokio/tower-sessions"
