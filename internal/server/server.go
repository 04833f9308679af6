// Package server is Hushscribe's headless, self-hosted transcription API ("hushscribe serve").
//
// It speaks OpenAI's audio API (POST /v1/audio/transcriptions and /v1/audio/translations) and adds
// a job API for long files (POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/result,
// DELETE /v1/jobs/{id}), GET /v1/models, GET /healthz and GET /metrics (Prometheus text format).
//
// Privacy and operation:
//   - Uploads are read into memory (never into temporary files), decoded, transcribed and dropped
//     when the job ends. Job results stay in memory only until fetched, or for Config.JobRetention
//     when the client asks for keep_result=true. Nothing is logged but method, route, status and
//     timings.
//   - The package never opens an outbound connection: it only listens. Models are loaded from local
//     files given in Config.Models; /v1/models reports their size and SHA-256.
//   - API keys are checked against SHA-256 hashes (see GenerateKey). TLS 1.3 only, when a
//     certificate is given.
//   - Work goes through a bounded queue: when it is full, requests get 429 before their upload is
//     read; while shutting down, 503. Shutdown fails queued jobs at once and gives running ones
//     Config.ShutdownTimeout to finish before cancelling them.
//
// The server depends on a Transcriber and a Decoder through the interfaces in Deps, so it can be
// tested with fakes; EngineOpener and AudioDecoder adapt the real engine and audio packages.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// SampleRate is the sample rate, in Hz, of the samples a Decoder returns and a Transcriber takes.
const SampleRate = 16000

// Config configures a Server. The zero value of each field means its documented default.
type Config struct {
	Addr string // listen address for ListenAndServe; default "127.0.0.1:8080"

	// TLS: when both files are set the server speaks TLS 1.3 only (HTTP/2 and HTTP/1.1).
	TLSCertFile, TLSKeyFile string

	// APIKeyHashes are the accepted keys' hashes ("sha256:<hex>", see HashKey and LoadKeyHashes).
	// With none, New fails unless AllowUnauthenticated is set.
	APIKeyHashes         []string
	AllowUnauthenticated bool
	PublicMetrics        bool // serve /metrics without an API key (healthz never needs one)

	MaxUploadBytes int64 // request body limit; default 25 MiB (OpenAI's)
	// MaxAudioDuration is the most audio one upload may decode to; default DefaultMaxAudioDuration.
	// A small compressed file can decode to hours, so the decoder must stop at this length while
	// decoding: pass it as audio.Options.MaxDuration to AudioDecoder (the CLI does). The server
	// also refuses longer decoded audio from any Decoder. Both answer 413 (ErrAudioTooLong).
	MaxAudioDuration time.Duration
	Workers          int           // transcriptions running at once; default 1
	QueueSize        int           // jobs waiting for a worker; default 8
	MaxStoredJobs    int           // jobs kept by the job API, running or finished; default 1000
	JobRetention     time.Duration // how long finished jobs (and kept results) live; default 15 min
	ShutdownTimeout  time.Duration // how long running jobs may take to finish at shutdown; default 30 s

	// Uploads are read in full before their job takes a queue slot. MaxUploads bounds the uploads
	// being read at once (default Workers+QueueSize), MaxUploadsPerKey those of one API key
	// (default half of MaxUploads, at least 1); beyond either: 429 without reading. An upload must
	// arrive at MinUploadRate bytes per second on average (default 4 KiB/s) once UploadGrace
	// (default 10 s) has passed, or it is dropped with 408.
	MaxUploads       int
	MaxUploadsPerKey int
	MinUploadRate    int64
	UploadGrace      time.Duration

	// Models maps the model names clients send to model file paths. DefaultModel is used when a
	// request names no model or OpenAI's "whisper-1"; it may be empty when there is one model.
	Models       map[string]string
	DefaultModel string

	// InstanceID, when set, is embedded in job IDs ("job_<instance>_<random>") so a load balancer
	// can send a job's polls to the instance that holds it. Letters, digits and '-' only.
	InstanceID string

	Version       string // Hushscribe's version, reported at /v1/models and in metrics
	EngineVersion string // e.g. "whisper.cpp 1.9.1"
}

// DefaultMaxAudioDuration is Config.MaxAudioDuration's default: 4 hours of audio, 920 MB of
// samples per running job.
const DefaultMaxAudioDuration = 4 * time.Hour

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 25 << 20
	}
	if c.MaxAudioDuration <= 0 {
		c.MaxAudioDuration = DefaultMaxAudioDuration
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 8
	}
	if c.MaxUploads <= 0 {
		c.MaxUploads = c.Workers + c.QueueSize
	}
	if c.MaxUploadsPerKey <= 0 {
		c.MaxUploadsPerKey = max(1, c.MaxUploads/2)
	}
	if c.MinUploadRate <= 0 {
		c.MinUploadRate = 4 << 10
	}
	if c.UploadGrace <= 0 {
		c.UploadGrace = 10 * time.Second
	}
	if c.MaxStoredJobs <= 0 {
		c.MaxStoredJobs = 1000
	}
	if c.JobRetention <= 0 {
		c.JobRetention = 15 * time.Minute
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
}

