package quickrecord_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// fakeEngine returns a fixed text and keeps every buffer it was given, to check that they were
// wiped afterwards.
type fakeEngine struct {
	mu      sync.Mutex
	text    string
	err     error
	got     [][]float32
	opts    []engine.Options
	preview func(n int) string // text for the n-th call while recording, if set
}

func (e *fakeEngine) Transcribe(ctx context.Context, samples []float32, opt engine.Options) (*transcript.Transcript, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, samples)
	e.opts = append(e.opts, opt)
	if e.err != nil {
		return nil, e.err
	}
	text := e.text
	if e.preview != nil {
		text = e.preview(len(e.got))
	}
	t := &transcript.Transcript{Language: "en", Model: "fake", Duration: time.Duration(len(samples)) * time.Second / 16000}
	if text != "" {
		t.Segments = []transcript.Segment{{Text: " " + text}}
	}
	return t, nil
}

func (e *fakeEngine) buffers() [][]float32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]float32(nil), e.got...)
}

type fakeSaver struct {
	mu  sync.Mutex
	err error
	got []*transcript.Transcript
}

func (s *fakeSaver) Save(ctx context.Context, t *transcript.Transcript) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if t.ID == "" {
		t.ID = fmt.Sprintf("t%d", len(s.got)+1)
	}
	s.got = append(s.got, t)
	return nil
}

type fakeNotifier struct {
	mu   sync.Mutex
	msgs []string
}

func (n *fakeNotifier) Notify(ctx context.Context, title, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, title+": "+body)
	return nil
}

type rig struct {
	q       *quickrecord.Recorder
	backend *capturetest.Backend
	engine  *fakeEngine
	saver   *fakeSaver
	notes   *fakeNotifier
	clip    chan string
	states  chan quickrecord.State
	prefs   quickrecord.Prefs
}

