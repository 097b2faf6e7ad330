#!/usr/bin/env bash
# make-image.sh: builds deploy/Dockerfile without Docker, into an OCI image layout (`make image`).
#
# buildah (from Debian) runs the Dockerfile itself, with chroot isolation, so the image is made by
# the very steps a `docker buildx build` runs: nothing here restates them. Machines that reach
# only the npm registry and Debian cannot pull the base image the Dockerfile names
# (docker.io/library/node:24.21.0-bookworm-slim), so this script first makes a local image under
# that name from the same ingredients: Debian bookworm (mmdebstrap, minbase + ca-certificates)
# plus /usr/local/bin/node from the npm package node-linux-<arch>@24.21.0 (as scripts/toolchain.sh
# pins it) and npm from the npm package. The base only feeds the build stages and the node binary
# and C libraries that scripts/image-rootfs.mjs copies out; the runtime stage is FROM scratch.
#
# Usage (as root, Debian 12):
#   scripts/make-image.sh [--tag TAG] [--out DIR] [--arch amd64|arm64]
#     --tag   the image's tag (default: dev), also its reference name in the layout
#     --out   the OCI layout directory (default: .cache/image/oci); it may hold several tags
#     --arch  the target CPU (default: this machine's). Only this machine's CPU for now: the base
#             image is one local image per name, so a second CPU needs a manifest list for it.
#             (The Dockerfile itself builds arm64 on amd64 without emulation under buildx.)
# Prints `image TAG <digest> <compressed bytes> <unpacked bytes>` as its last line.
#
# Environment: KRUISED_IMAGE_CACHE (default /var/tmp/kruised-image) holds buildah's storage (its
# layer cache makes a rebuild with the same package-lock.json skip `npm ci`) and the base image.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_VERSION=24.21.0 # scripts/toolchain.sh's NODE_PKG_VERSION; the Dockerfile's tag must match
NPM_VERSION=11.19.1  # npm for the base image's build stages
SUITE=bookworm
BASE_NAME=docker.io/library/node:$NODE_VERSION-$SUITE-slim
PKGS=(buildah mmdebstrap skopeo umoci)

TAG=dev
OUT=$ROOT/.cache/image/oci
ARCH=$(dpkg --print-architecture)
while [ $# -gt 0 ]; do
  case $1 in
    --tag) TAG=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --arch) ARCH=$2; shift 2 ;;
    *) echo "make-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $ARCH in amd64) NODE_ARCH=x64 ;; arm64) NODE_ARCH=arm64 ;; *) echo "make-image: unsupported arch $ARCH (amd64, arm64)" >&2; exit 2 ;; esac
[ "$ARCH" = "$(dpkg --print-architecture)" ] || { echo "make-image: --arch $ARCH: only this machine's CPU ($(dpkg --print-architecture)) is built here; use docker buildx for others" >&2; exit 2; }

log() { printf '[make-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

[ "$(id -u)" = 0 ] || die "needs root (buildah with chroot isolation, mmdebstrap)"
grep -q "^ARG NODE_IMAGE=$BASE_NAME\$" "$ROOT/deploy/Dockerfile" || die "deploy/Dockerfile does not build on $BASE_NAME (NODE_VERSION here and there must agree)"
grep -q "^NODE_PKG_VERSION=$NODE_VERSION " "$ROOT/scripts/toolchain.sh" || die "scripts/toolchain.sh does not pin Node $NODE_VERSION"

missing=()
for p in "${PKGS[@]}"; do command -v "$p" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends)
  { "${apt[@]}" install "${PKGS[@]}" >/dev/null 2>&1; } ||
    { apt-get -qq -o DPkg::Lock::Timeout=300 update && "${apt[@]}" install "${PKGS[@]}" >/dev/null; }
fi

CACHE=${KRUISED_IMAGE_CACHE:-/var/tmp/kruised-image}
mkdir -p "$CACHE"
B=(buildah --root "$CACHE/storage" --runroot "$CACHE/run" --storage-driver overlay)

