#!/usr/bin/env bash
# build/crosscheck.sh — type-check (go vet) the code that only builds on Windows and macOS, on Linux:
#
#   windows/amd64: every package, and the desktop app (main with -tags desktop), with MinGW-w64 as
#                  the C compiler for cgo (whisper.cpp, miniaudio, SQLite): the tray, the hotkey,
#                  Wails' WebView2 shell, the microphone.
#   darwin/amd64:  the tray, hotkey, microphone, quick record, dictation and text input packages, with build/crosscheck/
#                  darwin-cc standing in for Apple's clang (no macOS SDK here). The desktop main
#                  package is left out on macOS: Wails' Cocoa preambles need the real SDK.
#
# Nothing is linked: this proves the platform files compile against their libraries' APIs, not
# that the binaries run. Needs gcc-mingw-w64-x86-64 (build/deps.sh) and whisper.h (build/whisper.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(build/whisper.sh --env)"
export CGO_ENABLED=1 CGO_LDFLAGS= GOFLAGS=${GOFLAGS:--mod=mod}

echo "== windows/amd64"
GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  go vet -tags sqlite_fts5 ./...
GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  go vet -tags desktop,production,sqlite_fts5 .

echo "== darwin/amd64"
GOOS=darwin GOARCH=amd64 CC="$PWD/build/crosscheck/darwin-cc" \
  go vet ./internal/tray/ ./internal/capture/... ./internal/quickrecord/ ./internal/engine/ ./internal/store/ \
  ./internal/textinput/ ./internal/dictation/
echo "crosscheck: ok"
