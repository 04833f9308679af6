package wire

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/diarize"
	"github.com/hushscribe/hushscribe/internal/modelmgr"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
)

// speechDetector opens Silero VAD on first use, when ONNX Runtime and the silero-vad model are
// installed, and keeps it for the life of the process. Installing the model later is picked up by the
// next transcription; a failed attempt is retried then too.
type speechDetector struct {
	mm  *modelmgr.Manager
	lib string // "" = onnxrt.Locate

	mu  sync.Mutex
	det *vad.Silero
}

func newSpeechDetector(mm *modelmgr.Manager, lib string) *speechDetector {
	return &speechDetector{mm: mm, lib: lib}
}

// get returns the detector, or nil when want is false or VAD is not available.
func (s *speechDetector) get(want bool) vad.Detector {
	if s == nil || !want {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.det != nil {
		return s.det
	}
	model, err := s.mm.Path("silero-vad")
	if err != nil {
		return nil
	}
	lib := s.lib
	if lib == "" {
		lib = onnxrt.Locate(nil)
	}
	rt, err := onnxrt.Load(lib)
	if err != nil {
		return nil
	}
	det, err := vad.Open(rt, model, vad.Config{})
	if err != nil {
		rt.Close()
		return nil
	}
	s.det = det // the runtime stays loaded with it
	return det
}

// diarizer identifies speakers with the catalogue's diarization models, loaded on first use (and
// retried on the next job when they were missing).
type diarizer struct {
	mm  *modelmgr.Manager
	lib string

	mu sync.Mutex
	d  *diarize.Diarizer
}

func newDiarizer(mm *modelmgr.Manager, lib string) *diarizer { return &diarizer{mm: mm, lib: lib} }

func (x *diarizer) load() (*diarize.Diarizer, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.d != nil {
		return x.d, nil
	}
	segPath, err := x.mm.Path("pyannote-segmentation-3.0")
	if err != nil {
		return nil, fmt.Errorf("%w: download the pyannote-segmentation-3.0 model (Settings, Models): %w", app.ErrUnavailable, err)
	}
	embPath := ""
	for _, name := range []string{"wespeaker-resnet34", "wespeaker-campplus"} {
		if p, err := x.mm.Path(name); err == nil && embPath == "" {
			embPath = p
		}
	}
	if embPath == "" {
		return nil, fmt.Errorf("%w: download the wespeaker-resnet34 model (Settings, Models)", app.ErrUnavailable)
	}
	lib := x.lib
	if lib == "" {
		lib = onnxrt.Locate(nil)
	}
	rt, err := onnxrt.Load(lib)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrUnavailable, err)
	}
	segBytes, err := os.ReadFile(segPath)
	if err != nil {
		rt.Close()
		return nil, err
	}
	embBytes, err := os.ReadFile(embPath)
	if err != nil {
		rt.Close()
		return nil, err
	}
	seg, err := diarize.OpenSegmenter(rt, segBytes)
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("%w: %w", app.ErrModel, err)
	}
	emb, err := diarize.OpenEmbedder(rt, embBytes)
	if err != nil {
		seg.Close()
		rt.Close()
		return nil, fmt.Errorf("%w: %w", app.ErrModel, err)
	}
	x.d = diarize.New(seg, emb) // kept for the life of the process, with the runtime
	return x.d, nil
}

// Diarize implements app.Diarizer.
func (x *diarizer) Diarize(ctx context.Context, samples []float32, speakers int, t *transcript.Transcript) error {
	d, err := x.load()
	if err != nil {
		return err
	}
	res, err := d.Diarize(ctx, samples, diarize.Config{Speakers: speakers})
	if err != nil {
		return err
	}
	diarize.Assign(t, res, nil)
	return nil
}
