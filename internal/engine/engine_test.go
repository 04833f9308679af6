package engine

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

func TestOpenBadModel(t *testing.T) {
	good, err := os.ReadFile(testmodel.ForTest(t, testmodel.Micro))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	badMagic := bytes.Clone(good[:1<<20])
	badMagic[0] = 'x'
	hugeVocab := bytes.Clone(good)
	hugeVocab[4] = 0xff // n_vocab
	hugeVocab[5] = 0xff
	badHeads := bytes.Clone(good)
	badHeads[16] = 5 // n_audio_head does not divide the state
	cases := map[string][]byte{
		"empty":        {},
		"garbage":      bytes.Repeat([]byte("not a model "), 100),
		"bad magic":    badMagic,
		"header only":  good[:48],
		"truncated":    good[:len(good)/2],
		"one byte off": good[:len(good)-1],
		"trailing":     append(bytes.Clone(good), 1, 2, 3),
		"huge vocab":   hugeVocab,
		"bad heads":    badHeads,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".bin")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			e, err := Open(p, Config{})
			if err == nil {
				e.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrModel) {
				t.Fatalf("error %v does not match ErrModel", err)
			}
		})
	}
	for _, p := range []string{filepath.Join(dir, "missing.bin"), dir} {
		if _, err := Open(p, Config{}); !errors.Is(err, ErrModel) {
			t.Errorf("Open(%s) = %v, want ErrModel", p, err)
		}
	}
}

func TestInfo(t *testing.T) {
	for _, tc := range []struct {
		shape testmodel.Shape
		typ   string
	}{{testmodel.Micro, "unknown"}, {testmodel.Tiny, "tiny"}} {
		e := testEngine(t, tc.shape)
		info := e.Info()
		if info.Type != tc.typ || !info.Multilingual || info.Backend != "cpu" || info.Name != filepath.Base(info.Path) || !strings.Contains(info.System, "CPU") {
			t.Errorf("%s: Info() = %+v", tc.shape.Name, info)
		}
	}
}

func TestTranscribe(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "jfk.flac")
	tr, err := e.Transcribe(context.Background(), samples, Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Language != "en" || len(tr.Segments) == 0 || tr.Model != e.Info().Name {
		t.Fatalf("transcript = %+v", tr)
	}
	if d := tr.Duration.Seconds(); math.Abs(d-11) > 0.1 {
		t.Errorf("duration = %v", tr.Duration)
	}
	for i, s := range tr.Segments {
		if s.End < s.Start || (i > 0 && s.Start < tr.Segments[i-1].Start) || strings.TrimSpace(s.Text) == "" {
			t.Errorf("segment %d = %+v", i, s)
		}
		if s.Words != nil {
			t.Errorf("segment %d has words without WordTimestamps", i)
		}
	}
}

func TestOptions(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "librispeech_a.flac")
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"auto", Options{}},
		{"translate", Options{Language: "de", Translate: true}},
		{"prompt", Options{Language: "en", Prompt: "ComfyUI hushscribe"}},
		{"beam", Options{Language: "en", BeamSize: 3}},
		{"fallback", Options{Language: "en", TemperatureFallback: true}},
		{"max length", Options{Language: "en", MaxSegmentLength: 10}},
		{"no speech threshold", Options{Language: "en", NoSpeechThreshold: 0.3}},
		{"one thread", Options{Language: "EN", Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := e.Transcribe(context.Background(), samples, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Language == "" {
				t.Error("no language")
			}
		})
	}
}

func TestUnknownLanguage(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	for _, lang := range []string{"xx", "german", "en-US"} { // codes only
		_, err := e.Transcribe(context.Background(), make([]float32, 16000), Options{Language: lang})
		if !errors.Is(err, ErrLanguage) {
			t.Errorf("%s: err = %v, want ErrLanguage", lang, err)
		}
	}
}

