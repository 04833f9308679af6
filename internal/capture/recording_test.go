package capture_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
)

const block = 800 // 50 ms, like a real audio callback

// start opens a recording on a fake backend and returns it with its stream.
func start(t *testing.T, b *capturetest.Backend, cfg capture.Config) (*capture.Recording, *capturetest.Stream) {
	t.Helper()
	opened := b.Opened()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rec, err := capture.Start(ctx, b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Stop() })
	s := <-opened
	<-s.Started()
	return rec, s
}

func waitDone(t *testing.T, rec *capture.Recording) capture.Result {
	t.Helper()
	select {
	case <-rec.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("recording did not end")
	}
	return rec.Wait()
}

func TestStopKeepsSamples(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: -1})
	in := capturetest.Sine(1.5, 440, 0.5)
	if err := s.Feed(in, block); err != nil {
		t.Fatal(err)
	}
	if got := rec.Elapsed(); got != 1500*time.Millisecond {
		t.Errorf("Elapsed = %v, want 1.5s", got)
	}
	res := rec.Stop()
	if res.Reason != capture.StoppedByUser || res.Err != nil {
		t.Errorf("reason %v err %v, want stopped, nil", res.Reason, res.Err)
	}
	if len(res.Samples) != len(in) {
		t.Fatalf("got %d samples, want %d", len(res.Samples), len(in))
	}
	for i := range in {
		if res.Samples[i] != in[i] {
			t.Fatalf("sample %d = %v, want %v", i, res.Samples[i], in[i])
		}
	}
	if !s.Closed() {
		t.Error("stream not closed after Stop")
	}
	if res.Device.Name != "Fake microphone" {
		t.Errorf("Device = %+v", res.Device)
	}
	if err := s.Feed(in[:block], block); !errors.Is(err, capturetest.ErrClosed) {
		t.Errorf("Feed after Stop: %v", err)
	}
	again := rec.Stop()
	if len(again.Samples) != len(in) || again.Reason != capture.StoppedByUser {
		t.Error("second Stop returned a different result")
	}
	res.Wipe()
	if res.Samples != nil || again.Samples[0] != 0 || again.Samples[len(in)-1] != 0 {
		t.Error("Wipe did not zero the samples")
	}
}

func TestLevelMeter(t *testing.T) {
	var mu sync.Mutex
	var levels []capture.Level
	got := make(chan struct{}, 100)
	cfg := capture.Config{StallTimeout: -1, LevelInterval: 100 * time.Millisecond, OnLevel: func(l capture.Level) {
		mu.Lock()
		levels = append(levels, l)
		mu.Unlock()
		got <- struct{}{}
	}}
	rec, s := start(t, capturetest.New(), cfg)
	// 0.3 s of a 0.5 peak sine (RMS -9.03 dBFS, peak -6.02), then 0.2 s of silence.
	s.Feed(capturetest.Sine(0.3, 1000, 0.5), block)
	s.Feed(capturetest.Silence(0.2), block)
	for range 5 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("levels missing")
		}
	}
	rec.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(levels) != 5 {
		t.Fatalf("got %d levels, want 5: %+v", len(levels), levels)
	}
	for i, l := range levels {
		wantElapsed := time.Duration(i+1) * 100 * time.Millisecond
		if l.Elapsed != wantElapsed {
			t.Errorf("level %d Elapsed = %v, want %v", i, l.Elapsed, wantElapsed)
		}
		if i < 3 {
			if math.Abs(l.RMS-(-9.03)) > 0.1 || math.Abs(l.Peak-(-6.02)) > 0.1 || l.Silent {
				t.Errorf("level %d = %+v, want RMS -9.03 peak -6.02 dBFS", i, l)
			}
		} else if l.RMS != capture.MinDBFS || l.Peak != capture.MinDBFS || !l.Silent {
			t.Errorf("level %d = %+v, want digital silence", i, l)
		}
	}
}

