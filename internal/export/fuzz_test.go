package export

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// goldenSeeds adds the golden files with the given suffix as fuzz seeds.
func goldenSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
}

// checkCues checks the invariants every successfully parsed cue list must hold.
func checkCues(t *testing.T, cues []Cue) {
	var prevEnd time.Duration
	for i, c := range cues {
		if c.Start < 0 || c.End < c.Start || c.Start < prevEnd {
			t.Fatalf("cue %d has times %v --> %v after %v", i, c.Start, c.End, prevEnd)
		}
		prevEnd = c.End
	}
}

func formatSRT(cues []Cue) []byte {
	var b bytes.Buffer
	for i, c := range cues {
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, subTime(c.Start, ','), subTime(c.End, ','), c.Text)
	}
	return b.Bytes()
}

// escapeAll escapes for VTT like escapeVTT and also writes every control character as a numeric
// reference, so that any decoded text survives on one line.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range escapeVTT(s) {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "&#%d;", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func formatVTT(cues []Cue) []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		fmt.Fprintf(&b, "\n%s --> %s\n", subTime(c.Start, '.'), subTime(c.End, '.'))
		if c.Voice != "" {
			b.WriteString("<v " + escapeAll(c.Voice) + ">")
		}
		b.WriteString("<c></c>" + escapeAll(c.Text) + "\n")
	}
	return b.Bytes()
}

func FuzzParseSRT(f *testing.F) {
	goldenSeeds(f, "srt*.golden")
	for _, s := range []string{
		"", "1\n00:00:01,000 --> 00:00:02,000\nx\n", "\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nB",
		"1\n100:00:00,000 --> 1234:00:00,001\nx\n", "1\n00:00:01,000 --> 00:00:02,000\nx\n2\n00:00:03,000 --> 00:00:04,000\ny\n",
		"1\n9999999:00:00,000 --> 9999999:00:00,000\nx\n", "1\n00:00:02,000 --> 00:00:01,000\nx\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cues, err := ParseSRT(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkCues(t, cues)
		again, err := ParseSRT(bytes.NewReader(formatSRT(cues)))
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if fmt.Sprintf("%q", again) != fmt.Sprintf("%q", cues) {
			t.Fatalf("reparse changed cues:\n%q\n%q", again, cues)
		}
	})
}

func FuzzParseVTT(f *testing.F) {
	goldenSeeds(f, "vtt*.golden")
	for _, s := range []string{
		"WEBVTT\n", "WEBVTT - hello\nKind: captions\n\n00:01.000 --> 00:02.000\nx\n",
		"\uFEFFWEBVTT\r\n\r\nNOTE a comment\r\nmore\r\n\r\nSTYLE\n::cue {}\n\ncue-1\n00:00:01.000 --> 00:00:02.000 align:start position:10%\n<v.loud Al &amp; Bo>Hi &lt;there&gt;&nbsp;&#233;&#x41;\n<i>two</i></v>\n",
		"WEBVTT\n\n00:00:00.000 --> 00:00:03.000\na <00:00:01.000>b <00:00:02.000>c\n",
		"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v &#9;a&#10;b>x&#13;y\n\n00:00:02.000 --> 00:00:03.000\n<i></i>\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cues, err := ParseVTT(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkCues(t, cues)
		again, err := ParseVTT(bytes.NewReader(formatVTT(cues)))
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, formatVTT(cues))
		}
		if fmt.Sprintf("%q", again) != fmt.Sprintf("%q", cues) {
			t.Fatalf("reparse changed cues:\n%q\n%q", again, cues)
		}
	})
}

func FuzzImportJSON(f *testing.F) {
	goldenSeeds(f, "json*.golden")
	for _, s := range []string{
		`{"format":"hushscribe-transcript","version":1}`,
		`{"format":"hushscribe-transcript","version":1,"created":"2024-02-29T23:59:59.999999999+02:00","speakers":[],"segments":[{"start_ns":-5,"end_ns":9223372036854775807,"text":"\u2028x\ud800","words":[{"start_ns":0,"end_ns":0,"text":"","probability":"NaN"},{"start_ns":0,"end_ns":0,"text":"","probability":-0}]}]}`,
		`{"format":"hushscribe-transcript","version":2}`,
		`{"format":"hushscribe-transcript","version":1,"level":"private","segments":[]} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Import(bytes.NewReader(data))
		if err != nil {
			return
		}
		equalTranscripts(t, roundTrip(t, tr), tr)
	})
}

// FuzzSubtitles checks that any text, timing and options give SRT and VTT output that parses back
// with the same text, and that the other formats do not fail.
func FuzzSubtitles(f *testing.F) {
	f.Add("Hello world, this is a test of the subtitle line breaking.", "Alice", int64(0), int64(5000), uint8(0), uint8(0), false, uint8(0))
	f.Add("日本語のテキストはスペースなしで書かれています", "", int64(1000), int64(-500), uint8(5), uint8(1), true, uint8(3))
	f.Add("a --> b <i> & &amp; e\u0301\u0301 👩\u200d👩\u200d👧 \xff\x00", "B --> <v>", int64(-1000), int64(0), uint8(1), uint8(1), true, uint8(0))
	f.Add("supercalifragilisticexpialidocious antidisestablishmentarianism", "A very long speaker name indeed", int64(360000000), int64(100), uint8(10), uint8(2), false, uint8(0))
	f.Add(" , . ! hello ,world", "x", int64(0), int64(3000), uint8(3), uint8(3), true, uint8(2))
	f.Fuzz(func(t *testing.T, text, speaker string, startMS, durMS int64, maxLen, maxLines uint8, wordCues bool, perCue uint8) {
		start := time.Duration(startMS%(1<<40)) * time.Millisecond
		dur := time.Duration(durMS%(1<<40)) * time.Millisecond
		var words []transcript.Word
		fields := strings.Fields(cleanText(text))
		for i, w := range fields {
			lead := " "
			if i == 0 {
				lead = ""
			}
			ws := start + dur*time.Duration(i)/time.Duration(len(fields))
			words = append(words, transcript.Word{Start: ws, End: ws + dur/time.Duration(len(fields)), Text: lead + w})
		}
		tr := &transcript.Transcript{
			Speakers: []transcript.Speaker{{ID: "s", Name: speaker}},
			Segments: []transcript.Segment{
				{Start: start, End: start + dur, Text: text, Speaker: "s", Words: words},
				{Start: start + dur/2, End: start + dur, Text: text, Speaker: "s"},
			},
		}
		opt := Options{Speakers: true, Timestamps: true, MaxLineLength: int(maxLen), MaxLines: int(maxLines % 8), WordCues: wordCues, WordsPerCue: int(perCue % 8)}
		checkSubtitles(t, tr, SRT, opt)
		checkSubtitles(t, tr, VTT, opt)
		for _, format := range []Format{TXT, JSON, CSV, Markdown, DOCX} {
			if err := Write(&bytes.Buffer{}, tr, format, opt); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
	})
}
