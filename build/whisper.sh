#!/usr/bin/env bash
# build/whisper.sh — build whisper.cpp (+ ggml) as shared libraries and whisper-cli into a cached prefix.
#
# Usage:  build/whisper.sh            build (or reuse) the prefix, print its path on the last line
#         build/whisper.sh --env      print shell exports (CGO_CFLAGS, CGO_LDFLAGS, WHISPER_PREFIX, PATH)
#
# Two layouts:
#   dynamic (default) one build for every machine: ggml's backends are loadable modules chosen at run time
#                     (GGML_BACKEND_DL). lib/ holds libwhisper, libggml, libggml-base and the modules
#                     libggml-cpu-<variant>.so (one per CPU feature level; ggml loads the best one the CPU
#                     runs), libggml-vulkan.so and, when built, libggml-cuda.so. The program must call
#                     ggml_backend_load_all_from_path(lib dir) before whisper_init (internal/engine does).
#                     bin/ links to the modules so whisper-cli (which loads from its own folder) finds them.
#   static            the old fixed build: CPU backend linked in at WHISPER_CPU_LEVEL, optional WHISPER_GPU.
#                     Kept for the benchmark comparison (internal/benchcmp, cmd/gpubench).
#
# Inputs (environment):
#   WHISPER_BACKENDS  dynamic (default) | static
#   WHISPER_SRC       an ordinary whisper.cpp checkout to build instead of the npm-shipped tree
#   WHISPER_GPU       dynamic: comma list of GPU modules, default auto = vulkan (+ cuda when nvcc is on
#                       PATH); e.g. vulkan,cuda | cuda | none (or cpu). metal on macOS.
#                     static: cpu (default) | cuda | vulkan | metal
#   WHISPER_CPU_VARIANTS  dynamic only: space list of ggml CPU variants, or "all" (ggml's 14 x86 levels).
#                     Default: x64 sse42 sandybridge haswell icelake — baseline x86-64, SSE4.2, AVX,
#                     AVX2/FMA/F16C (= the old fixed x86-64-v3 build) and AVX-512 with VBMI/VNNI (Ice Lake,
#                     Sapphire Rapids, Zen 4 and newer). ggml loads the best one the CPU runs. Each variant
#                     costs ~7-10 min on 2 busy cores; "all" adds skylakex (plain AVX-512), cascadelake,
#                     cannonlake, cooperlake, zen4 (BF16), alderlake (AVX-VNNI), sapphirerapids (AMX),
#                     ivybridge and piledriver, about an hour more.
#   WHISPER_CUDA_ARCH dynamic with cuda: CMAKE_CUDA_ARCHITECTURES (e.g. native); default ggml's list.
#   WHISPER_CPU_LEVEL static only: x86-64-v3 (default: SSE4.2 AVX AVX2 FMA F16C BMI2) | x86-64-v2
#                     (SSE4.2 only) | native. Never the build machine's CPU unless "native" is asked for.
#   HUSHSCRIBE_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe)
#   JOBS              parallel build jobs (default: nproc)
#
# Patches (build/patches, each checked with --dry-run before it is applied; a failure stops the build):
#   ggml-vulkan-layer-settings.patch  Debian 12's Vulkan headers (1.3.239) lack VK_EXT_layer_settings,
#                                     which ggml-vulkan.cpp uses when it creates the instance: guard it.
#   ggml-cpu-variants-only.patch      GGML_CPU_VARIANTS_ONLY restricts GGML_CPU_ALL_VARIANTS to a list.
#
# The prefix is keyed by whisper.cpp version, source identity, layout, flags and patches, so changing any of
# them builds a new prefix and an unchanged input reuses the old one (a rerun takes well under a second).
set -euo pipefail

WHISPER_VERSION=1.9.1
NPM_PKG=nodejs-whisper@0.3.1
NPM_INTEGRITY='sha512-ceoilUVraRuR5FnNyXpGQT2auAR48Oc3AQBEmkXnVpSn9iN6yVRzQBFCqVTGWbk6Wdi95NhvwXNzFvuR7erLWw=='
DEFAULT_CPU_VARIANTS="x64 sse42 sandybridge haswell icelake"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAYOUT=${WHISPER_BACKENDS:-dynamic}
CACHE=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { echo "whisper.sh: $(date -u +%H:%M:%S) $*" >&2; }
die() { echo "whisper.sh: error: $*" >&2; exit 1; }

