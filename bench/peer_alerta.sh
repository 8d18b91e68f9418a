#!/usr/bin/env bash
# Peer comparison (issue 10): Alerta 9.1 `POST /alert`, gunicorn 4 workers, on the same PostgreSQL.
#
#   PEER_DATABASE_URL=postgresql://pidesk@127.0.0.1:55432/pidesk_test bench/peer_alerta.sh
#
# Installs alerta-server 9.1.0, gunicorn and psycopg2-binary into var/bench/alerta-venv (reused when
# present) and wrk (deploy/bench-tools.sh); creates the database alerta_bench afresh on the server of
# PEER_DATABASE_URL (postgresql:// or the services' postgresql+asyncpg:// form; default:
# TEST_DATABASE_URL, as deploy/with-infra.sh exports it); serves Alerta with `gunicorn -w 4` (sync
# workers, --preload, Alerta's defaults, no authentication); warms up, then runs wrk with
# bench/wrk/alerta.lua (a new alert, a distinct resource, per request). Prints ONE JSON line on stdout with the keys of
# bench/loadgen.py (requests_per_second, p50_ms, p90_ms, p99_ms, max_ms, non_2xx, socket_errors, …)
# plus the peer's description; progress goes to stderr. gunicorn is stopped and alerta_bench dropped
# on every exit.
#
# Environment: BENCH_SECONDS (20), PEER_CONNECTIONS (32), PEER_THREADS (2, wrk threads),
# PEER_WORKERS (4), PEER_WARMUP_SECONDS (3), PEER_PORT (a free one), PEER_KEEP_DATABASE (unset: drop).
set -euo pipefail
cd "$(dirname "$0")/.."

ALERTA_VERSION=9.1.0
VENV=var/bench/alerta-venv
LOG=var/bench/alerta-gunicorn.log
DURATION="${BENCH_SECONDS:-20}"
CONNECTIONS="${PEER_CONNECTIONS:-32}"
THREADS="${PEER_THREADS:-2}"
WORKERS="${PEER_WORKERS:-4}"
WARMUP="${PEER_WARMUP_SECONDS:-3}"
SOURCE_URL="${PEER_DATABASE_URL:-${TEST_DATABASE_URL:-}}"
DB_NAME=alerta_bench

log() { echo "[peer-alerta] $*" >&2; }
die() { log "$*"; exit 1; }

[ -n "$SOURCE_URL" ] || die "set PEER_DATABASE_URL (postgresql://user@host:port/db) to the PostgreSQL to use"
mkdir -p var/bench

# --- tools: wrk from Debian, Alerta in its own virtualenv -------------------------------------
WRK="$(bash deploy/bench-tools.sh)"

if [ ! -f "$VENV/.installed-$ALERTA_VERSION" ]; then
  log "installing alerta-server $ALERTA_VERSION, gunicorn and psycopg2-binary into $VENV"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "alerta-server==$ALERTA_VERSION" gunicorn psycopg2-binary >&2
  touch "$VENV/.installed-$ALERTA_VERSION"
fi
PY="$VENV/bin/python"

# --- database: alerta_bench on the same server, created afresh --------------------------------
# prints "<admin URL>\t<alerta URL>": both libpq URLs, the driver suffix (+asyncpg) removed
urls="$("$PY" - "$SOURCE_URL" "$DB_NAME" <<'PYEOF'
import sys
from urllib.parse import urlsplit, urlunsplit

given, name = sys.argv[1], sys.argv[2]
parts = urlsplit(given)
if parts.scheme.split("+")[0] not in ("postgresql", "postgres") or not parts.hostname:
    sys.exit(f"PEER_DATABASE_URL is not a postgresql:// URL: {given}")
admin = urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", parts.query, ""))
print(admin + "\t" + urlunsplit(("postgresql", parts.netloc, "/" + name, parts.query, "")))
PYEOF
)" || die "cannot read PEER_DATABASE_URL"
ADMIN_URL="${urls%%$'\t'*}"
ALERTA_DB_URL="${urls#*$'\t'}"

