package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

type jobReply struct {
	ID              string  `json:"id"`
	Object          string  `json:"object"`
	Status          string  `json:"status"`
	Task            string  `json:"task"`
	Model           string  `json:"model"`
	Progress        int     `json:"progress"`
	CreatedAt       int64   `json:"created_at"`
	FinishedAt      *int64  `json:"finished_at"`
	ExpiresAt       *int64  `json:"expires_at"`
	Duration        float64 `json:"duration"`
	KeepResult      bool    `json:"keep_result"`
	ResultAvailable bool    `json:"result_available"`
	Deleted         bool    `json:"deleted"`
	Error           *struct {
		Message, Type, Code string
		Status              int
	} `json:"error"`
}

func decodeJob(t *testing.T, r reply) jobReply {
	t.Helper()
	var j jobReply
	if err := json.Unmarshal(r.body, &j); err != nil {
		t.Fatalf("%v: %v", err, r)
	}
	return j
}

func (ts *testServer) submit(t *testing.T, f form) jobReply {
	t.Helper()
	r := ts.upload(t, "/v1/jobs", testKey, f)
	if r.status != http.StatusAccepted {
		t.Fatalf("submit: %v", r)
	}
	j := decodeJob(t, r)
	if j.ID == "" || j.Object != "transcription.job" || r.header.Get("Location") != "/v1/jobs/"+j.ID {
		t.Fatalf("submit answer: %v", r)
	}
	return j
}

func (ts *testServer) waitJob(t *testing.T, id string) jobReply {
	t.Helper()
	var j jobReply
	waitFor(t, "job "+id, func() bool {
		r := ts.get(t, "/v1/jobs/"+id)
		if r.status != 200 {
			t.Fatalf("poll: %v", r)
		}
		j = decodeJob(t, r)
		return j.Status != "queued" && j.Status != "running"
	})
	return j
}

func TestJobLifecycle(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	clock := newClock()
	cfg := testConfig(t)
	cfg.JobRetention = time.Hour
	deps := fakeDeps(eng)
	deps.Now = clock.Now
	ts := start(t, cfg, deps)

	j := ts.submit(t, form{file: fakeAudio(11 * time.Second), fields: [][2]string{
		{"response_format", "srt"}, {"language", "de"}, {"timestamp_granularities[]", "word"},
	}})
	if j.Status != "queued" && j.Status != "running" {
		t.Fatalf("new job: %+v", j)
	}
	<-eng.started
	// Running: the status shows it, the result is not there yet, progress is reported.
	r := ts.get(t, "/v1/jobs/"+j.ID)
	if got := decodeJob(t, r); got.Status != "running" || got.Progress != 0 || got.FinishedAt != nil {
		t.Errorf("running job: %v", r)
	}
	if r := ts.get(t, "/v1/jobs/"+j.ID+"/result"); r.status != http.StatusConflict {
		t.Errorf("result while running: %v", r)
	} else if _, code, _ := r.apiErr(t); code != "job_not_finished" {
		t.Errorf("code %q", code)
	}
	// Another key cannot see the job.
	if r := ts.do(t, "GET", "/v1/jobs/"+j.ID, otherKey, nil, ""); r.status != 404 {
		t.Errorf("other key sees the job: %v", r)
	}
	if r := ts.do(t, "GET", "/v1/jobs", otherKey, nil, ""); !strings.Contains(string(r.body), `"data":[]`) {
		t.Errorf("other key's list: %v", r)
	}
	if r := ts.get(t, "/v1/jobs"); !strings.Contains(string(r.body), j.ID) {
		t.Errorf("own list: %v", r)
	}

	eng.gate <- struct{}{}
	done := ts.waitJob(t, j.ID)
	if done.Status != "succeeded" || done.Progress != 100 || !done.ResultAvailable || done.Duration != 11 || done.Task != "transcribe" || done.Model != "fake" {
		t.Errorf("finished job: %+v", done)
	}
	if eng.lastCall().Language != "de" || !eng.lastCall().WordTimestamps {
		t.Errorf("engine options: %+v", eng.lastCall())
	}
	// The submission's format is the default; the upload itself is gone.
	ts.jobs.mu.Lock()
	stored := ts.jobs.jobs[j.ID]
	ts.jobs.mu.Unlock()
	if stored.data != nil || stored.params.data != nil {
		t.Error("the job still holds the uploaded audio")
	}
	r = ts.get(t, "/v1/jobs/"+j.ID+"/result")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "1\n00:00:00,000 --> ") {
		t.Fatalf("result: %v", r)
	}
	// Not kept: the result was dropped when handed out.
	if r := ts.get(t, "/v1/jobs/"+j.ID+"/result?response_format=json"); r.status != http.StatusGone {
		t.Errorf("second fetch of a result not kept: %v", r)
	}
	if got := decodeJob(t, ts.get(t, "/v1/jobs/"+j.ID)); got.ResultAvailable {
		t.Error("result still available after the fetch")
	}
	// The status lives until the retention ends.
	clock.Advance(time.Hour)
	if r := ts.get(t, "/v1/jobs/"+j.ID); r.status != 404 {
		t.Errorf("expired job: %v", r)
	}
}

