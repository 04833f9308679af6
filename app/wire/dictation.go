package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/dictation"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/textinput"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// TextInput opens the platform's inserter (textinput.New is the real one).
type TextInput func(ctx context.Context, opts textinput.Options) (*textinput.Session, error)

// TrayHotkeys registers global keys through internal/tray.
type TrayHotkeys struct{}

// Hold implements dictation.Hotkeys.
func (TrayHotkeys) Hold(spec string, down, up func()) (io.Closer, error) {
	return tray.RegisterHoldHotkey(spec, down, up)
}

// Key implements dictation.Hotkeys.
func (TrayHotkeys) Key(key string, fn func()) (io.Closer, error) { return tray.RegisterKey(key, fn) }

// Dictation adapts *dictation.Dictator to app.Dictation: the settings choose the mode, shortcut,
// insert method, trailing space or Enter, language, model and vocabulary prompt; the text goes to
// the library only when the user chose that.
type Dictation struct {
	d        *dictation.Dictator
	settings *app.SettingsFile
	open     TextInput
	hotkeys  dictation.Hotkeys
	clip     func(string) error

	mu        sync.Mutex
	ins       *textinput.Session
	method    textinput.Method
	insErr    error
	keys      *dictation.Keys
	keyErr    error
	listeners []func(app.DictationState)
	raw       []func(dictation.State)
	eng       app.Transcriber
	engKey    string
	closed    bool
}

// dictationConfig is what newDictation needs from Open.
type dictationConfig struct {
	Backend   capture.Backend
	Settings  *app.SettingsFile
	Models    app.Models
	Engines   app.Engines
	Saver     dictation.Saver
	Clipboard func(text string) error
	Notifier  dictation.Notifier
	TextInput TextInput
	Hotkeys   dictation.Hotkeys
}

func newDictation(c dictationConfig) (*Dictation, error) {
	x := &Dictation{settings: c.Settings, open: c.TextInput, hotkeys: c.Hotkeys, clip: c.Clipboard}
	if x.hotkeys == nil {
		x.hotkeys = TrayHotkeys{}
	}
	cfg := dictation.Config{
		Backend: c.Backend,
		Engine: func(ctx context.Context, model string) (dictation.Transcriber, error) {
			return x.engine(ctx, c.Models, c.Engines, model)
		},
		EngineOptions: engine.Options{Language: "auto"},
		Inserter:      x,
		Guard:         x,
		Saver:         c.Saver,
		Notifier:      c.Notifier,
		Options:       x.options,
		OnState:       x.changed,
	}
	if c.Clipboard != nil {
		cfg.Clipboard = func(_ context.Context, text string) error { return c.Clipboard(text) }
	}
	d, err := dictation.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("wire: dictation: %w", err)
	}
	x.d = d
	return x, nil
}

// options reads the dictation settings.
func (x *Dictation) options() dictation.Options {
	s, _ := x.settings.Load() // a damaged file yields the defaults
	ds := s.Dictation
	mode, _ := dictation.ParseMode(ds.Mode)
	tr, _ := dictation.ParseTrailing(ds.Trailing)
	return dictation.Options{Mode: mode, Trailing: tr, DeviceID: s.InputDevice, Language: ds.Language,
		Model: ds.Model, Prompt: ds.Prompt, Save: ds.Save, Level: s.Level}
}

// Start opens the inserter and registers the shortcut, as the settings say. The desktop calls it
// once its main loop runs (macOS hotkeys need it); problems show in State.
func (x *Dictation) Start() { x.Apply() }

// Apply implements app.Dictation: it (re)opens the inserter when the method changed and
// (re)registers the shortcut when it changed.
func (x *Dictation) Apply() {
	s, _ := x.settings.Load()
	ds := s.Dictation
	method, _ := textinput.ParseMethod(ds.Method)
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return
	}
	if x.open != nil && (x.ins == nil && x.insErr == nil || x.method != method) {
		if x.ins != nil {
			x.ins.Close()
			x.ins = nil
		}
		// Bounded: the accessibility bus may hang; the inserter then runs without the guard.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		x.ins, x.insErr = x.open(ctx, textinput.Options{Method: method})
		cancel()
		x.method = method
	} else if x.open == nil {
		x.insErr = fmt.Errorf("%w: no inserter in this build", textinput.ErrUnsupported)
	}
	if x.keys == nil || x.keys.Shortcut() != ds.Shortcut {
		if x.keys != nil {
			x.keys.Close()
			x.keys = nil
		}
		x.keyErr = nil
		if ds.Shortcut != "" {
			x.keys, x.keyErr = dictation.BindKeys(x.d, x.hotkeys, ds.Shortcut)
		}
	}
	x.mu.Unlock()
	x.changed(x.d.State())
}

// CheckShortcut implements app.Dictation.
func (x *Dictation) CheckShortcut(spec string) error {
	if spec == "" {
		return nil
	}
	_, err := tray.ParseShortcut(spec)
	return err
}

// Focus implements dictation.Inserter; without an inserter it returns 0 and Insert says why.
func (x *Dictation) Focus(ctx context.Context) (uint64, error) {
	x.mu.Lock()
	ins := x.ins
	x.mu.Unlock()
	if ins == nil {
		return 0, nil
	}
	return ins.Focus(ctx)
}

