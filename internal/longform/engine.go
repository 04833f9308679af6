package longform

import (
	"context"

	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// EngineTranscriber transcribes windows with a loaded whisper engine and the options the whole
// job uses. The first decode of a window gets opt as it is, except Prompt (the context, see
// WindowOptions) and Progress; a retry adds temperature fallback from 0.2 × Retry.
func EngineTranscriber(e interface {
	Transcribe(ctx context.Context, samples []float32, opt engine.Options) (*transcript.Transcript, error)
}, opt engine.Options) Transcriber {
	return TranscriberFunc(func(ctx context.Context, samples []float32, w WindowOptions) (*transcript.Transcript, error) {
		return e.Transcribe(ctx, samples, WindowEngineOptions(opt, w))
	})
}

// WindowEngineOptions returns the engine options for one window of a job run with opt.
func WindowEngineOptions(opt engine.Options, w WindowOptions) engine.Options {
	opt.Prompt = w.Prompt
	opt.Progress = w.Progress
	if w.Retry > 0 {
		opt.TemperatureFallback = true
		opt.Temperature = min(0.2*float32(w.Retry), 1)
	}
	return opt
}
