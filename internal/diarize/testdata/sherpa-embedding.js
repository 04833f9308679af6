// Computes a speaker embedding with sherpa-onnx-node (npm sherpa-onnx-node@1.13.8), for
// reference_test.go -update: node sherpa-embedding.js MODEL.onnx SAMPLES.f32 > OUT.json
// SAMPLES.f32 is raw little-endian float32 16 kHz mono audio.
const sherpa = require('sherpa-onnx-node');
const fs = require('fs');
const ex = new sherpa.SpeakerEmbeddingExtractor({model: process.argv[2], numThreads: 1, debug: 0});
const raw = fs.readFileSync(process.argv[3]);
const samples = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
const s = ex.createStream();
s.acceptWaveform({sampleRate: 16000, samples});
s.inputFinished(); // as sherpa-onnx's examples do: the last, partial frame counts
process.stdout.write(JSON.stringify(Array.from(ex.compute(s))) + '\n');
