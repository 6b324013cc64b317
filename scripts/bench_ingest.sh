#!/usr/bin/env bash
# Play-event ingestion alone (issue #6: p99 acknowledgement under 20 ms), quicker than
# `make bench`: a dataset of BENCH_SONGS songs and BENCH_EVENTS stored play events
# (generated once, then reused, under ${BENCH_DIR:-/var/tmp/encore-bench}/ingest-…), its
# own PostgreSQL (:55442), SecantusDB (:27042) and release server (:3042) with the
# aggregator counting beside the load, then wrk reporting a new play per request at one
# connection: as fast as the server answers, and paced (a 1-ms or 4-ms wait before each
# report, about 300 or 150 a second). Each mode runs twice for BENCH_DURATION seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/services.sh
SONGS=${BENCH_SONGS:-20000} EVENTS=${BENCH_EVENTS:-2000000} DURATION=${BENCH_DURATION:-20}
DB=${BENCH_DB:-encore_ingest}
./scripts/setup.sh
ENCORE_PROFILE=release ./scripts/build.sh
command -v wrk >/dev/null || { echo "wrk is missing (scripts/setup.sh installs it)" >&2; exit 1; }
BIN="$CARGO_TARGET_DIR/release/encore"
DIR="${BENCH_DIR:-/var/tmp/encore-bench}/ingest-$SONGS-$EVENTS"
mkdir -p "$DIR"; chmod 755 "$(dirname "$DIR")" "$DIR"
WORK=$(mktemp -d /tmp/encore-ingest.XXXXXX)
APP=""
cleanup() {
  # TERM, then KILL after 30 s: a server that hangs on its way out (a Leptos resource
  # deadlocked in its owner's cleanup once, 2026-12-03) must not hold the run.
  [ -z "$APP" ] || stop_pid "$APP"
  # BENCH_APP_LOG=file keeps the server's log (with BENCH_RUST_LOG=warn and
  # ENCORE_SLOW_REPORT_MS=15: the steps of every slow report).
  [ -z "${BENCH_APP_LOG:-}" ] || cp "$WORK/app.log" "$BENCH_APP_LOG" 2>/dev/null || true
  stop_services
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset DATABASE_URL MONGODB_URI
start_postgres "$DIR/pg" 55442 "$DB"
start_secantus "$DIR/mongo" 27042
export MONGODB_DB="$DB" ENCORE_DATA_DIR="$DIR/data" ENCORE_BIND=127.0.0.1:3042 \
  ENCORE_SITE_ROOT="$CARGO_TARGET_DIR/site" DATABASE_MAX_CONNECTIONS=32 RUST_LOG="${BENCH_RUST_LOG:-error}"
cli() { MONGODB_URI="${MONGODB_URI}?connectTimeoutMS=120000" "$BIN" "$@"; }
echo "==> dataset ($SONGS songs, $EVENTS play events; reused when present)"
cli generate-catalog --if-empty --artists $((SONGS / 10)) --albums $((SONGS / 5)) --songs "$SONGS" --audio-files 2
cli bench-seed --users 2000 --follows 50 --playlist-tracks 300 --events "$EVENTS" | tail -1 >"$WORK/info.json"
# Recommendations are refreshed by their own job (minutes of work at start-up); this
# measures ingestion and the aggregator beside it.
ENCORE_RECS_INTERVAL_SECS=0 "$BIN" serve >"$WORK/app.log" 2>&1 & APP=$!
wait_port 127.0.0.1 3042 120 "$APP"
echo "==> plays left to count by the seed"
until left=$(cli bench-uncounted | tail -1) && [ "$left" = 0 ]; do echo "  $left left"; sleep 10; done
SONG=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['song_id'])" "$WORK/info.json")
U="ingest$(date +%s)"
curl -sf -c "$WORK/jar" -o /dev/null \
  -d "username=$U&email=$U@bench.invalid&display_name=&password=bench-ingest-pw&confirm=bench-ingest-pw" \
  http://127.0.0.1:3042/api/auth/sign_up
COOKIE=$(awk 'NF >= 7 && $6 == "encore_session" {print $6 "=" $7}' "$WORK/jar" | head -1)
echo "==> play reports, 1 connection, ${DURATION}s per run"
for mode in "as fast as answered:0" "paced, 1 ms between:1" "paced, 4 ms between:4"; do
  for run in 1 2; do
    BENCH_DELAY_MS=${mode##*:} BENCH_SONG=$SONG wrk -t1 -c1 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" \
      -s scripts/bench_report_play.lua http://127.0.0.1:3042/api/listening/report >"$WORK/wrk.txt"
    ! grep -q "Non-2xx" "$WORK/wrk.txt" || { cat "$WORK/wrk.txt"; exit 1; }
    awk -v m="${mode%%:*}" -v r="$run" '
      /Requests\/sec/ {rps = $2}
      /^ +50%/ {p50 = $2} /^ +90%/ {p90 = $2} /^ +99%/ {p99 = $2}
      /^p95_us/ {p95 = $2 / 1000 "ms"}
      END {printf "  %s, run %d: %s req/s, p50 %s, p90 %s, p95 %s, p99 %s\n", m, r, rps, p50, p90, p95, p99}' "$WORK/wrk.txt"
  done
done
