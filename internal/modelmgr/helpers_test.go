package modelmgr

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/models"
)

const (
	fakeSize = 600_000 // a few receive buffers
	fakeETag = `"v1"`
)

// fakeModel returns deterministic bytes that start with the ggml magic.
// They are not weights; nothing in this package loads them.
func fakeModel(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, magicGGML)
	return b
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func sha1Hex(b []byte) string   { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }

// testCatalog describes one fake model, "fake" in "ggml-fake.bin".
func testCatalog(data []byte) []models.Entry {
	return []models.Entry{{
		Name:         "fake",
		File:         "ggml-fake.bin",
		Size:         int64(len(data)),
		SHA256:       sha256Hex(data),
		Multilingual: true,
		Description:  "test model",
	}}
}

func newManager(t *testing.T, dir string, srv *httptest.Server, catalog []models.Entry) *Manager {
	t.Helper()
	cfg := Config{Dir: dir, Catalog: catalog}
	if srv != nil {
		cfg.BaseURL = srv.URL + "/"
		cfg.HTTPClient = srv.Client()
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// request is what the test server saw of one request.
type request struct {
	Path, Range, IfRange string
	Status               int
	Sent                 int64
}

// recorder wraps a handler and records every request.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (rec *recorder) wrap(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countWriter{ResponseWriter: w, status: http.StatusOK}
		h(cw, r)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, request{r.URL.Path, r.Header.Get("Range"), r.Header.Get("If-Range"), cw.status, cw.n})
		rec.mu.Unlock()
	})
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

type countWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countWriter) WriteHeader(code int) { c.status = code; c.ResponseWriter.WriteHeader(code) }
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}
func (c *countWriter) Flush() { c.ResponseWriter.(http.Flusher).Flush() }
func (c *countWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return c.ResponseWriter.(http.Hijacker).Hijack()
}

// serveFile serves data with Range and If-Range support.
func serveFile(w http.ResponseWriter, r *http.Request, data []byte, etag string) {
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Unix(1_700_000_000, 0), bytes.NewReader(data))
}

// serveIgnoringRange always answers 200 with the whole file.
func serveIgnoringRange(w http.ResponseWriter, data []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// serveDropping sends the headers for the whole file, then only the first
// n bytes, then closes the connection.
func serveDropping(t *testing.T, w http.ResponseWriter, data []byte, n int) {
	w.Header().Set("ETag", fakeETag)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data[:n])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// visibleFiles lists the non-hidden entries of dir, sorted.
func visibleFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if de.Name()[0] != '.' {
			out = append(out, de.Name())
		}
	}
	sort.Strings(out)
	return out
}

// hiddenTemps lists leftover temporary files in dir.
func hiddenTemps(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{".import-*", ".tmp-*"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		out = append(out, m...)
	}
	return out
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return fi.Size()
}

func writeFile(t *testing.T, p string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
