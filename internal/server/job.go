package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

type jobState string

const (
	stateQueued    jobState = "queued"
	stateRunning   jobState = "running"
	stateSucceeded jobState = "succeeded"
	stateFailed    jobState = "failed"
	stateCancelled jobState = "cancelled"
)

func (s jobState) finished() bool {
	return s == stateSucceeded || s == stateFailed || s == stateCancelled
}

// errClientGone ends a synchronous job whose client hung up; nobody reads it.
var errClientGone = &Error{Status: 499, Type: "invalid_request_error", Code: "client_closed_request", Message: "client closed the request", Err: context.Canceled}

// job is one transcription, synchronous (a handler waits for done) or submitted to the job API.
type job struct {
	id     string
	owner  int // index of the API key that submitted it; -1 without authentication
	async  bool
	task   string
	params *params

	ctx      context.Context
	cancel   context.CancelCauseFunc
	done     chan struct{}
	progress atomic.Int32
	feed     *feed // segments and progress for streaming clients (stream.go)

	mu       sync.Mutex
	data     []byte // the upload; nil once decoded
	state    jobState
	created  time.Time
	started  time.Time
	finished time.Time
	audio    time.Duration
	result   *transcript.Transcript
	err      *Error
	fetched  bool // a result not kept was handed out and dropped
}

// newJobID returns a random job ID, naming the instance when one is configured.
func newJobID(instance string) string {
	var b [12]byte
	rand.Read(b[:])
	if instance != "" {
		return "job_" + instance + "_" + hex.EncodeToString(b[:])
	}
	return "job_" + hex.EncodeToString(b[:])
}

func (s *Server) newJob(owner int, async bool, task string, p *params) *job {
	j := &job{id: newJobID(s.cfg.InstanceID), owner: owner, async: async, task: task, params: p, data: p.data,
		state: stateQueued, created: s.deps.Now(), done: make(chan struct{}), feed: newFeed()}
	p.data = nil
	j.ctx, j.cancel = context.WithCancelCause(s.jobsCtx)
	return j
}

// admit takes a queue slot for a new job, before its upload is read, or says why it cannot.
func (s *Server) admit() *Error {
	if s.draining.Load() {
		return errShutdown
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
		return errQueueFull
	}
}

func (s *Server) release() { <-s.slots }

// enqueue hands an admitted job to the workers. It never blocks: the queue has room for every slot.
func (s *Server) enqueue(j *job) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errShutdown
	}
	s.queue <- j
	return nil
}

func (s *Server) worker() {
	defer s.workers.Done()
	for j := range s.queue {
		s.run(j)
		s.release()
	}
}

