// Package longform transcribes recordings of any length in bounded memory.
//
// The audio is decoded as a stream (audio.StreamFile) into a buffer that never holds more than
// one window (Config.Window, two minutes by default, plus a quarter for finding a pause). When
// the buffer is full, a cut is chosen in the middle of the longest pause near the window's target
// length (pauses come from a SpeechDetector: Energy by default, a voice-activity model where one
// is plugged in); without a pause, at the quietest 100 ms. The window before the cut is
// transcribed, its timestamps are moved to the file's timeline, and the rest of the buffer moves
// to the front. whisper's text context carries across cuts: each window is prompted with the
// user's prompt and the last Config.ContextChars characters of the text before it.
//
// A file that fits in one window is transcribed in one call with the options it would get
// without this package, so short files give exactly today's result.
//
// Repetition loops (whisper.cpp #2755): a window whose text repeats itself (Looping: the same
// segment three times in a row, one word n-gram repeated over twelve words or more, or whisper's
// compression-ratio test above 2.4) is decoded again with the text context cleared and
// temperature fallback, up to Config.MaxRetries times. If it still loops, one copy is kept,
// stretched over the span of the repeats, and marked transcript.Segment.Uncertain, so the editor
// can show it and offer to re-run the span; no audio is dropped without a mark.
//
// Resume: finished windows go to a Checkpoint (text and times, never audio). Windows are cut
// from the audio alone, so a restarted job cuts the same windows, takes the finished ones from
// the checkpoint and continues with the same text context: the result equals an uninterrupted
// run's.
package longform

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// SampleRate is the rate of the samples windows hold.
const SampleRate = audio.TargetRate

// DefaultWindow is the default target window length.
const DefaultWindow = 2 * time.Minute

// WindowOptions is what changes from one window's transcription to the next.
type WindowOptions struct {
	// Prompt is the text to condition on: the user's prompt and the end of the text before this
	// window; just the user's prompt on a retry.
	Prompt string
	// Retry is 0 for the first decode of a window, and 1, 2, ... for re-decodes of a looping one,
	// which should start at a higher temperature (0.2 × Retry) with temperature fallback on.
	Retry int
	// Progress receives 0..100 for this window.
	Progress func(percent int)
}

// Transcriber transcribes one window of 16 kHz mono samples, with timestamps from its start.
type Transcriber interface {
	TranscribeWindow(ctx context.Context, samples []float32, w WindowOptions) (*transcript.Transcript, error)
}

// TranscriberFunc adapts a function to Transcriber.
type TranscriberFunc func(ctx context.Context, samples []float32, w WindowOptions) (*transcript.Transcript, error)

// TranscribeWindow implements Transcriber.
func (f TranscriberFunc) TranscribeWindow(ctx context.Context, samples []float32, w WindowOptions) (*transcript.Transcript, error) {
	return f(ctx, samples, w)
}

// Window is a finished window as a Checkpoint keeps it: where it lies in the file and its
// segments on the file's timeline. It holds no audio.
type Window struct {
	Start    int64                `json:"start"` // samples
	End      int64                `json:"end"`
	Language string               `json:"language,omitempty"`
	Segments []transcript.Segment `json:"segments"`
}

// Checkpoint keeps the finished windows of a job so that it can resume.
type Checkpoint interface {
	// Load returns the windows saved so far, in order.
	Load() ([]Window, error)
	// Save adds a finished window.
	Save(w Window) error
}

// Config configures Run. The zero value is the default.
type Config struct {
	Window       time.Duration  // target window length; 0: DefaultWindow
	Detector     SpeechDetector // nil: Energy{}
	Prompt       string         // the user's prompt, given to every window
	ContextChars int            // characters of text carried to the next window; 0: 200, < 0: none
	MaxRetries   int            // re-decodes of a looping window; 0: 2, < 0: none
	Checkpoint   Checkpoint     // nil: no resume
	// Progress receives 0..100, monotonically; 100 once at the end.
	Progress func(percent int)
	// Observe, when set, is shown the window buffer (all of its capacity) once, before any audio
	// is in it; Run zeroes it before returning (tests check that no audio outlives the job).
	Observe func(buffer []float32)
}

// Result is what Run returns.
type Result struct {
	Segments []transcript.Segment
	Language string // the first window's detected or chosen language
	Model    string // as the engine names it
	Duration time.Duration
	Windows  int // windows transcribed or resumed
	Resumed  int // windows taken from the checkpoint
	Loops    int // windows that looped at first
	Marked   int // windows that still looped and were marked uncertain
}

// Source streams 16 kHz mono samples to fn (see audio.StreamFile); read is the fraction of the
// input read so far, or -1.
type Source func(fn func(samples []float32, read float64) error) (int64, error)