func newRig(t *testing.T, prefs quickrecord.Prefs, preview quickrecord.Preview) *rig {
	t.Helper()
	r := &rig{
		backend: capturetest.New(),
		engine:  &fakeEngine{text: "ask not what your country can do for you"},
		saver:   &fakeSaver{},
		notes:   &fakeNotifier{},
		clip:    make(chan string, 4),
		states:  make(chan quickrecord.State, 1000),
		prefs:   prefs,
	}
	q, err := quickrecord.New(quickrecord.Config{
		Backend:   r.backend,
		Engine:    func(context.Context) (quickrecord.Transcriber, error) { return r.engine, nil },
		Options:   engine.Options{Threads: 1, Language: "auto"},
		Prefs:     func() quickrecord.Prefs { return r.prefs },
		Saver:     r.saver,
		Clipboard: func(ctx context.Context, text string) error { r.clip <- text; return nil },
		Notifier:  r.notes,
		OnState:   func(s quickrecord.State) { r.states <- s },
		Preview:   preview,
		Capture:   capture.Config{StallTimeout: -1},
		Now:       func() time.Time { return time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	r.q = q
	return r
}

// start begins a recording and returns the fake device's stream.
func (r *rig) start(t *testing.T) *capturetest.Stream {
	t.Helper()
	opened := r.backend.Opened()
	if err := r.q.Toggle(); err != nil {
		t.Fatal(err)
	}
	s := <-opened
	<-s.Started()
	return s
}

// outcome waits for the recorder to be idle again with an outcome.
func (r *rig) outcome(t *testing.T) (*quickrecord.Outcome, []quickrecord.Phase) {
	t.Helper()
	var phases []quickrecord.Phase
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-r.states:
			if len(phases) == 0 || phases[len(phases)-1] != s.Phase {
				phases = append(phases, s.Phase)
			}
			if s.Phase == quickrecord.Idle && s.Last != nil {
				return s.Last, phases
			}
		case <-timeout:
			t.Fatalf("no outcome; phases so far %v", phases)
		}
	}
}

func allZero(b []float32) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestRecordTranscribeCopySave(t *testing.T) {
	r := newRig(t, quickrecord.DefaultPrefs(), quickrecord.Preview{})
	s := r.start(t)
	s.Feed(capturetest.Sine(2, 300, 0.4), 800)
	if err := r.q.Start(); !errors.Is(err, quickrecord.ErrBusy) {
		t.Errorf("Start while recording: %v, want ErrBusy", err)
	}
	if err := r.q.Toggle(); err != nil {
		t.Fatal(err)
	}
	out, phases := r.outcome(t)
	if fmt.Sprint(phases) != "[recording transcribing idle]" {
		t.Errorf("phases %v", phases)
	}
	if out.Err != nil || !out.Copied || !out.Saved || out.Stopped != capture.StoppedByUser {
		t.Fatalf("outcome %+v", out)
	}
	tr := out.Transcript
	if tr.Title != "Quick recording 2026-03-01 09:30" || tr.Level != transcript.Standard || tr.Duration != 2*time.Second ||
		tr.SourceName != "" || tr.ID != "t1" || !tr.Created.Equal(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("transcript %+v", tr)
	}
	if got := <-r.clip; got != "ask not what your country can do for you" {
		t.Errorf("clipboard %q", got)
	}
	if len(r.saver.got) != 1 || r.saver.got[0] != tr {
		t.Errorf("saved %v", r.saver.got)
	}
	bufs := r.engine.buffers()
	if len(bufs) != 1 || len(bufs[0]) != 32000 {
		t.Fatalf("engine got %d buffers", len(bufs))
	}
	if !allZero(bufs[0]) {
		t.Error("the recorded audio was not wiped after transcription")
	}
	if r.engine.opts[0].Threads != 1 || r.engine.opts[0].Language != "auto" {
		t.Errorf("engine options %+v", r.engine.opts[0])
	}
	if len(r.notes.msgs) != 1 || !strings.HasPrefix(r.notes.msgs[0], "Transcript ready: 9 words from 2s of audio, copied to the clipboard and saved") {
		t.Errorf("notifications %q", r.notes.msgs)
	}
	if strings.Contains(r.notes.msgs[0], "country") {
		t.Error("the notification carries transcript text")
	}
	if err := r.q.Stop(); !errors.Is(err, quickrecord.ErrNotRecording) {
		t.Errorf("Stop when idle: %v", err)
	}
	if ts := quickrecord.TrayState(r.q.State()); ts.Last != tr.Text() || ts.Recording || ts.Busy {
		t.Errorf("tray state %+v", ts)
	}
	r.q.ForgetLast()
	if r.q.State().Last != nil {
		t.Error("ForgetLast kept the outcome")
	}
}

func TestPrefs(t *testing.T) {
	r := newRig(t, quickrecord.Prefs{Level: transcript.Private, Save: true, Language: "de"}, quickrecord.Preview{})
	s := r.start(t)
	s.Feed(capturetest.Sine(1, 300, 0.4), 800)
	r.q.Stop()
	out, _ := r.outcome(t)
	if out.Copied || !out.Saved || out.Transcript.Level != transcript.Private {
		t.Errorf("outcome %+v", out)
	}
	if len(r.clip) != 0 || len(r.notes.msgs) != 0 {
		t.Error("copied or notified against the prefs")
	}
	if r.engine.opts[0].Language != "de" {
		t.Errorf("language %q", r.engine.opts[0].Language)
	}
	if ts := quickrecord.TrayState(r.q.State()); strings.Contains(ts.Last, "country") || ts.Last != "private transcript (1s)" {
		t.Errorf("tray shows %q for a private transcript", ts.Last)
	}
}

func TestSilenceStops(t *testing.T) {
	prefs := quickrecord.DefaultPrefs()
	prefs.SilenceTimeout = 500 * time.Millisecond
	r := newRig(t, prefs, quickrecord.Preview{})
	s := r.start(t)
	s.Feed(capturetest.Sine(1, 300, 0.4), 800)
	s.Feed(capturetest.Silence(2), 800)
	out, _ := r.outcome(t)
	if out.Stopped != capture.StoppedSilence || out.Duration != 1500*time.Millisecond || out.Err != nil {
		t.Errorf("outcome %+v", out)
	}
}

func TestDeviceLostStillTranscribes(t *testing.T) {
	r := newRig(t, quickrecord.DefaultPrefs(), quickrecord.Preview{})
	s := r.start(t)
	s.Feed(capturetest.Sine(1.5, 300, 0.4), 800)
	s.Lose(errors.New("unplugged"))
	out, _ := r.outcome(t)
	if !errors.Is(out.DeviceErr, capture.ErrDeviceLost) || out.Transcript == nil || !out.Saved || out.Duration != 1500*time.Millisecond {
		t.Fatalf("outcome %+v", out)
	}
	if len(r.notes.msgs) != 1 || !strings.Contains(r.notes.msgs[0], "microphone was disconnected") {
		t.Errorf("notification %q", r.notes.msgs)
	}
	if !allZero(r.engine.buffers()[0]) {
		t.Error("audio not wiped")
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name      string
		seconds   float64
		engineErr error
		text      string
		saveErr   error
		wantErr   error
		wantTitle string
		saved     bool
		copied    bool
	}{
		{"too short", 0.1, nil, "x", nil, quickrecord.ErrNothingRecorded, "Nothing recorded", false, false},
		{"no speech", 1, nil, "", nil, quickrecord.ErrNoSpeech, "No speech recognised", false, false},
		{"engine error", 1, engine.ErrModel, "", nil, engine.ErrModel, "Transcription failed", false, false},
		{"vault locked", 1, nil, "hello", errLocked, errLocked, "Transcript ready", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, quickrecord.DefaultPrefs(), quickrecord.Preview{})
			r.engine.err, r.engine.text, r.saver.err = tc.engineErr, tc.text, tc.saveErr
			s := r.start(t)
			s.Feed(capturetest.Sine(tc.seconds, 300, 0.4), 800)
			r.q.Stop()
			out, _ := r.outcome(t)
			if !errors.Is(out.Err, tc.wantErr) || out.Saved != tc.saved || out.Copied != tc.copied {
				t.Errorf("outcome %+v", out)
			}
			if len(r.notes.msgs) != 1 || !strings.HasPrefix(r.notes.msgs[0], tc.wantTitle+": ") {
				t.Errorf("notification %q", r.notes.msgs)
			}
			t.Log(r.notes.msgs)
			for _, b := range r.engine.buffers() {
				if !allZero(b) {
					t.Error("audio not wiped")
				}
			}
			if tc.wantErr == quickrecord.ErrNothingRecorded && len(r.engine.buffers()) != 0 {
				t.Error("transcribed a too short recording")
			}
		})
	}
}

