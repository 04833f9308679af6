// Package standin writes STAND-IN ONNX models for speaker diarization: graphs with exactly the inputs,
// outputs and metadata of the real models Hushscribe uses, and seeded random weights, so that the whole
// diarization pipeline runs in CI where the real weights cannot be downloaded. They are not trained and
// tell speakers apart only by accident (the embedding stand-in pools a random projection of the log-mel
// spectrum, which does separate voices somewhat).
//
//   - Segmentation: pyannote segmentation-3.0 as sherpa-onnx exports it (the catalogue's
//     pyannote-segmentation-3.0): input "x" [N, 1, T] float32 16 kHz samples, output "y" [N, F, 7]
//     powerset log-probabilities (classes: none, A, B, C, A+B, A+C, B+C) for F frames of
//     receptive_field_shift (270) samples; metadata model_type, num_speakers, powerset_max_classes,
//     num_classes, sample_rate, window_size, receptive_field_size, receptive_field_shift. The stand-in
//     graph is Conv(kernel 991, stride 270) -> Transpose -> LogSoftmax.
//   - Embedding: WeSpeaker ResNet34 (wespeaker-resnet34; CAM++ has the same interface with 512 numbers):
//     input "feats" [B, T, 80] float32 (80-bin Kaldi fbank), output "embs" [B, dim]; metadata framework
//     ("wespeaker"), sample_rate, output_dim, normalize_samples ("0": samples scaled to 16-bit range),
//     language. The stand-in graph is MatMul -> Relu -> ReduceMean over time (mean pooling, as the real
//     models pool statistics over time; features are mean-normalised, so a plain mean would be zero).
//
// The ONNX protobuf is encoded by hand (onnxpb.go): no ONNX protobuf package is needed.
package standin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Segmentation interface constants (pyannote segmentation-3.0).
const (
	SegWindow         = 160000 // samples per 10 s window
	SegReceptiveField = 991
	SegShift          = 270
	SegClasses        = 7
	EmbeddingBins     = 80
)

func normal(r *rand.Rand, n int, std float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * std)
	}
	return out
}

// SegmentationWeights are the stand-in segmentation model's Conv weights [7, 1, 991] and biases [7]
// for seed (for tests that compute the graph independently).
func SegmentationWeights(seed uint64) (w, b []float32) {
	r := rand.New(rand.NewPCG(seed, 0x5e6))
	w = normal(r, SegClasses*SegReceptiveField, 30/math.Sqrt(SegReceptiveField)) // speech-level input (~0.1) gives logits ~3
	b = normal(r, SegClasses, 0.5)
	b[0] += 1 // a lean towards "nobody speaks", like the real model on quiet input
	return w, b
}

// Segmentation returns a stand-in pyannote segmentation-3.0 model.
func Segmentation(seed uint64) []byte {
	w, b := SegmentationWeights(seed)
	nodes := []pb{
		node("Conv", "conv", []string{"x", "w", "b"}, []string{"c"}, intsAttr("kernel_shape", SegReceptiveField), intsAttr("strides", SegShift)),
		node("Transpose", "t", []string{"c"}, []string{"ct"}, intsAttr("perm", 0, 2, 1)),
		node("LogSoftmax", "ls", []string{"ct"}, []string{"y"}, intAttr("axis", -1)),
	}
	inits := []pb{tensor("w", []int64{SegClasses, 1, SegReceptiveField}, w), tensor("b", []int64{SegClasses}, b)}
	meta := [][2]string{
		{"model_type", "pyannote-segmentation-3.0"}, {"num_speakers", "3"}, {"powerset_max_classes", "2"},
		{"num_classes", "7"}, {"sample_rate", "16000"}, {"window_size", strconv.Itoa(SegWindow)},
		{"receptive_field_size", strconv.Itoa(SegReceptiveField)}, {"receptive_field_shift", strconv.Itoa(SegShift)},
		{"version", "1"}, {"model_author", "hushscribe stand-in (random weights)"}, {"license", "MIT"},
	}
	return model("standin_segmentation", nodes, inits,
		[]pb{valueInfo("x", tFloat, dim{name: "N"}, dim{n: 1}, dim{name: "T"})},
		[]pb{valueInfo("y", tFloat, dim{name: "N"}, dim{name: "F"}, dim{n: SegClasses})}, meta)
}

// Embedding returns a stand-in WeSpeaker speaker embedding model with dim outputs.
func Embedding(seed uint64, dim_ int) []byte {
	r := rand.New(rand.NewPCG(seed, 0xe3b))
	w := normal(r, EmbeddingBins*dim_, 1/math.Sqrt(EmbeddingBins))
	nodes := []pb{
		node("MatMul", "proj", []string{"feats", "w"}, []string{"p"}),
		node("Relu", "relu", []string{"p"}, []string{"r"}),
		node("ReduceMean", "pool", []string{"r"}, []string{"embs"}, intsAttr("axes", 1), intAttr("keepdims", 0)),
	}
	meta := [][2]string{
		{"framework", "wespeaker"}, {"language", "English"}, {"sample_rate", "16000"},
		{"output_dim", strconv.Itoa(dim_)}, {"normalize_samples", "0"},
		{"comment", "hushscribe stand-in (random weights)"},
	}
	return model("standin_embedding", nodes, []pb{tensor("w", []int64{EmbeddingBins, int64(dim_)}, w)},
		[]pb{valueInfo("feats", tFloat, dim{name: "B"}, dim{name: "T"}, dim{n: EmbeddingBins})},
		[]pb{valueInfo("embs", tFloat, dim{name: "B"}, dim{n: int64(dim_)})}, meta)
}

// Files are the paths WriteFiles wrote.
type Files struct{ Segmentation, Embedding string }

// WriteFiles writes both stand-ins into dir (seeded, 256-number embeddings).
func WriteFiles(dir string, seed uint64) (Files, error) {
	f := Files{Segmentation: filepath.Join(dir, "standin-segmentation.onnx"), Embedding: filepath.Join(dir, "standin-embedding.onnx")}
	if err := os.WriteFile(f.Segmentation, Segmentation(seed), 0o600); err != nil {
		return Files{}, fmt.Errorf("standin: %w", err)
	}
	if err := os.WriteFile(f.Embedding, Embedding(seed, 256), 0o600); err != nil {
		return Files{}, fmt.Errorf("standin: %w", err)
	}
	return f, nil
}
