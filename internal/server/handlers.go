package server

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// authedHandler serves a request whose API key checked out; owner is the key's index (-1 when the
// server runs without keys).
type authedHandler func(w http.ResponseWriter, r *http.Request, owner int)

// routeMux is a ServeMux that remembers every pattern registered on it, so that tests can walk all
// routes (a new route is covered by the authentication test without anyone listing it).
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (s *Server) routes() http.Handler {
	mux := &routeMux{ServeMux: http.NewServeMux()}
	defer func() { s.patterns = mux.patterns }()
	mux.HandleFunc("POST /v1/audio/transcriptions", s.auth(s.handleSync(taskTranscribe)))
	mux.HandleFunc("POST /v1/audio/translations", s.auth(s.handleSync(taskTranslate)))
	mux.HandleFunc("POST /v1/jobs", s.auth(s.handleSubmit))
	mux.HandleFunc("GET /v1/jobs", s.auth(s.handleListJobs))
	mux.HandleFunc("GET /v1/jobs/{id}", s.auth(s.handleJob))
	mux.HandleFunc("DELETE /v1/jobs/{id}", s.auth(s.handleDeleteJob))
	mux.HandleFunc("GET /v1/jobs/{id}/result", s.auth(s.handleResult))
	mux.HandleFunc("GET /v1/jobs/{id}/events", s.auth(s.handleJobEvents))
	mux.HandleFunc("GET /v1/models", s.auth(s.handleModels))
	mux.HandleFunc("GET /v1/models/{model}", s.auth(s.handleModel))
	mux.HandleFunc("GET /healthz", s.handleHealth)
	if s.cfg.PublicMetrics {
		mux.HandleFunc("GET /metrics", s.handleMetrics)
	} else {
		mux.HandleFunc("GET /metrics", s.auth(func(w http.ResponseWriter, r *http.Request, _ int) { s.handleMetrics(w, r) }))
	}
	// Known paths with the wrong method get 405, anything else 404, both as JSON errors.
	for path, allow := range map[string]string{
		"/v1/audio/transcriptions": "POST", "/v1/audio/translations": "POST", "/v1/jobs": "GET, POST",
		"/v1/jobs/{id}": "GET, DELETE", "/v1/jobs/{id}/result": "GET", "/v1/jobs/{id}/events": "GET", "/v1/models": "GET",
		"/v1/models/{model}": "GET", "/healthz": "GET", "/metrics": "GET",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, &Error{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error", Code: "method_not_allowed",
				Message: r.Method + " is not allowed here; use " + allow})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return s.observe(mux)
}

// observe counts requests by route and status for /metrics and logs them, without bodies,
// query strings or file names. A request is counted when its answer's header goes out, so a
// client that has its answer also finds it counted.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, r: r, m: s.metrics}
		next.ServeHTTP(rec, r)
		if !rec.wroteHeader {
			rec.WriteHeader(http.StatusOK)
		}
		s.log.Info("request", "method", r.Method, "route", routeLabel(r), "status", rec.status, "duration", time.Since(start).Round(time.Millisecond))
	})
}

// routeLabel is the mux pattern that matched r (the mux sets it on r itself), which keeps the
// metric's label set small whatever paths clients send.
func routeLabel(r *http.Request) string {
	if r.Pattern == "" || r.Pattern == "/" {
		return "other"
	}
	return r.Pattern
}

type statusRecorder struct {
	http.ResponseWriter
	r           *http.Request
	m           *metrics
	status      int
	wroteHeader bool
}

func (rec *statusRecorder) WriteHeader(code int) {
	if !rec.wroteHeader && code >= 200 {
		rec.status, rec.wroteHeader = code, true
		rec.m.request(routeLabel(rec.r), code)
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *statusRecorder) Write(b []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	return rec.ResponseWriter.Write(b)
}

func (rec *statusRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (s *Server) auth(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		owner := -1
		if len(s.keys.hashes) > 0 || !s.cfg.AllowUnauthenticated {
			scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			key = strings.TrimSpace(key)
			if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
				s.reject(w, r, errMissingKey)
				return
			}
			if owner = s.keys.match(key); owner < 0 {
				s.reject(w, r, errWrongKey)
				return
			}
		}
		h(w, r, owner)
	}
}

