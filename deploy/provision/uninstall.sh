#!/usr/bin/env bash
# uninstall.sh: removes nanokube from this node: stops and disables the components, runs
# `nanokube reset --force` (certificates, kubeconfigs, the store's data, the kubelet's state), and
# deletes the units, NANOKUBE_ENV_FILE, the state folder (lab token, pid files), the /etc/hosts block and
# the kernel settings files. Packages, Node.js, kubectl and NANOKUBE_PREFIX stay. Parameters: those of lib.sh.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nk_require_root
stop_components dns proxy kubelet scheduler controller-manager apiserver store
if nk_bool "$NANOKUBE_SYSTEMD"; then
  for c in "${nk_master_components[@]}"; do
    unit=$NANOKUBE_UNIT_DIR/nanokube-$c.service
    [ -f "$unit" ] || continue
    systemctl disable --quiet "nanokube-$c.service" 2>/dev/null || true
    rm -f "$unit"
  done
  systemctl daemon-reload
fi
if nk_has_verb reset; then nk_nanokube reset --force --dir "$NANOKUBE_CONF_DIR" --store-data-dir "$NANOKUBE_STATE_DIR/store"; fi
rm -rf "$NANOKUBE_STATE_DIR" "$NANOKUBE_ENV_FILE"
hosts=${NANOKUBE_HOSTS_FILE:-/etc/hosts}
if grep -q '^# BEGIN nanokube nodes$' "$hosts" 2>/dev/null; then
  sed -i '/^# BEGIN nanokube nodes$/,/^# END nanokube nodes$/d' "$hosts"
fi
if ! nk_bool "$NANOKUBE_SKIP_KERNEL"; then
  rm -f /etc/sysctl.d/99-nanokube.conf /etc/modules-load.d/nanokube.conf
fi
log "nanokube removed from this node"
