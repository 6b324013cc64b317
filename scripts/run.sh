#!/usr/bin/env bash
# `make run`: set up, build, start PostgreSQL and SecantusDB unless URLs are given,
# migrate, seed demo accounts when empty, serve. Ctrl-C stops everything started here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
ENCORE_PROFILE="${ENCORE_PROFILE:-release}" ./scripts/build.sh
. scripts/env.sh
. scripts/services.sh
DATA="${ENCORE_DATA_DIR:-$PWD/data}"
APP=""
cleanup() { [ -z "$APP" ] || stop_pid "$APP"; stop_services; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -n "${DATABASE_URL:-}" ] || start_postgres "${ENCORE_PG_DIR:-$DATA/postgres}" "${ENCORE_PG_PORT:-55432}" encore
[ -n "${MONGODB_URI:-}" ] || start_secantus "${ENCORE_MONGO_DIR:-$DATA/mongo}" "${ENCORE_MONGO_PORT:-27018}"
export ENCORE_DATA_DIR="$DATA" ENCORE_SITE_ROOT="${ENCORE_SITE_ROOT:-$CARGO_TARGET_DIR/site}"
echo "serving http://${ENCORE_BIND:-127.0.0.1:3000}  (Ctrl-C stops the app and the databases it started)"
"$CARGO_TARGET_DIR/${ENCORE_PROFILE:-release}/encore" serve --seed-demo &
APP=$!
wait $APP
