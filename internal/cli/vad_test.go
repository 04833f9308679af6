package cli

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	"github.com/hushscribe/hushscribe/internal/wavfile"
)

// runVAD runs the CLI with ONNX Runtime and the Silero model where build/onnx.sh put them (as a user's
// install has them beside the binary and in the models folder).
func runVAD(t *testing.T, args ...string) result {
	t.Helper()
	home := t.TempDir()
	lib, model := onnxrttest.LibraryPath(t), onnxrttest.SileroPath(t)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "HUSHSCRIBE_HOME":
				return home
			case "HUSHSCRIBE_ONNXRUNTIME":
				return lib
			case vadModelEnv:
				return model
			}
			return ""
		},
	})
	return result{code, out.String(), errb.String()}
}

func writeWAV(t *testing.T, samples []float32) string {
	t.Helper()
	var b bytes.Buffer
	if err := wavfile.Write(&b, samples, 16000); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "laid-out.wav")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func musicTones(seconds int) []float32 {
	out := make([]float32, seconds*16000)
	notes := []float64{261.63, 329.63, 392.0, 523.25}
	for i := range out {
		f := notes[(i/4000)%len(notes)]
		v := 0.0
		for h := 1.0; h <= 3; h++ {
			v += math.Sin(2*math.Pi*f*h*float64(i)/16000) / h
		}
		out[i] = float32(0.2 * v)
	}
	return out
}

// TestTranscribeVAD: with voice activity detection (the default whenever the model and runtime are
// installed), speech placed 8 s into a file keeps its place in the transcript, nothing is transcribed
// from the surrounding silence, and a file of music-like tones gives no text at all.
func TestTranscribeVAD(t *testing.T) {
	a, err := audio.DecodeFile(context.Background(), filepath.Join(corpus(t), "jfk.flac"), audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	speech := a.Mono()
	laid := append(make([]float32, 8*16000), speech...)
	laid = append(laid, make([]float32, 8*16000)...)
	file := writeWAV(t, laid)
	for _, mode := range [][]string{{}, {"-vad", "on"}} {
		args := append([]string{"transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "json"}, mode...)
		r := runVAD(t, append(args, file)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", mode, r.code, r.stderr)
		}
		tr, err := export.Import(strings.NewReader(r.stdout))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Duration < 16*time.Second+a.Duration()-time.Second {
			t.Errorf("duration %v, want the whole file's", tr.Duration)
		}
		speechEnd := 8*time.Second + a.Duration()
		for _, s := range tr.Segments {
			if s.Start < 7500*time.Millisecond || s.End > speechEnd+time.Second {
				t.Errorf("%v: segment %v-%v outside the speech (8 s - %v)", mode, s.Start, s.End, speechEnd)
			}
		}
	}

	tones := writeWAV(t, musicTones(20))
	r := runVAD(t, "transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "json", tones)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tr, err := export.Import(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) != 0 {
		t.Errorf("music-like tones gave %d segments, want none: %+v", len(tr.Segments), tr.Segments)
	}
}

// TestTranscribeVADErrors: a bad -vad value is a usage error; -vad on without the model is a clear
// "not installed" error (exit 4) instead of silently transcribing everything.
func TestTranscribeVADErrors(t *testing.T) {
	c := corpus(t)
	r := run(t, "transcribe", "-model", micro(t), "-vad", "maybe", filepath.Join(c, "jfk.flac"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "-vad must be") {
		t.Errorf("-vad maybe: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, "transcribe", "-model", micro(t), "-vad", "on", filepath.Join(c, "jfk.flac"))
	if r.code != ExitNoModel || !strings.Contains(r.stderr, "voice activity detection unavailable") {
		t.Errorf("-vad on without model: exit %d: %s", r.code, r.stderr)
	}
}
