#!/usr/bin/env bash
# Installs the Debian packages nanokube needs on this machine, once. Idempotent: packages already
# present are not reinstalled, and apt is not touched at all when nothing is missing.
set -euo pipefail
want=(etcd-server iproute2 iptables runc busybox-static nginx-light iputils-arping)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "nanokube needs these Debian packages: ${missing[*]}; run as root or install them first" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps Debian from starting etcd as a system service: tests start their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.nanokube
chmod +x /usr/sbin/policy-rc.d.nanokube
if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.nanokube /usr/sbin/policy-rc.d; remove_policy=1; fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${remove_policy:-0}" = 1 ] && rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.nanokube
