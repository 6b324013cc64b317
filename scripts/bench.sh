#!/usr/bin/env bash
# `make bench` (scale "full") and its seconds-long smoke version run by `make test`
# (scale "smoke"). Generates — or reuses, under $ENCORE_CACHE/bench/full — a dataset, starts
# its own PostgreSQL, SecantusDB and a release server, then measures with wrk, alternating
# every workload with its baselines in the same run:
#   trivial   a route that touches no database and renders nothing (the framework floor)
#   static    a static file through the same server
#   prerender the page's own HTML, saved once and served as a static file (same size)
#   pgbench   the page's own PostgreSQL statements (as PostgreSQL logged them in one run of
#             its queries) under pgbench, at the page's connection counts
#   query     the page's own queries run straight on both stores, one after another
#             (encore bench-queries; at 1 connection, right before the page)
# Results: bench/results/latest.{md,json} (full) or $BENCH_OUT (smoke).
set -euo pipefail
# Each CLI tool prints its JSON as the last line of stdout (log lines may come before).
cd "$(dirname "$0")/.."
SCALE="${1:-${BENCH_SCALE:-full}}"
. scripts/env.sh
. scripts/services.sh
PROFILE="${ENCORE_PROFILE:-release}"
if [ "$SCALE" = full ]; then
  ./scripts/setup.sh
  ENCORE_PROFILE="$PROFILE" ./scripts/build.sh
fi
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk; scripts/setup.sh does it)" >&2; exit 1; }
BIN="$CARGO_TARGET_DIR/$PROFILE/encore"

case "$SCALE" in
  full)
    # 1M songs: generated once (12-20 min) and kept; the catalog index is read from it once
    # (~94 s) and kept under the data dir. Play events are bulk-loaded with their counters
    # (`bench::seed`): the issue's 10M by default, about three hours of SecantusDB's time
    # on a 2-core machine, resumed where it stopped if interrupted (BENCH_EVENTS=200000 for
    # a run within the hour). A run leaves plays to count (history import, listens): on
    # SecantusDB that takes a while, and the next run's pages wait with it.
    ARTISTS=${BENCH_ARTISTS:-100000} ALBUMS=${BENCH_ALBUMS:-200000} SONGS=${BENCH_SONGS:-1000000} AUDIO=200
    USERS=${BENCH_USERS:-100000} FOLLOWS=1000 TRACKS=10000 EVENTS=${BENCH_EVENTS:-10000000}
    RUNS=200 DURATION=${BENCH_DURATION:-8} CONNS=${BENCH_CONNS:-"1 16 64"} HISTORY=${BENCH_HISTORY:-200000}
    LISTEN_ROUNDS=${BENCH_LISTEN_ROUNDS:-20}
    # Listening party: listeners, state changes, chat messages/s, chat seconds.
    PARTY=(${BENCH_PARTY_LISTENERS:-500} 20 50 10)
    # Not under ~/.cache: PostgreSQL runs as `postgres`, which cannot enter /root.
    DIR="${BENCH_DIR:-/var/tmp/encore-bench}/full-$SONGS-$EVENTS" PG_PORT=55440 MONGO_PORT=27040 PORT=3040
    OUT="${BENCH_OUT:-bench/results}" ;;
  smoke)
    ARTISTS=20 ALBUMS=60 SONGS=600 AUDIO=2 USERS=120 FOLLOWS=50 TRACKS=300 EVENTS=2000
    RUNS=3 DURATION=1 CONNS="1" HISTORY=2000 PARTY=(20 3 10 2) LISTEN_ROUNDS=2
    DIR=$(mktemp -d /tmp/encore-bench.XXXXXX) PG_PORT=55441 MONGO_PORT=27041 PORT=3041
    OUT="${BENCH_OUT:-$DIR/results}" ;;
  *) echo "usage: $0 [full|smoke]" >&2; exit 2 ;;
