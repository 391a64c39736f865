#!/usr/bin/env bash
# `npm run demo`: the whole product on one machine, from a fresh clone. npm runs scripts before
# anyone ran `npm install`, so this installs what is missing first (npm ci when node_modules is
# missing or older than package-lock.json), builds, then runs scripts/demo.ts: `jobs dev` with an
# embedded PostgreSQL, one real http-request job, its record printed, running until Ctrl-C.
# Arguments go to `jobs dev`, e.g. `npm run demo -- --port 0`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "demo: Node.js 20.19 or newer is needed (https://nodejs.org/)" >&2
  exit 1
fi
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'; then
  echo "demo: Node.js 20.19 or newer is needed, this is $(node --version)" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "demo: installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund
fi
echo "demo: building..."
npm run build --silent
exec node --import tsx scripts/demo.ts "$@"
