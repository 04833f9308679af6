package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// evilServer is a malicious backup server: a TLS reverse proxy in front of the real test server
// (backuptest) that records every envelope uploaded through it and can, per request, answer
// instead of the real server: serve an old envelope (rollback), an old envelope under a newer
// version (replay), another account's envelope (swap), or the whole account as it was at an earlier
// moment with the change feed emptied (account rollback, withholding).
type evilServer struct {
	t    *testing.T
	ts   *httptest.Server
	real *backuptest.Server

	mu     sync.Mutex
	puts   []putRecord                                                      // in upload order
	answer func(w http.ResponseWriter, r *http.Request, object string) bool // nil: pass everything through
}

type putRecord struct {
	object  string
	version int64
	body    []byte
}

type bodyKey struct{}

func newEvilServer(t *testing.T, real *backuptest.Server) *evilServer {
	e := &evilServer{t: t, real: real}
	target, err := url.Parse(real.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: real.CertPool(), MinVersion: tls.VersionTLS13}}
	t.Cleanup(tr.CloseIdleConnections)
	rp.Transport = tr
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if r.Method == http.MethodPut && resp.StatusCode == http.StatusOK {
			base, _ := strconv.ParseInt(r.Header.Get(api.HeaderIfMatch), 10, 64)
			body, _ := r.Context().Value(bodyKey{}).([]byte)
			e.mu.Lock()
			e.puts = append(e.puts, putRecord{object: path.Base(r.URL.Path), version: base + 1, body: body})
			e.mu.Unlock()
		}
		return nil
	}
	e.ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var object string
		if strings.HasPrefix(r.URL.Path, "/v1/objects/") {
			object = path.Base(r.URL.Path)
		}
		e.mu.Lock()
		answer := e.answer
		e.mu.Unlock()
		if answer != nil && answer(w, r, object) {
			return
		}
		if r.Method == http.MethodPut {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(e.ts.Close)
	return e
}

func (e *evilServer) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.ts.Certificate())
	return p
}

func (e *evilServer) device(t *testing.T) *device {
	return newDeviceAt(t, e.ts.URL, e.pool(), newMemLibrary(), t.TempDir())
}

func (e *evilServer) setAnswer(f func(w http.ResponseWriter, r *http.Request, object string) bool) {
	e.mu.Lock()
	e.answer = f
	e.mu.Unlock()
}

// mark is the number of uploads so far: a moment to roll back to.
func (e *evilServer) mark() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.puts)
}

// envelope returns the envelope uploaded as version of object (before upload number upTo, when
// version is 0: the latest one then).
func (e *evilServer) envelope(object string, version int64, upTo int) (putRecord, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var found putRecord
	ok := false
	for _, p := range e.puts[:min(upTo, len(e.puts))] {
		if p.object == object && (version == 0 || p.version == version) {
			found, ok = p, true
		}
	}
	return found, ok
}

// serve answers a GET of an object with body as version, as the real server would.
func serve(w http.ResponseWriter, version int64, body []byte) {
	h := sha256.Sum256(body)
	w.Header().Set(api.HeaderVersion, strconv.FormatInt(version, 10))
	w.Header().Set(api.HeaderContentSHA256, hex.EncodeToString(h[:]))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(body)
}

func isGet(r *http.Request, object string) bool { return r.Method == http.MethodGet && object != "" }

// objectOf returns the object id of a transcript on a device.
func objectOf(t *testing.T, d *device, id string) string {
	t.Helper()
	st, err := loadState(d.client.cfg.StatePath)
	if err != nil || st.Entries[id] == nil {
		t.Fatalf("no sync state for %s: %v", id, err)
	}
	return st.Entries[id].Object
}

// syncErr syncs and returns the error, which must not be a plain failure to sync.
func syncErr(t *testing.T, d *device) (Report, error) {
	t.Helper()
	return d.client.Sync(context.Background())
}

