#!/usr/bin/env bash
# build/gpu-bench.sh — the benchmarks behind the README's GPU and CPU-variant numbers, side by side in
# one run (internal/benchcmp; ratios only mean something when measured together):
#   1. the dynamic build (ggml picks the CPU variant at run time) against the old fixed x86-64-v3
#      build (WHISPER_BACKENDS=static), both `hushscribe transcribe -device cpu`, same model and audio;
#   2. the engine against whisper-cli from the same dynamic build on the Vulkan device (lavapipe here,
#      which is Vulkan on the CPU and ~90x slower than the CPU backend: a short clip, the micro model).
# Builds both whisper.cpp prefixes if missing (cached). Environment: HUSHSCRIBE_CORPUS, ROUNDS (3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
corpus=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpu-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tags=${HUSHSCRIBE_GO_TAGS:-sqlite_fts5}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

( eval "$(WHISPER_BACKENDS=static build/whisper.sh --env)" && go build -tags "$tags" -o "$tmp/hushscribe-x86-64-v3" . )
eval "$(build/whisper.sh --env)"
go build -tags "$tags" -o "$tmp/hushscribe-dynamic" .
go build -tags "$tags" -o "$tmp/benchcmp" ./internal/benchcmp
echo "whisper.cpp dynamic prefix: $WHISPER_PREFIX"
"$tmp/hushscribe-dynamic" devices

echo
echo "== 1. CPU: run-time selected CPU variant (dynamic build) vs fixed x86-64-v3 build; ours = dynamic, base = fixed"
"$tmp/benchcmp" -bin "$tmp/hushscribe-dynamic" -baseline "$tmp/hushscribe-x86-64-v3" -device cpu -threads 2 \
  -rounds "$rounds" -shape tiny "$corpus/librispeech_a.flac" "$corpus/platforms_en.wav"

echo
echo "== 2. Vulkan (lavapipe): engine vs whisper-cli, same build, same device; ours = hushscribe, cli = whisper-cli"
GGML_VK_VISIBLE_DEVICES=${GGML_VK_VISIBLE_DEVICES:-0} "$tmp/benchcmp" -bin "$tmp/hushscribe-dynamic" -whisper-cli "$WHISPER_CLI" \
  -device Vulkan0 -cli-gpu 0 -threads 2 -rounds "$rounds" -shape micro "$corpus/librispeech_a.flac"
