// Package export writes a transcript.Transcript to the file formats people take away from Hushscribe:
// plain text, SubRip (SRT), WebVTT, JSON, CSV, Markdown and DOCX. It also holds the readers that check
// those outputs: Import reads the JSON format back without loss, and ParseSRT and ParseVTT are strict
// subtitle parsers meant to validate what Write produced.
//
// Everything is written to an io.Writer; nothing touches the file system.
//
// Text handling common to all formats except JSON: invalid UTF-8 and control characters are replaced
// by U+FFFD, and runs of whitespace (including line breaks) inside a segment become single spaces. Segments whose text is empty are left out of TXT, SRT, VTT, Markdown and DOCX (CSV keeps a
// row for them, JSON keeps everything).
package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Format names an export format. Its value is the canonical short name, which is also the file
// extension without the dot.
type Format string

// The supported formats.
const (
	TXT      Format = "txt"
	SRT      Format = "srt"
	VTT      Format = "vtt"
	JSON     Format = "json"
	CSV      Format = "csv"
	Markdown Format = "md"
	DOCX     Format = "docx"
)

// Sentinel errors, to be tested with errors.Is.
var (
	// ErrUnknownFormat is returned for a format name or value this package does not know.
	ErrUnknownFormat = errors.New("unknown export format")
	// ErrInvalidTranscript is returned by Write for a nil transcript, and for JSON export of a
	// transcript whose Level is neither empty nor valid.
	ErrInvalidTranscript = errors.New("invalid transcript")
	// ErrMalformed marks input that ParseSRT, ParseVTT or Import cannot parse.
	ErrMalformed = errors.New("malformed input")
	// ErrTiming marks subtitle cues that end before they start or start before the previous cue
	// ends, and VTT inline timestamps outside their cue or out of order.
	ErrTiming = errors.New("invalid cue timing")
	// ErrUnsupportedVersion is returned by Import for a JSON document that is not a Hushscribe
	// transcript of a version this package reads.
	ErrUnsupportedVersion = errors.New("unsupported transcript document version")
)

// Formats returns all supported formats in a stable order.
func Formats() []Format {
	return []Format{TXT, SRT, VTT, JSON, CSV, Markdown, DOCX}
}

// ParseFormat turns a user-supplied name into a Format. It is case-insensitive, ignores surrounding
// spaces and a leading dot (".srt"), and accepts the aliases "text", "subrip", "webvtt" and
// "markdown". Unknown names give an error wrapping ErrUnknownFormat.
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	name = strings.TrimPrefix(name, ".")
	switch name {
	case "txt", "text":
		return TXT, nil
	case "srt", "subrip":
		return SRT, nil
	case "vtt", "webvtt":
		return VTT, nil
	case "json":
		return JSON, nil
	case "csv":
		return CSV, nil
	case "md", "markdown":
		return Markdown, nil
	case "docx":
		return DOCX, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownFormat, s)
}

// Valid reports whether f is one of the supported formats.
func (f Format) Valid() bool {
	switch f {
	case TXT, SRT, VTT, JSON, CSV, Markdown, DOCX:
		return true
	}
	return false
}

// Extension returns the file name extension for f, with its leading dot (".srt"), as filepath.Ext
// reports it; it returns "" for an unknown format.
func (f Format) Extension() string {
	if !f.Valid() {
		return ""
	}
	return "." + string(f)
}

// MIMEType returns the media type for f, with a charset parameter for the text formats; it returns
// "application/octet-stream" for an unknown format.
func (f Format) MIMEType() string {
	switch f {
	case TXT:
		return "text/plain; charset=utf-8"
	case SRT:
		return "application/x-subrip"
	case VTT:
		return "text/vtt; charset=utf-8"
	case JSON:
		return "application/json"
	case CSV:
		return "text/csv; charset=utf-8"
	case Markdown:
		return "text/markdown; charset=utf-8"
	case DOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	return "application/octet-stream"
}

// Defaults for Options fields left at zero.
const (
	DefaultMaxLineLength = 42
	DefaultMaxLines      = 2
)

// Options tunes Write. The zero value is usable: no timestamps or speaker labels in the formats where
// they are optional, and the default subtitle line limits. DefaultOptions turns labels on.
type Options struct {
	// Timestamps prefixes each segment with its start time (hh:mm:ss) in TXT, Markdown and DOCX.
	Timestamps bool
	// Speakers labels segments with their speaker's name in TXT, Markdown and DOCX ("Name: " / bold
	// name), SRT (a "Name: " prefix on every cue) and VTT (a <v Name> voice span). JSON and CSV always
	// carry speakers.
	Speakers bool

	// MaxLineLength is the longest subtitle line in characters (runes, so a CJK character counts as
	// one; VTT markup is not counted, the SRT speaker prefix is); 0 means DefaultMaxLineLength. Lines
	// break between words; a word longer than a line, or text without spaces, is broken by rune count.
	// A speaker prefix longer than half the limit can make a cue's first line longer, never its text.
	MaxLineLength int
	// MaxLines is the most lines in one subtitle cue; 0 means DefaultMaxLines.
	MaxLines int
	// WordCues makes SRT and VTT cues follow the word timestamps: one cue per word, or groups of up to
	// WordsPerCue words. Segments without words are split into words timed in proportion to their
	// characters.
	WordCues bool
	// WordsPerCue is the most words in one cue when WordCues is set; 0 or 1 means one cue per word.
	// With more than one, VTT cues carry an inline timestamp tag before each word (karaoke style).
	WordsPerCue int

	// EscapeFormulas protects CSV output from formula injection: a speaker or text cell starting with
	// '=', '+', '-', '@', tab or carriage return gets a leading apostrophe (') so spreadsheets show it
	// as text. The change is visible in the data, so it is off by default.
	EscapeFormulas bool
}

// DefaultOptions returns the options an export dialog should start from: timestamps and speakers on,
// default line limits.
func DefaultOptions() Options {
	return Options{Timestamps: true, Speakers: true, MaxLineLength: DefaultMaxLineLength, MaxLines: DefaultMaxLines}
}

func (o Options) normalized() Options {
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultMaxLines
	}
	if o.WordsPerCue < 0 {
		o.WordsPerCue = 0
	}
	return o
}

// Write exports t to w in format f. Errors from w are returned wrapped; a nil t gives an error
// wrapping ErrInvalidTranscript and an unknown f one wrapping ErrUnknownFormat.
func Write(w io.Writer, t *transcript.Transcript, f Format, opt Options) error {
	if t == nil {
		return fmt.Errorf("export %s: %w: nil transcript", f, ErrInvalidTranscript)
	}
	opt = opt.normalized()
	var err error
	switch f {
	case DOCX:
		// The zip writer buffers per entry itself.
		err = writeDOCX(w, t, opt)
	case TXT, SRT, VTT, JSON, CSV, Markdown:
		bw := bufio.NewWriterSize(w, 64<<10)
		switch f {
		case TXT:
			err = writeTXT(bw, t, opt)
		case SRT:
			err = writeSRT(bw, t, opt)
		case VTT:
			err = writeVTT(bw, t, opt)
		case JSON:
			err = writeJSON(bw, t)
		case CSV:
			err = writeCSV(bw, t, opt)
		case Markdown:
			err = writeMarkdown(bw, t, opt)
		}
		if err == nil {
			err = bw.Flush()
		}
	default:
		return fmt.Errorf("export: %w: %q", ErrUnknownFormat, string(f))
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	return nil
}
