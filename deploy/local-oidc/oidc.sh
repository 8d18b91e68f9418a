#!/usr/bin/env bash
# A local OpenID Connect provider for the dashboard's company sign-in: NAV's mock-oauth2-server,
# assembled from Maven Central jars like the local Kafka (deploy/local-kafka/).
#
#   oidc.sh fetch    resolve the jars into the cache (once; later runs reuse it)
#   oidc.sh start    start the provider, wait until it answers
#   oidc.sh stop     stop the provider started from OIDC_DATA_DIR (SIGTERM, then SIGKILL)
#   oidc.sh status   exit 0 when the provider is up
#
# The issuer is http://<host>:OIDC_PORT/pidesk (the path names it; the host is the one asked). Its
# sign-in page takes any user name and, optionally, claims as JSON — e.g. {"groups": ["pidesk-desk"]} —
# which go into the ID token with preferred_username = the name typed (config.json).
#
# Environment: OIDC_PORT (8090), OIDC_BIND (127.0.0.1), OIDC_DATA_DIR (./var/oidc),
# OIDC_CONFIG (config.json here), PIDESK_CACHE_DIR (~/.cache/pidesk), OIDC_HEAP (256m).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="$(sed -n 's:.*<mock-oauth2-server.version>\(.*\)</mock-oauth2-server.version>.*:\1:p' "$HERE/pom.xml")"
CACHE_DIR="${PIDESK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pidesk}"
LIB_DIR="$CACHE_DIR/mock-oauth2-server-$VERSION/lib"
PORT="${OIDC_PORT:-8090}"
BIND="${OIDC_BIND:-127.0.0.1}"
CONFIG="${OIDC_CONFIG:-$HERE/config.json}"
DATA_DIR="$(mkdir -p "${OIDC_DATA_DIR:-./var/oidc}" && cd "${OIDC_DATA_DIR:-./var/oidc}" && pwd)"
PID_FILE="$DATA_DIR/oidc.pid"
LOG_FILE="$DATA_DIR/oidc.log"
START_TIMEOUT="${OIDC_START_TIMEOUT:-60}"
MAIN_CLASS="no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"

log() { echo "[local-oidc] $*" >&2; }

need_tools() {
  if command -v java >/dev/null && command -v mvn >/dev/null; then return; fi
  log "installing a JDK and Maven from Debian's packages"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq default-jdk-headless maven >/dev/null
}

fetch() {
  if [ -f "$LIB_DIR/.complete" ]; then return; fi
  need_tools
  log "resolving mock-oauth2-server $VERSION jars from Maven Central into $LIB_DIR"
  local t0=$SECONDS build
  build="$(mktemp -d)"
  mkdir -p "$LIB_DIR"
  mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" package -Doidc.lib.dir="$LIB_DIR" \
    -Dproject.build.directory="$build"
  rm -rf "$build" "$HERE/target"
  touch "$LIB_DIR/.complete"
  log "jar cache ready in $((SECONDS - t0)) s: $(du -sh "$LIB_DIR" | cut -f1)"
}

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start() {
  if running; then log "already running (pid $(cat "$PID_FILE")) on $BIND:$PORT"; return; fi
  if port_open; then log "127.0.0.1:$PORT is already taken by another process"; exit 1; fi
  fetch
  local t0; t0=$(date +%s%N)
  # setsid: the provider ignores its caller's Ctrl-C; `oidc.sh stop` ends it
  SERVER_HOSTNAME="$BIND" SERVER_PORT="$PORT" JSON_CONFIG_PATH="$CONFIG" \
    setsid nohup java "-Xmx${OIDC_HEAP:-256m}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -cp "$LIB_DIR/*" "$MAIN_CLASS" > "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until running && port_open; do
    if ! running; then log "provider died; last lines of $LOG_FILE:"; tail -n 40 "$LOG_FILE" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "not ready after ${START_TIMEOUT}s"; stop; exit 1; fi
    sleep 0.2
  done
  log "ready on http://$BIND:$PORT/pidesk in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $(cat "$PID_FILE"), log $LOG_FILE)"
}

stop() {
  if ! running; then rm -f "$PID_FILE"; return; fi
  local pid; pid="$(cat "$PID_FILE")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "provider did not stop in 10 s; killing"; kill -KILL "$pid" || true; fi
  rm -f "$PID_FILE"
  log "stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) running && port_open ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
