#!/usr/bin/env bash
# Checks the Helm chart: `helm lint --strict` and `helm template` with each value set of
# deploy/helm/pidesk/ci/ (the defaults plus secrets; an existing Kafka with TLS and SASL/SCRAM and an
# external PostgreSQL; KEDA; the Strimzi and CloudNativePG examples), the examples alone, and that the
# chart refuses to render without its secrets. Exits non-zero on the first failure.
# Usage: deploy/chart-check.sh [OUT_DIR]   (each rendering kept as OUT_DIR/<set>.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
HELM="$(bash deploy/helm-tool.sh)"
CHART=deploy/helm/pidesk
OUT="${1:-}"
if [ -z "$OUT" ]; then
  OUT="$(mktemp -d)"
  trap 'rm -rf "$OUT"' EXIT
fi
mkdir -p "$OUT"

for values in "$CHART"/ci/*-values.yaml; do
  set_name="$(basename "$values" -values.yaml)"
  echo "chart-check: $set_name" >&2
  "$HELM" lint --strict "$CHART" --namespace pidesk -f "$values" >&2
  "$HELM" template pidesk "$CHART" --namespace pidesk -f "$values" > "$OUT/$set_name.yaml"
done

echo "chart-check: examples alone (the first of the two installs)" >&2
"$HELM" template pidesk "$CHART" --namespace pidesk -f "$CHART/ci/examples-values.yaml" \
  --set examples.only=true > "$OUT/examples-only.yaml"

echo "chart-check: no secrets given" >&2
if "$HELM" template pidesk "$CHART" --namespace pidesk > "$OUT/no-secrets.out" 2>&1; then
  echo "chart-check: the chart rendered without its secrets; it must refuse" >&2
  exit 1
fi
grep -q "is required" "$OUT/no-secrets.out" || { cat "$OUT/no-secrets.out" >&2; exit 1; }
echo "chart-check: ok ($OUT)" >&2
