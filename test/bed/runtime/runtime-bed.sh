#!/usr/bin/env bash
# runtime-bed.sh: kruised's real-runtime test bed.
#
# Brings up, inside one throw-away directory, a private container runtime that integration tests
# can talk CRI (runtime.v1) to:
#   - containerd 1.6 from Debian (the CRI plugin is built in), running containers with runc;
#   - two docker-registry (distribution 2.8) instances on free loopback ports, one open and one
#     behind htpasswd basic auth (testuser / testpass);
#   - small OCI images made here from busybox-static with umoci and pushed with skopeo, so nothing
#     is ever fetched from an image registry on the internet;
#   - a docker.io mirror entry, so that a short name such as busybox:1 resolves to the open registry.
# Nothing system-wide is started or reconfigured. The few traces containerd leaves outside the
# directory are listed, and removed, in cmd_down.
#
# Usage (as root, on Debian 12):
#   runtime-bed.sh install     apt-get the packages it needs (returns at once when they are there)
#   runtime-bed.sh up [DIR]    bring the bed up in DIR (an empty or new dir; default: a fresh
#                              /tmp/krb.XXXXXX). Writes DIR/env and prints the CRI socket path as
#                              the last line of stdout. A failed `up` tears down what it started.
#   runtime-bed.sh down DIR    stop what `up` started in DIR (by recorded PID), unmount, remove DIR
#   runtime-bed.sh sweep       `down` every bed under /tmp whose owner process has gone (a test run
#                              that was killed); `up` does this first, every time
#
# Settings for `up`, from the environment:
#   KRUISED_RUNTIME_BED_OWNER  PID of the long-lived process that owns the bed (the test runner).
#                              A bed without an owner is never swept.
#   REG_PORT, AUTH_REG_PORT    fixed registry ports; by default free ones are picked at random
#   BIG_MB=50                  size in MB of the random layer of the big image
#   PAUSE=auto|c|busybox       the pause image's program: a static C binary (needs gcc with a
#                              static libc; `auto` uses it when it builds) or a busybox shell loop
#   SNAPSHOTTER=overlayfs      or native; overlayfs falls back to native where it does not work
#
# Only host networking is offered: pods must use network NODE and an empty hostname
# (containerd 1.6.20 + runc 1.1.5 refuse a hostname without a private UTS namespace).
set -euo pipefail

PKGS=(containerd runc docker-registry skopeo umoci busybox-static curl)
MARKER=.kruised-runtime-bed
BED_TMP=/tmp

