package server

import (
	"context"
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
