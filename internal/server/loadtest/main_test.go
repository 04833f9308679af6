package main

import (
	"github.com/hushscribe/hushscribe/internal/testgate"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://127.9.9.9": true, "https://[::1]:8443": true, "http://localhost:1": true,
		"http://10.0.0.1:8080": false, "http://192.168.1.2": false, "http://example.com": false, "http://[::2]:80": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%s) = %v", addr, err)
		}
	}
	if _, err := loopbackDial(t.Context(), "tcp", "10.1.2.3:80"); err == nil {
		t.Error("dialled a non-loopback address")
	}
}

// TestRunFake runs a small load against an in-process server with a fake engine: every upload
// must be answered, with retries turning each 429 into a success eventually.
func TestRunFake(t *testing.T) {
	if _, err := corpusFiles(""); err != nil {
		testgate.Missing(t, "%v", err)
	}
	code, err := run(options{n: 12, c: 6, workers: 1, queue: 1, fake: 5 * time.Millisecond, duration: time.Minute, format: "srt", retry: true})
	if err != nil || code != 0 {
		t.Fatalf("run = %d, %v", code, err)
	}
}