func TestSilenceTimeout(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: -1, SilenceTimeout: time.Second})
	speech := capturetest.Sine(0.5, 300, 0.3)
	noise := capturetest.Sine(3, 50, 0.001) // -63 dBFS RMS: below the -45 dBFS default threshold
	s.Feed(speech, block)
	s.Feed(noise[:8000], block) // 0.5 s of quiet: not yet
	s.Feed(speech, block)       // speech resets the silence run
	s.Feed(noise[:12000], block)
	select {
	case <-rec.Done():
		t.Fatal("stopped after 0.75 s of silence")
	default:
	}
	s.Feed(noise[12000:], block) // the recording stops in here, and takes nothing after that point
	res := waitDone(t, rec)
	if res.Reason != capture.StoppedSilence || res.Err != nil {
		t.Fatalf("reason %v err %v, want silence", res.Reason, res.Err)
	}
	// The recording stops after the level frame completing 1 s of silence: 0.5+0.5+0.5+1.0 s.
	if got, want := res.Duration(), 2500*time.Millisecond; got != want {
		t.Errorf("duration %v, want %v", got, want)
	}
}

func TestDeviceLostKeepsSamples(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: -1})
	in := capturetest.Sine(0.7, 440, 0.5)
	s.Feed(in, block)
	cause := errors.New("usb unplugged")
	s.Lose(cause)
	res := waitDone(t, rec)
	if res.Reason != capture.StoppedDeviceLost {
		t.Fatalf("reason %v, want device lost", res.Reason)
	}
	if !errors.Is(res.Err, capture.ErrDeviceLost) || !errors.Is(res.Err, cause) {
		t.Errorf("err %v does not match ErrDeviceLost and the cause", res.Err)
	}
	var lost *capture.DeviceLostError
	if !errors.As(res.Err, &lost) || lost.Device != "Fake microphone" || lost.Recorded != 700*time.Millisecond {
		t.Errorf("err = %#v", res.Err)
	}
	t.Logf("message: %v", res.Err)
	if len(res.Samples) != len(in) || res.Samples[100] != in[100] {
		t.Errorf("kept %d samples, want %d", len(res.Samples), len(in))
	}
}

func TestStallIsDeviceLoss(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: 200 * time.Millisecond})
	s.Feed(capturetest.Sine(0.25, 440, 0.5), block)
	res := waitDone(t, rec) // the device now delivers nothing
	if res.Reason != capture.StoppedDeviceLost || !errors.Is(res.Err, capture.ErrDeviceLost) {
		t.Fatalf("reason %v err %v, want device lost", res.Reason, res.Err)
	}
	if res.Duration() != 250*time.Millisecond {
		t.Errorf("kept %v, want 250ms", res.Duration())
	}
}

func TestMaxDuration(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: -1, MaxDuration: time.Second})
	s.Feed(capturetest.Sine(1.2, 440, 0.5), block)
	res := waitDone(t, rec)
	if res.Reason != capture.StoppedLimit || res.Duration() != time.Second {
		t.Fatalf("reason %v duration %v, want limit after 1s", res.Reason, res.Duration())
	}
}

