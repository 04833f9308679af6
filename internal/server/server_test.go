package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestNewConfigErrors(t *testing.T) {
	model := fakeModel(t, "weights")
	eng := newFake()
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"no keys", Config{Models: map[string]string{"m": model}}, ErrNoKeys},
		{"bad key hash", Config{APIKeyHashes: []string{"sha256:zz"}, Models: map[string]string{"m": model}}, ErrBadKeyHash},
		{"no models", Config{APIKeyHashes: []string{testKeyHash}}, nil},
		{"missing model file", Config{APIKeyHashes: []string{testKeyHash}, Models: map[string]string{"m": model + ".missing"}}, os.ErrNotExist},
		{"bad default", Config{APIKeyHashes: []string{testKeyHash}, Models: map[string]string{"m": model}, DefaultModel: "x"}, nil},
		{"half TLS", Config{APIKeyHashes: []string{testKeyHash}, Models: map[string]string{"m": model}, TLSCertFile: "c.pem"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg, fakeDeps(eng))
			if err == nil {
				s.Shutdown(t.Context())
				t.Fatal("New succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	openErr := errors.New("bad model")
	_, err := New(testConfig(t), Deps{Open: func(string) (Transcriber, error) { return nil, openErr }, Decode: fakeDecode})
	if !errors.Is(err, openErr) {
		t.Fatalf("Open error not passed on: %v", err)
	}
}

func TestAuth(t *testing.T) {
	cfg := testConfig(t)
	ts := start(t, cfg, fakeDeps(newFake()))
	up := form{file: fakeAudio(time.Second)}
	for _, tc := range []struct {
		name   string
		header string
		status int
		code   string
	}{
		{"missing", "", 401, "missing_api_key"},
		{"not bearer", "Basic " + testKey, 401, "missing_api_key"},
		{"wrong key", "Bearer hs_wrongwrongwrong", 401, "invalid_api_key"},
		{"hash instead of key", "Bearer " + testKeyHash, 401, "invalid_api_key"},
		{"right key", "Bearer " + testKey, 200, ""},
		{"second key, lower-case scheme", "bearer " + otherKey, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := up.encode()
			req, _ := http.NewRequest("POST", ts.url+"/v1/audio/transcriptions", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := reply{resp.StatusCode, resp.Header, b}
			if r.status != tc.status {
				t.Fatalf("got %v, want %d", r, tc.status)
			}
			if tc.code != "" {
				if typ, code, _ := r.apiErr(t); code != tc.code || typ != "invalid_request_error" {
					t.Fatalf("error type/code = %s/%s, want invalid_request_error/%s", typ, code, tc.code)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
	for _, path := range []string{"/v1/models", "/v1/jobs", "/metrics"} {
		if r := ts.do(t, "GET", path, "", nil, ""); r.status != 401 {
			t.Errorf("GET %s without key: %v", path, r)
		}
	}
	if r := ts.do(t, "GET", "/healthz", "", nil, ""); r.status != 200 {
		t.Errorf("healthz without key: %v", r)
	}
}

func TestUnauthenticatedAndPublicMetrics(t *testing.T) {
	cfg := testConfig(t)
	cfg.APIKeyHashes, cfg.AllowUnauthenticated, cfg.PublicMetrics = nil, true, true
	ts := start(t, cfg, fakeDeps(newFake()))
	if r := ts.upload(t, "/v1/audio/transcriptions", "", form{file: fakeAudio(time.Second)}); r.status != 200 {
		t.Fatalf("unauthenticated server refused: %v", r)
	}
	if r := ts.do(t, "GET", "/metrics", "", nil, ""); r.status != 200 {
		t.Fatalf("public metrics: %v", r)
	}
}

// TestResponseFormats checks every response_format of both OpenAI endpoints against golden files.
func TestResponseFormats(t *testing.T) {
	eng := newFake()
	ts := start(t, testConfig(t), fakeDeps(eng))
	for _, tc := range []struct {
		name, path, format string
		grans              []string
		ctype              string
	}{
		{"json", "transcriptions", "json", nil, "application/json"},
		{"default", "transcriptions", "", nil, "application/json"},
		{"text", "transcriptions", "text", nil, "text/plain; charset=utf-8"},
		{"srt", "transcriptions", "srt", nil, "text/plain; charset=utf-8"},
		{"vtt", "transcriptions", "vtt", nil, "text/vtt; charset=utf-8"},
		{"verbose_json", "transcriptions", "verbose_json", nil, "application/json"},
		{"verbose_json_words", "transcriptions", "verbose_json", []string{"word"}, "application/json"},
		{"verbose_json_words_segments", "transcriptions", "verbose_json", []string{"word", "segment"}, "application/json"},
		{"translate_json", "translations", "json", nil, "application/json"},
		{"translate_verbose_json", "translations", "verbose_json", nil, "application/json"},
		{"translate_srt", "translations", "srt", nil, "text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := form{file: fakeAudio(11 * time.Second), fields: [][2]string{{"model", "whisper-1"}, {"prompt", "Americans"}}}
			if tc.format != "" {
				f.fields = append(f.fields, [2]string{"response_format", tc.format})
			}
			for _, g := range tc.grans {
				f.fields = append(f.fields, [2]string{"timestamp_granularities[]", g})
			}
			r := ts.upload(t, "/v1/audio/"+tc.path, testKey, f)
			if r.status != 200 {
				t.Fatalf("got %v", r)
			}
			if got := r.header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
			}
			if strings.Contains(tc.ctype, "json") && !json.Valid(r.body) {
				t.Fatalf("invalid JSON: %s", r.body)
			}
			golden(t, filepath.Join("testdata", "formats", tc.name+".golden"), r.body)
			call := eng.lastCall()
			if call.Translate != (tc.path == "translations") || call.Prompt != "Americans" || call.WordTimestamps != (len(tc.grans) > 0 && tc.grans[0] == "word") {
				t.Errorf("engine got %+v", call)
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestBadRequests(t *testing.T) {
	eng := newFake()
	cfg := testConfig(t)
	cfg.Models["english"] = fakeModel(t, "english-only weights")
	deps := fakeDeps(eng)
	english := &fakeEngine{info: ModelInfo{Type: "fake.en"}}
	deps.Open = func(p string) (Transcriber, error) {
		if p == cfg.Models["english"] {
			return english, nil
		}
		return eng, nil
	}
	cfg.DefaultModel = "fake"
	ts := start(t, cfg, deps)
	audio := fakeAudio(time.Second)
	for _, tc := range []struct {
		name   string
		path   string
		f      form
		status int
		code   string
		param  string
		msg    string
	}{
		{"no file", "transcriptions", form{noFile: true, fields: [][2]string{{"model", "fake"}}}, 400, "missing_file", "file", ""},
		{"empty file", "transcriptions", form{file: nil}, 400, "invalid_file", "file", ""},
		{"corrupt audio", "transcriptions", form{file: []byte("BAD audio")}, 400, "invalid_file", "file", "corrupt data: not a known audio format"},
		{"no audio in file", "transcriptions", form{file: []byte("SILENT")}, 400, "invalid_file", "file", "no audio"},
		{"decoder unavailable", "transcriptions", form{file: []byte("NOTOOL")}, 500, "internal_error", "", "ffmpeg not found"},
		{"unknown model", "transcriptions", form{file: audio, fields: [][2]string{{"model", "large-v9"}}}, 400, "model_not_found", "model", "large-v9"},
		{"bad format", "transcriptions", form{file: audio, fields: [][2]string{{"response_format", "docx"}}}, 400, "invalid_response_format", "response_format", ""},
		{"bad temperature", "transcriptions", form{file: audio, fields: [][2]string{{"temperature", "1.5"}}}, 400, "invalid_temperature", "temperature", ""},
		{"nan temperature", "transcriptions", form{file: audio, fields: [][2]string{{"temperature", "NaN"}}}, 400, "invalid_temperature", "temperature", ""},
		{"bad language", "transcriptions", form{file: audio, fields: [][2]string{{"language", "klingon"}}}, 400, "unsupported_language", "language", ""},
		{"granularity without verbose_json", "transcriptions", form{file: audio, fields: [][2]string{{"timestamp_granularities[]", "word"}}}, 400, "invalid_request", "timestamp_granularities", ""},
		{"bad granularity", "transcriptions", form{file: audio, fields: [][2]string{{"response_format", "verbose_json"}, {"timestamp_granularities[]", "char"}}}, 400, "invalid_timestamp_granularity", "timestamp_granularities", ""},
		{"streaming subtitles", "transcriptions", form{file: audio, fields: [][2]string{{"stream", "true"}, {"response_format", "srt"}}}, 400, "invalid_request", "stream", ""},
		{"stream not a bool", "transcriptions", form{file: audio, fields: [][2]string{{"stream", "maybe"}}}, 400, "invalid_request", "stream", ""},
		{"two files", "transcriptions", form{file: audio, fields: [][2]string{{"file", "x"}}}, 400, "invalid_request", "file", ""},
		{"long prompt", "transcriptions", form{file: audio, fields: [][2]string{{"prompt", strings.Repeat("x", maxFieldBytes+1)}}}, 400, "field_too_long", "prompt", ""},
		{"english-only model cannot translate", "translations", form{file: audio, fields: [][2]string{{"model", "english"}}}, 400, "model_not_multilingual", "model", ""},
		{"bad keep_result", "../jobs", form{file: audio, fields: [][2]string{{"keep_result", "maybe"}}}, 400, "invalid_request", "keep_result", ""},
		{"bad task", "../jobs", form{file: audio, fields: [][2]string{{"task", "summarize"}}}, 400, "invalid_request", "task", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.upload(t, "/v1/audio/"+tc.path, testKey, tc.f)
			if r.status != tc.status {
				t.Fatalf("got %v, want %d", r, tc.status)
			}
			_, code, param := r.apiErr(t)
			if code != tc.code {
				t.Errorf("code = %q, want %q (%s)", code, tc.code, r.body)
			}
			if (param == nil) != (tc.param == "") || param != nil && *param != tc.param {
				t.Errorf("param = %v, want %q", param, tc.param)
			}
			if !strings.Contains(string(r.body), tc.msg) {
				t.Errorf("message lacks %q: %s", tc.msg, r.body)
			}
		})
	}

	// Not multipart at all, and wrong methods and paths.
	if r := ts.do(t, "POST", "/v1/audio/transcriptions", testKey, strings.NewReader(`{"file":"x"}`), "application/json"); r.status != 400 {
		t.Errorf("JSON body: %v", r)
	}
	if r := ts.do(t, "GET", "/v1/audio/transcriptions", testKey, nil, ""); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET on upload endpoint: %v", r)
	} else {
		r.apiErr(t)
	}
	if r := ts.do(t, "GET", "/v1/nothing", testKey, nil, ""); r.status != 404 {
		t.Errorf("unknown path: %v", r)
	} else {
		r.apiErr(t)
	}
	// The server still works after all that.
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: audio}); r.status != 200 {
		t.Fatalf("after errors: %v", r)
	}
}

func TestRequestSizeLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxUploadBytes = 64 << 10
	ts := start(t, cfg, fakeDeps(newFake()))
	big, ct := form{file: make([]byte, 100<<10)}.encode()

	// With a Content-Length the server answers before reading the body.
	r := ts.do(t, "POST", "/v1/audio/transcriptions", testKey, bytes.NewReader(big), ct)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("with Content-Length: %v", r)
	}
	if _, code, _ := r.apiErr(t); code != "file_too_large" {
		t.Errorf("code %q", code)
	}
	// Chunked, without a Content-Length, the limit cuts the stream.
	r = ts.do(t, "POST", "/v1/audio/transcriptions", testKey, io.MultiReader(bytes.NewReader(big)), ct)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: %v", r)
	}
	// Just under the limit works.
	ok, ct := form{file: make([]byte, 60<<10)}.encode()
	if r := ts.do(t, "POST", "/v1/audio/transcriptions", testKey, bytes.NewReader(ok), ct); r.status != 200 {
		t.Fatalf("under the limit: %v", r)
	}
	// No slot leaked: the queue is empty again.
	waitFor(t, "every queue slot free", func() bool { return len(ts.slots) == 0 })
}

func TestModels(t *testing.T) {
	cfg := testConfig(t)
	ts := start(t, cfg, fakeDeps(newFake()))
	r := ts.get(t, "/v1/models")
	if r.status != 200 {
		t.Fatal(r)
	}
	var list struct {
		Object string
		Data   []struct {
			ID, Object, File, SHA256, Type, Backend string
			Size                                    int64
			Multilingual, Default                   bool
		}
		Server struct{ Version, Engine string }
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 {
		t.Fatalf("models: %s", r.body)
	}
	m := list.Data[0]
	if m.ID != "fake" || m.Object != "model" || m.File != "ggml-fake.bin" || m.Size != 18 || !m.Default || m.Type != "fake" || !m.Multilingual || m.Backend != "cpu" {
		t.Errorf("model: %+v", m)
	}
	if want := HashKey("fake model weights")[len("sha256:"):]; m.SHA256 != want {
		t.Errorf("sha256 = %s, want %s", m.SHA256, want)
	}
	if list.Server.Version != "test" || list.Server.Engine != "fake 1.0" {
		t.Errorf("server: %+v", list.Server)
	}
	if strings.Contains(string(r.body), filepath.Dir(cfg.Models["fake"])) {
		t.Error("/v1/models reveals the model directory")
	}
	if r := ts.get(t, "/v1/models/whisper-1"); r.status != 200 || !strings.Contains(string(r.body), `"id":"fake"`) {
		t.Errorf("whisper-1 alias: %v", r)
	}
	if r := ts.get(t, "/v1/models/nope"); r.status != 404 {
		t.Errorf("unknown model: %v", r)
	}
}

func TestTemperature(t *testing.T) {
	eng := newFake()
	ts := start(t, testConfig(t), fakeDeps(eng))
	for _, c := range []struct {
		sent     string
		fallback bool
		reported string
	}{
		{"", false, `"temperature":0,`},
		{"0", true, `"temperature":0,`},
		{"0.4", false, `"temperature":0.4,`},
	} {
		f := form{file: fakeAudio(time.Second), fields: [][2]string{{"response_format", "verbose_json"}}}
		if c.sent != "" {
			f.fields = append(f.fields, [2]string{"temperature", c.sent})
		}
		r := ts.upload(t, "/v1/audio/transcriptions", testKey, f)
		if r.status != 200 || !strings.Contains(string(r.body), c.reported) {
			t.Errorf("temperature %q: %v", c.sent, r)
		}
		if got := eng.lastCall(); got.TemperatureFallback != c.fallback {
			t.Errorf("temperature %q: fallback %v, want %v", c.sent, got.TemperatureFallback, c.fallback)
		}
	}
}

func TestClampTimes(t *testing.T) {
	tr := sampleTranscript(Options{WordTimestamps: true})
	tr.Segments[0].Start = -time.Second
	clampTimes(tr, 10*time.Second)
	if s := tr.Segments; s[0].Start != 0 || s[1].End != 10*time.Second || s[1].Words[1].End != 10*time.Second || s[1].Start != 2400*time.Millisecond {
		t.Errorf("clamped: %+v", s)
	}
}

func TestModelsInDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"ggml-base.en.bin", "large-v3.bin", "notes.txt", ".hidden.bin", "ggml-.bin"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub.bin"), 0o755)
	got, err := ModelsInDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"base.en": filepath.Join(dir, "ggml-base.en.bin"), "large-v3": filepath.Join(dir, "large-v3.bin")}
	if len(got) != len(want) || got["base.en"] != want["base.en"] || got["large-v3"] != want["large-v3"] {
		t.Errorf("ModelsInDir = %v, want %v", got, want)
	}
	if _, err := ModelsInDir(t.TempDir()); err == nil {
		t.Error("empty directory accepted")
	}
	if _, err := ModelsInDir(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}