// Options are what a request asks of a Transcriber.
type Options struct {
	Language    string  // ISO 639-1 code; "" = detect
	Translate   bool    // translate into English
	Prompt      string  // initial prompt / vocabulary
	Temperature float64 // the temperature the client asked for (0 when it asked for none)
	// TemperatureFallback asks the engine to retry at higher temperatures when decoding fails. It
	// is set when a client sends temperature=0 explicitly, OpenAI's documented meaning of 0.
	TemperatureFallback bool
	WordTimestamps      bool
	Progress            func(percent int) // 0..100; may be nil
	// Segment, when set, receives each segment (times and text) as soon as it is decoded, in the
	// order of the final transcript, before Transcribe returns. A Transcriber that cannot stream
	// may ignore it: streaming clients then get every segment at the end.
	Segment func(transcript.Segment)
}

// Transcriber turns 16 kHz mono samples into a transcript. It must be safe for concurrent use and
// return promptly with an error wrapping ctx.Err() when ctx is cancelled.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error)
}

// ModelInfo describes a loaded model. A Transcriber may report it through an Info() ModelInfo
// method; /v1/models shows it.
type ModelInfo struct {
	Type         string `json:"type,omitempty"` // "tiny", "base", ...
	Multilingual bool   `json:"multilingual"`
	Backend      string `json:"backend,omitempty"` // "cpu", "cuda", ...
	Device       string `json:"device,omitempty"`  // the compute device it runs on: "CPU", "Vulkan0", "CUDA0"
	// Fallback says why the model runs on the CPU although -device asked for a GPU ("" when not).
	Fallback string `json:"fallback,omitempty"`
}

// Deps are the server's collaborators.
type Deps struct {
	// Open loads the model file at path. If the Transcriber is an io.Closer, the server closes it
	// at shutdown.
	Open func(path string) (Transcriber, error)
	// Decode decodes an uploaded file (name is only a format hint) into 16 kHz mono samples. Its
	// errors are shown to the client as 400s, unless they wrap ErrUnavailable (500).
	Decode func(ctx context.Context, r io.Reader, name string) ([]float32, error)
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard
}

type model struct {
	Name    string
	File    string // base name only; the server never reveals directories
	Size    int64
	SHA256  string
	ModTime time.Time
	Info    *ModelInfo
	tr      Transcriber
}

// Server is a transcription API server. Create it with New; it runs its workers until Shutdown.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	keys    keySet
	tls     *tls.Config
	models  map[string]*model
	names   []string // model names, sorted
	handler http.Handler
	// patterns are the routes registered on the handler's mux, in order.
	patterns []string
	metrics  *metrics
	jobs     *jobStore

	uploads  *uploads      // uploads being read
	slots    chan struct{} // one per admitted job, taken once its upload is read
	queue    chan *job     // jobs waiting for a worker
	running  atomic.Int64
	draining atomic.Bool

	mu     sync.Mutex // guards closed and sending on queue
	closed bool

	jobsCtx    context.Context // parent of every job; cancelled when shutdown runs out of time
	cancelJobs context.CancelCauseFunc
	workers    sync.WaitGroup
	stopSweep  chan struct{}
	sweepDone  chan struct{}
	shutdown   sync.Once
	shutErr    error
}

// New loads the configured models and starts the workers. Call Shutdown (or run ListenAndServe or
// Serve until their context ends) to stop them.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg.setDefaults()
	if deps.Open == nil || deps.Decode == nil {
		return nil, errors.New("server: Deps.Open and Deps.Decode are required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, models: map[string]*model{}}

	var err error
	if s.keys, err = newKeySet(cfg.APIKeyHashes); err != nil {
		return nil, err
	}
	if len(s.keys.hashes) == 0 && !cfg.AllowUnauthenticated {
		return nil, ErrNoKeys
	}
	for _, c := range cfg.InstanceID {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return nil, fmt.Errorf("server: instance ID %q: use letters, digits and '-' only", cfg.InstanceID)
		}
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key file")
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("server: load TLS certificate: %w", err)
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	}

	if len(cfg.Models) == 0 {
		return nil, errors.New("server: no models configured")
	}
	if cfg.DefaultModel == "" && len(cfg.Models) == 1 {
		for name := range cfg.Models {
			s.cfg.DefaultModel = name
		}
	}
	if s.cfg.DefaultModel != "" {
		if _, ok := cfg.Models[s.cfg.DefaultModel]; !ok {
			return nil, fmt.Errorf("server: default model %q is not among the configured models", s.cfg.DefaultModel)
		}
	}
	for name, path := range cfg.Models {
		m, err := loadModel(name, path, deps.Open)
		if err != nil {
			s.closeModels()
			return nil, err
		}
		if m.Info != nil && m.Info.Fallback != "" {
			s.log.Warn("compute device fallback", "model", name, "device", m.Info.Device, "reason", m.Info.Fallback)
		}
		s.models[name] = m
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)

	s.metrics = newMetrics()
	s.jobs = newJobStore(cfg.MaxStoredJobs)
	s.uploads = newUploads(cfg.MaxUploads, cfg.MaxUploadsPerKey)
	s.slots = make(chan struct{}, cfg.Workers+cfg.QueueSize)
	s.queue = make(chan *job, cfg.Workers+cfg.QueueSize) // never blocks: a job holds a slot first
	s.jobsCtx, s.cancelJobs = context.WithCancelCause(context.Background())
	s.handler = s.routes()
	for range cfg.Workers {
		s.workers.Add(1)
		go s.worker()
	}
	s.stopSweep, s.sweepDone = make(chan struct{}), make(chan struct{})
	go s.sweeper()
	return s, nil
}

