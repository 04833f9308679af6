package backupserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a backup server on a loopback TLS listener with SQLite and file storage in a
// temporary directory.
type harness struct {
	t      testing.TB
	url    string
	client *http.Client
	pool   *x509.CertPool
	dir    string
	meta   backupserver.Meta
	blobs  backupserver.Blobs
	clock  *fakeClock
}

type harnessOption func(*backupserver.Config)

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	dir := t.TempDir()
	meta, err := backupserver.OpenSQLite(context.Background(), filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	blobs, err := backupserver.NewFileBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return startHarness(t, dir, meta, blobs, opts...)
}

func startHarness(t testing.TB, dir string, meta backupserver.Meta, blobs backupserver.Blobs, opts ...harnessOption) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	cfg := backupserver.Config{
		Meta: meta, Blobs: blobs, Clock: clock.Now, Argon2: backupserver.TestingArgon2(),
		MaxObjectSize: 1 << 20, AuthPerMinute: 6000, AuthBurst: 1000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := backupserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := backupserver.SelfSignedPEM(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer("", cert)
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}},
	}
	t.Cleanup(client.CloseIdleConnections)
	return &harness{t: t, url: "https://" + ln.Addr().String(), client: client, pool: pool, dir: dir, meta: meta, blobs: blobs, clock: clock}
}

// request is one HTTP request for harness.do.
type request struct {
	method, path, token string
	header              map[string]string
	body                []byte
	json                any
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) apiError() api.Error {
	var e api.Error
	json.Unmarshal(r.body, &e)
	return e
}

func (h *harness) do(req request) response {
	h.t.Helper()
	body := req.body
	if req.json != nil {
		var err error
		if body, err = json.Marshal(req.json); err != nil {
			h.t.Fatal(err)
		}
	}
	r, err := http.NewRequest(req.method, h.url+req.path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	resp, err := h.client.Do(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: read body: %v", req.method, req.path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// user is a signed-up account as a test sees it.
type user struct {
	email   string
	authKey []byte
	session api.Session
}

func randomKey() []byte {
	k := make([]byte, api.AuthKeySize)
	rand.Read(k)
	return k
}

func (h *harness) signUp(email string) user {
	h.t.Helper()
	u := user{email: email, authKey: randomKey()}
	resp := h.do(request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: email, AuthKey: u.authKey, KeyFile: []byte("wrapped key"), DeviceName: "laptop"}})
	if resp.status != http.StatusCreated {
		h.t.Fatalf("sign up %s: %d %s", email, resp.status, resp.body)
	}
	if err := json.Unmarshal(resp.body, &u.session); err != nil {
		h.t.Fatal(err)
	}
	return u
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// put uploads data as object id with base version base.
func (h *harness) put(token, id string, base int64, data []byte) response {
	h.t.Helper()
	return h.do(request{method: "PUT", path: "/v1/objects/" + id, token: token, body: data,
		header: map[string]string{api.HeaderIfMatch: strconv.FormatInt(base, 10), api.HeaderContentSHA256: sum(data)}})
}

func (h *harness) mustPut(token, id string, base int64, data []byte) api.Object {
	h.t.Helper()
	resp := h.put(token, id, base, data)
	if resp.status != http.StatusOK {
		h.t.Fatalf("PUT %s: %d %s", id, resp.status, resp.body)
	}
	var o api.Object
	if err := json.Unmarshal(resp.body, &o); err != nil {
		h.t.Fatal(err)
	}
	return o
}

func (h *harness) changes(token string, since string) api.Changes {
	h.t.Helper()
	resp := h.do(request{method: "GET", path: "/v1/changes?since=" + since, token: token})
	if resp.status != http.StatusOK {
		h.t.Fatalf("changes: %d %s", resp.status, resp.body)
	}
	var c api.Changes
	if err := json.Unmarshal(resp.body, &c); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func mustStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d (%s), want %d", what, r.status, r.body, want)
	}
}
