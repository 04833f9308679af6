//go:build linux

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testtrace"
)

// TestHelperServe is not a test: TestServeUploadsNeverTouchDisk re-executes the test binary with
// HUSHSCRIBE_SERVE_HELPER set, under strace, and this function then runs `hushscribe serve` until
// SIGTERM.
func TestHelperServe(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_SERVE_HELPER") != "1" {
		t.Skip("helper process")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("HUSHSCRIBE_SERVE_ARGS")), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fmt.Printf("helper pid %d\n", os.Getpid()) // strace's pid is not ours: SIGTERM must come here
	os.Exit(Run(ctx, args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}

// TestServeUploadsNeverTouchDisk proves the promise for `hushscribe serve`: the real server (real
// decoder, whisper.cpp, default limits) runs under strace -f while it answers a synchronous
// transcription of a FLAC upload and a job-API transcription of an M4A upload (decoded by ffmpeg,
// piped), and the trace must show no file created or written anywhere (outside /proc, /sys and named
// devices such as /dev/null; /dev/shm counts). HOME, TMPDIR and the working folder must also stay
// unchanged.
func TestServeUploadsNeverTouchDisk(t *testing.T) {
	c := corpus(t)
	model := micro(t)
	ff := testgate.Tool(t, "ffmpeg")
	dir := t.TempDir()
	m4a := filepath.Join(dir, "talk.m4a")
	if out, err := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-i", filepath.Join(c, "jfk.flac"), "-t", "4",
		"-c:a", "aac", "-movflags", "+faststart", "-y", m4a).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	kg := run(t, "serve", "keygen")
	key := strings.TrimSpace(kg.stderr[strings.LastIndex(kg.stderr, " ")+1:])
	keys := filepath.Join(dir, "keys.txt")
	if err := os.WriteFile(keys, []byte(kg.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	root := t.TempDir()
	home, tmp, work := filepath.Join(root, "home"), filepath.Join(root, "tmp"), filepath.Join(root, "work")
	for _, d := range []string{home, tmp, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	args, _ := json.Marshal([]string{"serve", "-addr", addr, "-keys", keys, "-model", "micro=" + model})
	trace := filepath.Join(t.TempDir(), "strace.log")
	cmd := testtrace.Command(t, trace, os.Args[0], "-test.run=^TestHelperServe$", "-test.count=1")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "HUSHSCRIBE_SERVE_HELPER=1", "HUSHSCRIBE_SERVE_ARGS="+string(args),
		"HOME="+home, "TMPDIR="+tmp, "HUSHSCRIBE_HOME="+filepath.Join(home, "data"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	client := &http.Client{Timeout: 5 * time.Minute}
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become healthy:\n%s", out.String())
		}
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("serve (or strace) exited early: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	upload := func(path, file string) (int, []byte) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("model", "micro")
		mw.WriteField("language", "en")
		fw, _ := mw.CreateFormFile("file", filepath.Base(file))
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", base+path, &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	t.Log("serve is up; synchronous transcription of a FLAC upload")
	if code, body := upload("/v1/audio/transcriptions", filepath.Join(c, "librispeech_b.flac")); code != 200 {
		t.Fatalf("sync transcription: %d %s", code, body)
	}
	t.Log("job API transcription of an M4A upload")
	code, body := upload("/v1/jobs", m4a)
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d %s", code, body)
	}
	var job struct{ ID, Status string }
	json.Unmarshal(body, &job)
	for job.Status == "" || job.Status == "queued" || job.Status == "running" {
		time.Sleep(200 * time.Millisecond)
		req, _ := http.NewRequest("GET", base+"/v1/jobs/"+job.ID, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(b, &job)
		if time.Now().After(deadline.Add(5 * time.Minute)) {
			t.Fatalf("job %s still %s", job.ID, job.Status)
		}
	}
	if job.Status != "succeeded" {
		t.Fatalf("job %s ended %s", job.ID, job.Status)
	}

	t.Log("stopping serve")
	var pid int
	if m := regexp.MustCompile(`helper pid (\d+)`).FindStringSubmatch(out.String()); m != nil {
		pid, _ = strconv.Atoi(m[1])
	}
	if pid == 0 {
		t.Fatalf("the helper did not say its pid:\n%s", out.String())
	}
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	testtrace.Check(t, trace, testtrace.Rules{})
	if s := testtrace.Snapshot(home, tmp, work); len(s) != 0 {
		t.Errorf("files appeared: %v", s)
	}
}
