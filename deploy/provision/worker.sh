#!/usr/bin/env bash
# worker.sh: joins this node to the cluster, as `kubeadm join` does, after common.sh. Idempotent: a node
# that has joined (NANOKUBE_CONF_DIR/kubelet.conf exists) is not joined again.
#   1. `nanokube join MASTER --token T --discovery-token-ca-cert-hash sha256:H --node-name N`: token
#      discovery, then TLS bootstrap of the kubelet's client certificate
#   2. the proxy's kubeconfig from NANOKUBE_PROXY_KUBECONFIG
#   3. the units nanokube-kubelet (alias kubelet.service, with --node-ip) and nanokube-proxy, started
#
# Parameters (environment), besides those of lib.sh:
#   NANOKUBE_NODE_NAME         this node's name (default: the host name)
#   NANOKUBE_NODE_IP           this node's address on the node network (required; the kubelet's --node-ip)
#   NANOKUBE_SHARE_DIR         where master.sh left join.env and proxy.conf
#   NANOKUBE_MASTER            apiserver endpoint HOST:PORT (default: join.env's, else NANOKUBE_MASTER_IP:6443)
#   NANOKUBE_TOKEN             bootstrap token (default: join.env's)
#   NANOKUBE_CA_HASH           sha256:<hex> of the cluster CA's public key (default: join.env's)
#   NANOKUBE_PROXY_KUBECONFIG  kubeconfig for the proxy (default NANOKUBE_SHARE_DIR/proxy.conf)
#   NANOKUBE_JOIN_TIMEOUT      how long join waits for the signed certificate (default 5m0s)
#   NANOKUBE_KUBELET_EXTRA_ARGS, NANOKUBE_PROXY_EXTRA_ARGS, NANOKUBE_RUNTIME: as in master.sh
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nk_require_root
nk_check_node_ip

join_env=${NANOKUBE_SHARE_DIR:+$NANOKUBE_SHARE_DIR/join.env}
master=${NANOKUBE_MASTER:-} token=${NANOKUBE_TOKEN:-} ca_hash=${NANOKUBE_CA_HASH:-}
if [ -n "$join_env" ] && [ -f "$join_env" ]; then
  # Explicit parameters win over the file.
  master=${master:-$(sed -n 's/^NANOKUBE_MASTER=//p' "$join_env")}
  token=${token:-$(sed -n 's/^NANOKUBE_TOKEN=//p' "$join_env")}
  ca_hash=${ca_hash:-$(sed -n 's/^NANOKUBE_CA_HASH=//p' "$join_env")}
fi
master=${master:-${NANOKUBE_MASTER_IP:+$NANOKUBE_MASTER_IP:$nk_apiserver_port}}

# 1. join.
if [ -f "$NANOKUBE_CONF_DIR/kubelet.conf" ]; then
  log "join: already joined ($NANOKUBE_CONF_DIR/kubelet.conf exists; \`nanokube reset\` to join again)"
else
  if [ -z "$master" ] || [ -z "$token" ] || [ -z "$ca_hash" ]; then
    die "join: need NANOKUBE_MASTER, NANOKUBE_TOKEN and NANOKUBE_CA_HASH (or NANOKUBE_SHARE_DIR/join.env from master.sh); provision the master first"
  fi
  log "join: joining $master as $NANOKUBE_NODE_NAME ($NANOKUBE_NODE_IP)"
  nk_nanokube join "$master" --token "$token" --discovery-token-ca-cert-hash "$ca_hash" \
    --node-name "$NANOKUBE_NODE_NAME" --dir "$NANOKUBE_CONF_DIR" --timeout "${NANOKUBE_JOIN_TIMEOUT:-5m0s}"
fi

# 2. the proxy's credentials.
proxy_conf=${NANOKUBE_PROXY_KUBECONFIG:-${NANOKUBE_SHARE_DIR:+$NANOKUBE_SHARE_DIR/proxy.conf}}
changed=0
if [ -n "$proxy_conf" ] && [ -f "$proxy_conf" ]; then
  copy_if_changed "$proxy_conf" "$NANOKUBE_CONF_DIR/proxy.conf" 0600 && changed=1
elif [ ! -f "$NANOKUBE_CONF_DIR/proxy.conf" ]; then
  log "proxy: no proxy kubeconfig (NANOKUBE_PROXY_KUBECONFIG); the proxy will not start"
fi

# 3. components.
write_env_file worker && changed=1
if nk_bool "$NANOKUBE_SYSTEMD"; then
  if install_units "${nk_worker_components[@]}"; then systemctl daemon-reload; changed=1; fi
fi
[ "$changed" = 1 ] && restart_running "${nk_worker_components[@]}"
components=(kubelet)
[ -f "$NANOKUBE_CONF_DIR/proxy.conf" ] && components+=(proxy)
start_components "${components[@]}"
log "worker ready: on the master, \`kubectl get nodes -o wide\` lists $NANOKUBE_NODE_NAME with INTERNAL-IP $NANOKUBE_NODE_IP"