esac
mkdir -p "$DIR" "$OUT"; chmod 755 "$DIR"
WORK=$(mktemp -d /tmp/encore-bench-run.XXXXXX)
APP=""
cleanup() {
  # TERM, then KILL after 30 s: a server that hangs on its way out (a Leptos resource
  # deadlocked in its owner's cleanup once, 2026-12-03) must not hold the run.
  [ -z "$APP" ] || stop_pid "$APP"
  # A run stopped while PostgreSQL logged every statement leaves the dataset as it was.
  "$PG_BIN/psql" "${DATABASE_URL:-}" -tAq -c "alter system reset log_statement" >/dev/null 2>&1 || true
  stop_services
  [ -n "${BENCH_KEEP_WORK:-}" ] || rm -rf "$WORK"
  [ "$SCALE" != smoke ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

unset DATABASE_URL MONGODB_URI
start_postgres "$DIR/pg" "$PG_PORT" encore_bench
if [ "$SCALE" = smoke ]; then start_secantus ":memory:" "$MONGO_PORT"; else start_secantus "$DIR/mongo" "$MONGO_PORT"; fi
export MONGODB_DB=encore_bench ENCORE_DATA_DIR="$DIR/data" ENCORE_BIND="127.0.0.1:$PORT" \
  ENCORE_SITE_ROOT="$CARGO_TARGET_DIR/site" DATABASE_MAX_CONNECTIONS=32 RUST_LOG=warn

# The CLI tools wait longer for a busy SecantusDB than the server does (its monitor
# checks time out after connectTimeoutMS; 3 s by default).
CLI_MONGO="${MONGODB_URI}?connectTimeoutMS=120000"
cli() { MONGODB_URI="$CLI_MONGO" "$BIN" "$@"; }
echo "==> dataset ($SONGS songs, $ARTISTS artists, $USERS users, $EVENTS play events; reused when present)"
cli generate-catalog --if-empty --artists "$ARTISTS" --albums "$ALBUMS" --songs "$SONGS" --audio-files "$AUDIO"
cli bench-seed --users "$USERS" --follows "$FOLLOWS" --playlist-tracks "$TRACKS" --events "$EVENTS" | tail -1 >"$WORK/info.json"
cat "$WORK/info.json"; echo
[ "${BENCH_DATASET_ONLY:-0}" = 0 ] || exit 0

ORDER="home artist album search playlist_10k feed_follows stats artist_dashboard admin_analytics"
# Each page's own PostgreSQL statements, for its pgbench baseline: one run of its queries
# with PostgreSQL logging every statement (bench-queries marks where each page begins).
echo "==> each page's PostgreSQL statements (pgbench scripts)"
pgq() { "$PG_BIN/psql" "$DATABASE_URL" -tAq -c "$1" >/dev/null; }
PG_LOG="$DIR/pg/server.log"
mark=$(stat -c %s "$PG_LOG")
pgq "alter system set log_statement = 'all'"; pgq "select pg_reload_conf()"
cli bench-queries --runs 1 >/dev/null
pgq "alter system reset log_statement"; pgq "select pg_reload_conf()"
tail -c +"$((mark + 1))" "$PG_LOG" >"$WORK/pg-statements.log"
echo "  pgbench scripts: $(python3 scripts/bench_pgbench.py "$WORK/pg-statements.log" "$WORK" $ORDER)"
# The long playlist's reorder (a write; timed in the service, no page of its own).
cli bench-queries --runs "$RUNS" --only playlist_reorder | tail -1 >"$WORK/queries-playlist_reorder.json"

echo "==> server on :$PORT"
# The recommendation job reads every genre pool: kept out of the measurements.
ENCORE_RECS_INTERVAL_SECS=0 "$BIN" serve >"$WORK/app.log" 2>&1 &
APP=$!
wait_port 127.0.0.1 "$PORT" 120 || { cat "$WORK/app.log"; exit 1; }
BASE="http://127.0.0.1:$PORT"
info() { python3 -c "import json,sys; print(json.load(open('$WORK/info.json'))['$1'])"; }
FAN=$(info fan_username) FAN_PW=$(info fan_password) Q=$(info search_q)
# The search index is built in the background at start: wait until it answers.
for _ in $(seq 1 600); do
  curl -sf "$BASE/search?q=$Q" | grep -q 'aria-label="Songs"' && break
  sleep 1
done
curl -sf -c "$WORK/jar" -o /dev/null -d "username=$FAN&password=$FAN_PW" "$BASE/api/auth/sign_in" || true
COOKIE=$(awk 'NF >= 7 && $6 == "encore_session" {print $6 "=" $7}' "$WORK/jar" | head -1)
[ -n "$COOKIE" ] || { echo "could not sign in as $FAN" >&2; cat "$WORK/app.log"; exit 1; }

# Ingestion reports plays as a fresh listener of its own (not the fan, whose pages are
# measured: thousands of plays in one hour would weigh on the fan's "recently played").
INGEST="ingest$(date +%s)$RANDOM"
curl -sf -c "$WORK/jar-ingest" -o /dev/null \
  -d "username=$INGEST&email=$INGEST@bench.invalid&display_name=&password=bench-ingest-pw&confirm=bench-ingest-pw" \
  "$BASE/api/auth/sign_up" || true
INGEST_COOKIE=$(awk 'NF >= 7 && $6 == "encore_session" {print $6 "=" $7}' "$WORK/jar-ingest" | head -1)
[ -n "$INGEST_COOKIE" ] || { echo "could not sign up $INGEST" >&2; exit 1; }

# The app APIs (issue #13): an app password and a ListenBrainz token for the fan.
APP_PW=$(cli app-password --username "$FAN" --name bench | tail -1)
LB_TOKEN=$(cli listenbrainz-token --username "$FAN" | tail -1)
SUB="u=$FAN&p=$APP_PW&v=1.16.1&c=bench&f=json"
declare -A APIS=(
  [api_album_list]="/rest/getAlbumList2.view?$SUB&type=alphabeticalByName&size=20&offset=$(( SONGS / 20 ))"
  [api_album_list_newest]="/rest/getAlbumList2.view?$SUB&type=newest&size=20"
  [api_search3]="/rest/search3.view?$SUB&query=$Q"
)
for s in "${!APIS[@]}"; do
  body=$(curl -sf "$BASE${APIS[$s]}") || { echo "$s failed" >&2; exit 1; }
  echo "$body" | grep -q '"status":"ok"' || { echo "$s: $body" >&2; exit 1; }
done

# An admin for the platform analytics page (issue #8).
ENCORE_ADMIN_PASSWORD=bench-admin-pw cli create-admin --username benchadmin --email benchadmin@bench.invalid >/dev/null
curl -sf -c "$WORK/jar-admin" -o /dev/null -d "username=benchadmin&password=bench-admin-pw" "$BASE/api/auth/sign_in" || true
ADMIN_COOKIE=$(awk 'NF >= 7 && $6 == "encore_session" {print $6 "=" $7}' "$WORK/jar-admin" | head -1)
[ -n "$ADMIN_COOKIE" ] || { echo "could not sign in as benchadmin" >&2; exit 1; }

# scenario -> path (signed in as the fan throughout, like a real listener; the admin
# page as the admin).
declare -A COOKIES=([admin_analytics]="$ADMIN_COOKIE" [prerender_admin_analytics]="$ADMIN_COOKIE")
declare -A PAGES=(
  [home]="/"
  [artist]="/artist/$(info artist_id)"
  [album]="/album/$(info album_id)"
  [search]="/search?q=$Q"
  [playlist_10k]="/playlist/$(info playlist_id)"
  [feed_follows]="/feed"
  [stats]="/stats"
  [artist_dashboard]="/artist/$(info artist_id)/insights"
  [admin_analytics]="/admin/analytics"
)
mkdir -p "$ENCORE_SITE_ROOT/bench"
for s in $ORDER; do
  code=$(curl -s -o "$ENCORE_SITE_ROOT/bench/$s.html" -w '%{http_code}' -H "Cookie: ${COOKIES[$s]:-$COOKIE}" "$BASE${PAGES[$s]}")
  [ "$code" = 200 ] || { echo "$s (${PAGES[$s]}) answered $code" >&2; exit 1; }
done

run_wrk() { # name conns path [extra wrk args...]
  local name="$1" c="$2" path="$3"; shift 3
  local t=$(( c < 2 ? 1 : 2 ))
  # One -s script per run: the report-play script has its own p95 hook.
  case " $* " in *" -s "*) ;; *) set -- "$@" -s scripts/bench_p95.lua ;; esac
  wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -H "Cookie: ${WRK_COOKIE:-${COOKIES[$name]:-$COOKIE}}" "$@" "$BASE$path" >"$WORK/wrk-$name-$c.txt" 2>&1 \
    || { cat "$WORK/wrk-$name-$c.txt"; exit 1; }
  echo "  $name c=$c: $(grep -E 'Requests/sec' "$WORK/wrk-$name-$c.txt" | awk '{print $2}') req/s"
}
run_pgbench() { # name conns — the page's PostgreSQL statements alone (if it sends any)
  local name="$1" c="$2" f="$WORK/pgbench-$1.sql"
  [ -f "$f" ] || return 0
  local t=$(( c < 2 ? 1 : 2 ))
  rm -f "$WORK/pgb-$name-$c".*
  "$PG_BIN/pgbench" -n -c "$c" -j "$t" -T "$DURATION" -f "$f" -l --log-prefix="$WORK/pgb-$name-$c" \
    "$DATABASE_URL" >"$WORK/pgbench-$name-$c.txt" 2>&1 || { cat "$WORK/pgbench-$name-$c.txt"; exit 1; }
  echo "  pgbench $name c=$c: $(awk '/^tps/ {print $3}' "$WORK/pgbench-$name-$c.txt") tx/s"
}
run_queries() { # name — the page's own queries on both stores, one after another
  cli bench-queries --runs "$RUNS" --only "$1" | tail -1 >"$WORK/queries-$1.json"
}
# Plays left uncounted by an earlier run (a history import leaves ~200k; SecantusDB counts
# a few hundred a second) would slow the pages and make the counting lag below
# meaningless: wait for them first.
if [ "$SCALE" = full ]; then
  echo "==> plays left to count by earlier runs"
  t0=$(date +%s)
  until left=$(cli bench-uncounted | tail -1) && [ "$left" = 0 ]; do
    echo "  $left left after $(( $(date +%s) - t0 )) s"
    [ $(( $(date +%s) - t0 )) -lt 3600 ] || { echo "still $left uncounted after an hour" >&2; exit 1; }
    sleep 30
  done
