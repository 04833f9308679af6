package longform

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// The fake recording: "words" are 0.8 s tone bursts whose amplitude encodes a number, separated
// by gaps of silence (0.2 s within a sentence, 1.5 s between sentences of 8 words). The fake
// engine hears the bursts in whatever window it gets and writes "w<number>" for each, with the
// burst's times: so lost, doubled or misplaced audio shows in the text and the timestamps.

const (
	burstLen = 12800 // 0.8 s
	shortGap = 3200
	longGap  = 24000
)

func amp(id int) float32 { return 0.05 + 0.004*float32(id%200) }

// recording returns n words of fake speech and, for each word, the sample where it starts.
func recording(n int) ([]float32, []int) {
	var x []float32
	var starts []int
	for id := range n {
		starts = append(starts, len(x))
		a := amp(id)
		for i := range burstLen {
			if i/20%2 == 0 {
				x = append(x, a)
			} else {
				x = append(x, -a)
			}
		}
		gap := shortGap
		if id%8 == 7 {
			gap = longGap
		}
		x = append(x, make([]float32, gap)...)
	}
	return x, starts
}

// fakeEngine turns bursts into words. loopOn makes the window that holds that word answer with a
// repetition loop (on every decode if always, else only on the first).
type fakeEngine struct {
	loopOn  int
	always  bool
	calls   int
	prompts []string
	retries []int
	maxLen  int
	failAt  int // fail (as if the app quit) on this call; 0: never
}

func (f *fakeEngine) TranscribeWindow(ctx context.Context, x []float32, w WindowOptions) (*transcript.Transcript, error) {
	f.calls++
	if f.calls == f.failAt {
		return nil, context.Canceled
	}
	f.prompts = append(f.prompts, w.Prompt)
	f.retries = append(f.retries, w.Retry)
	f.maxLen = max(f.maxLen, len(x))
	t := &transcript.Transcript{Language: "en"}
	loop := false
	for i := 0; i < len(x); {
		if math.Abs(float64(x[i])) < 0.01 {
			i++
			continue
		}
		j := i
		var peak float32
		for j < len(x) && math.Abs(float64(x[j])) >= 0.01 {
			peak = max(peak, float32(math.Abs(float64(x[j]))))
			j++
		}
		id := int(math.Round(float64((peak - 0.05) / 0.004)))
		if id == f.loopOn && (f.always || w.Retry == 0) {
			loop = true
		}
		t.Segments = append(t.Segments, transcript.Segment{Start: samples(i), End: samples(j), Text: fmt.Sprintf(" w%d", id)})
		i = j
	}
	if loop {
		var segs []transcript.Segment
		for k := range 12 {
			segs = append(segs, transcript.Segment{Start: time.Duration(k) * time.Second, End: time.Duration(k+1) * time.Second, Text: " And so it goes on."})
		}
		t.Segments = segs
	}
	return t, nil
}

func samples(n int) time.Duration { return time.Duration(n) * time.Second / SampleRate }

func texts(segs []transcript.Segment) string {
	var b []string
	for _, s := range segs {
		b = append(b, strings.TrimSpace(s.Text))
	}
	return strings.Join(b, " ")
}

func want(n int) string {
	var b []string
	for id := range n {
		b = append(b, fmt.Sprintf("w%d", id))
	}
	return strings.Join(b, " ")
}

