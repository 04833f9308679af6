package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	name string // "" for an unnamed event
	data string
}

// sseReader reads events from a text/event-stream body.
type sseReader struct{ sc *bufio.Scanner }

func (r sseReader) next(t *testing.T) (sseEvent, bool) {
	t.Helper()
	var ev sseEvent
	seen := false
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if seen {
				return ev, true
			}
		case strings.HasPrefix(line, "event: "):
			ev.name, seen = strings.TrimPrefix(line, "event: "), true
		case strings.HasPrefix(line, "data: "):
			ev.data, seen = strings.TrimPrefix(line, "data: "), true
		default:
			t.Fatalf("unexpected line in event stream: %q", line)
		}
	}
	return ev, false
}

func (ts *testServer) openStream(t *testing.T, method, path string, f *form) (resp *http.Response, _ sseReader) {
	t.Helper()
	var body io.Reader
	ctype := ""
	if f != nil {
		b, ct := f.encode()
		body, ctype = bytes.NewReader(b), ct
	}
	req, err := http.NewRequest(method, ts.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err = ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp, sseReader{bufio.NewScanner(resp.Body)}
}

type streamDelta struct {
	Type  string `json:"type"`
	Delta string `json:"delta"`
	Text  string `json:"text"`
	Usage *struct {
		Type    string  `json:"type"`
		Seconds float64 `json:"seconds"`
	} `json:"usage"`
}

func decodeDelta(t *testing.T, ev sseEvent) streamDelta {
	t.Helper()
	var d streamDelta
	if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
		t.Fatalf("event %+v: %v", ev, err)
	}
	return d
}

// TestStreamTranscription: stream=true answers with OpenAI's transcript.text.delta events, one per
// segment as the engine produces it (the first arrives while the job still runs), then
// transcript.text.done with the whole text.
func TestStreamTranscription(t *testing.T) {
	eng := newFake()
	eng.stream, eng.segGate = true, make(chan struct{})
	ts := start(t, testConfig(t), fakeDeps(eng))
	_, events := ts.openStream(t, "POST", "/v1/audio/transcriptions",
		&form{file: fakeAudio(11 * time.Second), fields: [][2]string{{"stream", "true"}}})

	ev, ok := events.next(t)
	if d := decodeDelta(t, ev); !ok || ev.name != "" || d.Type != "transcript.text.delta" || d.Delta != "And so my fellow Americans," {
		t.Fatalf("first event %+v", ev)
	}
	// The engine is still holding the second segment: the first delta came while the job ran.
	eng.segGate <- struct{}{}
	ev, _ = events.next(t)
	if d := decodeDelta(t, ev); d.Type != "transcript.text.delta" || d.Delta != " ask not what your country can do for you." {
		t.Fatalf("second event %+v", ev)
	}
	eng.segGate <- struct{}{}
	ev, _ = events.next(t)
	d := decodeDelta(t, ev)
	if d.Type != "transcript.text.done" || d.Text != sampleTranscript(Options{}).Text() || d.Usage == nil || d.Usage.Type != "duration" || d.Usage.Seconds != 11 {
		t.Fatalf("done event %+v", ev)
	}
	if ev, ok := events.next(t); ok {
		t.Fatalf("event after done: %+v", ev)
	}
}

// TestStreamNonStreamingEngine: a Transcriber that cannot stream still gives every delta, at the end.
func TestStreamNonStreamingEngine(t *testing.T) {
	ts := start(t, testConfig(t), fakeDeps(newFake()))
	_, events := ts.openStream(t, "POST", "/v1/audio/transcriptions",
		&form{file: fakeAudio(3 * time.Second), fields: [][2]string{{"stream", "true"}, {"response_format", "text"}}})
	var deltas []string
	var text string
	for {
		ev, ok := events.next(t)
		if !ok {
			t.Fatal("stream ended without transcript.text.done")
		}
		d := decodeDelta(t, ev)
		if d.Type == "transcript.text.done" {
			text = d.Text
			break
		}
		deltas = append(deltas, d.Delta)
	}
	if len(deltas) != 2 || strings.Join(deltas, "") != text {
		t.Fatalf("deltas %q do not concatenate to %q", deltas, text)
	}
}

