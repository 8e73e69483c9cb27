# shellcheck shell=bash
# lib.sh: the steps shared by common.sh, master.sh, worker.sh, service.sh and uninstall.sh. Sourced, never
# run. Every step is idempotent: it compares what is there with what it wants and changes only the
# difference, so a second `vagrant provision` prints "unchanged" lines and touches nothing.
#
# Parameters (environment variables; each script lists the ones it reads):
#   NANOKUBE_NODE_NAME     this node's name (default: the host name)
#   NANOKUBE_NODE_IP       this node's IP on the node network (required; never the VirtualBox NAT 10.0.2.15)
#   NANOKUBE_SRC           the nanokube source tree to build (default: the checkout this script is in)
#   NANOKUBE_PREFIX        where the built tree is installed (default /opt/nanokube)
#   NANOKUBE_BIN           the nanokube command the scripts run (default /usr/local/bin/nanokube)
#   NANOKUBE_CONF_DIR      kubeadm's /etc/kubernetes (default /etc/kubernetes)
#   NANOKUBE_STATE_DIR     state: store data, lab token, pid files (default /var/lib/nanokube)
#   NANOKUBE_LOG_DIR       component logs when NANOKUBE_SYSTEMD=0 (default /var/log/nanokube)
#   NANOKUBE_ENV_FILE      the units' EnvironmentFile (default /etc/default/nanokube)
#   NANOKUBE_UNIT_DIR      where unit files are installed (default /etc/systemd/system)
#   NANOKUBE_SYSTEMD       1 (default): components are systemd units; 0: plain background processes
#                          started from the same unit command lines, with the directories above
#   NANOKUBE_SHARE_DIR     a folder every node sees (Vagrant: the synced folder): join.env, proxy.conf,
#                          admin.conf, offline images, the built tree; empty = none
#   NANOKUBE_SKIP_INSTALL  1 = install nothing (packages, Node.js, kubectl) and do not build
#   NANOKUBE_SKIP_BUILD    1 = do not build nanokube (use NANOKUBE_BIN as it is)
#   NANOKUBE_SKIP_KERNEL   1 = leave swap, kernel modules and sysctls alone (the lab shares the host kernel)

set -euo pipefail

nk_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nk_repo=$(cd "$nk_here/../.." && pwd)

NANOKUBE_NODE_NAME=${NANOKUBE_NODE_NAME:-$(hostname)}
NANOKUBE_NODE_IP=${NANOKUBE_NODE_IP:-}
NANOKUBE_SRC=${NANOKUBE_SRC:-$nk_repo}
NANOKUBE_PREFIX=${NANOKUBE_PREFIX:-/opt/nanokube}
NANOKUBE_BIN=${NANOKUBE_BIN:-/usr/local/bin/nanokube}
NANOKUBE_CONF_DIR=${NANOKUBE_CONF_DIR:-/etc/kubernetes}
NANOKUBE_STATE_DIR=${NANOKUBE_STATE_DIR:-/var/lib/nanokube}
NANOKUBE_LOG_DIR=${NANOKUBE_LOG_DIR:-/var/log/nanokube}
NANOKUBE_ENV_FILE=${NANOKUBE_ENV_FILE:-/etc/default/nanokube}
NANOKUBE_UNIT_DIR=${NANOKUBE_UNIT_DIR:-/etc/systemd/system}
NANOKUBE_SYSTEMD=${NANOKUBE_SYSTEMD:-1}
NANOKUBE_SHARE_DIR=${NANOKUBE_SHARE_DIR:-}
NANOKUBE_SKIP_INSTALL=${NANOKUBE_SKIP_INSTALL:-0}
NANOKUBE_SKIP_BUILD=${NANOKUBE_SKIP_BUILD:-$NANOKUBE_SKIP_INSTALL}
NANOKUBE_SKIP_KERNEL=${NANOKUBE_SKIP_KERNEL:-0}

# The unit files, in start order. Master and worker scripts pick their subset.
nk_units_dir=$nk_repo/deploy/systemd
# shellcheck disable=SC2034 # read by the scripts that source this file
{
  nk_master_components=(store apiserver controller-manager scheduler kubelet proxy dns)
  nk_worker_components=(kubelet proxy)
  nk_apiserver_port=6443
}

log() { printf '[nanokube %s] %s\n' "$NANOKUBE_NODE_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# nk_bool VALUE: true for 1/true/yes.
nk_bool() { case ${1:-0} in 1 | true | yes) return 0 ;; *) return 1 ;; esac; }

