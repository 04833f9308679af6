package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzUpload feeds arbitrary multipart bodies to the transcription endpoint: every answer must be
// a 200 or a well-formed OpenAI error with a 4xx status, and no request may leak a queue slot.
func FuzzUpload(f *testing.F) {
	const boundary = "fuzzboundary"
	seed := func(fields [][2]string, file []byte) []byte {
		body, ct := form{fields: fields, file: file}.encode()
		// Re-frame with the fixed boundary the fuzz body uses.
		old := ct[strings.Index(ct, "boundary=")+len("boundary="):]
		return bytes.ReplaceAll(body, []byte(old), []byte(boundary))
	}
	audio := fakeAudio(2 * time.Second)
	for _, fmtName := range []string{"json", "text", "srt", "vtt", "verbose_json"} {
		f.Add(seed([][2]string{{"response_format", fmtName}}, audio))
	}
	f.Add(seed([][2]string{{"response_format", "verbose_json"}, {"timestamp_granularities[]", "word"}, {"language", "en"}}, audio))
	f.Add(seed([][2]string{{"temperature", "0.2"}, {"prompt", "x"}}, []byte("BAD")))
	f.Add(seed(nil, nil))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"))
	f.Add([]byte{})

	cfg := testConfig(f)
	cfg.MaxUploadBytes = 64 << 10
	s, err := New(cfg, fakeDeps(newFake()))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Shutdown(f.Context()) })
	h := s.Handler()

	f.Fuzz(func(t *testing.T, body []byte) {
		req := newRequest("POST", "/v1/audio/transcriptions", bytes.NewReader(body), "multipart/form-data; boundary="+boundary)
		r := record(h, req)
		switch {
		case r.status == http.StatusOK:
		case r.status >= 400 && r.status < 500:
			var e errorBody
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
				t.Fatalf("bad error body: %v", r)
			}
		default:
			t.Fatalf("unexpected answer %v", r)
		}
		// A worker frees its slot just after the handler has its answer.
		for i := 0; len(s.slots) != 0; i++ {
			if i == 1000 {
				t.Fatalf("%d queue slots leaked", len(s.slots))
			}
			time.Sleep(time.Millisecond)
		}
	})
}
