package export

import (
	"bufio"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// cleanText makes s safe for the line-oriented formats: invalid UTF-8 and control characters become
// U+FFFD, and whitespace runs (line breaks included) become single spaces, trimmed at both ends.
func cleanText(s string) string {
	if isClean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return utf8.RuneError
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// isClean reports whether cleanText would return s unchanged, cheaply for the common ASCII case.
func isClean(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < 0x20 || c == 0x7f {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// speakerLabel returns the cleaned display name of seg's speaker, or "".
func speakerLabel(t *transcript.Transcript, seg *transcript.Segment) string {
	if seg.Speaker == "" {
		return ""
	}
	return cleanText(t.SpeakerName(seg.Speaker))
}

// clock formats d as hh:mm:ss, truncating to the second; hours grow past two digits when needed and
// negative durations show as zero.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// title returns the transcript's title, falling back to the source name and then to "Transcript".
func title(t *transcript.Transcript) string {
	for _, s := range []string{t.Title, t.SourceName} {
		if c := cleanText(s); c != "" {
			return c
		}
	}
	return "Transcript"
}

// metaField is one line of the metadata shown in Markdown and DOCX.
type metaField struct{ name, value string }

// metadata returns the non-empty metadata fields of t, cleaned, in display order.
func metadata(t *transcript.Transcript) []metaField {
	var f []metaField
	add := func(name, value string) {
		if v := cleanText(value); v != "" {
			f = append(f, metaField{name, v})
		}
	}
	add("Source", t.SourceName)
	if t.Duration > 0 {
		add("Duration", clock(t.Duration))
	}
	add("Language", t.Language)
	add("Model", t.Model)
	if !t.Created.IsZero() {
		add("Created", t.Created.Format(time.RFC3339))
	}
	add("Privacy", string(t.Level))
	var names []string
	for _, s := range t.Speakers {
		n := s.Name
		if n == "" {
			n = s.ID
		}
		if n = cleanText(n); n != "" {
			names = append(names, n)
		}
	}
	add("Speakers", strings.Join(names, ", "))
	return f
}

// writeTXT writes one line per non-empty segment: "[hh:mm:ss] Name: text", the parts in brackets
// depending on opt.
func writeTXT(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	for i := range t.Segments {
		seg := &t.Segments[i]
		text := cleanText(seg.Text)
		if text == "" {
			continue
		}
		if opt.Timestamps {
			w.WriteString("[" + clock(seg.Start) + "] ")
		}
		if opt.Speakers {
			if name := speakerLabel(t, seg); name != "" {
				w.WriteString(name + ": ")
			}
		}
		w.WriteString(text)
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// writeMarkdown writes a CommonMark document: a level-one heading with the title, a metadata table
// and one paragraph per non-empty segment, "**Name** (hh:mm:ss): text". All transcript text is
// escaped so that it renders literally.
func writeMarkdown(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	w.WriteString("# " + mdEscape(title(t)) + "\n\n")
	if meta := metadata(t); len(meta) > 0 {
		w.WriteString("| Field | Value |\n| --- | --- |\n")
		for _, m := range meta {
			w.WriteString("| " + mdEscape(m.name) + " | " + mdEscape(m.value) + " |\n")
		}
		w.WriteString("\n")
	}
	for i := range t.Segments {
		seg := &t.Segments[i]
		text := cleanText(seg.Text)
		if text == "" {
			continue
		}
		var name string
		if opt.Speakers {
			name = speakerLabel(t, seg)
		}
		switch {
		case name != "" && opt.Timestamps:
			w.WriteString("**" + mdEscape(name) + "** (" + clock(seg.Start) + "): " + mdEscape(text))
		case name != "":
			w.WriteString("**" + mdEscape(name) + "**: " + mdEscape(text))
		case opt.Timestamps:
			w.WriteString("(" + clock(seg.Start) + ") " + mdEscape(text))
		default:
			w.WriteString(mdEscapeStart(mdEscape(text)))
		}
		if _, err := w.WriteString("\n\n"); err != nil {
			return err
		}
	}
	return nil
}

// mdEscape backslash-escapes the characters that could turn text into Markdown or HTML markup.
func mdEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '#':
			b.WriteByte('\\')
		case '&':
			// Only something that could be read as a character reference needs escaping.
			if i+1 < len(s) && (s[i+1] == '#' || isASCIIAlnum(s[i+1])) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// mdEscapeStart escapes a leading character that would start a list item or thematic break when the
// text opens a paragraph.
func mdEscapeStart(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '-', '+', '=':
		return "\\" + s
	}
	// Ordered list marker: up to nine digits then '.' or ')'.
	n := 0
	for n < len(s) && n < 10 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 0 && n < 10 && n < len(s) && (s[n] == '.' || s[n] == ')') {
		return s[:n] + "\\" + s[n:]
	}
	return s
}
