package audio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testcorpus"
	"github.com/hushscribe/hushscribe/internal/testgate"
)

var corpusFiles = []struct {
	name     string
	channels int // in the source
}{
	{"jfk.flac", 2},
	{"librispeech_a.flac", 1},
	{"librispeech_b.flac", 1},
	{"platforms_en.wav", 1},
	{"stereo_two_speakers.wav", 2},
	{"english_german.mp3", 1},
	{"hotwords.mp3", 2},
}

// ffprobeDuration asks ffprobe for the duration of path, or returns 0.
func ffprobeDuration(t *testing.T, path string) float64 {
	p, err := exec.LookPath("ffprobe")
	if err != nil {
		return 0
	}
	out, err := exec.Command(p, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return d
}

// compare checks got against ffmpeg's reference want: the best alignment
// must be lag 0 (no delay), and the two must agree to better than 60 dB in
// the passband both resamplers are flat in (below 7 kHz). The full-band
// figure differs by design (the two filters' transition bands differ) and
// is only logged.
func compare(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if d := len(got) - len(want); d < -2 || d > 2 {
		t.Errorf("%s: %d samples, ffmpeg %d", what, len(got), len(want))
	}
	lag := bestLag(got, want, 2000)
	full := snr(got, want, 200, 0)
	pass := snr(got, want, 200, 7000)
	t.Logf("%s: lag %d, SNR %.1f dB full band, %.1f dB below 7 kHz", what, lag, full, pass)
	if lag != 0 {
		t.Errorf("%s: best alignment with ffmpeg at lag %d, want 0", what, lag)
	}
	if pass < 60 {
		t.Errorf("%s: SNR %.1f dB below 7 kHz, want > 60", what, pass)
	}
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	needFFmpeg(t)
	for _, c := range corpusFiles {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			a, err := DecodeFile(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a.SampleRate != TargetRate || len(a.Channels) != 1 {
				t.Fatalf("%d Hz, %d channels", a.SampleRate, len(a.Channels))
			}
			if d := ffprobeDuration(t, path); d > 0 && math.Abs(a.Duration().Seconds()-d) > 0.06 {
				t.Errorf("duration %v, ffprobe says %.3fs", a.Duration(), d)
			}
			compare(t, "mono", a.Mono(), ffmpegRef(t, path, nil, false)[0])
			if c.channels != 2 {
				return
			}
			k, err := DecodeFile(context.Background(), path, Options{KeepChannels: true})
			if err != nil {
				t.Fatal(err)
			}
			refs := ffmpegRef(t, path, nil, true)
			if equalFloat32(refs[0], refs[1]) {
				if len(k.Channels) != 1 {
					t.Errorf("identical channels kept as %d", len(k.Channels))
				}
				return
			}
			if len(k.Channels) != 2 {
				t.Fatalf("KeepChannels: %d channels", len(k.Channels))
			}
			for ch := range 2 {
				compare(t, "channel "+strconv.Itoa(ch), k.Channels[ch], refs[ch])
			}
		})
	}
}

