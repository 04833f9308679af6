package capturetest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
)

func TestPlayerRecordsItsAudioThenSilence(t *testing.T) {
	tone := capturetest.Sine(0.3, 440, 0.5)
	p := &capturetest.Player{
		List:  []capture.Device{{ID: "quiet", Name: "Quiet"}, {ID: "speaker", Name: "Speaker", Default: true}},
		Audio: map[string][]float32{"speaker": tone},
	}
	rec, err := capture.Start(context.Background(), p, capture.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Device().ID; got != "speaker" {
		t.Errorf("default device = %q, want speaker", got)
	}
	for rec.Elapsed() < 600*time.Millisecond {
		time.Sleep(20 * time.Millisecond)
	}
	res := rec.Stop()
	defer res.Wipe()
	if len(res.Samples) < len(tone)+capture.SampleRate/10 {
		t.Fatalf("recorded %d samples, want the tone (%d) and silence after it", len(res.Samples), len(tone))
	}
	if !slices.Equal(res.Samples[:len(tone)], tone) {
		t.Error("the recording does not start with the device's audio")
	}
	if rms, _ := capture.Measure(res.Samples[len(tone):]); rms > 0 {
		t.Errorf("after the audio: rms %v, want silence", rms)
	}
}

func TestPlayerDevices(t *testing.T) {
	p := &capturetest.Player{List: []capture.Device{{ID: "a"}, {ID: "b"}}}
	ds, _ := p.Devices(context.Background())
	if len(ds) != 2 {
		t.Fatalf("Devices = %v", ds)
	}
	for _, tc := range []struct{ id, want string }{{"", "a"}, {"b", "b"}} {
		s, d, err := p.Open(context.Background(), tc.id, capture.Sink{Data: func([]float32) {}})
		if err != nil || d.ID != tc.want {
			t.Errorf("Open(%q) = %v, %v; want %s", tc.id, d, err, tc.want)
			continue
		}
		if err := s.Start(); err != nil {
			t.Error(err)
		}
		s.Close()
		s.Close() // twice is fine
	}
	if _, _, err := p.Open(context.Background(), "gone", capture.Sink{}); !errors.Is(err, capture.ErrNoDevice) {
		t.Errorf("unknown device: %v", err)
	}
}

func TestPlayerLosesTheDevice(t *testing.T) {
	p := &capturetest.Player{
		List:  []capture.Device{{ID: "usb", Name: "USB"}},
		Audio: map[string][]float32{"usb": capturetest.Sine(2, 440, 0.5)},
		Lose:  map[string]time.Duration{"usb": 300 * time.Millisecond},
	}
	rec, err := capture.Start(context.Background(), p, capture.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res := rec.Wait()
	defer res.Wipe()
	if res.Reason != capture.StoppedDeviceLost || !errors.Is(res.Err, capture.ErrDeviceLost) {
		t.Fatalf("reason %v, err %v; want the device lost", res.Reason, res.Err)
	}
	if d := res.Duration(); d < 200*time.Millisecond || d > 400*time.Millisecond {
		t.Errorf("kept %v of audio, want about 300ms", d)
	}
}
