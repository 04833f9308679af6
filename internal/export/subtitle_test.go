package export

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func parseSubtitles(f Format, data []byte) ([]Cue, error) {
	if f == SRT {
		return ParseSRT(bytes.NewReader(data))
	}
	return ParseVTT(bytes.NewReader(data))
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkSubtitles writes tr as f with opt, parses the result back and checks the cue limits and that
// no text was lost or invented. It returns the cues.
func checkSubtitles(t testing.TB, tr *transcript.Transcript, f Format, opt Options) []Cue {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tr, f, opt); err != nil {
		t.Fatalf("Write %s: %v", f, err)
	}
	cues, err := parseSubtitles(f, buf.Bytes())
	if err != nil {
		t.Fatalf("parse own %s output: %v\n%s", f, err, buf.Bytes())
	}
	opt = opt.normalized()

	var names []string // SRT prefixes, longest first
	var want strings.Builder
	for i := range tr.Segments {
		seg := &tr.Segments[i]
		want.WriteString(stripSpace(cleanText(seg.Text)))
		if n := speakerLabel(tr, seg); n != "" && opt.Speakers {
			names = append(names, n+": ")
		}
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })

	var got strings.Builder
	for _, c := range cues {
		lines := strings.Split(c.Text, "\n")
		if len(lines) > opt.MaxLines {
			t.Errorf("%s cue %v: %d lines, max %d: %q", f, c.Start, len(lines), opt.MaxLines, c.Text)
		}
		for i, l := range lines {
			prefix := ""
			if f == SRT && i == 0 {
				for _, n := range names {
					if strings.HasPrefix(l, srtSafe(n)) {
						prefix = srtSafe(n)
						break
					}
				}
			}
			content := strings.TrimPrefix(l, prefix)
			cn := utf8.RuneCountInString(strings.ReplaceAll(content, "--\u2009>", "-->"))
			if cn > opt.MaxLineLength {
				t.Errorf("%s cue %v: line %q has %d characters, max %d", f, c.Start, l, cn, opt.MaxLineLength)
			}
			if total := utf8.RuneCountInString(prefix) + cn; total > opt.MaxLineLength && prefix == "" {
				t.Errorf("%s cue %v: line %q is %d characters long, max %d", f, c.Start, l, total, opt.MaxLineLength)
			}
			got.WriteString(stripSpace(content))
		}
		if c.Start < 0 || c.End < c.Start {
			t.Errorf("%s cue has bad times %v --> %v", f, c.Start, c.End)
		}
	}
	if got.String() != want.String() {
		t.Errorf("%s text changed:\n got %q\nwant %q", f, got.String(), want.String())
	}
	return cues
}

func TestSubtitlesParseBack(t *testing.T) {
	optionSets := map[string]Options{
		"zero":           {},
		"default":        DefaultOptions(),
		"narrow":         {Speakers: true, MaxLineLength: 12, MaxLines: 1},
		"tiny":           {Speakers: true, MaxLineLength: 1, MaxLines: 1},
		"wide":           {Speakers: true, MaxLineLength: 200, MaxLines: 5},
		"words":          {Speakers: true, WordCues: true},
		"karaoke":        {Speakers: true, WordCues: true, WordsPerCue: 5},
		"karaoke narrow": {WordCues: true, WordsPerCue: 3, MaxLineLength: 10, MaxLines: 3},
	}
	transcripts := map[string]*transcript.Transcript{
		"rich": richTranscript(),
		"big":  bigTranscript(200),
	}
	for tn, tr := range transcripts {
		for on, opt := range optionSets {
			for _, f := range []Format{SRT, VTT} {
				t.Run(fmt.Sprintf("%s/%s/%s", tn, on, f), func(t *testing.T) {
					cues := checkSubtitles(t, tr, f, opt)
					if len(cues) == 0 {
						t.Fatal("no cues")
					}
				})
			}
		}
	}
}