cmake_flags=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_CCACHE=OFF
  -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF -DWHISPER_BUILD_EXAMPLES=ON
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF -DGGML_OPENMP=ON
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON '-DCMAKE_INSTALL_RPATH=$ORIGIN/../lib;$ORIGIN')
patches=()
modules=()     # extra build targets (the dynamic backends)
case "$LAYOUT" in
static)
  GPU=${WHISPER_GPU:-cpu}
  LEVEL=${WHISPER_CPU_LEVEL:-x86-64-v3}
  case "$GPU" in
    cpu) ;;
    cuda) cmake_flags+=(-DGGML_CUDA=ON) ;;
    vulkan) cmake_flags+=(-DGGML_VULKAN=ON); patches+=(ggml-vulkan-layer-settings.patch) ;;
    metal) cmake_flags+=(-DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON) ;;
    *) die "WHISPER_GPU=$GPU: want cpu, cuda, vulkan or metal" ;;
  esac
  case "$LEVEL" in
    native) cmake_flags+=(-DGGML_NATIVE=ON) ;;
    x86-64-v3) cmake_flags+=(-DGGML_NATIVE=OFF) ;; # ggml's non-native default: SSE4.2 AVX AVX2 BMI2 FMA F16C
    x86-64-v2) cmake_flags+=(-DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_BMI2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF) ;;
    *) die "WHISPER_CPU_LEVEL=$LEVEL: want x86-64-v3, x86-64-v2 or native" ;;
  esac
  ;;
dynamic)
  GPU=${WHISPER_GPU:-auto}
  if [ "$GPU" = auto ]; then
    GPU=vulkan
    if [ "$(uname -s)" = Darwin ]; then GPU=metal; fi
    if command -v nvcc >/dev/null 2>&1; then GPU="$GPU,cuda"; fi
  fi
  LEVEL=all-variants
  cmake_flags+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON)
  if [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = amd64 ]; then
    variants=${WHISPER_CPU_VARIANTS:-$DEFAULT_CPU_VARIANTS}
    cmake_flags+=(-DGGML_CPU_ALL_VARIANTS=ON)
    patches+=(ggml-cpu-variants-only.patch)
    if [ "$variants" != all ]; then
      cmake_flags+=("-DGGML_CPU_VARIANTS_ONLY=${variants// /;}")
      for v in $variants; do modules+=("ggml-cpu-$v"); done
    else
      for v in x64 sse42 sandybridge ivybridge piledriver haswell skylakex cannonlake cascadelake icelake \
        cooperlake zen4 alderlake sapphirerapids; do modules+=("ggml-cpu-$v"); done
    fi
  else
    modules+=(ggml-cpu) # one CPU module at the compiler's default level elsewhere
  fi
  IFS=, read -r -a gpus <<<"$GPU"
  for g in "${gpus[@]}"; do
    case "$g" in
      none|cpu|"") ;;
      vulkan)
        command -v glslc >/dev/null || die "glslc is missing for the Vulkan module (apt-get install glslc glslang-tools libvulkan-dev spirv-headers; or WHISPER_GPU=none)"
        cmake_flags+=(-DGGML_VULKAN=ON); patches+=(ggml-vulkan-layer-settings.patch); modules+=(ggml-vulkan) ;;
      cuda)
        command -v nvcc >/dev/null || die "WHISPER_GPU has cuda but nvcc is not on PATH (install the CUDA toolkit or use the CUDA Docker image)"
        cmake_flags+=(-DGGML_CUDA=ON); modules+=(ggml-cuda)
        # WHISPER_CUDA_ARCH=native (build/gpu-check.sh) builds for this machine's GPU only: minutes
        # instead of the default list of architectures.
        if [ -n "${WHISPER_CUDA_ARCH:-}" ]; then cmake_flags+=("-DCMAKE_CUDA_ARCHITECTURES=$WHISPER_CUDA_ARCH"); fi ;;
      metal) cmake_flags+=(-DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON); modules+=(ggml-metal) ;;
      *) die "WHISPER_GPU=$GPU: want a comma list of vulkan, cuda, metal (or none, auto)" ;;
    esac
  done
  ;;
*) die "WHISPER_BACKENDS=$LAYOUT: want dynamic or static" ;;
esac

if [ -n "${WHISPER_SRC:-}" ]; then
  [ -f "$WHISPER_SRC/include/whisper.h" ] || die "WHISPER_SRC=$WHISPER_SRC has no include/whisper.h"
  src_id="src-$(cd "$WHISPER_SRC" && (git rev-parse HEAD 2>/dev/null || echo local) | cut -c1-12)"
else
  src_id="npm-${NPM_PKG//@/-}"
fi
if [ "$LAYOUT" = static ]; then
  # Unchanged from the static-only script, so existing caches keep their names.
  key=$(printf '%s\n' "$WHISPER_VERSION" "$src_id" "$GPU" "$LEVEL" "${cmake_flags[@]}" | sha256sum | cut -c1-12)
  PREFIX="$CACHE/whisper-$WHISPER_VERSION-$GPU-$key"
