#!/usr/bin/env bash
# build/gpu-check.sh — the GPU checks for a machine with an NVIDIA GPU (run by hand or on a GPU
# runner; CI machines without a GPU get "no GPU here" and exit 0):
#   1. builds whisper.cpp's CUDA module (dynamic layout, WHISPER_GPU=cuda, for this GPU's
#      architecture only: WHISPER_CUDA_ARCH=native) into its own cached prefix;
#   2. runs the GPU parity test on CUDA0: the engine and whisper-cli from that build, same device,
#      model, audio and greedy settings, identical segments and timestamps (internal/engine
#      TestVulkanParity with HUSHSCRIBE_TEST_GPU=CUDA0), and that auto picks the GPU;
#   3. runs internal/benchcmp on CUDA0 (engine vs whisper-cli, time and memory ratios) and prints the
#      real-time factor (processing time / audio time; lower is faster) for tiny-, base- and
#      small-shaped generated models.
# Needs: nvidia-smi and a driver, the CUDA toolkit (nvcc) or the CUDA Docker image
# (build/docker/Dockerfile's build stage), Go, cmake, ffmpeg. Environment: HUSHSCRIBE_CORPUS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  echo "gpu-check: no GPU here (no NVIDIA GPU or driver: nvidia-smi -L lists none); nothing to check"
  exit 0
fi
nvidia-smi -L
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=$PATH:/usr/local/cuda/bin; fi
if ! command -v nvcc >/dev/null 2>&1; then
  echo "gpu-check: an NVIDIA GPU is here but no CUDA toolkit (nvcc): install nvidia-cuda-toolkit or run in the CUDA Docker image" >&2
  exit 1
fi
corpus=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
export WHISPER_GPU=cuda WHISPER_CUDA_ARCH=${WHISPER_CUDA_ARCH:-native}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
t0=$SECONDS
eval "$(build/whisper.sh --env)"
echo "gpu-check: CUDA prefix $WHISPER_PREFIX ($((SECONDS - t0)) s)"
tags=${HUSHSCRIBE_GO_TAGS:-sqlite_fts5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -tags "$tags" -o "$tmp/hushscribe" .
go build -tags "$tags" -o "$tmp/benchcmp" ./internal/benchcmp
"$tmp/hushscribe" devices
echo "== parity on CUDA0 (engine vs whisper-cli) and auto picks the GPU"
if ! HUSHSCRIBE_TEST_GPU=CUDA0 CI=true go test -tags "$tags" -count=1 -run 'TestVulkanParity|TestAutoPicksWorkingGPU' -v \
  ./internal/engine/ >"$tmp/parity.log" 2>&1; then
  tail -40 "$tmp/parity.log" >&2
  echo "gpu-check: CUDA parity FAILED" >&2
  exit 1
fi
grep -E '^(--- |ok)|segments,' "$tmp/parity.log" || true
echo "== benchmark on CUDA0 (ours = hushscribe, cli = whisper-cli); RTF = processing time / audio time"
for shape in tiny base small; do
  echo "-- $shape-shaped model"
  "$tmp/benchcmp" -bin "$tmp/hushscribe" -whisper-cli "$WHISPER_CLI" -device CUDA0 -cli-gpu 0 -threads 4 -rounds 3 \
    -shape "$shape" "$corpus/jfk.flac" "$corpus/english_german.mp3" | grep -v '^audio decoding'
done
echo "gpu-check: done in $((SECONDS - t0)) s"
