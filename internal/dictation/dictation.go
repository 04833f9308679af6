// Package dictation runs a dictation: while the user holds a shortcut (push-to-talk) or between two
// presses (toggle) it records the microphone into memory (internal/capture), transcribes the audio
// locally, wipes it, and inserts the text into the app that had the keyboard focus when the
// shortcut was pressed, through an Inserter (internal/textinput has the platform ones: X11 XTEST
// typing or paste, Wayland, Windows SendInput, macOS CGEvent). A cancel key discards everything.
//
// The order of events is decided by Machine, a pure state machine; Dictator runs its steps with
// goroutines and feeds their results back to it, one event at a time. Nothing is stored unless
// Options.Save asks for it; the text is never put in a notification.
//
// Safety: before inserting, a Guard (AT-SPI on Linux, secure event input on macOS) is asked whether
// a password field has the focus; if so the text is not typed. If the focus moved to another
// window since the shortcut was pressed, the text is not typed either (the Inserter reports
// textinput.ErrFocusChanged) and goes to the clipboard instead, with a notification saying why.
package dictation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/textinput"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Sentinel errors.
var (
	ErrBadOptions      = errors.New("dictation: bad options")
	ErrNothingRecorded = errors.New("dictation: the recording was too short")
	ErrNoSpeech        = errors.New("dictation: no speech recognised")
	// ErrSecureField means a password field had the focus: the text was not typed.
	ErrSecureField = errors.New("dictation: a password field has the focus")
	ErrClosed      = errors.New("dictation: closed")
)

// Transcriber is a loaded speech model; *engine.Engine is one.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []float32, opt engine.Options) (*transcript.Transcript, error)
}

// Inserter puts text into the focused app. Window ids are opaque to this package (an X11 window,
// a Windows HWND, a macOS process id); 0 means "whatever has the focus then".
type Inserter interface {
	// Focus returns the window that has the keyboard focus now.
	Focus(ctx context.Context) (uint64, error)
	// Insert types or pastes text into window, which must still have the focus (else an error
	// matching textinput.ErrFocusChanged). Cancelling ctx stops it; what was sent stays.
	Insert(ctx context.Context, window uint64, text string) error
}

// Guard tells whether the focused widget takes a password.
type Guard interface {
	// SecureInput reports whether a password field has the focus. An error means "cannot tell".
	SecureInput(ctx context.Context) (bool, error)
}

// Saver stores a transcript in the library; *store.Library is one.
type Saver interface {
	Save(ctx context.Context, t *transcript.Transcript) error
}

// Notifier shows a desktop notification.
type Notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// Trailing is what follows the dictated text.
type Trailing int

const (
	TrailingNone  Trailing = iota
	TrailingSpace          // a space, so that the next dictation continues the sentence
	TrailingEnter          // a newline (Enter): sends a chat message, runs a command
)

// ParseTrailing reads "none", "space" and "enter".
func ParseTrailing(s string) (Trailing, error) {
	switch s {
	case "none", "":
		return TrailingNone, nil
	case "space":
		return TrailingSpace, nil
	case "enter":
		return TrailingEnter, nil
	}
	return 0, fmt.Errorf("%w: trailing %q (want none, space or enter)", ErrBadOptions, s)
}

// Options are the user's dictation settings, read at each press of the shortcut.
type Options struct {
	Mode     Mode
	Trailing Trailing
	DeviceID string // capture.Device.ID; "" = the default input
	Language string // "" or "auto" detects
	Model    string // passed to Config.Engine; "" = the app's choice
	Prompt   string // vocabulary and style prompt for the engine
	// Save also saves each dictation to the library at Level (off by default).
	Save  bool
	Level transcript.Level
}

// Config configures a Dictator. Backend, Engine and Inserter are required.
type Config struct {
	Backend capture.Backend
	// Engine returns the transcriber for a model name (Options.Model).
	Engine func(ctx context.Context, model string) (Transcriber, error)
	// EngineOptions are the base engine options; Options.Language and Prompt override theirs.
	EngineOptions engine.Options
	Inserter      Inserter
	// Guard, Saver, Notifier and Clipboard are optional. Clipboard receives the text when it could
	// not be inserted (focus moved, insertion failed), so that it is not lost.
	Guard     Guard
	Saver     Saver
	Notifier  Notifier
	Clipboard func(ctx context.Context, text string) error
	// Options returns the settings; nil means the zero Options (push-to-talk, nothing saved).
	Options func() Options
	// OnState, when set, receives every state change, in order, on one goroutine.
	OnState func(State)
	// Capture adjusts the recording; DeviceID and OnLevel are set by the Dictator.
	Capture capture.Config
	// Now returns the current time (nil = time.Now).
	Now func() time.Time
}