// Insert implements dictation.Inserter.
func (x *Dictation) Insert(ctx context.Context, window uint64, text string) error {
	x.mu.Lock()
	ins, err := x.ins, x.insErr
	x.mu.Unlock()
	if ins == nil {
		if err == nil {
			err = textinput.ErrUnsupported
		}
		return err
	}
	return ins.Insert(ctx, window, text)
}

// SecureInput implements dictation.Guard.
func (x *Dictation) SecureInput(ctx context.Context) (bool, error) {
	x.mu.Lock()
	ins := x.ins
	x.mu.Unlock()
	if ins == nil {
		return false, errors.New("no inserter")
	}
	return ins.SecureInput(ctx)
}

// engine returns the dictation model: the one the settings name, else the smallest installed one
// (dictation wants speed), kept loaded between dictations.
func (x *Dictation) engine(ctx context.Context, models app.Models, engines app.Engines, name string) (dictation.Transcriber, error) {
	if models == nil || engines == nil {
		return nil, fmt.Errorf("speech engine: %w", app.ErrUnavailable)
	}
	if name == "" {
		name = smallestModel(ctx, models)
	}
	path, err := models.Path(ctx, name)
	if err != nil {
		return nil, err
	}
	s, _ := x.settings.Load()
	key := fmt.Sprintf("%s\x00%v", path, s.UseGPU)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.eng == nil || x.engKey != key {
		if x.eng != nil {
			x.eng.Close()
			x.eng = nil
		}
		e, err := engines.Open(path, s.UseGPU)
		if err != nil {
			return nil, err
		}
		x.eng, x.engKey = e, key
	}
	return dictTranscriber{x.eng, s.Threads}, nil
}

// smallestModel is the installed model with the smallest file, "" (the default) when none is
// listed.
func smallestModel(ctx context.Context, models app.Models) string {
	list, err := models.List(ctx)
	if err != nil {
		return ""
	}
	best := app.Model{}
	for _, m := range list {
		if m.Installed && (best.Name == "" || m.Size < best.Size) {
			best = m
		}
	}
	return best.Name
}

// dictTranscriber adapts app.Transcriber to dictation.Transcriber.
type dictTranscriber struct {
	t       app.Transcriber
	threads int
}

func (a dictTranscriber) Transcribe(ctx context.Context, samples []float32, o engine.Options) (*transcript.Transcript, error) {
	return a.t.Transcribe(ctx, samples, app.TranscribeOptions{Language: o.Language, Prompt: o.Prompt, Threads: a.threads})
}

// Dictator is the running dictation, for the tray and tests.
func (x *Dictation) Dictator() *dictation.Dictator { return x.d }

// State implements app.Dictation.
func (x *Dictation) State() app.DictationState { return x.appState(x.d.State()) }

func (x *Dictation) appState(s dictation.State) app.DictationState {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := app.DictationState{Available: true, Phase: s.Phase.String(), Elapsed: s.Elapsed,
		Level: app.InputLevel{RMS: s.Level.RMS, Peak: s.Level.Peak, Silent: s.Level.Silent}}
	if x.keys != nil {
		out.Shortcut = x.keys.Shortcut()
	}
	var problems []string
	if x.keyErr != nil {
		problems = append(problems, x.keyErr.Error())
	}
	switch {
	case x.ins != nil:
		out.Tool = x.ins.Tool
		if x.ins.GuardErr != nil {
			problems = append(problems, "Password fields cannot be recognised here ("+x.ins.GuardErr.Error()+").")
		}
	case x.insErr != nil:
		out.Tool = "clipboard"
		problems = append(problems, x.insErr.Error())
	}
	if s.Notice != "" {
		problems = append(problems, s.Notice)
	}
	for i, p := range problems {
		if i > 0 {
			out.Problem += " "
		}
		out.Problem += p
	}
	if o := s.Last; o != nil {
		out.Last = lastSentence(o)
	}
	return out
}

// lastSentence says what a dictation did, without its text.
func lastSentence(o *dictation.Outcome) string {
	switch {
	case o.Cancelled:
		return "Cancelled."
	case o.Inserted && o.Err == nil:
		return fmt.Sprintf("Typed %d characters from %s of speech.", len([]rune(o.Text)), o.Duration.Round(100*time.Millisecond))
	case o.Err != nil:
		_, body := dictation.Message(o)
		return body
	}
	return ""
}

func (x *Dictation) changed(s dictation.State) {
	x.mu.Lock()
	ls, rs := x.listeners, x.raw
	x.mu.Unlock()
	if len(ls) > 0 {
		st := x.appState(s)
		for _, f := range ls {
			f(st)
		}
	}
	for _, f := range rs {
		f(s)
	}
}

// Listen implements app.Dictation.
func (x *Dictation) Listen(f func(app.DictationState)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.listeners = append(x.listeners, f)
}

// Watch adds f to the functions that receive every raw state change (the tray).
func (x *Dictation) Watch(f func(dictation.State)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.raw = append(x.raw, f)
}

// close releases the keys, stops a dictation, closes the inserter and unloads the model.
func (x *Dictation) close() error {
	x.mu.Lock()
	x.closed = true
	keys := x.keys
	x.keys = nil
	x.mu.Unlock()
	if keys != nil {
		keys.Close()
	}
	err := x.d.Close()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ins != nil {
		err = errors.Join(err, x.ins.Close())
		x.ins = nil
	}
	if x.eng != nil {
		x.eng.Close()
		x.eng = nil
	}
	return err
}
