package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testcorpus"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func corpusDir(t testing.TB) string { return testcorpus.Dir(t) }

func corpusFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// realServer runs the server with whisper.cpp, the generated micro model and the real decoder.
func realServer(t testing.TB, cfg Config) (*testServer, string) {
	t.Helper()
	model := testmodel.ForTest(t, testmodel.Micro)
	cfg.Models = map[string]string{"micro": model}
	deps := Deps{
		Open:   EngineOpener(engine.Config{Threads: max(1, runtime.NumCPU()/max(1, cfg.Workers))}),
		Decode: AudioDecoder(audio.Options{}),
	}
	return start(t, cfg, deps), model
}

// TestIntegration talks plain HTTP to a server on loopback that runs the real engine on the
// generated test model: every response format on a corpus file, every corpus file, the job API,
// bad files and wrong keys. The model's text is nonsense; the shapes and timings are real.
func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("runs whisper.cpp")
	}
	cfg := testConfig(t)
	cfg.MaxUploadBytes = 8 << 20
	ts, modelPath := realServer(t, cfg)
	jfk := corpusFile(t, "jfk.flac")

	t.Run("models", func(t *testing.T) {
		b, _ := os.ReadFile(modelPath)
		sum := sha256.Sum256(b)
		r := ts.get(t, "/v1/models")
		if r.status != 200 || !strings.Contains(string(r.body), `"sha256":"`+hex.EncodeToString(sum[:])+`"`) ||
			!strings.Contains(string(r.body), `"backend":"cpu"`) || !strings.Contains(string(r.body), `"multilingual":true`) {
			t.Fatalf("models: %v", r)
		}
	})

	t.Run("formats", func(t *testing.T) {
		for _, format := range []string{"json", "text", "srt", "vtt", "verbose_json"} {
			r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: jfk, fileName: "jfk.flac",
				fields: [][2]string{{"model", "micro"}, {"response_format", format}, {"language", "en"}}})
			if r.status != 200 {
				t.Fatalf("%s: %v", format, r)
			}
			switch format {
			case "json":
				var v struct{ Text *string }
				if json.Unmarshal(r.body, &v) != nil || v.Text == nil {
					t.Errorf("json: %s", r.body)
				}
			case "text":
				if !strings.HasSuffix(string(r.body), "\n") {
					t.Errorf("text: %q", r.body)
				}
			case "srt":
				if _, err := export.ParseSRT(strings.NewReader(string(r.body))); err != nil {
					t.Errorf("srt does not parse: %v\n%s", err, r.body)
				}
			case "vtt":
				if _, err := export.ParseVTT(strings.NewReader(string(r.body))); err != nil {
					t.Errorf("vtt does not parse: %v\n%s", err, r.body)
				}
			case "verbose_json":
				var v verboseJSON
				if err := json.Unmarshal(r.body, &v); err != nil {
					t.Fatal(err)
				}
				if v.Task != "transcribe" || v.Language != "english" || math.Abs(v.Duration-11) > 0.1 || v.Segments == nil {
					t.Errorf("verbose_json: %s", r.body)
				}
				for _, s := range *v.Segments {
					if s.Start < 0 || s.End < s.Start || s.End > v.Duration+0.5 {
						t.Errorf("segment times %v..%v outside the audio", s.Start, s.End)
					}
				}
			}
		}
	})

	t.Run("words", func(t *testing.T) {
		r := ts.upload(t, "/v1/audio/translations", testKey, form{file: jfk, fields: [][2]string{
			{"response_format", "verbose_json"}, {"timestamp_granularities[]", "word"}, {"timestamp_granularities[]", "segment"}}})
		var v verboseJSON
		if r.status != 200 || json.Unmarshal(r.body, &v) != nil || v.Task != "translate" || v.Words == nil || v.Segments == nil {
			t.Fatalf("translation with words: %v", r)
		}
	})

	t.Run("corpus", func(t *testing.T) {
		entries, err := os.ReadDir(corpusDir(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if ext != ".flac" && ext != ".wav" && ext != ".mp3" || e.Name() == "english_german.mp3" { // the job covers that one
				continue
			}
			r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: corpusFile(t, e.Name()), fileName: e.Name(),
				fields: [][2]string{{"response_format", "verbose_json"}}})
			var v verboseJSON
			if r.status != 200 || json.Unmarshal(r.body, &v) != nil || v.Duration <= 0 {
				t.Errorf("%s: %v", e.Name(), r)
				continue
			}
			t.Logf("%s: %.1f s of audio, language %q, %d segments", e.Name(), v.Duration, v.Language, len(*v.Segments))
		}
	})

	t.Run("job", func(t *testing.T) {
		j := ts.submit(t, form{file: corpusFile(t, "english_german.mp3"), fileName: "english_german.mp3",
			fields: [][2]string{{"response_format", "vtt"}, {"keep_result", "true"}}})
		done := ts.waitJob(t, j.ID)
		if done.Status != "succeeded" || done.Progress != 100 || done.Duration < 10 {
			t.Fatalf("job: %+v", done)
		}
		for range 2 {
			r := ts.get(t, "/v1/jobs/"+j.ID+"/result")
			if r.status != 200 || !strings.HasPrefix(string(r.body), "WEBVTT") {
				t.Fatalf("result: %v", r)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			file   []byte
			key    string
			status int
			code   string
		}{
			{"garbage.flac", []byte("this is not audio at all, just text pretending to be a file"), testKey, 400, "invalid_file"},
			{"truncated.flac", jfk[:4096], testKey, 400, "invalid_file"},
			{"jfk.flac", jfk, "hs_not-a-key", 401, "invalid_api_key"},
			{"jfk.flac", jfk, "", 401, "missing_api_key"},
		} {
			r := ts.upload(t, "/v1/audio/transcriptions", c.key, form{file: c.file, fileName: c.name})
			if r.status != c.status {
				t.Errorf("%s: %v", c.name, r)
				continue
			}
			if _, code, _ := r.apiErr(t); code != c.code {
				t.Errorf("%s: code %q", c.name, code)
			}
			if c.status == 400 && !strings.Contains(string(r.body), "could not decode audio: ") {
				t.Errorf("%s: message lacks the decoder's reason: %s", c.name, r.body)
			}
		}
	})

	m := scrape(t, ts)
	if m.value("hushscribe_audio_seconds_total") < 11 || m.value("hushscribe_transcription_duration_seconds_count") < 5 {
		t.Errorf("metrics after the run:\n%s", m.raw)
	}
}

// TestIntegrationCancel deletes a running job on the real engine: whisper.cpp stops and the job
// ends as cancelled.
func TestIntegrationCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs whisper.cpp")
	}
	ts, _ := realServer(t, testConfig(t))
	j := ts.submit(t, form{file: corpusFile(t, "english_german.mp3"), fileName: "english_german.mp3"})
	waitFor(t, "the job to start", func() bool { return decodeJob(t, ts.get(t, "/v1/jobs/"+j.ID)).Status != "queued" })
	start := time.Now()
	if r := ts.do(t, "DELETE", "/v1/jobs/"+j.ID, testKey, nil, ""); r.status != 200 {
		t.Fatal(r)
	}
	waitFor(t, "the worker to stop", func() bool { return ts.running.Load() == 0 })
	t.Logf("worker stopped %v after DELETE", time.Since(start).Round(time.Millisecond))
	if got := decodeJob(t, ts.get(t, "/v1/jobs/"+j.ID)); got.Status != "cancelled" {
		t.Errorf("job: %+v", got)
	}
}
