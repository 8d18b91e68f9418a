#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: its own data directory and port, never a system cluster.
#
#   postgres.sh start   install Debian's postgresql if missing, initdb once, start, create databases
#   postgres.sh stop    stop the cluster started from PG_DATA_DIR
#   postgres.sh url DB  print the SQLAlchemy async URL of database DB
#
# Environment: PG_PORT (55432), PG_DATA_DIR (./var/postgres), PG_DATABASES
# ("pidesk_intake pidesk_escalation pidesk_notifier pidesk_test"), PG_FSYNC (off for tests; `make bench`
# sets it on, as in production: every commit waits for the WAL flush).
set -euo pipefail

PORT="${PG_PORT:-55432}"
DATA_ROOT="$(mkdir -p "${PG_DATA_DIR:-./var/postgres}" && cd "${PG_DATA_DIR:-./var/postgres}" && pwd)"
DATA="$DATA_ROOT/data"
SOCKET_DIR="$DATA_ROOT/run"
LOG_FILE="$DATA_ROOT/postgres.log"
DATABASES="${PG_DATABASES:-pidesk_intake pidesk_escalation pidesk_notifier pidesk_test}"
PG_USER=pidesk
FSYNC="${PG_FSYNC:-off}"

log() { echo "[local-postgres] $*" >&2; }

bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

ensure_installed() {
  if bindir >/dev/null; then return; fi
  log "installing PostgreSQL from Debian's packages"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # only the binaries: tell postgresql-common not to create (and start) a system "main" cluster
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o Dpkg::Options::=--force-confold \
    postgresql >/dev/null
}

# initdb and postgres refuse to run as root: as root, run them as the 'postgres' system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    chown -R postgres "$DATA_ROOT"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

psql_cmd() { "$(bindir)/psql" -h 127.0.0.1 -p "$PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

start() {
  ensure_installed
  local bin; bin="$(bindir)"
  mkdir -p "$SOCKET_DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb into $DATA"
    mkdir -p "$DATA"
    as_owner "$bin/initdb" -D "$DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "already running on 127.0.0.1:$PORT"
  else
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG_FILE" -w -t 60 \
      -o "-p $PORT -k $SOCKET_DIR -c listen_addresses=127.0.0.1 -c fsync=$FSYNC -c synchronous_commit=$FSYNC -c max_connections=200" start >/dev/null
    log "ready on 127.0.0.1:$PORT (data $DATA, fsync $FSYNC)"
  fi
  for db in $DATABASES; do
    if [ -z "$(psql_cmd -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_cmd -c "CREATE DATABASE $db" >/dev/null
    fi
  done
}

stop() {
  local bin; bin="$(bindir)" || return 0
  [ -f "$DATA/postmaster.pid" ] || return 0
  as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "postgresql+asyncpg://$PG_USER@127.0.0.1:$PORT/${2:?database name}" ;;
  *) echo "usage: $0 start|stop|url DB" >&2; exit 2 ;;
esac
