#!/usr/bin/env bash
# Runs a command beside a private PostgreSQL (unless TEST_DATABASE_URL is given) and a fresh private
# Kafka broker (unless KAFKA_BOOTSTRAP_SERVERS is given), exported to it in those two variables.
# Whatever it started is stopped again, also when the command fails.
#
#   deploy/with-infra.sh COMMAND [ARG…]      (`make test` and `make bench` use it)
set -euo pipefail
cd "$(dirname "$0")/.."
started_pg="" started_kafka=""
t_start=$SECONDS
what="$(basename "${1:?usage: with-infra.sh COMMAND [ARG…]}")"

cleanup() {
  local rc=$?
  [ -n "$started_kafka" ] && KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh stop || true
  [ -n "$started_pg" ] && deploy/local-postgres/postgres.sh stop || true
  echo "[with-infra] $what finished after $((SECONDS - t_start)) s"
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

"$@"
