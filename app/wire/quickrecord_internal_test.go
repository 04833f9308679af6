package wire

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestQuickRecord runs the adapter on a scripted microphone and the fake engine: the settings
// choose the device and what happens to the text, and the app hears every phase.
func TestQuickRecord(t *testing.T) {
	backend := capturetest.New()
	lib := apptest.NewLibrary()
	if err := lib.SetPassword(context.Background(), "correct horse"); err != nil {
		t.Fatal(err)
	}
	settings := app.NewSettingsFile("")
	s := app.DefaultSettings()
	s.Level = transcript.Private
	if err := settings.Save(s); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		copied []string
	)
	q, err := newQuickRecord(quickRecordConfig{
		Backend:  backend,
		Settings: settings,
		Models:   apptest.NewModels(map[string]string{"tiny": "/models/ggml-tiny.bin"}),
		Engines:  &apptest.Engines{},
		Saver:    lib,
		Clipboard: func(text string) error {
			mu.Lock()
			defer mu.Unlock()
			copied = append(copied, text)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer q.close()
	done := make(chan app.QuickRecordState, 16)
	q.Listen(func(s app.QuickRecordState) {
		if s.Phase == app.PhaseIdle && s.Last != nil {
			done <- s
		}
	})

	ds, err := q.Devices(context.Background())
	if err != nil || len(ds) != 1 || !ds[0].Default {
		t.Fatalf("devices = %v, %v", ds, err)
	}
	opened := backend.Opened()
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(); !errors.Is(err, app.ErrBusy) {
		t.Errorf("second start: %v, want app.ErrBusy", err)
	}
	st := <-opened
	<-st.Started()
	if err := st.Feed(capturetest.Sine(2, 440, 0.3), 800); err != nil {
		t.Fatal(err)
	}
	if got := q.State().Phase; got != app.PhaseRecording {
		t.Errorf("phase = %q, want recording", got)
	}
	if err := q.Toggle(); err != nil {
		t.Fatal(err)
	}
	var last app.QuickRecordState
	select {
	case last = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the quick recording did not finish")
	}
	r := last.Last
	if r.Error != "" || !r.Saved || !r.Copied || r.TranscriptID == "" {
		t.Fatalf("result = %+v", r)
	}
	saved, err := lib.Get(context.Background(), r.TranscriptID)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Level != transcript.Private {
		t.Errorf("saved at %q, want the default level from the settings", saved.Level)
	}
	mu.Lock()
	if len(copied) != 1 || copied[0] == "" {
		t.Errorf("clipboard = %q", copied)
	}
	mu.Unlock()
	if err := q.Stop(); !errors.Is(err, app.ErrNotRecording) {
		t.Errorf("stop while idle: %v, want app.ErrNotRecording", err)
	}
	q.ForgetLast()
	if q.State().Last != nil {
		t.Error("ForgetLast kept the result")
	}
}

// TestQuickRecordSettingsDevice checks that an unknown remembered device fails to start clearly.
func TestQuickRecordSettingsDevice(t *testing.T) {
	settings := app.NewSettingsFile("")
	s := app.DefaultSettings()
	s.InputDevice = "gone"
	if err := settings.Save(s); err != nil {
		t.Fatal(err)
	}
	q, err := newQuickRecord(quickRecordConfig{Backend: capturetest.New(), Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	defer q.close()
	if err := q.Start(); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("start with a missing device: %v, want app.ErrNotFound", err)
	}
}
