package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hushscribe/hushscribe/internal/diarize"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Environment variables naming diarization models outside the models folder (stand-ins in tests).
const (
	segmentationEnv = "HUSHSCRIBE_DIARIZE_SEGMENTATION"
	embeddingEnv    = "HUSHSCRIBE_DIARIZE_EMBEDDING"
)

// errNoDiarization reports that diarization was asked for but its models or ONNX Runtime are missing.
var errNoDiarization = errors.New("speaker diarization unavailable")

// openDiarizer loads the segmentation and embedding models: $HUSHSCRIBE_DIARIZE_SEGMENTATION and
// $HUSHSCRIBE_DIARIZE_EMBEDDING, else the catalogue's pyannote-segmentation-3.0 and the first installed
// of wespeaker-resnet34 and wespeaker-campplus.
func openDiarizer(env Env, modelsDir string) (*diarize.Diarizer, func(), error) {
	lib := onnxrt.Locate(env.Getenv)
	if lib == "" {
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: ONNX Runtime (%s) is not installed beside hushscribe and $%s is not set", errNoDiarization, onnxrt.LibraryName(), onnxrt.LibraryEnv))
	}
	segPath, embPath := env.Getenv(segmentationEnv), env.Getenv(embeddingEnv)
	if segPath == "" {
		segPath = installedModel(env, modelsDir, "pyannote-segmentation-3.0")
	}
	for _, name := range []string{"wespeaker-resnet34", "wespeaker-campplus"} {
		if embPath == "" {
			embPath = installedModel(env, modelsDir, name)
		}
	}
	if segPath == "" || embPath == "" {
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: install its models with `hushscribe models download pyannote-segmentation-3.0` and `hushscribe models download wespeaker-resnet34` (or import the files offline)", errNoDiarization))
	}
	segBytes, err := os.ReadFile(segPath)
	if err != nil {
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: %w", errNoDiarization, err))
	}
	embBytes, err := os.ReadFile(embPath)
	if err != nil {
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: %w", errNoDiarization, err))
	}
	rt, err := onnxrt.Load(lib)
	if err != nil {
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: %w", errNoDiarization, err))
	}
	seg, err := diarize.OpenSegmenter(rt, segBytes)
	if err != nil {
		rt.Close()
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: %s: %w", errNoDiarization, segPath, err))
	}
	emb, err := diarize.OpenEmbedder(rt, embBytes)
	if err != nil {
		seg.Close()
		rt.Close()
		return nil, nil, withCode(ExitNoModel, fmt.Errorf("%w: %s: %w", errNoDiarization, embPath, err))
	}
	return diarize.New(seg, emb), func() { emb.Close(); seg.Close(); rt.Close() }, nil
}

// diarizeStep labels a transcript's speakers after transcription.
type diarizeStep struct {
	d         *diarize.Diarizer
	cfg       diarize.Config
	keepWords bool // -word-timestamps was asked for; else the words used for splitting are dropped
}

func (s *diarizeStep) apply(ctx context.Context, t *transcript.Transcript, samples []float32) error {
	res, err := s.d.Diarize(ctx, samples, s.cfg)
	if err != nil {
		return fmt.Errorf("identify speakers: %w", err)
	}
	diarize.Assign(t, res, nil)
	if !s.keepWords {
		for i := range t.Segments {
			t.Segments[i].Words = nil
		}
	}
	return nil
}
