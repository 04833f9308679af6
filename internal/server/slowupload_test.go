package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowClient opens a raw connection, sends an upload's headers announcing a large body, and then
// trickles 4 bytes a second. It returns the response status when the server answers (or -1).
func slowClient(t *testing.T, ts *testServer, key string) <-chan int {
	t.Helper()
	ch := make(chan int, 1)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 200000\r\n\r\n", key)
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.flac\"\r\n\r\n" + strings.Repeat("a", 1000)
		for i := 0; i+4 <= len(body); i += 4 {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(c, body[i:i+4]); err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(stop)
		c.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			ch <- -1
			return
		}
		resp.Body.Close()
		ch <- resp.StatusCode
	}()
	return ch
}

// TestSlowUploads reproduces the review's attack with the default upload limits: nine connections
// with one key, each trickling 4 bytes a second. They take no queue slot (an upload is read before
// its job is admitted); beyond the key's share of concurrent uploads they get 429 at once; another
// key is served meanwhile; and the trickling ones are dropped with 408 once the grace period has
// passed without the minimum transfer rate.
func TestSlowUploads(t *testing.T) {
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 1, 4
	ts := start(t, cfg, fakeDeps(newFake()))
	def := ts.cfg // after defaults
	if def.MaxUploadsPerKey != 2 || def.MaxUploads != 5 || def.UploadGrace != 10*time.Second || def.MinUploadRate != 4096 {
		t.Fatalf("defaults: %+v", def)
	}
	start := time.Now()
	var slow []<-chan int
	for range 9 {
		slow = append(slow, slowClient(t, ts, testKey))
	}
	waitFor(t, "the key's uploads to start", func() bool { return ts.uploads.counts() == def.MaxUploadsPerKey })
	rejected := 0
	var reading []<-chan int // the uploads being read: not answered at once
	for _, ch := range slow {
		select {
		case st := <-ch:
			if st != http.StatusTooManyRequests {
				t.Fatalf("an over-the-limit slow upload got %d, want 429", st)
			}
			rejected++
		case <-time.After(2 * time.Second):
			reading = append(reading, ch)
		}
	}
	if rejected != 9-def.MaxUploadsPerKey {
		t.Errorf("%d slow uploads rejected at once, want %d", rejected, 9-def.MaxUploadsPerKey)
	}
	if n := len(ts.slots); n != 0 {
		t.Errorf("slow uploads hold %d queue slots", n)
	}
	// Another key is served while the slow ones trickle.
	for i := range 3 {
		if r := ts.upload(t, "/v1/audio/transcriptions", otherKey, form{file: fakeAudio(time.Second)}); r.status != 200 {
			t.Fatalf("other key, upload %d, during the attack: %v", i, r)
		}
	}
	if time.Since(start) > def.UploadGrace {
		t.Fatal("test too slow to show the other key served during the attack")
	}
	// The trickling uploads are dropped after the grace period.
	dropped := 0
	for _, ch := range reading { // the rejected ones have answered already and send nothing more
		select {
		case st := <-ch:
			if st != http.StatusRequestTimeout {
				t.Errorf("slow upload got %d, want 408", st)
			}
			dropped++
		case <-time.After(def.UploadGrace + 10*time.Second):
			t.Fatal("a slow upload was still being read long after the grace period")
		}
		if dropped == def.MaxUploadsPerKey {
			break
		}
	}
	if took := time.Since(start); took < def.UploadGrace {
		t.Errorf("slow uploads dropped after %v, before the %v grace period", took, def.UploadGrace)
	}
	waitFor(t, "uploads to end", func() bool { return ts.uploads.counts() == 0 })
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second)}); r.status != 200 {
		t.Fatalf("the first key after its slow uploads ended: %v", r)
	}
	m := scrape(t, ts)
	if m.value("hushscribe_rejections_total", "reason", "too_many_uploads") != 7 || m.value("hushscribe_rejections_total", "reason", "upload_too_slow") != 2 {
		t.Errorf("metrics:\n%s", m.raw)
	}
}
