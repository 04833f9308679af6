package server

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// asyncUpload runs an upload in the background and delivers its reply.
func (ts *testServer) asyncUpload(t *testing.T, f form) <-chan reply {
	ch := make(chan reply, 1)
	body, ct := f.encode()
	go func() {
		req, _ := http.NewRequest("POST", ts.url+"/v1/audio/transcriptions", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", ct)
		resp, err := ts.client.Do(req)
		if err != nil {
			ch <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		ch <- reply{resp.StatusCode, resp.Header, b.Bytes()}
	}()
	return ch
}

func TestQueueFull(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 1, 2
	ts := start(t, cfg, fakeDeps(eng))
	f := form{file: fakeAudio(time.Second)}

	running := ts.asyncUpload(t, f)
	<-eng.started // the only worker is busy
	queued := []<-chan reply{ts.asyncUpload(t, f), ts.asyncUpload(t, f)}
	waitFor(t, "two queued jobs", func() bool { return len(ts.queue) == 2 })

	// Queue full: the next submissions, synchronous or job API, get 429 with Retry-After.
	r := ts.upload(t, "/v1/audio/transcriptions", testKey, f)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("sync when full: %v", r)
	}
	if typ, code, _ := r.apiErr(t); typ != "rate_limit_error" || code != "queue_full" {
		t.Errorf("error %s/%s", typ, code)
	}
	if r := ts.upload(t, "/v1/jobs", testKey, f); r.status != http.StatusTooManyRequests {
		t.Fatalf("job API when full: %v", r)
	}
	// Health and metrics still answer, and show the queue.
	if r := ts.get(t, "/healthz"); r.status != 200 || !bytes.Contains(r.body, []byte(`"queued":2`)) {
		t.Errorf("healthz: %v", r)
	}
	m := scrape(t, ts)
	if m.value("hushscribe_queue_depth") != 2 || m.value("hushscribe_jobs_running") != 1 || m.value("hushscribe_rejections_total", "reason", "queue_full") != 2 {
		t.Errorf("metrics while full:\n%s", m.raw)
	}

	// Release the work: every admitted request succeeds.
	for range 3 {
		eng.gate <- struct{}{}
	}
	for i, ch := range append([]<-chan reply{running}, queued...) {
		if r := <-ch; r.status != 200 {
			t.Errorf("request %d: %v", i, r)
		}
	}
	waitFor(t, "slots released", func() bool { return len(ts.slots) == 0 })
	eng.gate = nil
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, f); r.status != 200 {
		t.Fatalf("after the queue drained: %v", r)
	}
}

func TestShutdownFinishesRunningJob(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	cfg := testConfig(t)
	ts := start(t, cfg, fakeDeps(eng))
	f := form{file: fakeAudio(time.Second)}

	running := ts.asyncUpload(t, f)
	<-eng.started
	queued := ts.asyncUpload(t, f)
	waitFor(t, "a queued job", func() bool { return len(ts.queue) == 1 })

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	waitFor(t, "draining", ts.draining.Load)

	// The queued job fails cleanly at once; new work gets 503; health says draining.
	if r := <-queued; r.status != http.StatusServiceUnavailable {
		t.Errorf("queued job at shutdown: %v", r)
	} else if _, code, _ := r.apiErr(t); code != "shutting_down" {
		t.Errorf("code %q", code)
	}
	r := ts.upload(t, "/v1/audio/transcriptions", testKey, f)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("new request while draining: %v", r)
	}
	if r := ts.do(t, "GET", "/healthz", "", nil, ""); r.status != http.StatusServiceUnavailable {
		t.Errorf("healthz while draining: %v", r)
	}

	// The running job may finish, and its client gets the transcript.
	eng.gate <- struct{}{}
	if r := <-running; r.status != 200 || !bytes.Contains(r.body, []byte("fellow Americans")) {
		t.Errorf("running job: %v", r)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !eng.closed.Load() {
		t.Error("model not closed at shutdown")
	}
	// After shutdown the port is closed: nothing listens any more.
	if _, err := net.DialTimeout("tcp", ts.url[len("http://"):], time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}

func TestShutdownTimeoutFailsRunningJob(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16) // never released
	cfg := testConfig(t)
	cfg.ShutdownTimeout = 50 * time.Millisecond
	ts := start(t, cfg, fakeDeps(eng))

	// A synchronous request is running when the server stops and does not finish in time.
	running := ts.asyncUpload(t, form{file: fakeAudio(time.Second)})
	<-eng.started
	if err := ts.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r := <-running
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("job cut by shutdown: %v", r)
	}
	if _, code, _ := r.apiErr(t); code != "shutting_down" {
		t.Errorf("code %q", code)
	}
}

