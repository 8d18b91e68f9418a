#!/usr/bin/env bash
# A local single-node Apache Kafka (KRaft) assembled from Maven Central jars.
#
#   kafka.sh fetch    resolve the jars into the cache (once; later runs reuse it)
#   kafka.sh start    format storage if needed, start the broker, wait until it accepts clients
#   kafka.sh stop     stop the broker started from KAFKA_DATA_DIR (SIGTERM, then SIGKILL)
#   kafka.sh status   exit 0 when the broker is up
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_DATA_DIR (./var/kafka), PIDESK_CACHE_DIR (~/.cache/pidesk), KAFKA_HEAP (512m).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")"
CACHE_DIR="${PIDESK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pidesk}"
LIB_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA_DIR="$(mkdir -p "${KAFKA_DATA_DIR:-./var/kafka}" && cd "${KAFKA_DATA_DIR:-./var/kafka}" && pwd)"
PID_FILE="$DATA_DIR/kafka.pid"
LOG_FILE="$DATA_DIR/kafka.log"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"

log() { echo "[local-kafka] $*" >&2; }

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
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIB_DIR"
  local t0=$SECONDS build
  build="$(mktemp -d)"
  mkdir -p "$LIB_DIR"
  mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" package -Dkafka.lib.dir="$LIB_DIR" -DbuildDirectory="$build" \
    -Dproject.build.directory="$build"
  rm -rf "$build" "$HERE/target"
  touch "$LIB_DIR/.complete"
  log "jar cache ready in $((SECONDS - t0)) s: $(du -sh "$LIB_DIR" | cut -f1)"
}

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start() {
  if running; then log "already running (pid $(cat "$PID_FILE")) on 127.0.0.1:$PORT"; return; fi
  if port_open; then log "127.0.0.1:$PORT is already taken by another process"; exit 1; fi
  fetch
  local props="$DATA_DIR/server.properties" cp="$LIB_DIR/*" t0
  t0=$(date +%s%N)
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@LOG_DIR@|$DATA_DIR/data|g" "$HERE/server.properties.in" > "$props"
  local tools_log="-Dlog4j2.configurationFile=$HERE/tools-log4j2.properties"
  if [ ! -f "$DATA_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(java -Xmx256m "$tools_log" -cp "$cp" kafka.tools.StorageTool random-uuid | tail -n1)"
    java -Xmx256m "$tools_log" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$props" --ignore-formatted >/dev/null
  fi
  local heap="${KAFKA_HEAP:-512m}"
  # setsid: the broker outlives neither a clean stop nor this script's caller, but ignores its Ctrl-C
  setsid nohup java "-Xms128m" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$props" > "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until running && port_open; do
    if ! running; then log "broker died; last lines of $LOG_FILE:"; tail -n 40 "$LOG_FILE" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "not ready after ${START_TIMEOUT}s"; stop; exit 1; fi
    sleep 0.2
  done
  log "ready on 127.0.0.1:$PORT in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $(cat "$PID_FILE"), log $LOG_FILE)"
}

stop() {
  if ! running; then rm -f "$PID_FILE"; return; fi
  local pid; pid="$(cat "$PID_FILE")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "broker did not stop in 20 s; killing"; kill -KILL "$pid" || true; fi
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
