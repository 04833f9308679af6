package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
)

// lenEngine records how many samples each call got.
type lenEngine struct {
	*fakeEngine
	lens chan int
}

func (l lenEngine) Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error) {
	l.lens <- len(samples)
	return l.fakeEngine.Transcribe(ctx, samples, opt)
}

// TestVADField: by default only the speech the detector finds reaches the engine and the segments
// come back at their place in the upload; vad=false sends everything; a bad value is a 400.
func TestVADField(t *testing.T) {
	eng := lenEngine{newFake(), make(chan int, 10)}
	det := vad.Fixed{{Start: 20 * time.Second, End: 30 * time.Second}}
	deps := fakeDeps(eng)
	deps.Open = WithVAD(func(string) (Transcriber, error) { return eng, nil }, det)
	ts := start(t, testConfig(t), deps)

	r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(60 * time.Second), fields: [][2]string{{"response_format", "verbose_json"}}})
	if r.status != 200 {
		t.Fatalf("default: %v", r)
	}
	// 10 s of speech plus 200 ms of padding on each side
	if n := <-eng.lens; n != 10400*SampleRate/1000 {
		t.Errorf("engine got %d samples, want only the speech", n)
	}
	if !strings.Contains(string(r.body), `"start":19.8`) {
		t.Errorf("segments not mapped back to the upload's timeline: %s", r.body)
	}
	if !eng.lastCall().SpeechOnly {
		t.Error("SpeechOnly not set by default")
	}

	r = ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(60 * time.Second), fields: [][2]string{{"vad", "false"}}})
	if r.status != 200 {
		t.Fatalf("vad=false: %v", r)
	}
	if n := <-eng.lens; n != 60*SampleRate {
		t.Errorf("vad=false: engine got %d samples, want all", n)
	}

	r = ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second), fields: [][2]string{{"vad", "sometimes"}}})
	if r.status != 400 || !strings.Contains(string(r.body), "vad must be true or false") {
		t.Errorf("vad=sometimes: %v", r)
	}
}

// TestDiarizeField: diarize=true (or speakers=N) runs Deps.Diarize after transcription and
// verbose_json lists the speakers and each segment's; bad values and a server without diarization
// are 400s; a failing diarization is a 500.
func TestDiarizeField(t *testing.T) {
	eng := newFake()
	var gotSpeakers []int
	fail := false
	deps := fakeDeps(eng)
	deps.Diarize = func(ctx context.Context, samples []float32, speakers int, tr *transcript.Transcript) error {
		if fail {
			return errors.New("boom")
		}
		gotSpeakers = append(gotSpeakers, speakers)
		for i := range tr.Segments {
			tr.Segments[i].Speaker = []string{"S1", "S2"}[i%2]
		}
		tr.Speakers = []transcript.Speaker{{ID: "S1", Name: "Speaker 1"}, {ID: "S2", Name: "Speaker 2"}}
		return nil
	}
	ts := start(t, testConfig(t), deps)
	r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(5 * time.Second), fields: [][2]string{{"response_format", "verbose_json"}, {"diarize", "true"}}})
	if r.status != 200 || !strings.Contains(string(r.body), `"speakers":[{"id":"S1","name":"Speaker 1"}`) || !strings.Contains(string(r.body), `"speaker":"S2"`) {
		t.Fatalf("diarize=true: %v", r)
	}
	if !eng.lastCall().WordTimestamps {
		t.Error("diarization without word timestamps to split segments on")
	}
	r = ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(5 * time.Second), fields: [][2]string{{"speakers", "3"}}})
	if r.status != 200 || len(gotSpeakers) != 2 || gotSpeakers[1] != 3 {
		t.Errorf("speakers=3: %v, diarize calls %v", r, gotSpeakers)
	}
	for _, f := range [][2]string{{"speakers", "0"}, {"speakers", "many"}, {"speakers", "33"}, {"diarize", "maybe"}} {
		r = ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second), fields: [][2]string{f}})
		if r.status != 400 {
			t.Errorf("%v: %v", f, r)
		}
	}
	fail = true
	r = ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second), fields: [][2]string{{"diarize", "true"}}})
	if r.status != 500 || !strings.Contains(string(r.body), "identify speakers") {
		t.Errorf("failing diarization: %v", r)
	}

	plain := start(t, testConfig(t), fakeDeps(newFake()))
	r = plain.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second), fields: [][2]string{{"diarize", "true"}}})
	if r.status != 400 || !strings.Contains(string(r.body), "not available") {
		t.Errorf("server without diarization: %v", r)
	}
}
