package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// writeVTT writes a WebVTT file: the "WEBVTT" header, then cues timed hh:mm:ss.mmm whose text has
// &, < and > escaped. Speakers become a <v Name> voice span. With WordCues and more than one word per
// cue, each word after the first carries an inline timestamp tag (<hh:mm:ss.mmm>) when its start
// time lies strictly inside the cue and after the previous tag.
func writeVTT(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	karaoke := opt.WordCues && opt.WordsPerCue > 1
	w.WriteString("WEBVTT\n")
	for _, c := range buildCues(t, opt, false) {
		w.WriteString("\n" + subTime(c.start, '.') + " --> " + subTime(c.end, '.') + "\n")
		last := c.start
		for li, l := range c.lines {
			if li == 0 && c.speaker != "" {
				w.WriteString("<v " + escapeVoice(c.speaker) + ">")
			}
			for pi, p := range l {
				if pi > 0 && p.space {
					w.WriteByte(' ')
				}
				if karaoke && p.word && (li > 0 || pi > 0) && p.t > last && p.t < c.end {
					w.WriteString("<" + subTime(p.t, '.') + ">")
					last = p.t
				}
				w.WriteString(escapeVTT(p.text))
			}
			if err := w.WriteByte('\n'); err != nil {
				return err
			}
		}
	}
	return nil
}

var vttEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeVTT(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return vttEscaper.Replace(s)
}

// escapeVoice escapes a voice annotation; a trailing '-' becomes a character reference so that the
// closing '>' cannot form "-->".
func escapeVoice(s string) string {
	s = escapeVTT(s)
	if strings.HasSuffix(s, "-") {
		s = s[:len(s)-1] + "&#45;"
	}
	return s
}

