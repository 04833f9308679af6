package server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	rtmetrics "runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the transcription duration histogram.
var durationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

type requestKey struct {
	route string
	code  int
}

// metrics holds the server's counters. Gauges are read from the server when scraped.
type metrics struct {
	mu           sync.Mutex
	requests     map[requestKey]uint64
	rejections   map[string]uint64
	jobs         map[string]uint64
	audioSeconds float64
	failures     uint64
	buckets      []uint64 // cumulative counts are computed when written
	count        uint64
	sum          float64
}

func newMetrics() *metrics {
	return &metrics{
		requests:   map[requestKey]uint64{},
		rejections: map[string]uint64{},
		jobs:       map[string]uint64{},
		buckets:    make([]uint64, len(durationBuckets)),
	}
}

func (m *metrics) request(route string, code int) {
	m.mu.Lock()
	m.requests[requestKey{route, code}]++
	m.mu.Unlock()
}

func (m *metrics) rejected(reason string) {
	m.mu.Lock()
	m.rejections[reason]++
	m.mu.Unlock()
}

func (m *metrics) jobFinished(state string) {
	m.mu.Lock()
	m.jobs[state]++
	m.mu.Unlock()
}

func (m *metrics) observeTranscription(took, audio time.Duration, ok bool) {
	sec := took.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !ok {
		m.failures++
		return
	}
	m.audioSeconds += audio.Seconds()
	m.count++
	m.sum += sec
	if i, _ := slices.BinarySearch(durationBuckets, sec); i < len(m.buckets) {
		m.buckets[i]++
	}
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.writeMetrics(w)
}

// writeMetrics writes every metric in the Prometheus text exposition format (version 0.0.4).
func (s *Server) writeMetrics(out io.Writer) error {
	w := bufio.NewWriter(out)
	family := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	sample := func(name string, v float64, labels ...string) {
		w.WriteString(name)
		if len(labels) > 0 {
			w.WriteByte('{')
			for i := 0; i+1 < len(labels); i += 2 {
				if i > 0 {
					w.WriteByte(',')
				}
				fmt.Fprintf(w, "%s=\"%s\"", labels[i], escapeLabel(labels[i+1]))
			}
			w.WriteByte('}')
		}
		w.WriteByte(' ')
		w.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		w.WriteByte('\n')
	}

	m := s.metrics
	m.mu.Lock()
	reqs := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqs = append(reqs, k)
	}
	slices.SortFunc(reqs, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	family("hushscribe_http_requests_total", "counter", "HTTP requests by route and status code.")
	for _, k := range reqs {
		sample("hushscribe_http_requests_total", float64(m.requests[k]), "route", k.route, "code", strconv.Itoa(k.code))
	}
	family("hushscribe_rejections_total", "counter", "Submissions refused, by reason (all but upload_too_slow before their upload was read).")
	for _, reason := range []string{errQueueFull.Code, errTooManyJobs.Code, errShutdown.Code, errTooManyUploads.Code, errUploadsBusy.Code, errUploadTooSlow.Code} {
		sample("hushscribe_rejections_total", float64(m.rejections[reason]), "reason", reason)
	}
	family("hushscribe_jobs_total", "counter", "Finished jobs (synchronous and job API) by outcome.")
	for _, st := range []jobState{stateSucceeded, stateFailed, stateCancelled} {
		sample("hushscribe_jobs_total", float64(m.jobs[string(st)]), "status", string(st))
	}
	family("hushscribe_audio_seconds_total", "counter", "Seconds of audio transcribed successfully.")
	sample("hushscribe_audio_seconds_total", m.audioSeconds)
	family("hushscribe_transcription_failures_total", "counter", "Transcriber calls that returned an error.")
	sample("hushscribe_transcription_failures_total", float64(m.failures))
	family("hushscribe_transcription_duration_seconds", "histogram", "Time spent in the transcriber per successful job.")
	var cum uint64
	for i, le := range durationBuckets {
		cum += m.buckets[i]
		sample("hushscribe_transcription_duration_seconds_bucket", float64(cum), "le", strconv.FormatFloat(le, 'g', -1, 64))
	}
	sample("hushscribe_transcription_duration_seconds_bucket", float64(m.count), "le", "+Inf")
	sample("hushscribe_transcription_duration_seconds_sum", m.sum)
	sample("hushscribe_transcription_duration_seconds_count", float64(m.count))
	m.mu.Unlock()

	family("hushscribe_queue_depth", "gauge", "Jobs waiting for a worker.")
	sample("hushscribe_queue_depth", float64(len(s.queue)))
	family("hushscribe_queue_slots_used", "gauge", "Admitted jobs (uploading, waiting or running).")
	sample("hushscribe_queue_slots_used", float64(len(s.slots)))
	family("hushscribe_queue_capacity", "gauge", "Most jobs admitted at once (workers plus queue size).")
	sample("hushscribe_queue_capacity", float64(cap(s.slots)))
	family("hushscribe_jobs_running", "gauge", "Jobs being decoded or transcribed.")
	sample("hushscribe_jobs_running", float64(s.running.Load()))
	family("hushscribe_workers", "gauge", "Configured workers.")
	sample("hushscribe_workers", float64(s.cfg.Workers))
	family("hushscribe_stored_jobs", "gauge", "Jobs held by the job API, active or finished.")
	sample("hushscribe_stored_jobs", float64(s.jobs.len()))
	draining := 0.0
	if s.draining.Load() {
		draining = 1
	}
	family("hushscribe_draining", "gauge", "1 while the server shuts down.")
	sample("hushscribe_draining", draining)
	family("hushscribe_build_info", "gauge", "Always 1; labels carry the versions.")
	sample("hushscribe_build_info", 1, "version", s.cfg.Version, "engine", s.cfg.EngineVersion)
	family("hushscribe_model_info", "gauge", "Always 1; one series per loaded model.")
	for _, name := range s.names {
		sample("hushscribe_model_info", 1, "model", name, "sha256", s.models[name].SHA256)
	}
	family("hushscribe_model_device_info", "gauge", "Always 1; the compute device each loaded model runs on (fallback=\"1\": not the one asked for).")
	for _, name := range s.names {
		if in := s.models[name].Info; in != nil && in.Device != "" {
			fb := "0"
			if in.Fallback != "" {
				fb = "1"
			}
			sample("hushscribe_model_device_info", 1, "model", name, "device", in.Device, "backend", in.Backend, "fallback", fb)
		}
	}

	rt := []rtmetrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/sched/goroutines:goroutines"},
	}
	rtmetrics.Read(rt)
	family("hushscribe_go_heap_objects_bytes", "gauge", "Bytes in live and not yet swept heap objects.")
	sample("hushscribe_go_heap_objects_bytes", runtimeValue(rt[0]))
	family("hushscribe_go_memory_total_bytes", "gauge", "All memory mapped by the Go runtime (not counting C allocations such as model weights).")
	sample("hushscribe_go_memory_total_bytes", runtimeValue(rt[1]))
	family("hushscribe_go_goroutines", "gauge", "Live goroutines.")
	sample("hushscribe_go_goroutines", runtimeValue(rt[2]))
	return w.Flush()
}

func runtimeValue(s rtmetrics.Sample) float64 {
	switch s.Value.Kind() {
	case rtmetrics.KindUint64:
		return float64(s.Value.Uint64())
	case rtmetrics.KindFloat64:
		return s.Value.Float64()
	}
	return 0
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(v string) string { return labelEscaper.Replace(v) }