fi
echo "==> load (wrk, ${DURATION}s per run, connections: $CONNS)"
for c in $CONNS; do
  for s in $ORDER; do
    run_wrk "trivial" "$c" /healthz/live
    run_wrk "prerender_$s" "$c" "/bench/$s.html"
    run_pgbench "$s" "$c"
    [ "$c" != 1 ] || run_queries "$s"
    run_wrk "$s" "$c" "${PAGES[$s]}"
  done
  for s in api_album_list api_album_list_newest api_search3; do run_wrk "$s" "$c" "${APIS[$s]}"; done
  run_wrk "static" "$c" /pkg/encore.css
  run_wrk "audio_range" "$c" "/stream/$(info song_id)" -H "Range: bytes=0-262143"
  # Play-event ingestion: every request reports a new play (acknowledgement latency).
  WRK_COOKIE="$INGEST_COOKIE" BENCH_SONG=$(info song_id) run_wrk "report_play" "$c" /api/listening/report -s scripts/bench_report_play.lua
  # The same at a steady rate (a 4-ms wait before each report, about 200 a second) rather
  # than as fast as the server answers, which keeps all four processes busy on two cores.
  [ "$c" != 1 ] || WRK_COOKIE="$INGEST_COOKIE" BENCH_SONG=$(info song_id) BENCH_DELAY_MS=4 \
    run_wrk "report_play_paced" 1 /api/listening/report -s scripts/bench_report_play.lua
