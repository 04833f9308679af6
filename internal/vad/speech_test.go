package vad_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
)

const ms = time.Millisecond

func TestRegions(t *testing.T) {
	frameDur := time.Duration(vad.FrameSamples) * time.Second / vad.SampleRate // 32 ms
	hi, lo := float32(0.9), float32(0.05)
	run := func(pattern string) []float32 {
		var p []float32
		for _, c := range pattern {
			if c == '#' {
				p = append(p, hi)
			} else if c == '~' {
				p = append(p, 0.4) // between the thresholds: keeps an open region open
			} else {
				p = append(p, lo)
			}
		}
		return p
	}
	tests := []struct {
		name    string
		pattern string
		cfg     vad.Config
		want    []vad.Region
	}{
		{"silence", "..........", vad.Config{}, nil},
		{"too short", "...##.....", vad.Config{}, nil},
		{"one region", "..##########......", vad.Config{SpeechPad: -1},
			[]vad.Region{{2 * frameDur, 12 * frameDur}}},
		{"short pause kept", "..########..########......", vad.Config{SpeechPad: -1},
			[]vad.Region{{2 * frameDur, 20 * frameDur}}},
		{"long pause splits", "..########.......########......", vad.Config{SpeechPad: -1},
			[]vad.Region{{2 * frameDur, 10 * frameDur}, {17 * frameDur, 25 * frameDur}}},
		{"hysteresis", "..#####~~~~~#####......", vad.Config{SpeechPad: -1},
			[]vad.Region{{2 * frameDur, 17 * frameDur}}},
		{"runs to the end", "....##########", vad.Config{SpeechPad: -1},
			[]vad.Region{{4 * frameDur, 14 * frameDur}}},
		{"padding clamps", "##########......", vad.Config{SpeechPad: 50 * ms},
			[]vad.Region{{0, 10*frameDur + 50*ms}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := run(tc.pattern)
			got := vad.Regions(p, len(p)*vad.FrameSamples, tc.cfg)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("region %d: got %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// TestTranscribeSpeechMapsTimes: the transcriber sees only the joined speech, and the segments and
// words it returns land at their place in the recording.
func TestTranscribeSpeechMapsTimes(t *testing.T) {
	samples := make([]float32, 30*vad.SampleRate)
	for i := range samples {
		samples[i] = float32(i) // a ramp: each sample says where it came from
	}
	det := vad.Fixed{{Start: seconds(5), End: seconds(8)}, {Start: seconds(20), End: seconds(22)}}
	var seen []float32
	tr, err := vad.TranscribeSpeech(context.Background(), det, samples, vad.JoinOptions{Pad: 500 * ms},
		func(_ context.Context, x []float32) (*transcript.Transcript, error) {
			seen = append([]float32(nil), x...)
			// joined: [4.5 s, 8.5 s) then [19.5 s, 22.5 s): 4 s + 3 s
			return &transcript.Transcript{Segments: []transcript.Segment{
				{Start: seconds(0.5), End: seconds(4), Text: "first", Words: []transcript.Word{{Start: seconds(0.5), End: seconds(1)}}},
				{Start: seconds(4), End: seconds(6.5), Text: "second"},
			}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := 7 * vad.SampleRate; len(seen) != want {
		t.Fatalf("transcriber got %d samples, want %d", len(seen), want)
	}
	if seen[0] != float32(4.5*vad.SampleRate) || seen[4*vad.SampleRate] != float32(19.5*vad.SampleRate) {
		t.Errorf("joined audio does not come from the padded regions: %v, %v", seen[0], seen[4*vad.SampleRate])
	}
	want := []struct{ s, e time.Duration }{{seconds(5), seconds(8.5)}, {seconds(19.5), seconds(22)}}
	for i, w := range want {
		if s := tr.Segments[i]; s.Start != w.s || s.End != w.e {
			t.Errorf("segment %d at %v-%v, want %v-%v", i, s.Start, s.End, w.s, w.e)
		}
	}
	if w := tr.Segments[0].Words[0]; w.Start != seconds(5) || w.End != seconds(5.5) {
		t.Errorf("word at %v-%v, want 5s-5.5s", w.Start, w.End)
	}
	if tr.Duration != 30*time.Second {
		t.Errorf("duration %v, want the recording's 30s", tr.Duration)
	}
}

func TestJoinMergesCloseRegions(t *testing.T) {
	samples := make([]float32, 10*vad.SampleRate)
	j := vad.Join(samples, []vad.Region{{Start: seconds(1), End: seconds(2)}, {Start: seconds(2.5), End: seconds(3)}}, vad.JoinOptions{Pad: 100 * ms, Gap: time.Second})
	if got, want := len(j.Samples), int(2.2*vad.SampleRate); got != want {
		t.Errorf("joined %d samples, want %d (one region 0.9 s - 3.1 s)", got, want)
	}
	if got := j.Map(seconds(1), false); got != seconds(1.9) {
		t.Errorf("Map(1s) = %v, want 1.9s", got)
	}
}

func TestTranscribeSpeechErrors(t *testing.T) {
	boom := errors.New("boom")
	samples := make([]float32, vad.SampleRate)
	_, err := vad.TranscribeSpeech(context.Background(), failing{boom}, samples, vad.JoinOptions{}, nil)
	if !errors.Is(err, boom) {
		t.Errorf("detector error: got %v", err)
	}
	_, err = vad.TranscribeSpeech(context.Background(), vad.Fixed{{Start: 0, End: time.Second}}, samples, vad.JoinOptions{},
		func(context.Context, []float32) (*transcript.Transcript, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("transcriber error: got %v", err)
	}
}

type failing struct{ err error }

func (f failing) Detect([]float32) ([]vad.Region, error) { return nil, f.err }

// TestOpenErrors: a missing or corrupt model file, or one that is not Silero's interface, is a clear
// error (onnxrt.ErrModel where the file is there but wrong).
func TestOpenErrors(t *testing.T) {
	rt := onnxrttest.Runtime(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	os.WriteFile(garbage, []byte("this is not an onnx model"), 0o600)
	if _, err := vad.Open(rt, filepath.Join(dir, "missing.onnx"), vad.Config{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing model: got %v, want os.ErrNotExist", err)
	}
	if _, err := vad.Open(rt, garbage, vad.Config{}); !errors.Is(err, onnxrt.ErrModel) {
		t.Errorf("garbage model: got %v, want onnxrt.ErrModel", err)
	}
	if _, err := vad.Open(nil, onnxrttest.SileroPath(t), vad.Config{}); !errors.Is(err, vad.ErrUnavailable) {
		t.Errorf("no runtime: got %v, want vad.ErrUnavailable", err)
	}
}

func FuzzJoinMap(f *testing.F) {
	f.Add(uint16(100), uint16(200), uint16(500), uint16(900), uint16(50))
	f.Fuzz(func(t *testing.T, a, b, c, d, q uint16) {
		samples := make([]float32, 1000*vad.SampleRate/1000*2) // 2 s
		regs := []vad.Region{{Start: time.Duration(a) * ms, End: time.Duration(b) * ms}, {Start: time.Duration(c) * ms, End: time.Duration(d) * ms}}
		j := vad.Join(samples, regs, vad.JoinOptions{Pad: 10 * ms, Gap: 20 * ms})
		in := time.Duration(q) * ms
		for _, end := range []bool{false, true} {
			got := j.Map(in, end)
			if got < 0 || got > 2*time.Second {
				t.Fatalf("Map(%v) = %v: outside the recording", in, got)
			}
			if in <= time.Duration(len(j.Samples))*time.Second/vad.SampleRate && got < in {
				// joined time never runs ahead of recording time
				t.Fatalf("Map(%v) = %v: earlier than in the joined audio", in, got)
			}
		}
	})
}
