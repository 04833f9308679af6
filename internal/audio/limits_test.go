package audio

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMaxDuration feeds every decoder input that is small on the wire but decodes to far more than
// the cap: an hour of silence as FLAC (about 0.5 MB, over 7,000 times smaller than its samples), an
// endless streamed WAV, and, through ffmpeg, Opus from a pipe and M4A from a file. Each stops with
// ErrTooLong, returns no audio, and the same input under the cap decodes.
func TestMaxDuration(t *testing.T) {
	ctx := context.Background()
	needFFmpeg(t)
	silence := func(seconds string, args ...string) []byte {
		return ffmpegRun(t, nil, append([]string{"-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", seconds}, append(args, "-")...)...)
	}
	flacBomb := silence("3600", "-c:a", "flac", "-f", "flac")
	if len(flacBomb) > 1<<20 {
		t.Fatalf("test is broken: the FLAC bomb is %d bytes", len(flacBomb))
	}
	opus := silence("120", "-c:a", "libopus", "-f", "ogg")
	m4a := silence("120", "-c:a", "aac", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov")
	m4aPath := filepath.Join(t.TempDir(), "x.m4a")
	if err := os.WriteFile(m4aPath, m4a, 0o600); err != nil {
		t.Fatal(err)
	}
	mp3 := silence("120", "-c:a", "libmp3lame", "-f", "mp3")
	vorbis := silence("120", "-c:a", "libvorbis", "-f", "ogg")
	short := silence("5", "-c:a", "flac", "-f", "flac")

	for _, c := range []struct {
		name   string
		decode func(Options) (*Audio, error)
		cap    time.Duration
	}{
		{"FLAC, 1 h", func(o Options) (*Audio, error) { return Decode(ctx, bytes.NewReader(flacBomb), "bomb.flac", o) }, time.Minute},
		{"endless WAV", func(o Options) (*Audio, error) {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			h := makeWAV(wavSpec{channels: 2, rate: 44100, bits: 16, dataSize: 0xffffffff}, nil)
			return Decode(ctx, &endless{ctx: ctx, header: h}, "x.wav", o)
		}, 30 * time.Second},
		{"MP3", func(o Options) (*Audio, error) { return Decode(ctx, bytes.NewReader(mp3), "x.mp3", o) }, 30 * time.Second},
		{"Ogg Vorbis", func(o Options) (*Audio, error) { return Decode(ctx, bytes.NewReader(vorbis), "x.ogg", o) }, 30 * time.Second},
		{"Opus through ffmpeg's pipe", func(o Options) (*Audio, error) { return Decode(ctx, bytes.NewReader(opus), "x.opus", o) }, 30 * time.Second},
		{"M4A through ffmpeg from a file", func(o Options) (*Audio, error) { return DecodeFile(ctx, m4aPath, o) }, 30 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			a, err := c.decode(Options{MaxDuration: c.cap})
			if !errors.Is(err, ErrTooLong) || a != nil {
				t.Fatalf("decode with a %v cap = %v, %v; want ErrTooLong and no audio", c.cap, a != nil, err)
			}
			t.Logf("%v after %v", err, time.Since(start))
		})
	}
	// Under the cap, and at the default cap, the same decoders work.
	for _, o := range []Options{{MaxDuration: 6 * time.Second}, {}} {
		a, err := Decode(ctx, bytes.NewReader(short), "x.flac", o)
		if err != nil || a.Duration() < 4900*time.Millisecond {
			t.Fatalf("5 s under a %v cap: %v", o.maxDuration(), err)
		}
	}
	if a, err := Decode(ctx, bytes.NewReader(short), "x.flac", Options{MaxDuration: 4 * time.Second}); !errors.Is(err, ErrTooLong) || a != nil {
		t.Fatalf("5 s over a 4 s cap: %v", err)
	}
	if a, err := DecodeFile(ctx, m4aPath, Options{MaxDuration: -1}); err != nil || a.Duration() < 119*time.Second {
		t.Fatalf("no cap: %v", err)
	}
}

func TestMaxDurationOption(t *testing.T) {
	for _, c := range []struct {
		in, want time.Duration
	}{
		{0, DefaultMaxDuration},
		{-1, 0},
		{time.Hour, time.Hour},
	} {
		if got := (Options{MaxDuration: c.in}).maxDuration(); got != c.want {
			t.Errorf("MaxDuration %v: cap %v, want %v", c.in, got, c.want)
		}
	}
	if DefaultMaxDuration != 12*time.Hour {
		t.Errorf("DefaultMaxDuration = %v", DefaultMaxDuration)
	}
}