else
  key=$( { printf '%s\n' "$WHISPER_VERSION" "$src_id" dynamic "$GPU" "${cmake_flags[@]}" "${modules[@]}"
          for p in "${patches[@]}"; do cat "$HERE/patches/$p"; done; } | sha256sum | cut -c1-12)
  PREFIX="$CACHE/whisper-$WHISPER_VERSION-dl-$key"
fi

# The upstream Go bindings link with -lggml-cpu, a library the dynamic layout does not have (the CPU
# backend is a module chosen at run time). linkstub/libggml-cpu.so is a GNU ld script that satisfies
# that flag with libggml-base (as-needed), so nothing extra is recorded in the binary.
ensure_linkstub() {
  [ "$LAYOUT" = dynamic ] || return 0
  [ -f "$PREFIX/linkstub/libggml-cpu.so" ] && return 0
  mkdir -p "$PREFIX/linkstub"
  printf '%s\n' '/* GNU ld script (hushscribe): the CPU backend is a run-time module in this layout */' \
    'INPUT(AS_NEEDED(-lggml-base))' >"$PREFIX/linkstub/libggml-cpu.so.tmp"
  mv "$PREFIX/linkstub/libggml-cpu.so.tmp" "$PREFIX/linkstub/libggml-cpu.so"
}

print_env() {
  local ld="-L$PREFIX/lib"
  [ "$LAYOUT" = dynamic ] && ld="$ld -L$PREFIX/linkstub"
  cat <<ENV
export WHISPER_PREFIX='$PREFIX'
export WHISPER_LAYOUT='$LAYOUT'
export CGO_ENABLED=1
export CGO_CFLAGS='-I$PREFIX/include'
export CGO_CXXFLAGS='-I$PREFIX/include'
export CGO_LDFLAGS='$ld -Wl,--disable-new-dtags,-rpath,$PREFIX/lib'
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
  if [ ${#patches[@]} -gt 0 ]; then
    command -v patch >/dev/null || die "patch is missing (apt-get install patch)"
    tree="$work/src"; rm -rf "$tree"; cp -a "$src" "$tree"; src="$tree" # never patch WHISPER_SRC in place
    for p in "${patches[@]}"; do
      patch -d "$src" -p1 --dry-run --quiet <"$HERE/patches/$p" >/dev/null ||
        die "patch $p does not apply cleanly to $src (whisper.cpp changed? update build/patches)"
      patch -d "$src" -p1 --quiet <"$HERE/patches/$p" >/dev/null
      log "applied $p"
    done
  fi
  log "configuring ($LAYOUT, gpu=$GPU, cpu=$LEVEL) -> $PREFIX"
  cmake -S "$src" -B "$work/build" "${cmake_flags[@]}" >"$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; die "cmake configure failed"; }
  log "building with $JOBS jobs"
  times="$work/build-times.txt"; : >"$times"
  t0=$(date +%s)
  # One target at a time after the core, so the log says what each module costs.
  for target in "whisper whisper-cli" "${modules[@]}"; do
    ts=$(date +%s)
    # shellcheck disable=SC2086 # the first entry is two targets on purpose
    cmake --build "$work/build" --config Release -j "$JOBS" --target $target >>"$work/build.log" 2>&1 ||
      { tail -40 "$work/build.log" >&2; die "build of $target failed"; }
    echo "$target $(( $(date +%s) - ts ))s" >>"$times"
    log "built $target in $(( $(date +%s) - ts ))s"
  done
  echo "total $(( $(date +%s) - t0 ))s" >>"$times"
  stage="$PREFIX.tmp.$$"
  rm -rf "$stage"; mkdir -p "$stage/lib" "$stage/include" "$stage/bin"
  find "$work/build" \( -name 'lib*.so*' -o -name 'lib*.dylib' \) -exec cp -P {} "$stage/lib/" \;
  cp "$src"/include/*.h "$src"/ggml/include/*.h "$stage/include/"
  cp "$work/build/bin/whisper-cli" "$stage/bin/"
  if [ "$LAYOUT" = dynamic ]; then
    # whisper-cli loads backends from its own folder: point it at the modules in lib/.
    for m in "$stage"/lib/libggml-*.so; do
      case "$(basename "$m")" in libggml-base.so) continue ;; esac
      ln -s "../lib/$(basename "$m")" "$stage/bin/$(basename "$m")"
    done
    ls "$stage"/lib/libggml-cpu*.so >/dev/null 2>&1 || die "no CPU backend module was built"
  fi
  printf '%s\n' "$WHISPER_VERSION" "$src_id" "$GPU" "$LEVEL" "$LAYOUT" > "$stage/BUILDINFO"
  cp "$times" "$stage/build-times.txt"
  touch "$stage/.complete"
  rm -rf "$PREFIX"; mv "$stage" "$PREFIX"
  log "done"
fi

ensure_linkstub
if [ "${1:-}" = "--env" ]; then print_env; else echo "$PREFIX"; fi
