package wire

import (
	"sync"

	"github.com/hushscribe/hushscribe/internal/modelmgr"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
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