# This machine's egress CA, when npm's TLS goes through one (NODE_EXTRA_CA_CERTS): the build
# steps get the file mounted read-only and the base image names it. It never reaches the runtime
# stage, which is FROM scratch.
CA_FILE=${NODE_EXTRA_CA_CERTS:-}
[ -n "$CA_FILE" ] && [ ! -f "$CA_FILE" ] && CA_FILE=

T0=$(now_ms)
base_present() { "${B[@]}" inspect --type image --format '{{.OCIv1.Architecture}}' "$BASE_NAME" 2>/dev/null | grep -qx "$ARCH"; }
if ! base_present; then
  log "making $BASE_NAME for $ARCH from Debian $SUITE and node-linux-$NODE_ARCH@$NODE_VERSION"
  work=$(mktemp -d "$CACHE/base.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mmdebstrap --quiet --arch="$ARCH" --variant=minbase --include=ca-certificates --format=tar "$SUITE" "$work/debian.tar" >&2
  mkdir -p "$work/usr/local/bin" "$work/usr/local/lib/node_modules/npm" "$work/pack"
  (cd "$work/pack" && npm pack --silent "node-linux-$NODE_ARCH@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$work/pack/node-linux-$NODE_ARCH-$NODE_VERSION.tgz" -C "$work/pack" package/bin/node
  mv "$work/pack/package/bin/node" "$work/usr/local/bin/node"
  tar -xzf "$work/pack/npm-$NPM_VERSION.tgz" -C "$work/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/usr/local/bin/npx"
  ctr=$("${B[@]}" from --arch "$ARCH" scratch)
  "${B[@]}" add "$ctr" "$work/debian.tar" / >/dev/null
  "${B[@]}" copy "$ctr" "$work/usr" /usr >/dev/null
  env_args=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$NODE_VERSION")
  [ -n "$CA_FILE" ] && env_args+=(--env NODE_EXTRA_CA_CERTS="$CA_FILE")
  "${B[@]}" config --arch "$ARCH" --os linux "${env_args[@]}" --cmd node "$ctr"
  "${B[@]}" commit --quiet --rm "$ctr" "$BASE_NAME" >/dev/null
  rm -rf "$work"
  trap - EXIT
fi
T_BASE=$(now_ms)

volumes=()
[ -n "$CA_FILE" ] && volumes+=(--volume "$CA_FILE:$CA_FILE:ro")
log "building deploy/Dockerfile for linux/$ARCH"
"${B[@]}" build --quiet --isolation chroot --pull=never --layers --platform "linux/$ARCH" "${volumes[@]}" \
  -f "$ROOT/deploy/Dockerfile" -t "localhost/kruised:$TAG" "$ROOT" >&2
T_BUILD=$(now_ms)

mkdir -p "$(dirname "$OUT")"
"${B[@]}" push --quiet "localhost/kruised:$TAG" "oci:$OUT:$TAG" >&2
digest=$(skopeo inspect --raw "oci:$OUT:$TAG" | sha256sum | cut -d' ' -f1)
compressed=$(skopeo inspect --raw "oci:$OUT:$TAG" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log(m.layers.reduce((a,l)=>a+l.size,0)+m.config.size)})')
unpacked=$("${B[@]}" images --format "{{.Size}}" "localhost/kruised:$TAG" 2>/dev/null | sed -n 1p | tr -d " ")
# The layout holds the image now; buildah keeps only its layer cache.
"${B[@]}" rmi "localhost/kruised:$TAG" >/dev/null
log "base $(( (T_BASE - T0) / 1000 )) s, build $(( (T_BUILD - T_BASE) / 1000 )) s, push to the layout $(( ($(now_ms) - T_BUILD) / 1000 )) s"
echo "image $TAG sha256:$digest $compressed $unpacked"
