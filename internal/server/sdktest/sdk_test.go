// Package sdktest drives the real `hushscribe serve` binary with the official OpenAI JavaScript SDK
// (npm "openai", pinned in package.json and package-lock.json): every endpoint and response format
// the SDK knows for audio, its typed errors, its retries on 429 with Retry-After, streaming, and
// models. The SDK's node_modules come from build/sdk.sh, which installs them into the cache and is
// named by $HUSHSCRIBE_OPENAI_SDK (build/test.sh sets it).
package sdktest

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/server"
	"github.com/hushscribe/hushscribe/internal/testcorpus"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// need skips the test when a tool is missing, or fails it under CI, where nothing may be skipped.
func need(t *testing.T, ok bool, msg string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func TestOpenAISDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs Node")
	}
	sdk := os.Getenv("HUSHSCRIBE_OPENAI_SDK")
	_, err := os.Stat(filepath.Join(sdk, "openai", "package.json"))
	need(t, sdk != "" && err == nil, "the OpenAI SDK is not installed: run build/sdk.sh and set HUSHSCRIBE_OPENAI_SDK")
	node, err := exec.LookPath("node")
	need(t, err == nil, "node is not installed")
	speech := testcorpus.File(t, "jfk.flac")

	dir := t.TempDir()
	bin := filepath.Join(dir, "hushscribe")
	tags := os.Getenv("HUSHSCRIBE_GO_TAGS")
	if tags == "" {
		tags = "sqlite_fts5"
	}
	build := exec.Command("go", "build", "-tags", tags, "-o", bin, "github.com/hushscribe/hushscribe")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}

	key, hash := server.GenerateKey()
	keys := filepath.Join(dir, "keys.txt")
	big := filepath.Join(dir, "big.wav")
	for path, data := range map[string][]byte{keys: []byte(hash + " sdk-test\n"), big: []byte(rand.Text() + strings.Repeat("x", 3<<20))} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	model := testmodel.ForTest(t, testmodel.Micro)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var serverLog bytes.Buffer
	srv := exec.CommandContext(ctx, bin, "serve", "-addr", addr, "-keys", keys, "-model", "micro="+model,
		"-default-model", "micro", "-workers", "1", "-queue", "1", "-max-upload", "2000000")
	srv.Env = append(os.Environ(), "HUSHSCRIBE_HOME="+filepath.Join(dir, "home"))
	srv.Stdout, srv.Stderr = &serverLog, &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
		if t.Failed() {
			t.Logf("server output:\n%s", serverLog.String())
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, serverLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// node resolves "openai" from the test file's folder upwards: give it one beside the cached SDK.
	work := filepath.Join(dir, "node")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("sdk.test.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "sdk.test.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sdk, filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	run := exec.CommandContext(ctx, node, "--test", "--test-concurrency=1", "--test-reporter=spec", "sdk.test.mjs")
	run.Dir = work
	run.Env = append(os.Environ(), "HS_URL=http://"+addr+"/v1", "HS_KEY="+key, "HS_AUDIO="+speech, "HS_BIG="+big, "HS_MODEL=micro")
	out, err := run.CombinedOutput()
	t.Logf("OpenAI SDK tests:\n%s", out)
	if err != nil {
		t.Fatalf("the OpenAI SDK tests failed: %v", err)
	}
}
