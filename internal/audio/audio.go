package audio

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Errors returned by Decode. They are wrapped with context; test for them
// with errors.Is.
var (
	// ErrEmpty means the input holds no audio: zero bytes, or a valid
	// container without a single sample.
	ErrEmpty = errors.New("no audio data")
	// ErrCorrupt means the input looked like a known format but its
	// contents are damaged or truncated.
	ErrCorrupt = errors.New("corrupt or truncated audio data")
	// ErrUnsupported means the format (or a variant of it, such as a
	// sample encoding) is not one this package or ffmpeg can decode.
	ErrUnsupported = errors.New("unsupported audio format")
	// ErrMissingTool means decoding needs an external program that is not
	// installed. The error is a *MissingToolError naming it.
	ErrMissingTool = errors.New("required external tool not found")
	// ErrTooLong means the audio decodes to more than Options.MaxDuration
	// (a decompression bomb, or simply too long a recording). Decoding stops
	// as soon as the cap is passed, and nothing decoded is returned.
	ErrTooLong = errors.New("audio is longer than the allowed maximum")
)

// DefaultMaxDuration is the decoded length Decode accepts when
// Options.MaxDuration is zero: half a day.
const DefaultMaxDuration = 12 * time.Hour

// MissingToolError reports that decoding needs an external program (today
// only ffmpeg) that could not be found. errors.Is(err, ErrMissingTool)
// holds for it.
type MissingToolError struct {
	Tool string // program name or the configured path, e.g. "ffmpeg"
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("%s not found: install %s to decode this format", e.Tool, filepath.Base(e.Tool))
}

// Is makes errors.Is(err, ErrMissingTool) true.
func (e *MissingToolError) Is(target error) bool { return target == ErrMissingTool }

// Audio is decoded audio: SampleRate is always TargetRate (16000) after
// Decode, and Channels holds one slice of samples in [-1, 1] per channel,
// all of the same length. There is one channel unless Options.KeepChannels
// was set and the source had exactly two distinct channels.
//
// An Audio must not be copied after Mono has been called.
type Audio struct {
	SampleRate int
	Channels   [][]float32

	monoOnce sync.Once
	mono     []float32
}

// Mono returns the audio as a single channel: the only channel itself (no
// copy) if there is one, otherwise the average of all channels, computed on
// the first call and kept. Callers must not change Channels afterwards.
func (a *Audio) Mono() []float32 {
	switch len(a.Channels) {
	case 0:
		return nil
	case 1:
		return a.Channels[0]
	}
	a.monoOnce.Do(func() {
		n := len(a.Channels[0])
		for _, c := range a.Channels[1:] {
			n = min(n, len(c))
		}
		m := make([]float32, n)
		for _, c := range a.Channels {
			for i, v := range c[:n] {
				m[i] += v
			}
		}
		scale := 1 / float32(len(a.Channels))
		for i := range m {
			m[i] *= scale
		}
		a.mono = m
	})
	return a.mono
}

// Clear zeroes every sample (the channels and the mixed-down mono copy, if Mono made one) and drops
// them, so that no copy of the audio outlives the job that decoded it.
func (a *Audio) Clear() {
	for _, c := range a.Channels {
		clear(c)
	}
	clear(a.mono)
	a.Channels, a.mono = nil, nil
}

// Duration is the length of the audio.
func (a *Audio) Duration() time.Duration {
	if a.SampleRate <= 0 || len(a.Channels) == 0 {
		return 0
	}
	return time.Duration(len(a.Channels[0])) * time.Second / time.Duration(a.SampleRate)
}

// Options configure Decode. The zero value decodes to mono and looks up
// ffmpeg in PATH.
type Options struct {
	// KeepChannels keeps the two channels of a stereo source apart (for
	// recordings with one speaker per channel). Sources with more than two
	// channels are still averaged to mono, since nothing says which
	// channel carries whom; two identical channels are returned as one.
	KeepChannels bool
	// FFmpegPath is the ffmpeg binary used for formats without a native
	// decoder. "" looks up "ffmpeg" in PATH.
	FFmpegPath string
	// MaxDuration caps the decoded length, checked while decoding (every
	// decoder, ffmpeg's output included), so that a small file that
	// decodes to days of audio is stopped before it fills memory: decoding
	// fails with ErrTooLong as soon as the cap is passed. Zero means
	// DefaultMaxDuration; a negative value disables the cap.
	MaxDuration time.Duration
}

func (o Options) maxDuration() time.Duration {
	switch {
	case o.MaxDuration == 0:
		return DefaultMaxDuration
	case o.MaxDuration < 0:
		return 0
	}
	return o.MaxDuration
}

// Decode decodes the audio in r to 16 kHz float32 samples in memory.
//
// The format is sniffed from the content; name (a file name or just an
// extension) is only a hint used in error messages. WAV, FLAC, MP3 and Ogg
// Vorbis are decoded in Go; anything else is piped through ffmpeg.
//
// If decoding fails part-way, for instance on a truncated file, Decode
// returns the audio decoded so far together with the error (which wraps
// ErrCorrupt), so that nothing the input did hold is lost. A nil *Audio
// means nothing usable was decoded. Cancelling ctx stops decoding and kills
// ffmpeg; the error then wraps ctx.Err().
func Decode(ctx context.Context, r io.Reader, name string, opt Options) (*Audio, error) {
	return decode(ctx, input{r: r, name: name, size: readerSize(r)}, opt)
}

