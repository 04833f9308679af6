#!/usr/bin/env bash
# build/whisper.sh — build whisper.cpp (+ ggml) as shared libraries and whisper-cli into a cached prefix.
#
# Usage:  build/whisper.sh            build (or reuse) the prefix, print its path on the last line
#         build/whisper.sh --env      print shell exports (CGO_CFLAGS, CGO_LDFLAGS, WHISPER_PREFIX, PATH)
#
# Inputs (environment):
#   WHISPER_SRC       an ordinary whisper.cpp checkout to build instead of the npm-shipped tree
#   WHISPER_GPU       cpu (default) | cuda | vulkan | metal
#   WHISPER_CPU_LEVEL x86-64-v3 (default: SSE4.2 AVX AVX2 FMA F16C BMI2) | x86-64-v2 (SSE4.2 only) | native
#                     Never the build machine's CPU unless "native" is asked for explicitly.
#   HUSHSCRIBE_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe)
#   JOBS              parallel build jobs (default: nproc)
#
# The prefix is keyed by whisper.cpp version, source identity and flags, so changing any of them builds a
# new prefix and an unchanged input reuses the old one (a rerun takes well under a second).
set -euo pipefail

WHISPER_VERSION=1.9.1
NPM_PKG=nodejs-whisper@0.3.1
NPM_INTEGRITY='sha512-ceoilUVraRuR5FnNyXpGQT2auAR48Oc3AQBEmkXnVpSn9iN6yVRzQBFCqVTGWbk6Wdi95NhvwXNzFvuR7erLWw=='

GPU=${WHISPER_GPU:-cpu}
LEVEL=${WHISPER_CPU_LEVEL:-x86-64-v3}
CACHE=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { echo "whisper.sh: $*" >&2; }
die() { echo "whisper.sh: error: $*" >&2; exit 1; }

cmake_flags=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_CCACHE=OFF
  -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF -DWHISPER_BUILD_EXAMPLES=ON
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF -DGGML_OPENMP=ON
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON '-DCMAKE_INSTALL_RPATH=$ORIGIN/../lib;$ORIGIN')
case "$GPU" in
  cpu) ;;
  cuda) cmake_flags+=(-DGGML_CUDA=ON) ;;
  vulkan) cmake_flags+=(-DGGML_VULKAN=ON) ;;
  metal) cmake_flags+=(-DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON) ;;
  *) die "WHISPER_GPU=$GPU: want cpu, cuda, vulkan or metal" ;;
esac
case "$LEVEL" in
  native) cmake_flags+=(-DGGML_NATIVE=ON) ;;
  x86-64-v3) cmake_flags+=(-DGGML_NATIVE=OFF) ;; # ggml's non-native default: SSE4.2 AVX AVX2 BMI2 FMA F16C
  x86-64-v2) cmake_flags+=(-DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_BMI2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF) ;;
  *) die "WHISPER_CPU_LEVEL=$LEVEL: want x86-64-v3, x86-64-v2 or native" ;;
esac

if [ -n "${WHISPER_SRC:-}" ]; then
  [ -f "$WHISPER_SRC/include/whisper.h" ] || die "WHISPER_SRC=$WHISPER_SRC has no include/whisper.h"
  src_id="src-$(cd "$WHISPER_SRC" && (git rev-parse HEAD 2>/dev/null || echo local) | cut -c1-12)"
else
  src_id="npm-${NPM_PKG//@/-}"
fi
key=$(printf '%s\n' "$WHISPER_VERSION" "$src_id" "$GPU" "$LEVEL" "${cmake_flags[@]}" | sha256sum | cut -c1-12)
PREFIX="$CACHE/whisper-$WHISPER_VERSION-$GPU-$key"

print_env() {
  cat <<ENV
export WHISPER_PREFIX='$PREFIX'
export CGO_ENABLED=1
export CGO_CFLAGS='-I$PREFIX/include'
export CGO_CXXFLAGS='-I$PREFIX/include'
export CGO_LDFLAGS='-L$PREFIX/lib -Wl,--disable-new-dtags,-rpath,$PREFIX/lib'
export WHISPER_CLI='$PREFIX/bin/whisper-cli'
ENV
}

if [ ! -f "$PREFIX/.complete" ]; then
  command -v cmake >/dev/null || die "cmake is missing (apt-get install cmake)"
  command -v c++ >/dev/null || die "a C++ compiler is missing (apt-get install g++)"
  work=$(mktemp -d "${TMPDIR:-/tmp}/hushscribe-whisper.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if [ -n "${WHISPER_SRC:-}" ]; then
    src="$WHISPER_SRC"
  else
    command -v npm >/dev/null || die "npm is missing: it fetches $NPM_PKG, which ships whisper.cpp $WHISPER_VERSION (or set WHISPER_SRC)"
    tgz="$CACHE/dl/${NPM_PKG//@/-}.tgz"
    mkdir -p "$CACHE/dl"
    if [ ! -f "$tgz" ]; then
      log "fetching $NPM_PKG"
      (cd "$work" && npm pack --silent "$NPM_PKG" >/dev/null) || die "npm pack $NPM_PKG failed"
      mv "$work"/nodejs-whisper-*.tgz "$tgz.part"
      mv "$tgz.part" "$tgz"
    fi
    got=$(node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
    if [ "$got" != "$NPM_INTEGRITY" ]; then
      rm -f "$tgz"
      die "integrity mismatch for $NPM_PKG: got $got, want $NPM_INTEGRITY"
    fi
    tar -xzf "$tgz" -C "$work" package/cpp/whisper.cpp
    src="$work/package/cpp/whisper.cpp"
  fi
  grep -q "project(\"whisper.cpp\" VERSION $WHISPER_VERSION)" "$src/CMakeLists.txt" ||
    log "warning: $src is not whisper.cpp $WHISPER_VERSION"
  log "configuring ($GPU, $LEVEL) -> $PREFIX"
  cmake -S "$src" -B "$work/build" "${cmake_flags[@]}" >"$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; die "cmake configure failed"; }
  log "building with $JOBS jobs"
  cmake --build "$work/build" --config Release -j "$JOBS" --target whisper whisper-cli >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; die "build failed"; }
  stage="$PREFIX.tmp.$$"
  rm -rf "$stage"; mkdir -p "$stage/lib" "$stage/include" "$stage/bin"
  find "$work/build" \( -name 'lib*.so*' -o -name 'lib*.dylib' \) -exec cp -P {} "$stage/lib/" \;
  cp "$src"/include/*.h "$src"/ggml/include/*.h "$stage/include/"
  cp "$work/build/bin/whisper-cli" "$stage/bin/"
  printf '%s\n' "$WHISPER_VERSION" "$src_id" "$GPU" "$LEVEL" > "$stage/BUILDINFO"
  touch "$stage/.complete"
  rm -rf "$PREFIX"; mv "$stage" "$PREFIX"
  log "done"
fi

if [ "${1:-}" = "--env" ]; then print_env; else echo "$PREFIX"; fi
