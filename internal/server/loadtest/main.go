// Command loadtest fires a bounded number of concurrent uploads of corpus files at a Hushscribe
// transcription server on the loopback interface and reports throughput, latency, how the queue
// behaved when full, and memory.
//
// By default it starts the server in-process (real whisper.cpp engine and decoder; the model is
// -model, or a generated test model), so memory can be measured from inside. With -addr it
// targets a running "hushscribe serve" instead, which must listen on a loopback address.
//
//	go run ./internal/server/loadtest -n 40 -c 8 -workers 2 -queue 2
//	go run ./internal/server/loadtest -addr http://127.0.0.1:8080 -key hs_... -n 100 -c 16
//
// Every request is accounted for: it ends in an HTTP answer (200, 429, 503, ...) or is counted as
// lost (a transport error). The program exits 1 when a request was lost or answered with an
// unexpected status, and 2 on bad usage. It never runs longer than -duration.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/server"
	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

type options struct {
	addr, key, model, corpus, format string
	n, c, workers, queue             int
	duration                         time.Duration
	fake                             time.Duration
	retry                            bool
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "", "base URL of a running server on a loopback address (default: start one in-process)")
	flag.StringVar(&o.key, "key", "", "API key for -addr")
	flag.StringVar(&o.model, "model", "", "model file for the in-process server (default: a generated micro test model)")
	flag.StringVar(&o.corpus, "corpus", "", "directory of audio files to upload (default: $HUSHSCRIBE_CORPUS or a shared/corpus found upwards)")
	flag.StringVar(&o.format, "format", "json", "response_format to ask for")
	flag.IntVar(&o.n, "n", 40, "total uploads (at most 10000)")
	flag.IntVar(&o.c, "c", 8, "concurrent clients (at most 256)")
	flag.IntVar(&o.workers, "workers", 2, "in-process server: workers")
	flag.IntVar(&o.queue, "queue", 2, "in-process server: queue size")
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "hard limit on the run's wall time (at most 30m)")
	flag.BoolVar(&o.retry, "retry", false, "retry uploads answered 429 (after 100 ms) until they succeed or -duration ends")
	flag.DurationVar(&o.fake, "fake", 0, "in-process server: replace the engine with a fake taking this long per file (measures the server alone)")
	flag.Parse()
	if o.n < 1 || o.n > 10000 || o.c < 1 || o.c > 256 || o.duration <= 0 || o.duration > 30*time.Minute {
		fmt.Fprintln(os.Stderr, "loadtest: -n must be 1..10000, -c 1..256, -duration up to 30m")
		os.Exit(2)
	}
	code, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		if code == 0 {
			code = 2
		}
	}
	os.Exit(code)
}

type outcome struct {
	status  int // 0: lost (transport error); -1: aborted by -duration
	latency time.Duration
	audio   string
	err     string
}

