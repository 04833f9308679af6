package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// sineWAV is a 16-bit mono WAV of a 440 Hz tone.
func sineWAV(rate, n int) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(1))
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * n))
	for i := 0; i < n; i++ {
		le(int16(12000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate))))
	}
	return b.Bytes()
}

type failingEngine struct{ *fakeEngine }

func (failingEngine) Transcribe(context.Context, []float32, Options) (*transcript.Transcript, error) {
	return nil, errors.New("engine broke")
}

// TestJobZeroesSamples proves "the samples are zeroed when a job ends" for `serve`: the production
// decoder (AudioDecoder over the audio package) decodes a real WAV upload; the test keeps the samples
// it returned and requires them all zero once the request is answered, after a good transcription and
// after a failed one.
func TestJobZeroesSamples(t *testing.T) {
	for _, tc := range []struct {
		name string
		eng  Transcriber
		want int
	}{{"ok", newFake(), 200}, {"engine fails", failingEngine{newFake()}, 500}} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var kept [][]float32
			real := AudioDecoder(audio.Options{})
			deps := Deps{Open: func(string) (Transcriber, error) { return tc.eng, nil },
				Decode: func(ctx context.Context, r io.Reader, name string) ([]float32, error) {
					s, err := real(ctx, r, name)
					mu.Lock()
					kept = append(kept, s)
					mu.Unlock()
					return s, err
				}}
			ts := start(t, testConfig(t), deps)
			r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: sineWAV(22050, 22050)})
			if r.status != tc.want {
				t.Fatalf("got %v, want %d", r, tc.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(kept) != 1 || len(kept[0]) < 15000 {
				t.Fatalf("decoder returned %d buffers", len(kept))
			}
			for i, v := range kept[0] {
				if v != 0 {
					t.Fatalf("sample %d of %d is %g after the job: the audio was not zeroed", i, len(kept[0]), v)
				}
			}
		})
	}
}
