package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// fakeDiarizer labels segments alternately S1 / S2 and records what it was asked.
type fakeDiarizer struct {
	mu       sync.Mutex
	speakers []int
	samples  int
}

func (d *fakeDiarizer) Diarize(_ context.Context, samples []float32, speakers int, t *transcript.Transcript) error {
	d.mu.Lock()
	d.speakers = append(d.speakers, speakers)
	d.samples = len(samples)
	d.mu.Unlock()
	for i := range t.Segments {
		t.Segments[i].Speaker = []string{"S1", "S2"}[i%2]
	}
	t.Speakers = []transcript.Speaker{{ID: "S1", Name: "Speaker 1"}, {ID: "S2", Name: "Speaker 2"}}
	return nil
}

// TestIdentifySpeakers: a job with IdentifySpeakers runs the diarizer on the whole recording after
// transcription (progress says so) and saves the speakers; without a diarizer the job fails with
// ErrUnavailable; bad speaker counts and "both kinds of speakers" are ErrInvalid.
func TestIdentifySpeakers(t *testing.T) {
	dz := &fakeDiarizer{}
	f := newFixture(t, func(d *app.Deps) { d.Diarizer = dz })
	jobs, err := f.app.AddFiles([]string{f.audio(t, "meeting.wav", 4, 1)}, app.JobOptions{IdentifySpeakers: true, Speakers: 2})
	if err != nil {
		t.Fatal(err)
	}
	j := f.waitJob(t, jobs[0].ID)
	if j.State != app.JobDone {
		t.Fatalf("job %+v", j)
	}
	if len(dz.speakers) != 1 || dz.speakers[0] != 2 || dz.samples != 4*16000 {
		t.Errorf("diarizer asked %v speakers on %d samples", dz.speakers, dz.samples)
	}
	sawStage := false
	for _, e := range f.rt.Events() {
		if jj, ok := e.Data.(app.Job); ok && jj.ID == j.ID && strings.Contains(jj.Stage, "identifying speakers") {
			sawStage = true
		}
	}
	if !sawStage {
		t.Error("progress never showed the diarization stage")
	}
	tr, err := f.app.GetTranscript(j.TranscriptID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Speakers) != 2 || tr.Segments[1].Speaker != "S2" {
		t.Errorf("speakers not saved: %+v", tr)
	}

	for _, o := range []app.JobOptions{{Speakers: -1}, {Speakers: app.MaxSpeakers + 1}, {IdentifySpeakers: true, SpeakerPerChannel: true}} {
		if _, err := f.app.AddFiles([]string{"x.wav"}, o); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", o, err)
		}
	}

	g := newFixture(t, nil)
	jobs, err = g.app.AddFiles([]string{g.audio(t, "a.wav", 1, 1)}, app.JobOptions{IdentifySpeakers: true})
	if err != nil {
		t.Fatal(err)
	}
	if j := g.waitJob(t, jobs[0].ID); j.State != app.JobFailed {
		t.Errorf("without a diarizer: %+v", j)
	}
}
