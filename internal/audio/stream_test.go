package audio

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// StreamFile hands on exactly the samples DecodeFile returns (for every
// native decoder and ffmpeg's), in chunks, with progress that only grows.
func TestStreamFile(t *testing.T) {
	dir := corpusDir(t)
	for _, c := range corpusFiles {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			want, err := DecodeFile(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []float32
			var chunks int
			last := -1.0
			n, err := StreamFile(context.Background(), path, Options{KeepChannels: true}, func(x []float32, read float64) error {
				got = append(got, x...)
				chunks++
				if read < last {
					t.Errorf("progress went back from %.3f to %.3f", last, read)
				}
				last = read
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(got)) || !equalFloat32(got, want.Mono()) {
				t.Errorf("streamed %d samples (%d counted) in %d chunks, DecodeFile %d; equal %v", len(got), n, chunks, len(want.Mono()), equalFloat32(got, want.Mono()))
			}
			// ffmpeg opens /dev/fd/3 afresh: its reading does not show.
			if chunks < 2 || (last <= 0 && c.name != "english_german.mp3") {
				t.Errorf("%d chunks, last progress %.3f", chunks, last)
			}
		})
	}
}

// An error from the consumer stops decoding and comes back as it is; a
// missing file is an error before anything is streamed.
func TestStreamFileErrors(t *testing.T) {
	dir := corpusDir(t)
	stop := errors.New("enough")
	for _, name := range []string{"jfk.flac", "hotwords.mp3", "platforms_en.wav", "english_german.mp3"} {
		calls := 0
		n, err := StreamFile(context.Background(), filepath.Join(dir, name), Options{}, func(x []float32, _ float64) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 3 || n <= 0 {
			t.Errorf("%s: %v after %d calls, %d samples; want the consumer's error after 3", name, err, calls, n)
		}
	}
	if _, err := StreamFile(context.Background(), filepath.Join(dir, "missing.wav"), Options{}, func([]float32, float64) error { return nil }); err == nil {
		t.Error("missing file: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := StreamFile(ctx, filepath.Join(dir, "jfk.flac"), Options{}, func([]float32, float64) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