// reject answers a request that will not be served without reading its upload, then reads and
// discards what the client is still sending (up to the upload limit) so that it sees this answer
// instead of a reset connection; the connection is closed afterwards.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Err == ErrQueueFull || e.Err == ErrShuttingDown || e.Err == ErrTooSlow {
		s.metrics.rejected(e.Code)
	}
	rc := http.NewResponseController(w)
	if r.ProtoMajor == 1 { // HTTP/2 streams are full duplex and end on their own
		rc.EnableFullDuplex() // read the body after answering
		w.Header().Set("Connection", "close")
	}
	writeError(w, e)
	rc.Flush()
	if r.ContentLength != 0 && e.Status != http.StatusRequestEntityTooLarge {
		rc.SetReadDeadline(time.Now().Add(30 * time.Second))
		io.Copy(io.Discard, io.LimitReader(r.Body, s.cfg.MaxUploadBytes))
	}
}

// submission reads and checks an upload, then admits it. The upload is read before the job takes
// a queue slot, within the upload limits (overall and per key) and at a minimum transfer rate, so
// that slow clients cannot hold the queue. A queue that is already full answers 429 before
// reading. On success the caller owns a queue slot and must enqueue the job or release the slot.
func (s *Server) submission(w http.ResponseWriter, r *http.Request, owner int, jobAPI bool, task string) (*params, bool) {
	if s.draining.Load() {
		s.reject(w, r, errShutdown)
		return nil, false
	}
	if len(s.slots) >= cap(s.slots) {
		s.reject(w, r, errQueueFull)
		return nil, false
	}
	if e := s.uploads.start(owner); e != nil {
		s.reject(w, r, e)
		return nil, false
	}
	body := s.pace(w, r)
	r.Body = body
	p, e := s.parseUpload(w, r, jobAPI)
	s.uploads.done(owner)
	body.finish()
	if e != nil && body.slow {
		e = errUploadTooSlow
	}
	if e == nil && jobAPI {
		task = p.task
	}
	if e == nil && task == taskTranslate && p.model.Info != nil && !p.model.Info.Multilingual {
		e = badRequest("model", "model_not_multilingual", "model "+p.model.Name+" is English-only and cannot translate")
	}
	if e == nil {
		e = s.admit()
		if e != nil && (e.Err == ErrQueueFull || e.Err == ErrShuttingDown) {
			s.metrics.rejected(e.Code)
		}
	} else if e.Err == ErrTooSlow {
		s.metrics.rejected(e.Code)
	}
	if e != nil {
		if (e.Status == http.StatusRequestEntityTooLarge || e.Status == http.StatusRequestTimeout) && r.ProtoMajor == 1 {
			w.Header().Set("Connection", "close")
		}
		writeError(w, e)
		return nil, false
	}
	p.task = task
	return p, true
}

// handleSync serves OpenAI's synchronous endpoints: it waits for the job and answers with its
// result. A client that hangs up cancels its job.
func (s *Server) handleSync(task string) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, owner int) {
		p, ok := s.submission(w, r, owner, false, task)
		if !ok {
			return
		}
		j := s.newJob(owner, false, task, p)
		if p.stream {
			s.handleStream(w, r, j)
			return
		}
		stop := context.AfterFunc(r.Context(), func() { j.cancel(errClientGone) })
		defer stop()
		if e := s.enqueue(j); e != nil {
			s.release()
			writeError(w, e)
			return
		}
		<-j.done
		j.mu.Lock()
		res, e := j.result, j.err
		j.result = nil // a synchronous result is never kept
		audio := j.audio
		j.mu.Unlock()
		if e != nil {
			writeError(w, e)
			return
		}
		writeResult(w, result{task: task, t: res, audio: audio, temp: p.temperature, words: p.words, segments: p.segments}, p.format)
	}
}

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request, owner int) {
	p, ok := s.submission(w, r, owner, true, "")
	if !ok {
		return
	}
	j := s.newJob(owner, true, p.task, p)
	if !s.jobs.add(j) {
		s.release()
		s.metrics.rejected(errTooManyJobs.Code)
		writeError(w, errTooManyJobs)
		return
	}
	if e := s.enqueue(j); e != nil {
		s.jobs.remove(j.id)
		s.release()
		writeError(w, e)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.id)
	writeJSON(w, http.StatusAccepted, s.jobView(j))
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request, owner int) *job {
	j := s.jobs.get(r.PathValue("id"), owner, s.deps.Now(), s.cfg.JobRetention)
	if j == nil {
		writeError(w, notFound("no such job (it may have expired)"))
	}
	return j
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request, owner int) {
	if j := s.lookup(w, r, owner); j != nil {
		writeJSON(w, http.StatusOK, s.jobView(j))
	}
}

