package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testgate"
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
// child process, and fails if any happened outside /proc, /sys and named device files such as /dev/null (a copy in
// /dev/shm counts). Besides corpus files it transcribes an M4A and an Opus file, which go through ffmpeg. It also snapshots TMPDIR, the home
// folder, the data folder and the working folder before and after and requires them unchanged.
func TestNoAudioTouchesDisk(t *testing.T) {
	c := corpus(t)
	model := micro(t) // generated and cached before the traced run: model files are not audio

	// M4A (AAC) and Opus go through ffmpeg, piped; make them from the corpus before the traced run.
	ff := testgate.Tool(t, "ffmpeg")
	made := t.TempDir()
	for _, m := range []struct{ name, codec string }{{"jfk.m4a", "aac"}, {"jfk.opus", "libopus"}} {
		out, err := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-i", filepath.Join(c, "jfk.flac"),
			"-t", "6", "-c:a", m.codec, "-y", filepath.Join(made, m.name)).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg making %s: %v: %s", m.name, err, out)
		}
	}
	files := []string{filepath.Join(c, "jfk.flac"), filepath.Join(c, "english_german.mp3"), filepath.Join(c, "stereo_two_speakers.wav"),
		filepath.Join(made, "jfk.m4a"), filepath.Join(made, "jfk.opus")}
	for _, path := range files {
		file := filepath.Base(path)
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

			args := []string{"transcribe", "-model", model, "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "json", "-split-channels", path}
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

// TestSamplesZeroed proves "the samples are zeroed when a job ends" for the CLI: it runs real
// transcriptions (mono, and stereo with -split-channels) through Run, keeps the decoded buffers it is
// shown, and requires every sample to be zero once Run returns.
func TestSamplesZeroed(t *testing.T) {
	c := corpus(t)
	model := micro(t)
	for _, tc := range []struct {
		file  string
		split bool
	}{{"jfk.flac", false}, {"stereo_two_speakers.wav", true}, {"stereo_two_speakers.wav", false}} {
		t.Run(fmt.Sprintf("%s split=%v", tc.file, tc.split), func(t *testing.T) {
			var seen [][]float32
			args := []string{"transcribe", "-model", model, "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "txt"}
			if tc.split {
				args = append(args, "-split-channels")
			}
			args = append(args, filepath.Join(c, tc.file))
			var out, errb bytes.Buffer
			home := t.TempDir()
			code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb,
				Getenv:       func(k string) string { return map[string]string{"HUSHSCRIBE_HOME": home}[k] },
				observeAudio: func(ch [][]float32) { seen = append(seen, ch...) }})
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if len(seen) == 0 || len(seen[0]) == 0 {
				t.Fatal("the observer saw no samples")
			}
			if tc.split && len(seen) != 2 {
				t.Fatalf("saw %d channels, want 2", len(seen))
			}
			for i, ch := range seen {
				for j, v := range ch {
					if v != 0 {
						t.Fatalf("channel %d sample %d of %d is %g after the job: the audio was not zeroed", i, j, len(ch), v)
					}
				}
			}
		})
	}
}
