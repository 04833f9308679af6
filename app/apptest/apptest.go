// Package apptest has in-memory fakes of the app's dependencies: a Runtime that records events and
// answers dialogs from a script, a Library that is also the Vault, a model manager, an engine, a
// decoder, an exporter and a wiper. The app's tests use them, and the e2e server's -fake mode runs the
// window on them without a model.
package apptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Event is one recorded Runtime.Emit.
type Event struct {
	Name string
	Data any
}

// Runtime records events and answers dialogs with the queued answers (nil / "" when none are left,
// which is what a cancelled dialog returns).
type Runtime struct {
	mu     sync.Mutex
	events []Event
	opens  [][]string
	saves  []string
	notify chan struct{}
	// Listener, when set, also receives every event (the e2e server forwards them to the page).
	Listener func(name string, data any)
}

// NewRuntime returns an empty recorder.
func NewRuntime() *Runtime { return &Runtime{notify: make(chan struct{}, 1)} }

// Emit records the event.
func (r *Runtime) Emit(name string, data any) {
	r.mu.Lock()
	r.events = append(r.events, Event{name, data})
	l := r.Listener
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	if l != nil {
		l(name, data)
	}
}

// AnswerOpen queues the answer of the next open dialog.
func (r *Runtime) AnswerOpen(paths ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opens = append(r.opens, paths)
}

// AnswerSave queues the answer of the next save dialog.
func (r *Runtime) AnswerSave(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.saves = append(r.saves, path)
}

// OpenFiles returns the next queued answer.
func (r *Runtime) OpenFiles(app.DialogOptions) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.opens) == 0 {
		return nil, nil
	}
	p := r.opens[0]
	r.opens = r.opens[1:]
	return p, nil
}

// SaveFile returns the next queued answer.
func (r *Runtime) SaveFile(app.DialogOptions) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.saves) == 0 {
		return "", nil
	}
	p := r.saves[0]
	r.saves = r.saves[1:]
	return p, nil
}

// Events returns the events recorded so far.
func (r *Runtime) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// WaitFor waits until an event named name satisfies ok (nil: any), or the timeout passes.
func (r *Runtime) WaitFor(name string, ok func(data any) bool, timeout time.Duration) (any, bool) {
	return r.WaitAfter(0, name, ok, timeout)
}

