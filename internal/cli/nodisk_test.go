package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testtrace"
)

// TestHelperTranscribe is not a test: TestNoAudioTouchesDisk re-executes the test binary with
// HUSHSCRIBE_NODISK_HELPER set, under strace, and this function then runs one transcription.
func TestHelperTranscribe(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_NODISK_HELPER") != "1" {
		t.Skip("helper process")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("HUSHSCRIBE_NODISK_ARGS")), &args); err != nil {
		t.Fatal(err)
	}
	code := Run(context.Background(), args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	os.Exit(code)
}

// TestNoAudioTouchesDisk proves the promise that audio is decoded and processed in memory: it runs
// a whole transcription (decode, resample, whisper.cpp, export to stdout) under strace, recording every
// system call that can create, open for writing, rename, link or truncate a file, in every thread and
// child process, and fails if any happened outside /dev and /proc. It also snapshots TMPDIR, the home
// folder, the data folder and the working folder before and after and requires them unchanged.
func TestNoAudioTouchesDisk(t *testing.T) {
	c := corpus(t)
	model := micro(t) // generated and cached before the traced run: model files are not audio

	for _, file := range []string{"jfk.flac", "english_german.mp3", "stereo_two_speakers.wav"} {
		t.Run(file, func(t *testing.T) {
			root := t.TempDir()
			home := filepath.Join(root, "home")
			tmp := filepath.Join(root, "tmp")
			work := filepath.Join(root, "work")
			data := filepath.Join(root, "data")
			for _, d := range []string{home, tmp, work, data} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			trace := filepath.Join(t.TempDir(), "strace.log")
			before := testtrace.Snapshot(home, tmp, work, data)

			args := []string{"transcribe", "-model", model, "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "json", "-split-channels", filepath.Join(c, file)}
			argJSON, _ := json.Marshal(args)
			cmd := testtrace.Command(t, trace, os.Args[0], "-test.run=^TestHelperTranscribe$", "-test.count=1")
			cmd.Dir = work
			cmd.Env = append(os.Environ(),
				"HUSHSCRIBE_NODISK_HELPER=1",
				"HUSHSCRIBE_NODISK_ARGS="+string(argJSON),
				"HOME="+home, "TMPDIR="+tmp, "HUSHSCRIBE_HOME="+data, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("traced transcription failed: %v\n%s", err, tail(out))
			}
			if !strings.Contains(string(out), `"segments"`) {
				t.Fatalf("no transcript on stdout:\n%s", tail(out))
			}

			testtrace.Check(t, trace, testtrace.Rules{})
			after := testtrace.Snapshot(home, tmp, work, data)
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("new file after transcription: %s", p)
				}
			}
		})
	}
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
