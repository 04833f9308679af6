package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Streaming. Two endpoints answer with server-sent events (text/event-stream):
//
//   - POST /v1/audio/transcriptions with stream=true, as OpenAI documents it for its streaming
//     transcription models: one `data: {"type":"transcript.text.delta","delta":...}` event per
//     segment as soon as whisper.cpp has decoded it, then
//     `data: {"type":"transcript.text.done","text":...,"usage":...}`. As OpenAI's clients expect,
//     the deltas concatenate to the done text: each is the segment's text, trimmed, with one space
//     before it when text came before (Transcript.Text's join). A failure after the stream has
//     started is an `event: error` with OpenAI's error body, which the official SDKs raise as an
//     APIError. A client that hangs up cancels the job, as with the synchronous answer.
//   - GET /v1/jobs/{id}/events for the job API: `event: progress` ({"progress":n,"status":...}),
//     `event: segment` ({"index","start","end","text"}) and finally `event: done` with the job's
//     view (its status says whether it succeeded). Segments already produced when a client connects
//     are sent first, so reconnecting clients catch up.
//
// A running job keeps the segments produced so far in its feed; when the job finishes the feed is
// emptied and latecomers get the rest from the job's result while it is held.

// feed is what a running job has produced so far, for streaming clients.
type feed struct {
	mu      sync.Mutex
	segs    []transcript.Segment
	closed  bool
	changed chan struct{} // closed and replaced on every change
}

func newFeed() *feed { return &feed{changed: make(chan struct{})} }

// poke wakes the streaming clients (progress moved).
func (f *feed) poke() {
	f.mu.Lock()
	f.wakeLocked()
	f.mu.Unlock()
}

func (f *feed) wakeLocked() {
	if !f.closed {
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

func (f *feed) add(s transcript.Segment) {
	f.mu.Lock()
	if !f.closed {
		f.segs = append(f.segs, s)
		f.wakeLocked()
	}
	f.mu.Unlock()
}

// since returns the segments after the first n and a channel closed at the next change.
func (f *feed) since(n int) ([]transcript.Segment, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []transcript.Segment
	if n < len(f.segs) {
		out = append(out, f.segs[n:]...)
	}
	return out, f.changed
}

// close drops the segments (the job's result holds them, or nothing should) and wakes everyone.
func (f *feed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.segs = nil
		close(f.changed)
		f.closed = true
	}
}

// sse writes server-sent events and flushes each one.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func startSSE(w http.ResponseWriter) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	s := &sse{w: w, rc: http.NewResponseController(w)}
	s.rc.Flush()
	return s
}

// send writes one event; name "" is an unnamed ("message") event.
func (s *sse) send(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if name != "" {
		if _, err := fmt.Fprintf(s.w, "event: %s\n", name); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// remaining returns the result's segments after the first n (nil without a result).
func remaining(t *transcript.Transcript, n int) []transcript.Segment {
	if t == nil || n >= len(t.Segments) {
		return nil
	}
	return t.Segments[n:]
}

type usageJSON struct {
	Type    string  `json:"type"`
	Seconds float64 `json:"seconds"`
}

// handleStream serves POST /v1/audio/transcriptions with stream=true for an admitted job.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request, j *job) {
	stop := context.AfterFunc(r.Context(), func() { j.cancel(errClientGone) })
	defer stop()
	if e := s.enqueue(j); e != nil {
		s.release()
		writeError(w, e)
		return
	}
	out := startSSE(w)
	sent := 0
	started := false // a delta went out: the next one starts with the separating space
	delta := func(segs []transcript.Segment) error {
		for _, seg := range segs {
			sent++
			text := strings.TrimSpace(seg.Text)
			if text == "" {
				continue
			}
			if started {
				text = " " + text
			}
			started = true
			if err := out.send("", struct {
				Type  string `json:"type"`
				Delta string `json:"delta"`
			}{"transcript.text.delta", text}); err != nil {
				return err
			}
		}
		return nil
	}
	for finished := false; !finished; {
		segs, changed := j.feed.since(sent)
		if err := delta(segs); err != nil {
			return // the client is gone; its context cancels the job
		}
		select {
		case <-changed:
		case <-j.done:
			finished = true
		}
	}
	j.mu.Lock()
	res, e, audio := j.result, j.err, j.audio
	j.result = nil // a synchronous result is never kept
	j.mu.Unlock()
	if e != nil {
		var body errorBody
		body.Error.Message, body.Error.Type = e.Message, e.Type
		if e.Param != "" {
			body.Error.Param = &e.Param
		}
		if e.Code != "" {
			body.Error.Code = &e.Code
		}
		out.send("error", body)
		return
	}
	if delta(remaining(res, sent)) != nil {
		return
	}
	out.send("", struct {
		Type  string    `json:"type"`
		Text  string    `json:"text"`
		Usage usageJSON `json:"usage"`
	}{"transcript.text.done", res.Text(), usageJSON{"duration", seconds(audio)}})
}

type segmentEvent struct {
	Index int     `json:"index"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Text  string  `json:"text"`
}

// handleJobEvents serves GET /v1/jobs/{id}/events.
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request, owner int) {
	j := s.lookup(w, r, owner)
	if j == nil {
		return
	}
	out := startSSE(w)
	sent, lastProgress, lastStatus := 0, -1, ""
	segments := func(segs []transcript.Segment) error {
		for _, seg := range segs {
			if err := out.send("segment", segmentEvent{sent, seconds(seg.Start), seconds(seg.End), seg.Text}); err != nil {
				return err
			}
			sent++
		}
		return nil
	}
	// A slow client must not hold the job's memory forever: streams end when the job's retention would.
	deadline := time.NewTimer(s.cfg.JobRetention)
	defer deadline.Stop()
	for {
		segs, changed := j.feed.since(sent)
		if segments(segs) != nil {
			return
		}
		j.mu.Lock()
		status, finished := string(j.state), j.state.finished()
		j.mu.Unlock()
		if p := int(j.progress.Load()); p != lastProgress || status != lastStatus {
			lastProgress, lastStatus = p, status
			if out.send("progress", struct {
				Progress int    `json:"progress"`
				Status   string `json:"status"`
			}{p, status}) != nil {
				return
			}
		}
		if finished {
			break
		}
		select {
		case <-changed:
		case <-j.done:
		case <-r.Context().Done():
			return
		case <-deadline.C:
			return
		}
	}
	j.mu.Lock()
	res := j.result
	j.mu.Unlock()
	if segments(remaining(res, sent)) != nil {
		return
	}
	out.send("done", s.jobView(j))
}
