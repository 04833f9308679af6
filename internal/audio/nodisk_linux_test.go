package audio

import (
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

// TestHelperDecodeTraced is not a test: TestNoFileWrites re-executes the test binary with
// HUSHSCRIBE_AUDIO_NODISK set, under strace, and this function then decodes the files it names,
// from the file (DecodeFile) and as a stream (Decode).
func TestHelperDecodeTraced(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_AUDIO_NODISK") == "" {
		t.Skip("helper process")
	}
	var files []string
	if err := json.Unmarshal([]byte(os.Getenv("HUSHSCRIBE_AUDIO_NODISK")), &files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		a, err := DecodeFile(context.Background(), f, Options{KeepChannels: true})
		if err != nil {
			t.Fatalf("DecodeFile %s: %v", f, err)
		}
		fmt.Printf("decoded %s: %d channels, %v\n", filepath.Base(f), len(a.Channels), a.Duration())
		a.Clear()
		if strings.HasSuffix(f, ".mp4") {
			continue // moov at the end: not decodable from a stream
		}
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err = Decode(context.Background(), r, f, Options{})
		r.Close()
		if err != nil {
			t.Fatalf("Decode %s: %v", f, err)
		}
		fmt.Printf("streamed %s: %v\n", filepath.Base(f), a.Duration())
	}
}

// TestNoFileWrites proves that this package decodes in memory: it decodes WAV, FLAC, MP3, Ogg Vorbis
// (natively) and M4A, Opus and an MP4 with its index at the end (through ffmpeg) in a child process
// under strace -f, which records every system call that can create or modify a file in the process
// and in ffmpeg, and fails on any (outside /proc, /sys and named devices such as /dev/null; /dev/shm
// counts). TMPDIR and HOME are fresh folders that must still be empty afterwards.
func TestNoFileWrites(t *testing.T) {
	c := corpusDir(t)
	ff := needFFmpeg(t)
	testgate.Tool(t, "strace")
	made := t.TempDir()
	src := filepath.Join(c, "jfk.flac")
	for _, m := range []struct{ name, codec, flags string }{
		{"jfk.ogg", "libvorbis", ""}, {"jfk.m4a", "aac", "+faststart"}, {"jfk.opus", "libopus", ""}, {"jfk.mp4", "aac", "-faststart"},
	} {
		args := []string{"-hide_banner", "-loglevel", "error", "-t", "4", "-i", src, "-c:a", m.codec}
		if m.flags != "" {
			args = append(args, "-movflags", m.flags)
		}
		if out, err := exec.Command(ff, append(args, "-y", filepath.Join(made, m.name))...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg making %s: %v: %s", m.name, err, out)
		}
	}
	files := []string{filepath.Join(c, "platforms_en.wav"), filepath.Join(c, "stereo_two_speakers.wav"), src,
		filepath.Join(c, "english_german.mp3"), filepath.Join(c, "hotwords.mp3")}
	for _, n := range []string{"jfk.ogg", "jfk.m4a", "jfk.opus", "jfk.mp4"} {
		files = append(files, filepath.Join(made, n))
	}
	list, _ := json.Marshal(files)

	root := t.TempDir()
	home, tmp := filepath.Join(root, "home"), filepath.Join(root, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	trace := filepath.Join(t.TempDir(), "strace.log")
	cmd := testtrace.Command(t, trace, os.Args[0], "-test.run=^TestHelperDecodeTraced$", "-test.count=1", "-test.v")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "HUSHSCRIBE_AUDIO_NODISK="+string(list), "HOME="+home, "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("traced decoding failed: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "decoded "); n != len(files) {
		t.Fatalf("%d of %d files decoded:\n%s", n, len(files), out)
	}
	testtrace.Check(t, trace, testtrace.Rules{})
	if s := testtrace.Snapshot(home, tmp); len(s) != 0 {
		t.Errorf("files appeared in HOME or TMPDIR: %v", s)
	}
}