// State is a snapshot of the Dictator.
type State struct {
	Phase   Phase         `json:"phase"`
	Mode    Mode          `json:"-"`
	Elapsed time.Duration `json:"elapsed"`
	Level   capture.Level `json:"level"`
	// Notice is a short message for the user, e.g. that a press was ignored while busy.
	Notice string `json:"notice"`
	// Last is the outcome of the last finished dictation, nil before the first.
	Last *Outcome `json:"last"`
}

// Outcome is what one dictation did.
type Outcome struct {
	Text      string        // the text inserted (without the trailing space or Enter); "" if none
	Duration  time.Duration // of the audio
	Inserted  bool
	Copied    bool // to the clipboard, because it could not be inserted
	Saved     bool
	Cancelled bool
	Err       error
	// Timings, for the benchmark: when the recording was asked to stop (the key release or second
	// press), how long the engine took, and when the last character had been sent.
	StopAt         time.Time
	TranscribeTime time.Duration
	InsertedAt     time.Time
}

// InsertLatency is the time from the stop request to the last character sent, less the
// transcription: what the dictation adds to the engine's own time.
func (o *Outcome) InsertLatency() time.Duration {
	return o.InsertedAt.Sub(o.StopAt) - o.TranscribeTime
}

// minDuration is the shortest recording worth transcribing.
const minDuration = 300 * time.Millisecond

// event is one input to the loop.
type event struct {
	ev  Event
	gen uint64
	rec *capture.Recording // Started
	res *capture.Result    // Captured
	t   *transcript.Transcript
	out *Outcome // Inserted, Failed
	err error
	at  time.Time
}

// Dictator runs dictations. Press, Release and Cancel are safe to call from any goroutine (the
// hotkey's); the rest happens on its own goroutines.
type Dictator struct {
	cfg    Config
	events chan event
	base   context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup // step goroutines
	loopWG sync.WaitGroup

	// owned by the loop goroutine
	m       Machine
	cur     *run
	discard map[uint64]bool // generations whose recording must be wiped when it shows up

	mu       sync.Mutex
	state    State
	watchers []func(State)
	closed   bool
	queue    []State
	evClosed bool
	wake     chan struct{}
	evDone   chan struct{}
}

// run is the dictation in progress.
type run struct {
	gen     uint64
	opts    Options
	window  uint64
	winErr  error
	focused chan struct{} // closed when window/winErr are set
	rec     *capture.Recording
	res     *capture.Result
	stopAt  time.Time
	keyAt   time.Time
	cancel  context.CancelFunc // of the transcription or insertion
	tdur    time.Duration
	text    string
}

// New returns a running Dictator; Close it when done.
func New(cfg Config) (*Dictator, error) {
	if cfg.Backend == nil || cfg.Engine == nil || cfg.Inserter == nil {
		return nil, errors.New("dictation: Config.Backend, Engine and Inserter are required")
	}
	if cfg.Options == nil {
		cfg.Options = func() Options { return Options{} }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Dictator{cfg: cfg, events: make(chan event, 64), discard: map[uint64]bool{},
		wake: make(chan struct{}, 1), evDone: make(chan struct{})}
	d.base, d.stop = context.WithCancel(context.Background())
	d.m.Mode = cfg.Options().Mode
	d.state.Mode = d.m.Mode
	go d.deliver()
	d.loopWG.Add(1)
	go d.loop()
	return d, nil
}

// Press reports that the shortcut went down.
func (d *Dictator) Press() { d.send(event{ev: Press}) }

// Release reports that the shortcut came up.
func (d *Dictator) Release() { d.send(event{ev: Release}) }

// Cancel discards the dictation in progress (the cancel key).
func (d *Dictator) Cancel() { d.send(event{ev: Cancel}) }

func (d *Dictator) send(e event) {
	e.at = d.cfg.Now()
	select {
	case d.events <- e:
	case <-d.base.Done():
	}
}

// State returns the current state.
func (d *Dictator) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// Watch adds f to the functions that receive every state change (after Config.OnState), in order,
// on one goroutine.
func (d *Dictator) Watch(f func(State)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.watchers = append(d.watchers, f)
}

// Close cancels whatever runs (its audio is wiped) and waits for it. OnState gets no calls after
// Close returns.
func (d *Dictator) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.stop()
	d.loopWG.Wait()
	d.wg.Wait()
	d.mu.Lock()
	d.evClosed = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	<-d.evDone
	return nil
}

