#!/usr/bin/env bash
# build/sdk.sh — install (or reuse) the official OpenAI JavaScript SDK that the serve compatibility
# tests drive (internal/server/sdktest), from its lock file, into the cache; print its node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/internal/server/sdktest"
cache=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
dir="$cache/openai-sdk-$key"
if [ ! -f "$dir/.complete" ]; then
  echo "sdk.sh: installing the OpenAI SDK (cache $dir)" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  cp "$src/package.json" "$src/package-lock.json" "$dir.tmp/"
  (cd "$dir.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$dir.tmp/.complete"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir/node_modules"