// DecodeFile decodes the audio file at path, like Decode. A file that needs
// ffmpeg is handed to it as an open file descriptor rather than a pipe
// where the platform allows, so that containers with their index at the
// end (MP4/M4A written without "faststart") decode too.
func DecodeFile(ctx context.Context, path string, opt Options) (*Audio, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("decode audio: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("decode audio: %w", err)
	}
	if !st.Mode().IsRegular() {
		return decode(ctx, input{r: f, name: path, size: -1}, opt)
	}
	in := input{r: f, name: path, size: st.Size()}
	if runtime.GOOS != "windows" {
		in.file = f
	}
	return decode(ctx, in, opt)
}

// input is what decode reads from.
type input struct {
	r    io.Reader
	name string
	size int64    // bytes left in r, or -1 if unknown
	file *os.File // the open file at offset 0, if ffmpeg may read it directly
}

func readerSize(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader
		return int64(r.Len())
	case *os.File:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return max(st.Size()-off, 0)
	}
	return -1
}

func decode(ctx context.Context, in input, opt Options) (*Audio, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(in.r, 64<<10)
	f, err := sniff(br)
	if err != nil {
		return nil, fmt.Errorf("decode audio: %w", err)
	}
	if f.skipped > 0 && in.size >= 0 {
		in.size = max(in.size-f.skipped, 0)
	}
	var a *Audio
	switch f.kind {
	case kindWAV:
		a, err = decodeWAVStream(ctx, br, in, &f, opt)
	case kindFLAC:
		a, err = safely(func() (*Audio, error) { return decodeFLAC(ctx, br, in.size, opt) })
	case kindMP3:
		if !f.mp3.header.mpeg1() && hasFFmpeg(opt) {
			// MPEG-2/2.5 LSF (8-24 kHz streams): some of their frames
			// (english_german.mp3 in the corpus has a few dozen) decode
			// differently in dr_mp3, as they did in go-mp3, than in
			// ffmpeg; prefer ffmpeg for them while it is there.
			f.label = "mp3 (MPEG-2)"
			a, err = decodeFFmpeg(ctx, ffmpegInput{r: br, file: in.file}, f.label, opt)
			break
		}
		a, err = safely(func() (*Audio, error) { return decodeMP3(ctx, br, f.mp3, in.size, opt) })
	case kindVorbis:
		a, err = safely(func() (*Audio, error) { return decodeVorbis(ctx, br, opt) })
	default:
		if f.kind == kindUnknown {
			f.label = unknownLabel(in.name)
		}
		a, err = decodeFFmpeg(ctx, ffmpegInput{r: br, file: in.file, unknown: f.kind == kindUnknown}, f.label, opt)
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, fmt.Errorf("decode %s: %w", f.label, cerr)
	}
	if errors.Is(err, ErrTooLong) {
		return nil, fmt.Errorf("decode %s: %w", f.label, err)
	}
	if err != nil {
		return a, fmt.Errorf("decode %s: %w", f.label, err)
	}
	if a == nil {
		return nil, fmt.Errorf("decode %s: %w", f.label, ErrEmpty)
	}
	return a, nil
}

// decodeWAVStream decodes the WAV stream in br natively or, for sample
// encodings only ffmpeg knows (ADPCM, GSM, MP3 in WAV, ...), through
// ffmpeg. The header is read through a recorder so that ffmpeg can be
// given the whole stream, header included.
func decodeWAVStream(ctx context.Context, br *bufio.Reader, in input, f *format, opt Options) (*Audio, error) {
	rec := &recorder{r: br, limit: 1 << 20}
	h, err := readWAVHeader(rec)
	var nf *nativeUnsupportedError
	if errors.As(err, &nf) {
		f.label = nf.what
		src, err := rec.replay()
		if err != nil {
			return nil, err
		}
		return decodeFFmpeg(ctx, ffmpegInput{r: src, file: in.file}, f.label, opt)
	}
	if err != nil {
		return nil, err
	}
	return safely(func() (*Audio, error) { return decodeWAVData(ctx, br, h, in.size, opt) })
}

func unknownLabel(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	if ext == "" {
		return "unrecognised audio"
	}
	return fmt.Sprintf("unrecognised audio (named .%s)", ext)
}

// safely runs a native decoder, turning a panic inside a third-party
// decoder on hostile input into ErrCorrupt.
func safely(f func() (*Audio, error)) (a *Audio, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrCorrupt, p)
		}
	}()
	return f()
}

// nativeUnsupportedError says a native decoder recognised the container
// but not its encoding, so ffmpeg should try.
type nativeUnsupportedError struct{ what string }

func (e *nativeUnsupportedError) Error() string { return e.what + " is not decoded natively" }

// recorder passes reads through and remembers up to limit bytes of them,
// so that a header parser's input can be handed on to ffmpeg in full.
type recorder struct {
	r     io.Reader
	buf   bytes.Buffer
	limit int
	over  bool
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if !r.over {
		if r.buf.Len()+n > r.limit {
			r.over = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(p[:n])
		}
	}
	return n, err
}

// replay returns a reader yielding everything read so far and the rest.
func (r *recorder) replay() (io.Reader, error) {
	if r.over {
		return nil, fmt.Errorf("%w: header too large to hand to ffmpeg", ErrUnsupported)
	}
	return io.MultiReader(bytes.NewReader(r.buf.Bytes()), r.r), nil
}