var errLocked = errors.New("store: vault locked")

func TestPreview(t *testing.T) {
	r := newRig(t, quickrecord.DefaultPrefs(), quickrecord.Preview{Interval: 20 * time.Millisecond, Window: 2 * time.Second})
	r.engine.preview = func(n int) string { return fmt.Sprintf("partial %d", n) }
	s := r.start(t)
	s.Feed(capturetest.Sine(3, 300, 0.4), 0)
	var preview string
	timeout := time.After(10 * time.Second)
	for preview == "" {
		select {
		case st := <-r.states:
			if st.Phase == quickrecord.Recording {
				preview = st.Preview
			}
		case <-timeout:
			t.Fatal("no preview while recording")
		}
	}
	if !strings.HasPrefix(preview, "partial ") {
		t.Errorf("preview %q", preview)
	}
	r.q.Stop()
	out, _ := r.outcome(t)
	if out.Transcript == nil || out.Duration != 3*time.Second {
		t.Fatalf("outcome %+v", out)
	}
	bufs := r.engine.buffers()
	if len(bufs) < 2 {
		t.Fatalf("engine called %d times", len(bufs))
	}
	for i, b := range bufs {
		if i < len(bufs)-1 && len(b) != 32000 {
			t.Errorf("preview %d transcribed %d samples, want the 2 s window", i, len(b))
		}
		if !allZero(b) {
			t.Errorf("buffer %d not wiped", i)
		}
	}
}

func TestNoPreviewPref(t *testing.T) {
	prefs := quickrecord.DefaultPrefs()
	prefs.NoPreview = true
	r := newRig(t, prefs, quickrecord.Preview{Interval: 10 * time.Millisecond, Window: time.Second})
	s := r.start(t)
	s.Feed(capturetest.Sine(2, 300, 0.4), 0)
	time.Sleep(200 * time.Millisecond) // twenty preview intervals
	r.q.Stop()
	if out, _ := r.outcome(t); out.Transcript == nil {
		t.Fatalf("outcome %+v", out)
	}
	if n := len(r.engine.buffers()); n != 1 {
		t.Errorf("engine called %d times, want once (no previews)", n)
	}
}