database() {  # database create|drop
  "$PY" - "$1" "$ADMIN_URL" "$DB_NAME" <<'PYEOF'
import sys

import psycopg2

action, admin_url, name = sys.argv[1:]
conn = psycopg2.connect(admin_url)
conn.autocommit = True
with conn.cursor() as cur:
    force = " WITH (FORCE)" if conn.server_version >= 130000 else ""
    cur.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')
    if action == "create":
        cur.execute(f'CREATE DATABASE "{name}"')
conn.close()
PYEOF
}

GUNICORN_PID=""
cleanup() {
  local rc=$?
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
    log "gunicorn stopped"
  fi
  if [ -z "${PEER_KEEP_DATABASE:-}" ] && [ -n "${DB_CREATED:-}" ]; then
    database drop || log "could not drop $DB_NAME"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

database create
DB_CREATED=1
log "database $DB_NAME created on $(echo "$ALERTA_DB_URL" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')"

# --- Alerta under gunicorn --------------------------------------------------------------------
PORT="${PEER_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
export DATABASE_URL="$ALERTA_DB_URL" AUTH_REQUIRED=False DEBUG=False LOG_LEVEL=WARNING
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
export SECRET_KEY
unset SENTRY_DSN

# Alerta creates (and alters) its schema whenever an app is made: --preload makes it once, in the
# master, before the workers fork (4 workers running schema.sql at once can deadlock in PostgreSQL).
# Connections are per request (Alerta opens one per request and closes it), so none is shared.
: >"$LOG"
"$VENV/bin/gunicorn" --workers "$WORKERS" --preload --bind "127.0.0.1:$PORT" --log-level warning \
  --error-logfile "$LOG" 'alerta:create_app()' >>"$LOG" 2>&1 &
GUNICORN_PID=$!

URL="http://127.0.0.1:$PORT"
"$PY" - "$URL" "$GUNICORN_PID" <<'PYEOF' || die "Alerta did not answer: $(tail -n 30 "$LOG")"
import os
import sys
import time
import urllib.request

url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("gunicorn exited")
    try:
        with urllib.request.urlopen(url + "/management/healthcheck", timeout=5) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.3)
sys.exit("not ready within 60 s")
PYEOF
log "alerta-server $ALERTA_VERSION on $URL (gunicorn $("$VENV/bin/gunicorn" --version 2>&1 | awk '{print $NF}' | tr -d '()'), $WORKERS workers)"

# --- load -------------------------------------------------------------------------------------
run_wrk() {  # run_wrk SECONDS → the JSON line of bench/wrk/common.lua
  local out
  out="$("$WRK" "-t$THREADS" "-c$CONNECTIONS" "-d${1}s" --timeout 10s --latency -s bench/wrk/alerta.lua "$URL")" \
    || die "wrk failed: $out"
  echo "$out" | grep '^{"tool": "wrk"' | tail -n 1
}
if [ "$WARMUP" -gt 0 ]; then
  log "warm-up ${WARMUP} s"
  run_wrk "$WARMUP" >/dev/null
fi
log "wrk: $CONNECTIONS connections, $THREADS threads, ${DURATION} s, POST /alert"
result="$(run_wrk "$DURATION")"
[ -n "$result" ] || die "no result from wrk"

"$PY" - "$result" "$ALERTA_VERSION" "$WORKERS" "$CONNECTIONS" "$THREADS" <<'PYEOF'
import importlib.metadata as metadata
import json
import sys

result, version, workers, connections, threads = sys.argv[1:]
result = json.loads(result)
result.update(
    peer=f"alerta-server {version}",
    endpoint="POST /alert",
    server=f"gunicorn {metadata.version('gunicorn')} sync, {workers} workers",
    database="alerta_bench (PostgreSQL, same server)",
    connections=int(connections),
    threads=int(threads),
)
print(json.dumps(result))
PYEOF
