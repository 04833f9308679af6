package diarize

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	"github.com/hushscribe/hushscribe/internal/testcorpus"
)

var update = flag.Bool("update", false, "recompute testdata/sherpa-*.json with sherpa-onnx-node (needs node and NODE_PATH with sherpa-onnx-node@1.13.8)")

// TestEmbeddingMatchesSherpa: features + embedding model, checked against an independent
// implementation: sherpa-onnx's (npm sherpa-onnx-node 1.13.8: kaldi-native-fbank and its own ONNX
// Runtime), run on the same stand-in model and the same audio (jfk.flac). Its output is kept in
// testdata/sherpa-embedding-jfk.json (-update recomputes it), so the test needs no Node.js in CI.
// Both sides use the raw (unnormalised) embedding; the stand-in is a ReLU-pooled projection of the
// fbank frames, so any difference in framing, windowing, mel banks, pre-emphasis, scaling or log
// floors shows up in it.
func TestEmbeddingMatchesSherpa(t *testing.T) {
	rt := onnxrttest.Runtime(t)
	model := standin.Embedding(1, 256)
	a, err := audio.DecodeFile(context.Background(), testcorpus.File(t, "jfk.flac"), audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sherpa-embedding-jfk.json")
	if *update {
		dir := t.TempDir()
		mp, sp := filepath.Join(dir, "model.onnx"), filepath.Join(dir, "samples.f32")
		os.WriteFile(mp, model, 0o600)
		raw := make([]byte, 4*len(a.Mono()))
		for i, v := range a.Mono() {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		os.WriteFile(sp, raw, 0o600)
		out, err := exec.Command("node", filepath.Join("testdata", "sherpa-embedding.js"), mp, sp).Output()
		if err != nil {
			t.Fatalf("sherpa-onnx-node: %v", err)
		}
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var ref []float32
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	e, err := OpenEmbedder(rt, model)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got, err := e.Raw(a.Mono())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ref) {
		t.Fatalf("dim %d, sherpa %d", len(got), len(ref))
	}
	worst := 0.0
	for i := range ref {
		d := math.Abs(float64(got[i]-ref[i])) / (1 + math.Abs(float64(ref[i])))
		worst = max(worst, d)
	}
	t.Logf("largest difference from sherpa-onnx: %.2g (relative to 1+|value|)", worst)
	if worst > 1e-4 {
		t.Errorf("embedding differs from sherpa-onnx's by %.3g, want <= 1e-4", worst)
	}
}

// TestSegmentationFrames: the segmentation stage against a direct computation of the stand-in's graph
// (Conv with kernel 991 and stride 270, then log-softmax over the 7 classes) in plain Go: same frame
// count and timing as pyannote's (589 frames per 10 s window), same log-probabilities.
func TestSegmentationFrames(t *testing.T) {
	rt := onnxrttest.Runtime(t)
	seg, err := OpenSegmenter(rt, standin.Segmentation(3))
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	a, err := audio.DecodeFile(context.Background(), testcorpus.File(t, "jfk.flac"), audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := a.Mono()[:standin.SegWindow]
	got, frames, err := seg.LogProbs(x)
	if err != nil {
		t.Fatal(err)
	}
	if frames != 589 {
		t.Fatalf("%d frames, want 589", frames)
	}
	w, b := standin.SegmentationWeights(3)
	worst := 0.0
	for f := range frames {
		var logits [7]float64
		for c := range 7 {
			s := float64(b[c])
			for k := range standin.SegReceptiveField {
				s += float64(w[c*standin.SegReceptiveField+k]) * float64(x[f*standin.SegShift+k])
			}
			logits[c] = s
		}
		m := logits[0]
		for _, v := range logits {
			m = max(m, v)
		}
		z := 0.0
		for _, v := range logits {
			z += math.Exp(v - m)
		}
		for c := range 7 {
			want := logits[c] - m - math.Log(z)
			worst = max(worst, math.Abs(want-float64(got[f*7+c])))
		}
	}
	t.Logf("largest difference from the direct computation: %.2g", worst)
	if worst > 1e-4 {
		t.Errorf("segmentation log-probabilities differ by %.3g", worst)
	}
}
