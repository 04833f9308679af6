// Package s3test starts a real S3-compatible server for tests: versitygw
// (github.com/versity/versitygw, built from the Go module proxy by build/versitygw.sh) with its
// posix backend in a temporary folder, listening on loopback. Unlike an in-process fake it checks
// AWS Signature Version 4 on every request, so a client with a wrong secret key fails as it would
// against Amazon S3, and it implements multipart uploads.
//
// The binary is $HUSHSCRIBE_VERSITYGW, else the cached build at
// ${XDG_CACHE_HOME:-~/.cache}/hushscribe/versitygw-v1.8.0/bin/versitygw. Without it, tests that
// need it are skipped, except under CI (CI set), where they fail.
package s3test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Version is the versitygw release build/versitygw.sh builds.
const Version = "v1.8.0"

// Server is a running S3 server.
type Server struct {
	Endpoint  string // host:port, plain HTTP
	AccessKey string
	SecretKey string
	Region    string
	Root      string // the posix backend's folder: buckets are folders, objects files
}

// Binary returns the versitygw binary's path, or "" when there is none.
func Binary() string {
	if p := os.Getenv("HUSHSCRIBE_VERSITYGW"); p != "" {
		return p
	}
	cache := os.Getenv("HUSHSCRIBE_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(dir, "hushscribe")
	}
	p := filepath.Join(cache, "versitygw-"+Version, "bin", "versitygw")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Start runs a server until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		const msg = "versitygw not found: run build/versitygw.sh (or set HUSHSCRIBE_VERSITYGW)"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	s := &Server{AccessKey: "hs-test-access", SecretKey: "hs-test-secret-0123456789", Region: "us-east-1", Root: tb.TempDir()}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		s.Endpoint = ln.Addr().String()
		ln.Close() // a small window in which another process could take the port: retried below
		if lastErr = s.run(tb, bin); lastErr == nil {
			return s
		}
	}
	tb.Fatalf("start versitygw: %v", lastErr)
	return nil
}

func (s *Server) run(tb testing.TB, bin string) error {
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", s.Endpoint, "--access", s.AccessKey, "--secret", s.SecretKey,
		"--region", s.Region, "posix", s.Root)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited: %v\n%s", err, out.String())
		default:
		}
		// Any HTTP answer (an unsigned request gets 403) means it is serving.
		resp, err := http.Get("http://" + s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("versitygw did not answer on %s: %v\n%s", s.Endpoint, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	return nil
}