func TestRichCueCounts(t *testing.T) {
	tr := richTranscript()
	nonEmpty := 0
	for _, s := range tr.Segments {
		if cleanText(s.Text) != "" {
			nonEmpty++
		}
	}
	def := checkSubtitles(t, tr, SRT, DefaultOptions())
	if len(def) <= nonEmpty {
		t.Errorf("default SRT: %d cues for %d segments; the long ones must be split", len(def), nonEmpty)
	}
	// One cue per word: the first segment has 6 words once punctuation is glued on.
	words := checkSubtitles(t, tr, VTT, Options{WordCues: true})
	var first []string
	for _, c := range words {
		if c.Start >= tr.Segments[0].End {
			break
		}
		first = append(first, c.Text)
	}
	if want := []string{"Hello", "everyone,", "welcome", "to", "the", "sync."}; fmt.Sprint(first) != fmt.Sprint(want) {
		t.Errorf("word cues = %q, want %q", first, want)
	}
	// Their times are the words' own.
	if w := tr.Segments[0].Words[1]; words[1].Start != w.Start.Round(time.Millisecond) || words[1].End != tr.Segments[0].Words[2].End.Round(time.Millisecond) {
		t.Errorf("cue %v-%v, want the times of %q and the comma", words[1].Start, words[1].End, w.Text)
	}
	for _, c := range checkSubtitles(t, tr, VTT, DefaultOptions()) {
		if c.Voice == "" && !strings.HasPrefix(c.Text, "Markdown") {
			t.Errorf("cue %q has no voice", c.Text)
		}
	}
}

func seg(start, end time.Duration, text string) transcript.Segment {
	return transcript.Segment{Start: start, End: end, Text: text}
}

func TestSubtitleLayout(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name string
		segs []transcript.Segment
		opt  Options
		f    Format
		want string
	}{
		{
			name: "time shared by characters",
			segs: []transcript.Segment{seg(0, 10*sec, "aaaa bbbb cccc dddddddd")},
			opt:  Options{MaxLineLength: 9, MaxLines: 1},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:04,000\naaaa bbbb\n\n2\n00:00:04,000 --> 00:00:06,000\ncccc\n\n" +
				"3\n00:00:06,000 --> 00:00:10,000\ndddddddd\n\n",
		},
		{
			name: "hours past 99",
			segs: []transcript.Segment{seg(100*time.Hour+1500*ms, 123*time.Hour+4*time.Minute+5678*ms, "late")},
			f:    SRT,
			want: "1\n100:00:01,500 --> 123:04:05,678\nlate\n\n",
		},
		{
			name: "negative and reversed times clamped",
			segs: []transcript.Segment{seg(-2*sec, sec, "one"), seg(3*sec, 2*sec, "two")},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\none\n\n00:00:03.000 --> 00:00:03.000\ntwo\n",
		},
		{
			name: "overlap pushed after previous cue",
			segs: []transcript.Segment{seg(0, 5*sec, "first"), seg(3*sec, 4*sec, "second"), seg(4*sec, 8*sec, "third")},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:05,000\nfirst\n\n2\n00:00:05,000 --> 00:00:05,000\nsecond\n\n" +
				"3\n00:00:05,000 --> 00:00:08,000\nthird\n\n",
		},
		{
			name: "empty segments skipped",
			segs: []transcript.Segment{seg(0, sec, ""), seg(sec, 2*sec, " \n\t "), seg(2*sec, 3*sec, "kept")},
			f:    SRT,
			want: "1\n00:00:02,000 --> 00:00:03,000\nkept\n\n",
		},
		{
			name: "no-space text broken by runes",
			segs: []transcript.Segment{seg(0, 10*sec, "日本語のテキストです")},
			opt:  Options{MaxLineLength: 4, MaxLines: 2},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:08.000\n日本語の\nテキスト\n\n00:00:08.000 --> 00:00:10.000\nです\n",
		},
		{
			name: "combining marks stay with their base",
			segs: []transcript.Segment{seg(0, 3*sec, "e\u0301e\u0301e\u0301")},
			opt:  Options{MaxLineLength: 3, MaxLines: 3},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:03,000\ne\u0301\ne\u0301\ne\u0301\n\n",
		},
		{
			name: "VTT escaping",
			segs: []transcript.Segment{seg(0, sec, "a<b & c>d -->")},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na&lt;b &amp; c&gt;d --&gt;\n",
		},
		{
			name: "SRT arrow broken up",
			segs: []transcript.Segment{seg(0, sec, "a --> b")},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:01,000\na --\u2009> b\n\n",
		},
		{
			name: "speakers",
			segs: []transcript.Segment{{Start: 0, End: sec, Text: "hi there", Speaker: "x"}},
			opt:  Options{Speakers: true, MaxLineLength: 10},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:01,000\nAl & Bo: hi\nthere\n\n",
		},
		{
			name: "voice span",
			segs: []transcript.Segment{{Start: 0, End: sec, Text: "hi there", Speaker: "x"}},
			opt:  Options{Speakers: true, MaxLineLength: 10},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Al &amp; Bo>hi there\n",
		},
		{
			name: "speakers off",
			segs: []transcript.Segment{{Start: 0, End: sec, Text: "hi there", Speaker: "x"}},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhi there\n",
		},
		{
			name: "word timestamps drive cue times",
			segs: []transcript.Segment{{Start: 0, End: 10 * sec, Text: "alpha beta", Words: []transcript.Word{
				{Start: sec, End: 2 * sec, Text: "alpha"}, {Start: 8 * sec, End: 9 * sec, Text: " beta"}}}},
			opt:  Options{MaxLineLength: 5, MaxLines: 1},
			f:    SRT,
			want: "1\n00:00:01,000 --> 00:00:02,000\nalpha\n\n2\n00:00:08,000 --> 00:00:09,000\nbeta\n\n",
		},
		{
			name: "word cues fall back to text without words",
			segs: []transcript.Segment{seg(0, 4*sec, "ab cd")},
			opt:  Options{WordCues: true},
			f:    SRT,
			want: "1\n00:00:00,000 --> 00:00:02,000\nab\n\n2\n00:00:02,000 --> 00:00:04,000\ncd\n\n",
		},
		{
			name: "karaoke tags",
			segs: []transcript.Segment{{Start: 0, End: 4 * sec, Text: "a b c", Words: []transcript.Word{
				{Start: 0, End: 0, Text: "a"}, {Start: 0, End: 2 * sec, Text: " b"}, {Start: 3 * sec, End: 4 * sec, Text: " c"}}}},
			opt:  Options{WordCues: true, WordsPerCue: 3},
			f:    VTT,
			want: "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\na b <00:00:03.000>c\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &transcript.Transcript{Segments: tc.segs, Speakers: []transcript.Speaker{{ID: "x", Name: "Al & Bo"}}}
			var buf bytes.Buffer
			if err := Write(&buf, tr, tc.f, tc.opt); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", buf.String(), tc.want)
			}
			checkSubtitles(t, tr, tc.f, tc.opt)
		})
	}
}