// run executes one job and finishes it, whatever happens.
func (s *Server) run(j *job) {
	if s.draining.Load() {
		s.finish(j, nil, errShutdown)
		return
	}
	if j.ctx.Err() != nil {
		s.finish(j, nil, causeError(j.ctx))
		return
	}
	s.running.Add(1)
	defer s.running.Add(-1)

	j.mu.Lock()
	j.state, j.started = stateRunning, s.deps.Now()
	data := j.data
	j.data = nil // the job no longer holds the upload; it dies with this function
	j.mu.Unlock()

	samples, err := s.deps.Decode(j.ctx, bytes.NewReader(data), j.params.fileName)
	// The upload and the samples exist only in this job's memory: zero both, so that no copy of the
	// audio outlives the job.
	// Both are zeroed before the client hears back.
	clear(data)
	data = nil
	if err != nil || j.ctx.Err() != nil {
		clear(samples)
	}
	switch {
	case j.ctx.Err() != nil:
		s.finish(j, nil, causeError(j.ctx))
		return
	case errors.Is(err, ErrAudioTooLong):
		s.finish(j, nil, audioTooLong(err))
		return
	case err == nil && time.Duration(len(samples))*time.Second/SampleRate > s.cfg.MaxAudioDuration+time.Second:
		s.finish(j, nil, audioTooLong(fmt.Errorf("more than %v", s.cfg.MaxAudioDuration)))
		return
	case errors.Is(err, ErrUnavailable):
		s.log.Error("decode", "err", err)
		s.finish(j, nil, serverError("decoder unavailable: "+err.Error()))
		return
	case err != nil:
		s.finish(j, nil, badRequest("file", "invalid_file", "could not decode audio: "+err.Error()))
		return
	case len(samples) == 0:
		s.finish(j, nil, badRequest("file", "invalid_file", "the file contains no audio"))
		return
	}
	audio := time.Duration(len(samples)) * time.Second / SampleRate
	j.mu.Lock()
	j.audio = audio
	j.mu.Unlock()

	p := j.params
	opt := Options{
		Language:            p.language,
		Translate:           j.task == taskTranslate,
		Prompt:              p.prompt,
		Temperature:         p.temperature,
		TemperatureFallback: p.fallback,
		WordTimestamps:      p.words,
		Progress: func(pc int) {
			j.progress.Store(int32(min(max(pc, 0), 100)))
			j.feed.poke()
		},
		Segment: func(seg transcript.Segment) {
			seg.Start, seg.End = min(max(seg.Start, 0), audio), min(max(seg.End, 0), audio)
			j.feed.add(seg)
		},
	}
	start := time.Now()
	t, err := p.model.tr.Transcribe(j.ctx, samples, opt)
	clear(samples) // the engine is done with them
	s.metrics.observeTranscription(time.Since(start), audio, err == nil)
	switch {
	case j.ctx.Err() != nil:
		s.finish(j, nil, causeError(j.ctx))
	case errors.Is(err, ErrBadRequest):
		s.finish(j, nil, badRequest("", "invalid_request", err.Error()))
	case err != nil:
		s.log.Error("transcribe", "job", j.id, "err", err)
		s.finish(j, nil, serverError("transcription failed: "+err.Error()))
	case t == nil:
		s.finish(j, nil, serverError("transcription failed: no transcript"))
	default:
		t.Model = p.model.Name
		if t.Duration == 0 {
			t.Duration = audio
		}
		clampTimes(t, audio)
		j.progress.Store(100)
		s.finish(j, t, nil)
	}
}

// causeError turns the reason a job's context ended into the error its client sees.
func causeError(ctx context.Context) *Error {
	var e *Error
	if errors.As(context.Cause(ctx), &e) {
		return e
	}
	if errors.Is(context.Cause(ctx), ErrShuttingDown) {
		return errShutdown
	}
	return errClientGone
}

func (s *Server) finish(j *job, t *transcript.Transcript, e *Error) {
	j.mu.Lock()
	switch {
	case j.state == stateCancelled: // DELETE won the race; drop whatever came out
	case e == errClientGone || e != nil && errors.Is(e, ErrCancelled):
		j.state, j.err = stateCancelled, e
	case e != nil:
		j.state, j.err = stateFailed, e
	default:
		j.state, j.result = stateSucceeded, t
	}
	j.finished = s.deps.Now()
	j.data = nil
	state := j.state
	j.mu.Unlock()
	j.cancel(nil) // release the context's resources
	close(j.done)
	j.feed.close()
	s.metrics.jobFinished(string(state))
}

// cancelJob cancels a queued or running job on behalf of DELETE. It reports whether the job was
// still active.
func (s *Server) cancelJob(j *job) bool {
	j.mu.Lock()
	active := !j.state.finished()
	if active {
		j.state, j.err = stateCancelled, errCancelled
		j.data = nil
	}
	j.mu.Unlock()
	if active {
		j.cancel(errCancelled)
	}
	return active
}

// jobStore holds the job API's jobs until they expire.
type jobStore struct {
	mu   sync.Mutex
	max  int
	jobs map[string]*job
}

func newJobStore(max int) *jobStore { return &jobStore{max: max, jobs: map[string]*job{}} }

func (st *jobStore) add(j *job) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.jobs) >= st.max {
		return false
	}
	st.jobs[j.id] = j
	return true
}

