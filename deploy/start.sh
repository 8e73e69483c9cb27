#!/usr/bin/env bash
# `npm start`: install what is missing, build, then bring nanokube up. Until the 4-node lab lands this is
# the loopback control plane (`nanokube up`): store, apiserver and scheduler as separate processes, state
# and logs under .nanokube/up, admin kubeconfig at .nanokube/up/admin.conf. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund
npm run build
exec node packages/cli/bin/nanokube.js up --dir .nanokube/up