func (s *Server) handleListJobs(w http.ResponseWriter, r *http.Request, owner int) {
	jobs := s.jobs.list(owner, s.deps.Now(), s.cfg.JobRetention)
	slices.SortFunc(jobs, func(a, b *job) int { return a.created.Compare(b.created) })
	views := make([]jobJSON, 0, len(jobs))
	for _, j := range jobs {
		views = append(views, s.jobView(j))
	}
	writeJSON(w, http.StatusOK, struct {
		Object string    `json:"object"`
		Data   []jobJSON `json:"data"`
	}{"list", views})
}

// handleDeleteJob cancels an active job (it stays visible as "cancelled" until it expires) or
// deletes a finished one with its result.
func (s *Server) handleDeleteJob(w http.ResponseWriter, r *http.Request, owner int) {
	j := s.lookup(w, r, owner)
	if j == nil {
		return
	}
	if s.cancelJob(j) {
		writeJSON(w, http.StatusOK, s.jobView(j))
		return
	}
	s.jobs.remove(j.id)
	j.mu.Lock()
	j.result = nil
	j.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Deleted bool   `json:"deleted"`
	}{j.id, "transcription.job.deleted", true})
}

// handleResult answers with a finished job's result, in the format the submission named or the
// one asked for with ?response_format=. A result not kept (keep_result=false) is dropped once
// handed out.
func (s *Server) handleResult(w http.ResponseWriter, r *http.Request, owner int) {
	j := s.lookup(w, r, owner)
	if j == nil {
		return
	}
	format := strings.ToLower(r.URL.Query().Get("response_format"))
	if format == "" {
		format = j.params.format
	}
	if !validFormat(format) {
		writeError(w, badRequest("response_format", "invalid_response_format", "response_format must be json, text, srt, vtt or verbose_json"))
		return
	}
	j.mu.Lock()
	state, res, e, fetched, audio := j.state, j.result, j.err, j.fetched, j.audio
	if res != nil && !j.params.keepResult {
		j.result, j.fetched = nil, true
	}
	j.mu.Unlock()
	switch {
	case !state.finished():
		writeError(w, &Error{Status: http.StatusConflict, Type: "invalid_request_error", Code: "job_not_finished",
			Message: "the job is " + string(state) + "; poll GET /v1/jobs/" + j.id + " until it has succeeded"})
	case e != nil:
		writeError(w, e)
	case fetched:
		writeError(w, &Error{Status: http.StatusGone, Type: "invalid_request_error", Code: "result_fetched",
			Message: "the result was already fetched and dropped; submit with keep_result=true to fetch it more than once"})
	case res == nil:
		writeError(w, notFound("the job's result has expired"))
	default:
		p := j.params
		writeResult(w, result{task: j.task, t: res, audio: audio, temp: p.temperature, words: p.words, segments: p.segments}, format)
	}
}

type modelJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
	File    string `json:"file"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Default bool   `json:"default"`
	*ModelInfo
}

func (s *Server) modelView(m *model) modelJSON {
	return modelJSON{ID: m.Name, Object: "model", Created: m.ModTime.Unix(), OwnedBy: "local", File: m.File,
		Size: m.Size, SHA256: m.SHA256, Default: m.Name == s.cfg.DefaultModel, ModelInfo: m.Info}
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request, _ int) {
	data := make([]modelJSON, 0, len(s.names))
	for _, name := range s.names {
		data = append(data, s.modelView(s.models[name]))
	}
	writeJSON(w, http.StatusOK, struct {
		Object string      `json:"object"`
		Data   []modelJSON `json:"data"`
		Server serverJSON  `json:"server"`
	}{"list", data, s.serverInfo()})
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request, _ int) {
	name := r.PathValue("model")
	if name == "whisper-1" {
		name = s.cfg.DefaultModel
	}
	m := s.models[name]
	if m == nil {
		writeError(w, notFound("no such model"))
		return
	}
	writeJSON(w, http.StatusOK, s.modelView(m))
}

type serverJSON struct {
	Version string `json:"version,omitempty"`
	Engine  string `json:"engine,omitempty"`
}

func (s *Server) serverInfo() serverJSON {
	return serverJSON{Version: s.cfg.Version, Engine: s.cfg.EngineVersion}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	status, code := "ok", http.StatusOK
	if s.draining.Load() {
		status, code = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, code, struct {
		Status  string `json:"status"`
		Running int64  `json:"running"`
		Queued  int    `json:"queued"`
	}{status, s.running.Load(), len(s.queue)})
}
