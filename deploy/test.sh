#!/usr/bin/env bash
# `make test`: a private PostgreSQL (unless TEST_DATABASE_URL is given) and a private Kafka broker
# (unless KAFKA_BOOTSTRAP_SERVERS is given), then lint and the whole pytest suite. Whatever it
# started is stopped again, also when the tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
started_pg="" started_kafka=""
t_start=$SECONDS

cleanup() {
  local rc=$?
  [ -n "$started_kafka" ] && KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh stop || true
  [ -n "$started_pg" ] && deploy/local-postgres/postgres.sh stop || true
  echo "[make test] wall time $((SECONDS - t_start)) s"
  exit $rc
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  deploy/local-postgres/postgres.sh start
  started_pg=1
  TEST_DATABASE_URL="$(deploy/local-postgres/postgres.sh url pidesk_test)"
  export TEST_DATABASE_URL
fi

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  export KAFKA_PORT="${TEST_KAFKA_PORT:-19092}"
  KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh stop
  rm -rf var/test-kafka  # a fresh broker per run: topics and groups from earlier runs cannot leak in
  KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh start
  started_kafka=1
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
  unset KAFKA_PORT
fi

"$BIN/ruff" check .
"$BIN/python" -m pytest "$@"
