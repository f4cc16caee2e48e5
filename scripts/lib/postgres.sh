# A throwaway PostgreSQL cluster for tests: private port and socket, trust auth on loopback, fsync off.
# Sourced. Exports TEST_DATABASE_URL; stop_postgres removes everything.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_PORT=${PG_PORT:-55432}
PG_DIR=''

start_postgres() {
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/kantiv-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  say "Starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust --username=postgres -E UTF8 >/dev/null || return 1
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_BIN PG_PORT
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=''
}
