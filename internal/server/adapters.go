package server

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
)

// WithVAD wraps a Deps.Open so that its Transcribers transcribe only speech (vad.TranscribeSpeech)
// when a request asks for it (Options.SpeechOnly, the default). A nil detector returns open as is.
func WithVAD(open func(path string) (Transcriber, error), det vad.Detector) func(path string) (Transcriber, error) {
	if det == nil {
		return open
	}
	return func(path string) (Transcriber, error) {
		t, err := open(path)
		if err != nil {
			return nil, err
		}
		return speechOnly{t, det}, nil
	}
}

type speechOnly struct {
	Transcriber
	det vad.Detector
}

func (s speechOnly) Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error) {
	if !opt.SpeechOnly {
		return s.Transcriber.Transcribe(ctx, samples, opt)
	}
	return vad.TranscribeSpeechJoined(ctx, s.det, samples, vad.JoinOptions{}, func(ctx context.Context, x []float32, j vad.Joined) (*transcript.Transcript, error) {
		o := opt
		if seg := opt.Segment; seg != nil {
			// Streamed segments get the recording's times too.
			o.Segment = func(sg transcript.Segment) {
				sg.Start, sg.End = j.Map(sg.Start, false), j.Map(sg.End, true)
				seg(sg)
			}
		}
		return s.Transcriber.Transcribe(ctx, x, o)
	})
}

// Info reports the wrapped Transcriber's ModelInfo, when it has one.
func (s speechOnly) Info() ModelInfo {
	if i, ok := s.Transcriber.(interface{ Info() ModelInfo }); ok {
		return i.Info()
	}
	return ModelInfo{}
}

// Close closes the wrapped Transcriber, when it is an io.Closer.
func (s speechOnly) Close() error {
	if c, ok := s.Transcriber.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

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
