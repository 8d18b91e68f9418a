#!/usr/bin/env bash
# Prints the path of a helm binary of the pinned version, installing it on first use from its Go module
# into var/tools (or $PIDESK_TOOLS_DIR), where later runs find it. Needs Go (`go` on the PATH, in
# /usr/local/go/bin, or $GO) only for that first install: a few minutes of compiling, once.
# PIDESK_HELM=/path/to/helm skips all of this and uses that binary.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION="${PIDESK_HELM_VERSION:-v3.22.0}"
# the Kubernetes minor version of helm's client-go (k8s.io/* v0.37 in helm v3.22.0): what `helm template` and
# `helm lint` assume of the cluster, as in helm's own release builds (its Makefile's LDFLAGS)
K8S_MINOR="${PIDESK_HELM_K8S_MINOR:-37}"
BUILD="$HELM_VERSION k8s-1.$K8S_MINOR"

if [ -n "${PIDESK_HELM:-}" ]; then
  echo "$PIDESK_HELM"
  exit 0
fi
TOOLS="${PIDESK_TOOLS_DIR:-$PWD/var/tools}"
mkdir -p "$TOOLS"
TOOLS="$(cd "$TOOLS" && pwd)"
HELM="$TOOLS/helm"
STAMP="$TOOLS/helm.version"  # what the binary was built as

installed() { [ -x "$HELM" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BUILD" ]; }

if ! installed; then
  GO="${GO:-$(command -v go || true)}"
  if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
  if [ -z "$GO" ] && [ -x "$HELM" ]; then
    echo "helm-tool: Go is missing to build helm $BUILD; using $HELM ($(cat "$STAMP" 2>/dev/null || echo unknown))" >&2
    echo "$HELM"
    exit 0
  fi
  if [ -z "$GO" ]; then
    echo "helm-tool: helm $HELM_VERSION is not in $TOOLS and Go is missing to build it" >&2
    exit 3
  fi
  exec 9>"$TOOLS/.helm.lock"
  flock 9  # one install at a time; the others wait for it and then find the binary
  if ! installed; then
    echo "helm-tool: building helm $HELM_VERSION from its Go module into $TOOLS (once; a few minutes)" >&2
    build="$(mktemp -d "$TOOLS/.helm-build.XXXXXX")"
    trap 'rm -rf "$build"' EXIT
    start=$SECONDS
    ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    for pkg in pkg/lint/rules pkg/chartutil; do
      ldflags="$ldflags -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$K8S_MINOR"
    done
    CGO_ENABLED=0 GOBIN="$build" "$GO" install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
    mv -f "$build/helm" "$HELM"
    echo "$BUILD" > "$STAMP"
    echo "helm-tool: built in $((SECONDS - start)) s" >&2
  fi
fi
echo "$HELM"