// TestStreamFailure: an error after the stream started is an "error" event with OpenAI's error
// body, not a silently truncated stream.
func TestStreamFailure(t *testing.T) {
	eng := newFake()
	eng.err = errors.New("out of GPU memory")
	ts := start(t, testConfig(t), fakeDeps(eng))
	_, events := ts.openStream(t, "POST", "/v1/audio/transcriptions",
		&form{file: fakeAudio(3 * time.Second), fields: [][2]string{{"stream", "true"}}})
	ev, ok := events.next(t)
	if !ok || ev.name != "error" {
		t.Fatalf("want an error event, got %+v", ev)
	}
	var body errorBody
	if err := json.Unmarshal([]byte(ev.data), &body); err != nil || body.Error.Type != "server_error" || !strings.Contains(body.Error.Message, "out of GPU memory") {
		t.Fatalf("error event %+v (%v)", ev, err)
	}
}

// TestStreamClientGoneCancels: hanging up on a stream cancels the job, like the synchronous call.
func TestStreamClientGoneCancels(t *testing.T) {
	eng := newFake()
	eng.stream, eng.segGate = true, make(chan struct{})
	ts := start(t, testConfig(t), fakeDeps(eng))
	resp, events := ts.openStream(t, "POST", "/v1/audio/transcriptions",
		&form{file: fakeAudio(3 * time.Second), fields: [][2]string{{"stream", "true"}}})
	if _, ok := events.next(t); !ok {
		t.Fatal("no first delta")
	}
	resp.Body.Close()
	waitFor(t, "the job to be cancelled", func() bool {
		return scrape(t, ts).value("hushscribe_jobs_total", "status", "cancelled") == 1
	})
}

// TestJobEvents: GET /v1/jobs/{id}/events streams progress and segments of a job-API job and ends
// with the job's view; a client that connects after the job finished gets the same segments.
func TestJobEvents(t *testing.T) {
	eng := newFake()
	eng.stream, eng.segGate = true, make(chan struct{})
	ts := start(t, testConfig(t), fakeDeps(eng))
	j := ts.submit(t, form{file: fakeAudio(11 * time.Second), fields: [][2]string{{"keep_result", "true"}}})
	_, events := ts.openStream(t, "GET", "/v1/jobs/"+j.ID+"/events", nil)

	var segs []segmentEvent
	var done jobReply
	var sawProgress bool
	for released := 0; ; {
		ev, ok := events.next(t)
		if !ok {
			t.Fatal("events ended without done")
		}
		switch ev.name {
		case "progress":
			sawProgress = true
		case "segment":
			var s segmentEvent
			if err := json.Unmarshal([]byte(ev.data), &s); err != nil {
				t.Fatal(err)
			}
			segs = append(segs, s)
			if released < 2 {
				released++
				eng.segGate <- struct{}{}
			}
		case "done":
			if err := json.Unmarshal([]byte(ev.data), &done); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unexpected event %+v", ev)
		}
		if ev.name == "done" {
			break
		}
	}
	want := []segmentEvent{{0, 0, 2.4, " And so my fellow Americans,"}, {1, 2.4, 11, " ask not what your country can do for you."}}
	if len(segs) != 2 || segs[0] != want[0] || segs[1] != want[1] {
		t.Fatalf("segments %+v, want %+v", segs, want)
	}
	if !sawProgress || done.Status != "succeeded" || done.ID != j.ID {
		t.Fatalf("progress seen %v, done %+v", sawProgress, done)
	}

	// Late: the job is finished; its kept result supplies the segments.
	_, late := ts.openStream(t, "GET", "/v1/jobs/"+j.ID+"/events", nil)
	var names []string
	for {
		ev, ok := late.next(t)
		if !ok {
			break
		}
		names = append(names, ev.name)
	}
	if strings.Join(names, ",") != "progress,segment,segment,done" {
		t.Fatalf("late client got %v", names)
	}
	// Another key cannot watch the job.
	if r := ts.do(t, "GET", "/v1/jobs/"+j.ID+"/events", otherKey, nil, ""); r.status != 404 {
		t.Fatalf("other key: %v", r)
	}
}