// Len returns the number of events so far, a mark for WaitAfter.
func (r *Runtime) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// WaitAfter is WaitFor looking only at events after the first mark ones.
func (r *Runtime) WaitAfter(mark int, name string, ok func(data any) bool, timeout time.Duration) (any, bool) {
	deadline := time.After(timeout)
	seen := mark
	for {
		ev := r.Events()
		for _, e := range ev[seen:] {
			if e.Name == name && (ok == nil || ok(e.Data)) {
				return e.Data, true
			}
		}
		seen = len(ev)
		select {
		case <-r.notify:
		case <-deadline:
			return nil, false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Library is an in-memory library that is also the vault: Private transcripts can be read only
// while unlocked, and are "encrypted" (held as a sealed copy nobody can read) while locked.
type Library struct {
	mu          sync.Mutex
	items       map[string]*transcript.Transcript
	seq         int
	password    string
	locked      bool
	remember    bool
	idle        time.Duration
	saves       int
	FailSave    error // returned by Save when set
	FailUnlocks int   // count of wrong passwords seen
}

// NewLibrary returns an empty library with no vault password.
func NewLibrary() *Library { return &Library{items: map[string]*transcript.Transcript{}} }

func clone(t *transcript.Transcript) *transcript.Transcript {
	c := *t
	c.Segments = slices.Clone(t.Segments)
	c.Speakers = slices.Clone(t.Speakers)
	return &c
}

// Saves counts successful Save calls.
func (l *Library) Saves() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.saves
}

// Save stores a copy of t, giving it an id when it has none.
func (l *Library) Save(_ context.Context, t *transcript.Transcript) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.FailSave != nil {
		return l.FailSave
	}
	if t.Level == transcript.Private && (l.password == "" || l.locked) {
		return fmt.Errorf("save private transcript: %w", app.ErrLocked)
	}
	if t.ID == "" {
		l.seq++
		t.ID = "t" + strconv.Itoa(l.seq)
	}
	if t.Level == "" {
		t.Level = transcript.Standard
	}
	l.items[t.ID] = clone(t)
	l.saves++
	return nil
}

// Get returns a copy of transcript id.
func (l *Library) Get(_ context.Context, id string) (*transcript.Transcript, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.items[id]
	if !ok {
		return nil, fmt.Errorf("transcript %s: %w", id, app.ErrNotFound)
	}
	if t.Level == transcript.Private && l.locked {
		return nil, fmt.Errorf("transcript %s: %w", id, app.ErrLocked)
	}
	return clone(t), nil
}

// List filters and searches, newest first.
func (l *Library) List(_ context.Context, q app.Filter) ([]app.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []app.Entry
	for _, t := range l.items {
		locked := t.Level == transcript.Private && l.locked
		switch {
		case q.Language != "" && (locked || t.Language != q.Language):
			continue
		case q.Level != "" && t.Level != q.Level:
			continue
		case !q.From.IsZero() && t.Created.Before(q.From):
			continue
		case !q.To.IsZero() && !t.Created.Before(q.To):
			continue
		}
		snippet := ""
		if q.Text != "" {
			if locked {
				continue
			}
			text := t.Text()
			i := strings.Index(strings.ToLower(text+" "+t.Title), strings.ToLower(q.Text))
			if i < 0 {
				continue
			}
			snippet = excerpt(text, i)
		}
		e := app.Entry{ID: t.ID, Level: t.Level, Created: t.Created, Locked: locked, Model: t.Model, Duration: t.Duration}
		if !locked {
			e.Title, e.SourceName, e.Language, e.Snippet, e.Segments = t.Title, t.SourceName, t.Language, snippet, len(t.Segments)
			if e.Snippet == "" {
				e.Snippet = excerpt(t.Text(), 0)
			}
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b app.Entry) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func excerpt(s string, i int) string {
	r := []rune(s)
	start := max(0, min(len(r), i)-30)
	end := min(len(r), start+120)
	return string(r[start:end])
}

// Delete removes id.
func (l *Library) Delete(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.items[id]; !ok {
		return fmt.Errorf("transcript %s: %w", id, app.ErrNotFound)
	}
	delete(l.items, id)
	return nil
}

// SetLevel moves id between levels; Private needs an unlocked vault.
func (l *Library) SetLevel(_ context.Context, id string, level transcript.Level) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.items[id]
	if !ok {
		return fmt.Errorf("transcript %s: %w", id, app.ErrNotFound)
	}
	if (level == transcript.Private || t.Level == transcript.Private) && (l.password == "" || l.locked) {
		return fmt.Errorf("set level: %w", app.ErrLocked)
	}
	t.Level = level
	return nil
}

// Status reports the vault state.
func (l *Library) Status(context.Context) (app.VaultStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return app.VaultStatus{HasPassword: l.password != "", Locked: l.locked || l.password == "", Remember: l.remember, IdleMinutes: int(l.idle / time.Minute)}, nil
}

// SetPassword sets the first password and leaves the vault unlocked.
func (l *Library) SetPassword(_ context.Context, pw string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.password != "" {
		return fmt.Errorf("%w: a password is already set", app.ErrInvalid)
	}
	l.password, l.locked = pw, false
	return nil
}

// ChangePassword replaces the password.
func (l *Library) ChangePassword(_ context.Context, old, pw string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.password == "" || old != l.password {
		return app.ErrWrongPass
	}
	l.password = pw
	return nil
}

// Unlock checks the password.
func (l *Library) Unlock(_ context.Context, pw string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.password == "" || pw != l.password {
		l.FailUnlocks++
		return app.ErrWrongPass
	}
	l.locked = false
	return nil
}

// Lock locks.
func (l *Library) Lock(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.locked = true
	return nil
}

// SetIdleTimeout records d.
func (l *Library) SetIdleTimeout(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.idle = d
	return nil
}

// SetRemember records on.
func (l *Library) SetRemember(_ context.Context, on bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if on && l.password == "" {
		return fmt.Errorf("%w: set a password first", app.ErrInvalid)
	}
	l.remember = on
	return nil
}

// Wipe empties the library and forgets the password (it is the Wiper too).
func (l *Library) Wipe(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = map[string]*transcript.Transcript{}
	l.password, l.locked, l.remember = "", false, false
	return nil
}

// Models is an in-memory model manager. Download "ticks" Steps times and then installs the model.
type Models struct {
	mu        sync.Mutex
	known     []app.Model
	installed map[string]string // name -> path
	def       string
	Steps     int
	StepDelay time.Duration
}

// NewModels knows tiny and base; installed maps model names to files that count as installed.
func NewModels(installed map[string]string) *Models {
	m := &Models{
		known: []app.Model{
			{Name: "tiny", Description: "Fastest, least accurate (75 MB)", Size: 77691713, Downloadable: true, Multilingual: true},
			{Name: "base", Description: "Fast, fair accuracy (142 MB)", Size: 147951465, Downloadable: true, Multilingual: true},
		},
		installed: map[string]string{},
		Steps:     4,
	}
	for k, v := range installed {
		m.installed[k] = v
		if m.def == "" {
			m.def = k
		}
	}
	return m
}

// List returns the known models, marked installed and default.
func (m *Models) List(context.Context) ([]app.Model, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []app.Model
	seen := map[string]bool{}
	for _, k := range m.known {
		_, k.Installed = m.installed[k.Name]
		k.Default = k.Name == m.def
		out = append(out, k)
		seen[k.Name] = true
	}
	var extra []string
	for name := range m.installed {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		out = append(out, app.Model{Name: name, Installed: true, Default: name == m.def, Description: "Imported"})
	}
	return out, nil
}

// Download pretends to fetch a known model.
func (m *Models) Download(ctx context.Context, name string, progress func(done, total int64)) error {
	m.mu.Lock()
	var size int64
	for _, k := range m.known {
		if k.Name == name {
			size = k.Size
		}
	}
	steps, delay := m.Steps, m.StepDelay
	m.mu.Unlock()
	if size == 0 {
		return fmt.Errorf("download %s: %w", name, app.ErrNotFound)
	}
	for i := 1; i <= steps; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if progress != nil {
			progress(size*int64(i)/int64(steps), size)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.installed[name] = "/fake/models/ggml-" + name + ".bin"
	if m.def == "" {
		m.def = name
	}
	return nil
}

// Import records path as model name.
func (m *Models) Import(_ context.Context, path, name string) (app.Model, error) {
	if _, err := os.Stat(path); err != nil {
		return app.Model{}, fmt.Errorf("import %s: %w", path, app.ErrNotFound)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.installed[name] = path
	if m.def == "" {
		m.def = name
	}
	return app.Model{Name: name, Installed: true, Default: m.def == name}, nil
}

// Delete forgets an installed model.
func (m *Models) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.installed[name]; !ok {
		return fmt.Errorf("model %s: %w", name, app.ErrNotFound)
	}
	delete(m.installed, name)
	if m.def == name {
		m.def = ""
	}
	return nil
}

// SetDefault sets the default.
func (m *Models) SetDefault(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.installed[name]; !ok {
		return fmt.Errorf("model %s: %w", name, app.ErrNotFound)
	}
	m.def = name
	return nil
}

// Path returns the installed path of name or of the default.
func (m *Models) Path(_ context.Context, name string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if name == "" {
		name = m.def
	}
	p, ok := m.installed[name]
	if !ok {
		return "", app.ErrNoModel
	}
	return p, nil
}

// Engines opens Transcribers that turn each second of audio into one segment "word N". Gate, when
// set, is received from before each segment, so tests can hold a job while they cancel it.
type Engines struct {
	mu     sync.Mutex
	Opened []string
	Closed int
	Gate   chan struct{}
	Fail   error // returned by Open when set
}

// Open returns a fake Transcriber.
func (e *Engines) Open(path string, _ bool) (app.Transcriber, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Fail != nil {
		return nil, e.Fail
	}
	e.Opened = append(e.Opened, path)
	return &transcriber{e: e, model: filepath.Base(path)}, nil
}

type transcriber struct {
	e     *Engines
	model string
}

func (t *transcriber) Close() error {
	t.e.mu.Lock()
	defer t.e.mu.Unlock()
	t.e.Closed++
	return nil
}

func (t *transcriber) Transcribe(ctx context.Context, samples []float32, opt app.TranscribeOptions) (*transcript.Transcript, error) {
	secs := (len(samples) + 15999) / 16000
	lang := opt.Language
	if lang == "" || lang == "auto" {
		lang = "en"
	}
	out := &transcript.Transcript{Language: lang, Model: t.model}
	for i := 0; i < secs; i++ {
		if t.e.Gate != nil {
			select {
			case <-t.e.Gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		word := "word " + strconv.Itoa(i+1)
		if opt.Translate {
			word = "translated " + strconv.Itoa(i+1)
		}
		out.Segments = append(out.Segments, transcript.Segment{
			Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, Text: word,
		})
		if opt.Progress != nil {
			opt.Progress((i + 1) * 100 / secs)
		}
	}
	return out, nil
}

// Decoder decodes fake audio files: a file whose content is "FAKEAUDIO <seconds> <channels>" holds
// that much audio; a file ending in an unknown extension is unsupported; anything else is corrupt.
type Decoder struct{}

// WriteAudio writes a fake audio file and returns its path.
func WriteAudio(dir, name string, seconds, channels int) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(fmt.Sprintf("FAKEAUDIO %d %d", seconds, channels)), 0o644)
}

// WriteDualMono writes a fake two-channel audio file whose channels are the same recording.
func WriteDualMono(dir, name string, seconds int) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(fmt.Sprintf("FAKEAUDIO %d 2 dual", seconds)), 0o644)
}

// DecodeFile decodes a fake audio file.
func (Decoder) DecodeFile(_ context.Context, path string, keep bool) ([][]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrNotFound, err)
	}
	var secs, chans int
	if _, err := fmt.Sscanf(string(b), "FAKEAUDIO %d %d", &secs, &chans); err != nil {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".wav", ".mp3", ".flac", ".ogg", ".m4a", ".mp4":
			return nil, app.ErrCorrupt
		}
		return nil, app.ErrUnsupported
	}
	if secs == 0 {
		return nil, app.ErrEmpty
	}
	if !keep {
		chans = 1
	}
	// Each channel is a different tone (so "one speaker per channel" sees different channels);
	// a file written by WriteDualMono has the same tone on both.
	dual := strings.HasSuffix(strings.TrimSpace(string(b)), " dual")
	out := make([][]float32, chans)
	for i := range out {
		out[i] = make([]float32, secs*16000)
		f := float64(i + 1)
		if dual {
			f = 1
		}
		for k := range out[i] {
			out[i][k] = float32(0.1 * math.Sin(float64(k)*0.03*f))
		}
	}
	return out, nil
}

