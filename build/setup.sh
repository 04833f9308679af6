#!/usr/bin/env bash
# build/setup.sh — everything a fresh Debian 12 machine needs, then the binaries:
#   bin/hushscribe           the desktop app (+ every headless subcommand), when GTK/WebKit are present
#   bin/hushscribe-headless  transcribe / models / serve only; needs no GTK or WebKit
#   bin/hushscribe-backupd   the opt-in encrypted cloud backup server
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. build/env.sh
mkdir -p bin
# ONNX Runtime (voice activity detection, diarization) is loaded at run time from beside the binary.
cp "$HUSHSCRIBE_ONNXRUNTIME" bin/libonnxruntime.so.1
go build -trimpath -tags "$HUSHSCRIBE_GO_TAGS" -o bin/hushscribe-headless .
go build -trimpath -tags "$HUSHSCRIBE_GO_TAGS" -o bin/hushscribe-backupd ./internal/backupserver/cmd/hushscribe-backupd
if [ -f frontend/package.json ] && [ -f main_desktop.go ] && pkg-config --exists gtk+-3.0 webkit2gtk-4.1 2>/dev/null; then
  build/frontend.sh build
  go build -trimpath -tags "$HUSHSCRIBE_DESKTOP_TAGS" -o bin/hushscribe .
else
  echo "setup.sh: desktop shell not built (needs frontend/, main_desktop.go, GTK 3 and WebKitGTK 4.1)" >&2
  cp bin/hushscribe-headless bin/hushscribe
fi
echo "setup.sh: built $(ls bin | tr '\n' ' ')" >&2