// A long recording is cut into windows at pauses: every word comes out once, in order, at its
// time in the file; no window is longer than the buffer; each window after the first is prompted
// with the user's prompt and the end of the text before it.
func TestWindows(t *testing.T) {
	x, starts := recording(160) // about 3.2 minutes
	f := &fakeEngine{loopOn: -1}
	var pcts []int
	res, err := Run(context.Background(), SamplesSource(x), f, Config{Window: 40 * time.Second, Prompt: "Glossary:", Progress: func(p int) { pcts = append(pcts, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(res.Segments); got != want(160) {
		t.Fatalf("text:\n%s\nwant:\n%s", got, want(160))
	}
	for i, s := range res.Segments {
		if d := s.Start - samples(starts[i]); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("word %d at %v, recorded at %v", i, s.Start, samples(starts[i]))
		}
	}
	if res.Windows < 4 || f.maxLen > 50*SampleRate {
		t.Errorf("%d windows, longest %d samples", res.Windows, f.maxLen)
	}
	if f.prompts[0] != "Glossary:" {
		t.Errorf("first prompt %q", f.prompts[0])
	}
	for i, p := range f.prompts[1:] {
		if !strings.HasPrefix(p, "Glossary: ") || len(p) > len("Glossary: ")+200 || !strings.Contains(p, "w") {
			t.Errorf("prompt %d: %q", i+2, p)
		}
	}
	if res.Duration != samples(len(x)) || res.Language != "en" {
		t.Errorf("duration %v, language %q", res.Duration, res.Language)
	}
	for i := 1; i < len(pcts); i++ {
		if pcts[i] <= pcts[i-1] {
			t.Errorf("progress %v not increasing", pcts)
			break
		}
	}
	if len(pcts) == 0 || pcts[len(pcts)-1] != 100 {
		t.Errorf("progress %v does not end at 100", pcts)
	}
}

// A file shorter than a window is transcribed in one call, with the user's prompt only: the
// same call as without windows.
func TestShortFileOneCall(t *testing.T) {
	x, _ := recording(10)
	f := &fakeEngine{loopOn: -1}
	res, err := Run(context.Background(), SamplesSource(x), f, Config{Prompt: "Names"})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 1 || f.maxLen != len(x) || f.prompts[0] != "Names" || texts(res.Segments) != want(10) {
		t.Errorf("%d calls, %d of %d samples, prompt %q, text %q", f.calls, f.maxLen, len(x), f.prompts[0], texts(res.Segments))
	}
}

// With no pause at all the window is still cut (at the quietest spot) and nothing is lost.
func TestNoPause(t *testing.T) {
	x := make([]float32, 100*SampleRate)
	for i := range x {
		x[i] = 0.3 * float32(math.Sin(float64(i)*0.05)) * float32(1+0.5*math.Sin(float64(i)/5000))
	}
	var got int
	_, err := Run(context.Background(), SamplesSource(x), TranscriberFunc(func(_ context.Context, s []float32, _ WindowOptions) (*transcript.Transcript, error) {
		got += len(s)
		return &transcript.Transcript{}, nil
	}), Config{Window: 20 * time.Second})
	if err != nil || got != len(x) {
		t.Errorf("%v; %d of %d samples transcribed", err, got, len(x))
	}
}

// A window that loops is decoded again with the context cleared and temperature fallback; the
// retry's text is kept and has no repeated run.
func TestLoopRedecoded(t *testing.T) {
	x, _ := recording(80)
	f := &fakeEngine{loopOn: 50}
	res, err := Run(context.Background(), SamplesSource(x), f, Config{Window: 40 * time.Second, Prompt: "P"})
	if err != nil {
		t.Fatal(err)
	}
	if texts(res.Segments) != want(80) || Looping(res.Segments) {
		t.Errorf("text %q", texts(res.Segments))
	}
	if res.Loops != 1 || res.Marked != 0 {
		t.Errorf("loops %d, marked %d", res.Loops, res.Marked)
	}
	retried := false
	for i, r := range f.retries {
		if r > 0 {
			retried = true
			if f.prompts[i] != "P" {
				t.Errorf("retry prompted with %q, want the user's prompt only", f.prompts[i])
			}
		}
	}
	if !retried {
		t.Error("no retry")
	}
	for _, s := range res.Segments {
		if s.Uncertain {
			t.Errorf("segment %q marked uncertain", s.Text)
		}
	}
}

// A window that keeps looping keeps one copy, marked uncertain and covering the loop's span; the
// loop is not carried into the next window's prompt; the other windows are untouched.
func TestLoopMarked(t *testing.T) {
	x, _ := recording(80)
	f := &fakeEngine{loopOn: 50, always: true}
	res, err := Run(context.Background(), SamplesSource(x), f, Config{Window: 40 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var marked []transcript.Segment
	for _, s := range res.Segments {
		if s.Uncertain {
			marked = append(marked, s)
		}
	}
	if len(marked) != 1 || strings.TrimSpace(marked[0].Text) != "And so it goes on." || marked[0].End-marked[0].Start != 12*time.Second {
		t.Fatalf("marked %+v", marked)
	}
	if res.Marked != 1 || Looping(res.Segments) || strings.Count(texts(res.Segments), "goes on") != 1 {
		t.Errorf("marked %d, text %q", res.Marked, texts(res.Segments))
	}
	if !strings.Contains(texts(res.Segments), "w0 w1") || !strings.Contains(texts(res.Segments), "w79") {
		t.Errorf("other windows lost: %q", texts(res.Segments))
	}
	for _, p := range f.prompts {
		if strings.Contains(p, "goes on") {
			t.Errorf("loop carried into a prompt: %q", p)
		}
	}
}

func TestLooping(t *testing.T) {
	seg := func(s ...string) []transcript.Segment {
		var out []transcript.Segment
		for _, t := range s {
			out = append(out, transcript.Segment{Text: t})
		}
		return out
	}
	for _, c := range []struct {
		name string
		segs []transcript.Segment
		want bool
	}{
		{"speech", seg(" We met on Monday.", " The budget was approved.", " No, no, no, that is wrong."), false},
		{"same sentence", seg(" I will see you then.", " I will see you then.", " I will see you then."), true},
		{"n-gram run", seg(" and then we went to the shop and then we went to the shop and then we went to the shop and then we went to the shop"), true},
		{"one word", seg(" " + strings.Repeat("so ", 20)), true},
		{"compression", seg(" " + strings.Repeat("abcabcabd ", 30)), true},
		{"two repeats", seg(" Yes.", " Yes.", " No."), false},
		{"a word thrice", seg(" Yes.", " Yes.", " Yes."), false},
		{"thank you", seg(" Thank you.", " Thank you.", " Thank you.", " Thank you."), true},
		{"empty", nil, false},
	} {
		if got := Looping(c.segs); got != c.want {
			t.Errorf("%s: %v, want %v (ratio %.2f)", c.name, got, c.want, compressionRatio(texts(c.segs)))
		}
	}
	// collapse keeps one copy of an n-gram run inside a segment.
	out := collapse(seg(" Hello there. and so on and so on and so on and so on and so on and so on. Bye."))
	if len(out) != 1 || !out[0].Uncertain || strings.Count(out[0].Text, "so on") != 1 || !strings.Contains(out[0].Text, "Bye.") {
		t.Errorf("collapse: %+v", out)
	}
}

// A job stopped after two windows resumes from its checkpoint: the finished windows are not
// transcribed again and the final transcript equals an uninterrupted run's, for an in-memory and
// a file checkpoint (sealed like a Private job's).
func TestResume(t *testing.T) {
	x, _ := recording(160)
	cfg := Config{Window: 40 * time.Second, Prompt: "P"}
	full, err := Run(context.Background(), SamplesSource(x), &fakeEngine{loopOn: 100}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key := byte(0x5a)
	seal := func(b []byte) ([]byte, error) {
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = c ^ key
		}
		return out, nil
	}
	for name, cp := range map[string]Checkpoint{
		"memory": &MemoryCheckpoint{},
		"file":   FileCheckpoint{Path: filepath.Join(t.TempDir(), "job.ckpt"), Seal: seal, Open: seal},
	} {
		t.Run(name, func(t *testing.T) {
			c := cfg
			c.Checkpoint = cp
			_, err := Run(context.Background(), SamplesSource(x), &fakeEngine{loopOn: 100, failAt: 3}, c)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			saved, _ := cp.Load()
			if len(saved) != 2 {
				t.Fatalf("%d windows saved", len(saved))
			}
			f := &fakeEngine{loopOn: 100}
			res, err := Run(context.Background(), SamplesSource(x), f, c)
			if err != nil {
				t.Fatal(err)
			}
			if res.Resumed != 2 || f.calls != full.Windows-2+1 { // +1: the retry of the looping window
				t.Errorf("resumed %d, engine calls %d of %d windows", res.Resumed, f.calls, full.Windows)
			}
			if !reflect.DeepEqual(res.Segments, full.Segments) {
				t.Errorf("resumed transcript differs:\n%s\nwant\n%s", texts(res.Segments), texts(full.Segments))
			}
		})
	}
	// A checkpoint of other audio is refused, not mixed in.
	cp := &MemoryCheckpoint{}
	cp.Save(Window{Start: 0, End: 12345})
	if _, err := Run(context.Background(), SamplesSource(x), &fakeEngine{loopOn: -1}, Config{Window: 40 * time.Second, Checkpoint: cp}); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("mismatched checkpoint: %v", err)
	}
}

func TestEnergy(t *testing.T) {
	x, starts := recording(16)
	sp := Energy{}.Speech(x)
	// Sentences (8 words with short gaps) come out as one region each.
	if len(sp) != 2 {
		t.Fatalf("%d regions: %v", len(sp), sp)
	}
	if d := sp[0].Start - starts[0]; d < -480 || d > 480 {
		t.Errorf("first region starts at %d, speech at %d", sp[0].Start, starts[0])
	}
	if d := sp[1].Start - starts[8]; d < -480 || d > 480 {
		t.Errorf("second region starts at %d, speech at %d", sp[1].Start, starts[8])
	}
	if got := (Energy{}).Speech(make([]float32, 16000)); len(got) != 0 {
		t.Errorf("silence: %v", got)
	}
}
