#!/usr/bin/env bash
# build/versitygw.sh — build (or reuse) versitygw, a real S3-compatible server that checks AWS
# Signature V4, into the cache, and print the binary's path on the last line. The tests start it on
# loopback with its posix backend (internal/s3test). Built from the Go module proxy, never downloaded
# as a prebuilt binary.
set -euo pipefail
VERSION=v1.8.0
CACHE=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
dir="$CACHE/versitygw-$VERSION"
if [ ! -x "$dir/bin/versitygw" ]; then
  echo "versitygw.sh: building github.com/versity/versitygw $VERSION (a few minutes, once)" >&2
  mkdir -p "$dir"
  GOBIN="$dir/bin.tmp.$$" CGO_ENABLED=0 go install -trimpath "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
  rm -rf "$dir/bin"; mv "$dir/bin.tmp.$$" "$dir/bin"
fi
echo "$dir/bin/versitygw"