# The test runner reads our output through a pipe. If it dies, a write must not kill us halfway
# through `up` or `down`: ignore SIGPIPE, and let log lines that cannot be written go.
trap '' PIPE
log() { printf '[runtime-bed] %s\n' "$*" >&2 || true; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------------
# Processes. Every daemon `up` starts is recorded in DIR/pids as "NAME PID STARTTIME", STARTTIME
# being field 22 of /proc/PID/stat. A PID is only ever signalled while its start time still
# matches, so a bed swept long after its processes died cannot hit a process that reuses the PID.

# proc_field PID N: field N of /proc/PID/stat (N >= 3), read past the "(comm)" field.
proc_field() {
  local s f
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a f <<< "${s##*) }"
  echo "${f[$(( $2 - 3 ))]-}"
}

start_time() { proc_field "$1" 22; }

# running PID: exists and is not a zombie. Daemons left behind by `up` are reparented to PID 1,
# which may reap them seconds late, so `kill -0` alone says "alive" for too long.
running() {
  local st
  st=$(proc_field "$1" 3) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# same_process PID STARTTIME: PID is running and is still the process that was recorded.
same_process() {
  [ -n "$1" ] && [ -n "$2" ] && [ "$2" != - ] || return 1
  running "$1" && [ "$(start_time "$1")" = "$2" ]
}

record() { # record NAME PID
  echo "$1 $2 $(start_time "$2" || echo -)" >> "$D/pids"
}

stop_recorded() { # stop_recorded PID STARTTIME [SECONDS]: TERM, wait, then KILL
  local pid=$1 st=$2 n=$(( ${3:-10} * 20 ))
  same_process "$pid" "$st" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq "$n"); do running "$pid" || return 0; sleep 0.05; done
  same_process "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
  return 0
}

wait_for() { # wait_for SECONDS CMD...: run CMD until it succeeds, for at most SECONDS
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# ---------------------------------------------------------------------------------------------
# Ports. Several beds (several test runs) may share the machine, so the registries take free
# ports: a random one below the kernel's ephemeral range is tried, and kept only once the process
# we started is the one listening on it (if another process took the port in between, ours exits
# with "address already in use" and the next port is tried).

# listeners PORT: socket inodes listening on TCP PORT (any address, IPv4 or IPv6)
listeners() {
  awk -v h=":$(printf '%04X' "$1")" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h {print $10}' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
port_busy() { [ -n "$(listeners "$1")" ]; }
listens() { # listens PID PORT: PID holds a socket listening on PORT
  local inode
  for inode in $(listeners "$2"); do
    find "/proc/$1/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q . && return 0
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# The images copy /bin/busybox into their rootfs, so it must be the static build (the package
# "busybox" installs a dynamically linked one at the same path).
has_busybox_static() {
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' &&
    /bin/busybox --list >/dev/null 2>&1
}

cmd_install() {
  [ "$(id -u)" = 0 ] || die "needs root"
  local missing="" b
  for b in containerd ctr runc containerd-shim-runc-v2 docker-registry skopeo umoci curl; do
    command -v "$b" >/dev/null || missing="$missing $b"
  done
  has_busybox_static || missing="$missing busybox-static"
  if [ -z "$missing" ]; then log "install: everything is present"; return 0; fi
  command -v apt-get >/dev/null || die "missing:$missing, and there is no apt-get to install them"
  log "install: missing$missing; installing ${PKGS[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # wait for the dpkg lock instead of failing when another apt-get runs (another bed, a person)
  local apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends)
  if ! apt-cache policy containerd 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get -qq -o DPkg::Lock::Timeout=300 update
  fi
  # a package list that has gone stale since the last update gives 404s: refresh it once, retry
  "${apt[@]}" install "${PKGS[@]}" >/dev/null ||
    { apt-get -qq -o DPkg::Lock::Timeout=300 update && "${apt[@]}" install "${PKGS[@]}" >/dev/null; }
  log "install: done"
}

# ---------------------------------------------------------------------------------------------
cmd_up() {
  [ "$(id -u)" = 0 ] || die "needs root (containerd and runc)"
  local b
  for b in containerd ctr runc containerd-shim-runc-v2 docker-registry skopeo umoci curl; do
    command -v "$b" >/dev/null || die "missing $b: run $0 install"
  done
  has_busybox_static || die "missing busybox-static: run $0 install"

  cmd_sweep

  D=${1:-}
  if [ -z "$D" ]; then
    D=$(mktemp -d "$BED_TMP/krb.XXXXXX")
  else
    mkdir -p "$D"
    [ -z "$(ls -A "$D")" ] || die "$D is not empty"
  fi
  D=$(cd "$D" && pwd)
  # the longest socket path is $D/ctd/containerd.sock.ttrpc; sun_path holds 107 characters
  [ $(( ${#D} + 27 )) -le 100 ] || die "DIR is too long for a unix socket path: $D"
  touch "$D/$MARKER"       # `down` refuses a dir without it
  : > "$D/pids"
  if [ -n "${KRUISED_RUNTIME_BED_OWNER:-}" ]; then
    echo "$KRUISED_RUNTIME_BED_OWNER $(start_time "$KRUISED_RUNTIME_BED_OWNER" || echo -)" > "$D/owner"
  fi
  # from here on, a failure (or TERM/INT) tears down whatever was started
  # shellcheck disable=SC2154 # rc is assigned inside the trap
  trap 'rc=$?; trap - EXIT; if [ $rc -ne 0 ]; then log "up failed (exit $rc); tearing down $D"; cmd_down "$D" || true; fi; exit $rc' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT

  local BIG_MB=${BIG_MB:-50} T0 T_REG T_IMG T_CTD0 T_CTD T_END
  T0=$(now_ms)
  mkdir -p "$D"/{log,reg,reg-auth,build,ctd/root,ctd/state,ctd/opt,ctd/runc,ctd/cni/bin,ctd/cni/net.d,ctd/certs.d/docker.io}

  # ---- registries: Debian's docker-registry
  # htpasswd for testuser:testpass, made once with `htpasswd -Bbn testuser testpass` (bcrypt)
  # shellcheck disable=SC2016 # a literal bcrypt hash
  echo 'testuser:$2y$05$JgdO3184TkeVOYxO73dI8u8lHMAV7bJok51QSzMHFDL/K76x4RgNy' > "$D/htpasswd"
  start_registry registry "${REG_PORT:-}"; REG=127.0.0.1:$PORT
  start_registry registry-auth "${AUTH_REG_PORT:-}"; AREG=127.0.0.1:$PORT
  wait_for 10 curl -fsS "http://$REG/v2/" || die "registry does not answer: $(tail -3 "$D/log/registry.log")"
  wait_for 10 curl -sS -o /dev/null "http://$AREG/v2/" || die "auth registry does not answer: $(tail -3 "$D/log/registry-auth.log")"
  T_REG=$(now_ms)

  # ---- test images, built as an OCI layout and pushed to the registries
  # (a background subshell and `wait`: `( ... ) || die` would switch `set -e` off inside it)
  build_images "$BIG_MB" > "$D/log/build.log" 2>&1 &
  record build $!
  wait $! || die "image build failed: $(tail -5 "$D/log/build.log")"
  push "oci:$D/build/oci:pause"    "docker://$REG/pause:3.9"
  push "oci:$D/build/oci:busybox"  "docker://$REG/busybox:1"
  push "oci:$D/build/oci:busybox2" "docker://$REG/busybox:2"
  push "oci:$D/build/oci:big"      "docker://$REG/big:1"
  push "oci:$D/build/oci:shellless" "docker://$REG/shellless:1"
  push "oci:$D/build/oci:busybox"  "docker://$REG/library/busybox:1"   # docker.io/library/busybox:1, via the mirror
  push --dest-creds testuser:testpass "oci:$D/build/oci:private" "docker://$AREG/private/busybox:1"
  rm -rf "$D/build"        # the registries hold the images now
  T_IMG=$(now_ms)

  # ---- containerd
  local r
  for r in "$REG" "$AREG"; do mkdir -p "$D/ctd/certs.d/$r"; hosts_toml "$r" > "$D/ctd/certs.d/$r/hosts.toml"; done
  # docker.io is answered by the open registry: short names resolve here, Docker Hub is never asked
  hosts_toml "$REG" > "$D/ctd/certs.d/docker.io/hosts.toml"
  SNAP=${SNAPSHOTTER:-overlayfs}
  containerd_config "$SNAP" > "$D/ctd/config.toml"
  T_CTD0=$(now_ms)
  start_containerd
  T_CTD=$(now_ms)
  if [ "$SNAP" = overlayfs ] && ! plugin_ok io.containerd.snapshotter.v1 overlayfs; then
    log "the overlayfs snapshotter does not work here; using native"
    stop_recorded "$CTD_PID" "$(start_time "$CTD_PID" || echo -)"
    SNAP=native
    containerd_config "$SNAP" > "$D/ctd/config.toml"
    start_containerd
    T_CTD=$(now_ms)
  fi
  plugin_ok io.containerd.grpc.v1 cri || die "the CRI plugin did not load: $(grep -i cri "$D/log/containerd.log" | tail -3)"
  # pull the sandbox image now, so that the first RunPodSandbox does not pay for it
  ctr --address "$D/ctd/containerd.sock" -n k8s.io images pull --hosts-dir "$D/ctd/certs.d" "$REG/pause:3.9" \
    >>"$D/log/build.log" 2>&1 || die "pulling the pause image failed: $(tail -3 "$D/log/build.log")"
  T_END=$(now_ms)
  # an owner that died meanwhile will never tear the bed down: do it now
  if [ -f "$D/owner" ]; then
    local owner owner_st
    read -r owner owner_st < "$D/owner"
    same_process "$owner" "$owner_st" || die "the owner process $owner exited while the bed came up"
  fi

  # Sourceable by bash; one KEY=value per line, values without quotes or spaces (the test
  # runner's global setup parses it).
  cat > "$D/env" <<EOF
# written by runtime-bed.sh up; load it with: source $D/env
export BED_DIR=$D
export CRI_SOCKET=$D/ctd/containerd.sock
export CRI_ENDPOINT=unix://$D/ctd/containerd.sock
export CONTAINERD_PID=$CTD_PID
# pods must use network NODE and hostname ""
export POD_NETWORK=host
export SNAPSHOTTER=$SNAP
export REGISTRY=$REG
export AUTH_REGISTRY=$AREG
export AUTH_USER=testuser
export AUTH_PASS=testpass
export IMG_PAUSE=$REG/pause:3.9
export IMG_BUSYBOX=$REG/busybox:1
export IMG_BUSYBOX2=$REG/busybox:2
export IMG_BIG=$REG/big:1
export IMG_PRIVATE=$AREG/private/busybox:1
# one static binary, no shell, no env: start it with [/opt/app/busybox.app, <applet>, ...]
export IMG_SHELLLESS=$REG/shellless:1
# docker.io/library/busybox:1, served by $REG through the mirror entry
export IMG_SHORT=busybox:1
EOF
  log "up: ms registries $((T_REG - T0)), images $((T_IMG - T_REG)), containerd $((T_CTD - T_CTD0)), total $((T_END - T0))"
  log "up: dir $D, registries $REG (open) and $AREG (auth), snapshotter $SNAP; tear down with: $0 down $D"
  trap - EXIT TERM INT
  echo "$D/ctd/containerd.sock"
}

start_registry() { # start_registry NAME [PORT]: sets PORT to the port it listens on
  local name=$1 fixed=$2 port pid secret _try store=reg
  [ "$name" = registry ] || store=reg-auth
  secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  for _try in $(seq 10); do
    port=${fixed:-$(( 20000 + RANDOM % 12000 ))}
    if port_busy "$port"; then
      [ -z "$fixed" ] || die "port $port is busy"
      continue
    fi
    {
      echo "version: 0.1"
      echo "log: {level: warn, accesslog: {disabled: true}}"
      echo "storage:"
      echo "  filesystem: {rootdirectory: $D/$store}"
      echo "  delete: {enabled: true}"
      echo "http: {addr: \"127.0.0.1:$port\", secret: \"$secret\"}"
      if [ "$name" = registry-auth ]; then
        echo "auth:"
        echo "  htpasswd: {realm: kruised-runtime-bed, path: $D/htpasswd}"
      fi
    } > "$D/$name.yml"
    docker-registry serve "$D/$name.yml" </dev/null >>"$D/log/$name.log" 2>&1 &
    pid=$!
    record "$name" "$pid"
    for _ in $(seq 200); do
      listens "$pid" "$port" && { PORT=$port; return 0; }
      running "$pid" || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ -z "$fixed" ] || die "$name could not listen on port $port: $(tail -3 "$D/log/$name.log")"
  done
  die "$name found no free port: $(tail -3 "$D/log/$name.log")"
}

push() { # push [SKOPEO OPTIONS] SRC DEST
  skopeo copy --quiet --dest-tls-verify=false "$@" >>"$D/log/build.log" 2>&1 || die "push failed: $*"
}

build_images() { # build_images BIG_MB: the OCI layout $D/build/oci with tags busybox, busybox2, private, pause, big, shellless
  set -e
  cd "$D/build"
  local c_pause=0 a
  if [ "${PAUSE:-auto}" != busybox ] && command -v gcc >/dev/null 2>&1; then
    # pause: exits on TERM/INT and reaps whatever is reparented to it
    cat > pause.c <<'EOF'
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
static void quit(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction q = {0}; q.sa_handler = quit; sigaction(SIGINT, &q, 0); sigaction(SIGTERM, &q, 0);
  struct sigaction r = {0}; r.sa_handler = reap; r.sa_flags = SA_NOCLDSTOP; sigaction(SIGCHLD, &r, 0);
  for (;;) pause();
}
EOF
    gcc -Os -static -s -o pause pause.c && c_pause=1
  fi
  [ "${PAUSE:-auto}" != c ] || [ "$c_pause" = 1 ] || { echo "PAUSE=c, but gcc -static failed" >&2; return 1; }

  umoci init --layout oci
  # busybox: the static busybox with a symlink per applet
  mkdir -p bb/bin bb/etc bb/tmp bb/root
  cp /bin/busybox bb/bin/busybox
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "bb/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > bb/etc/passwd
  printf 'root:x:0:\nnobody:x:65534:\n' > bb/etc/group
  umoci new --image oci:busybox
  umoci insert --image oci:busybox bb /
  umoci config --image oci:busybox --os linux --architecture amd64 --config.env PATH=/bin --config.cmd sh
  # busybox2 and private: the same layers, but a different label, hence a different config
  # digest (image ID). Keep them distinct: CRI RemoveImage removes every tag of an image ID.
  umoci config --image oci:busybox --tag busybox2 --config.label org.example.version=2
  umoci config --image oci:busybox --tag private --config.label org.example.private=true
  umoci new --image oci:pause
  if [ "$c_pause" = 1 ]; then
    umoci insert --image oci:pause pause /pause
    umoci config --image oci:pause --os linux --architecture amd64 --clear=config.cmd \
      --config.entrypoint /pause --config.user 65535:65535
  else
    mkdir -p pz/bin && cp /bin/busybox pz/bin/busybox
    umoci insert --image oci:pause pz /
    umoci config --image oci:pause --os linux --architecture amd64 --clear=config.cmd \
      --config.entrypoint /bin/busybox --config.entrypoint sh --config.entrypoint -c \
      --config.entrypoint 'trap "exit 0" TERM INT; while :; do /bin/busybox sleep 3600 & wait; done'
  fi
  # shellless: a distroless-like image (kruise #2136): one static binary under a name that is no
  # applet, no symlinks, no /bin, no PATH, so exec'ing `env`, `sh` or anything else fails. Busybox
  # runs argv[1] as the applet when argv[0]'s name starts with "busybox", so a container of it
  # needs an explicit command, e.g. ["/opt/app/busybox.app", "sleep", "3600"].
  mkdir -p sl/opt/app && cp /bin/busybox sl/opt/app/busybox.app
  umoci new --image oci:shellless
  umoci insert --image oci:shellless sl /
  umoci config --image oci:shellless --os linux --architecture amd64 --config.label org.example.shellless=true
  # big: busybox plus one layer of $1 MB of random (incompressible) bytes
  head -c $(( $1 * 1000 * 1000 )) /dev/urandom > big.bin
  umoci config --image oci:busybox --tag big --config.label org.example.big=true
  umoci insert --image oci:big big.bin /big.bin
  rm -f big.bin
}

hosts_toml() { # hosts_toml HOST:PORT: containerd's registry host config for a plain-HTTP registry
  cat <<EOF
server = "http://$1"
[host."http://$1"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
EOF
}

containerd_config() { # containerd_config SNAPSHOTTER: every path inside $D
  cat <<EOF
version = 2
root = "$D/ctd/root"
state = "$D/ctd/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$D/ctd/containerd.sock"
[ttrpc]
  address = "$D/ctd/containerd.sock.ttrpc"
[debug]
  level = "info"
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$D/ctd/opt"
# In 1.6 the legacy v1 runtime cannot be disabled (the tasks service, and with it CRI, needs it),
# so its state goes under \$D too.
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$D/ctd/runc-v1"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REG/pause:3.9"
  # Root on these machines lacks CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj to the
  # sandbox's -998 and every RunPodSandbox fails. This clamps it to containerd's own value.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  disable_tcp_service = true
  # exec/attach/port-forward URLs: loopback, on a port the kernel picks
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # pod network namespaces are bind-mounted under \$D, not /var/run/netns
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = false
  enable_unprivileged_icmp = false
  max_concurrent_downloads = 3
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "$1"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$D/ctd/runc"
        # no systemd here: cgroupfs
        SystemdCgroup = false
  # host networking only: no CNI plugins and no CNI config
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$D/ctd/cni/bin"
    conf_dir = "$D/ctd/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$D/ctd/certs.d"
EOF
}

start_containerd() { # sets CTD_PID
  containerd --config "$D/ctd/config.toml" </dev/null >>"$D/log/containerd.log" 2>&1 &
  CTD_PID=$!
  record containerd "$CTD_PID"
  wait_for 20 ctr --address "$D/ctd/containerd.sock" version || die "containerd does not answer: $(tail -5 "$D/log/containerd.log")"
}

plugin_ok() { # plugin_ok TYPE ID: containerd reports that plugin as loaded
  ctr --address "$D/ctd/containerd.sock" plugins ls | awk -v t="$1" -v i="$2" '$1 == t && $2 == i && $4 == "ok" {f = 1} END {exit !f}'
}

# ---------------------------------------------------------------------------------------------
cmd_down() {
  local D=${1:?usage: down DIR}
  D=$(cd "$D" 2>/dev/null && pwd) || { log "down: $1 does not exist"; return 0; }
  [ -f "$D/$MARKER" ] || die "$D was not made by runtime-bed.sh up (no $MARKER in it); not touching it"
  local S="$D/ctd/containerd.sock" name pid st t c f ns id comm ctd_pid="" ctd_st=""
  if [ -f "$D/pids" ]; then read -r _ ctd_pid ctd_st < <(awk '$1 == "containerd"' "$D/pids" | tail -1) || true; fi

  # 1. while our containerd still runs, kill every task (pod sandboxes and containers) through it
  if same_process "$ctd_pid" "$ctd_st" && [ -S "$S" ]; then
    local tasks
    tasks=$(timeout 10 ctr --address "$S" -n k8s.io tasks ls -q 2>/dev/null || true)
    for t in $tasks; do timeout 10 ctr --address "$S" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    [ -z "$tasks" ] || sleep 0.5
    for t in $tasks; do timeout 10 ctr --address "$S" -n k8s.io tasks rm -f "$t" >/dev/null 2>&1 || true; done
  fi

  # 2. the daemons `up` started, newest first (containerd, then the registries)
  if [ -f "$D/pids" ]; then
    while read -r name pid st; do
      stop_recorded "$pid" "$st" 10
    done < <(tac "$D/pids")
  fi

  # 3. containers and their shims outlive containerd. Containers: through runc, on our own runc
  #    root. Shims: the processes whose command line is "containerd-shim-... -address <our
  #    socket>"; the socket path is in $D, so no other bed's shim can match.
  if [ -d "$D/ctd/runc/k8s.io" ]; then
    for c in "$D"/ctd/runc/k8s.io/*; do
      [ -d "$c" ] && timeout 10 runc --root "$D/ctd/runc/k8s.io" delete -f "$(basename "$c")" >/dev/null 2>&1 || true
    done
  fi
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    { read -r comm < "/proc/$pid/comm"; } 2>/dev/null || continue
    case "$comm" in containerd-shim*) ;; *) continue ;; esac
    tr '\0' '\n' < "$f" 2>/dev/null | grep -qxF -- "$S" && kill -KILL "$pid" 2>/dev/null || true
  done
  # A container whose runc state is not under our runc root (not made through CRI): its init
  # process, by the PID in its bundle, if that process still sits in the container's cgroup.
  for t in "$D"/ctd/state/io.containerd.runtime.v2.task/*/*; do
    [ -f "$t/init.pid" ] || continue
    id=$(basename "$t"); pid=$(cat "$t/init.pid" 2>/dev/null) || continue
    [ -n "$pid" ] && grep -q "/$id\$" "/proc/$pid/cgroup" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done

  # 4. outside $D: containerd 1.6 puts shim sockets in the fixed /run/containerd/s/, named
  #    sha256("<grpc address>/<namespace>/<id>"). A killed shim leaves its socket: remove ours,
  #    then the dirs if they are empty (another bed may be using them).
  for t in "$D"/ctd/state/io.containerd.runtime.v2.task/*/*; do
    [ -d "$t" ] || continue
    id=$(basename "$t"); ns=$(basename "$(dirname "$t")")
    rm -f "/run/containerd/s/$(printf '%s' "$S/$ns/$id" | sha256sum | cut -c1-64)"
  done
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true

  # 5. whatever is still mounted under $D (rootfs overlays, sandbox /dev/shm, netns bind mounts),
  #    deepest first
  awk -v d="$D/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done

  # 6. outside $D: cgroups. runc removes a container's cgroup when it deletes the container, but
  #    not for one it never got to delete; then containerd's default parent "k8s.io", which every
  #    bed shares. rmdir removes only empty cgroups, so nothing in use is touched. A process that
  #    was just killed leaves its cgroup a moment later, hence the retries.
  local cgs="" cg _
  for t in "$D"/ctd/state/io.containerd.runtime.v2.task/*/*; do
    cg=$(grep -o '"cgroupsPath":"[^"]*"' "$t/config.json" 2>/dev/null | cut -d'"' -f4) || true
    cg=${cg#/}
    [ -n "$cg" ] && [ "${cg#*..}" = "$cg" ] && cgs="$cgs $cg"
  done
  for _ in $(seq 20); do
    local left=0
    for cg in $cgs; do
      for c in /sys/fs/cgroup/*/"$cg"; do [ -d "$c" ] && { rmdir "$c" 2>/dev/null || left=1; }; done
    done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for c in /sys/fs/cgroup/*/k8s.io; do [ -d "$c" ] && rmdir "$c" 2>/dev/null || true; done

  rm -rf "$D"
  log "down: removed $D"
}

cmd_sweep() {
  local d owner st
  for d in "$BED_TMP"/krb.*; do
    [ -f "$d/$MARKER" ] && [ -f "$d/owner" ] || continue
    read -r owner st < "$d/owner" || continue
    same_process "$owner" "$st" && continue
    mkdir "$d/.sweeping" 2>/dev/null || continue     # another sweep has it
    log "sweep: the owner ($owner) of $d is gone; tearing it down"
    cmd_down "$d" || true
  done
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  sweep) shift; cmd_sweep ;;
  *) echo "usage: $0 install | up [DIR] | down DIR | sweep" >&2; exit 2 ;;
esac