// setup: device A and B on one account through the evil server, with t1 (edited once, so at
// version 2) and t2 synced to both.
func evilSetup(t *testing.T, t1Level transcript.Level) (*evilServer, *device, *device) {
	t.Helper()
	srv := backuptest.Start(t)
	e := newEvilServer(t, srv)
	a, b := e.device(t), e.device(t)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	t1 := sample("t1", "Board minutes", "first draft")
	mustSave(t, a.lib, t1)
	mustSave(t, a.lib, sample("t2", "Other", "unrelated"))
	a.sync(t)
	t1 = mustGet(t, a.lib, "t1")
	t1.Segments[0].Text = "second draft"
	t1.Level = t1Level
	mustSave(t, a.lib, t1)
	a.sync(t)
	if err := b.client.SignIn(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	b.sync(t)
	equalLibraries(t, a.lib, b.lib)
	return e, a, b
}

// editOn edits t1 on d (to version 3) and syncs.
func editOn(t *testing.T, d *device, text string) {
	t.Helper()
	tr := mustGet(t, d.lib, "t1")
	tr.Segments[0].Text = text
	mustSave(t, d.lib, tr)
	d.sync(t)
}

// TestMaliciousServer plays each attack of a malicious server against the real server behind a
// proxy. Each is detected with its sentinel error and changes nothing on the device.
func TestMaliciousServer(t *testing.T) {
	t.Run("rollback: an old version when the feed announces a newer one", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Standard)
		editOn(t, a, "third draft") // version 3
		before := contents(t, b.lib)
		obj := objectOf(t, b, "t1")
		old, ok := e.envelope(obj, 1, e.mark())
		if !ok {
			t.Fatal("version 1 not recorded")
		}
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if isGet(r, object) && object == obj {
				serve(w, 1, old.body) // a genuine envelope, under its own version
				return true
			}
			return false
		})
		rep, err := syncErr(t, b)
		if !errors.Is(err, ErrRollback) {
			t.Fatalf("sync with a rolled-back object: %v (%+v), want ErrRollback", err, rep)
		}
		if got := contents(t, b.lib); !equalContents(got, before) {
			t.Fatalf("B's library changed:\n%v\nwas\n%v", got, before)
		}
		// The server stops lying: the next sync brings the real version 3.
		e.setAnswer(nil)
		b.sync(t)
		equalLibraries(t, a.lib, b.lib)
	})

	t.Run("rollback: the feed announces an older version than this device saw", func(t *testing.T) {
		e, _, b := evilSetup(t, transcript.Standard)
		obj := objectOf(t, b, "t1")
		old, _ := e.envelope(obj, 1, e.mark())
		before := contents(t, b.lib)
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			switch {
			case r.Method == http.MethodGet && r.URL.Path == "/v1/changes":
				json.NewEncoder(w).Encode(api.Changes{Changes: []api.Object{{ID: obj, Version: 1, Seq: 1 << 40}}, Cursor: strconv.Itoa(1 << 40)})
				return true
			case isGet(r, object) && object == obj:
				serve(w, 1, old.body)
				return true
			}
			return false
		})
		if _, err := syncErr(t, b); !errors.Is(err, ErrRollback) {
			t.Fatalf("sync: %v, want ErrRollback", err)
		}
		if got := contents(t, b.lib); !equalContents(got, before) {
			t.Fatal("B's library changed")
		}
	})

	t.Run("replay: an old envelope under the current version", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Standard)
		editOn(t, a, "third draft")
		before := contents(t, b.lib)
		obj := objectOf(t, b, "t1")
		old, _ := e.envelope(obj, 1, e.mark())
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if isGet(r, object) && object == obj {
				serve(w, 3, old.body)
				return true
			}
			return false
		})
		rep, err := syncErr(t, b)
		if !errors.Is(err, ErrTampered) || rep.Damaged != 1 {
			t.Fatalf("sync with a replayed envelope: %v (%+v), want ErrTampered", err, rep)
		}
		if got := contents(t, b.lib); !equalContents(got, before) {
			t.Fatal("B's library changed")
		}
	})

	t.Run("swap: another transcript's envelope under this object", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Standard)
		editOn(t, a, "third draft")
		before := contents(t, b.lib)
		obj, other := objectOf(t, b, "t1"), objectOf(t, b, "t2")
		env, _ := e.envelope(other, 0, e.mark())
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if isGet(r, object) && object == obj {
				serve(w, env.version, env.body)
				return true
			}
			return false
		})
		if _, err := syncErr(t, b); !errors.Is(err, ErrTampered) && !errors.Is(err, ErrRollback) {
			t.Fatalf("sync with a swapped object: %v, want ErrTampered or ErrRollback", err)
		}
		if got := contents(t, b.lib); !equalContents(got, before) {
			t.Fatal("B's library changed")
		}
	})

	t.Run("swap: another account's envelope", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Standard)
		// Mallory, another account on the same server, uploads a transcript with the same id.
		m := e.device(t)
		if err := m.client.SignUp(context.Background(), "mallory@example.org", testPassword); err != nil {
			t.Fatal(err)
		}
		mustSave(t, m.lib, sample("t1", "Board minutes", "forged minutes"))
		m.sync(t)
		mallorys, _ := e.envelope(objectOf(t, m, "t1"), 1, e.mark())
		editOn(t, a, "third draft")
		before := contents(t, b.lib)
		obj := objectOf(t, b, "t1")
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if isGet(r, object) && object == obj {
				serve(w, 3, mallorys.body)
				return true
			}
			return false
		})
		if _, err := syncErr(t, b); !errors.Is(err, ErrTampered) {
			t.Fatalf("sync with another account's object: %v, want ErrTampered", err)
		}
		if got := contents(t, b.lib); !equalContents(got, before) {
			t.Fatal("B's library changed")
		}
	})

	t.Run("forged tombstone of a Private transcript while locked", func(t *testing.T) {
		e, _, b := evilSetup(t, transcript.Private)
		obj := objectOf(t, b, "t1")
		// The server deletes the object itself (it holds the session token of every device).
		st, token, dek, err := b.client.session()
		if err != nil {
			t.Fatal(err)
		}
		dek.Destroy()
		r := &remote{base: e.real.URL, client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.real.CertPool(), MinVersion: tls.VersionTLS13}}}, token: token}
		if _, err := r.del(context.Background(), obj, st.Seen[obj]); err != nil {
			t.Fatal(err)
		}
		b.lib.(*memLibrary).setLocked(true)
		before := contents(t, withUnlocked(b.lib))
		if _, err := syncErr(t, b); !errors.Is(err, ErrForgedDeletion) {
			t.Fatalf("sync with a forged deletion: %v, want ErrForgedDeletion", err)
		}
		if got := contents(t, withUnlocked(b.lib)); !equalContents(got, before) {
			t.Fatal("B's library changed: the forged deletion was applied")
		}
		// Unlocked, the next sync puts the transcript back on the server for every device.
		b.lib.(*memLibrary).setLocked(false)
		b.sync(t)
		c := e.device(t)
		if err := c.client.SignIn(context.Background(), testEmail, testPassword); err != nil {
			t.Fatal(err)
		}
		c.sync(t)
		equalLibraries(t, b.lib, c.lib)
	})

	t.Run("level downgrade: a rolled-back Standard copy of a now Private transcript", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Private) // t1: v1 Standard, v2 Private
		editOn(t, a, "third draft")
		obj := objectOf(t, b, "t1")
		old, _ := e.envelope(obj, 1, e.mark())
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if isGet(r, object) && object == obj {
				serve(w, 1, old.body)
				return true
			}
			return false
		})
		if _, err := syncErr(t, b); !errors.Is(err, ErrRollback) {
			t.Fatalf("sync: %v, want ErrRollback", err)
		}
		if got := mustGet(t, b.lib, "t1"); got.Level != transcript.Private || got.Segments[0].Text != "second draft" {
			t.Fatalf("B's t1 became %s %q", got.Level, got.Segments[0].Text)
		}
	})

	t.Run("whole account rolled back", func(t *testing.T) {
		e, a, _ := evilSetup(t, transcript.Standard)
		snapshot := e.mark()
		editOn(t, a, "third draft")
		mustSave(t, a.lib, sample("t3", "New", "after the snapshot"))
		a.sync(t)
		before := contents(t, a.lib)
		e.setAnswer(e.rolledBack(snapshot))
		if _, err := syncErr(t, a); !errors.Is(err, ErrRollback) {
			t.Fatalf("sync against a rolled-back account: %v, want ErrRollback", err)
		}
		if got := contents(t, a.lib); !equalContents(got, before) {
			t.Fatal("A's library changed")
		}
	})

	t.Run("whole account withheld", func(t *testing.T) {
		e, a, _ := evilSetup(t, transcript.Standard)
		e.setAnswer(e.rolledBack(0)) // nothing was ever stored
		before := contents(t, a.lib)
		if _, err := syncErr(t, a); !errors.Is(err, ErrRollback) {
			t.Fatalf("sync against an emptied account: %v, want ErrRollback", err)
		}
		if got := contents(t, a.lib); !equalContents(got, before) {
			t.Fatal("A's library changed")
		}
	})

	t.Run("change feed withholds a new version", func(t *testing.T) {
		e, a, b := evilSetup(t, transcript.Standard)
		editOn(t, a, "third draft") // the manifest now lists t1 at version 3
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, object string) bool {
			if r.Method == http.MethodGet && r.URL.Path == "/v1/changes" {
				json.NewEncoder(w).Encode(api.Changes{Cursor: r.URL.Query().Get("since")})
				return true
			}
			return false
		})
		if _, err := syncErr(t, b); !errors.Is(err, ErrRollback) {
			t.Fatalf("sync with a withheld change: %v, want ErrRollback", err)
		}
	})
}