// ParseVTT reads WebVTT subtitles strictly, to validate output. It requires the WEBVTT signature, a
// blank line after the header and between blocks, and timings "[hh:]mm:ss.mmm --> [hh:]mm:ss.mmm"
// optionally followed by cue settings; it skips NOTE, STYLE and REGION blocks. Cue text must not
// contain "-->", a bare '&' or an unknown character reference, an unterminated or unknown tag, or an
// inline timestamp outside the cue or out of order; cues must have text, must not end before they
// start and must not overlap the previous cue. Errors are *ParseError values wrapping ErrMalformed or
// ErrTiming. Cue.Text has tags removed and character references decoded.
func ParseVTT(r io.Reader) ([]Cue, error) {
	lines, err := readLines(r, "vtt")
	if err != nil {
		return nil, err
	}
	fail := func(i int, sentinel error, format string, args ...any) error {
		return &ParseError{Format: "vtt", Line: i + 1, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	}
	if len(lines) == 0 || !(lines[0] == "WEBVTT" || strings.HasPrefix(lines[0], "WEBVTT ") || strings.HasPrefix(lines[0], "WEBVTT\t")) {
		return nil, fail(0, ErrMalformed, "missing WEBVTT signature")
	}
	i := 1
	for ; i < len(lines) && !isBlank(lines[i]); i++ {
		if strings.Contains(lines[i], "-->") {
			return nil, fail(i, ErrMalformed, "timing line in header (missing blank line after WEBVTT?)")
		}
	}
	var cues []Cue
	var prevEnd time.Duration
	for {
		for i < len(lines) && isBlank(lines[i]) {
			i++
		}
		if i >= len(lines) {
			break
		}
		blockStart := i
		var block []string
		for ; i < len(lines) && !isBlank(lines[i]); i++ {
			block = append(block, lines[i])
		}
		first := block[0]
		if isKeywordBlock(first) {
			for j, l := range block {
				if strings.Contains(l, "-->") {
					return nil, fail(blockStart+j, ErrMalformed, "\"-->\" in a %s block", strings.Fields(first)[0])
				}
			}
			continue
		}
		timing := 0
		if !strings.Contains(first, "-->") {
			timing = 1 // cue identifier
			if len(block) < 2 || !strings.Contains(block[1], "-->") {
				return nil, fail(blockStart+1, ErrMalformed, "cue identifier %q not followed by a timing line", first)
			}
		}
		start, end, settings, err := parseTiming(block[timing], '.')
		if err != nil {
			return nil, fail(blockStart+timing, ErrMalformed, "bad timing line %q", block[timing])
		}
		if !validSettings(settings) {
			return nil, fail(blockStart+timing, ErrMalformed, "bad cue settings %q", settings)
		}
		if msg := checkTiming(start, end, prevEnd); msg != "" {
			return nil, fail(blockStart+timing, ErrTiming, "%s", msg)
		}
		payload := block[timing+1:]
		if len(payload) == 0 {
			return nil, fail(blockStart+timing+1, ErrMalformed, "cue has no text")
		}
		c := Cue{Start: start, End: end}
		var text strings.Builder
		last := start
		for j, l := range payload {
			line := blockStart + timing + 1 + j
			if strings.Contains(l, "-->") {
				return nil, fail(line, ErrMalformed, "\"-->\" in cue text (missing blank line?)")
			}
			if j > 0 {
				text.WriteByte('\n')
			}
			if err := parseCueLine(&text, &c, &last, l); err != nil {
				return nil, &ParseError{Format: "vtt", Line: line + 1, Msg: err.msg, Err: err.sentinel}
			}
		}
		c.Text = text.String()
		cues = append(cues, c)
		prevEnd = end
	}
	return cues, nil
}

func isKeywordBlock(line string) bool {
	for _, k := range []string{"NOTE", "STYLE", "REGION"} {
		if line == k || strings.HasPrefix(line, k+" ") || strings.HasPrefix(line, k+"\t") {
			return true
		}
	}
	return false
}

// validSettings checks that cue settings are name:value pairs.
func validSettings(s string) bool {
	for _, f := range strings.Fields(s) {
		name, value, ok := strings.Cut(f, ":")
		if !ok || name == "" || value == "" {
			return false
		}
	}
	return true
}

type cueError struct {
	sentinel error
	msg      string
}

var vttTags = map[string]bool{"c": true, "i": true, "b": true, "u": true, "v": true, "ruby": true, "rt": true, "lang": true}

// parseCueLine appends the plain text of one payload line to text, recording the first voice in c
// and checking inline timestamps against c and *last.
func parseCueLine(text *strings.Builder, c *Cue, last *time.Duration, l string) *cueError {
	for i := 0; i < len(l); {
		switch l[i] {
		case '<':
			j := strings.IndexByte(l[i:], '>')
			if j < 0 {
				return &cueError{ErrMalformed, "unterminated tag"}
			}
			tag := l[i+1 : i+j]
			i += j + 1
			if err := parseTag(tag, c, last); err != nil {
				return err
			}
		case '&':
			r, n, ok := charRef(l[i:])
			if !ok {
				return &cueError{ErrMalformed, "bare '&' or unknown character reference"}
			}
			text.WriteRune(r)
			i += n
		default:
			text.WriteByte(l[i])
			i++
		}
	}
	return nil
}

func parseTag(tag string, c *Cue, last *time.Duration) *cueError {
	if tag == "" {
		return &cueError{ErrMalformed, "empty tag"}
	}
	if tag[0] >= '0' && tag[0] <= '9' {
		ts, err := parseSubTime(tag, '.', false)
		if err != nil {
			return &cueError{ErrMalformed, fmt.Sprintf("bad timestamp tag <%s>", tag)}
		}
		if ts <= *last || ts >= c.End {
			return &cueError{ErrTiming, fmt.Sprintf("timestamp tag <%s> outside the cue or out of order", tag)}
		}
		*last = ts
		return nil
	}
	if tag[0] == '/' {
		if !vttTags[tag[1:]] {
			return &cueError{ErrMalformed, fmt.Sprintf("unknown end tag <%s>", tag)}
		}
		return nil
	}
	head, annotation, _ := strings.Cut(strings.ReplaceAll(tag, "\t", " "), " ")
	name, _, _ := strings.Cut(head, ".")
	if !vttTags[name] {
		return &cueError{ErrMalformed, fmt.Sprintf("unknown tag <%s>", tag)}
	}
	if name == "v" || name == "lang" {
		var b strings.Builder
		for i := 0; i < len(annotation); {
			if annotation[i] != '&' {
				b.WriteByte(annotation[i])
				i++
				continue
			}
			r, n, ok := charRef(annotation[i:])
			if !ok {
				return &cueError{ErrMalformed, "bare '&' or unknown character reference in tag annotation"}
			}
			b.WriteRune(r)
			i += n
		}
		a := strings.TrimSpace(b.String())
		if a == "" {
			return &cueError{ErrMalformed, fmt.Sprintf("<%s> without annotation", name)}
		}
		if name == "v" && c.Voice == "" {
			c.Voice = a
		}
	}
	return nil
}

var namedRefs = map[string]rune{"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'', "nbsp": '\u00a0', "lrm": '\u200e', "rlm": '\u200f'}

// charRef decodes the character reference at the start of s ("&amp;", "&#38;", "&#x26;"), returning
// the rune and the bytes consumed.
func charRef(s string) (rune, int, bool) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0, false
	}
	body := s[1:end]
	if r, ok := namedRefs[body]; ok {
		return r, end + 1, true
	}
	if body[0] != '#' {
		return 0, 0, false
	}
	digits, base := body[1:], 10
	if digits != "" && (digits[0] == 'x' || digits[0] == 'X') {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil || v == 0 || !utf8.ValidRune(rune(v)) {
		return 0, 0, false
	}
	return rune(v), end + 1, true
}
