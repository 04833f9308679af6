package export

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

const ms = time.Millisecond

// wordsFor splits text into whisper-style words (leading spaces, punctuation on its own) spread over
// [start, end) in proportion to their length, with a small pause after each.
func wordsFor(text string, start, end time.Duration) []transcript.Word {
	var toks []string
	for i, f := range strings.Fields(text) {
		lead := " "
		if i == 0 {
			lead = ""
		}
		core := strings.TrimRightFunc(f, unicode.IsPunct)
		if core == "" {
			core = f
		}
		toks = append(toks, lead+core)
		if rest := f[len(core):]; rest != "" {
			toks = append(toks, rest)
		}
	}
	total := 0
	for _, tk := range toks {
		total += len([]rune(strings.TrimSpace(tk)))
	}
	var words []transcript.Word
	pos := 0
	span := end - start
	for i, tk := range toks {
		n := len([]rune(strings.TrimSpace(tk)))
		ws := start + span*time.Duration(pos)/time.Duration(total)
		pos += n
		we := start + span*time.Duration(pos)/time.Duration(total)
		if we-ws > 40*ms {
			we -= 20 * ms // a short pause between words
		}
		words = append(words, transcript.Word{Start: ws, End: we, Text: tk, Probability: 0.5 + float32(i%5)/10})
	}
	return words
}

// richTranscript is the fixture behind the golden files: two speakers, word timestamps, unicode, a
// segment too long for one cue, HTML and Markdown specials, formula-like text and odd timings.
func richTranscript() *transcript.Transcript {
	long := "This is a deliberately long segment that cannot possibly fit on two subtitle lines of " +
		"forty-two characters, so the exporter must split it into several cues and share the time between them."
	return &transcript.Transcript{
		ID:         "tr_01",
		Title:      `Weekly sync: "Q&A" <draft>`,
		SourceName: "meeting.flac",
		SourceSize: 1234567,
		Duration:   75 * time.Second,
		Language:   "en",
		Model:      "ggml-base.en",
		Created:    time.Date(2024, 5, 1, 9, 30, 0, 123456789, time.UTC),
		Level:      transcript.Private,
		Speakers:   []transcript.Speaker{{ID: "S1", Name: "Alice Müller"}, {ID: "S2", Name: `Bob "B&B" <O'Neil>`}},
		Segments: []transcript.Segment{
			{Start: 0, End: 2500 * ms, Speaker: "S1", Text: " Hello everyone, welcome to the sync.",
				Words: wordsFor("Hello everyone, welcome to the sync.", 0, 2500*ms)},
			{Start: 2600 * ms, End: 4 * time.Second, Speaker: "S2", Text: `Thanks! Let's talk <b>Q&A</b> & "quotes" --> now.`},
			{Start: 4 * time.Second, End: 16 * time.Second, Speaker: "S1", Text: long, Words: wordsFor(long, 4*time.Second, 16*time.Second)},
			{Start: 16 * time.Second, End: 16 * time.Second, Speaker: "S2", Text: "Zero length."},
			{Start: 17 * time.Second, End: 18 * time.Second, Speaker: "S1", Text: "   "},
			{Start: 19 * time.Second, End: 18 * time.Second, Speaker: "S2",
				Text: "Café naïve — 日本語のテキストはスペースなしで書かれていますので長い行は文字数で分割されます。句読点の後でも前でも、必ずどこかで区切らなければなりません。 🎉"},
			{Start: 25 * time.Second, End: 30 * time.Second, Speaker: "S2", Text: "=SUM(A1:A2) +1 -1 @home"},
			{Start: 30 * time.Second, End: 40 * time.Second, Speaker: "S1",
				Text: "See https://example.com/a/very/long/path/that/does/not/fit/on/one/subtitle/line/at/all okay"},
			{Start: 40 * time.Second, End: 45 * time.Second, Text: "Markdown *stars* _under_ `code` # hash | pipe\nand a\tnew line."},
			{Start: 44 * time.Second, End: 47 * time.Second, Speaker: "S3", Text: "Overlapping start, unnamed speaker."},
		},
	}
}

// bigTranscript has n segments of ten words each, alternating two speakers, with word timestamps.
func bigTranscript(n int) *transcript.Transcript {
	t := &transcript.Transcript{
		Title:    "Benchmark",
		Duration: time.Duration(n) * 3 * time.Second,
		Language: "en",
		Created:  time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Level:    transcript.Standard,
		Speakers: []transcript.Speaker{{ID: "A", Name: "Alice"}, {ID: "B", Name: "Bob"}},
	}
	vocab := strings.Fields("the quick brown fox jumps over a lazy dog while we talk about privacy & speech <recognition>")
	for i := range n {
		var words []string
		for j := range 10 {
			words = append(words, vocab[(i*7+j*3)%len(vocab)])
		}
		text := strings.Join(words, " ")
		start := time.Duration(i) * 3 * time.Second
		end := start + 2900*ms
		sp := "A"
		if i%2 == 1 {
			sp = "B"
		}
		t.Segments = append(t.Segments, transcript.Segment{Start: start, End: end, Text: text, Speaker: sp, Words: wordsFor(text, start, end)})
	}
	return t
}

func TestBigTranscriptShape(t *testing.T) {
	tr := bigTranscript(3000)
	words := 0
	for _, s := range tr.Segments {
		words += len(strings.Fields(s.Text))
	}
	if len(tr.Segments) != 3000 || words != 30000 {
		t.Fatalf("bigTranscript: %d segments, %d words", len(tr.Segments), words)
	}
}
