package audio

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio/drmp3"
)

// mp3Cases are the MPEG-1 Layer III layouts checked against ffmpeg, as
// ffmpeg encoder arguments; the first two are the benchmark's.
var mp3Cases = []struct {
	name string
	args []string
}{
	{"128k_stereo_44k", []string{"-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k"}},
	{"64k_mono_44k", []string{"-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k"}},
	{"32k_mono_32k", []string{"-ac", "1", "-ar", "32000", "-c:a", "libmp3lame", "-b:a", "32k"}},
	{"vbr_stereo_48k", []string{"-ac", "2", "-ar", "48000", "-c:a", "libmp3lame", "-q:a", "4"}},
	{"320k_joint_stereo_48k_no_tag", []string{"-ac", "2", "-ar", "48000", "-c:a", "libmp3lame", "-b:a", "320k", "-write_xing", "0"}},
}

// encodeMP3 encodes secs seconds of corpus speech (jfk.flac, with its two
// channels made different) with ffmpeg.
func encodeMP3(t testing.TB, secs string, args []string) []byte {
	t.Helper()
	src := filepath.Join(corpusDir(t), "jfk.flac")
	in := []string{"-stream_loop", "-1", "-i", src, "-t", secs, "-af", "pan=stereo|c0=c0|c1=-0.7*c1"}
	return ffmpegRun(t, nil, append(append(in, args...), "-f", "mp3", "-")...)
}

// mp3Raw decodes an MP3 in memory the way decodeMP3 does but stops before
// the resampler: interleaved samples at the source rate.
func mp3Raw(t testing.TB, data []byte) ([]float32, mp3Header) {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(data), 64<<10)
	f, err := sniff(br)
	if err != nil || f.kind != kindMP3 {
		t.Fatalf("sniff: %v, kind %v", err, f.kind)
	}
	if _, err := br.Discard(f.mp3.tagFrame); err != nil {
		t.Fatal(err)
	}
	rest := br
	skip, _, limit := f.mp3.trim()
	var out []float32
	_, err = mp3Decode(context.Background(), rest, f.mp3.header, skip, limit, func(x []float32) error {
		out = append(out, x...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, f.mp3.header
}

// TestMP3AgainstFFmpeg: dr_mp3's output before resampling matches ffmpeg's
// decode of the same bytes at the source rate to at least 60 dB, sample for
// sample (same length, no lag), for each MPEG-1 layout.
func TestMP3AgainstFFmpeg(t *testing.T) {
	needFFmpeg(t)
	for _, c := range mp3Cases {
		t.Run(c.name, func(t *testing.T) {
			data := encodeMP3(t, "20", c.args)
			got, h := mp3Raw(t, data)
			want := floats(ffmpegRun(t, data, "-i", "pipe:0", "-f", "f32le", "-"))
			if len(got) != len(want) {
				t.Errorf("%d samples, ffmpeg %d", len(got), len(want))
			}
			s := snr(got, want, 0, 0)
			t.Logf("%s: %d Hz, %d channels, %d samples, SNR %.1f dB against ffmpeg before resampling", c.name, h.sampleRate(), h.channels(), len(got), s)
			if s < 60 {
				t.Errorf("SNR %.1f dB, want >= 60", s)
			}
		})
	}
}

// Junk between frames, a frame of another layout and a trailing ID3v1 tag
// are skipped; the frames around them decode as they would without.
func TestMP3Junk(t *testing.T) {
	needFFmpeg(t)
	data := encodeMP3(t, "3", append(mp3Cases[0].args, "-write_xing", "0", "-id3v2_version", "0"))
	h := mp3Header(uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3]))
	if !h.valid() {
		t.Fatalf("no frame at 0")
	}
	n := h.frameLen()
	other := bytes.Clone(data[:n])
	other[3] ^= 0xc0 // stereo -> mono: another layout
	var in []byte
	in = append(in, data[:40*n]...)
	in = append(in, []byte("some junk \xff\xfb between frames")...)
	in = append(in, other...)
	in = append(in, data[40*n:]...)
	in = append(in, []byte("TAG"+string(make([]byte, 125)))...)
	a, err := Decode(context.Background(), bytes.NewReader(in), "junk.mp3", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Decode(context.Background(), bytes.NewReader(data), "clean.mp3", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := ref.Duration() - a.Duration(); d < 0 || d > 30*time.Millisecond {
		t.Errorf("with junk %v, without %v", a.Duration(), ref.Duration())
	}
}

// A damaged or cut stream decodes up to the damage, with ErrCorrupt.
func TestMP3Truncated(t *testing.T) {
	needFFmpeg(t)
	data := encodeMP3(t, "3", mp3Cases[1].args)
	a, err := Decode(context.Background(), bytes.NewReader(data[:len(data)*2/3]), "cut.mp3", Options{})
	if !errors.Is(err, ErrCorrupt) || a == nil {
		t.Fatalf("cut stream: %v, audio %v; want partial audio and ErrCorrupt", err, a != nil)
	}
	if d := a.Duration(); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Errorf("cut at 2/3 of 3 s: %v decoded", d)
	}
}

// FuzzMP3 feeds the C decoder hostile frames: arbitrary bytes after a
// valid header, one frame at a time and through Decode.
func FuzzMP3(f *testing.F) {
	f.Add([]byte("\xff\xfb\x90\x64\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xf3\x48\xc4" + string(make([]byte, 200))))
	if dir := corpusDirOrEmpty(); dir != "" {
		for _, name := range []string{"hotwords.mp3", "english_german.mp3"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(b[:min(len(b), 6000)])
				f.Add(b[len(b)/2 : len(b)/2+3000])
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := drmp3.New()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for b := data; len(b) > 0; {
			n := min(len(b), 1+int(b[0])*8)
			pcm, ch := d.Frame(b[:n])
			if len(pcm) > 2*drmp3.MaxFrameSamples || (len(pcm) > 0 && (ch < 1 || ch > 2)) {
				t.Fatalf("%d samples, %d channels", len(pcm), ch)
			}
			b = b[n:]
		}
		a, err := Decode(context.Background(), bytes.NewReader(data), "fuzz.mp3", Options{FFmpegPath: "/nonexistent/ffmpeg"})
		if err != nil && !isTyped(err) {
			t.Fatalf("untyped error: %v", err)
		}
		if err == nil && a == nil {
			t.Fatal("no audio and no error")
		}
		checkAudio(t, a)
	})
}

// BenchmarkDecodeMP3 decodes 60 s of speech MP3 from memory to 16 kHz, the
// whole of Decode (frames, dr_mp3, downmix, resampler). Run with -cpu 1:
// x_realtime is the single-core speed, goal >= 200.
func BenchmarkDecodeMP3(b *testing.B) {
	for _, c := range mp3Cases[:2] {
		b.Run(c.name, func(b *testing.B) {
			benchDecode(b, encodeMP3(b, "60", c.args), c.name+".mp3")
		})
	}
}
