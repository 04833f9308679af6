package dictation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/dictation"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/textinput"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

const said = "Ask not what your country can do for you"

// fakeEngine returns a fixed text, keeps every buffer it got (to check the wipe) and can be held
// until release is closed.
type fakeEngine struct {
	mu      sync.Mutex
	text    string
	got     [][]float32
	opts    []engine.Options
	models  []string
	release chan struct{}
	entered chan struct{}
}

func (e *fakeEngine) Transcribe(ctx context.Context, samples []float32, opt engine.Options) (*transcript.Transcript, error) {
	e.mu.Lock()
	e.got = append(e.got, samples)
	e.opts = append(e.opts, opt)
	rel, ent := e.release, e.entered
	e.mu.Unlock()
	if ent != nil {
		ent <- struct{}{}
	}
	if rel != nil {
		select {
		case <-rel:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	t := &transcript.Transcript{}
	if e.text != "" {
		t.Segments = []transcript.Segment{{Text: " " + e.text}}
	}
	return t, nil
}

func (e *fakeEngine) calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.got)
}

type fakeGuard struct {
	secure bool
	err    error
}

func (g fakeGuard) SecureInput(ctx context.Context) (bool, error) { return g.secure, g.err }

type fakeSaver struct {
	mu  sync.Mutex
	got []*transcript.Transcript
}

func (s *fakeSaver) Save(ctx context.Context, t *transcript.Transcript) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, t)
	return nil
}

type fakeNotifier struct {
	mu   sync.Mutex
	msgs []string
}

func (n *fakeNotifier) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.msgs...)
}

func (n *fakeNotifier) Notify(ctx context.Context, title, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, title+": "+body)
	return nil
}

type harness struct {
	t        *testing.T
	d        *dictation.Dictator
	backend  *capturetest.Backend
	opened   <-chan *capturetest.Stream
	eng      *fakeEngine
	ins      *textinput.Fake
	saver    *fakeSaver
	notes    *fakeNotifier
	mu       sync.Mutex
	clip     []string
	outcomes chan *dictation.Outcome
	states   chan dictation.State
}

