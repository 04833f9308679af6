package server

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// EngineOpener returns a Deps.Open that loads models with the engine package (whisper.cpp).
// cfg.Threads is per transcription: with several Workers, give each a share of the cores.
func EngineOpener(cfg engine.Config) func(path string) (Transcriber, error) {
	return func(path string) (Transcriber, error) {
		e, err := engine.Open(path, cfg)
		if err != nil {
			return nil, err
		}
		return engineTranscriber{e}, nil
	}
}

type engineTranscriber struct{ e *engine.Engine }

// Transcribe maps the request onto engine options. The engine always starts at temperature 0; a
// temperature other than 0 is accepted for compatibility but does not change decoding.
func (t engineTranscriber) Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error) {
	tr, err := t.e.Transcribe(ctx, samples, engine.Options{
		Language:            opt.Language,
		Translate:           opt.Translate,
		Prompt:              opt.Prompt,
		TemperatureFallback: opt.TemperatureFallback,
		WordTimestamps:      opt.WordTimestamps,
		Progress:            opt.Progress,
		Segment:             opt.Segment,
	})
	if errors.Is(err, engine.ErrLanguage) {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return tr, err
}

func (t engineTranscriber) Info() ModelInfo {
	in := t.e.Info()
	return ModelInfo{Type: in.Type, Multilingual: in.Multilingual, Backend: in.Backend, Device: in.Device.Name, Fallback: in.Fallback}
}

func (t engineTranscriber) Close() error { return t.e.Close() }

// AudioDecoder returns a Deps.Decode that decodes with the audio package, in memory, to mono.
// A missing ffmpeg is the server's problem (ErrUnavailable, 500); anything else about the file,
// including a file that decodes only in part, is the client's (400). opt.MaxDuration caps the
// decoded length while decoding (set it to Config.MaxAudioDuration); passing it is ErrAudioTooLong
// (413).
func AudioDecoder(opt audio.Options) func(ctx context.Context, r io.Reader, name string) ([]float32, error) {
	opt.KeepChannels = false
	return func(ctx context.Context, r io.Reader, name string) ([]float32, error) {
		a, err := audio.Decode(ctx, r, name, opt)
		if errors.Is(err, audio.ErrMissingTool) {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if errors.Is(err, audio.ErrTooLong) {
			return nil, fmt.Errorf("%w: %w", ErrAudioTooLong, err)
		}
		if err != nil {
			return nil, err
		}
		return a.Mono(), nil
	}
}
