package backupserver_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
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

// harness is a backup server (backuptest) with a fake clock and a 1 MiB object size limit, and an
// HTTPS client that trusts its certificate.
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

// newHarness starts a harness with SQLite and file storage in a temporary directory.
func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	return startHarness(t, nil, nil, opts...)
}

// startHarness starts a harness on meta and blobs; a nil one is backuptest's default (SQLite
// metadata or file blobs in a temporary directory).
func startHarness(t testing.TB, meta backupserver.Meta, blobs backupserver.Blobs, opts ...harnessOption) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s := backuptest.StartWith(t, backuptest.Options{Meta: meta, Blobs: blobs, Config: func(c *backupserver.Config) {
		c.Clock, c.MaxObjectSize = clock.Now, 1<<20
		for _, o := range opts {
			o(c)
		}
	}})
	if meta == nil {
		meta = s.Meta()
	}
	pool := s.CertPool()
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}},
	}
	t.Cleanup(client.CloseIdleConnections)
	return &harness{t: t, url: s.URL, client: client, pool: pool, dir: s.Dir, meta: meta, blobs: s.Blobs(), clock: clock}
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
