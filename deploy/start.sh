#!/usr/bin/env bash
# `npm start`: install what is missing, build, then bring nanokube up. Until the lab lands this starts
# the store in the foreground on 127.0.0.1:2379 with its data under .nanokube/store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund
npm run build
exec node packages/cli/bin/nanokube.js store --data-dir .nanokube/store --listen-client-urls http://127.0.0.1:2379