// FileSource streams the audio file at path.
func FileSource(ctx context.Context, path string, opt audio.Options) Source {
	return func(fn func([]float32, float64) error) (int64, error) {
		return audio.StreamFile(ctx, path, opt, fn)
	}
}

// SamplesSource streams samples already in memory, in chunks.
func SamplesSource(samples []float32) Source {
	return func(fn func([]float32, float64) error) (int64, error) {
		const chunk = 4096
		for i := 0; i < len(samples); i += chunk {
			j := min(i+chunk, len(samples))
			if err := fn(samples[i:j], float64(j)/float64(len(samples))); err != nil {
				return int64(i), err
			}
		}
		return int64(len(samples)), nil
	}
}

// ErrCheckpoint reports a checkpoint that does not fit the audio (another file, other settings).
var ErrCheckpoint = errors.New("longform: checkpoint does not match the audio")

// Run transcribes what src streams, window by window. A decode error that leaves audio behind
// (a damaged file) is returned with the result for the audio before it.
func Run(ctx context.Context, src Source, tr Transcriber, cfg Config) (*Result, error) {
	r, err := newRunner(ctx, tr, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(r.buf[:cap(r.buf)]) // no copy of the audio outlives the job
	if cfg.Observe != nil {
		cfg.Observe(r.buf[:cap(r.buf)])
	}
	n, derr := src(r.push)
	if r.err != nil {
		return nil, r.err
	}
	if derr != nil && n == 0 {
		return nil, fmt.Errorf("decode: %w", derr)
	}
	if derr != nil {
		derr = fmt.Errorf("decode: %w", derr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(r.buf) > 0 {
		if err := r.window(r.buf, 1, true); err != nil {
			return nil, err
		}
	}
	if r.done < len(r.saved) {
		return nil, fmt.Errorf("%w: it has %d windows, the audio gave %d", ErrCheckpoint, len(r.saved), r.done)
	}
	r.res.Duration = time.Duration(r.off+int64(len(r.buf))) * time.Second / SampleRate
	r.report(100)
	return &r.res, derr
}

type runner struct {
	ctx      context.Context
	tr       Transcriber
	cfg      Config
	target   int       // samples
	maxLen   int       // samples: the buffer's capacity
	buf      []float32 // samples from off on
	off      int64
	context  string // text carried to the next window
	saved    []Window
	done     int // windows finished
	readCut  float64
	lastPct  int
	res      Result
	err      error
	language string
}

func newRunner(ctx context.Context, tr Transcriber, cfg Config) (*runner, error) {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Detector == nil {
		cfg.Detector = Energy{}
	}
	if cfg.ContextChars == 0 {
		cfg.ContextChars = 200
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	target := max(int(cfg.Window.Seconds()*SampleRate), 10*SampleRate)
	r := &runner{ctx: ctx, tr: tr, cfg: cfg, target: target, maxLen: target + target/4, lastPct: -1}
	r.buf = make([]float32, 0, r.maxLen+8192)
	if cfg.Checkpoint != nil {
		w, err := cfg.Checkpoint.Load()
		if err != nil {
			return nil, fmt.Errorf("load checkpoint: %w", err)
		}
		r.saved = w
	}
	return r, nil
}

// push takes decoded samples; whenever the buffer is full, a window is cut and transcribed.
func (r *runner) push(x []float32, read float64) error {
	for len(x) > 0 {
		n := min(len(x), r.maxLen-len(r.buf))
		r.buf = append(r.buf, x[:n]...)
		x = x[n:]
		if len(r.buf) < r.maxLen {
			break
		}
		cut := r.cut()
		if err := r.window(r.buf[:cut], read, false); err != nil {
			r.err = err
			return err
		}
		r.off += int64(cut)
		r.buf = r.buf[:copy(r.buf, r.buf[cut:])]
	}
	return r.ctx.Err()
}

// cut chooses where the full buffer's window ends: the middle of the longest pause in the last
// stretch (from three quarters of the target length on), the nearest to the target on a tie.
func (r *runner) cut() int {
	lo := r.target * 3 / 4
	part := r.buf[lo:]
	best, bestLen := -1, 0
	for _, p := range pauses(r.cfg.Detector.Speech(part), len(part)) {
		l := p.End - p.Start
		mid := lo + (p.Start+p.End)/2
		if l > bestLen || (l == bestLen && abs(mid-r.target) < abs(best-r.target)) {
			best, bestLen = mid, l
		}
	}
	if best < 0 || bestLen < 1600 {
		best = lo + quietest(part)
	}
	return min(max(best, 1), len(r.buf))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// window transcribes (or takes from the checkpoint) the samples x, which start at r.off. The
// times of all but the last window are kept inside the window (whisper may place an end past the
// audio it was given); the last window's are left as the engine gives them, as without windows.
func (r *runner) window(x []float32, read float64, last bool) error {
	start, end := r.off, r.off+int64(len(x))
	prevRead := r.readCut
	if read >= 0 {
		r.readCut = read
	}
	progress := func(p int) {
		if read < 0 {
			return
		}
		r.report(int((prevRead + (r.readCut-prevRead)*float64(p)/100) * 99))
	}
	var w Window
	if r.done < len(r.saved) {
		w = r.saved[r.done]
		if w.Start != start || w.End != end {
			return fmt.Errorf("%w: window %d was %d..%d, now %d..%d", ErrCheckpoint, r.done+1, w.Start, w.End, start, end)
		}
		r.res.Resumed++
	} else {
		segs, lang, err := r.transcribe(x, progress)
		if err != nil {
			return fmt.Errorf("transcribe %s..%s: %w", clock(start), clock(end), err)
		}
		offset := time.Duration(start) * time.Second / SampleRate
		limit := time.Duration(end) * time.Second / SampleRate
		if last {
			limit = time.Duration(math.MaxInt64)
		}
		for i := range segs {
			shift(&segs[i], offset, limit)
		}
		w = Window{Start: start, End: end, Language: lang, Segments: segs}
		if r.cfg.Checkpoint != nil {
			if err := r.cfg.Checkpoint.Save(w); err != nil {
				return fmt.Errorf("save checkpoint: %w", err)
			}
		}
	}
	r.done++
	r.res.Windows++
	if r.res.Language == "" {
		r.res.Language = w.Language
	}
	r.res.Segments = append(r.res.Segments, w.Segments...)
	r.carry(w.Segments)
	progress(100)
	return nil
}

// transcribe runs the engine on one window, with the loop guard.
func (r *runner) transcribe(x []float32, progress func(int)) ([]transcript.Segment, string, error) {
	opt := WindowOptions{Prompt: joinPrompt(r.cfg.Prompt, r.context), Progress: progress}
	t, err := r.tr.TranscribeWindow(r.ctx, x, opt)
	if err != nil {
		return nil, "", err
	}
	if r.res.Model == "" {
		r.res.Model = t.Model
	}
	if !Looping(t.Segments) {
		return t.Segments, t.Language, nil
	}
	r.res.Loops++
	for retry := 1; retry <= r.cfg.MaxRetries; retry++ {
		rt, err := r.tr.TranscribeWindow(r.ctx, x, WindowOptions{Prompt: r.cfg.Prompt, Retry: retry})
		if err != nil {
			return nil, "", err
		}
		if !Looping(rt.Segments) {
			return rt.Segments, t.Language, nil
		}
	}
	r.res.Marked++
	return collapse(t.Segments), t.Language, nil
}

// carry keeps the end of the window's text as the next window's context.
func (r *runner) carry(segs []transcript.Segment) {
	if r.cfg.ContextChars < 0 {
		return
	}
	var b strings.Builder
	for _, s := range segs {
		if s.Uncertain {
			continue // never feed a loop back in
		}
		if t := strings.TrimSpace(s.Text); t != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		}
	}
	text := b.String()
	if text == "" {
		return
	}
	if rs := []rune(text); len(rs) > r.cfg.ContextChars {
		text = string(rs[len(rs)-r.cfg.ContextChars:])
		if i := strings.IndexByte(text, ' '); i >= 0 && i < len(text)-1 {
			text = text[i+1:] // start at a word
		}
	}
	r.context = text
}

func joinPrompt(user, context string) string {
	switch {
	case user == "":
		return context
	case context == "":
		return user
	}
	return user + " " + context
}

// shift moves a segment from the window's timeline to the file's, keeping it inside the window.
func shift(s *transcript.Segment, offset, limit time.Duration) {
	mv := func(t time.Duration) time.Duration { return min(t, limit-offset) + offset }
	s.Start, s.End = mv(s.Start), mv(s.End)
	for i := range s.Words {
		s.Words[i].Start, s.Words[i].End = mv(s.Words[i].Start), mv(s.Words[i].End)
	}
}

func (r *runner) report(p int) {
	p = min(max(p, 0), 100)
	if r.cfg.Progress != nil && p > r.lastPct && (p < 100 || r.lastPct < 100) {
		if p == 100 || p <= 99 {
			r.lastPct = p
			r.cfg.Progress(p)
		}
	}
}

func clock(samples int64) string {
	d := time.Duration(samples) * time.Second / SampleRate
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
