#!/usr/bin/env bash
# build/frontend.sh — install the frontend's npm packages (cached outside the clone, keyed by the lock
# file's hash) and build frontend/dist. Usage: build/frontend.sh [npm-script ...]  (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fe="$root/frontend"
[ -f "$fe/package.json" ] || { echo "frontend.sh: no frontend/package.json" >&2; exit 0; }
cache=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
key=$(cat "$fe/package.json" "$fe/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)
nm="$cache/node_modules-$key"
if [ ! -f "$fe/node_modules/.hushscribe-$key" ]; then
  if [ ! -f "$nm/.complete" ]; then
    echo "frontend.sh: installing npm packages (cache $nm)" >&2
    (cd "$fe" && npm ci --no-audit --no-fund --loglevel=error)
    rm -rf "$nm.tmp" && mkdir -p "$(dirname "$nm")" && cp -a "$fe/node_modules" "$nm.tmp" && touch "$nm.tmp/.complete"
    rm -rf "$nm" && mv "$nm.tmp" "$nm"
  else
    rm -rf "$fe/node_modules" && cp -a "$nm" "$fe/node_modules"
  fi
  touch "$fe/node_modules/.hushscribe-$key"
fi
scripts=("$@"); [ ${#scripts[@]} -eq 0 ] && scripts=(build)
for s in "${scripts[@]}"; do (cd "$fe" && npm run --silent "$s"); done
