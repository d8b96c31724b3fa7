#!/usr/bin/env bash
# Test service: a throw-away PostgreSQL cluster (Debian's package) on 127.0.0.1:5440 for the store
# tests that run against PostgreSQL as well as SQLite. `start` installs the package when missing,
# creates the cluster under /tmp, starts it and prints where it is; `stop` stops it.
# Protocol: .ci/with-services.sh
set -euo pipefail
PORT=5440
DATA=/tmp/candor-postgres-$PORT
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
case "${1:-}" in
  start)
    if [ -z "$(bin)" ]; then
      echo "installing postgresql (Debian package)…" >&2
      if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
      $SUDO apt-get update >&2
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql >&2
    fi
    BIN=$(bin)
    if [ ! -s "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA"
      mkdir -p "$DATA"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$DATA"
      as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >&2
    fi
    if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $DATA -c fsync=off -c max_connections=200" start >&2
    fi
    echo "postgresql: ready on 127.0.0.1:$PORT" >&2
    echo "export CANDOR_TEST_POSTGRES=postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN=$(bin)
    [ -n "$BIN" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
