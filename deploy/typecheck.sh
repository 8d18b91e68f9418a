#!/usr/bin/env bash
# mypy over the package as it is installed: pidesk.shared is shared/, pidesk.services is services/,
# pidesk.migrations is migrations/ (pyproject.toml's package-dir). The editable install maps them with an
# import hook a type checker cannot follow, so a tree of links under var/typecheck/ shows it the same
# layout. Strict on shared/ and every domain/ (pyproject.toml [tool.mypy]).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
root=var/typecheck
rm -rf "$root" && mkdir -p "$root/pidesk"
for file in pidesk/*.py; do ln -s "../../../$file" "$root/pidesk/"; done
for folder in shared services migrations; do ln -s "../../../$folder" "$root/pidesk/$folder"; done
cd "$root"
exec "../../$BIN/mypy" --config-file ../../pyproject.toml --cache-dir ../mypy-cache -p pidesk "$@"