func (d *Dictator) loop() {
	defer d.loopWG.Done()
	for {
		select {
		case <-d.base.Done():
			d.shutdown()
			return
		case e := <-d.events:
			d.handle(e)
		}
	}
}

// shutdown wipes what the current dictation holds.
func (d *Dictator) shutdown() {
	if c := d.cur; c != nil {
		if c.rec != nil {
			res := c.rec.Stop()
			res.Wipe()
		}
		if c.res != nil {
			c.res.Wipe()
		}
	}
	// Late recordings and results from step goroutines: drain until they are all done.
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	for {
		select {
		case e := <-d.events:
			d.wipeEvent(e)
		case <-done:
			for {
				select {
				case e := <-d.events:
					d.wipeEvent(e)
				default:
					return
				}
			}
		}
	}
}

func (d *Dictator) wipeEvent(e event) {
	if e.rec != nil {
		res := e.rec.Stop()
		res.Wipe()
	}
	if e.res != nil {
		e.res.Wipe()
	}
}

func (d *Dictator) handle(e event) {
	if e.ev == Press && d.m.Phase() == Idle {
		opts := d.cfg.Options()
		d.m.Mode = opts.Mode
	}
	if (e.ev == Press || e.ev == Release) && d.cur != nil && d.m.Phase() == Starting {
		d.cur.keyAt = e.at // a stop before the microphone opened counts from this key
	}
	steps := d.m.Handle(e.ev, e.gen)
	c := d.cur
	current := c != nil && e.gen == c.gen
	// Payloads of events the machine did not take: wipe what they hold.
	switch e.ev {
	case Started:
		if current && (d.m.Phase() == Recording || d.m.Phase() == Finishing) {
			c.rec = e.rec
			d.wg.Add(1)
			go d.waitCapture(c.gen, e.rec)
		} else {
			d.wipeEvent(e)
		}
	case Captured:
		if current && d.m.Phase() == Transcribing {
			c.rec, c.res = nil, e.res
		} else {
			d.wipeEvent(e)
		}
	case Transcribed:
		if current && d.m.Phase() == Inserting {
			c.text = e.t.Text()
		}
	case StartFailed, Failed, Inserted:
		if current && d.m.Phase() == Idle {
			d.finish(e.out)
		}
	}
	for _, s := range steps {
		d.do(s, e)
	}
	d.setState(func(st *State) {
		st.Phase, st.Mode = d.m.Phase(), d.m.Mode
		if st.Phase != Recording {
			st.Level = capture.Level{}
		}
		if st.Phase == Idle || st.Phase == Starting {
			st.Elapsed = 0
		}
	})
}

// finish records the outcome of the current dictation and forgets it.
func (d *Dictator) finish(out *Outcome) {
	d.cur = nil
	if out == nil {
		out = &Outcome{}
	}
	// The notification goes first, so that whoever sees the outcome in the state sees it sent.
	if out.Err != nil && d.cfg.Notifier != nil && !out.Cancelled {
		title, body := Message(out)
		d.cfg.Notifier.Notify(d.base, title, body) // best effort
	}
	d.setState(func(st *State) { st.Last, st.Notice = out, "" })
}

