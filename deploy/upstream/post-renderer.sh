#!/bin/sh
# A Helm post-renderer for the kruise chart: reads the rendered manifests on stdin and writes them
# with keep-off-kruised-nodes.yaml applied to the kruise-daemon DaemonSet (kubectl's kustomize).
#   helm upgrade kruise openkruise/kruise -n kruise-system --reuse-values --post-renderer "$PWD/deploy/upstream/post-renderer.sh"
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/chart.yaml"
cp "$here/keep-off-kruised-nodes.yaml" "$work/"
cat > "$work/kustomization.yaml" <<'YAML'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - chart.yaml
patches:
  - path: keep-off-kruised-nodes.yaml
    target:
      kind: DaemonSet
      name: kruise-daemon
YAML
kubectl kustomize "$work"