done
# How long the aggregator needs after the load to count everything reported.
# SecantusDB may still be working through the load's backlog: give the client a few tries.
for try in 1 2 3; do
  cli bench-lag | tail -1 >"$WORK/lag.json" && python3 -m json.tool "$WORK/lag.json" >/dev/null && break
  [ "$try" = 3 ] && exit 1
  sleep 10
done
cat "$WORK/lag.json"; echo
# A listening party with many WebSocket listeners on the server (state pushes and chat).
echo "==> listening party (${PARTY[0]} WebSocket listeners)"
"$BIN" bench-party --base "$BASE" --listeners "${PARTY[0]}" --changes "${PARTY[1]}" \
  --chat-per-s "${PARTY[2]}" --chat-secs "${PARTY[3]}" >"$WORK/party.json"
cat "$WORK/party.json"; echo
# ListenBrainz submissions of 1,000 listens each: acknowledgement times, then how long
# the queue worker needs to store them all.
echo "==> submit-listens ($LISTEN_ROUNDS x 1,000 listens)"
python3 scripts/bench_listens.py "$BASE" "$LB_TOKEN" "$LISTEN_ROUNDS" "$FAN" "$APP_PW" >"$WORK/listens.json"
t0=$(date +%s.%N)
for _ in $(seq 1 1200); do
  left=$("$PG_BIN/psql" "$DATABASE_URL" -tAc "select count(*) from listen_queue")
  [ "$left" = 0 ] && break
  sleep 0.5
done
python3 - "$WORK/listens.json" "$t0" "$left" <<'PY'
import json, sys, time
d = json.load(open(sys.argv[1])); d["drain_s"] = round(time.time() - float(sys.argv[2]), 1); d["left"] = int(sys.argv[3])
json.dump(d, open(sys.argv[1], "w")); print(json.dumps(d))
PY
# Importing a listening history the size of seed 003's (the server's import job is
# idle; the CLI runs the same job code with a progress bar).
echo "==> history import ($HISTORY records)"
cli bench-history --records "$HISTORY" --username "$INGEST" --out "$WORK/history.csv"
cli import-history "$WORK/history.csv" | tail -1 >"$WORK/import.json"
cat "$WORK/import.json"; echo
RSS_KB=$(ps -o rss= -p "$APP" | tr -d ' ')
python3 scripts/bench_report.py "$WORK" "$OUT" "$SCALE" "$RSS_KB" "$CONNS"
echo "==> results in $OUT/latest.md"