func TestSilence(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	rng := rand.New(rand.NewPCG(1, 2))
	quiet := make([]float32, 10*SampleRate)
	for i := range quiet {
		quiet[i] = float32(rng.NormFloat64() * 1e-4) // -80 dBFS noise floor
	}
	for name, samples := range map[string][]float32{
		"empty": nil, "short": make([]float32, 100), "zeros": make([]float32, 10*SampleRate), "quiet": quiet,
	} {
		t.Run(name, func(t *testing.T) {
			var got []int
			tr, err := e.Transcribe(context.Background(), samples, Options{Language: "auto", Progress: func(p int) { got = append(got, p) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Segments) != 0 || tr.Segments == nil {
				t.Errorf("segments = %#v", tr.Segments)
			}
			// whisper.cpp reports progress 0 when it starts; the gate skipped it entirely.
			if !reflect.DeepEqual(got, []int{100}) {
				t.Errorf("progress = %v, want [100] (model was called)", got)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "jfk.flac")
	samples = loop(samples, 35*SampleRate) // two windows
	var got []int
	if _, err := e.Transcribe(context.Background(), samples, Options{Language: "en", Progress: func(p int) { got = append(got, p) }}); err != nil {
		t.Fatal(err)
	}
	if len(got) < 3 || got[len(got)-1] != 100 {
		t.Fatalf("progress = %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] || got[i] > 100 || got[i-1] < 0 {
			t.Fatalf("progress not strictly increasing: %v", got)
		}
	}
}

// TestSegmentCallback: the segments streamed while decoding are, in order, exactly the segments
// of the finished transcript (without words), and each arrives before Transcribe returns.
func TestSegmentCallback(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "jfk.flac")
	samples = loop(samples, 35*SampleRate) // two windows, so segments arrive in two batches
	var streamed []transcript.Segment
	var progressAt []int // progress already reported when each segment arrived
	last := 0
	tr, err := e.Transcribe(context.Background(), samples, Options{Language: "en",
		Progress: func(p int) { last = p },
		Segment: func(s transcript.Segment) {
			streamed = append(streamed, s)
			progressAt = append(progressAt, last)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) == 0 {
		t.Fatal("no segments")
	}
	want := make([]transcript.Segment, len(tr.Segments))
	for i, s := range tr.Segments {
		want[i] = transcript.Segment{Start: s.Start, End: s.End, Text: s.Text}
	}
	if !reflect.DeepEqual(streamed, want) {
		t.Fatalf("streamed segments differ from the transcript's:\n got %+v\nwant %+v", streamed, want)
	}
	for _, p := range progressAt {
		if p == 100 {
			t.Fatalf("a segment arrived after the transcription finished (progress %v)", progressAt)
		}
	}
}

func TestCancel(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "jfk.flac")
	// Two minutes: whisper.cpp computes the whole mel spectrogram before the first window and
	// cannot be interrupted there, so keep that part short.
	samples = loop(samples, 2*60*SampleRate)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progress []int
	cancelledAt := -1
	_, err := e.Transcribe(ctx, samples, Options{Language: "en", Progress: func(p int) {
		progress = append(progress, p)
		if p > 0 && cancelledAt < 0 {
			cancelledAt = len(progress)
			cancel() // after the first window
		}
	}})
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrCancelled and context.Canceled", err)
	}
	if len(progress) != cancelledAt {
		t.Errorf("kept going after cancel: progress %v", progress)
	}

	// Already cancelled: no work at all.
	if _, err := e.Transcribe(ctx, samples, Options{}); !errors.Is(err, ErrCancelled) {
		t.Errorf("err = %v, want ErrCancelled", err)
	}
}

func TestWordTimestamps(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, samples := decodeWAV(t, "jfk.flac")
	tr, err := e.Transcribe(context.Background(), samples, Options{Language: "en", WordTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	nwords := 0
	for i, s := range tr.Segments {
		if len(s.Words) == 0 {
			t.Errorf("segment %d %q has no words", i, s.Text)
		}
		prev := s.Start
		var text []string
		for j, w := range s.Words {
			if w.Start < prev || w.End < w.Start || w.End > s.End || w.Text == "" || w.Probability < 0 || w.Probability > 1 {
				t.Errorf("segment %d word %d = %+v (segment %v-%v)", i, j, w, s.Start, s.End)
			}
			prev = w.End
			text = append(text, w.Text)
		}
		if got, want := strings.Join(text, " "), strings.Join(strings.Fields(s.Text), " "); got != want {
			t.Errorf("segment %d words %q != text %q", i, got, want)
		}
		nwords += len(s.Words)
	}
	if nwords == 0 {
		t.Error("no words")
	}
}

func TestConcurrent(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	_, a := decodeWAV(t, "librispeech_a.flac")
	_, b := decodeWAV(t, "platforms_en.wav")
	opt := Options{Language: "en", WordTimestamps: true, Threads: 1}
	want := make([]any, 2)
	for i, s := range [][]float32{a, b} {
		tr, err := e.Transcribe(context.Background(), s, opt)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = tr
	}
	var wg sync.WaitGroup
	got := make([]any, 2)
	errs := make([]error, 2)
	for i, s := range [][]float32{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = e.Transcribe(context.Background(), s, opt)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("concurrent result %d differs from sequential", i)
		}
	}
}

func TestClosed(t *testing.T) {
	e, err := Open(testmodel.ForTest(t, testmodel.Micro), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Transcribe(context.Background(), make([]float32, SampleRate), Options{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

func TestSilent(t *testing.T) {
	for _, tc := range []struct {
		name string
		amp  float32
		want bool
	}{{"zero", 0, true}, {"-70dB", 0.0003, true}, {"-50dB", 0.003, false}} {
		s := make([]float32, SampleRate)
		for i := range s {
			s[i] = tc.amp * float32(math.Sin(float64(i)/5)) * math.Sqrt2
		}
		if got := silent(s); got != tc.want {
			t.Errorf("%s: silent = %v", tc.name, got)
		}
	}
	// The gate's edges: a steady tone just above -60 dBFS RMS passes, just below is silence.
	// (A gate moved to -54 or -66 dBFS fails one of these.)
	for _, tc := range []struct {
		dB   float64
		want bool
	}{{-59.5, false}, {-59.9, false}, {-60.1, true}, {-60.5, true}} {
		rms := math.Pow(10, tc.dB/20)
		s := make([]float32, SampleRate)
		for i := range s {
			s[i] = float32(rms * math.Sqrt2 * math.Sin(2*math.Pi*float64(i)/float64(SampleRate/50)*4))
		}
		if got := silent(s); got != tc.want {
			t.Errorf("tone at %.1f dBFS RMS: silent = %v, want %v", tc.dB, got, tc.want)
		}
		// One such 20 ms frame in otherwise digital silence decides alone.
		burst := make([]float32, 3*SampleRate)
		copy(burst[SampleRate:SampleRate+SampleRate/50], s)
		if got := silent(burst); got != tc.want {
			t.Errorf("one 20 ms frame at %.1f dBFS: silent = %v, want %v", tc.dB, got, tc.want)
		}
	}
	// One loud 20 ms frame is enough.
	s := make([]float32, 5*SampleRate)
	for i := 3 * SampleRate; i < 3*SampleRate+320; i++ {
		s[i] = 0.01
	}
	if silent(s) {
		t.Error("short burst treated as silence")
	}
}

func TestWords(t *testing.T) {
	tok := func(text string, t0, t1 int64, p float32) rawToken {
		return rawToken{text: text, t0: t0, t1: t1, p: p, isText: true}
	}
	seg := rawSegment{t0: 100, t1: 300, tokens: []rawToken{
		{text: "[_BEG_]", t0: 100, t1: 100},
		tok(" he", 100, 120, 0.5), tok("llo", 120, 150, 1),
		tok(" world", 140, 400, 0.25), // overlaps the previous word, ends after the segment
		tok(" ", 200, 210, 1),         // blank word: dropped
	}}
	got := words(seg)
	want := []struct {
		text       string
		start, end int64
		p          float32
	}{{"hello", 100, 150, 0.75}, {"world", 150, 300, 0.25}}
	if len(got) != len(want) {
		t.Fatalf("words = %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Text != w.text || g.Start != centis(w.start) || g.End != centis(w.end) || g.Probability != w.p {
			t.Errorf("word %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestGateEdgesThroughTranscribe runs the gate's edges through Transcribe with the real model:
// at -61 dBFS the model is never called (progress is only the final 100), at -59 dBFS it is.
func TestGateEdgesThroughTranscribe(t *testing.T) {
	e := testEngine(t, testmodel.Micro)
	for _, tc := range []struct {
		dB     float64
		called bool
	}{{-61, false}, {-59, true}} {
		rms := math.Pow(10, tc.dB/20)
		s := make([]float32, 2*SampleRate)
		for i := range s {
			s[i] = float32(rms * math.Sqrt2 * math.Sin(2*math.Pi*440*float64(i)/SampleRate))
		}
		var got []int
		if _, err := e.Transcribe(context.Background(), s, Options{Language: "en", Threads: 1, Progress: func(p int) { got = append(got, p) }}); err != nil {
			t.Fatal(err)
		}
		if called := !reflect.DeepEqual(got, []int{100}); called != tc.called {
			t.Errorf("%v dBFS: model called = %v (progress %v), want %v", tc.dB, called, got, tc.called)
		}
	}
}

// TestEmptySegmentsDropped: segments whose text is empty or only white space never reach the
// transcript; the others keep their order, times and words.
func TestEmptySegmentsDropped(t *testing.T) {
	res := &result{language: "en", segments: []rawSegment{
		{t0: 0, t1: 100, text: " Hello", tokens: []rawToken{{text: " Hello", p: 0.9, t0: 0, t1: 100, isText: true}}},
		{t0: 100, t1: 200, text: ""},
		{t0: 200, t1: 300, text: "   \t\n"},
		{t0: 300, t1: 400, text: " world", tokens: []rawToken{{text: " world", p: 0.8, t0: 300, t1: 400, isText: true}}},
	}}
	tr := toTranscript(res, 4*time.Second, "m", true)
	if len(tr.Segments) != 2 || tr.Segments[0].Text != " Hello" || tr.Segments[1].Text != " world" {
		t.Fatalf("segments = %#v, want the two with text", tr.Segments)
	}
	if tr.Segments[1].Start != 3*time.Second || len(tr.Segments[1].Words) != 1 {
		t.Errorf("second segment = %#v", tr.Segments[1])
	}
	if empty := toTranscript(&result{segments: []rawSegment{{text: " "}}}, 0, "m", false); empty.Segments == nil || len(empty.Segments) != 0 {
		t.Errorf("all-empty result: segments = %#v, want an empty non-nil list", empty.Segments)
	}
}
