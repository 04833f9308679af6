package wire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// QuickRecord adapts *quickrecord.Recorder to app.QuickRecorder: the user's settings choose the
// microphone, the silence timeout and what happens to the text; the default model transcribes.
// Watch gives the tray the raw states.
type QuickRecord struct {
	r       *quickrecord.Recorder
	backend capture.Backend

	mu     sync.Mutex
	app    []func(app.QuickRecordState)
	raw    []func(quickrecord.State)
	eng    app.Transcriber
	engKey string
}

// quickRecordConfig is what newQuickRecord needs from Open.
type quickRecordConfig struct {
	Backend   capture.Backend
	Settings  *app.SettingsFile
	Models    app.Models
	Engines   app.Engines
	Saver     quickrecord.Saver
	Clipboard func(text string) error
	Notifier  quickrecord.Notifier
}

func newQuickRecord(c quickRecordConfig) (*QuickRecord, error) {
	x := &QuickRecord{backend: c.Backend}
	cfg := quickrecord.Config{
		Backend: c.Backend,
		Engine: func(ctx context.Context) (quickrecord.Transcriber, error) {
			return x.engine(ctx, c.Models, c.Engines, c.Settings)
		},
		Options: engine.Options{Language: "auto"},
		Prefs: func() quickrecord.Prefs {
			s, _ := c.Settings.Load() // a damaged file yields the defaults
			p := quickrecord.DefaultPrefs()
			p.DeviceID = s.InputDevice
			p.SilenceTimeout = time.Duration(s.QuickSilenceSeconds) * time.Second
			p.Language = s.Language
			p.Level = s.Level
			p.Copy = s.QuickCopy && c.Clipboard != nil
			p.Save = s.QuickSave
			p.NoPreview = !s.QuickPreview
			p.Notify = c.Notifier != nil
			return p
		},
		Saver:   c.Saver,
		OnState: x.changed,
		// Partial text every 2 s over the last 10 s; a preview starts only when the last one is
		// done, so a slow machine previews less often rather than falling behind.
		Preview: quickrecord.Preview{Interval: 2 * time.Second, Window: 10 * time.Second},
	}
	if c.Clipboard != nil {
		// Wails' clipboard needs Wails' own context, which the Clipboard func carries.
		cfg.Clipboard = func(_ context.Context, text string) error { return c.Clipboard(text) }
	}
	if c.Notifier != nil {
		cfg.Notifier = c.Notifier
	}
	r, err := quickrecord.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("wire: quick recording: %w", err)
	}
	x.r = r
	return x, nil
}

// engine returns the default model, kept loaded between recordings and reopened when the default
// model or the GPU setting changes.
func (x *QuickRecord) engine(ctx context.Context, models app.Models, engines app.Engines, settings *app.SettingsFile) (quickrecord.Transcriber, error) {
	if models == nil || engines == nil {
		return nil, fmt.Errorf("speech engine: %w", app.ErrUnavailable)
	}
	path, err := models.Path(ctx, "")
	if err != nil {
		return nil, err
	}
	s, _ := settings.Load()
	device := s.DeviceChoice()
	key := path + "\x00" + device
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.eng == nil || x.engKey != key {
		if x.eng != nil {
			x.eng.Close()
			x.eng = nil
		}
		e, err := openOn(engines, path, device)
		if err != nil {
			return nil, err
		}
		x.eng, x.engKey = e, key
	}
	return appTranscriber{x.eng, s.Threads}, nil
}

// appTranscriber adapts app.Transcriber to quickrecord.Transcriber.
type appTranscriber struct {
	t       app.Transcriber
	threads int
}

func (a appTranscriber) Transcribe(ctx context.Context, samples []float32, o engine.Options) (*transcript.Transcript, error) {
	return a.t.Transcribe(ctx, samples, app.TranscribeOptions{Language: o.Language, Translate: o.Translate, Threads: a.threads, Progress: o.Progress})
}

func (x *QuickRecord) changed(s quickrecord.State) {
	x.mu.Lock()
	as, rs := x.app, x.raw
	x.mu.Unlock()
	if len(as) > 0 {
		st := appState(s)
		for _, f := range as {
			f(st)
		}
	}
	for _, f := range rs {
		f(s)
	}
}

// appState converts a quickrecord.State for the page.
func appState(s quickrecord.State) app.QuickRecordState {
	out := app.QuickRecordState{
		Available: true,
		Phase:     s.Phase.String(),
		Device:    app.InputDevice(s.Device),
		Elapsed:   s.Elapsed,
		Level:     app.InputLevel{RMS: s.Level.RMS, Peak: s.Level.Peak, Silent: s.Level.Silent},
		Preview:   s.Preview,
	}
	if o := s.Last; o != nil {
		r := &app.QuickRecordResult{Duration: o.Duration, Copied: o.Copied, Saved: o.Saved}
		if o.Transcript != nil {
			r.Title = o.Transcript.Title
			if o.Saved {
				r.TranscriptID = o.Transcript.ID
			}
		}
		r.Error = quickrecord.Problem(o)
		out.Last = r
	}
	return out
}

// qrErr maps the recorder's errors to the app's.
func qrErr(err error) error {
	switch {
	case errors.Is(err, quickrecord.ErrBusy):
		return fmt.Errorf("%w: %w", app.ErrBusy, err)
	case errors.Is(err, quickrecord.ErrNotRecording):
		return fmt.Errorf("%w: %w", app.ErrNotRecording, err)
	case errors.Is(err, capture.ErrNoDevice):
		return fmt.Errorf("%w: %w", app.ErrNotFound, err)
	}
	return err
}

// Start implements app.QuickRecorder.
func (x *QuickRecord) Start() error { return qrErr(x.r.Start()) }

// Stop implements app.QuickRecorder.
func (x *QuickRecord) Stop() error { return qrErr(x.r.Stop()) }

// Toggle starts a recording when idle and stops it while recording (the tray and the hotkey).
func (x *QuickRecord) Toggle() error { return qrErr(x.r.Toggle()) }

// State implements app.QuickRecorder.
func (x *QuickRecord) State() app.QuickRecordState { return appState(x.r.State()) }

// RawState is the recorder's own state, for the tray (quickrecord.TrayState).
func (x *QuickRecord) RawState() quickrecord.State { return x.r.State() }

// ForgetLast implements app.QuickRecorder.
func (x *QuickRecord) ForgetLast() { x.r.ForgetLast() }

// Devices implements app.QuickRecorder.
func (x *QuickRecord) Devices(ctx context.Context) ([]app.InputDevice, error) {
	ds, err := x.backend.Devices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]app.InputDevice, len(ds))
	for i, d := range ds {
		out[i] = app.InputDevice(d)
	}
	return out, nil
}

// Listen implements app.QuickRecorder.
func (x *QuickRecord) Listen(f func(app.QuickRecordState)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.app = append(x.app, f)
}

// Watch adds f to the functions that receive every raw state change (the tray).
func (x *QuickRecord) Watch(f func(quickrecord.State)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.raw = append(x.raw, f)
}

// close stops a recording, waits for a transcription and unloads the model.
func (x *QuickRecord) close() error {
	err := x.r.Close()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.eng != nil {
		x.eng.Close()
		x.eng = nil
	}
	return err
}