func TestParseSRT(t *testing.T) {
	valid := []struct {
		name string
		in   string
		want []Cue
	}{
		{"empty", "", nil},
		{"one", "1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n", []Cue{{Start: time.Second, End: 2500 * ms, Text: "Hello\nworld"}}},
		{"bom crlf no final newline", "\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nB",
			[]Cue{{Start: time.Second, End: 2 * time.Second, Text: "A"}, {Start: 2 * time.Second, End: 3 * time.Second, Text: "B"}}},
		{"extra blank lines", "\n\n1\n00:00:00,000 --> 00:00:00,000\n<i>x</i>\n\n\n\n", []Cue{{Text: "<i>x</i>"}}},
		{"long hours", "1\n100:00:00,000 --> 1234:00:00,001\nx\n", []Cue{{Start: 100 * time.Hour, End: 1234*time.Hour + ms, Text: "x"}}},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSRT(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	invalid := []struct {
		name, in string
		err      error
	}{
		{"no number", "00:00:01,000 --> 00:00:02,000\nx\n", ErrMalformed},
		{"starts at 2", "2\n00:00:01,000 --> 00:00:02,000\nx\n", ErrMalformed},
		{"gap in numbers", "1\n00:00:01,000 --> 00:00:02,000\nx\n\n3\n00:00:03,000 --> 00:00:04,000\ny\n", ErrMalformed},
		{"dot separator", "1\n00:00:01.000 --> 00:00:02.000\nx\n", ErrMalformed},
		{"one-digit hour", "1\n0:00:01,000 --> 00:00:02,000\nx\n", ErrMalformed},
		{"minutes 60", "1\n00:60:01,000 --> 01:00:02,000\nx\n", ErrMalformed},
		{"two-digit ms", "1\n00:00:01,00 --> 00:00:02,000\nx\n", ErrMalformed},
		{"missing arrow", "1\n00:00:01,000 00:00:02,000\nx\n", ErrMalformed},
		{"settings", "1\n00:00:01,000 --> 00:00:02,000 X1:1\nx\n", ErrMalformed},
		{"huge hours", "1\n9999999:00:00,000 --> 9999999:00:00,000\nx\n", ErrMalformed},
		{"no timing", "1\n", ErrMalformed},
		{"no text", "1\n00:00:01,000 --> 00:00:02,000\n\n", ErrMalformed},
		{"missing blank line", "1\n00:00:01,000 --> 00:00:02,000\nx\n2\n00:00:03,000 --> 00:00:04,000\ny\n", ErrMalformed},
		{"invalid utf8", "1\n00:00:01,000 --> 00:00:02,000\n\xff\n", ErrMalformed},
		{"negative", "1\n00:00:02,000 --> 00:00:01,000\nx\n", ErrTiming},
		{"overlap", "1\n00:00:01,000 --> 00:00:03,000\nx\n\n2\n00:00:02,000 --> 00:00:04,000\ny\n", ErrTiming},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSRT(strings.NewReader(tc.in))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Errorf("err %v is not a *ParseError with a line", err)
			}
		})
	}
}

