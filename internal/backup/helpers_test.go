package backup

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// testIterations is the PBKDF2 count of the tests (only test binaries accept it).
const testIterations = 1000

// objectCount counts the server's live objects: transcripts, signed tombstones and the account
// manifest.
func objectCount(t *testing.T, srv *backuptest.Server) int {
	t.Helper()
	var n int
	if err := srv.Meta().DB().QueryRow("SELECT COUNT(*) FROM objects WHERE deleted = 0").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// device is one client installation: a library, a keychain and a state file in its own folder.
type device struct {
	dir      string
	lib      Library
	keychain *keychain.Memory
	client   *Client
	rt       *flakyTransport
}

func newDevice(t *testing.T, srv *backuptest.Server, lib Library, dir string) *device {
	t.Helper()
	return newDeviceAt(t, srv.URL, srv.CertPool(), lib, dir)
}

// newDeviceAt is newDevice for a server at url whose certificate is in roots (a proxy in front of
// the test server, say).
func newDeviceAt(t *testing.T, url string, roots *x509.CertPool, lib Library, dir string) *device {
	t.Helper()
	d := &device{dir: dir, lib: lib, keychain: &keychain.Memory{}}
	d.rt = &flakyTransport{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}}}
	t.Cleanup(d.rt.next.(*http.Transport).CloseIdleConnections)
	c, err := New(lib, Config{
		Server:     url,
		StatePath:  filepath.Join(dir, "backup-state.json"),
		Keychain:   d.keychain,
		HTTPClient: &http.Client{Transport: d.rt, Timeout: time.Minute},
		DeviceName: filepath.Base(dir),
		Iterations: testIterations,
		WrapParams: vault.TestingParams(),
	})
	if err != nil {
		t.Fatal(err)
	}
	d.client = c
	return d
}

func newMemDevice(t *testing.T, srv *backuptest.Server) *device {
	return newDevice(t, srv, newMemLibrary(), t.TempDir())
}

func (d *device) sync(t *testing.T) Report {
	t.Helper()
	rep, err := d.client.Sync(context.Background())
	if err != nil {
		t.Fatalf("sync %s: %v (report %+v)", d.dir, err, rep)
	}
	return rep
}

// flakyTransport can fail requests: before sending them (failBefore), or after the server handled
// them, dropping the answer (dropAfter), after a number of successful requests.
type flakyTransport struct {
	next       http.RoundTripper
	mu         sync.Mutex
	allow      int  // requests still let through when armed
	armed      bool // failing is enabled
	dropAnswer bool // fail after sending instead of before
	offline    bool
	requests   atomic.Int64
}

var errInjected = errors.New("injected network failure")

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.requests.Add(1)
	f.mu.Lock()
	fail := f.offline
	if f.armed && !fail {
		if f.allow > 0 {
			f.allow--
		} else {
			fail = true
			f.armed = false
		}
	}
	drop := f.dropAnswer && !f.offline
	f.mu.Unlock()
	if fail && !drop {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errInjected
	}
	resp, err := f.next.RoundTrip(r)
	if fail && err == nil {
		resp.Body.Close()
		return nil, errInjected
	}
	return resp, err
}

// failAfter makes the request after n more succeed fail (once).
func (f *flakyTransport) failAfter(n int, dropAnswer bool) {
	f.mu.Lock()
	f.allow, f.armed, f.dropAnswer = n, true, dropAnswer
	f.mu.Unlock()
}

// disarm cancels a pending failAfter.
func (f *flakyTransport) disarm() {
	f.mu.Lock()
	f.armed = false
	f.mu.Unlock()
}

func (f *flakyTransport) setOffline(off bool) {
	f.mu.Lock()
	f.offline = off
	f.mu.Unlock()
}