func TestShutdownCancelsJobAPIJobs(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	cfg := testConfig(t)
	cfg.ShutdownTimeout = 50 * time.Millisecond
	s, err := New(cfg, fakeDeps(eng))
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	submit := func() string {
		body, ct := form{file: fakeAudio(time.Second)}.encode()
		req := newRequest("POST", "/v1/jobs", bytes.NewReader(body), ct)
		rec := record(h, req)
		if rec.status != 202 {
			t.Fatalf("submit: %v", rec)
		}
		return jsonField(t, rec.body, "id")
	}
	a := submit()
	<-eng.started
	b := submit()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a, b} {
		rec := record(h, newRequest("GET", "/v1/jobs/"+id, nil, ""))
		if st := jsonField(t, rec.body, "status"); st != "failed" || !bytes.Contains(rec.body, []byte("shutting_down")) {
			t.Errorf("job %s after shutdown: %s", id, rec.body)
		}
	}
	// Shutdown is idempotent and later submissions get 503.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	body, ct := form{file: fakeAudio(time.Second)}.encode()
	if rec := record(h, newRequest("POST", "/v1/jobs", bytes.NewReader(body), ct)); rec.status != 503 {
		t.Errorf("submit after shutdown: %v", rec)
	}
}

// TestNoRequestLost fires many concurrent uploads at a small queue: each one must get an answer,
// a transcript or a clean 429, and never a broken connection.
func TestNoRequestLost(t *testing.T) {
	eng := newFake()
	eng.delay = 20 * time.Millisecond
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 2, 2
	ts := start(t, cfg, fakeDeps(eng))
	// Bigger than the server's 256 KiB post-handler read allowance and the socket buffers, so an
	// early 429 has to be delivered while the client is still sending.
	f := form{file: fakeAudio(900 * time.Second)}
	const n = 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := <-ts.asyncUpload(t, f)
			mu.Lock()
			counts[r.status]++
			mu.Unlock()
			if r.status != 200 && r.status != 429 {
				t.Errorf("unexpected answer: %v", r)
			}
		}()
	}
	wg.Wait()
	t.Logf("answers: %v", counts)
	if counts[200]+counts[429] != n || counts[200] == 0 {
		t.Errorf("answers %v, want %d answered", counts, n)
	}
	m := scrape(t, ts)
	// A 429 is a full queue, or (all uploads use one key) the key's or the server's upload limit.
	var got float64
	for _, reason := range []string{"queue_full", "too_many_uploads", "uploads_busy"} {
		got += m.value("hushscribe_rejections_total", "reason", reason)
	}
	if got != float64(counts[429]) {
		t.Errorf("metrics count %v rejections, clients saw %d", got, counts[429])
	}
}

func TestClientHangupCancelsJob(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	ts := start(t, testConfig(t), fakeDeps(eng))
	body, ct := form{file: fakeAudio(time.Second)}.encode()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.url+"/v1/audio/transcriptions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", ct)
	errc := make(chan error, 1)
	go func() {
		_, err := ts.client.Do(req)
		errc <- err
	}()
	<-eng.started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	waitFor(t, "the job to end", func() bool { return ts.running.Load() == 0 && len(ts.slots) == 0 })
	m := scrape(t, ts)
	if m.value("hushscribe_jobs_total", "status", "cancelled") != 1 {
		t.Errorf("metrics:\n%s", m.raw)
	}
}