// rolledBack answers as the account was after upload number upTo: every object at its version
// then (missing if it did not exist), and no changes in the feed.
func (e *evilServer) rolledBack(upTo int) func(w http.ResponseWriter, r *http.Request, object string) bool {
	return func(w http.ResponseWriter, r *http.Request, object string) bool {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/changes":
			json.NewEncoder(w).Encode(api.Changes{Cursor: r.URL.Query().Get("since")})
			return true
		case isGet(r, object):
			p, ok := e.envelope(object, 0, upTo)
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				json.NewEncoder(w).Encode(api.Error{Code: api.CodeNotFound, Message: "no such object"})
				return true
			}
			serve(w, p.version, p.body)
			return true
		case r.Method == http.MethodPut && object != "":
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(api.Error{Code: api.CodeConflict, Message: "conflict"})
			return true
		}
		return false
	}
}

func equalContents(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// withUnlocked reads a memLibrary as if unlocked (for comparing contents while it is locked).
func withUnlocked(l Library) Library {
	m := l.(*memLibrary)
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemLibrary()
	for id, d := range m.docs {
		c.docs[id], c.updated[id], c.level[id] = d, m.updated[id], m.level[id]
	}
	return c
}

// TestDowngradeWaitsForTheUser: another device makes a Private transcript Standard. This device
// keeps it Private (nothing written in clear) until the user accepts; rejecting it uploads the
// Private copy again.
func TestDowngradeWaitsForTheUser(t *testing.T) {
	for _, accept := range []bool{true, false} {
		t.Run(map[bool]string{true: "accept", false: "reject"}[accept], func(t *testing.T) {
			srv := backuptest.Start(t)
			a, b := newMemDevice(t, srv), newMemDevice(t, srv)
			ctx := context.Background()
			if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			priv := sample("t1", "Diagnosis", "confidential words")
			priv.Level = transcript.Private
			mustSave(t, a.lib, priv)
			a.sync(t)
			if err := b.client.SignIn(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			b.sync(t)
			std := mustGet(t, a.lib, "t1")
			std.Level = transcript.Standard
			mustSave(t, a.lib, std)
			a.sync(t)

			rep, err := b.client.Sync(ctx)
			if !errors.Is(err, ErrDowngrade) || rep.Pulled != 0 {
				t.Fatalf("sync of a downgrade: %v (%+v), want ErrDowngrade", err, rep)
			}
			if got := mustGet(t, b.lib, "t1"); got.Level != transcript.Private {
				t.Fatalf("t1 on B is %s before the user confirmed", got.Level)
			}
			pend, err := b.client.PendingDowngrades()
			if err != nil || len(pend) != 1 || pend[0].TranscriptID != "t1" {
				t.Fatalf("pending downgrades: %+v, %v", pend, err)
			}
			// It stays waiting, quietly, across syncs.
			b.sync(t)
			if got := mustGet(t, b.lib, "t1"); got.Level != transcript.Private {
				t.Fatal("t1 lowered without confirmation")
			}
			if err := b.client.ResolveDowngrade("nope", true); !errors.Is(err, ErrNoSuchDowngrade) {
				t.Fatalf("resolve unknown: %v", err)
			}
			if err := b.client.ResolveDowngrade("t1", accept); err != nil {
				t.Fatal(err)
			}
			if accept {
				// Accepted while the library is locked: it waits for the unlock, still confirmed.
				b.lib.(*memLibrary).setLocked(true)
				b.client.Sync(ctx)
				b.lib.(*memLibrary).setLocked(false)
				if got := mustGet(t, b.lib, "t1"); got.Level != transcript.Private {
					t.Fatal("t1 changed while locked")
				}
				if pend, _ := b.client.PendingDowngrades(); len(pend) != 1 || !pend[0].Confirmed {
					t.Fatalf("the confirmation was lost while locked: %+v", pend)
				}
			}
			b.sync(t)
			a.sync(t)
			want := transcript.Standard
			if !accept {
				want = transcript.Private
			}
			for _, d := range []*device{a, b} {
				if got := mustGet(t, d.lib, "t1"); got.Level != want {
					t.Fatalf("t1 on %s is %s, want %s", d.dir, got.Level, want)
				}
			}
			if pend, _ := b.client.PendingDowngrades(); len(pend) != 0 {
				t.Fatalf("still pending: %+v", pend)
			}
			equalLibraries(t, a.lib, b.lib)
		})
	}
}

// TestFormat1BackupsStayReadable: objects written before format 2 (associated data without kind
// and account) are still restored, and a state file without per-object versions takes them from
// its entries. The first sync writes the account manifest.
func TestFormat1BackupsStayReadable(t *testing.T) {
	srv := backuptest.Start(t)
	a := newMemDevice(t, srv)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	st, token, dek, err := a.client.session()
	if err != nil {
		t.Fatal(err)
	}
	defer dek.Destroy()
	idKey, _ := objectIDKey(dek)
	old := sample("t1", "Written by version 1", "legacy words")
	data, _ := canonicalExport(old)
	obj := objectID(idKey, "t1")
	env, err := dek.Seal(data, objectAD(obj, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.client.remote(token).put(ctx, obj, 0, env); err != nil {
		t.Fatal(err)
	}
	// A format 1 state file: entries, no "seen".
	st.Entries["t1"] = &entry{Object: obj, Version: 1}
	st.Seen = nil
	raw, _ := json.Marshal(st)
	var m map[string]any
	json.Unmarshal(raw, &m)
	delete(m, "seen")
	raw, _ = json.Marshal(m)
	if err := writeFile(a.client.cfg.StatePath, raw); err != nil {
		t.Fatal(err)
	}
	if st, err := loadState(a.client.cfg.StatePath); err != nil || st.Seen[obj] != 1 {
		t.Fatalf("migrated state: %+v, %v", st, err)
	}
	b := newMemDevice(t, srv)
	if err := b.client.SignIn(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if rep := b.sync(t); rep.Pulled != 1 {
		t.Fatalf("restore of a format 1 object: %+v", rep)
	}
	if got := mustGet(t, b.lib, "t1"); got.Segments[0].Text != "legacy words" {
		t.Fatalf("restored %+v", got)
	}
	manifest := manifestObjectID(idKey)
	if st, _ := loadState(b.client.cfg.StatePath); st.Seen[manifest] != 1 {
		t.Fatalf("no account manifest written: %+v", st.Seen)
	}
}

// TestServerCannotDemandKeyDerivationWork: a server that answers the sign-in with the account's key
// file re-labelled to 10,000,000 PBKDF2 iterations (or any count but the one the client writes) is
// refused before any derivation runs: the error is ErrKeyFileParams, not the wrong-password check
// that would follow a derivation. Both a new device and one that signed in before are covered.
func TestServerCannotDemandKeyDerivationWork(t *testing.T) {
	srv := backuptest.Start(t)
	e := newEvilServer(t, srv)
	a := e.device(t)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	fwd := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS13}}}
	for _, iter := range []uint32{10_000_000, 1001, 100_000} {
		e.setAnswer(func(w http.ResponseWriter, r *http.Request, _ string) bool {
			if r.URL.Path != "/v1/signin" {
				return false
			}
			body, _ := io.ReadAll(r.Body)
			resp, err := fwd.Post(srv.URL+r.URL.Path, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return false
			}
			defer resp.Body.Close()
			var sess api.Session
			json.NewDecoder(resp.Body).Decode(&sess)
			binary.BigEndian.PutUint32(sess.KeyFile[5:9], iter)
			json.NewEncoder(w).Encode(sess)
			return true
		})
		for _, d := range []*device{a, e.device(t)} {
			if err := d.client.SignIn(ctx, testEmail, testPassword); !errors.Is(err, ErrKeyFileParams) {
				t.Fatalf("sign in with a key file of %d iterations: %v, want ErrKeyFileParams", iter, err)
			}
		}
	}
	e.setAnswer(nil)
	if err := a.client.SignIn(ctx, testEmail, testPassword); err != nil {
		t.Fatalf("sign in with the real key file: %v", err)
	}
}
