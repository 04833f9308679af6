package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Cue is one subtitle cue read by ParseSRT or ParseVTT.
type Cue struct {
	Start, End time.Duration
	// Text is the cue's lines joined by "\n". ParseVTT strips markup tags and decodes character
	// references; ParseSRT returns the lines as they are.
	Text string
	// Voice is the annotation of the cue's first <v> span (VTT only).
	Voice string
}

// writeSRT writes SubRip cues numbered from 1, times as hh:mm:ss,mmm. Hours are written with at
// least two digits and grow past 99 for recordings of 100 hours or more ("123:04:05,678"); ParseSRT
// and most players accept that. SubRip has no escaping, so text is written as it is.
func writeSRT(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	for i, c := range buildCues(t, opt, true) {
		w.WriteString(strconv.Itoa(i + 1))
		w.WriteString("\n" + subTime(c.start, ',') + " --> " + subTime(c.end, ',') + "\n")
		for li, l := range c.lines {
			if li == 0 && c.speaker != "" {
				w.WriteString(srtSafe(c.speaker) + ": ")
			}
			w.WriteString(srtSafe(joinLine(l)))
			w.WriteByte('\n')
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// joinLine returns a line's text.
func joinLine(l []piece) string {
	var b strings.Builder
	for i, p := range l {
		if i > 0 && p.space {
			b.WriteByte(' ')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// srtSafe breaks up "-->" with a thin space (U+2009) so that no text line can pass for a timing line;
// SubRip has no escape for it.
func srtSafe(s string) string {
	if !strings.Contains(s, "-->") {
		return s
	}
	return strings.ReplaceAll(s, "-->", "--\u2009>")
}

// subTime formats a non-negative d as hh:mm:ss followed by sep and milliseconds.
func subTime(d time.Duration, sep byte) string {
	d = roundMS(d)
	ms := int64(d / time.Millisecond)
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

// ParseError says where ParseSRT or ParseVTT found a problem. Err is ErrMalformed or
// ErrTiming.
type ParseError struct {
	Format string // "srt" or "vtt"
	Line   int    // 1-based line number
	Msg    string
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: line %d: %v: %s", e.Format, e.Line, e.Err, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// readLines reads all of r, checks it is UTF-8, drops a leading byte order mark and splits it into
// lines on "\n", "\r\n" or "\r".
func readLines(r io.Reader, format string) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", format, err)
	}
	s := string(data)
	s = strings.TrimPrefix(s, "\uFEFF")
	if !utf8.ValidString(s) {
		bad := 0
		for bad < len(s) {
			r, size := utf8.DecodeRuneInString(s[bad:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			bad += size
		}
		return nil, &ParseError{Format: format, Line: 1 + strings.Count(s[:bad], "\n"), Msg: "invalid UTF-8", Err: ErrMalformed}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines, nil
}

func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

// ParseSRT reads SubRip subtitles strictly, to validate output: cues must be numbered 1, 2, 3...,
// separated by blank lines, with "hh:mm:ss,mmm --> hh:mm:ss,mmm" timings (hours may have more than two
// digits), at least one text line, no negative duration and no overlap with the previous cue. Errors
// are *ParseError values wrapping ErrMalformed or ErrTiming.
func ParseSRT(r io.Reader) ([]Cue, error) {
	lines, err := readLines(r, "srt")
	if err != nil {
		return nil, err
	}
	fail := func(i int, sentinel error, format string, args ...any) error {
		return &ParseError{Format: "srt", Line: i + 1, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	}
	var cues []Cue
	var prevEnd time.Duration
	i := 0
	for {
		for i < len(lines) && isBlank(lines[i]) {
			i++
		}
		if i >= len(lines) {
			break
		}
		want := strconv.Itoa(len(cues) + 1)
		if lines[i] != want {
			return nil, fail(i, ErrMalformed, "want cue number %s, got %q", want, lines[i])
		}
		i++
		if i >= len(lines) {
			return nil, fail(i, ErrMalformed, "missing timing line")
		}
		start, end, rest, err := parseTiming(lines[i], ',')
		if err != nil || rest != "" {
			return nil, fail(i, ErrMalformed, "bad timing line %q", lines[i])
		}
		if err := checkTiming(start, end, prevEnd); err != "" {
			return nil, fail(i, ErrTiming, "%s", err)
		}
		i++
		var text []string
		for ; i < len(lines) && !isBlank(lines[i]); i++ {
			l := lines[i]
			if strings.Contains(l, "-->") {
				return nil, fail(i, ErrMalformed, "timing line inside cue text (missing blank line?)")
			}
			text = append(text, l)
		}
		if len(text) == 0 {
			return nil, fail(i, ErrMalformed, "cue %s has no text", want)
		}
		cues = append(cues, Cue{Start: start, End: end, Text: strings.Join(text, "\n")})
		prevEnd = end
	}
	return cues, nil
}

func checkTiming(start, end, prevEnd time.Duration) string {
	switch {
	case end < start:
		return fmt.Sprintf("cue ends (%v) before it starts (%v)", end, start)
	case start < prevEnd:
		return fmt.Sprintf("cue starts (%v) before the previous one ends (%v)", start, prevEnd)
	}
	return ""
}

// parseTiming parses "start --> end" followed by an optional rest (VTT cue settings) separated by
// spaces or tabs.
func parseTiming(line string, sep byte) (start, end time.Duration, rest string, err error) {
	a, b, ok := strings.Cut(line, " --> ")
	if !ok {
		return 0, 0, "", errSyntax
	}
	if start, err = parseSubTime(a, sep, sep == ','); err != nil {
		return 0, 0, "", err
	}
	if i := strings.IndexAny(b, " \t"); i >= 0 {
		b, rest = b[:i], b[i+1:]
	}
	if end, err = parseSubTime(b, sep, sep == ','); err != nil {
		return 0, 0, "", err
	}
	return start, end, strings.TrimSpace(rest), nil
}

var errSyntax = errors.New("syntax")

// parseSubTime parses [hh:]mm:ss<sep>mmm. Hours (two or more digits) are required when needHours.
func parseSubTime(s string, sep byte, needHours bool) (time.Duration, error) {
	main, frac, ok := strings.Cut(s, string(sep))
	if !ok || len(frac) != 3 || !allDigits(frac) {
		return 0, errSyntax
	}
	parts := strings.Split(main, ":")
	var h string
	switch {
	case len(parts) == 3:
		h = parts[0]
		if len(h) < 2 || len(h) > 7 || !allDigits(h) {
			return 0, errSyntax
		}
		parts = parts[1:]
	case len(parts) == 2 && !needHours:
		h = "0"
	default:
		return 0, errSyntax
	}
	for _, p := range parts {
		if len(p) != 2 || !allDigits(p) || p[0] > '5' {
			return 0, errSyntax
		}
	}
	hh, _ := strconv.ParseInt(h, 10, 64)
	mm, _ := strconv.ParseInt(parts[0], 10, 64)
	ss, _ := strconv.ParseInt(parts[1], 10, 64)
	ms, _ := strconv.ParseInt(frac, 10, 64)
	// time.Duration holds about 2.56 million hours; refuse anything near that instead of overflowing.
	if hh >= int64(time.Duration(1<<63-1)/time.Hour) {
		return 0, errSyntax
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second +
		time.Duration(ms)*time.Millisecond, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
