package cli

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeKeygen(t *testing.T) {
	r := run(t, "serve", "keygen")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sha256:") || !strings.Contains(r.stderr, "API key") {
		t.Fatalf("keygen: %+v", r)
	}
}

func TestServeErrors(t *testing.T) {
	r := run(t, "serve", "-allow-unauthenticated")
	if r.code != ExitNoModel {
		t.Fatalf("serve without models: exit %d (%s)", r.code, r.stderr)
	}
	r = run(t, "serve", "-model", "x="+micro(t))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "key") {
		t.Fatalf("serve without keys: exit %d (%s)", r.code, r.stderr)
	}
	r = run(t, "serve", "-model", "nonsense")
	if r.code != ExitUsage {
		t.Fatalf("bad -model: exit %d", r.code)
	}
}

// TestServeEndToEnd starts `hushscribe serve` with a keys file made by `serve keygen` and checks that
// the key works and that a missing key is refused.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb strings.Builder
		done <- Run(ctx, []string{"serve", "-addr", addr, "-keys", keys, "-model", "micro=" + micro(t)}, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d after shutdown", code)
		}
	}()
	get := func(path, key string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(30 * time.Second)
	for get("/healthz", "") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("server did not become healthy")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c := get("/v1/models", key); c != 200 {
		t.Fatalf("/v1/models with key: %d", c)
	}
	if c := get("/v1/models", ""); c != 401 {
		t.Fatalf("/v1/models without key: %d", c)
	}
	if c := get("/v1/models", key+"x"); c != 401 {
		t.Fatalf("/v1/models with wrong key: %d", c)
	}
}