func loadModel(name, path string, open func(string) (Transcriber, error)) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("server: model %q: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("server: model %q: %w", name, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("server: model %q: checksum: %w", name, err)
	}
	tr, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("server: model %q: %w", name, err)
	}
	m := &model{Name: name, File: filepath.Base(path), Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil)), ModTime: st.ModTime(), tr: tr}
	if in, ok := tr.(interface{ Info() ModelInfo }); ok {
		info := in.Info()
		m.Info = &info
	}
	return m, nil
}

// Handler returns the server's HTTP handler, for mounting it elsewhere or testing.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on Config.Addr and serves until ctx is cancelled, then shuts down
// gracefully (see Shutdown).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.Shutdown(context.Background())
		return fmt.Errorf("server: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled. Then it stops taking work (new submissions get 503),
// lets running jobs finish for up to Config.ShutdownTimeout, cancels the rest, gives handlers a few
// seconds to answer and closes the listener. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         s.tls,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	conns := &connTracker{states: map[net.Conn]http.ConnState{}}
	hs.ConnState = conns.track
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		s.Shutdown(context.Background())
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	jctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	jerr := s.Shutdown(jctx)
	cancel()
	// Every job has ended, so every waiting handler has its answer: let them write it, then close
	// the connections. http.Server.Shutdown alone would wait 5 s for connections a client opened
	// but never used, so it is cut short once no request is in flight.
	hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	var quiet atomic.Bool
	go func() {
		for hctx.Err() == nil {
			if conns.active() == 0 {
				quiet.Store(true)
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	herr := hs.Shutdown(hctx)
	cancel()
	if herr != nil {
		hs.Close()
		if quiet.Load() {
			herr = nil
		} else {
			herr = fmt.Errorf("server: close connections: %w", herr)
		}
	}
	<-errc
	return errors.Join(jerr, herr)
}

// Shutdown stops taking work: new submissions get 503 and jobs still queued fail with 503.
// Running jobs may finish until ctx is done; then they are cancelled and fail with 503. Shutdown
// waits for the workers, stops the retention sweeper and closes the models. It is safe to call
// more than once; later calls return the first one's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdown.Do(func() { s.shutErr = s.doShutdown(ctx) })
	return s.shutErr
}

func (s *Server) doShutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	for j := range s.queue { // jobs no worker has taken yet fail now, not after the running ones
		s.finish(j, nil, errShutdown)
		s.release()
	}

	done := make(chan struct{})
	go func() { s.workers.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		n := s.running.Load()
		s.cancelJobs(ErrShuttingDown)
		s.log.Warn("shutdown timeout: cancelling running jobs", "jobs", n)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			err = fmt.Errorf("server: %d jobs ignored cancellation", s.running.Load())
		}
	}
	close(s.stopSweep)
	<-s.sweepDone
	if err == nil { // never close a model a stuck job may still use
		s.closeModels()
	}
	return err
}

func (s *Server) closeModels() {
	for _, m := range s.models {
		if c, ok := m.tr.(io.Closer); ok {
			if err := c.Close(); err != nil {
				s.log.Warn("close model", "model", m.Name, "err", err)
			}
		}
	}
}

// connTracker follows the state of the server's connections.
type connTracker struct {
	mu     sync.Mutex
	states map[net.Conn]http.ConnState
}

func (c *connTracker) track(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st == http.StateClosed || st == http.StateHijacked {
		delete(c.states, conn)
	} else {
		c.states[conn] = st
	}
}

// active returns the number of connections with a request in flight.
func (c *connTracker) active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, st := range c.states {
		if st == http.StateActive {
			n++
		}
	}
	return n
}
