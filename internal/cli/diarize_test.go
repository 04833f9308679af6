package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
)

// runDiarize runs the CLI with ONNX Runtime and the stand-in diarization models (real ones cannot be
// downloaded in CI) named by the environment, and no VAD model.
func runDiarize(t *testing.T, args ...string) result {
	t.Helper()
	home := t.TempDir()
	files, err := standin.WriteFiles(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	lib := onnxrttest.LibraryPath(t)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "HUSHSCRIBE_HOME":
				return home
			case "HUSHSCRIBE_ONNXRUNTIME":
				return lib
			case segmentationEnv:
				return files.Segmentation
			case embeddingEnv:
				return files.Embedding
			}
			return ""
		},
	})
	return result{code, out.String(), errb.String()}
}

// TestTranscribeDiarize: -diarize / -speakers label segments with speakers, in JSON (speakers list,
// segment speaker IDs) and as WebVTT voice tags; words are only kept with -word-timestamps.
func TestTranscribeDiarize(t *testing.T) {
	c := corpus(t)
	file := filepath.Join(c, "stereo_two_speakers.wav")
	base := []string{"transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-vad", "off"}
	r := runDiarize(t, append(base, "-speakers", "2", "-f", "json", file)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tr, err := export.Import(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) > 0 && len(tr.Speakers) == 0 {
		t.Fatalf("no speakers: %s", r.stdout)
	}
	ids := map[string]bool{}
	for _, s := range tr.Speakers {
		ids[s.ID] = true
	}
	for _, s := range tr.Segments {
		if !ids[s.Speaker] {
			t.Errorf("segment %+v has no listed speaker", s)
		}
		if len(s.Words) != 0 {
			t.Errorf("words kept without -word-timestamps")
		}
	}
	r = runDiarize(t, append(base, "-diarize", "-f", "vtt", file)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	t.Logf("VTT:\n%.300s", r.stdout)
	if strings.Contains(r.stdout, "-->") && !strings.Contains(r.stdout, "<v Speaker ") {
		t.Errorf("VTT without voice tags:\n%s", r.stdout)
	}
}

// TestTranscribeDiarizeErrors: bad flags are usage errors; -diarize without its models is a clear
// "not installed" error (exit 4).
func TestTranscribeDiarizeErrors(t *testing.T) {
	c := corpus(t)
	file := filepath.Join(c, "jfk.flac")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-speakers", "-1"}, ExitUsage, "-speakers must not be negative"},
		{[]string{"-diarize", "-split-channels"}, ExitUsage, "choose one"},
		{[]string{"-diarize"}, ExitNoModel, "speaker diarization unavailable"},
	} {
		r := run(t, append(append([]string{"transcribe", "-model", micro(t)}, tc.args...), file)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d: %s", tc.args, r.code, r.stderr)
		}
	}
}
