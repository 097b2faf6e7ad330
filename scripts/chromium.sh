#!/usr/bin/env bash
# chromium.sh: Debian's Chromium for the inspector page's browser test (test/inspect/page.browser.test.ts),
# driven headless by playwright-core (pinned in package.json) at /usr/bin/chromium.
#
#   scripts/chromium.sh install   as root with apt-get: install the `chromium` package (returns at
#                                 once when it is there)
#   scripts/chromium.sh path      print the browser's path, or nothing (exit 1) when absent
#   scripts/chromium.sh ensure    `install` when root and apt-get exist; otherwise say, loudly, that
#                                 the browser test will be skipped (exit 0 either way). `make test` runs this.
set -euo pipefail

BROWSER=/usr/bin/chromium

log() { printf '[chromium] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

has_browser() { [ -x "$BROWSER" ] && "$BROWSER" --version >/dev/null 2>&1; }

cmd_install() {
  if has_browser; then log "install: $("$BROWSER" --version) is present"; return 0; fi
  [ "$(id -u)" = 0 ] || die "needs root (apt-get)"
  command -v apt-get >/dev/null || die "there is no apt-get to install chromium with"
  local t0 apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends)
  t0=$(date +%s%3N)
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get -qq -o DPkg::Lock::Timeout=300 update
  fi
  # fonts-dejavu-core: the page's labels need a font; a list gone stale gives 404s: refresh once and retry
  "${apt[@]}" install chromium fonts-dejavu-core >/dev/null ||
    { apt-get -qq -o DPkg::Lock::Timeout=300 update && "${apt[@]}" install chromium fonts-dejavu-core >/dev/null; }
  has_browser || die "chromium is installed but $BROWSER does not run"
  log "install: $("$BROWSER" --version) in $(( $(date +%s%3N) - t0 )) ms"
}

cmd_ensure() {
  if has_browser; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    cmd_install && return 0
    log "################################################################################"
    log "## installing chromium failed: the inspector page's browser test will be SKIPPED"
    log "################################################################################"
    return 0
  fi
  log "################################################################################"
  log "## no $BROWSER and no root/apt-get to install it:"
  log "## the inspector page's browser test will be SKIPPED (run scripts/chromium.sh install as root)"
  log "################################################################################"
}

case "${1:-}" in
  install) cmd_install ;;
  ensure) cmd_ensure ;;
  path) has_browser && echo "$BROWSER" ;;
  *) echo "usage: $0 install|ensure|path" >&2; exit 2 ;;
esac
