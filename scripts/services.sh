# Project-local PostgreSQL 15 and SecantusDB (MongoDB wire protocol). Sourced by run.sh
# and test.sh. Each start_* exports the URL and records the PID so stop_services stops
# exactly what was started here.
STARTED_PG_DIR=""
STARTED_MONGO_PID=""

wait_port() { # host port seconds [pid: give up as soon as it has exited]
  for _ in $(seq 1 $(( $3 * 10 ))); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
    [ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_postgres() { # dir port dbname
  local dir="$1" port="$2" db="$3"
  mkdir -p "$dir"
  chown postgres:postgres "$dir"; chmod 700 "$dir"
  if ! [ -f "$dir/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" -w -t 60 -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-on}" start >/dev/null
  STARTED_PG_DIR="$dir"
  for _ in $(seq 1 50); do
    "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1" postgres >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$db'" postgres | grep -q 1; then
    "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -c "create database $db" postgres >/dev/null
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db"
  echo "postgres: $DATABASE_URL (data: $dir)"
}

start_secantus() { # storage-path port
  local path="$1" port="$2"
  [ "$path" = ":memory:" ] || mkdir -p "$path"
  # SIGUSR1 writes every server thread's stack to the log (dump_secantus_stacks): how a
  # hung test is diagnosed instead of waiting for CI's time limit.
  "$ENCORE_CACHE/secantus/bin/python3" -c '
import faulthandler, signal, sys
faulthandler.register(signal.SIGUSR1, all_threads=True)
from secantus.cli import main
sys.argv[0] = "secantusd-py"
sys.exit(main())' --host 127.0.0.1 --port "$port" --storage-path "$path" \
    --log-level WARNING --cache-size "${SECANTUS_CACHE_SIZE:-1G}" >"${SECANTUS_LOG:-/dev/null}" 2>&1 &
  STARTED_MONGO_PID=$!
  # A large reused data dir opens slowly: the 10M-event benchmark dataset (14 GB) took
  # 3.5 min after an unclean stop.
  local wait=60; [ "$path" = ":memory:" ] || wait=900
  if ! wait_port 127.0.0.1 "$port" "$wait" "$STARTED_MONGO_PID"; then
    echo "SecantusDB did not start on port $port" >&2; return 1
  fi
  export MONGODB_URI="mongodb://127.0.0.1:$port/"
  echo "mongodb (SecantusDB): $MONGODB_URI (data: $path)"
}

stop_pid() { # pid — TERM, then KILL after 30 s: a wedged process must not hang a cleanup
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

dump_secantus_stacks() { # log file
  [ -n "$STARTED_MONGO_PID" ] || return 0
  kill -USR1 "$STARTED_MONGO_PID" 2>/dev/null || return 0
  sleep 1
  echo "---- SecantusDB threads (stack dump) ----"; tail -150 "$1"
}

stop_services() {
  if [ -n "$STARTED_MONGO_PID" ]; then
    stop_pid "$STARTED_MONGO_PID"
    STARTED_MONGO_PID=""
  fi
  if [ -n "$STARTED_PG_DIR" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STARTED_PG_DIR" -m fast stop >/dev/null 2>&1 || true
    STARTED_PG_DIR=""
  fi
}