// Exporter writes "txt" (one line per segment) and "srt".
type Exporter struct{}

// Formats lists txt, srt and a binary docx.
func (Exporter) Formats() []app.Format {
	return []app.Format{
		{ID: "txt", Name: "Plain text", Ext: "txt", Options: []app.FormatOption{{Key: "timestamps", Label: "Timestamps", Kind: "bool"}, {Key: "speakers", Label: "Speaker names", Kind: "bool"}}},
		{ID: "srt", Name: "SubRip subtitles", Ext: "srt", Options: []app.FormatOption{{Key: "maxLineLength", Label: "Line length", Kind: "int", Min: 10, Max: 200}}},
		{ID: "docx", Name: "Word document", Ext: "docx", Binary: true},
	}
}

// Write exports t.
func (Exporter) Write(w io.Writer, t *transcript.Transcript, format string, opt app.ExportOptions) error {
	for i, s := range t.Segments {
		var err error
		switch format {
		case "txt", "docx":
			prefix := ""
			if opt.Speakers && s.Speaker != "" {
				prefix = t.SpeakerName(s.Speaker) + ": "
			}
			_, err = fmt.Fprintf(w, "%s%s\n", prefix, s.Text)
		case "srt":
			_, err = fmt.Fprintf(w, "%d\n%s --> %s\n%s\n\n", i+1, srtTime(s.Start), srtTime(s.End), s.Text)
		default:
			return errors.New("unknown format")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func srtTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d,%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
