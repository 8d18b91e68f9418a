#!/usr/bin/env bash
# The load generator the benchmarks drive: wrk (HTTP, closed-loop, Lua-scripted) from Debian's
# packages. Idempotent and quiet: installs only when missing (apt's output is shown only if it
# fails), then prints wrk's path on stdout.
#
#   deploy/bench-tools.sh            (bench/loadgen.py and bench/peer_alerta.sh call it)
#
# Debian's wrk is wrk 4 (closed-loop, no -R fixed rate): bench/loadgen.py has the fixed-rate client.
set -euo pipefail

if ! command -v wrk >/dev/null 2>&1; then
  echo "[bench-tools] installing wrk from Debian's packages" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  apt_log="$(mktemp)"
  trap 'rm -f "$apt_log"' EXIT
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    echo "[bench-tools] could not install wrk" >&2
    exit 1
  fi
fi
command -v wrk