nk_require_root() { [ "$(id -u)" = 0 ] || die "run as root (it installs packages, writes /etc and starts services)"; }

# nk_check_node_ip: the node IP must be set explicitly and be one of this machine's addresses. Every
# VirtualBox VM has the same NAT address 10.0.2.15; a node registered with it breaks logs, exec and
# pod traffic between nodes.
nk_check_node_ip() {
  [ -n "$NANOKUBE_NODE_IP" ] || die "NANOKUBE_NODE_IP is not set: give the node's host-only address (e.g. 192.168.56.10), never guess it"
  [ "$NANOKUBE_NODE_IP" != 10.0.2.15 ] || die "NANOKUBE_NODE_IP is 10.0.2.15, the VirtualBox NAT address every VM shares; use the host-only address"
  # (Output captured first: with pipefail, `grep -q` closing the pipe early would fail the pipeline.)
  local addrs
  if command -v ip >/dev/null && addrs=$(ip -o -4 addr show) && ! grep -qF " $NANOKUBE_NODE_IP/" <<<"$addrs"; then
    die "NANOKUBE_NODE_IP $NANOKUBE_NODE_IP is not an address of this machine (see: ip -4 addr)"
  fi
}

# write_if_changed DEST MODE: writes stdin to DEST unless DEST already holds exactly that; returns 0 when
# it wrote, 1 when DEST was already up to date.
write_if_changed() {
  local dest=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  if [ -f "$dest" ]; then
    # In place: keeps the inode, owner and any bind mount (/etc/hosts in containers).
    cat "$tmp" >"$dest"
    chmod "$mode" "$dest"
  else
    mkdir -p "$(dirname "$dest")"
    install -m "$mode" "$tmp" "$dest"
  fi
  rm -f "$tmp"
  return 0
}

# copy_if_changed SRC DEST MODE: as write_if_changed, from a file.
copy_if_changed() { write_if_changed "$2" "$3" <"$1"; }

# --- packages -------------------------------------------------------------------------------------------

nk_apt_updated=0
# ensure_packages PKG...: installs the missing ones with apt; apt is not touched when none is missing.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "packages: $* present"
    return 0
  fi
  log "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$nk_apt_updated" = 0 ]; then
    apt-get update -qq
    nk_apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

nk_arch() {
  case $(uname -m) in
    x86_64) echo "${1:-x64}" ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported machine architecture $(uname -m)" ;;
  esac
}