func run(o options) (int, error) {
	files, err := corpusFiles(o.corpus)
	if err != nil {
		return 2, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()

	base, key, stop := o.addr, o.key, func() error { return nil }
	if base == "" {
		base, key, stop, err = startServer(o)
		if err != nil {
			return 2, err
		}
	}
	if err := checkLoopback(base); err != nil {
		stop()
		return 2, err
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext:         loopbackDial,
		MaxIdleConnsPerHost: o.c,
	}}

	// Watch the server's gauges while the load runs.
	var maxDepth, maxRunning, maxHeap atomic.Int64
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for watchCtx.Err() == nil {
			if m, err := scrape(watchCtx, client, base, key); err == nil {
				storeMax(&maxDepth, int64(m["hushscribe_queue_depth"]))
				storeMax(&maxRunning, int64(m["hushscribe_jobs_running"]))
				storeMax(&maxHeap, int64(m["hushscribe_go_heap_objects_bytes"]))
			}
			select {
			case <-watchCtx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	fmt.Printf("loadtest: %d uploads, %d concurrent, %d corpus files, response_format=%s, target %s\n", o.n, o.c, len(files), o.format, base)
	outcomes := make([]outcome, o.n)
	var next, retries atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range o.c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= o.n || ctx.Err() != nil {
					return
				}
				f := files[i%len(files)]
				for {
					outcomes[i] = upload(ctx, client, base, key, f, o.format)
					if !o.retry || outcomes[i].status != http.StatusTooManyRequests || ctx.Err() != nil {
						break
					}
					retries.Add(1)
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopWatch()
	<-watched
	sent := min(int(next.Load()), o.n)

	code := report(o, files, outcomes[:sent], elapsed, maxDepth.Load(), maxRunning.Load(), maxHeap.Load())
	if o.retry {
		fmt.Printf("retries:     %d uploads answered 429 were sent again\n", retries.Load())
	}
	if sent < o.n {
		fmt.Printf("stopped by -duration after %d of %d uploads\n", sent, o.n)
	}
	if err := stop(); err != nil {
		fmt.Println("shutdown:", err)
		code = 1
	}
	return code, nil
}

type corpusFile struct {
	name  string
	data  []byte
	audio float64 // seconds, 0 when unknown
}

func corpusFiles(dir string) ([]corpusFile, error) {
	if dir == "" {
		dir = os.Getenv("HUSHSCRIBE_CORPUS")
	}
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if st, err := os.Stat(filepath.Join(d, "shared", "corpus")); err == nil && st.IsDir() {
				dir = filepath.Join(d, "shared", "corpus")
				break
			}
			if filepath.Dir(d) == d {
				return nil, errors.New("no corpus: set -corpus or HUSHSCRIBE_CORPUS")
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []corpusFile
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".wav", ".flac", ".mp3", ".ogg", ".m4a", ".webm":
		default:
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		f := corpusFile{name: e.Name(), data: b}
		if a, err := audio.Decode(context.Background(), bytes.NewReader(b), e.Name(), audio.Options{}); err == nil {
			f.audio = a.Duration().Seconds()
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no audio files in %s", dir)
	}
	return files, nil
}

func upload(ctx context.Context, client *http.Client, base, key string, f corpusFile, format string) outcome {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("response_format", format)
	fw, _ := mw.CreateFormFile("file", f.name)
	fw.Write(f.data)
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/v1/audio/transcriptions", &body)
	if err != nil {
		return outcome{err: err.Error(), audio: f.name}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil && ctx.Err() != nil {
		return outcome{status: -1, err: "stopped by -duration", audio: f.name}
	}
	if err != nil {
		return outcome{err: err.Error(), audio: f.name, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	o := outcome{status: resp.StatusCode, latency: time.Since(start), audio: f.name}
	if err != nil {
		o.status, o.err = 0, "read answer: "+err.Error()
	} else if ctx.Err() != nil && resp.StatusCode != 200 {
		o.err = "stopped by -duration"
	} else if resp.StatusCode != 200 {
		o.err = strings.TrimSpace(string(b))
	}
	return o
}

func report(o options, files []corpusFile, out []outcome, elapsed time.Duration, maxDepth, maxRunning, maxHeap int64) int {
	byStatus := map[int]int{}
	var lat []time.Duration
	var audioSec float64
	seconds := map[string]float64{}
	for _, f := range files {
		seconds[f.name] = f.audio
	}
	var firstErr string
	for _, r := range out {
		byStatus[r.status]++
		if r.status == 200 {
			lat = append(lat, r.latency)
			audioSec += seconds[r.audio]
		} else if r.status != 429 && r.status != 503 && r.status != -1 && firstErr == "" {
			firstErr = fmt.Sprintf("%d %s", r.status, r.err)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	var statuses []string
	for _, s := range slices.Sorted(mapsKeys(byStatus)) {
		name := strconv.Itoa(s)
		switch s {
		case 0:
			name = "lost"
		case -1:
			name = "aborted"
		}
		statuses = append(statuses, fmt.Sprintf("%s=%d", name, byStatus[s]))
	}
	fmt.Printf("answers:     %s (of %d sent)\n", strings.Join(statuses, " "), len(out))
	fmt.Printf("throughput:  %.2f transcriptions/s, %.1f s of audio per s of wall time, over %v\n",
		float64(len(lat))/elapsed.Seconds(), audioSec/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	fmt.Printf("latency 200: p50 %v  p90 %v  p99 %v  max %v\n", pct(0.5), pct(0.9), pct(0.99), pct(1))
	fmt.Printf("queue:       max depth seen %d, max running %d; %d answered 429 (queue full), %d 503\n", maxDepth, maxRunning, byStatus[429], byStatus[503])
	if o.addr == "" {
		fmt.Printf("memory:      peak Go heap objects %.1f MiB (sampled), peak RSS %s, goroutines now %d\n",
			float64(max(maxHeap, heapNow()))/(1<<20), peakRSS(), runtime.NumGoroutine())
	} else {
		fmt.Printf("memory:      server's peak Go heap objects %.1f MiB (sampled from /metrics)\n", float64(maxHeap)/(1<<20))
	}
	code := 0
	if byStatus[0] > 0 {
		fmt.Printf("FAIL: %d requests lost without an answer\n", byStatus[0])
		code = 1
	}
	if firstErr != "" {
		fmt.Printf("FAIL: unexpected answer, first: %s\n", firstErr)
		code = 1
	}
	return code
}

func mapsKeys(m map[int]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// startServer runs a server in this process on 127.0.0.1 with a fresh API key.
func startServer(o options) (base, key string, stop func() error, err error) {
	model := o.model
	var cleanup func()
	if model == "" {
		dir, err := os.MkdirTemp("", "hushscribe-loadtest-")
		if err != nil {
			return "", "", nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		model = filepath.Join(dir, "ggml-micro.bin")
		if err := testmodel.WriteFile(model, testmodel.Micro, testmodel.DefaultSeed); err != nil {
			cleanup()
			return "", "", nil, err
		}
	}
	key, hash := server.GenerateKey()
	deps := server.Deps{
		Open:   server.EngineOpener(engine.Config{Threads: max(1, runtime.NumCPU()/o.workers)}),
		Decode: server.AudioDecoder(audio.Options{}),
	}
	if o.fake > 0 {
		deps.Open = func(string) (server.Transcriber, error) { return fakeEngine{o.fake}, nil }
	}
	s, err := server.New(server.Config{
		APIKeyHashes: []string{hash}, Models: map[string]string{"model": model},
		Workers: o.workers, QueueSize: o.queue, MaxUploadBytes: 64 << 20, Version: "loadtest",
	}, deps)
	if err != nil {
		if cleanup != nil {
			cleanup()
		}
		return "", "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Shutdown(context.Background())
		return "", "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stop = func() error {
		cancel()
		err := <-done
		if cleanup != nil {
			cleanup()
		}
		return err
	}
	return "http://" + ln.Addr().String(), key, stop, nil
}

// checkLoopback refuses any target but a loopback address: load is never sent elsewhere.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address; the load test only targets 127.0.0.0/8, ::1 or localhost", host)
}

func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to dial non-loopback %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, net.JoinHostPort(host, port))
}

// scrape reads the server's gauges from /metrics (samples without labels only).
func scrape(ctx context.Context, client *http.Client, base, key string) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("metrics: %d %v", resp.StatusCode, err)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			m[name] = v
		}
	}
	return m, nil
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

func heapNow() int64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// peakRSS is the process's high-water resident set (VmHWM), which includes whisper.cpp's C memory.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// fakeEngine stands in for whisper.cpp with -fake: it takes a fixed time per file.
type fakeEngine struct{ took time.Duration }

func (f fakeEngine) Transcribe(ctx context.Context, samples []float32, _ server.Options) (*transcript.Transcript, error) {
	select {
	case <-time.After(f.took):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	d := time.Duration(len(samples)) * time.Second / server.SampleRate
	return &transcript.Transcript{Language: "en", Segments: []transcript.Segment{{End: d, Text: " fake"}}}, nil
}
