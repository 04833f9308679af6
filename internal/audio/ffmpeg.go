package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ffmpegInput is what ffmpeg decodes: r over stdin, or file read directly.
type ffmpegInput struct {
	r io.Reader
	// file, if set, is a regular file at offset 0 that ffmpeg opens
	// itself as /dev/fd/3 and can seek in (an MP4 with its index at the
	// end cannot be decoded from a pipe). Nothing is written anywhere.
	file *os.File
	// unknown says the content matched no known signature, so a failure
	// to probe it means it is not audio at all.
	unknown bool
}

// decodeFFmpeg runs ffmpeg with the input on stdin (or as an inherited
// file descriptor) and reads float32 samples from its stdout as a
// streamed WAV, which goes through the same path as a native WAV.
func decodeFFmpeg(ctx context.Context, in ffmpegInput, label string, opt Options) (*Audio, error) {
	path, err := exec.LookPath(ffmpegName(opt))
	if err != nil {
		mt := &MissingToolError{Tool: ffmpegName(opt)}
		if in.unknown {
			return nil, fmt.Errorf("%w: not WAV, FLAC, MP3 or Ogg Vorbis, and %w", ErrUnsupported, mt)
		}
		return nil, mt
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	args := []string{"-hide_banner", "-nostats", "-loglevel", "error"}
	cmd := exec.CommandContext(ctx, path)
	if in.file != nil {
		if _, err := in.file.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind input: %w", err)
		}
		cmd.ExtraFiles = []*os.File{in.file}
		args = append(args, "-nostdin", "-protocol_whitelist", "file", "-format_whitelist", ffmpegFormats, "-i", "file:/dev/fd/3")
	} else {
		cmd.Stdin = in.r
		args = append(args, "-protocol_whitelist", "pipe", "-i", "pipe:0")
	}
	// The first audio stream, as float samples at its own rate in a WAV
	// stream whose header tells rate and channels: resampling to 16 kHz is
	// left to this package's resampler, so quality does not depend on how
	// ffmpeg was built. For mono, ffmpeg downmixes (it knows channel
	// layouts such as 5.1); rematrix_maxval 1 normalises its matrix, so
	// stereo becomes (L+R)/2 as in the native decoders and nothing clips.
	args = append(args, "-map", "0:a:0")
	if !opt.KeepChannels {
		args = append(args, "-ac", "1", "-rematrix_maxval", "1")
	}
	args = append(args, "-c:a", "pcm_f32le", "-f", "wav")
	cmd.Args = append(cmd.Args, append(args, "pipe:1")...)
	cmd.Env = ffmpegEnv(os.Environ())
	stderr := &tailBuffer{max: 16 << 10}
	cmd.Stderr = stderr
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ffmpeg: %w", err)
	}

	var a *Audio
	out := &countingReader{r: stdout}
	h, derr := readWAVHeader(out)
	if derr == nil {
		a, derr = decodeWAVData(ctx, out, h, -1, opt)
	} else if out.n == 0 {
		derr = nil // no output at all: ffmpeg's exit status tells why
	}
	if derr != nil {
		cancel() // stop ffmpeg rather than leave it blocked on a full pipe
	}
	werr := cmd.Wait()
	if errors.Is(derr, ErrTooLong) {
		return nil, derr // ffmpeg was stopped for it; its exit status says nothing
	}
	var ee *exec.ExitError
	switch {
	case errors.As(werr, &ee) && ee.ExitCode() > 0:
		return a, ffmpegError(ee.String(), stderr.String(), in.unknown, ErrCorrupt)
	case derr != nil:
		return a, fmt.Errorf("read ffmpeg output: %w", derr)
	case werr != nil:
		return a, fmt.Errorf("ffmpeg: %w", werr)
	case a == nil:
		// ffmpeg can exit successfully without decoding anything, for
		// instance when an MP4's index comes after its samples on a pipe.
		return nil, ffmpegError("no audio decoded", stderr.String(), in.unknown, ErrEmpty)
	}
	return a, nil
}

// ffmpegFormats are the demuxers ffmpeg may use on a file it reads
// itself: audio and video containers that never open another file or
// URL. Playlists and references (HLS, concat, DASH, image sequences, ...)
// are left out, because with the file protocol allowed they could read
// any file the user can (an M3U8 listing /home/.../secret.mp3 was decoded
// as audio). From a pipe, the protocol whitelist alone ("pipe") stops
// every nested open, so there any demuxer may be used.
const ffmpegFormats = "mov,mp4,m4a,3gp,matroska,webm,ogg,wav,w64,flac,mp3,aac,ac3,eac3,dts,truehd,mlp," +
	"amr,amrnb,amrwb,ape,asf,au,caf,aiff,wv,tta,tak,mpc,mpc8,avi,flv,mpeg,mpegts,rm,voc,xwma,gsm," +
	"dsf,mxf,nut,qcp,shn,loas,s16le,mulaw,alaw"

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func ffmpegName(opt Options) string {
	if opt.FFmpegPath != "" {
		return opt.FFmpegPath
	}
	return "ffmpeg"
}

// hasFFmpeg says whether the configured ffmpeg can be found.
func hasFFmpeg(opt Options) bool {
	_, err := exec.LookPath(ffmpegName(opt))
	return err == nil
}

// ffmpegEnv is env without variables that make ffmpeg write files
// (FFREPORT writes a log file, with the input's details, to the working
// directory).
func ffmpegEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "FFREPORT=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// ffmpegError explains why ffmpeg failed (status says how it ended) with
// an error wrapping ErrEmpty, ErrUnsupported or, failing a better guess,
// fallback, and a summary of what ffmpeg said.
func ffmpegError(status, stderr string, unknown bool, fallback error) error {
	msg := summarize(stderr)
	if msg == "" {
		msg = status
	} else {
		msg = status + ": " + msg
	}
	low := strings.ToLower(stderr)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(low, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("moov atom not found", "partial file"):
		return fmt.Errorf("%w: the MP4 index is at the end of the file, which cannot be read from a stream; decode it from a file (ffmpeg %s)", ErrUnsupported, msg)
	case has("matches no streams", "does not contain any stream"):
		return fmt.Errorf("%w: no audio stream (ffmpeg %s)", ErrEmpty, msg)
	case unknown || has("unknown input format", "could not find codec parameters", "decoder not found", "not yet implemented", "not supported"):
		return fmt.Errorf("%w: ffmpeg %s", ErrUnsupported, msg)
	case has("invalid data found"):
		return fmt.Errorf("%w: ffmpeg %s", ErrCorrupt, msg)
	}
	return fmt.Errorf("%w: ffmpeg %s", fallback, msg)
}

// summarize keeps the last few distinct lines of ffmpeg's stderr.
func summarize(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || (len(lines) > 0 && lines[len(lines)-1] == l) {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	out := strings.Join(lines, "; ")
	if len(out) > 400 {
		out = "..." + out[len(out)-400:]
	}
	return out
}

// tailBuffer is an io.Writer keeping the last max bytes written.
type tailBuffer struct {
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if t.buf.Len()+len(p) > t.max {
		keep := t.buf.Bytes()[t.buf.Len()+len(p)-t.max:]
		rest := append([]byte(nil), keep...)
		t.buf.Reset()
		t.buf.Write(rest)
	}
	t.buf.Write(p)
	return n, nil
}

func (t *tailBuffer) String() string { return t.buf.String() }