# ensure_node: Node.js 20 or newer. Debian 12 and Ubuntu 22.04 ship older ones, so the official build
# from nodejs.org is unpacked under /usr/local/lib/nodejs, checked against its SHASUMS256.txt.
ensure_node() {
  local have version=${NANOKUBE_NODE_VERSION:-v20.20.2} arch dir tarball base work
  have=$(node --version 2>/dev/null || true)
  if [[ $have =~ ^v([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge 20 ]; then
    log "node: $have present"
    return 0
  fi
  arch=$(nk_arch x64)
  base="https://nodejs.org/dist/$version"
  tarball="node-$version-linux-$arch.tar.xz"
  dir=/usr/local/lib/nodejs/node-$version-linux-$arch
  log "node: installing $version from $base"
  work=$(mktemp -d)
  curl -fsSL --retry 3 -o "$work/$tarball" "$base/$tarball"
  curl -fsSL --retry 3 -o "$work/SHASUMS256.txt" "$base/SHASUMS256.txt"
  (cd "$work" && grep " $tarball\$" SHASUMS256.txt | sha256sum -c --quiet -) || die "node: checksum mismatch for $tarball"
  mkdir -p /usr/local/lib/nodejs
  tar -xJf "$work/$tarball" -C /usr/local/lib/nodejs
  rm -rf "$work"
  ln -sfn "$dir/bin/node" /usr/local/bin/node
  ln -sfn "$dir/bin/npm" /usr/local/bin/npm
  ln -sfn "$dir/bin/npx" /usr/local/bin/npx
  hash -r
}

# ensure_kubectl: the real kubectl (what the users' notes type), from dl.k8s.io, checked against its .sha256.
ensure_kubectl() {
  local version=${NANOKUBE_KUBECTL_VERSION:-v1.32.0} arch url work
  if [ "$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')" = "$version" ]; then
    log "kubectl: $version present"
    return 0
  fi
  arch=$(nk_arch amd64)
  url="https://dl.k8s.io/release/$version/bin/linux/$arch/kubectl"
  log "kubectl: installing $version from $url"
  work=$(mktemp -d)
  curl -fsSL --retry 3 -o "$work/kubectl" "$url"
  echo "$(curl -fsSL --retry 3 "$url.sha256")  $work/kubectl" | sha256sum -c --quiet - || die "kubectl: checksum mismatch"
  install -m 0755 "$work/kubectl" /usr/local/bin/kubectl
  rm -rf "$work"
}

# --- kernel ---------------------------------------------------------------------------------------------

# ensure_kernel_settings: swap off (now and in fstab), br_netfilter where the kernel has it, ip_forward on.
ensure_kernel_settings() {
  if [ -n "$(swapon --show=NAME --noheadings 2>/dev/null)" ]; then
    log "kernel: turning swap off (the kubelet refuses to run with swap)"
    swapoff -a
  fi
  if grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' /etc/fstab 2>/dev/null; then
    log "kernel: commenting out swap in /etc/fstab"
    sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# \1  # disabled by nanokube/' /etc/fstab
  fi
  local sysctls="net.ipv4.ip_forward = 1"
  if modinfo br_netfilter >/dev/null 2>&1 || [ -d /proc/sys/net/bridge ]; then
    # A module on Debian and Ubuntu (load it now and at boot); built in on some kernels.
    if modinfo br_netfilter >/dev/null 2>&1; then
      if write_if_changed /etc/modules-load.d/nanokube.conf 0644 <<<"br_netfilter"; then log "kernel: br_netfilter loaded at boot"; fi
      [ -d /proc/sys/net/bridge ] || modprobe br_netfilter
    fi
    sysctls+=$'\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1'
  else
    log "kernel: no br_netfilter in this kernel; skipping the bridge-nf-call sysctls"
  fi
  if write_if_changed /etc/sysctl.d/99-nanokube.conf 0644 <<<"$sysctls"; then
    log "kernel: wrote /etc/sysctl.d/99-nanokube.conf"
  fi
  # Apply only what differs, so that a second run changes nothing.
  local key value
  while IFS=' =' read -r key value; do
    [ "$(sysctl -n "$key")" = "$value" ] || sysctl -q -w "$key=$value"
  done <<<"$sysctls"
  log "kernel: swap off, ip_forward on"
}

# --- /etc/hosts -----------------------------------------------------------------------------------------

# ensure_hosts: NANOKUBE_HOSTS="IP=NAME,IP=NAME..." becomes a marked block in NANOKUBE_HOSTS_FILE, and any
# line mapping this node's name to a loopback address (Vagrant writes "127.0.1.1 master") is dropped,
# so that the node name resolves to the node IP.
ensure_hosts() {
  local file=${NANOKUBE_HOSTS_FILE:-/etc/hosts} entries=${NANOKUBE_HOSTS:-} block="" entry tmp list
  [ -n "$entries" ] || { log "hosts: NANOKUBE_HOSTS empty; $file left alone"; return 0; }
  IFS=',' read -ra list <<<"$entries"
  for entry in "${list[@]}"; do
    [[ $entry == *=* ]] || die "NANOKUBE_HOSTS entry \"$entry\" is not IP=NAME"
    block+="${entry%%=*} ${entry#*=}"$'\n'
  done
  local name_re=${NANOKUBE_NODE_NAME//./\\.}
  tmp=$(mktemp)
  {
    sed -e '/^# BEGIN nanokube nodes$/,/^# END nanokube nodes$/d' \
      -e "/^127\.[0-9.]*[[:space:]]\+\(.*[[:space:]]\)\?$name_re\([[:space:]].*\)\?\$/{/localhost/!d}" "$file"
    printf '# BEGIN nanokube nodes\n%s# END nanokube nodes\n' "$block"
  } >"$tmp"
  if write_if_changed "$file" 0644 <"$tmp"; then log "hosts: updated $file"; else log "hosts: $file unchanged"; fi
  rm -f "$tmp"
}

# --- build ----------------------------------------------------------------------------------------------

# nk_fingerprint DIR: a digest of the source files under DIR (not node_modules, not build output).
nk_fingerprint() {
  (cd "$1" && find . \( -name node_modules -o -name dist -o -name .git -o -name .nanokube -o -name .vagrant \) -prune \
    -o -type f ! -name '*.tsbuildinfo' ! -name .nanokube-build -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
}

# ensure_nanokube_built: copies NANOKUBE_SRC to NANOKUBE_PREFIX and builds it when the sources changed.
# A node whose NANOKUBE_SHARE_DIR holds a build of the same sources (the master's) unpacks it instead of
# building again: one build serves every VM.
ensure_nanokube_built() {
  local prefix=$NANOKUBE_PREFIX stamp=$NANOKUBE_PREFIX/.nanokube-build fp shared=""
  [ -f "$NANOKUBE_SRC/package.json" ] || die "NANOKUBE_SRC $NANOKUBE_SRC holds no nanokube checkout"
  mkdir -p "$prefix"
  rsync -a --delete --exclude node_modules/ --exclude dist/ --exclude '*.tsbuildinfo' --exclude /.nanokube/ \
    --exclude /.git/ --exclude .vagrant/ --exclude /.nanokube-build "$NANOKUBE_SRC/" "$prefix/"
  fp=$(nk_fingerprint "$prefix")
  [ -n "$NANOKUBE_SHARE_DIR" ] && shared=$NANOKUBE_SHARE_DIR/build
  if [ "$(cat "$stamp" 2>/dev/null)" = "$fp" ] && [ -d "$prefix/node_modules" ]; then
    log "build: $prefix is up to date"
  elif [ -n "$shared" ] && [ "$(cat "$shared/fingerprint" 2>/dev/null)" = "$fp" ] && [ -f "$shared/nanokube-build.tar.gz" ]; then
    log "build: unpacking the shared build of these sources"
    rm -f "$stamp"
    rm -rf "$prefix/node_modules"
    tar -xzf "$shared/nanokube-build.tar.gz" -C "$prefix"
    echo "$fp" >"$stamp"
  else
    log "build: npm ci && npm run build in $prefix (a few minutes)"
    rm -f "$stamp"
    (cd "$prefix" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
    echo "$fp" >"$stamp"
    if [ -n "$shared" ]; then
      mkdir -p "$shared"
      (cd "$prefix" && { echo node_modules; find packages -mindepth 2 -maxdepth 2 \( -name dist -o -name node_modules \); } |
        tar -czf "$shared/nanokube-build.tar.gz.tmp" -T -)
      mv "$shared/nanokube-build.tar.gz.tmp" "$shared/nanokube-build.tar.gz"
      echo "$fp" >"$shared/fingerprint"
      log "build: shared with the other nodes in $shared"
    fi
    nk_rebuilt=1
  fi
  local node_bin
  node_bin=$(command -v node) || die "node is not installed"
  if printf '#!/bin/sh\n# Installed by nanokube provisioning: the nanokube multi-call binary.\nexec %s %s/packages/cli/bin/nanokube.js "$@"\n' \
    "$node_bin" "$prefix" | write_if_changed "$NANOKUBE_BIN" 0755; then
    log "build: installed $NANOKUBE_BIN"
  fi
}
# shellcheck disable=SC2034 # set by ensure_nanokube_built, read by common.sh
nk_rebuilt=0

# --- offline images -------------------------------------------------------------------------------------

# ensure_images_loaded: imports the offline image tarballs (deploy/images/build.sh) into this node's image
# store once per set of tarballs, so that `kubectl run --image=nginx` works without a registry.
ensure_images_loaded() {
  local dir=${NANOKUBE_IMAGES_DIR:-${NANOKUBE_SHARE_DIR:+$NANOKUBE_SHARE_DIR/images}} root=${NANOKUBE_IMAGE_ROOT:-/var/lib/nanokube/images}
  local tars=() digest
  [ -n "$dir" ] || { log "images: no NANOKUBE_IMAGES_DIR; pulling from registries only"; return 0; }
  if nk_bool "${NANOKUBE_BUILD_IMAGES:-0}" && { [ ! -f "$dir/busybox.tar" ] || [ ! -f "$dir/nginx.tar" ]; }; then
    log "images: building the offline images into $dir"
    bash "$nk_repo/deploy/images/build.sh" --out "$dir" >/dev/null
  fi
  shopt -s nullglob
  tars=("$dir"/*.tar)
  shopt -u nullglob
  [ ${#tars[@]} -gt 0 ] || { log "images: none in $dir"; return 0; }
  digest=$(sha256sum "${tars[@]}" | sed 's#  .*/#  #' | sha256sum | cut -c1-64)
  if [ "$(cat "$root/.nanokube-imported" 2>/dev/null)" = "$digest" ]; then
    log "images: ${tars[*]##*/} already imported"
    return 0
  fi
  log "images: importing ${tars[*]##*/} into $root"
  nk_nanokube image import --root "$root" "${tars[@]}" >/dev/null
  echo "$digest" >"$root/.nanokube-imported"
}

# --- components -----------------------------------------------------------------------------------------

# nk_nanokube ARGS...: runs NANOKUBE_BIN (which may be several words, e.g. "node /src/packages/cli/bin/nanokube.js").
nk_nanokube() {
  local -a bin
  read -ra bin <<<"$NANOKUBE_BIN"
  "${bin[@]}" "$@"
}

# nk_has_verb VERB: whether this build of nanokube has the component.
nk_has_verb() { nk_nanokube "$1" --help >/dev/null 2>&1; }

# write_env_file ROLE: the units' EnvironmentFile. Returns 0 when it changed.
write_env_file() {
  local role=$1 kubelet_args="" dns_args=""
  if [ "$role" = master ]; then
    kubelet_args="--register-with-taints node-role.kubernetes.io/control-plane=:NoSchedule --node-labels node-role.kubernetes.io/control-plane="
  fi
  # systemd-resolved's stub (127.0.0.53) holds port 53 on loopback; the DNS listens on the node IP and
  # forwards to the real upstreams.
  [ -f /run/systemd/resolve/resolv.conf ] && dns_args="--resolv-conf /run/systemd/resolve/resolv.conf"
  write_if_changed "$NANOKUBE_ENV_FILE" 0644 <<EOF
# Written by nanokube provisioning (deploy/provision); read by the nanokube-* systemd units.
# Change it with NANOKUBE_*_EXTRA_ARGS and \`vagrant provision\`, or edit it and restart the units.
NANOKUBE_NODE_NAME=$NANOKUBE_NODE_NAME
NANOKUBE_NODE_IP=$NANOKUBE_NODE_IP
NANOKUBE_RUNTIME=${NANOKUBE_RUNTIME:-runc}
NANOKUBE_APISERVER_ARGS="${NANOKUBE_APISERVER_EXTRA_ARGS:-}"
NANOKUBE_CONTROLLER_MANAGER_ARGS="${NANOKUBE_CONTROLLER_MANAGER_EXTRA_ARGS:-}"
NANOKUBE_SCHEDULER_ARGS="${NANOKUBE_SCHEDULER_EXTRA_ARGS:-}"
NANOKUBE_KUBELET_ARGS="$kubelet_args${NANOKUBE_KUBELET_EXTRA_ARGS:+ $NANOKUBE_KUBELET_EXTRA_ARGS}"
NANOKUBE_PROXY_ARGS="${NANOKUBE_PROXY_EXTRA_ARGS:-}"
NANOKUBE_DNS_ARGS="$dns_args${NANOKUBE_DNS_EXTRA_ARGS:+ $NANOKUBE_DNS_EXTRA_ARGS}"
EOF
}

# nk_unit_command COMPONENT: the ExecStart of deploy/systemd/nanokube-COMPONENT.service as words (one per
# line), with the unit's Environment= defaults and NANOKUBE_ENV_FILE applied, as systemd would, and the
# standard paths mapped to NANOKUBE_BIN, NANOKUBE_CONF_DIR and NANOKUBE_STATE_DIR. NANOKUBE_SYSTEMD=0 runs
# exactly this, so both modes run the same command lines.
nk_unit_command() {
  local unit=$nk_units_dir/nanokube-$1.service line
  line=$(awk '/^ExecStart=/ { on = 1; sub(/^ExecStart=/, "") } on { more = sub(/\\$/, ""); printf "%s ", $0; if (!more) exit }' "$unit")
  line=${line//\/etc\/kubernetes/$NANOKUBE_CONF_DIR}
  line=${line//\/var\/lib\/nanokube/$NANOKUBE_STATE_DIR}
  (
    set -f
    # The unit's Environment= lines: NAME=VALUE words.
    local -a defaults
    read -ra defaults <<<"$(sed -n 's/^Environment=//p' "$unit" | tr '\n' ' ')"
    for kv in "${defaults[@]}"; do export "${kv?}"; done
    set -a
    # shellcheck disable=SC1090
    [ -f "$NANOKUBE_ENV_FILE" ] && . "$NANOKUBE_ENV_FILE"
    set +a +u
    # Word splitting and ${VAR}/$VAR expansion as systemd does it for these lines (no quotes in them).
    eval "set -- $line"
    shift
    printf '%s\n' "$@"
  )
}

# install_units COMPONENT...: copies their unit files into NANOKUBE_UNIT_DIR; returns 0 when any changed.
install_units() {
  local c changed=1
  for c in "$@"; do
    copy_if_changed "$nk_units_dir/nanokube-$c.service" "$NANOKUBE_UNIT_DIR/nanokube-$c.service" 0644 && changed=0
  done
  return $changed
}

nk_pid_file() { echo "$NANOKUBE_STATE_DIR/run/$1.pid"; }

# component_running COMPONENT
component_running() {
  if nk_bool "$NANOKUBE_SYSTEMD"; then
    systemctl is-active --quiet "nanokube-$1.service"
  else
    local pid
    pid=$(cat "$(nk_pid_file "$1")" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null
  fi
}

# start_components COMPONENT...: enables and starts them (systemd) or starts the missing ones in the
# background (NANOKUBE_SYSTEMD=0). Components this build does not have are skipped with a message.
start_components() {
  local c present=()
  for c in "$@"; do
    if nk_has_verb "$c"; then present+=("$c"); else log "component $c: this nanokube build has no \`nanokube $c\`; not started"; fi
  done
  [ ${#present[@]} -gt 0 ] || return 0
  if nk_bool "$NANOKUBE_SYSTEMD"; then
    local units=("${present[@]/#/nanokube-}")
    units=("${units[@]/%/.service}")
    # enable is a no-op for enabled units; it also links the aliases (kubelet.service, kube-proxy.service).
    systemctl enable --quiet "${units[@]}"
    systemctl start "${units[@]}"
    log "components: ${present[*]} running under systemd"
    return 0
  fi
  mkdir -p "$NANOKUBE_STATE_DIR/run" "$NANOKUBE_LOG_DIR"
  for c in "${present[@]}"; do
    if component_running "$c"; then
      log "component $c: already running (pid $(cat "$(nk_pid_file "$c")"))"
      continue
    fi
    local -a cmd bin
    mapfile -t cmd < <(nk_unit_command "$c")
    read -ra bin <<<"$NANOKUBE_BIN"
    setsid "${bin[@]}" "${cmd[@]}" >>"$NANOKUBE_LOG_DIR/$c.log" 2>&1 </dev/null &
    echo $! >"$(nk_pid_file "$c")"
    log "component $c: started (pid $!, log $NANOKUBE_LOG_DIR/$c.log)"
  done
}

# stop_components COMPONENT...
stop_components() {
  local c pid i
  for c in "$@"; do
    if nk_bool "$NANOKUBE_SYSTEMD"; then
      systemctl stop "nanokube-$c.service" 2>/dev/null || true
      continue
    fi
    pid=$(cat "$(nk_pid_file "$c")" 2>/dev/null) || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; [ "$i" = 50 ] && kill -KILL "$pid"; sleep 0.2; done
      log "component $c: stopped (pid $pid)"
    fi
    rm -f "$(nk_pid_file "$c")"
  done
}

# restart_running COMPONENT...: restarts the ones that run (after a rebuild or a configuration change).
restart_running() {
  local c
  for c in "$@"; do
    component_running "$c" || continue
    if nk_bool "$NANOKUBE_SYSTEMD"; then systemctl restart "nanokube-$c.service"; else stop_components "$c"; start_components "$c"; fi
    log "component $c: restarted to pick up the change"
  done
}

# wait_for_apiserver: until admin.conf works against the apiserver, at most NANOKUBE_API_TIMEOUT seconds.
wait_for_apiserver() {
  local deadline=$((SECONDS + ${NANOKUBE_API_TIMEOUT:-180}))
  until nk_nanokube token list --kubeconfig "$NANOKUBE_CONF_DIR/admin.conf" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "the apiserver did not answer within ${NANOKUBE_API_TIMEOUT:-180}s; see: journalctl -u nanokube-apiserver"
    sleep 2
  done
}

# ca_cert_hash: kubeadm's --discovery-token-ca-cert-hash, the SHA-256 of the CA's SubjectPublicKeyInfo.
ca_cert_hash() {
  echo "sha256:$(openssl x509 -pubkey -noout -in "$NANOKUBE_CONF_DIR/pki/ca.crt" | openssl pkey -pubin -outform der | sha256sum | cut -c1-64)"
}
