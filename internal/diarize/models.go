package diarize

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
)

// ErrModel reports a segmentation or embedding model without the expected interface or metadata.
var ErrModel = errors.New("diarize: bad model")

// Segmenter runs a pyannote segmentation-3.0 model (see package standin for the interface).
type Segmenter struct {
	s                     *onnxrt.Session
	window, field, stride int
}

// OpenSegmenter loads a segmentation model from ONNX bytes.
func OpenSegmenter(rt *onnxrt.Runtime, model []byte) (*Segmenter, error) {
	s, err := rt.OpenBytes(model, []string{"x"}, []string{"y"}, onnxrt.SessionOptions{})
	if err != nil {
		return nil, fmt.Errorf("diarize: segmentation model: %w", err)
	}
	md := s.Metadata()
	seg := &Segmenter{s: s}
	for _, f := range []struct {
		key string
		dst *int
	}{{"window_size", &seg.window}, {"receptive_field_size", &seg.field}, {"receptive_field_shift", &seg.stride}} {
		v, err := strconv.Atoi(md[f.key])
		if err != nil || v <= 0 {
			s.Close()
			return nil, fmt.Errorf("%w: segmentation metadata %s = %q", ErrModel, f.key, md[f.key])
		}
		*f.dst = v
	}
	if md["num_classes"] != "7" || md["powerset_max_classes"] != "2" || md["num_speakers"] != "3" {
		s.Close()
		return nil, fmt.Errorf("%w: want pyannote's powerset of 3 speakers, 2 at a time (7 classes)", ErrModel)
	}
	return seg, nil
}

// Close frees the model.
func (g *Segmenter) Close() error { return g.s.Close() }

// powerset maps pyannote segmentation-3.0's 7 classes to the local speakers active.
var powerset = [7][]int{{}, {0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}}

// Frames returns, for one window of exactly g.window samples, the most likely powerset class of each
// output frame.
func (g *Segmenter) Frames(window []float32) ([]int, error) {
	logp, frames, err := g.LogProbs(window)
	if err != nil {
		return nil, err
	}
	out := make([]int, frames)
	for f := range frames {
		best := 0
		for c := 1; c < 7; c++ {
			if logp[f*7+c] > logp[f*7+best] {
				best = c
			}
		}
		out[f] = best
	}
	return out, nil
}

// LogProbs returns the model's raw output for one window: frames x 7 log-probabilities.
func (g *Segmenter) LogProbs(window []float32) ([]float32, int, error) {
	x, err := ort.NewTensor(ort.NewShape(1, 1, int64(len(window))), window)
	if err != nil {
		return nil, 0, fmt.Errorf("diarize: tensor: %w", err)
	}
	defer x.Destroy()
	outs, err := g.s.Run([]ort.Value{x})
	if err != nil {
		return nil, 0, fmt.Errorf("diarize: segmentation: %w", err)
	}
	defer onnxrt.Destroy(outs...)
	y, shape, err := onnxrt.Float32(outs[0])
	if err != nil {
		return nil, 0, err
	}
	if len(shape) != 3 || shape[2] != 7 {
		return nil, 0, fmt.Errorf("%w: segmentation output shape %v", ErrModel, shape)
	}
	return y, int(shape[1]), nil
}

// Embedder runs a speaker embedding model (WeSpeaker / 3D-Speaker interface: "feats" [B, T, 80] ->
// "embs" [B, dim]).
type Embedder struct {
	s    *onnxrt.Session
	dim  int
	opts FbankOptions
}

// OpenEmbedder loads an embedding model from ONNX bytes.
func OpenEmbedder(rt *onnxrt.Runtime, model []byte) (*Embedder, error) {
	s, err := rt.OpenBytes(model, []string{"feats"}, []string{"embs"}, onnxrt.SessionOptions{})
	if err != nil {
		return nil, fmt.Errorf("diarize: embedding model: %w", err)
	}
	md := s.Metadata()
	dim, err := strconv.Atoi(md["output_dim"])
	if md["output_dim"] == "" {
		// WeSpeaker's own exports carry no metadata: the output's shape says the length.
		if sh := s.Outputs()[0].Shape; len(sh) == 2 && sh[1] > 0 {
			dim, err = int(sh[1]), nil
		}
	}
	if err != nil || dim <= 0 {
		s.Close()
		return nil, fmt.Errorf("%w: embedding metadata output_dim = %q", ErrModel, md["output_dim"])
	}
	opts := EmbeddingFbank
	opts.NoCMN = md["feature_normalize_type"] != "global-mean"
	if sr := md["sample_rate"]; sr != "" && sr != "16000" {
		s.Close()
		return nil, fmt.Errorf("%w: embedding model wants %s Hz", ErrModel, sr)
	}
	return &Embedder{s: s, dim: dim, opts: opts}, nil
}

// Close frees the model.
func (e *Embedder) Close() error { return e.s.Close() }

// Dim is the embedding's length.
func (e *Embedder) Dim() int { return e.dim }

// Embed returns the L2-normalised embedding of 16 kHz samples (at least 25 ms).
func (e *Embedder) Embed(samples []float32) ([]float32, error) {
	raw, err := e.Raw(samples)
	if err != nil {
		return nil, err
	}
	return normalize(raw), nil
}

// Raw returns the model's embedding of samples without normalisation.
func (e *Embedder) Raw(samples []float32) ([]float32, error) {
	feats, frames := Fbank(samples, e.opts)
	if frames == 0 {
		return nil, fmt.Errorf("diarize: %d samples are too short for an embedding", len(samples))
	}
	x, err := ort.NewTensor(ort.NewShape(1, int64(frames), int64(len(feats)/frames)), feats)
	if err != nil {
		return nil, fmt.Errorf("diarize: tensor: %w", err)
	}
	defer x.Destroy()
	outs, err := e.s.Run([]ort.Value{x})
	if err != nil {
		return nil, fmt.Errorf("diarize: embedding: %w", err)
	}
	defer onnxrt.Destroy(outs...)
	y, shape, err := onnxrt.Float32(outs[0])
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 || int(shape[1]) != e.dim {
		return nil, fmt.Errorf("%w: embedding output shape %v, metadata says %d", ErrModel, shape, e.dim)
	}
	return y, nil
}

func normalize(v []float32) []float32 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := math.Sqrt(s)
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}