func TestJobKeepResult(t *testing.T) {
	clock := newClock()
	cfg := testConfig(t)
	cfg.JobRetention = 10 * time.Minute
	deps := fakeDeps(newFake())
	deps.Now = clock.Now
	ts := start(t, cfg, deps)

	j := ts.submit(t, form{file: fakeAudio(11 * time.Second), fields: [][2]string{{"keep_result", "true"}, {"task", "translate"}, {"timestamp_granularities[]", "word"}}})
	done := ts.waitJob(t, j.ID)
	if !done.KeepResult || done.Task != "translate" || done.ExpiresAt == nil || *done.ExpiresAt != *done.FinishedAt+600 {
		t.Fatalf("job: %+v", done)
	}
	for _, f := range []string{"json", "text", "srt", "vtt", "verbose_json", ""} {
		r := ts.get(t, "/v1/jobs/"+j.ID+"/result?response_format="+f)
		if r.status != 200 {
			t.Fatalf("%s: %v", f, r)
		}
		if f == "verbose_json" && (!strings.Contains(string(r.body), `"task":"translate"`) || !strings.Contains(string(r.body), `"words":[{"word":"And"`)) {
			t.Errorf("verbose_json: %s", r.body)
		}
	}
	if r := ts.get(t, "/v1/jobs/"+j.ID+"/result?response_format=docx"); r.status != 400 {
		t.Errorf("bad format: %v", r)
	}
	// The retention sweeper drops kept results too.
	clock.Advance(10*time.Minute - time.Second)
	if r := ts.get(t, "/v1/jobs/"+j.ID+"/result"); r.status != 200 {
		t.Fatalf("before expiry: %v", r)
	}
	clock.Advance(time.Second)
	if n := ts.jobs.sweep(clock.Now(), cfg.JobRetention); n != 1 {
		t.Errorf("sweep dropped %d jobs", n)
	}
	if r := ts.get(t, "/v1/jobs/"+j.ID+"/result"); r.status != 404 {
		t.Errorf("after expiry: %v", r)
	}
}

func TestJobCancelAndDelete(t *testing.T) {
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	ts := start(t, testConfig(t), fakeDeps(eng))

	running := ts.submit(t, form{file: fakeAudio(time.Second)})
	<-eng.started
	queued := ts.submit(t, form{file: fakeAudio(time.Second)})

	for _, id := range []string{queued.ID, running.ID} {
		r := ts.do(t, "DELETE", "/v1/jobs/"+id, testKey, nil, "")
		if got := decodeJob(t, r); r.status != 200 || got.Status != "cancelled" {
			t.Fatalf("cancel %s: %v", id, r)
		}
	}
	waitFor(t, "cancelled jobs to end", func() bool { return len(ts.slots) == 0 })
	for _, id := range []string{queued.ID, running.ID} {
		got := ts.waitJob(t, id)
		if got.Status != "cancelled" || got.ResultAvailable {
			t.Errorf("cancelled job %s: %+v", id, got)
		}
		r := ts.get(t, "/v1/jobs/"+id+"/result")
		if _, code, _ := r.apiErr(t); r.status != http.StatusConflict || code != "job_cancelled" {
			t.Errorf("result of a cancelled job: %v", r)
		}
	}
	if n := eng.callCount(); n != 1 {
		t.Errorf("engine ran %d times, want 1 (the queued job never starts)", n)
	}

	// Deleting a finished job removes it and its result.
	eng.gate = nil
	j := ts.submit(t, form{file: fakeAudio(time.Second), fields: [][2]string{{"keep_result", "1"}}})
	ts.waitJob(t, j.ID)
	if r := ts.do(t, "DELETE", "/v1/jobs/"+j.ID, testKey, nil, ""); r.status != 200 || !decodeJob(t, r).Deleted {
		t.Fatalf("delete: %v", r)
	}
	if r := ts.get(t, "/v1/jobs/"+j.ID); r.status != 404 {
		t.Errorf("deleted job: %v", r)
	}
	if r := ts.do(t, "DELETE", "/v1/jobs/"+j.ID, testKey, nil, ""); r.status != 404 {
		t.Errorf("second delete: %v", r)
	}
}

func TestJobFailure(t *testing.T) {
	ts := start(t, testConfig(t), fakeDeps(newFake()))
	j := ts.submit(t, form{file: []byte("BAD data")})
	got := ts.waitJob(t, j.ID)
	if got.Status != "failed" || got.Error == nil || got.Error.Status != 400 || got.Error.Code != "invalid_file" || !strings.Contains(got.Error.Message, "corrupt data") {
		t.Fatalf("failed job: %+v", got)
	}
	r := ts.get(t, "/v1/jobs/"+j.ID+"/result")
	if _, code, _ := r.apiErr(t); r.status != 400 || code != "invalid_file" {
		t.Errorf("result of a failed job: %v", r)
	}
}

func TestJobStoreLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxStoredJobs = 2
	ts := start(t, cfg, fakeDeps(newFake()))
	a := ts.submit(t, form{file: fakeAudio(time.Second)})
	ts.submit(t, form{file: fakeAudio(time.Second)})
	r := ts.upload(t, "/v1/jobs", testKey, form{file: fakeAudio(time.Second)})
	if _, code, _ := r.apiErr(t); r.status != 429 || code != "too_many_jobs" {
		t.Fatalf("third job: %v", r)
	}
	ts.waitJob(t, a.ID)
	ts.do(t, "DELETE", "/v1/jobs/"+a.ID, testKey, nil, "")
	ts.submit(t, form{file: fakeAudio(time.Second)})
}

func TestInstanceID(t *testing.T) {
	cfg := testConfig(t)
	cfg.InstanceID = "gpu-1"
	ts := start(t, cfg, fakeDeps(newFake()))
	j := ts.submit(t, form{file: fakeAudio(time.Second)})
	if !strings.HasPrefix(j.ID, "job_gpu-1_") || len(j.ID) != len("job_gpu-1_")+24 {
		t.Errorf("job ID %q", j.ID)
	}
	cfg.InstanceID = "a/b"
	if _, err := New(cfg, fakeDeps(newFake())); err == nil {
		t.Error("bad instance ID accepted")
	}
}
