// Package quickrecord is the tray's record-and-transcribe flow: record from the microphone into
// memory (internal/capture), and after the recording stops transcribe it with the default model,
// copy the text to the clipboard and/or save it to the library at the default privacy level, and
// tell the user with a notification. The recorded audio is wiped as soon as the transcription
// has finished, whatever its outcome; it never touches the disk.
//
// While recording, an optional preview transcribes a sliding window over the end of the
// in-memory buffer now and then and reports the partial text.
//
// A Recorder runs one recording at a time and reports every change through Config.OnState, which
// the app forwards to its window and to the tray (see TrayState).
package quickrecord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Sentinel errors.
var (
	// ErrBusy is returned by Start while a recording or its transcription is in progress.
	ErrBusy = errors.New("quickrecord: a quick recording is already in progress")
	// ErrNotRecording is returned by Stop when nothing is being recorded.
	ErrNotRecording = errors.New("quickrecord: not recording")
	// ErrNothingRecorded means the recording was too short to transcribe.
	ErrNothingRecorded = errors.New("quickrecord: nothing was recorded")
	// ErrNoSpeech means the transcription found no speech.
	ErrNoSpeech = errors.New("quickrecord: no speech recognised")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("quickrecord: closed")
)

// Transcriber is a loaded speech model; *engine.Engine is one.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []float32, opt engine.Options) (*transcript.Transcript, error)
}

// Saver stores a transcript in the library; *store.Library is one.
type Saver interface {
	Save(ctx context.Context, t *transcript.Transcript) error
}

// Notifier shows a desktop notification; *tray.Notifier is one.
type Notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// Prefs are the user's settings for one quick recording, read when it starts.
type Prefs struct {
	DeviceID       string        // capture.Device.ID; "" = the system default input
	SilenceTimeout time.Duration // stop after this much silence; 0 = only on request
	Language       string        // "" or "auto" detects
	Copy           bool          // copy the text to the clipboard
	Save           bool          // save the transcript to the library
	Level          transcript.Level
	Notify         bool // show a notification when done
	// NoPreview turns the streaming preview (Config.Preview) off for this recording.
	NoPreview bool
}

// DefaultPrefs copy and save at the Standard level and notify.
func DefaultPrefs() Prefs {
	return Prefs{Copy: true, Save: true, Level: transcript.Standard, Notify: true}
}

// Preview configures the streaming preview. The zero value turns it off.
type Preview struct {
	// Interval between two previews (0 = off). A preview starts only when the last has finished.
	Interval time.Duration
	// Window is how much of the end of the recording each preview transcribes (0 = 10 s).
	Window time.Duration
}

// Config configures a Recorder. Backend and Engine are required.
type Config struct {
	Backend capture.Backend
	// Engine returns the transcriber of the default model; it is called after each recording
	// stops (and for previews), so that a new default model applies to the next recording.
	Engine func(ctx context.Context) (Transcriber, error)
	// Options are the engine options; Prefs.Language overrides Language.
	Options engine.Options
	// Prefs returns the user's settings; nil means DefaultPrefs.
	Prefs func() Prefs
	// Saver, Clipboard and Notifier are optional: nil skips that step.
	Saver     Saver
	Clipboard func(ctx context.Context, text string) error
	Notifier  Notifier
	// OnState, when set, receives every state change, in order, on one goroutine.
	OnState func(State)
	Preview Preview
	// Capture adjusts the recording (level interval, maximum length, stall timeout); its DeviceID,
	// SilenceTimeout and OnLevel are set from Prefs and the Recorder.
	Capture capture.Config
	// Now returns the current time (nil = time.Now); titles and Created use it.
	Now func() time.Time
}

// Phase is what the Recorder is doing.
type Phase int

const (
	Idle Phase = iota
	Recording
	Transcribing
)

