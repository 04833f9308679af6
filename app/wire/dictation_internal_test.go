package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/textinput"
)

// fakeHotkeys records registrations and lets the test press the keys.
type fakeHotkeys struct {
	mu      sync.Mutex
	holds   map[string][2]func()
	keys    map[string]func()
	closed  []string
	refuse  string // a shortcut "taken by another program"
	history []string
}

type closer func()

func (c closer) Close() error { c(); return nil }

func (h *fakeHotkeys) Hold(spec string, down, up func()) (io.Closer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if spec == h.refuse {
		return nil, fmt.Errorf("hotkey already taken by another program: %s", spec)
	}
	h.holds[spec] = [2]func(){down, up}
	h.history = append(h.history, "hold "+spec)
	return closer(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.holds, spec)
		h.closed = append(h.closed, spec)
	}), nil
}

func (h *fakeHotkeys) Key(key string, fn func()) (io.Closer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keys[key] = fn
	return closer(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.keys, key)
	}), nil
}

func (h *fakeHotkeys) press(spec string, down bool) {
	h.mu.Lock()
	f := h.holds[spec]
	h.mu.Unlock()
	if down {
		f[0]()
	} else {
		f[1]()
	}
}

// TestDictationWiring: the settings' shortcut is registered (and re-registered when it changes),
// the smallest installed model transcribes, nothing is saved by default, and where no inserter
// works (a Wayland session without tools) the text goes to the clipboard and the state says why.
func TestDictationWiring(t *testing.T) {
	backend := capturetest.New()
	lib := apptest.NewLibrary()
	settings := app.NewSettingsFile("")
	engines := &apptest.Engines{}
	hk := &fakeHotkeys{holds: map[string][2]func(){}, keys: map[string]func(){}}
	var mu sync.Mutex
	var copied []string
	wayland := fmt.Errorf("%w: this is a Wayland session: install wtype", textinput.ErrUnsupported)
	d, err := newDictation(dictationConfig{
		Backend:  backend,
		Settings: settings,
		Models:   apptest.NewModels(map[string]string{"base": "/models/ggml-base.bin", "tiny": "/models/ggml-tiny.bin"}),
		Engines:  engines,
		Saver:    lib,
		Clipboard: func(text string) error {
			mu.Lock()
			defer mu.Unlock()
			copied = append(copied, text)
			return nil
		},
		TextInput: func(context.Context, textinput.Options) (*textinput.Session, error) { return nil, wayland },
		Hotkeys:   hk,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	states := make(chan app.DictationState, 64)
	d.Listen(func(s app.DictationState) { states <- s })
	d.Start()
	st := d.State()
	if st.Shortcut != app.DefaultDictationShortcut || st.Tool != "clipboard" || !strings.Contains(st.Problem, "Wayland") {
		t.Fatalf("state after start: %+v", st)
	}

	opened := backend.Opened()
	hk.press(app.DefaultDictationShortcut, true)
	s := <-opened
	<-s.Started()
	grabbed := func() bool {
		hk.mu.Lock()
		defer hk.mu.Unlock()
		_, ok := hk.keys["Escape"]
		return ok
	}
	for i := 0; !grabbed(); i++ { // the cancel key follows the state on the delivery goroutine
		if i == 100 {
			t.Fatal("Escape is not grabbed while dictating")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Feed(capturetest.Sine(2, 440, 0.3), 800)
	hk.press(app.DefaultDictationShortcut, false)
	var last app.DictationState
	for deadline := time.After(10 * time.Second); last.Last == ""; {
		select {
		case last = <-states:
		case <-deadline:
			t.Fatal("no dictation outcome")
		}
	}
	mu.Lock()
	got := append([]string(nil), copied...)
	mu.Unlock()
	if len(got) != 1 || got[0] != "word 1 word 2" {
		t.Errorf("clipboard %q", got)
	}
	if len(engines.Opened) != 1 || engines.Opened[0] != "/models/ggml-tiny.bin" {
		t.Errorf("engines opened %v, want the smallest installed model", engines.Opened)
	}
	if es, _ := lib.List(context.Background(), app.Filter{}); len(es) != 0 {
		t.Errorf("a dictation was saved by default: %v", es)
	}
	if strings.Contains(last.Last, "word") || strings.Contains(last.Problem, "word") {
		t.Errorf("the state carries the text: %+v", last)
	}
	for i := 0; grabbed(); i++ {
		if i == 100 {
			t.Fatal("Escape is still grabbed after the dictation")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A new shortcut replaces the old one; one taken by another program is reported.
	cur, _ := settings.Load()
	cur.Dictation.Shortcut = "Ctrl+Alt+D"
	if err := settings.Save(cur); err != nil {
		t.Fatal(err)
	}
	d.Apply()
	if st := d.State(); st.Shortcut != "Ctrl+Alt+D" || len(hk.closed) != 1 || hk.closed[0] != app.DefaultDictationShortcut {
		t.Errorf("after a new shortcut: %+v, closed %v", st, hk.closed)
	}
	hk.refuse = "Ctrl+Alt+F"
	cur.Dictation.Shortcut = "Ctrl+Alt+F"
	settings.Save(cur)
	d.Apply()
	if st := d.State(); st.Shortcut != "" || !strings.Contains(st.Problem, "taken") {
		t.Errorf("a taken shortcut: %+v", st)
	}
	if err := d.CheckShortcut("Ctrl+Banana"); err == nil {
		t.Error("CheckShortcut accepted Ctrl+Banana")
	}
	if err := d.CheckShortcut(""); err != nil {
		t.Errorf("an empty shortcut (dictation off): %v", err)
	}
}

// TestDictationSettingsValidation: bad dictation settings are refused with ErrInvalid and nothing is
// stored.
func TestDictationSettingsValidation(t *testing.T) {
	f := app.NewSettingsFile("")
	for _, mutate := range []func(*app.DictationSettings){
		func(d *app.DictationSettings) { d.Mode = "sometimes" },
		func(d *app.DictationSettings) { d.Method = "telepathy" },
		func(d *app.DictationSettings) { d.Trailing = "tab" },
		func(d *app.DictationSettings) { d.Language = "" },
		func(d *app.DictationSettings) { d.Model = "../../etc/passwd" },
		func(d *app.DictationSettings) { d.Prompt = strings.Repeat("x", app.MaxDictationPrompt+1) },
		func(d *app.DictationSettings) { d.Shortcut = strings.Repeat("Ctrl+", 20) + "A" },
	} {
		s := app.DefaultSettings()
		mutate(&s.Dictation)
		if err := f.Save(s); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", s.Dictation, err)
		}
	}
	got, _ := f.Load()
	if got.Dictation != app.DefaultDictationSettings() {
		t.Errorf("a refused save changed the settings: %+v", got.Dictation)
	}
	if d := app.DefaultDictationSettings(); d.Save || d.Mode != "push-to-talk" || d.Method != "auto" {
		t.Errorf("defaults: %+v", d)
	}
}
