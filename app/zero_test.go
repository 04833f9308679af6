package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// keepBuffers remembers every sample buffer a job decoded or handed to the engine.
type keepBuffers struct {
	mu   sync.Mutex
	bufs [][]float32
}

func (k *keepBuffers) keep(b []float32) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.bufs = append(k.bufs, b)
}

// keepDecoder decodes like apptest.Decoder, with non-zero samples, and keeps the buffers.
type keepDecoder struct{ k *keepBuffers }

func (d keepDecoder) DecodeFile(ctx context.Context, path string, keep bool) ([][]float32, error) {
	ch, err := apptest.Decoder{}.DecodeFile(ctx, path, keep)
	for i, c := range ch {
		for j := range c {
			c[j] = 0.25 * float32(i+1)
		}
		d.k.keep(c)
	}
	return ch, err
}

type keepEngines struct {
	inner *apptest.Engines
	k     *keepBuffers
}

func (e keepEngines) Open(path string, gpu bool) (app.Transcriber, error) {
	t, err := e.inner.Open(path, gpu)
	return keepTranscriber{t, e.k}, err
}

type keepTranscriber struct {
	app.Transcriber
	k *keepBuffers
}

func (t keepTranscriber) Transcribe(ctx context.Context, s []float32, opt app.TranscribeOptions) (*transcript.Transcript, error) {
	t.k.keep(s)
	return t.Transcriber.Transcribe(ctx, s, opt)
}

// TestJobZeroesSamples proves "the samples are zeroed when a job ends" for the desktop app's job path:
// every buffer the decoder returned and every buffer the engine was given (the mono mix of a stereo
// file included) holds only zeros once the job is done, failed or cancelled.
func TestJobZeroesSamples(t *testing.T) {
	for _, tc := range []struct {
		chans int
		split bool
	}{{1, false}, {2, false}, {2, true}} {
		t.Run(fmt.Sprintf("channels=%d split=%v", tc.chans, tc.split), func(t *testing.T) {
			k := &keepBuffers{}
			f := newFixture(t, func(d *app.Deps) {
				d.Decoder = keepDecoder{k}
				d.Engines = keepEngines{&apptest.Engines{}, k}
			})
			p := f.audio(t, "talk.wav", 3, tc.chans)
			jobs, err := f.app.AddFiles([]string{p}, app.JobOptions{SpeakerPerChannel: tc.split})
			if err != nil {
				t.Fatal(err)
			}
			if j := f.waitJob(t, jobs[0].ID); j.State != app.JobDone {
				t.Fatalf("job %s: %s", j.State, j.Detail)
			}
			k.mu.Lock()
			defer k.mu.Unlock()
			if len(k.bufs) < 2 {
				t.Fatalf("saw %d buffers, want the decoded ones and the engine's", len(k.bufs))
			}
			for i, b := range k.bufs {
				for j, v := range b {
					if v != 0 {
						t.Fatalf("buffer %d of %d: sample %d is %g after the job: the audio was not zeroed", i+1, len(k.bufs), j, v)
					}
				}
			}
		})
	}
}
