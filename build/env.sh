# build/env.sh — source me: prepares a shell to build and test Hushscribe.
# Installs missing system packages, builds (or reuses) the cached whisper.cpp prefix and exports the cgo
# flags that link against it. Safe to source repeatedly; the second time takes well under a second.
_hs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$_hs_root/build/deps.sh" || return 1 2>/dev/null || exit 1
_hs_env=$("$_hs_root/build/whisper.sh" --env) || return 1 2>/dev/null || exit 1
eval "$_hs_env"
# Setting CGO_CFLAGS replaces Go's default "-O2 -g": put the optimisation back, or every cgo package
# (miniaudio's MP3 decoder in malgo, SQLite, the engine shim) is compiled unoptimised.
export CGO_CFLAGS="-O2 -g $CGO_CFLAGS" CGO_CXXFLAGS="-O2 -g $CGO_CXXFLAGS"
# ONNX Runtime and the Silero VAD model (voice activity detection, diarization): build/onnx.sh.
_hs_env=$("$_hs_root/build/onnx.sh" --env) || return 1 2>/dev/null || exit 1
eval "$_hs_env"
export HUSHSCRIBE_CACHE=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
# sqlite_fts5: full-text search in the library; the desktop tags are added by the builds that need them.
export HUSHSCRIBE_GO_TAGS=${HUSHSCRIBE_GO_TAGS:-sqlite_fts5}
export HUSHSCRIBE_DESKTOP_TAGS="desktop,production,webkit2_41,$HUSHSCRIBE_GO_TAGS"
unset _hs_env