func TestParseVTT(t *testing.T) {
	valid := []struct {
		name string
		in   string
		want []Cue
	}{
		{"header only", "WEBVTT\n", nil},
		{"header text and metadata", "WEBVTT - hello\nKind: captions\n\n00:01.000 --> 00:02.000\nx\n", []Cue{{Start: time.Second, End: 2 * time.Second, Text: "x"}}},
		{"ids notes settings", "\uFEFFWEBVTT\r\n\r\nNOTE a comment\r\nmore\r\n\r\nSTYLE\n::cue {}\n\ncue-1\n00:00:01.000 --> 00:00:02.000 align:start position:10%\n<v.loud Al &amp; Bo>Hi &lt;there&gt;&nbsp;&#233;&#x41;\n<i>two</i></v>\n",
			[]Cue{{Start: time.Second, End: 2 * time.Second, Text: "Hi <there>\u00a0éA\ntwo", Voice: "Al & Bo"}}},
		{"karaoke", "WEBVTT\n\n00:00:00.000 --> 00:00:03.000\na <00:00:01.000>b <00:00:02.000>c\n", []Cue{{End: 3 * time.Second, Text: "a b c"}}},
		{"long hours", "WEBVTT\n\n123:00:00.000 --> 123:00:00.001\nx\n", []Cue{{Start: 123 * time.Hour, End: 123*time.Hour + ms, Text: "x"}}},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseVTT(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	invalid := []struct {
		name, in string
		err      error
	}{
		{"empty", "", ErrMalformed},
		{"no signature", "1\n00:00:01.000 --> 00:00:02.000\nx\n", ErrMalformed},
		{"WEBVTTX", "WEBVTTX\n", ErrMalformed},
		{"no blank after header", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nx\n", ErrMalformed},
		{"comma separator", "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", ErrMalformed},
		{"seconds 60", "WEBVTT\n\n00:00:60.000 --> 00:01:02.000\nx\n", ErrMalformed},
		{"one-digit hour", "WEBVTT\n\n0:00:01.000 --> 00:00:02.000\nx\n", ErrMalformed},
		{"bad setting", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align\nx\n", ErrMalformed},
		{"id without timing", "WEBVTT\n\nid\nx\n", ErrMalformed},
		{"no text", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", ErrMalformed},
		{"missing blank line", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n00:00:03.000 --> 00:00:04.000\ny\n", ErrMalformed},
		{"arrow in note", "WEBVTT\n\nNOTE a --> b\n", ErrMalformed},
		{"bare ampersand", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nQ&A\n", ErrMalformed},
		{"unknown entity", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n&bogus;\n", ErrMalformed},
		{"zero char ref", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n&#0;\n", ErrMalformed},
		{"surrogate char ref", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n&#xD800;\n", ErrMalformed},
		{"unterminated tag", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na <b\n", ErrMalformed},
		{"unknown tag", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<blink>a\n", ErrMalformed},
		{"voice without name", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v>a\n", ErrMalformed},
		{"bad timestamp tag", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na <1.5>b\n", ErrMalformed},
		{"timestamp tag outside", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na <00:00:03.000>b\n", ErrTiming},
		{"timestamp tags out of order", "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\na <00:00:03.000>b <00:00:02.000>c\n", ErrTiming},
		{"invalid utf8", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\xc3\n", ErrMalformed},
		{"negative", "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nx\n", ErrTiming},
		{"overlap", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nx\n\n00:00:02.000 --> 00:00:04.000\ny\n", ErrTiming},
		{"out of order", "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nx\n\n00:00:02.000 --> 00:00:04.000\ny\n", ErrTiming},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseVTT(strings.NewReader(tc.in))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Errorf("err %v is not a *ParseError with a line", err)
			}
		})
	}
}
