#!/usr/bin/env bash
# `make test`: lint, format check and type check, then the whole pytest suite on the real broker and PostgreSQL.
# Extra arguments go to pytest: `bash deploy/test.sh -k relay`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
PIDESK_CHROMIUM="$(bash deploy/browser.sh)"  # the dashboard's browser tests drive Debian's chromium
export PIDESK_CHROMIUM
"$BIN/ruff" check .
"$BIN/ruff" format --check .
bash deploy/typecheck.sh  # mypy: strict on shared/ and every domain/ (pyproject.toml [tool.mypy])
bash deploy/local-oidc/oidc.sh fetch >/dev/null  # the company sign-in test's provider: jars resolved before the suite
exec deploy/with-infra.sh "$BIN/python" -m pytest "$@"
