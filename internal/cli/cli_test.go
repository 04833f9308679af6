package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testcorpus"

	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func corpus(tb testing.TB) string { return testcorpus.Dir(tb) }

var modelOnce sync.Once
var modelPath string

func micro(tb testing.TB) string {
	modelOnce.Do(func() { modelPath = testmodel.ForTest(tb, testmodel.Micro) })
	return modelPath
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	home := t.TempDir()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "HUSHSCRIBE_HOME" {
				return home
			}
			return ""
		},
	})
	return result{code, out.String(), errb.String()}
}

func TestExitCodes(t *testing.T) {
	c := corpus(t)
	m := micro(t)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.flac")
	os.WriteFile(corrupt, []byte("fLaC\x00\x00\x00\x22garbage"), 0o644)
	empty := filepath.Join(dir, "empty.wav")
	os.WriteFile(empty, nil, 0o644)
	notModel := filepath.Join(dir, "model.bin")
	os.WriteFile(notModel, bytes.Repeat([]byte{1, 2, 3}, 1000), 0o644)
	jfk := filepath.Join(c, "jfk.flac")

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no args to transcribe", []string{"transcribe"}, ExitUsage, "no input file"},
		{"bad flag", []string{"transcribe", "-nope", jfk}, ExitUsage, "-nope"},
		{"bad format", []string{"transcribe", "-model", m, "-f", "pdf", jfk}, ExitUsage, "pdf"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"missing file", []string{"transcribe", "-model", m, filepath.Join(dir, "nope.wav")}, ExitBadInput, "nope.wav"},
		{"corrupt file", []string{"transcribe", "-model", m, corrupt}, ExitBadInput, "corrupt.flac"},
		{"empty file", []string{"transcribe", "-model", m, empty}, ExitBadInput, "empty.wav"},
		{"folder", []string{"transcribe", "-model", m, dir}, ExitBadInput, "folder"},
		{"model not installed", []string{"transcribe", "-model", "base.en", jfk}, ExitNoModel, "models download base.en"},
		{"no default model", []string{"transcribe", jfk}, ExitNoModel, "no model"},
		{"not a model", []string{"transcribe", "-model", notModel, jfk}, ExitNoModel, "model"},
		{"ok", []string{"transcribe", "-model", m, "-language", "en", "-beam-size", "1", "-threads", "1", jfk}, ExitOK, ""},
		{"one bad one good", []string{"transcribe", "-model", m, "-language", "en", "-beam-size", "1", "-threads", "1", jfk, corrupt}, ExitBadInput, "corrupt.flac"},
		{"version", []string{"version"}, ExitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("stderr %q does not mention %q", r.stderr, tc.msg)
			}
		})
	}
}

func TestTranscribeFormats(t *testing.T) {
	c := corpus(t)
	m := micro(t)
	for _, f := range export.Formats() {
		t.Run(string(f), func(t *testing.T) {
			out := t.TempDir()
			r := run(t, "transcribe", "-model", m, "-language", "en", "-beam-size", "1", "-threads", "1", "-f", string(f), "-o", out, filepath.Join(c, "librispeech_a.flac"))
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			b, err := os.ReadFile(filepath.Join(out, "librispeech_a"+f.Extension()))
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Fatal("empty output")
			}
			ents, _ := os.ReadDir(out)
			if len(ents) != 1 {
				t.Fatalf("output folder has %d entries, want 1 (no temporary files left)", len(ents))
			}
		})
	}
}

func TestTranscribeJSONToStdout(t *testing.T) {
	c := corpus(t)
	r := run(t, "transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-word-timestamps", "-f", "json", filepath.Join(c, "jfk.flac"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tr, err := export.Import(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("output is not re-importable JSON: %v\n%s", err, r.stdout)
	}
	if tr.SourceName != "jfk.flac" || tr.Duration.Seconds() < 10 || tr.Duration.Seconds() > 12 {
		t.Fatalf("metadata: name %q duration %v", tr.SourceName, tr.Duration)
	}
	if tr.Language != "en" {
		t.Fatalf("language %q", tr.Language)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
}

func TestSplitChannels(t *testing.T) {
	c := corpus(t)
	r := run(t, "transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-split-channels", "-f", "json", filepath.Join(c, "stereo_two_speakers.wav"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tr, err := export.Import(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Speakers) != 2 {
		t.Fatalf("speakers = %+v, want one per channel", tr.Speakers)
	}
	for i := 1; i < len(tr.Segments); i++ {
		if tr.Segments[i].Start < tr.Segments[i-1].Start {
			t.Fatal("segments of the two channels are not merged in time order")
		}
	}
	for _, s := range tr.Segments {
		if s.Speaker != "S1" && s.Speaker != "S2" {
			t.Fatalf("segment without channel speaker: %+v", s)
		}
	}
}

func TestProgressAlways(t *testing.T) {
	c := corpus(t)
	r := run(t, "transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-progress", "always", filepath.Join(c, "jfk.flac"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "100%") {
		t.Fatalf("progress bar never reached 100%%: %q", r.stderr)
	}
}

func TestOpenWithStartsDesktop(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "talk.wav")
	os.WriteFile(f, []byte("RIFF"), 0o644)
	for _, tc := range []struct {
		name    string
		args    []string
		desktop bool
		code    int
	}{
		{"a file", []string{f}, true, ExitOK},
		{"files", []string{f, f}, true, ExitOK},
		{"a folder", []string{dir}, false, ExitUsage},
		{"a missing file", []string{filepath.Join(dir, "gone.wav")}, false, ExitUsage},
		{"no args", nil, true, ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			called := false
			var out, errb bytes.Buffer
			code := Run(context.Background(), tc.args, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
				Desktop: func(args []string) error { called, got = true, args; return nil }})
			if code != tc.code || called != tc.desktop {
				t.Fatalf("exit %d, desktop %v; want %d, %v (stderr %s)", code, called, tc.code, tc.desktop, errb.String())
			}
			if called && strings.Join(got, "|") != strings.Join(tc.args, "|") {
				t.Errorf("desktop args %q, want %q", got, tc.args)
			}
		})
	}
}
