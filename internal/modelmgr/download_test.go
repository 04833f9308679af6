package modelmgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/models"
)

type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progressLog) fn(done, total int64) {
	p.mu.Lock()
	p.calls = append(p.calls, [2]int64{done, total})
	p.mu.Unlock()
}

func (p *progressLog) check(t *testing.T, first, total int64) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		t.Fatal("progress never called")
	}
	if p.calls[0][0] != first {
		t.Errorf("first progress %d, want %d", p.calls[0][0], first)
	}
	prev := int64(-1)
	for _, c := range p.calls {
		if c[1] != total || c[0] < prev || c[0] > total {
			t.Fatalf("bad progress sequence %v", p.calls)
		}
		prev = c[0]
	}
	if last := p.calls[len(p.calls)-1]; last != [2]int64{total, total} {
		t.Errorf("last progress %v, want [%d %d]", last, total, total)
	}
}

func assertInstalled(t *testing.T, m *Manager, want []byte) {
	t.Helper()
	p, err := m.Path("fake")
	if err != nil {
		t.Fatalf("Path: %v", err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("installed file differs (%d bytes, want %d)", len(got), len(want))
	}
	for _, leftover := range []string{".part", ".meta"} {
		if _, err := os.Stat(filepath.Join(m.Dir(), partialDir, "ggml-fake.bin"+leftover)); err == nil {
			t.Errorf("%s left behind after a successful download", leftover)
		}
	}
}

func assertNotInstalled(t *testing.T, m *Manager) {
	t.Helper()
	if _, err := m.Path("fake"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Path after failure: %v, want ErrNotInstalled", err)
	}
	list, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("List after failure: %+v", list)
	}
}

func TestDownload(t *testing.T) {
	data := fakeModel(1, fakeSize)
	var rec recorder
	srv := httptest.NewServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, data, fakeETag)
	}))
	defer srv.Close()
	m := newManager(t, t.TempDir(), srv, testCatalog(data))

	var prog progressLog
	p, err := m.Download(context.Background(), "fake", prog.fn)
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if p != filepath.Join(m.Dir(), "ggml-fake.bin") {
		t.Errorf("path %q", p)
	}
	assertInstalled(t, m, data)
	prog.check(t, 0, fakeSize)
	reqs := rec.requests()
	if len(reqs) != 1 || reqs[0].Path != "/ggml-fake.bin" || reqs[0].Range != "" || reqs[0].Status != 200 {
		t.Errorf("requests %+v", reqs)
	}

	// Downloading an installed model is a no-op without network traffic.
	if _, err := m.Download(context.Background(), "ggml-fake.bin", nil); err != nil {
		t.Fatalf("second Download: %v", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("second Download made %d requests in total, want 1", n)
	}
	list, err := m.List()
	if err != nil || len(list) != 1 || !list[0].Known || list[0].Name != "fake" || list[0].SizeMismatch {
		t.Errorf("List = %+v, %v", list, err)
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	data := fakeModel(1, fakeSize)
	corrupt := bytes.Clone(data)
	corrupt[fakeSize/2] ^= 0x40
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, corrupt, fakeETag)
	}))
	defer srv.Close()
	m := newManager(t, t.TempDir(), srv, testCatalog(data))

	_, err := m.Download(context.Background(), "fake", nil)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("Download: %v, want ErrChecksum", err)
	}
	assertNotInstalled(t, m)
	if n := fileSize(t, filepath.Join(m.Dir(), partialDir, "ggml-fake.bin.part")); n != -1 {
		t.Errorf("partial file kept after checksum mismatch (%d bytes)", n)
	}
}