// memLibrary is an in-memory Library with the store's behaviour that sync relies on: Save sets
// Updated, assigns missing ids, and (while locked) refuses Private transcripts.
type memLibrary struct {
	mu      sync.Mutex
	docs    map[string][]byte // export JSON
	updated map[string]time.Time
	level   map[string]transcript.Level
	locked  bool
	tick    int64
}

func newMemLibrary() *memLibrary {
	return &memLibrary{docs: map[string][]byte{}, updated: map[string]time.Time{}, level: map[string]transcript.Level{}}
}

func (m *memLibrary) List(ctx context.Context, f store.Filter) ([]store.Summary, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Summary
	for id := range m.docs {
		out = append(out, store.Summary{ID: id, Updated: m.updated[id], Level: m.level[id], Locked: m.locked && m.level[id] == transcript.Private})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *memLibrary) Get(ctx context.Context, id string) (*transcript.Transcript, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc, ok := m.docs[id]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", id, store.ErrNotFound)
	}
	if m.locked && m.level[id] == transcript.Private {
		return nil, store.ErrLocked
	}
	return export.Import(bytes.NewReader(doc))
}

func (m *memLibrary) Save(ctx context.Context, t *transcript.Transcript) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.Level == "" {
		t.Level = transcript.Standard
	}
	if m.locked && (t.Level == transcript.Private || m.level[t.ID] == transcript.Private) {
		return store.ErrLocked
	}
	if t.ID == "" {
		m.tick++
		t.ID = fmt.Sprintf("local-%d", m.tick)
	}
	var b bytes.Buffer
	if err := export.Write(&b, t, export.JSON, export.Options{}); err != nil {
		return err
	}
	m.tick++
	m.docs[t.ID] = b.Bytes()
	m.updated[t.ID] = time.Unix(1700000000, m.tick).UTC()
	m.level[t.ID] = t.Level
	return nil
}

func (m *memLibrary) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.docs[id]; !ok {
		return fmt.Errorf("delete %s: %w", id, store.ErrNotFound)
	}
	delete(m.docs, id)
	delete(m.updated, id)
	delete(m.level, id)
	return nil
}

func (m *memLibrary) setLocked(b bool) {
	m.mu.Lock()
	m.locked = b
	m.mu.Unlock()
}

// sample returns a transcript with distinctive words, a speaker name and timestamps.
func sample(id, title string, words ...string) *transcript.Transcript {
	t := &transcript.Transcript{
		ID: id, Title: title, SourceName: "meeting-" + id + ".wav", Duration: 90 * time.Second, Language: "en",
		Created:  time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC),
		Speakers: []transcript.Speaker{{ID: "S1", Name: "Bartholomew Quincey"}},
	}
	for i, w := range words {
		t.Segments = append(t.Segments, transcript.Segment{
			Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, Text: w, Speaker: "S1",
			Words: []transcript.Word{{Start: time.Duration(i) * time.Second, End: time.Duration(i)*time.Second + 500*time.Millisecond, Text: w, Probability: 0.9}},
		})
	}
	return t
}

// contents returns each transcript's canonical export by id, for comparing two libraries.
func contents(t *testing.T, lib Library) map[string]string {
	t.Helper()
	ctx := context.Background()
	sums, err := lib.List(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range sums {
		tr, err := lib.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := canonicalExport(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[s.ID] = string(data)
	}
	return out
}

func mustSave(t *testing.T, lib Library, tr *transcript.Transcript) {
	t.Helper()
	if err := lib.Save(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, lib Library, id string) *transcript.Transcript {
	t.Helper()
	tr, err := lib.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return tr
}

func equalLibraries(t *testing.T, a, b Library) {
	t.Helper()
	ca, cb := contents(t, a), contents(t, b)
	if len(ca) != len(cb) {
		t.Fatalf("libraries differ: %d vs %d transcripts\n%v\n%v", len(ca), len(cb), keys(ca), keys(cb))
	}
	for id, doc := range ca {
		if cb[id] != doc {
			t.Fatalf("transcript %s differs:\n%s\n%s", id, doc, cb[id])
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }
