#!/usr/bin/env bash
# service.sh: start, stop, restart or show nanokube components on this node, with systemd or (with
# NANOKUBE_SYSTEMD=0) as the background processes master.sh and worker.sh started.
#   service.sh start|stop|restart|status COMPONENT...   (store apiserver controller-manager scheduler kubelet proxy dns)
#   service.sh command COMPONENT                        print the component's command line, one word a line
# Parameters (environment): those of lib.sh (NANOKUBE_SYSTEMD, NANOKUBE_BIN, NANOKUBE_CONF_DIR,
# NANOKUBE_STATE_DIR, NANOKUBE_LOG_DIR, NANOKUBE_ENV_FILE).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 2 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
action=$1
shift
for c in "$@"; do
  [ -f "$nk_units_dir/nanokube-$c.service" ] || die "unknown component \"$c\""
done
case $action in
  start) start_components "$@" ;;
  stop) stop_components "$@" ;;
  restart) stop_components "$@"; start_components "$@" ;;
  status)
    rc=0
    for c in "$@"; do
      if component_running "$c"; then echo "$c: running"; else echo "$c: stopped"; rc=3; fi
    done
    exit $rc
    ;;
  command) nk_unit_command "$1" ;;
  *) die "unknown action \"$action\" (start, stop, restart, status, command)" ;;
esac