// get returns the job with the given id if the caller may see it and it has not expired.
func (st *jobStore) get(id string, owner int, now time.Time, retention time.Duration) *job {
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.jobs[id]
	if j == nil || j.owner != owner {
		return nil
	}
	if expired(j, now, retention) {
		delete(st.jobs, id)
		return nil
	}
	return j
}

func (st *jobStore) list(owner int, now time.Time, retention time.Duration) []*job {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*job
	for id, j := range st.jobs {
		if expired(j, now, retention) {
			delete(st.jobs, id)
			continue
		}
		if j.owner == owner {
			out = append(out, j)
		}
	}
	return out
}

func (st *jobStore) remove(id string) {
	st.mu.Lock()
	delete(st.jobs, id)
	st.mu.Unlock()
}

func (st *jobStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.jobs)
}

// sweep drops expired jobs, with their results, and returns how many it dropped.
func (st *jobStore) sweep(now time.Time, retention time.Duration) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for id, j := range st.jobs {
		if expired(j, now, retention) {
			delete(st.jobs, id)
			n++
		}
	}
	return n
}

func expired(j *job, now time.Time, retention time.Duration) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.state.finished() || j.finished.IsZero() {
		return false
	}
	if now.Sub(j.finished) >= retention {
		j.result = nil
		return true
	}
	return false
}

func (s *Server) sweeper() {
	defer close(s.sweepDone)
	every := min(max(s.cfg.JobRetention/4, time.Second), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-tick.C:
			s.jobs.sweep(s.deps.Now(), s.cfg.JobRetention)
		}
	}
}

// jobJSON is the job API's view of a job.
type jobJSON struct {
	ID              string  `json:"id"`
	Object          string  `json:"object"`
	Status          string  `json:"status"`
	Task            string  `json:"task"`
	Model           string  `json:"model"`
	Progress        int     `json:"progress"`
	CreatedAt       int64   `json:"created_at"`
	StartedAt       *int64  `json:"started_at"`
	FinishedAt      *int64  `json:"finished_at"`
	ExpiresAt       *int64  `json:"expires_at"`
	Duration        float64 `json:"duration,omitempty"` // seconds of audio, once decoded
	KeepResult      bool    `json:"keep_result"`
	ResultAvailable bool    `json:"result_available"`
	Error           *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code,omitempty"`
		Status  int    `json:"status"`
	} `json:"error,omitempty"`
}

func (s *Server) jobView(j *job) jobJSON {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobJSON{
		ID: j.id, Object: "transcription.job", Status: string(j.state), Task: j.task, Model: j.params.model.Name,
		Progress: int(j.progress.Load()), CreatedAt: j.created.Unix(), Duration: seconds(j.audio),
		KeepResult: j.params.keepResult, ResultAvailable: j.result != nil,
	}
	unix := func(t time.Time) *int64 {
		if t.IsZero() {
			return nil
		}
		u := t.Unix()
		return &u
	}
	v.StartedAt, v.FinishedAt = unix(j.started), unix(j.finished)
	if !j.finished.IsZero() {
		v.ExpiresAt = unix(j.finished.Add(s.cfg.JobRetention))
	}
	if j.err != nil && j.state != stateSucceeded {
		v.Error = &struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    string `json:"code,omitempty"`
			Status  int    `json:"status"`
		}{j.err.Message, j.err.Type, j.err.Code, j.err.Status}
	}
	if v.Error != nil && v.Error.Status == 0 {
		v.Error.Status = http.StatusInternalServerError
	}
	return v
}

// clampTimes keeps every timestamp within the audio: whisper can place the last segment's end past
// it, and subtitle players and OpenAI clients expect times within the duration.
func clampTimes(t *transcript.Transcript, audio time.Duration) {
	c := func(d *time.Duration) { *d = min(max(*d, 0), audio) }
	for i := range t.Segments {
		s := &t.Segments[i]
		c(&s.Start)
		c(&s.End)
		for k := range s.Words {
			c(&s.Words[k].Start)
			c(&s.Words[k].End)
		}
	}
}
