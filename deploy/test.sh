#!/usr/bin/env bash
# `make test`: lint, then the whole pytest suite on the real broker and PostgreSQL.
# Extra arguments go to pytest: `bash deploy/test.sh -k relay`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
PIDESK_CHROMIUM="$(bash deploy/browser.sh)"  # the dashboard's browser tests drive Debian's chromium
export PIDESK_CHROMIUM
exec deploy/with-infra.sh bash -c '"$0/ruff" check . && "$0/python" -m pytest "$@"' "$BIN" "$@"
