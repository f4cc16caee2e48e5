# A throwaway PostgreSQL cluster for tests: private port and socket, trust auth on loopback, fsync off.
# Sourced. Exports TEST_DATABASE_URL; stop_postgres removes everything.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
# Below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment by the local end of some
# outgoing connection (a benchmark opens thousands), and then PostgreSQL cannot bind. Retried on the next ports anyway.
PG_PORT=${PG_PORT:-25432}
PG_DIR=''

start_postgres() {
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/kantiv-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust --username=postgres -E UTF8 >/dev/null || return 1
  local _attempt
  for _attempt in 0 1 2 3 4 5 6 7 8 9; do
    say "Starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
    if "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
      "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null; then
      export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
      export PG_BIN PG_PORT
      return 0
    fi
    # Only a taken port is worth another try; anything else is reported as it is.
    grep -q 'Address already in use' "$PG_DIR/log" || break
    echo "port $PG_PORT is taken; trying $((PG_PORT + 1))" >&2
    PG_PORT=$((PG_PORT + 1))
    : >"$PG_DIR/log"
  done
  cat "$PG_DIR/log" >&2
  rm -rf "$PG_DIR"
  PG_DIR=''
  return 1
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=''
}
