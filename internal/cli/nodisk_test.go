package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed")
	}
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
			before := snapshot(t, home, tmp, work, data)

			args := []string{"transcribe", "-model", model, "-language", "en", "-beam-size", "1", "-threads", "1", "-f", "json", "-split-channels", filepath.Join(c, file)}
			argJSON, _ := json.Marshal(args)
			cmd := exec.Command("strace", "-f", "-qq", "-o", trace,
				"-e", "trace=open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mknod,mknodat,truncate,ftruncate,memfd_create,mkdir,mkdirat",
				os.Args[0], "-test.run=^TestHelperTranscribe$", "-test.count=1")
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

			var violations []string
			f, err := os.Open(trace)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			n := 0
			for sc.Scan() {
				n++
				if v := writeAccess(sc.Text()); v != "" {
					violations = append(violations, v)
				}
			}
			if n == 0 {
				t.Fatal("strace recorded nothing: the trace is not working")
			}
			if len(violations) > 0 {
				t.Fatalf("the transcription created or wrote files:\n%s", strings.Join(violations, "\n"))
			}
			after := snapshot(t, home, tmp, work, data)
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("new file after transcription: %s", p)
				}
			}
		})
	}
}

var (
	reOpen     = regexp.MustCompile(`\b(open|openat|openat2|creat)\((?:[A-Z_]+, )?"([^"]*)"(?:, ([A-Z_|]+))?`)
	reMutating = regexp.MustCompile(`\b(rename|renameat|renameat2|link|linkat|symlink|symlinkat|mknod|mknodat|truncate|ftruncate|memfd_create|mkdir|mkdirat)\(`)
	reWriteFl  = regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND`)
)

// writeAccess returns a description of the strace line when it creates or modifies a file, except the
// harmless pseudo-files of /dev and /proc, and failed calls.
func writeAccess(line string) string {
	if strings.Contains(line, "= -1 ") || strings.Contains(line, "<unfinished") && !reOpen.MatchString(line) {
		return ""
	}
	if m := reOpen.FindStringSubmatch(line); m != nil {
		path, flags := m[2], m[3]
		if m[1] == "creat" || reWriteFl.MatchString(flags) {
			if strings.HasPrefix(path, "/dev/") || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/sys/") {
				return ""
			}
			return line
		}
		return ""
	}
	if reMutating.MatchString(line) {
		return line
	}
	return ""
}

func snapshot(t *testing.T, dirs ...string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				if info, err := e.Info(); err == nil {
					m[p] = info.ModTime()
				}
			}
			return nil
		})
	}
	return m
}

func TestWriteAccessClassifier(t *testing.T) {
	tests := []struct {
		line string
		bad  bool
	}{
		{`123 openat(AT_FDCWD, "/x/jfk.flac", O_RDONLY|O_CLOEXEC) = 3`, false},
		{`123 openat(AT_FDCWD, "/tmp/a.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4`, true},
		{`123 openat(AT_FDCWD, "/dev/null", O_RDWR|O_CLOEXEC) = 4`, false},
		{`123 openat(AT_FDCWD, "/tmp/x", O_RDWR|O_CREAT, 0600) = -1 EACCES (Permission denied)`, false},
		{`123 creat("/tmp/a.pcm", 0644) = 5`, true},
		{`123 memfd_create("audio", MFD_CLOEXEC) = 6`, true},
		{`123 renameat(AT_FDCWD, "/a", AT_FDCWD, "/b") = 0`, true},
		{`123 mkdirat(AT_FDCWD, "/home/u/.cache/x", 0777) = 0`, true},
	}
	for _, tc := range tests {
		if got := writeAccess(tc.line) != ""; got != tc.bad {
			t.Errorf("writeAccess(%q) flagged=%v, want %v", tc.line, got, tc.bad)
		}
	}
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
