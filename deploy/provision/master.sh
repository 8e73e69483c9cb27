#!/usr/bin/env bash
# master.sh: makes this node the control plane, as `kubeadm init` does, after common.sh. Idempotent.
#   1. `nanokube init --dir NANOKUBE_CONF_DIR --advertise-address NANOKUBE_NODE_IP`: CA, certificates, kubeconfigs
#   2. the units nanokube-{store,apiserver,controller-manager,scheduler,kubelet,proxy,dns} (or, with
#      NANOKUBE_SYSTEMD=0, the same command lines as background processes), enabled and started
#   3. a bootstrap token that never expires (a lab token: kubeadm's --token-ttl 0)
#   4. the join data for workers in NANOKUBE_SHARE_DIR: join.env (endpoint, token, CA hash) and proxy.conf;
#      admin.conf there too, for kubectl on the host
#   5. admin.conf as ~/.kube/config of each user in NANOKUBE_KUBECONFIG_USERS
#
# Parameters (environment), besides those of lib.sh (NANOKUBE_CONF_DIR, NANOKUBE_STATE_DIR, NANOKUBE_BIN,
# NANOKUBE_SYSTEMD, NANOKUBE_ENV_FILE, NANOKUBE_UNIT_DIR, NANOKUBE_LOG_DIR):
#   NANOKUBE_NODE_NAME          this node's name (default: the host name)
#   NANOKUBE_NODE_IP            the address the apiserver advertises (required), e.g. 192.168.56.10
#   NANOKUBE_TOKEN              the bootstrap token (abcdef.0123456789abcdef form); default: the one made by
#                               an earlier run, else a new random one
#   NANOKUBE_SHARE_DIR          where workers and the host find join.env, proxy.conf and admin.conf (empty = skip)
#   NANOKUBE_KUBECONFIG_USERS   users who get admin.conf as ~/.kube/config (e.g. "vagrant root"; default none)
#   NANOKUBE_API_TIMEOUT        seconds to wait for the apiserver (default 180)
#   NANOKUBE_*_EXTRA_ARGS       extra flags per component (APISERVER, CONTROLLER_MANAGER, SCHEDULER, KUBELET,
#                               PROXY, DNS), written to NANOKUBE_ENV_FILE
#   NANOKUBE_RUNTIME            the kubelet's container runtime (default runc)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nk_require_root
nk_check_node_ip
mkdir -p "$NANOKUBE_STATE_DIR"
chmod 0700 "$NANOKUBE_STATE_DIR"

# 1. certificates and kubeconfigs; init keeps what is already there.
if [ -f "$NANOKUBE_CONF_DIR/admin.conf" ] && [ -f "$NANOKUBE_CONF_DIR/pki/ca.crt" ]; then
  log "init: $NANOKUBE_CONF_DIR already initialised"
else
  log "init: writing certificates and kubeconfigs to $NANOKUBE_CONF_DIR"
  nk_nanokube init --dir "$NANOKUBE_CONF_DIR" --advertise-address "$NANOKUBE_NODE_IP" --node-name "$NANOKUBE_NODE_NAME" >/dev/null
fi

# 2. components.
changed=0
write_env_file master && changed=1
if nk_bool "$NANOKUBE_SYSTEMD"; then
  if install_units "${nk_master_components[@]}"; then systemctl daemon-reload; changed=1; fi
fi
[ "$changed" = 1 ] && restart_running "${nk_master_components[@]}"
# The store and the apiserver first; the rest once the API answers (systemd orders them the same way,
# and without systemd nothing restarts a component that gave up waiting).
start_components store apiserver
log "waiting for the apiserver at https://$NANOKUBE_NODE_IP:$nk_apiserver_port"
wait_for_apiserver
start_components "${nk_master_components[@]:2}"

# 3. the lab token: kept in the state folder so that every run uses the same one.
token_file=$NANOKUBE_STATE_DIR/lab-token
if [ -n "${NANOKUBE_TOKEN:-}" ]; then
  token=$NANOKUBE_TOKEN
elif [ -f "$token_file" ]; then
  token=$(cat "$token_file")
else
  token=$(nk_nanokube token generate)
fi
[[ $token =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || die "NANOKUBE_TOKEN \"$token\" is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})"
write_if_changed "$token_file" 0600 <<<"$token" || true
tokens=$(nk_nanokube token list --kubeconfig "$NANOKUBE_CONF_DIR/admin.conf")
if grep -q "^${token%%.*}\." <<<"$tokens"; then
  log "token: ${token%%.*}.**** exists"
else
  nk_nanokube token create "$token" --ttl 0 --kubeconfig "$NANOKUBE_CONF_DIR/admin.conf" \
    --description "nanokube lab token: never expires (kubeadm --token-ttl 0)" >/dev/null
  log "token: created ${token%%.*}.**** (never expires)"
fi
hash=$(ca_cert_hash)
join_line="nanokube join $NANOKUBE_NODE_IP:$nk_apiserver_port --token $token --discovery-token-ca-cert-hash $hash"

# 4. what workers and the host need.
if [ -n "$NANOKUBE_SHARE_DIR" ]; then
  mkdir -p "$NANOKUBE_SHARE_DIR"
  if write_if_changed "$NANOKUBE_SHARE_DIR/join.env" 0600 <<EOF2
# Written by deploy/provision/master.sh: what worker.sh needs to join. The token never expires.
NANOKUBE_MASTER=$NANOKUBE_NODE_IP:$nk_apiserver_port
NANOKUBE_TOKEN=$token
NANOKUBE_CA_HASH=$hash
EOF2
  then
    log "share: wrote $NANOKUBE_SHARE_DIR/join.env"
  fi
  for f in proxy.conf admin.conf; do
    if copy_if_changed "$NANOKUBE_CONF_DIR/$f" "$NANOKUBE_SHARE_DIR/$f" 0600; then log "share: wrote $NANOKUBE_SHARE_DIR/$f"; fi
  done
fi

# 5. kubectl for the users.
for user in ${NANOKUBE_KUBECONFIG_USERS:-}; do
  home=$(getent passwd "$user" | cut -d: -f6) || { log "kubeconfig: no user $user; skipped"; continue; }
  if copy_if_changed "$NANOKUBE_CONF_DIR/admin.conf" "$home/.kube/config" 0600; then
    chown -R "$user:$(id -gn "$user")" "$home/.kube"
    log "kubeconfig: $home/.kube/config"
  fi
done

log "control plane ready. Workers join with:"
printf '\n%s\n\n' "$join_line" >&2