// The content decides the format, not the name.
func TestWrongExtension(t *testing.T) {
	dir := corpusDir(t)
	for _, c := range []struct{ file, name string }{
		{"platforms_en.wav", "speech.mp3"},
		{"jfk.flac", "speech.wav"},
		{"hotwords.mp3", "speech.flac"},
		{"librispeech_a.flac", ""},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		want, err := DecodeFile(context.Background(), filepath.Join(dir, c.file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(context.Background(), bytes.NewReader(data), c.name, Options{FFmpegPath: "/nonexistent/ffmpeg"})
		if err != nil {
			t.Fatalf("%s named %q: %v", c.file, c.name, err)
		}
		if !equalFloat32(got.Mono(), want.Mono()) {
			t.Errorf("%s named %q decodes differently", c.file, c.name)
		}
	}
}

// Formats decoded through ffmpeg, and native ones produced by ffmpeg's
// encoders, against ffmpeg's decoding of the same bytes.
func TestFormats(t *testing.T) {
	src := filepath.Join(corpusDir(t), "jfk.flac")
	needFFmpeg(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"x.ogg", []string{"-c:a", "libvorbis", "-f", "ogg"}},
		{"x.opus", []string{"-c:a", "libopus", "-f", "ogg"}},
		{"x.m4a", []string{"-c:a", "aac", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov"}},
		{"x.aac", []string{"-c:a", "aac", "-f", "adts"}},
		{"x.webm", []string{"-c:a", "libopus", "-f", "webm"}},
		{"x.mp2", []string{"-c:a", "mp2", "-f", "mp2"}},
		{"x.mp3 (MPEG-2.5, 8 kHz)", []string{"-c:a", "libmp3lame", "-ar", "8000", "-f", "mp3"}},
		{"x.mp3 (MPEG-2, 22.05 kHz)", []string{"-c:a", "libmp3lame", "-ar", "22050", "-f", "mp3"}},
		{"x.flac (48 kHz, 24 bit)", []string{"-ar", "48000", "-c:a", "flac", "-sample_fmt", "s32", "-f", "flac"}},
		{"x.wav (IMA ADPCM)", []string{"-c:a", "adpcm_ima_wav", "-f", "wav"}},
		{"x.wav (stereo 44.1 kHz)", []string{"-af", "pan=stereo|c0=c0|c1=-0.5*c1", "-c:a", "pcm_s16le", "-f", "wav"}},
		{"x.au", []string{"-c:a", "pcm_s16be", "-f", "au"}},
		{"x.wma", []string{"-c:a", "wmav2", "-f", "asf"}},
		{"x.mp3 (MPEG-1, 32 kbps)", []string{"-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3"}},
		{"x.mp3 (MPEG-1, 48 kHz mono VBR)", []string{"-ac", "1", "-ar", "48000", "-c:a", "libmp3lame", "-q:a", "6", "-f", "mp3"}},
		{"x.mkv (with video)", []string{"-f", "lavfi", "-i", "testsrc=size=64x64:rate=5", "-map", "1:v", "-map", "0:a", "-shortest", "-c:v", "mpeg4", "-c:a", "libopus", "-f", "matroska"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-t", "4", "-i", src}, c.args...)
			data := ffmpegRun(t, nil, append(args, "-")...)
			a, err := Decode(context.Background(), bytes.NewReader(data), c.name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, c.name, a.Mono(), ffmpegRef(t, "pipe:0", data, false)[0])
			k, err := Decode(context.Background(), bytes.NewReader(data), c.name, Options{KeepChannels: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(k.Channels) != 1 && len(k.Channels) != 2 {
				t.Errorf("KeepChannels: %d channels", len(k.Channels))
			}
			compare(t, c.name+", channels kept, Mono()", k.Mono(), a.Mono())
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	dir := corpusDir(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	flac, mp3, wav := read("jfk.flac"), read("hotwords.mp3"), read("platforms_en.wav")
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	noFFmpeg := Options{FFmpegPath: "/nonexistent/ffmpeg"}
	_, ffErr := exec.LookPath("ffmpeg")
	withFFmpeg := ffErr == nil
	for _, c := range []struct {
		name    string
		data    []byte
		opt     Options
		want    []error
		partial bool // some audio comes back with the error
		ffmpeg  bool // needs ffmpeg installed
	}{
		{"empty", nil, Options{}, []error{ErrEmpty}, false, false},
		{"ID3 tag only", []byte("ID3\x04\x00\x00\x00\x00\x00\x10" + strings.Repeat("\x00", 16)), Options{}, []error{ErrEmpty}, false, false},
		{"truncated ID3 tag", []byte("ID3\x04\x00\x00\x00\x00\x10\x00abc"), Options{}, []error{ErrCorrupt}, false, false},
		{"FLAC signature only", flac[:4], Options{}, []error{ErrCorrupt}, false, false},
		{"FLAC header only", flac[:200], Options{}, []error{ErrEmpty}, false, false},
		{"FLAC truncated", flac[:len(flac)/2], Options{}, []error{ErrCorrupt}, true, false},
		{"FLAC bit flip", flip(flac, len(flac)/2), Options{}, []error{ErrCorrupt}, true, false},
		{"MP3 truncated", mp3[:len(mp3)/2], Options{}, []error{ErrCorrupt}, true, false},
		{"MP3 first frame only", mp3[:600], Options{}, []error{ErrCorrupt}, false, false},
		{"WAV header only", wav[:44], Options{}, []error{ErrCorrupt}, false, false},
		{"WAV truncated", wav[:len(wav)/2+1], Options{}, []error{ErrCorrupt}, true, false},
		{"WAV truncated in header", wav[:20], Options{}, []error{ErrCorrupt}, false, false},
		{"RIFF but not WAVE", []byte("RIFF\x04\x00\x00\x00WEBPVP8 "), noFFmpeg, []error{ErrUnsupported, ErrMissingTool}, false, false},
		{"Ogg garbage", append([]byte("OggS\x00\x02"), random[:100]...), noFFmpeg, []error{ErrMissingTool}, false, false},
		{"Ogg Vorbis garbage", oggVorbisGarbage(), Options{}, []error{ErrCorrupt}, false, false},
		{"random bytes named .wav, no ffmpeg", random, noFFmpeg, []error{ErrUnsupported, ErrMissingTool}, false, false},
		{"text named .mp3, no ffmpeg", []byte("hello, this is not audio\n"), noFFmpeg, []error{ErrUnsupported, ErrMissingTool}, false, false},
		{"random bytes named .wav", random, Options{}, []error{ErrUnsupported}, false, true},
		{"text named .mp3", []byte("hello, this is not audio\n"), Options{}, []error{ErrUnsupported}, false, true},
		{"M4A without ffmpeg", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), noFFmpeg, []error{ErrMissingTool}, false, false},
		{"truncated M4A", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), Options{}, []error{ErrCorrupt}, false, true},
		{"video without audio", nil, Options{}, []error{ErrEmpty}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.ffmpeg && !withFFmpeg {
				testgate.Missing(t, "ffmpeg not installed")
			}
			data := c.data
			if c.name == "video without audio" {
				data = ffmpegRun(t, nil, "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=1", "-c:v", "mpeg4", "-f", "matroska", "-")
			}
			a, err := Decode(context.Background(), bytes.NewReader(data), c.name, c.opt)
			t.Logf("%v", err)
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v, want %v", err, w)
				}
			}
			if (a != nil) != c.partial {
				t.Errorf("audio returned: %v, want %v", a != nil, c.partial)
			}
			checkAudio(t, a)
		})
	}
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x10
	return b
}

// oggVorbisGarbage is an Ogg page announcing Vorbis followed by nonsense.
func oggVorbisGarbage() []byte {
	p := []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e")
	return append(p, []byte("\x01vorbis"+strings.Repeat("\xff", 23))...)
}

func TestMissingTool(t *testing.T) {
	m4a := []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00")
	_, err := Decode(context.Background(), bytes.NewReader(m4a), "x.m4a", Options{FFmpegPath: "/nonexistent/ffmpeg"})
	var mt *MissingToolError
	if !errors.As(err, &mt) || mt.Tool != "/nonexistent/ffmpeg" {
		t.Fatalf("error %v, want *MissingToolError", err)
	}
	if !errors.Is(err, ErrMissingTool) {
		t.Errorf("errors.Is(%v, ErrMissingTool) is false", err)
	}
	if !strings.Contains(err.Error(), "ffmpeg") {
		t.Errorf("error %q does not name ffmpeg", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = Decode(context.Background(), bytes.NewReader(m4a), "x.m4a", Options{})
	if !errors.As(err, &mt) || mt.Tool != "ffmpeg" {
		t.Errorf("with ffmpeg not in PATH: %v", err)
	}
}

// endless yields a streamed WAV header and then silence until ctx ends.
type endless struct {
	ctx    context.Context
	header []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if err := e.ctx.Err(); err != nil {
		return 0, err
	}
	if len(e.header) > 0 {
		n := copy(p, e.header)
		e.header = e.header[n:]
		return n, nil
	}
	clear(p)
	return len(p), nil
}

// stalled yields a prefix and then blocks until ctx ends.
type stalled struct {
	ctx    context.Context
	prefix []byte
}

func (s *stalled) Read(p []byte) (int, error) {
	if len(s.prefix) > 0 {
		n := copy(p, s.prefix)
		s.prefix = s.prefix[n:]
		return n, nil
	}
	<-s.ctx.Done()
	return 0, s.ctx.Err()
}

func TestCancel(t *testing.T) {
	wavHeader := makeWAV(wavSpec{channels: 1, rate: 44100, bits: 16, dataSize: 0xffffffff}, nil)
	opus := func(t *testing.T) []byte {
		return ffmpegRun(t, nil, "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libopus", "-f", "ogg", "-")
	}
	for _, c := range []struct {
		name string
		data func(t *testing.T) []byte
		r    func(ctx context.Context, data []byte) io.Reader
	}{
		{"native, endless input", func(*testing.T) []byte { return wavHeader },
			func(ctx context.Context, data []byte) io.Reader { return &endless{ctx, data} }},
		{"ffmpeg, stalled input", opus,
			func(ctx context.Context, data []byte) io.Reader { return &stalled{ctx, data[:len(data)/2]} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			r := c.r(ctx, data)
			start := time.Now()
			a, err := Decode(ctx, r, "", Options{})
			if !errors.Is(err, context.DeadlineExceeded) || a != nil {
				t.Errorf("got %v, %v; want context.DeadlineExceeded", a, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to stop", d)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Decode(ctx, bytes.NewReader(wavHeader), "", Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before start: %v", err)
	}
}

func TestAudio(t *testing.T) {
	a := &Audio{SampleRate: 16000, Channels: [][]float32{{1, 0.5, 0}, {0, 0.5, 1}}}
	m := a.Mono()
	if !equalFloat32(m, []float32{0.5, 0.5, 0.5}) {
		t.Errorf("Mono() = %v", m)
	}
	if &a.Mono()[0] != &m[0] {
		t.Errorf("Mono() computed twice")
	}
	if got := a.Duration(); got != 3*time.Second/16000 {
		t.Errorf("Duration() = %v", got)
	}
	one := &Audio{SampleRate: 16000, Channels: [][]float32{make([]float32, 32000)}}
	if &one.Mono()[0] != &one.Channels[0][0] {
		t.Errorf("Mono() of one channel copies")
	}
	if one.Duration() != 2*time.Second {
		t.Errorf("Duration() = %v", one.Duration())
	}
	var empty Audio
	if empty.Mono() != nil || empty.Duration() != 0 {
		t.Errorf("zero Audio: %v, %v", empty.Mono(), empty.Duration())
	}
}

func FuzzDecode(f *testing.F) {
	sig := make([]float64, 256)
	for i := range sig {
		sig[i] = math.Sin(float64(i) / 3)
	}
	f.Add(makeWAV(wavSpec{channels: 2, rate: 44100, bits: 16}, sig))
	f.Add(makeWAV(wavSpec{channels: 1, rate: 8000, bits: 8, tag: wavTagALaw}, sig))
	f.Add([]byte("fLaC\x00\x00\x00\x22\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00\x0a\xc4\x42\xf0\x00\x00\x00\x10"))
	f.Add(oggVorbisGarbage())
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64\x00"))
	f.Add([]byte("\xff\xfb\x90\x64\x00\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x20ftypM4A "))
	f.Add([]byte("\x1a\x45\xdf\xa3"))
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead"))
	// Beginnings of the real corpus files, where present.
	if dir := corpusDirOrEmpty(); dir != "" {
		for _, c := range corpusFiles {
			if b, err := os.ReadFile(filepath.Join(dir, c.name)); err == nil {
				f.Add(b[:min(len(b), 8192)])
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// No ffmpeg: the fuzzer exercises the sniffer and native decoders.
		a, err := Decode(context.Background(), bytes.NewReader(data), "fuzz", Options{FFmpegPath: "/nonexistent/ffmpeg"})
		if err != nil && !isTyped(err) {
			t.Fatalf("untyped error: %v", err)
		}
		if err == nil && a == nil {
			t.Fatal("no audio and no error")
		}
		checkAudio(t, a)
	})
}

func corpusDirOrEmpty() string { return testcorpus.Find() }

// Clear zeroes the channels and the mixed-down copy Mono made, and drops them.
func TestAudioClear(t *testing.T) {
	l, r := []float32{0.5, -0.25, 1}, []float32{0.5, 0.25, -1}
	a := &Audio{SampleRate: TargetRate, Channels: [][]float32{l, r}}
	m := a.Mono()
	if m[0] != 0.5 {
		t.Fatalf("mono = %v", m)
	}
	a.Clear()
	for name, s := range map[string][]float32{"left": l, "right": r, "mono": m} {
		for i, v := range s {
			if v != 0 {
				t.Errorf("%s[%d] = %g after Clear", name, i, v)
			}
		}
	}
	if a.Channels != nil || a.Duration() != 0 {
		t.Errorf("after Clear: %d channels, %v", len(a.Channels), a.Duration())
	}
}
