#!/usr/bin/env bash
# common.sh: prepares any nanokube node (master or worker). Run it first, as root; run it again any time:
# it is idempotent, a second run changes nothing.
#   1. /etc/hosts entries for every node (NANOKUBE_HOSTS)
#   2. packages: runc, iptables, iproute2, conntrack, and what the steps below use; Node.js 20+; kubectl
#   3. kernel: swap off, br_netfilter where the kernel has it, net.ipv4.ip_forward=1
#   4. nanokube built from NANOKUBE_SRC into NANOKUBE_PREFIX, NANOKUBE_BIN installed
#   5. the offline images (deploy/images/build.sh) imported into the node's image store
#
# Parameters (environment):
#   NANOKUBE_NODE_NAME       this node's name (default: the host name)
#   NANOKUBE_NODE_IP         this node's address on the node network (required; checked, never guessed)
#   NANOKUBE_HOSTS           "IP=NAME,IP=NAME,..." written to NANOKUBE_HOSTS_FILE (default /etc/hosts); empty = skip
#   NANOKUBE_SKIP_INSTALL=1  no packages, Node.js, kubectl, and no build
#   NANOKUBE_SKIP_BUILD=1    no build (NANOKUBE_BIN is used as it is)
#   NANOKUBE_SKIP_KERNEL=1   leave swap, modules and sysctls alone
#   NANOKUBE_SRC             source checkout to build (default: the checkout holding this script)
#   NANOKUBE_PREFIX          install folder of the built tree (default /opt/nanokube)
#   NANOKUBE_BIN             the nanokube command (default /usr/local/bin/nanokube)
#   NANOKUBE_NODE_VERSION    Node.js to install when node is missing or older than 20 (default v20.20.2)
#   NANOKUBE_KUBECTL_VERSION kubectl to install (default v1.32.0)
#   NANOKUBE_SHARE_DIR       folder shared by all nodes; the first node's build is reused from there
#   NANOKUBE_IMAGES_DIR      offline image tarballs to import (default NANOKUBE_SHARE_DIR/images; empty = skip)
#   NANOKUBE_BUILD_IMAGES=1  build the offline images into NANOKUBE_IMAGES_DIR when missing (needs apt)
#   NANOKUBE_IMAGE_ROOT      the node's image store (default /var/lib/nanokube/images)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nk_require_root
nk_check_node_ip
ensure_hosts

if nk_bool "$NANOKUBE_SKIP_INSTALL"; then
  log "packages: skipped (NANOKUBE_SKIP_INSTALL=1)"
else
  ensure_packages ca-certificates curl xz-utils rsync openssl runc iptables iproute2 conntrack kmod
  ensure_node
  ensure_kubectl
fi

if nk_bool "$NANOKUBE_SKIP_KERNEL"; then
  log "kernel: skipped (NANOKUBE_SKIP_KERNEL=1)"
else
  ensure_kernel_settings
fi

if nk_bool "$NANOKUBE_SKIP_BUILD"; then
  log "build: skipped; using $NANOKUBE_BIN"
else
  ensure_nanokube_built
  if [ "$nk_rebuilt" = 1 ]; then
    # A new build: components that run pick it up now.
    restart_running "${nk_master_components[@]}"
  fi
fi

ensure_images_loaded
log "node ready for nanokube (common.sh done)"
