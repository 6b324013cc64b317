#!/usr/bin/env bash
# `make test`: the same set-up as `make run`, with throwaway databases, then every test:
# unit + integration (real PostgreSQL and SecantusDB), the browser-build dependency
# check, and Playwright in headless Chromium (hydrated and JavaScript off).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
. scripts/env.sh
. scripts/services.sh

TMP=$(mktemp -d /tmp/encore-test.XXXXXX)
chmod 755 "$TMP"
APP=""
APP2=""
cleanup() {
  for p in $APP $APP2; do stop_pid "$p"; done
  stop_services
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> browser build must not contain the database stack"
./scripts/check-wasm-deps.sh

unset DATABASE_URL MONGODB_URI
PG_FSYNC=off start_postgres "$TMP/pg" "${ENCORE_TEST_PG_PORT:-55433}" encore_e2e
SECANTUS_LOG="$TMP/secantus.log" start_secantus ":memory:" "${ENCORE_TEST_MONGO_PORT:-27019}"
# Integration tests create one fresh database per test on these servers.
export TEST_DATABASE_URL="${DATABASE_URL%/*}/postgres" TEST_MONGODB_URI="$MONGODB_URI"

echo "==> cargo test (unit + integration)"
# A hung test fails the run (with SecantusDB's threads) instead of running into CI's limit.
rc=0
timeout "${ENCORE_TEST_TIMEOUT:-1200}" cargo test --workspace --features encore/ssr --no-fail-fast || rc=$?
if [ "$rc" = 124 ]; then
  echo "cargo test did not finish in ${ENCORE_TEST_TIMEOUT:-1200} s"; dump_secantus_stacks "$TMP/secantus.log"
fi
[ "$rc" = 0 ] || exit "$rc"

echo "==> Playwright"
PORT="${ENCORE_TEST_HTTP_PORT:-3001}"
export ENCORE_BIND="127.0.0.1:$PORT" MONGODB_DB=encore_e2e ENCORE_DATA_DIR="$TMP/data" \
  ENCORE_SITE_ROOT="$CARGO_TARGET_DIR/site" E2E_BASE_URL="http://127.0.0.1:$PORT" \
  E2E_ADMIN_USER=e2eadmin E2E_ADMIN_PASSWORD=e2e-admin-password
ENCORE_ADMIN_PASSWORD=$E2E_ADMIN_PASSWORD "$CARGO_TARGET_DIR/debug/encore" create-admin \
  --username "$E2E_ADMIN_USER" --email e2eadmin@example.com
# A small demo catalog (real audio files) for the browser tests.
"$CARGO_TARGET_DIR/debug/encore" generate-catalog --artists 12 --albums 30 --songs 300 --audio-files 4
"$CARGO_TARGET_DIR/debug/encore" serve >"$TMP/app.log" 2>&1 &
APP=$!
# A second instance on the same databases: listening-party listeners on either instance
# must see the same party (PostgreSQL LISTEN/NOTIFY between them).
PORT2=$((PORT + 1))
ENCORE_BIND="127.0.0.1:$PORT2" "$CARGO_TARGET_DIR/debug/encore" serve >"$TMP/app2.log" 2>&1 &
APP2=$!
export E2E_BASE_URL_2="http://127.0.0.1:$PORT2"
if ! wait_port 127.0.0.1 "$PORT" 60; then cat "$TMP/app.log"; exit 1; fi
if ! wait_port 127.0.0.1 "$PORT2" 60; then cat "$TMP/app2.log"; exit 1; fi
if ! npx playwright test -c end2end/playwright.config.ts 2>&1 | tee "$TMP/playwright.log"; then
  echo "---- app log (last 60 lines) ----"; tail -60 "$TMP/app.log"
  # The failures again, last, so the end of a CI log names them.
  echo "---- Playwright failures ----"
  sed -n '/^  [0-9]*) /,/^  [0-9]* passed/p' "$TMP/playwright.log" | grep -v '^\s*$' | head -80
  exit 1
fi
if grep -q ' flaky' "$TMP/playwright.log"; then
  echo "---- passed only on the retry (flaky) ----"; sed -n '/ flaky/,$p' "$TMP/playwright.log" | head -20
fi

echo "==> API clients (py-opensonic against /rest/, liblistenbrainz against /1/)"
SUBSONIC_KEY=$("$CARGO_TARGET_DIR/debug/encore" app-password --username "$E2E_ADMIN_USER" --name api-tests | tail -1)
for t in test_subsonic test_listenbrainz; do
  if ! SUBSONIC_USER="$E2E_ADMIN_USER" SUBSONIC_KEY="$SUBSONIC_KEY" \
      timeout 600 "$ENCORE_CACHE/apiclients/bin/python" "end2end/api/$t.py" 2>&1 | tee "$TMP/$t.log"; then
    echo "---- app log (last 40 lines) ----"; tail -40 "$TMP/app.log"
    exit 1
  fi
done

echo "==> benchmark smoke (the same code as make bench, seconds-long, debug build)"
( unset DATABASE_URL MONGODB_URI MONGODB_DB ENCORE_BIND ENCORE_DATA_DIR
  ENCORE_PROFILE=debug BENCH_OUT="$TMP/bench" timeout 1200 ./scripts/bench.sh smoke >"$TMP/bench.log" 2>&1 ) \
  || { tail -40 "$TMP/bench.log"; exit 1; }
grep -c '^| ' "$TMP/bench/latest.md" | xargs -I{} echo "benchmark smoke: {} table rows"