func (d *Dictator) do(s Step, e event) {
	c := d.cur
	switch s.Action {
	case StartCapture:
		opts := d.cfg.Options()
		opts.Mode = d.m.Mode
		c = &run{gen: s.Gen, opts: opts, focused: make(chan struct{})}
		d.cur = c
		d.setState(func(st *State) { st.Notice = "" })
		d.wg.Add(2)
		go func() {
			defer d.wg.Done()
			defer close(c.focused)
			c.window, c.winErr = d.cfg.Inserter.Focus(d.base)
		}()
		go d.startCapture(c.gen, opts)
	case StopCapture:
		if c != nil && c.gen == s.Gen {
			c.stopAt = e.at
			if e.ev == Started {
				c.stopAt = c.keyAt
			}
			if c.rec != nil {
				rec := c.rec
				go rec.Stop() // waitCapture reports Captured
			}
		}
	case DiscardCapture:
		if c != nil && c.gen == s.Gen {
			if c.rec != nil {
				rec := c.rec
				d.wg.Add(1)
				go func() { defer d.wg.Done(); res := rec.Stop(); res.Wipe() }() // waitCapture's result is stale
			}
			if c.res != nil {
				c.res.Wipe()
			}
			d.finish(&Outcome{Cancelled: true})
		}
	case Transcribe:
		ctx, cancel := context.WithCancel(d.base)
		c.cancel = cancel
		res := c.res
		c.res = nil
		d.setState(func(st *State) { st.Elapsed = res.Duration() })
		d.wg.Add(1)
		go d.transcribe(ctx, c, res)
	case AbortTranscribe, AbortInsert:
		if c != nil && c.gen == s.Gen {
			if c.cancel != nil {
				c.cancel()
			}
			d.finish(&Outcome{Cancelled: true, Duration: d.State().Elapsed})
		}
	case Insert:
		ctx, cancel := context.WithCancel(d.base)
		c.cancel = cancel
		d.wg.Add(1)
		go d.insert(ctx, c, c.text, d.State().Elapsed)
	case Busy:
		d.setState(func(st *State) { st.Notice = "Still finishing the last dictation." })
	}
}

func (d *Dictator) startCapture(gen uint64, opts Options) {
	defer d.wg.Done()
	cc := d.cfg.Capture
	cc.DeviceID = opts.DeviceID
	cc.OnLevel = d.level
	rec, err := capture.Start(d.base, d.cfg.Backend, cc)
	if err != nil {
		d.send(event{ev: StartFailed, gen: gen, out: &Outcome{Err: fmt.Errorf("dictation: start recording: %w", err)}})
		return
	}
	d.send(event{ev: Started, gen: gen, rec: rec})
}

func (d *Dictator) waitCapture(gen uint64, rec *capture.Recording) {
	defer d.wg.Done()
	res := rec.Wait()
	d.send(event{ev: Captured, gen: gen, res: &res})
}

func (d *Dictator) level(l capture.Level) {
	d.setState(func(st *State) {
		if st.Phase == Recording {
			st.Level, st.Elapsed = l, l.Elapsed
		}
	})
}

func (d *Dictator) transcribe(ctx context.Context, c *run, res *capture.Result) {
	defer d.wg.Done()
	fail := func(err error) {
		d.send(event{ev: Failed, gen: c.gen, out: &Outcome{Err: err, Duration: res.Duration(), StopAt: c.stopAt}})
	}
	defer res.Wipe()
	if res.Duration() < minDuration {
		fail(ErrNothingRecorded)
		return
	}
	eng, err := d.cfg.Engine(ctx, c.opts.Model)
	if err != nil {
		fail(fmt.Errorf("dictation: load the model: %w", err))
		return
	}
	opt := d.cfg.EngineOptions
	if c.opts.Language != "" {
		opt.Language = c.opts.Language
	}
	if c.opts.Prompt != "" {
		opt.Prompt = c.opts.Prompt
	}
	t0 := time.Now()
	t, err := eng.Transcribe(ctx, res.Samples, opt)
	c.tdur = time.Since(t0)
	res.Wipe() // the audio is not needed any more, whatever happened
	switch {
	case err != nil:
		fail(fmt.Errorf("dictation: transcribe: %w", err))
	case strings.TrimSpace(t.Text()) == "":
		fail(ErrNoSpeech)
	default:
		t.Duration = res.Duration()
		d.send(event{ev: Transcribed, gen: c.gen, t: t})
	}
}

// Text returns what is inserted for text: its words with single spaces between them (the engine
// starts segments with a space) and the trailing choice.
func Text(text string, tr Trailing) string {
	s := strings.Join(strings.Fields(text), " ")
	switch tr {
	case TrailingSpace:
		s += " "
	case TrailingEnter:
		s += "\n"
	}
	return s
}