func newHarness(t *testing.T, opts dictation.Options, guard dictation.Guard) *harness {
	t.Helper()
	h := &harness{t: t, backend: capturetest.New(), eng: &fakeEngine{text: said},
		ins: &textinput.Fake{FocusWindow: 42}, saver: &fakeSaver{}, notes: &fakeNotifier{},
		outcomes: make(chan *dictation.Outcome, 16), states: make(chan dictation.State, 1024)}
	h.opened = h.backend.Opened()
	var last *dictation.Outcome
	d, err := dictation.New(dictation.Config{
		Backend: h.backend,
		Engine: func(ctx context.Context, model string) (dictation.Transcriber, error) {
			h.eng.mu.Lock()
			h.eng.models = append(h.eng.models, model)
			h.eng.mu.Unlock()
			return h.eng, nil
		},
		Inserter: h.ins,
		Guard:    guard,
		Saver:    h.saver,
		Notifier: h.notes,
		Clipboard: func(ctx context.Context, text string) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.clip = append(h.clip, text)
			return nil
		},
		Options: func() dictation.Options { return opts },
		OnState: func(s dictation.State) {
			h.states <- s
			if s.Last != nil && s.Last != last {
				last = s.Last
				h.outcomes <- s.Last
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	t.Cleanup(func() { d.Close() })
	return h
}

// stream waits for the microphone to open and start.
func (h *harness) stream() *capturetest.Stream {
	h.t.Helper()
	select {
	case s := <-h.opened:
		<-s.Started()
		return s
	case <-time.After(5 * time.Second):
		h.t.Fatal("no stream opened")
	}
	return nil
}

func (h *harness) outcome() *dictation.Outcome {
	h.t.Helper()
	select {
	case o := <-h.outcomes:
		return o
	case <-time.After(5 * time.Second):
		h.t.Fatal("no outcome")
	}
	return nil
}

// waitPhase waits for a state with phase p.
func (h *harness) waitPhase(p dictation.Phase) dictation.State {
	h.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-h.states:
			if s.Phase == p {
				return s
			}
		case <-deadline:
			h.t.Fatalf("never %v (now %v)", p, h.d.State().Phase)
		}
	}
}

func speech() []float32 { return capturetest.Sine(1, 440, 0.3) }

func wiped(t *testing.T, bufs [][]float32) {
	t.Helper()
	for _, b := range bufs {
		for _, v := range b {
			if v != 0 {
				t.Fatal("the audio given to the engine was not wiped")
			}
		}
	}
}

func TestPushToTalkInserts(t *testing.T) {
	h := newHarness(t, dictation.Options{Trailing: dictation.TrailingSpace, Language: "de", Model: "tiny", Prompt: "Hushscribe"}, fakeGuard{})
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	o := h.outcome()
	if o.Err != nil || !o.Inserted || o.Copied || o.Saved || o.Text != said {
		t.Fatalf("outcome %+v", o)
	}
	if got := h.ins.Texts(); len(got) != 1 || got[0] != said+" " {
		t.Errorf("inserted %q", got)
	}
	if len(h.clip) != 0 || len(h.saver.got) != 0 {
		t.Errorf("clipboard %q, saved %d: nothing may be copied or stored by default", h.clip, len(h.saver.got))
	}
	if h.eng.opts[0].Language != "de" || h.eng.opts[0].Prompt != "Hushscribe" || h.eng.models[0] != "tiny" {
		t.Errorf("engine options %+v, model %q", h.eng.opts[0], h.eng.models)
	}
	if o.Duration < 900*time.Millisecond || o.StopAt.IsZero() || o.InsertedAt.Before(o.StopAt) {
		t.Errorf("duration %v, stop %v, inserted %v", o.Duration, o.StopAt, o.InsertedAt)
	}
	if !s.Closed() {
		t.Error("the microphone is still open")
	}
	wiped(t, h.eng.got)
	if st := h.d.State(); st.Phase != dictation.Idle {
		t.Errorf("phase %v after the dictation", st.Phase)
	}
}

func TestToggle(t *testing.T) {
	h := newHarness(t, dictation.Options{Mode: dictation.Toggle, Trailing: dictation.TrailingEnter}, nil)
	h.d.Press()
	h.d.Release() // ignored in toggle mode
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	time.Sleep(50 * time.Millisecond)
	if h.d.State().Phase != dictation.Recording {
		t.Fatalf("release stopped a toggle recording: %v", h.d.State().Phase)
	}
	h.d.Press()
	h.d.Release()
	if o := h.outcome(); !o.Inserted {
		t.Fatalf("outcome %+v", o)
	}
	if got := h.ins.Texts(); len(got) != 1 || got[0] != said+"\n" {
		t.Errorf("inserted %q", got)
	}
}

func TestCancelDiscards(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Cancel()
	o := h.outcome()
	if !o.Cancelled || o.Inserted || o.Err != nil {
		t.Fatalf("outcome %+v", o)
	}
	h.d.Release()
	time.Sleep(100 * time.Millisecond)
	if h.eng.calls() != 0 || len(h.ins.Texts()) != 0 {
		t.Errorf("cancelled dictation was transcribed (%d) or typed (%q)", h.eng.calls(), h.ins.Texts())
	}
	for i := 0; i < 50 && !s.Closed(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !s.Closed() {
		t.Error("the microphone is still open after cancel")
	}
	if len(h.notes.all()) != 0 {
		t.Errorf("a cancel notified: %q", h.notes.all())
	}
	// The next dictation works.
	h.d.Press()
	s = h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	if o := h.outcome(); !o.Inserted {
		t.Fatalf("after a cancel: %+v", o)
	}
}

func TestCancelWhileTranscribing(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.eng.release, h.eng.entered = make(chan struct{}), make(chan struct{}, 1)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	<-h.eng.entered
	h.d.Cancel()
	if o := h.outcome(); !o.Cancelled {
		t.Fatalf("outcome %+v", o)
	}
	close(h.eng.release)
	time.Sleep(100 * time.Millisecond)
	if len(h.ins.Texts()) != 0 {
		t.Errorf("typed after cancel: %q", h.ins.Texts())
	}
	wiped(t, h.eng.got)
}

func TestSecondPressWhileTranscribing(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.eng.release, h.eng.entered = make(chan struct{}), make(chan struct{}, 1)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	<-h.eng.entered
	h.d.Press()
	h.d.Release()
	st := h.waitPhase(dictation.Transcribing)
	for i := 0; i < 100 && st.Notice == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		st = h.d.State()
	}
	if st.Notice == "" {
		t.Error("no busy notice for a press while transcribing")
	}
	select {
	case <-h.opened:
		t.Fatal("a second recording started while transcribing")
	default:
	}
	close(h.eng.release)
	if o := h.outcome(); !o.Inserted {
		t.Fatalf("outcome %+v", o)
	}
	if got := h.ins.Texts(); len(got) != 1 {
		t.Errorf("inserted %q", got)
	}
}

func TestTooShort(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.d.Press()
	h.d.Release() // before the microphone opened
	s := h.stream()
	s.Feed(capturetest.Sine(0.1, 440, 0.3), 0)
	o := h.outcome()
	if !errors.Is(o.Err, dictation.ErrNothingRecorded) || h.eng.calls() != 0 {
		t.Fatalf("outcome %+v, engine calls %d", o, h.eng.calls())
	}
	if len(h.notes.all()) != 1 || !strings.Contains(h.notes.all()[0], "too short") {
		t.Errorf("notifications %q", h.notes.all())
	}
}

func TestNoSpeech(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.eng.text = ""
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	if o := h.outcome(); !errors.Is(o.Err, dictation.ErrNoSpeech) || len(h.ins.Texts()) != 0 {
		t.Fatalf("outcome %+v", o)
	}
}

func TestPasswordFieldNotTyped(t *testing.T) {
	h := newHarness(t, dictation.Options{Save: false}, fakeGuard{secure: true})
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	o := h.outcome()
	if !errors.Is(o.Err, dictation.ErrSecureField) || o.Inserted || o.Copied {
		t.Fatalf("outcome %+v", o)
	}
	if len(h.ins.Texts()) != 0 || len(h.clip) != 0 {
		t.Errorf("typed %q or copied %q into/for a password field", h.ins.Texts(), h.clip)
	}
	if len(h.notes.all()) != 1 || strings.Contains(h.notes.all()[0], "country") || !strings.Contains(h.notes.all()[0], "password") {
		t.Errorf("notification %q", h.notes.all())
	}
}

func TestGuardUnsureStillTypes(t *testing.T) {
	h := newHarness(t, dictation.Options{}, fakeGuard{err: errors.New("no accessibility bus")})
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	if o := h.outcome(); !o.Inserted {
		t.Fatalf("outcome %+v", o)
	}
}

func TestFocusMovedGoesToClipboard(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.ins.SetMoved(true)
	h.d.Release()
	o := h.outcome()
	if !errors.Is(o.Err, textinput.ErrFocusChanged) || o.Inserted || !o.Copied {
		t.Fatalf("outcome %+v", o)
	}
	if len(h.clip) != 1 || h.clip[0] != said {
		t.Errorf("clipboard %q", h.clip)
	}
	if len(h.notes.all()) != 1 || !strings.Contains(h.notes.all()[0], "focus moved") || strings.Contains(h.notes.all()[0], "country") {
		t.Errorf("notification %q", h.notes.all())
	}
}

func TestSaveWhenChosen(t *testing.T) {
	h := newHarness(t, dictation.Options{Save: true, Level: transcript.Private}, nil)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	o := h.outcome()
	if !o.Inserted || !o.Saved {
		t.Fatalf("outcome %+v", o)
	}
	if len(h.saver.got) != 1 || h.saver.got[0].Text() != said || h.saver.got[0].Level != transcript.Private ||
		!strings.HasPrefix(h.saver.got[0].Title, "Dictation ") {
		t.Errorf("saved %+v", h.saver.got)
	}
}

func TestMicrophoneFails(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.backend.OpenErr = errors.New("device busy")
	h.d.Press()
	o := h.outcome()
	if o.Err == nil || !strings.Contains(o.Err.Error(), "device busy") {
		t.Fatalf("outcome %+v", o)
	}
	h.d.Release()
	h.backend.OpenErr = nil
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Release()
	if o := h.outcome(); !o.Inserted {
		t.Fatalf("after a failed start: %+v", o)
	}
}

// TestInsertFailsGoesToClipboard: where the text cannot be typed (a Wayland session without
// wtype or ydotool, modifiers held) it goes to the clipboard, and the notification says why.
func TestInsertFailsGoesToClipboard(t *testing.T) {
	for _, cause := range []error{
		fmt.Errorf("%w: this is a Wayland session: install wtype or ydotool", textinput.ErrUnsupported),
		textinput.ErrModifiersHeld,
	} {
		h := newHarness(t, dictation.Options{}, nil)
		h.ins.InsertErr = cause
		h.d.Press()
		s := h.stream()
		h.waitPhase(dictation.Recording)
		s.Feed(speech(), 1600)
		h.d.Release()
		o := h.outcome()
		if !errors.Is(o.Err, cause) || !o.Copied || o.Inserted {
			t.Fatalf("outcome %+v", o)
		}
		if len(h.clip) != 1 || h.clip[0] != said {
			t.Errorf("clipboard %q", h.clip)
		}
		reason := strings.TrimPrefix(cause.Error(), "textinput: ")
		if len(h.notes.all()) != 1 || !strings.Contains(h.notes.all()[0], "clipboard") ||
			!strings.Contains(h.notes.all()[0], reason) || strings.Contains(h.notes.all()[0], "country") {
			t.Errorf("notification %q, want the reason %q and no text", h.notes.all(), reason)
		}
	}
}

func TestCloseWipes(t *testing.T) {
	h := newHarness(t, dictation.Options{}, nil)
	h.d.Press()
	s := h.stream()
	h.waitPhase(dictation.Recording)
	s.Feed(speech(), 1600)
	h.d.Close()
	if !s.Closed() {
		t.Error("Close left the microphone open")
	}
	h.d.Press() // after Close: no effect, no panic
}

func TestText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		tr   dictation.Trailing
		want string
	}{
		{" Hello  world. ", dictation.TrailingNone, "Hello world."},
		{"Hello\nworld", dictation.TrailingSpace, "Hello world "},
		{"Grüße 你好", dictation.TrailingEnter, "Grüße 你好\n"},
	} {
		if got := dictation.Text(tt.in, tt.tr); got != tt.want {
			t.Errorf("Text(%q, %v) = %q, want %q", tt.in, tt.tr, got, tt.want)
		}
	}
	for in, want := range map[string]dictation.Trailing{"": dictation.TrailingNone, "space": dictation.TrailingSpace, "enter": dictation.TrailingEnter} {
		if got, err := dictation.ParseTrailing(in); err != nil || got != want {
			t.Errorf("ParseTrailing(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := dictation.ParseTrailing("tab"); !errors.Is(err, dictation.ErrBadOptions) {
		t.Errorf("ParseTrailing(tab): %v", err)
	}
	if _, err := dictation.New(dictation.Config{}); err == nil {
		t.Error("New without Backend/Engine/Inserter accepted")
	}
}
