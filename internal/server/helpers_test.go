package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// fakeEngine is a Transcriber whose speed the test controls.
type fakeEngine struct {
	info    ModelInfo
	gate    chan struct{} // when set, each call waits for one receive (or ctx)
	started chan struct{} // when set, each call sends on it first
	delay   time.Duration
	err     error
	closed  atomic.Bool
	// stream makes the fake report its segments through Options.Segment; with segGate set, it
	// waits for one receive after each segment (or ctx).
	stream  bool
	segGate chan struct{}

	mu    sync.Mutex
	calls []Options
}

func newFake() *fakeEngine {
	return &fakeEngine{info: ModelInfo{Type: "fake", Multilingual: true, Backend: "cpu"}}
}

func (f *fakeEngine) Info() ModelInfo { return f.info }
func (f *fakeEngine) Close() error    { f.closed.Store(true); return nil }

func (f *fakeEngine) Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error) {
	segment := opt.Segment
	f.mu.Lock()
	opt.Progress, opt.Segment = nil, nil
	f.calls = append(f.calls, opt)
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, fmt.Errorf("fake: %w", ctx.Err())
		}
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, fmt.Errorf("fake: %w", ctx.Err())
		}
	}
	if f.stream && segment != nil {
		for _, seg := range sampleTranscript(opt).Segments {
			segment(transcript.Segment{Start: seg.Start, End: seg.End, Text: seg.Text})
			if f.segGate != nil {
				select {
				case <-f.segGate:
				case <-ctx.Done():
					return nil, fmt.Errorf("fake: %w", ctx.Err())
				}
			}
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return sampleTranscript(opt), nil
}

func (f *fakeEngine) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeEngine) lastCall() Options {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

// sampleTranscript is what the fake engine "hears".
func sampleTranscript(opt Options) *transcript.Transcript {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	t := &transcript.Transcript{Language: "en", Segments: []transcript.Segment{
		{Start: 0, End: ms(2400), Text: " And so my fellow Americans,"},
		{Start: ms(2400), End: ms(11000), Text: " ask not what your country can do for you."},
	}}
	if opt.Language != "" {
		t.Language = opt.Language
	}
	if opt.WordTimestamps {
		t.Segments[0].Words = []transcript.Word{
			{Start: 0, End: ms(400), Text: " And", Probability: 0.9},
			{Start: ms(400), End: ms(700), Text: " so", Probability: 0.8},
			{Start: ms(700), End: ms(1000), Text: " my", Probability: 0.95},
			{Start: ms(1000), End: ms(1600), Text: " fellow", Probability: 0.7},
			{Start: ms(1600), End: ms(2400), Text: " Americans,", Probability: 0.6},
		}
		t.Segments[1].Words = []transcript.Word{
			{Start: ms(2400), End: ms(3000), Text: " ask", Probability: 0.9},
			{Start: ms(3000), End: ms(11000), Text: " not what your country can do for you.", Probability: 0.5},
		}
	}
	return t
}

// fakeDecode "decodes" one second of audio per 1000 bytes; content starting with BAD is corrupt,
// content starting with NOTOOL fails like a missing ffmpeg.
func fakeDecode(ctx context.Context, r io.Reader, name string) ([]float32, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(b, []byte("BAD")):
		return nil, errors.New("decode: corrupt data: not a known audio format")
	case bytes.HasPrefix(b, []byte("NOTOOL")):
		return nil, fmt.Errorf("%w: ffmpeg not found", ErrUnavailable)
	case bytes.HasPrefix(b, []byte("SILENT")):
		return nil, nil
	}
	return make([]float32, len(b)*SampleRate/1000), nil
}

// fakeAudio is an upload the fake decoder turns into the given length of audio.
func fakeAudio(d time.Duration) []byte { return bytes.Repeat([]byte{'a'}, int(d.Milliseconds())) }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testKey is the API key every test server accepts; otherKey is a second valid key.
var (
	testKey, testKeyHash   = GenerateKey()
	otherKey, otherKeyHash = GenerateKey()
)

// fakeModel writes a small file standing in for a model and returns its path.
func fakeModel(t testing.TB, content string) string {
	p := filepath.Join(t.TempDir(), "ggml-fake.bin")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testConfig(t testing.TB) Config {
	return Config{
		APIKeyHashes:    []string{testKeyHash, otherKeyHash},
		Models:          map[string]string{"fake": fakeModel(t, "fake model weights")},
		Workers:         1,
		QueueSize:       4,
		MaxUploadBytes:  1 << 20,
		ShutdownTimeout: 5 * time.Second,
		Version:         "test",
		EngineVersion:   "fake 1.0",
	}
}

func fakeDeps(eng Transcriber) Deps {
	return Deps{Open: func(string) (Transcriber, error) { return eng, nil }, Decode: fakeDecode}
}

// testServer is a Server serving on a loopback port.
type testServer struct {
	*Server
	url    string
	client *http.Client
	cancel context.CancelFunc
	done   chan error

	stopOnce sync.Once
	stopErr  error
}

// start runs a server on 127.0.0.1 and stops it when the test ends.
func start(t testing.TB, cfg Config, deps Deps) *testServer {
	t.Helper()
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, url: "http://" + ln.Addr().String(), client: loopbackClient(nil), cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts
}

// stop cancels the server's context and returns Serve's result.
func (ts *testServer) stop() error {
	ts.stopOnce.Do(func() {
		ts.cancel()
		select {
		case ts.stopErr = <-ts.done:
		case <-time.After(30 * time.Second):
			ts.stopErr = errors.New("server did not stop within 30 s")
		}
	})
	return ts.stopErr
}

// loopbackClient is an HTTP client that can only reach loopback addresses and fails loudly
// otherwise: the tests talk to the server over real TCP on 127.0.0.1 and nothing else.
func loopbackClient(tlsConf *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				panic("test client asked to dial non-loopback address " + addr)
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig:     tlsConf,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}
}

// form is a multipart upload.
type form struct {
	fields   [][2]string
	file     []byte
	fileName string
	noFile   bool
}

func (f form) encode() (body []byte, contentType string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range f.fields {
		mw.WriteField(kv[0], kv[1])
	}
	if !f.noFile {
		name := f.fileName
		if name == "" {
			name = "audio.flac"
		}
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(f.file)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// apiErr decodes an OpenAI-style error body.
func (r reply) apiErr(t testing.TB) (typ, code string, param *string) {
	t.Helper()
	var e struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    *string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("not an OpenAI error body (%v): %s", err, r.body)
	}
	if e.Error.Code != nil {
		code = *e.Error.Code
	}
	return e.Error.Type, code, e.Error.Param
}

func (ts *testServer) do(t testing.TB, method, path, key string, body io.Reader, contentType string) reply {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func (ts *testServer) get(t testing.TB, path string) reply {
	t.Helper()
	return ts.do(t, http.MethodGet, path, testKey, nil, "")
}

func (ts *testServer) upload(t testing.TB, path, key string, f form) reply {
	t.Helper()
	body, ct := f.encode()
	return ts.do(t, http.MethodPost, path, key, bytes.NewReader(body), ct)
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newRequest is an authenticated request for calling Handler directly.
func newRequest(method, path string, body io.Reader, contentType string) *http.Request {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Authorization", "Bearer "+testKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func record(h http.Handler, req *http.Request) reply {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return reply{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// jsonField returns a top-level string field of a JSON object.
func jsonField(t testing.TB, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	s, _ := m[name].(string)
	return s
}