func (d *Dictator) insert(ctx context.Context, c *run, raw string, dur time.Duration) {
	defer d.wg.Done()
	text := strings.Join(strings.Fields(raw), " ")
	out := &Outcome{Text: text, Duration: dur, StopAt: c.stopAt, TranscribeTime: c.tdur}
	defer func() { d.send(event{ev: Inserted, gen: c.gen, out: out}) }()
	<-c.focused
	var err error
	if c.winErr != nil {
		err = fmt.Errorf("dictation: find the focused window: %w", c.winErr)
	}
	if err == nil && d.cfg.Guard != nil {
		if secure, gerr := d.cfg.Guard.SecureInput(ctx); gerr == nil && secure {
			err = ErrSecureField
		}
	}
	if err == nil {
		err = d.cfg.Inserter.Insert(ctx, c.window, Text(text, c.opts.Trailing))
		out.InsertedAt = time.Now()
		if err == nil {
			out.Inserted = true
		} else if ctx.Err() != nil {
			out.Cancelled = true
		}
		if err != nil {
			err = fmt.Errorf("dictation: insert: %w", err)
		}
	}
	var errs []error
	if err != nil && !out.Cancelled {
		errs = append(errs, err)
		// Not typed: keep the text on the clipboard, except where it would have gone to a password
		// field (the user may have dictated a secret).
		if d.cfg.Clipboard != nil && !errors.Is(err, ErrSecureField) {
			if cerr := d.cfg.Clipboard(ctx, text); cerr != nil {
				errs = append(errs, fmt.Errorf("copy to the clipboard: %w", cerr))
			} else {
				out.Copied = true
			}
		}
	}
	if c.opts.Save && d.cfg.Saver != nil && !out.Cancelled {
		t := &transcript.Transcript{}
		now := d.cfg.Now()
		t.Title = "Dictation " + now.Format("2006-01-02 15:04")
		t.Created, t.Duration, t.Level = now, dur, c.opts.Level
		if t.Level == "" {
			t.Level = transcript.Standard
		}
		t.Segments = []transcript.Segment{{Start: 0, End: dur, Text: text}}
		if serr := d.cfg.Saver.Save(d.base, t); serr != nil {
			errs = append(errs, fmt.Errorf("save to the library: %w", serr))
		} else {
			out.Saved = true
		}
	}
	out.Err = errors.Join(errs...)
}

// Message is the notification for an outcome with an error. It never contains the text.
func Message(o *Outcome) (title, body string) {
	switch {
	case errors.Is(o.Err, ErrNothingRecorded):
		return "Nothing dictated", "The recording was too short; hold the shortcut while you speak."
	case errors.Is(o.Err, ErrNoSpeech):
		return "No speech recognised", fmt.Sprintf("Nothing was said in the %s recorded.", o.Duration.Round(time.Second))
	case errors.Is(o.Err, ErrSecureField):
		return "Dictation not typed", "A password field has the focus; dictated text is never typed into one."
	case errors.Is(o.Err, textinput.ErrFocusChanged) && o.Copied:
		return "Dictation copied", "The focus moved to another window while you were dictating, so the text was put on the clipboard instead of typed."
	case o.Copied:
		return "Dictation copied", "The text could not be typed (" + o.Err.Error() + "); it is on the clipboard."
	}
	return "Dictation failed", o.Err.Error()
}

// setState changes the state and queues it for OnState.
func (d *Dictator) setState(f func(*State)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.state)
	if (d.cfg.OnState == nil && len(d.watchers) == 0) || d.evClosed {
		return
	}
	if n := len(d.queue); n > 0 && d.queue[n-1].Phase == d.state.Phase && d.queue[n-1].Last == d.state.Last {
		d.queue[n-1] = d.state // level updates coalesce for a slow OnState
	} else {
		d.queue = append(d.queue, d.state)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dictator) deliver() {
	defer close(d.evDone)
	for {
		<-d.wake
		d.mu.Lock()
		batch, closed := d.queue, d.evClosed
		d.queue = nil
		d.mu.Unlock()
		d.mu.Lock()
		ws := d.watchers
		d.mu.Unlock()
		for _, s := range batch {
			if d.cfg.OnState != nil {
				d.cfg.OnState(s)
			}
			for _, w := range ws {
				w(s)
			}
		}
		if closed {
			return
		}
	}
}
