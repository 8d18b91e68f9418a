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
#
# Opt-in secure listeners, next to the PLAINTEXT one (which stays as it is), on 127.0.0.1 — for testing
# the services' TLS and SASL settings against a real broker (tests/integration/test_kafka_security.py):
#   KAFKA_SASL_SSL_PORT        a SASL_SSL listener (SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN)
#   KAFKA_SASL_PLAINTEXT_PORT  a SASL_PLAINTEXT listener (the same mechanisms, no TLS)
#   KAFKA_SSL_PORT             an SSL listener that requires a client certificate (mutual TLS)
#   KAFKA_SASL_USERS           name=password[,name=password...] ([A-Za-z0-9._-]): SCRAM credentials, stored
#                              when KAFKA_DATA_DIR is formatted (so: a new data dir), and PLAIN users
#   KAFKA_BROKER_CERTFILE, KAFKA_BROKER_KEYFILE   the TLS listeners' certificate (chain) and its key:
#                              PEM, the key unencrypted PKCS#8 ("BEGIN PRIVATE KEY")
#   KAFKA_CLIENT_CAFILE        PEM CA(s) whose client certificates the SSL listener accepts
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
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/${1:-$PORT}") 2>/dev/null; }

# The opt-in secure listeners (see the top): name:port pairs, in the order given.
SECURE_LISTENERS=()
[ -n "${KAFKA_SASL_SSL_PORT:-}" ] && SECURE_LISTENERS+=("SASL_SSL:$KAFKA_SASL_SSL_PORT")
[ -n "${KAFKA_SASL_PLAINTEXT_PORT:-}" ] && SECURE_LISTENERS+=("SASL_PLAINTEXT:$KAFKA_SASL_PLAINTEXT_PORT")
[ -n "${KAFKA_SSL_PORT:-}" ] && SECURE_LISTENERS+=("SSL:$KAFKA_SSL_PORT")

all_ports_open() {
  port_open "$PORT" || return 1
  local listener
  for listener in "${SECURE_LISTENERS[@]}"; do port_open "${listener#*:}" || return 1; done
}

# A PEM file as a java.util.Properties value: one line per PEM line, continued with a backslash.
pem_value() { awk 'NF { printf "%s\\n\\\n", $0 }' "$1"; echo; }

sasl_users() {
  local entry entries=()
  IFS=',' read -r -a entries <<< "${KAFKA_SASL_USERS:-}"
  for entry in "${entries[@]}"; do
    if ! [[ "$entry" =~ ^[A-Za-z0-9._-]+=[A-Za-z0-9._-]+$ ]]; then
      log "KAFKA_SASL_USERS: expected name=password[,name=password...] of [A-Za-z0-9._-]"; exit 1
    fi
    echo "$entry"
  done
}

# Adds the secure listeners to the generated server.properties `$1` (nothing when none is asked for).
add_secure_listeners() {
  local props="$1" listener name port tls="" sasl="" extra="" map=""
  [ ${#SECURE_LISTENERS[@]} -gt 0 ] || return 0
  sasl_users >/dev/null  # exits here, not in a subshell, when KAFKA_SASL_USERS is malformed
  for listener in "${SECURE_LISTENERS[@]}"; do
    name="${listener%%:*}"; port="${listener#*:}"
    if port_open "$port"; then log "127.0.0.1:$port is already taken by another process"; exit 1; fi
    extra="$extra,$name://127.0.0.1:$port"; map="$map,$name:$name"
    case "$name" in *SSL) tls=1 ;; esac
    case "$name" in SASL_*) sasl=1 ;; esac
  done
  sed -i -e "s|^listeners=.*|&$extra|" -e "s|^advertised.listeners=.*|&$extra|" \
      -e "s|^listener.security.protocol.map=.*|&$map|" "$props"
  {
    echo "# opt-in secure listeners (kafka.sh)"
    if [ -n "$tls" ]; then
      local file
      for file in KAFKA_BROKER_CERTFILE KAFKA_BROKER_KEYFILE; do
        if [ ! -f "${!file:-}" ]; then log "$file must name the TLS listeners' PEM file"; exit 1; fi
      done
      echo "ssl.keystore.type=PEM"
      printf 'ssl.keystore.certificate.chain='; pem_value "$KAFKA_BROKER_CERTFILE"
      printf 'ssl.keystore.key='; pem_value "$KAFKA_BROKER_KEYFILE"
    fi
    if [ -n "${KAFKA_SSL_PORT:-}" ]; then
      if [ ! -f "${KAFKA_CLIENT_CAFILE:-}" ]; then log "KAFKA_SSL_PORT needs KAFKA_CLIENT_CAFILE"; exit 1; fi
      echo "ssl.truststore.type=PEM"
      echo "ssl.truststore.location=$(realpath "$KAFKA_CLIENT_CAFILE")"
      echo "listener.name.ssl.ssl.client.auth=required"
    fi
    if [ -n "$sasl" ]; then
      local plain_users="" user
      for user in $(sasl_users); do plain_users="$plain_users user_${user%%=*}=\"${user#*=}\""; done
      echo "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN"
      for name in sasl_ssl sasl_plaintext; do
        echo "listener.name.$name.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
        echo "listener.name.$name.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
        echo "listener.name.$name.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain_users;"
      done
    fi
  } >> "$props"
}

# --add-scram arguments of the storage tool: each user's SCRAM-SHA-512 and SCRAM-SHA-256 credentials.
scram_arguments() {
  local user
  for user in $(sasl_users); do
    printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "${user%%=*}" "${user#*=}"
    printf -- '--add-scram\nSCRAM-SHA-256=[name=%s,password=%s]\n' "${user%%=*}" "${user#*=}"
  done
}

start() {
  if running; then log "already running (pid $(cat "$PID_FILE")) on 127.0.0.1:$PORT"; return; fi
  if port_open; then log "127.0.0.1:$PORT is already taken by another process"; exit 1; fi
  fetch
  local props="$DATA_DIR/server.properties" cp="$LIB_DIR/*" t0
  t0=$(date +%s%N)
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@LOG_DIR@|$DATA_DIR/data|g" "$HERE/server.properties.in" > "$props"
  add_secure_listeners "$props"
  local tools_log="-Dlog4j2.configurationFile=$HERE/tools-log4j2.properties"
  if [ ! -f "$DATA_DIR/data/meta.properties" ]; then
    local cluster_id scram=()
    cluster_id="$(java -Xmx256m "$tools_log" -cp "$cp" kafka.tools.StorageTool random-uuid | tail -n1)"
    [ -z "${KAFKA_SASL_USERS:-}" ] || mapfile -t scram < <(scram_arguments)
    java -Xmx256m "$tools_log" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$props" --ignore-formatted "${scram[@]}" >/dev/null
  elif [ -n "${KAFKA_SASL_USERS:-}" ]; then
    log "KAFKA_SASL_USERS: SCRAM users are stored when a data dir is formatted; $DATA_DIR already is"
  fi
  local heap="${KAFKA_HEAP:-512m}"
  # setsid: the broker outlives neither a clean stop nor this script's caller, but ignores its Ctrl-C
  setsid nohup java "-Xms128m" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$props" > "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until running && all_ports_open; do
    if ! running; then log "broker died; last lines of $LOG_FILE:"; tail -n 40 "$LOG_FILE" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "not ready after ${START_TIMEOUT}s"; stop; exit 1; fi
    sleep 0.2
  done
  log "ready on 127.0.0.1:$PORT${SECURE_LISTENERS[*]:+ (and ${SECURE_LISTENERS[*]})} in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $(cat "$PID_FILE"), log $LOG_FILE)"
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
