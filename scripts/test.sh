#!/usr/bin/env bash
# `npm test`: install what the tests need (Debian's redis-server and postgresql when
# missing, npm packages from the lockfile), build every package, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
exec npx mocha "$@"
