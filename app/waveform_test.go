package app_test

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/hushscribe/hushscribe/app"
)

func TestWaveform(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "talk.wav", 2, 1)
	jobs, _ := f.app.AddFiles([]string{p}, app.JobOptions{})
	id := f.waitJob(t, jobs[0].ID).TranscriptID

	w, err := f.app.Waveform(id, 100)
	if err != nil || len(w) != 100 {
		t.Fatalf("Waveform = %d values, %v", len(w), err)
	}
	for i, v := range w {
		// The fake decoder's tone has amplitude 0.1.
		if math.Abs(float64(v)-0.1) > 0.01 {
			t.Fatalf("bucket %d = %v, want about 0.1", i, v)
		}
	}
	for _, n := range []int{0, -1, app.MaxWaveformBuckets + 1} {
		if _, err := f.app.Waveform(id, n); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("Waveform(%d buckets) = %v", n, err)
		}
	}
	// The original file is gone: no waveform, no error.
	os.Remove(p)
	if w, err := f.app.Waveform(id, 10); err != nil || len(w) != 0 {
		t.Errorf("without the file = %v, %v", w, err)
	}
	if w, err := f.app.Waveform("unknown", 10); err != nil || len(w) != 0 {
		t.Errorf("unknown id = %v, %v", w, err)
	}
}