func TestDownloadSHA1Only(t *testing.T) {
	data := fakeModel(2, fakeSize)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, data, fakeETag)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name string
		sha1 string
		want error
	}{
		{"match", sha1Hex(data), nil},
		{"mismatch", sha1Hex([]byte("other")), ErrChecksum},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cat := testCatalog(data)
			cat[0].SHA256, cat[0].SHA1 = "", tt.sha1
			m := newManager(t, t.TempDir(), srv, cat)
			_, err := m.Download(context.Background(), "fake", nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Download: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDownloadResume drops the connection mid-file, then checks that the
// next Download asks for exactly the missing bytes and finishes the file.
func TestDownloadResume(t *testing.T) {
	const dropAt = 200_000
	data := fakeModel(3, fakeSize)
	tests := []struct {
		name string
		// second serves every request after the dropped one.
		second     func(w http.ResponseWriter, r *http.Request)
		wantStatus int
		wantSent   int64
		firstDone  int64 // first progress report: bytes kept from the partial
	}{
		{"range honoured", func(w http.ResponseWriter, r *http.Request) {
			serveFile(w, r, data, fakeETag)
		}, http.StatusPartialContent, fakeSize - dropAt, dropAt},
		{"range ignored", func(w http.ResponseWriter, r *http.Request) {
			serveIgnoringRange(w, data)
		}, http.StatusOK, fakeSize, 0},
		{"file changed", func(w http.ResponseWriter, r *http.Request) {
			// A new ETag: If-Range fails and the whole (same) body comes back.
			serveFile(w, r, data, `"v2"`)
		}, http.StatusOK, fakeSize, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			var calls atomic.Int32
			srv := httptest.NewServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					serveDropping(t, w, data, dropAt)
					return
				}
				tt.second(w, r)
			}))
			defer srv.Close()
			m := newManager(t, t.TempDir(), srv, testCatalog(data))

			_, err := m.Download(context.Background(), "fake", nil)
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("first Download: %v, want ErrInterrupted", err)
			}
			assertNotInstalled(t, m)
			part := filepath.Join(m.Dir(), partialDir, "ggml-fake.bin.part")
			if n := fileSize(t, part); n != dropAt {
				t.Fatalf("partial file has %d bytes, want %d", n, dropAt)
			}

			var prog progressLog
			if _, err := m.Download(context.Background(), "fake", prog.fn); err != nil {
				t.Fatalf("resumed Download: %v", err)
			}
			assertInstalled(t, m, data)
			prog.check(t, tt.firstDone, fakeSize)

			reqs := rec.requests()
			if len(reqs) != 2 {
				t.Fatalf("requests %+v", reqs)
			}
			got := reqs[1]
			if got.Range != fmt.Sprintf("bytes=%d-", dropAt) || got.IfRange != fakeETag {
				t.Errorf("resume request Range=%q If-Range=%q", got.Range, got.IfRange)
			}
			if got.Status != tt.wantStatus || got.Sent != tt.wantSent {
				t.Errorf("resume response status %d with %d bytes, want %d with %d", got.Status, got.Sent, tt.wantStatus, tt.wantSent)
			}
		})
	}
}

func TestDownloadRangeNotSatisfiable(t *testing.T) {
	data := fakeModel(4, fakeSize)
	var rec recorder
	srv := httptest.NewServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		serveFile(w, r, data, fakeETag)
	}))
	defer srv.Close()
	m := newManager(t, t.TempDir(), srv, testCatalog(data))
	if err := os.MkdirAll(filepath.Join(m.Dir(), partialDir), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(m.Dir(), partialDir, "ggml-fake.bin.part"), []byte("lmgg-stale"))

	if _, err := m.Download(context.Background(), "fake", nil); err != nil {
		t.Fatalf("Download: %v", err)
	}
	assertInstalled(t, m, data)
	if reqs := rec.requests(); len(reqs) != 2 || reqs[1].Range != "" {
		t.Errorf("requests %+v, want a ranged one then a full one", reqs)
	}
}

func TestDownloadErrors(t *testing.T) {
	data := fakeModel(5, fakeSize)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
		status  int // expected *StatusError code, 0 for none
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, ErrNotFound, 404},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, nil, 500},
		{"wrong length", func(w http.ResponseWriter, r *http.Request) { serveIgnoringRange(w, data[:1000]) }, ErrChecksum, 0},
		{"short body without length", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200) // chunked, ends cleanly after half the file
			w.Write(data[:fakeSize/2])
		}, ErrInterrupted, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			m := newManager(t, t.TempDir(), srv, testCatalog(data))
			_, err := m.Download(context.Background(), "fake", nil)
			if err == nil {
				t.Fatal("Download succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Download: %v, want %v", err, tt.want)
			}
			if tt.status != 0 {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.status {
					t.Errorf("error %v is not a *StatusError with code %d", err, tt.status)
				}
				if n := fileSize(t, filepath.Join(m.Dir(), partialDir, "ggml-fake.bin.part")); n != -1 {
					t.Errorf("HTTP error left a partial file")
				}
			}
			assertNotInstalled(t, m)
		})
	}
}

