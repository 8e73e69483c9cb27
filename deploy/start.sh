#!/usr/bin/env bash
# `npm start`: install what is missing (Debian packages as root, npm packages), build, build the offline
# images, then bring up the 4-node lab: `nanokube lab up` (1 master + 3 workers out of network namespaces,
# pods under runc). It returns once every node is Ready and merges a `nanokube-lab` context into
# ~/.kube/config. `nanokube lab down` removes it all. Linux and root only, like every container host.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "npm start builds a lab out of network namespaces and runs containers under runc: run it as root" >&2
  exit 1
fi
bash deploy/install-deps.sh
bash deploy/images/build.sh
npm install --no-audit --no-fund
npm run build
exec node packages/cli/bin/nanokube.js lab up