func TestCancel(t *testing.T) {
	b := capturetest.New()
	opened := b.Opened()
	ctx, cancel := context.WithCancel(context.Background())
	rec, err := capture.Start(ctx, b, capture.Config{StallTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	s := <-opened
	s.Feed(capturetest.Sine(0.1, 440, 0.5), 0)
	cancel()
	res := waitDone(t, rec)
	if res.Reason != capture.StoppedCancelled || !errors.Is(res.Err, context.Canceled) || res.Duration() != 100*time.Millisecond {
		t.Fatalf("reason %v err %v duration %v", res.Reason, res.Err, res.Duration())
	}
}

func TestTail(t *testing.T) {
	rec, s := start(t, capturetest.New(), capture.Config{StallTimeout: -1})
	in := make([]float32, 5*capture.SampleRate) // longer than one buffer chunk
	for i := range in {
		in[i] = float32(i)
	}
	s.Feed(in, 1234)
	for _, d := range []time.Duration{0, 10 * time.Millisecond, time.Second, 4500 * time.Millisecond, 10 * time.Second} {
		tail := rec.Tail(d)
		want := min(len(in), int(d*capture.SampleRate/time.Second))
		if len(tail) != want {
			t.Fatalf("Tail(%v) has %d samples, want %d", d, len(tail), want)
		}
		for i, v := range tail {
			if v != in[len(in)-want+i] {
				t.Fatalf("Tail(%v)[%d] = %v, want %v", d, i, v, in[len(in)-want+i])
			}
		}
	}
	res := rec.Stop()
	if len(res.Samples) != len(in) || res.Samples[len(in)-1] != in[len(in)-1] || res.Samples[70000] != 70000 {
		t.Error("samples across chunks not kept in order")
	}
	if rec.Tail(time.Second) != nil {
		t.Error("Tail after Stop returned audio")
	}
}

func TestOpenErrors(t *testing.T) {
	b := capturetest.New()
	_, err := capture.Start(context.Background(), b, capture.Config{DeviceID: "nope"})
	if !errors.Is(err, capture.ErrNoDevice) {
		t.Errorf("unknown device: %v", err)
	}
	b.OpenErr = capture.ErrBackend
	if _, err := capture.Start(context.Background(), b, capture.Config{}); !errors.Is(err, capture.ErrBackend) {
		t.Errorf("backend error: %v", err)
	}
}

func TestPickDevice(t *testing.T) {
	b := &capturetest.Backend{List: []capture.Device{
		{ID: "a", Name: "USB"}, {ID: "b", Name: "Built-in", Default: true},
	}}
	for _, tc := range []struct{ id, want string }{{"", "Built-in"}, {"a", "USB"}, {"b", "Built-in"}} {
		rec, err := capture.Start(context.Background(), b, capture.Config{DeviceID: tc.id, StallTimeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Device().Name; got != tc.want {
			t.Errorf("DeviceID %q opened %q, want %q", tc.id, got, tc.want)
		}
		rec.Stop()
	}
}

func TestStopReasonString(t *testing.T) {
	for r, want := range map[capture.StopReason]string{
		capture.StoppedByUser: "stopped", capture.StoppedSilence: "silence", capture.StoppedLimit: "limit",
		capture.StoppedDeviceLost: "device lost", capture.StoppedCancelled: "cancelled", 99: "StopReason(99)",
	} {
		if got := r.String(); got != want {
			t.Errorf("%d: %q, want %q", int(r), got, want)
		}
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name      string
		in        []float32
		rms, peak float64
	}{
		{"empty", nil, capture.MinDBFS, capture.MinDBFS},
		{"zeros", make([]float32, 100), capture.MinDBFS, capture.MinDBFS},
		{"full scale DC", []float32{1, -1, 1, -1}, 0, 0},
		{"half", []float32{0.5, -0.5}, -6.0206, -6.0206},
		{"sine", capturetest.Sine(1, 100, 1), -3.0103, 0},
		{"NaN ignored in energy", []float32{float32(math.NaN()), 1}, -3.0103, 0},
	}
	for _, tc := range tests {
		rms, peak := capture.Measure(tc.in)
		if math.Abs(rms-tc.rms) > 0.01 || math.Abs(peak-tc.peak) > 0.01 {
			t.Errorf("%s: rms %.3f peak %.3f, want %.3f %.3f", tc.name, rms, peak, tc.rms, tc.peak)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	be := capturetest.New()
	opened := be.Opened()
	rec, err := capture.Start(context.Background(), be, capture.Config{StallTimeout: -1, MaxDuration: 1000 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	s := <-opened
	in := capturetest.Sine(0.05, 440, 0.5)
	b.SetBytes(int64(len(in) * 4))
	for b.Loop() {
		s.Feed(in, 0)
	}
	b.StopTimer()
	res := rec.Stop()
	res.Wipe()
}