func TestDownloadMirror(t *testing.T) {
	data := fakeModel(6, fakeSize)
	var rec recorder
	srv := httptest.NewServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mirror/whisper/ggml-fake.bin" {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, data, fakeETag)
	}))
	defer srv.Close()
	// No trailing slash: the file name is still appended as a path element.
	m, err := New(Config{Dir: t.TempDir(), BaseURL: srv.URL + "/mirror/whisper", HTTPClient: srv.Client(), Catalog: testCatalog(data)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Download(context.Background(), "fake", nil); err != nil {
		t.Fatalf("Download: %v (requests %+v)", err, rec.requests())
	}
	assertInstalled(t, m, data)
}

func TestDownloadCancel(t *testing.T) {
	const sendFirst = 300_000
	data := fakeModel(7, fakeSize)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			serveFile(w, r, data, fakeETag)
			return
		}
		w.Header().Set("ETag", fakeETag)
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(200)
		w.Write(data[:sendFirst])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // stall until the client gives up
	}))
	defer srv.Close()
	m := newManager(t, t.TempDir(), srv, testCatalog(data))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := m.Download(ctx, "fake", func(done, total int64) {
		if done >= sendFirst {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Download: %v, want context.Canceled and ErrInterrupted", err)
	}
	assertNotInstalled(t, m)
	if n := fileSize(t, filepath.Join(m.Dir(), partialDir, "ggml-fake.bin.part")); n != sendFirst {
		t.Errorf("partial has %d bytes, want %d", n, sendFirst)
	}
	if _, err := m.Download(context.Background(), "fake", nil); err != nil {
		t.Fatalf("resume after cancel: %v", err)
	}
	assertInstalled(t, m, data)
}

// TestDownloadConcurrent starts several downloads of one model, through one
// Manager and through a second Manager on the same directory (as another
// process would): exactly one transfer happens.
func TestDownloadConcurrent(t *testing.T) {
	data := fakeModel(8, fakeSize)
	var rec recorder
	srv := httptest.NewServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond) // keep the first download busy
		serveFile(w, r, data, fakeETag)
	}))
	defer srv.Close()
	dir := t.TempDir()
	m1 := newManager(t, dir, srv, testCatalog(data))
	m2 := newManager(t, dir, srv, testCatalog(data))

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, m := range []*Manager{m1, m1, m2, m2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.Download(context.Background(), "fake", nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Download: %v", err)
		}
	}
	assertInstalled(t, m1, data)
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestDownloadRefusals(t *testing.T) {
	data := fakeModel(9, 100)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	offline, err := New(Config{Dir: t.TempDir(), Catalog: testCatalog(data)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := offline.Download(context.Background(), "fake", nil); !errors.Is(err, ErrNoNetwork) {
		t.Errorf("Download without client: %v, want ErrNoNetwork", err)
	}
	m := newManager(t, t.TempDir(), srv, testCatalog(data))
	if _, err := m.Download(context.Background(), "../../etc/passwd", nil); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Download unknown: %v, want ErrUnknownModel", err)
	}
	if hits.Load() != 0 {
		t.Errorf("refused downloads reached the server")
	}
}

func TestNewConfig(t *testing.T) {
	good := testCatalog(fakeModel(1, 10))
	bad := []models.Entry{{Name: "x", File: "../x.bin", Size: 1, SHA256: good[0].SHA256}}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Dir: t.TempDir()}, true},
		{"no dir", Config{}, false},
		{"ftp mirror", Config{Dir: t.TempDir(), BaseURL: "ftp://mirror/models/"}, false},
		{"relative mirror", Config{Dir: t.TempDir(), BaseURL: "models/"}, false},
		{"bad catalogue", Config{Dir: t.TempDir(), Catalog: bad}, false},
		{"https mirror", Config{Dir: t.TempDir(), BaseURL: "https://mirror.example/whisper/", Catalog: good}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New: %v", err)
			}
			if tt.ok && len(m.Catalog()) == 0 {
				t.Errorf("empty catalogue")
			}
		})
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in                    string
		first, last, complete int64
		ok                    bool
	}{
		{"bytes 0-99/100", 0, 99, 100, true},
		{"bytes 200000-599999/600000", 200000, 599999, 600000, true},
		{"bytes 5-9/*", 5, 9, -1, true},
		{" bytes 5-9/10 ", 5, 9, 10, true},
		{"bytes */100", 0, 0, 0, false},
		{"bytes 9-5/10", 0, 0, 0, false},
		{"bytes 5-10/10", 0, 0, 0, false},
		{"bytes -5-9/10", 0, 0, 0, false},
		{"bytes +5-9/10", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"bytes 0-1", 0, 0, 0, false},
		{"bytes 0-99999999999999999999/1", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		f, l, c, err := parseContentRange(tt.in)
		if (err == nil) != tt.ok || (tt.ok && (f != tt.first || l != tt.last || c != tt.complete)) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", tt.in, f, l, c, err)
		}
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 5-9/*", "bytes */100", "bytes 1-0/2", "bytes 0-0/1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, complete, err := parseContentRange(s)
		if err != nil {
			return
		}
		if first < 0 || last < first || (complete != -1 && last >= complete) {
			t.Fatalf("parseContentRange(%q) = %d, %d, %d", s, first, last, complete)
		}
		total := "*"
		if complete >= 0 {
			total = fmt.Sprint(complete)
		}
		f2, l2, c2, err := parseContentRange(fmt.Sprintf("bytes %d-%d/%s", first, last, total))
		if err != nil || f2 != first || l2 != last || c2 != complete {
			t.Fatalf("round trip of %q failed", s)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	data := fakeModel(10, 8<<20)
	p := filepath.Join(b.TempDir(), "ggml-fake.bin")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		b.Fatal(err)
	}
	e := testCatalog(data)[0]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := verifyFile(context.Background(), p, e); err != nil {
			b.Fatal(err)
		}
	}
}
