package export

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"txt", TXT}, {"TXT", TXT}, {".txt", TXT}, {"text", TXT},
		{"srt", SRT}, {".SRT", SRT}, {"SubRip", SRT},
		{"vtt", VTT}, {"WebVTT", VTT}, {" .vtt ", VTT},
		{"json", JSON}, {".Json", JSON},
		{"csv", CSV},
		{"md", Markdown}, {"markdown", Markdown}, {"MarkDown", Markdown}, {".md", Markdown},
		{"docx", DOCX}, {".DOCX", DOCX},
	}
	for _, tc := range tests {
		got, err := ParseFormat(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", ".", "doc", "pdf", "..srt", "srt.", "sr t"} {
		if _, err := ParseFormat(bad); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ParseFormat(%q) error = %v, want ErrUnknownFormat", bad, err)
		}
	}
}

func TestFormatMethods(t *testing.T) {
	seen := map[Format]bool{}
	for _, f := range Formats() {
		if seen[f] {
			t.Errorf("%q listed twice", f)
		}
		seen[f] = true
		if !f.Valid() {
			t.Errorf("%q not valid", f)
		}
		for _, name := range []string{string(f), f.Extension()} {
			if g, err := ParseFormat(name); err != nil || g != f {
				t.Errorf("ParseFormat(%q) = %q, %v", name, g, err)
			}
		}
		if f.MIMEType() == "application/octet-stream" || f.MIMEType() == "" {
			t.Errorf("%q has no specific MIME type", f)
		}
	}
	if len(seen) != 7 {
		t.Errorf("Formats() has %d formats, want 7", len(seen))
	}
	Formats()[0] = "changed"
	if Formats()[0] != TXT {
		t.Error("Formats returns a shared slice")
	}
	want := map[Format][2]string{
		TXT:      {".txt", "text/plain; charset=utf-8"},
		SRT:      {".srt", "application/x-subrip"},
		VTT:      {".vtt", "text/vtt; charset=utf-8"},
		JSON:     {".json", "application/json"},
		CSV:      {".csv", "text/csv; charset=utf-8"},
		Markdown: {".md", "text/markdown; charset=utf-8"},
		DOCX:     {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		"bogus":  {"", "application/octet-stream"},
	}
	for f, w := range want {
		if f.Extension() != w[0] || f.MIMEType() != w[1] {
			t.Errorf("%q: %q %q, want %q %q", f, f.Extension(), f.MIMEType(), w[0], w[1])
		}
	}
}

type failWriter struct{ after int }

var errWrite = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errWrite
	}
	if len(p) > w.after {
		n := w.after
		w.after = 0
		return n, errWrite
	}
	w.after -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	tr := richTranscript()
	if err := Write(&bytes.Buffer{}, tr, "pdf", Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if err := Write(&bytes.Buffer{}, nil, TXT, Options{}); !errors.Is(err, ErrInvalidTranscript) {
		t.Errorf("nil transcript: %v", err)
	}
	bad := richTranscript()
	bad.Level = "secret"
	if err := Write(&bytes.Buffer{}, bad, JSON, Options{}); !errors.Is(err, ErrInvalidTranscript) {
		t.Errorf("bad level: %v", err)
	}
	for _, f := range Formats() {
		for _, after := range []int{0, 100} {
			err := Write(&failWriter{after: after}, tr, f, DefaultOptions())
			if !errors.Is(err, errWrite) {
				t.Errorf("%s, failing after %d bytes: err = %v, want the writer's error", f, after, err)
			}
		}
	}
}

func TestWriteEmptyTranscript(t *testing.T) {
	for _, tr := range []*transcript.Transcript{{}, {Segments: []transcript.Segment{}}} {
		for _, f := range Formats() {
			var buf bytes.Buffer
			if err := Write(&buf, tr, f, DefaultOptions()); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			switch f {
			case SRT:
				if _, err := ParseSRT(&buf); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			case VTT:
				if _, err := ParseVTT(&buf); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		}
	}
}

func TestTextOptions(t *testing.T) {
	tr := &transcript.Transcript{
		Title:    "T",
		Speakers: []transcript.Speaker{{ID: "a", Name: "Ann"}, {ID: "b"}},
		Segments: []transcript.Segment{
			{Start: 3723 * time.Second, End: 3724 * time.Second, Text: "Hi\nthere\x00", Speaker: "a"},
			{Start: 0, Text: "  "},
			{Start: -time.Second, Text: "- not a *list*", Speaker: "b"},
			{Start: 360000 * time.Second, Text: "1. late"},
		},
	}
	tests := []struct {
		name string
		f    Format
		opt  Options
		want string
	}{
		{"txt plain", TXT, Options{}, "Hi there\uFFFD\n- not a *list*\n1. late\n"},
		{"txt timestamps", TXT, Options{Timestamps: true}, "[01:02:03] Hi there\uFFFD\n[00:00:00] - not a *list*\n[100:00:00] 1. late\n"},
		{"txt speakers", TXT, Options{Speakers: true}, "Ann: Hi there\uFFFD\nb: - not a *list*\n1. late\n"},
		{"txt both", TXT, Options{Timestamps: true, Speakers: true}, "[01:02:03] Ann: Hi there\uFFFD\n[00:00:00] b: - not a *list*\n[100:00:00] 1. late\n"},
		{"md plain", Markdown, Options{}, "# T\n\n| Field | Value |\n| --- | --- |\n| Speakers | Ann, b |\n\nHi there\uFFFD\n\n\\- not a \\*list\\*\n\n1\\. late\n\n"},
		{"md both", Markdown, Options{Timestamps: true, Speakers: true}, "# T\n\n| Field | Value |\n| --- | --- |\n| Speakers | Ann, b |\n\n" +
			"**Ann** (01:02:03): Hi there\uFFFD\n\n**b** (00:00:00): - not a \\*list\\*\n\n(100:00:00) 1. late\n\n"},
		{"md speakers", Markdown, Options{Speakers: true}, "# T\n\n| Field | Value |\n| --- | --- |\n| Speakers | Ann, b |\n\n" +
			"**Ann**: Hi there\uFFFD\n\n**b**: - not a \\*list\\*\n\n1\\. late\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tr, tc.f, tc.opt); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", buf.String(), tc.want)
			}
		})
	}
}

func TestMarkdownTitleFallback(t *testing.T) {
	for _, tc := range []struct {
		tr   transcript.Transcript
		want string
	}{
		{transcript.Transcript{Title: "  "}, "# Transcript\n"},
		{transcript.Transcript{SourceName: "call_1.wav"}, "# call\\_1.wav\n"},
		{transcript.Transcript{Title: "A | B #1"}, "# A \\| B \\#1\n"},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, &tc.tr, Markdown, Options{}); err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(buf.String(), "\n"); first+"\n" != tc.want {
			t.Errorf("title line %q, want %q", first, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := map[string]string{
		"":                      "",
		"plain text":            "plain text",
		"  padded  ":            "padded",
		"a\r\nb\tc  d":          "a b c d",
		"bad \xff byte":         "bad \uFFFD byte",
		"nul\x00bell\x07":       "nul\uFFFDbell\uFFFD",
		"nbsp\u00a0and\u2028ls": "nbsp and ls",
		"日本語":                   "日本語",
	}
	for in, want := range tests {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}