// MarshalText makes a Phase a JSON string ("idle", "recording", "transcribing").
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p Phase) String() string {
	switch p {
	case Idle:
		return "idle"
	case Recording:
		return "recording"
	case Transcribing:
		return "transcribing"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// State is a snapshot of the Recorder.
type State struct {
	Phase   Phase          `json:"phase"`
	Device  capture.Device `json:"device"`  // while recording
	Elapsed time.Duration  `json:"elapsed"` // recorded so far
	Level   capture.Level  `json:"level"`   // the latest input level while recording
	Preview string         `json:"preview"` // partial text while recording, if the preview is on
	// Last is the outcome of the last finished quick recording, nil before the first.
	Last *Outcome `json:"last"`
}

// Outcome is the result of one quick recording.
type Outcome struct {
	// Transcript is nil when nothing could be transcribed (see Err).
	Transcript *transcript.Transcript
	Duration   time.Duration // of the audio
	Stopped    capture.StopReason
	// DeviceErr is set when the microphone was lost mid-recording (matches capture.ErrDeviceLost);
	// what was recorded before was still transcribed.
	DeviceErr error
	Copied    bool
	Saved     bool
	// Err is what went wrong: ErrNothingRecorded, ErrNoSpeech, the engine's error, or failures to
	// copy, save or notify (joined). The transcript is still in Transcript when only copying or
	// saving failed.
	Err error
}

// MarshalJSON writes the outcome for the app's page: the errors as messages, the transcript's
// id, title, level and text.
func (o *Outcome) MarshalJSON() ([]byte, error) {
	v := struct {
		ID       string           `json:"id,omitempty"`
		Title    string           `json:"title,omitempty"`
		Level    transcript.Level `json:"level,omitempty"`
		Text     string           `json:"text,omitempty"`
		Duration time.Duration    `json:"duration"`
		Stopped  string           `json:"stopped"`
		Copied   bool             `json:"copied"`
		Saved    bool             `json:"saved"`
		Device   string           `json:"deviceError,omitempty"`
		Error    string           `json:"error,omitempty"`
	}{Duration: o.Duration, Stopped: o.Stopped.String(), Copied: o.Copied, Saved: o.Saved}
	if t := o.Transcript; t != nil {
		v.ID, v.Title, v.Level, v.Text = t.ID, t.Title, t.Level, t.Text()
	}
	if o.DeviceErr != nil {
		v.Device = o.DeviceErr.Error()
	}
	if o.Err != nil {
		v.Error = o.Err.Error()
	}
	return json.Marshal(v)
}

// Recorder runs quick recordings. Its methods are safe for concurrent use.
type Recorder struct {
	cfg Config

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	state  State
	rec    *capture.Recording
	closed bool

	evMu     sync.Mutex
	queue    []State
	evClosed bool
	wake     chan struct{}
	evDone   chan struct{}
}

// New returns a Recorder. Close it when done.
func New(cfg Config) (*Recorder, error) {
	if cfg.Backend == nil || cfg.Engine == nil {
		return nil, errors.New("quickrecord: Config.Backend and Config.Engine are required")
	}
	if cfg.Prefs == nil {
		cfg.Prefs = DefaultPrefs
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Preview.Interval > 0 && cfg.Preview.Window <= 0 {
		cfg.Preview.Window = 10 * time.Second
	}
	q := &Recorder{cfg: cfg, wake: make(chan struct{}, 1), evDone: make(chan struct{})}
	q.base, q.cancel = context.WithCancel(context.Background())
	go q.deliver()
	return q, nil
}

// State returns the current state.
func (q *Recorder) State() State {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state
}

// Start begins a quick recording with the current Prefs.
func (q *Recorder) Start() error {
	prefs := q.cfg.Prefs()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if q.state.Phase != Idle {
		return ErrBusy
	}
	ccfg := q.cfg.Capture
	ccfg.DeviceID = prefs.DeviceID
	ccfg.SilenceTimeout = prefs.SilenceTimeout
	ccfg.OnLevel = q.level
	rec, err := capture.Start(q.base, q.cfg.Backend, ccfg)
	if err != nil {
		return fmt.Errorf("quickrecord: %w", err)
	}
	q.rec = rec
	q.setLocked(func(s *State) {
		*s = State{Phase: Recording, Device: rec.Device(), Last: s.Last}
	})
	q.wg.Add(1)
	go q.run(rec, prefs)
	return nil
}

// Stop ends the recording; transcription follows in the background. It returns ErrNotRecording
// when nothing is being recorded.
func (q *Recorder) Stop() error {
	q.mu.Lock()
	rec := q.rec
	q.mu.Unlock()
	if rec == nil {
		return ErrNotRecording
	}
	rec.Stop()
	return nil
}

// Toggle starts a recording when idle and stops it while recording; while transcribing it returns
// ErrBusy. It is what the hotkey and the tray's record item do.
func (q *Recorder) Toggle() error {
	q.mu.Lock()
	phase := q.state.Phase
	q.mu.Unlock()
	switch phase {
	case Idle:
		return q.Start()
	case Recording:
		if err := q.Stop(); !errors.Is(err, ErrNotRecording) {
			return err
		}
		return nil
	default:
		return ErrBusy
	}
}

// Close stops a recording, cancels a transcription in progress (its audio is wiped) and waits for
// both. OnState gets no calls after Close returns.
func (q *Recorder) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	q.wg.Wait()
	q.evMu.Lock()
	q.evClosed = true
	q.evMu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	<-q.evDone
	return nil
}

// level is the capture's OnLevel callback.
func (q *Recorder) level(l capture.Level) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state.Phase != Recording {
		return
	}
	q.setLocked(func(s *State) { s.Level, s.Elapsed = l, l.Elapsed })
}

// setLocked changes the state and queues it for OnState. q.mu is held.
func (q *Recorder) setLocked(f func(*State)) {
	f(&q.state)
	if q.cfg.OnState == nil {
		return
	}
	q.evMu.Lock()
	if !q.evClosed {
		// A newer snapshot of the same phase replaces one not yet delivered (level updates
		// coalesce for a slow OnState); phase changes are never lost.
		if n := len(q.queue); n > 0 && q.queue[n-1].Phase == q.state.Phase && q.queue[n-1].Last == q.state.Last {
			q.queue[n-1] = q.state
		} else {
			q.queue = append(q.queue, q.state)
		}
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	q.evMu.Unlock()
}

// deliver calls OnState for queued states, in order, until Close.
func (q *Recorder) deliver() {
	defer close(q.evDone)
	for {
		<-q.wake
		q.evMu.Lock()
		batch, closed := q.queue, q.evClosed
		q.queue = nil
		q.evMu.Unlock()
		for _, s := range batch {
			q.cfg.OnState(s)
		}
		if closed {
			return
		}
	}
}

// run waits for the recording to end, then transcribes and delivers it.
func (q *Recorder) run(rec *capture.Recording, prefs Prefs) {
	defer q.wg.Done()
	var previews sync.WaitGroup
	if q.cfg.Preview.Interval > 0 && !prefs.NoPreview {
		pctx, stop := context.WithCancel(q.base)
		previews.Add(1)
		go func() { defer previews.Done(); q.preview(pctx, rec, prefs) }()
		defer stop()
		go func() { <-rec.Done(); stop() }()
	}
	res := rec.Wait()
	previews.Wait() // a running preview is cancelled; don't compete with it for the CPU
	defer res.Wipe()

	q.mu.Lock()
	q.rec = nil
	q.setLocked(func(s *State) {
		s.Phase, s.Elapsed, s.Level, s.Preview = Transcribing, res.Duration(), capture.Level{}, ""
	})
	q.mu.Unlock()

	out := q.transcribe(res, prefs)

	q.mu.Lock()
	q.setLocked(func(s *State) { *s = State{Phase: Idle, Last: out} })
	q.mu.Unlock()
}

// transcribe turns a finished recording into an Outcome, wiping the audio right after the
// engine is done with it.
func (q *Recorder) transcribe(res capture.Result, prefs Prefs) *Outcome {
	ctx := q.base
	out := &Outcome{Duration: res.Duration(), Stopped: res.Reason}
	if errors.Is(res.Err, capture.ErrDeviceLost) {
		out.DeviceErr = res.Err
	}
	var t *transcript.Transcript
	var err error
	if res.Duration() < minDuration {
		err = ErrNothingRecorded
	} else if err = ctx.Err(); err == nil {
		t, err = q.transcribeSamples(ctx, res.Samples, prefs)
	}
	res.Wipe() // the audio is not needed any more, whatever happened
	switch {
	case err != nil:
		out.Err = err
	case strings.TrimSpace(t.Text()) == "":
		out.Err = ErrNoSpeech
	default:
		now := q.cfg.Now()
		t.Title = "Quick recording " + now.Format("2006-01-02 15:04")
		t.SourceName = ""
		t.SourceSize = 0
		t.Created = now
		t.Duration = out.Duration
		t.Level = prefs.Level
		if t.Level == "" {
			t.Level = transcript.Standard
		}
		out.Transcript = t
		var errs []error
		if prefs.Copy && q.cfg.Clipboard != nil {
			if err := q.cfg.Clipboard(ctx, t.Text()); err != nil {
				errs = append(errs, fmt.Errorf("copy to the clipboard: %w", err))
			} else {
				out.Copied = true
			}
		}
		if prefs.Save && q.cfg.Saver != nil {
			if err := q.cfg.Saver.Save(ctx, t); err != nil {
				errs = append(errs, fmt.Errorf("save to the library: %w", err))
			} else {
				out.Saved = true
			}
		}
		out.Err = errors.Join(errs...)
	}
	if prefs.Notify && q.cfg.Notifier != nil && ctx.Err() == nil {
		title, body := Message(out)
		if err := q.cfg.Notifier.Notify(ctx, title, body); err != nil {
			out.Err = errors.Join(out.Err, fmt.Errorf("notify: %w", err))
		}
	}
	return out
}

// minDuration is the shortest recording worth transcribing.
const minDuration = 300 * time.Millisecond

func (q *Recorder) transcribeSamples(ctx context.Context, samples []float32, prefs Prefs) (*transcript.Transcript, error) {
	eng, err := q.cfg.Engine(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the default model: %w", err)
	}
	opt := q.cfg.Options
	if prefs.Language != "" {
		opt.Language = prefs.Language
	}
	t, err := eng.Transcribe(ctx, samples, opt)
	if err != nil {
		return nil, fmt.Errorf("transcribe: %w", err)
	}
	return t, nil
}

// preview transcribes the end of the recording every Preview.Interval until ctx ends.
func (q *Recorder) preview(ctx context.Context, rec *capture.Recording, prefs Prefs) {
	tick := time.NewTicker(q.cfg.Preview.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		tail := rec.Tail(q.cfg.Preview.Window)
		if len(tail) < capture.SampleRate { // less than 1 s
			clear(tail)
			continue
		}
		eng, err := q.cfg.Engine(ctx)
		var t *transcript.Transcript
		if err == nil {
			opt := q.cfg.Options
			opt.Progress = nil
			if prefs.Language != "" {
				opt.Language = prefs.Language
			}
			t, err = eng.Transcribe(ctx, tail, opt)
		}
		clear(tail)
		if err != nil || ctx.Err() != nil {
			continue
		}
		q.mu.Lock()
		if q.state.Phase == Recording {
			text := t.Text()
			q.setLocked(func(s *State) { s.Preview = text })
		}
		q.mu.Unlock()
	}
}

// deviceLostText tells the user, in Message and Problem, that the microphone went away mid-way.
const deviceLostText = "The microphone was disconnected; what was recorded until then was transcribed."

// Message is the notification for an outcome. It never contains transcript text: notification
// servers may keep a history, and the transcript may be Private.
func Message(o *Outcome) (title, body string) {
	secs := o.Duration.Round(time.Second)
	var parts []string
	switch {
	case errors.Is(o.Err, ErrNothingRecorded):
		title, parts = "Nothing recorded", []string{"The recording was too short to transcribe."}
	case errors.Is(o.Err, ErrNoSpeech):
		title, parts = "No speech recognised", []string{fmt.Sprintf("Nothing was said in the %s recorded.", secs)}
	case o.Transcript == nil:
		title, parts = "Transcription failed", []string{errText(o.Err)}
	default:
		title = "Transcript ready"
		words := len(strings.Fields(o.Transcript.Text()))
		done := fmt.Sprintf("%d words from %s of audio", words, secs)
		switch {
		case o.Copied && o.Saved:
			done += ", copied to the clipboard and saved to the library."
		case o.Copied:
			done += ", copied to the clipboard."
		case o.Saved:
			done += ", saved to the library."
		default:
			done += "."
		}
		parts = append(parts, done)
		if o.Err != nil {
			parts = append(parts, errText(o.Err))
		}
	}
	if o.DeviceErr != nil {
		parts = append(parts, deviceLostText)
	}
	return title, strings.Join(parts, " ")
}

// Problem is what went wrong with an outcome, in words for the user, or "" when nothing did. Like
// Message it never contains transcript text.
func Problem(o *Outcome) string {
	var parts []string
	switch {
	case o.Err == nil:
	case errors.Is(o.Err, ErrNothingRecorded):
		parts = append(parts, "The recording was too short to transcribe.")
	case errors.Is(o.Err, ErrNoSpeech):
		parts = append(parts, "No speech was recognised.")
	default:
		parts = append(parts, errText(o.Err))
	}
	if o.DeviceErr != nil {
		parts = append(parts, deviceLostText)
	}
	return strings.Join(parts, " ")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// ForgetLast drops the last outcome (and its transcript text) from memory, e.g. when the vault
// locks.
func (q *Recorder) ForgetLast() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state.Last != nil {
		q.setLocked(func(s *State) { s.Last = nil })
	}
}