func TestCloseWhileRecording(t *testing.T) {
	r := newRig(t, quickrecord.DefaultPrefs(), quickrecord.Preview{})
	s := r.start(t)
	s.Feed(capturetest.Sine(1, 300, 0.4), 800)
	if err := r.q.Close(); err != nil {
		t.Fatal(err)
	}
	if !s.Closed() {
		t.Error("device still open after Close")
	}
	if len(r.saver.got) != 0 {
		t.Error("saved after Close")
	}
	if err := r.q.Start(); !errors.Is(err, quickrecord.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
}

func TestNewNeedsBackendAndEngine(t *testing.T) {
	if _, err := quickrecord.New(quickrecord.Config{}); err == nil {
		t.Error("New accepted an empty config")
	}
}

func TestMessage(t *testing.T) {
	tr := &transcript.Transcript{Segments: []transcript.Segment{{Text: "one two three"}}}
	tests := []struct {
		o     quickrecord.Outcome
		title string
		body  string
	}{
		{quickrecord.Outcome{Transcript: tr, Duration: 4 * time.Second, Copied: true}, "Transcript ready", "3 words from 4s of audio, copied to the clipboard."},
		{quickrecord.Outcome{Transcript: tr, Duration: 4 * time.Second, Saved: true}, "Transcript ready", "3 words from 4s of audio, saved to the library."},
		{quickrecord.Outcome{Transcript: tr, Duration: 4 * time.Second}, "Transcript ready", "3 words from 4s of audio."},
		{quickrecord.Outcome{Transcript: tr, Duration: 4 * time.Second, Copied: true, Err: errors.New("save to the library: locked")},
			"Transcript ready", "3 words from 4s of audio, copied to the clipboard. Save to the library: locked."},
		{quickrecord.Outcome{Err: quickrecord.ErrNothingRecorded}, "Nothing recorded", "The recording was too short to transcribe."},
		{quickrecord.Outcome{Err: quickrecord.ErrNoSpeech, Duration: 3 * time.Second}, "No speech recognised", "Nothing was said in the 3s recorded."},
		{quickrecord.Outcome{Err: errors.New("load the default model: no model installed")}, "Transcription failed", "Load the default model: no model installed."},
		{quickrecord.Outcome{Transcript: tr, Duration: time.Second, DeviceErr: capture.ErrDeviceLost}, "Transcript ready",
			"3 words from 1s of audio. The microphone was disconnected; what was recorded until then was transcribed."},
	}
	for _, tc := range tests {
		title, body := quickrecord.Message(&tc.o)
		if title != tc.title || body != tc.body {
			t.Errorf("Message(%+v) = %q, %q; want %q, %q", tc.o, title, body, tc.title, tc.body)
		}
	}
}

func TestProblem(t *testing.T) {
	tr := &transcript.Transcript{Segments: []transcript.Segment{{Text: "secret words"}}}
	tests := []struct {
		o    quickrecord.Outcome
		want string
	}{
		{quickrecord.Outcome{Transcript: tr, Copied: true, Saved: true}, ""},
		{quickrecord.Outcome{Err: quickrecord.ErrNothingRecorded}, "The recording was too short to transcribe."},
		{quickrecord.Outcome{Err: quickrecord.ErrNoSpeech}, "No speech was recognised."},
		{quickrecord.Outcome{Transcript: tr, Copied: true, Err: errors.New("save to the library: locked")}, "Save to the library: locked."},
		{quickrecord.Outcome{Transcript: tr, Saved: true, DeviceErr: &capture.DeviceLostError{Device: "USB", Recorded: time.Second}},
			"The microphone was disconnected; what was recorded until then was transcribed."},
		{quickrecord.Outcome{Err: quickrecord.ErrNoSpeech, DeviceErr: capture.ErrDeviceLost},
			"No speech was recognised. The microphone was disconnected; what was recorded until then was transcribed."},
	}
	for _, tc := range tests {
		if got := quickrecord.Problem(&tc.o); got != tc.want {
			t.Errorf("Problem(%+v) = %q, want %q", tc.o, got, tc.want)
		}
		if got := quickrecord.Problem(&tc.o); strings.Contains(got, "secret") {
			t.Errorf("Problem carries transcript text: %q", got)
		}
	}
}

func TestStateJSON(t *testing.T) {
	s := quickrecord.State{Phase: quickrecord.Idle, Last: &quickrecord.Outcome{
		Transcript: &transcript.Transcript{ID: "t1", Title: "Quick", Level: transcript.Standard, Segments: []transcript.Segment{{Text: " hi"}}},
		Duration:   time.Second, Copied: true, DeviceErr: &capture.DeviceLostError{Device: "USB", Recorded: time.Second},
		Err: errors.New("save to the library: locked"),
	}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"phase":"idle","device":{"id":"","name":"","default":false},"elapsed":0,"level":{"rms":0,"peak":0,"silent":false,"elapsed":0},"preview":"",` +
		`"last":{"id":"t1","title":"Quick","level":"standard","text":"hi","duration":1000000000,"stopped":"stopped","copied":true,"saved":false,` +
		`"deviceError":"capture: lost the microphone \"USB\" after 1s of recording; the audio recorded until then was kept","error":"save to the library: locked"}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}
