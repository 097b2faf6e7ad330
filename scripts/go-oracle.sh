#!/usr/bin/env bash
# go-oracle.sh: Go 1.23 (the Go kruise builds with) for the env-hash cross-check, whose expected
# values come from a small Go program of ours (test/machines/container-meta/go-oracle/) run by
# the real Go standard library.
#
#   scripts/go-oracle.sh install   as root on Debian 12: apt-get golang-1.23-go from
#                                  bookworm-backports (returns at once when it is there)
#   scripts/go-oracle.sh path      print the go binary's path, or nothing (exit 1) when absent
#   scripts/go-oracle.sh ensure    `install` when root and apt-get exist; otherwise say, loudly,
#                                  that the cross-check will be skipped (exit 0 either way: the
#                                  committed fixture is still checked). `make test` runs this.
set -euo pipefail

GO_PKG=golang-1.23-go
GO_BIN=/usr/lib/go-1.23/bin/go
BACKPORTS_LIST=/etc/apt/sources.list.d/kruised-bookworm-backports.list

log() { printf '[go-oracle] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

has_go() { [ -x "$GO_BIN" ] && "$GO_BIN" version >/dev/null 2>&1; }

cmd_install() {
  if has_go; then log "install: $("$GO_BIN" version) is present"; return 0; fi
  [ "$(id -u)" = 0 ] || die "needs root (apt-get)"
  command -v apt-get >/dev/null || die "there is no apt-get to install $GO_PKG with"
  [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = bookworm ] || die "the backports source is for Debian 12 (bookworm)"
  local t0 apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends)
  t0=$(date +%s%3N)
  export DEBIAN_FRONTEND=noninteractive
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$BACKPORTS_LIST"
  fi
  if ! apt-cache policy "$GO_PKG" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get -qq -o DPkg::Lock::Timeout=300 update
  fi
  # a list gone stale since the last update gives 404s: refresh it once and retry
  "${apt[@]}" -t bookworm-backports install "$GO_PKG" >/dev/null ||
    { apt-get -qq -o DPkg::Lock::Timeout=300 update && "${apt[@]}" -t bookworm-backports install "$GO_PKG" >/dev/null; }
  has_go || die "$GO_PKG is installed but $GO_BIN does not run"
  log "install: $("$GO_BIN" version) in $(( $(date +%s%3N) - t0 )) ms"
}

cmd_ensure() {
  if has_go; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    cmd_install && return 0
    log "################################################################################"
    log "## installing $GO_PKG failed: the env-hash Go cross-check will be SKIPPED"
    log "################################################################################"
    return 0
  fi
  log "################################################################################"
  log "## no Go 1.23 at $GO_BIN and no root/apt-get to install it:"
  log "## the env-hash Go cross-check will be SKIPPED (run scripts/go-oracle.sh install as root)"
  log "################################################################################"
}

case "${1:-}" in
  install) cmd_install ;;
  ensure) cmd_ensure ;;
  path) has_go && echo "$GO_BIN" ;;
  *) echo "usage: $0 install|ensure|path" >&2; exit 2 ;;
esac
