package backupserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/s3test"
)

func TestNewRequiresStorage(t *testing.T) {
	if _, err := backupserver.New(backupserver.Config{}); err == nil {
		t.Fatal("New without storage succeeded")
	}
}

func TestAccountLifecycle(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("  Alice@Example.ORG ")
	if u.session.Token == "" || u.session.AccountID == "" || u.session.DeviceID == "" || string(u.session.KeyFile) != "wrapped key" {
		t.Fatalf("sign-up session: %+v", u.session)
	}
	// Same address, other case: taken.
	resp := h.do(request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "alice@example.org", AuthKey: randomKey(), KeyFile: []byte("k")}})
	mustStatus(t, "duplicate sign-up", resp, http.StatusForbidden)
	if resp.apiError().Code != api.CodeSignUpRefused {
		t.Fatalf("duplicate sign-up code %q", resp.apiError().Code)
	}

	// Sign in from a second device, then again reusing the first device id.
	h.clock.Advance(time.Minute)
	resp = h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: "ALICE@example.org", AuthKey: u.authKey, DeviceName: "desktop"}})
	mustStatus(t, "sign-in", resp, http.StatusOK)
	var s2 api.Session
	json.Unmarshal(resp.body, &s2)
	if s2.AccountID != u.session.AccountID || s2.DeviceID == u.session.DeviceID || string(s2.KeyFile) != "wrapped key" {
		t.Fatalf("second session %+v", s2)
	}
	resp = h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: "alice@example.org", AuthKey: u.authKey, DeviceID: u.session.DeviceID}})
	mustStatus(t, "sign-in with device id", resp, http.StatusOK)
	var s3 api.Session
	json.Unmarshal(resp.body, &s3)
	if s3.DeviceID != u.session.DeviceID {
		t.Fatalf("device id not reused: %s vs %s", s3.DeviceID, u.session.DeviceID)
	}

	resp = h.do(request{method: "GET", path: "/v1/devices", token: s2.Token})
	mustStatus(t, "devices", resp, http.StatusOK)
	var ds api.Devices
	json.Unmarshal(resp.body, &ds)
	if len(ds.Devices) != 2 || ds.Devices[0].Name != "laptop" || ds.Devices[1].Name != "desktop" || !ds.Devices[1].Current || ds.Devices[0].Current {
		t.Fatalf("devices: %+v", ds)
	}

	// Sign out ends only that session.
	mustStatus(t, "sign-out", h.do(request{method: "POST", path: "/v1/signout", token: s2.Token}), http.StatusNoContent)
	mustStatus(t, "after sign-out", h.do(request{method: "GET", path: "/v1/devices", token: s2.Token}), http.StatusUnauthorized)
	mustStatus(t, "other session", h.do(request{method: "GET", path: "/v1/devices", token: u.session.Token}), http.StatusOK)

	// Password change: old key stops working, other sessions end, the key file is replaced.
	newKey := randomKey()
	resp = h.do(request{method: "POST", path: "/v1/account/password", token: u.session.Token,
		json: api.PasswordRequest{AuthKey: u.authKey, NewAuthKey: newKey, KeyFile: []byte("rewrapped")}})
	mustStatus(t, "change password", resp, http.StatusNoContent)
	mustStatus(t, "session ended by password change", h.do(request{method: "GET", path: "/v1/devices", token: s3.Token}), http.StatusUnauthorized)
	mustStatus(t, "current session kept", h.do(request{method: "GET", path: "/v1/devices", token: u.session.Token}), http.StatusOK)
	mustStatus(t, "old key", h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: u.email, AuthKey: u.authKey}}), http.StatusUnauthorized)
	resp = h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: u.email, AuthKey: newKey}})
	mustStatus(t, "new key", resp, http.StatusOK)
	var s4 api.Session
	json.Unmarshal(resp.body, &s4)
	if string(s4.KeyFile) != "rewrapped" {
		t.Fatalf("key file after password change: %q", s4.KeyFile)
	}
	resp = h.do(request{method: "POST", path: "/v1/account/password", token: s4.Token,
		json: api.PasswordRequest{AuthKey: u.authKey, NewAuthKey: randomKey(), KeyFile: []byte("x")}})
	mustStatus(t, "password change with the wrong key", resp, http.StatusUnauthorized)
}

func TestDeleteAccountRemovesEverything(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.signUp("alice@example.org"), h.signUp("bob@example.org")
	for i := range 3 {
		h.mustPut(alice.session.Token, "obj"+strconv.Itoa(i), 0, bytes.Repeat([]byte{byte(i)}, 100))
	}
	h.mustPut(bob.session.Token, "obj0", 0, []byte("bob's"))

	resp := h.do(request{method: "DELETE", path: "/v1/account", token: alice.session.Token, json: api.DeleteAccountRequest{AuthKey: randomKey()}})
	mustStatus(t, "delete with wrong key", resp, http.StatusUnauthorized)
	resp = h.do(request{method: "DELETE", path: "/v1/account", token: alice.session.Token, json: api.DeleteAccountRequest{AuthKey: alice.authKey}})
	mustStatus(t, "delete account", resp, http.StatusNoContent)

	mustStatus(t, "token after delete", h.do(request{method: "GET", path: "/v1/changes", token: alice.session.Token}), http.StatusUnauthorized)
	mustStatus(t, "sign-in after delete", h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: alice.email, AuthKey: alice.authKey}}), http.StatusUnauthorized)
	if _, err := os.Stat(filepath.Join(h.dir, "blobs", alice.session.AccountID)); !os.IsNotExist(err) {
		t.Fatalf("blob directory of the deleted account still exists: %v", err)
	}
	if p, _ := h.meta.PendingPurges(context.Background()); len(p) != 0 {
		t.Fatalf("purge left pending: %v", p)
	}
	// Bob is untouched.
	resp = h.do(request{method: "GET", path: "/v1/objects/obj0", token: bob.session.Token})
	mustStatus(t, "bob's object", resp, http.StatusOK)
	if string(resp.body) != "bob's" {
		t.Fatalf("bob's object: %q", resp.body)
	}
	// The address can sign up again, with an empty account.
	again := h.signUp(alice.email)
	if c := h.changes(again.session.Token, ""); len(c.Changes) != 0 {
		t.Fatalf("new account sees old objects: %+v", c)
	}
}

func TestMaintainFinishesInterruptedPurge(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("carol@example.org")
	h.mustPut(u.session.Token, "o", 0, []byte("data"))
	// Delete the metadata only, as if the server died before removing the blobs.
	if err := h.meta.DeleteAccount(context.Background(), u.session.AccountID); err != nil {
		t.Fatal(err)
	}
	srv, err := backupserver.New(backupserver.Config{Meta: h.meta, Blobs: h.blobs, Argon2: backupserver.TestingArgon2()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "blobs", u.session.AccountID)); !os.IsNotExist(err) {
		t.Fatalf("blobs survived Maintain: %v", err)
	}
}

func TestObjects(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("dave@example.org")
	tok := u.session.Token

	o1 := h.mustPut(tok, "note", 0, []byte("version one"))
	if o1.Version != 1 || o1.Size != 11 || o1.SHA256 != sum([]byte("version one")) || o1.DeviceID != u.session.DeviceID {
		t.Fatalf("first put: %+v", o1)
	}
	resp := h.put(tok, "note", 0, []byte("stale"))
	mustStatus(t, "stale create", resp, http.StatusConflict)
	if resp.apiError().Version != 1 {
		t.Fatalf("conflict reports version %d, want 1", resp.apiError().Version)
	}
	mustStatus(t, "put with future base", h.put(tok, "other", 3, []byte("x")), http.StatusConflict)
	o2 := h.mustPut(tok, "note", 1, []byte("version two"))
	if o2.Version != 2 {
		t.Fatalf("second put: %+v", o2)
	}
	resp = h.do(request{method: "GET", path: "/v1/objects/note", token: tok})
	mustStatus(t, "get", resp, http.StatusOK)
	if string(resp.body) != "version two" || resp.header.Get(api.HeaderVersion) != "2" || resp.header.Get(api.HeaderContentSHA256) != sum([]byte("version two")) {
		t.Fatalf("get: %q %v", resp.body, resp.header)
	}
	// Only the current version's blob is kept.
	n := countFiles(t, filepath.Join(h.dir, "blobs", u.session.AccountID))
	if n != 1 {
		t.Fatalf("%d blob files for one object, want 1", n)
	}

	h.mustPut(tok, "second", 0, []byte("another"))
	c := h.changes(tok, "")
	if len(c.Changes) != 2 || c.Changes[0].ID != "note" || c.Changes[1].ID != "second" || c.More {
		t.Fatalf("changes: %+v", c)
	}
	if c2 := h.changes(tok, c.Cursor); len(c2.Changes) != 0 || c2.Cursor != c.Cursor {
		t.Fatalf("changes after cursor: %+v", c2)
	}
	resp = h.do(request{method: "GET", path: "/v1/changes?limit=1", token: tok})
	var page api.Changes
	json.Unmarshal(resp.body, &page)
	if len(page.Changes) != 1 || !page.More {
		t.Fatalf("limited page: %+v", page)
	}

	mustStatus(t, "delete with stale base", h.do(request{method: "DELETE", path: "/v1/objects/note", token: tok, header: map[string]string{api.HeaderIfMatch: "1"}}), http.StatusConflict)
	resp = h.do(request{method: "DELETE", path: "/v1/objects/note", token: tok, header: map[string]string{api.HeaderIfMatch: `"2"`}})
	mustStatus(t, "delete", resp, http.StatusOK)
	var tomb api.Object
	json.Unmarshal(resp.body, &tomb)
	if !tomb.Deleted || tomb.Version != 3 {
		t.Fatalf("tombstone: %+v", tomb)
	}
	mustStatus(t, "get deleted", h.do(request{method: "GET", path: "/v1/objects/note", token: tok}), http.StatusNotFound)
	mustStatus(t, "delete again", h.do(request{method: "DELETE", path: "/v1/objects/note", token: tok, header: map[string]string{api.HeaderIfMatch: "3"}}), http.StatusNotFound)
	c3 := h.changes(tok, c.Cursor)
	if len(c3.Changes) != 1 || !c3.Changes[0].Deleted || c3.Changes[0].ID != "note" {
		t.Fatalf("changes after delete: %+v", c3)
	}
	// Revive the tombstone.
	if o := h.mustPut(tok, "note", 3, []byte("back")); o.Version != 4 {
		t.Fatalf("revive: %+v", o)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestServerOnPostgresAndS3(t *testing.T) {
	dsn := postgresDSN(t)
	meta, err := backupserver.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	// A real S3 server (versitygw, signatures checked), not the in-process fake.
	srv := s3test.Start(t)
	blobs, err := realS3(t, srv, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := startHarness(t, meta, blobs)
	u := h.signUp("erin@example.org")
	h.mustPut(u.session.Token, "a", 0, []byte("encrypted bytes"))
	h.mustPut(u.session.Token, "a", 1, []byte("encrypted bytes, v2"))
	resp := h.do(request{method: "GET", path: "/v1/objects/a", token: u.session.Token})
	if resp.status != http.StatusOK || string(resp.body) != "encrypted bytes, v2" {
		t.Fatalf("get: %d %q", resp.status, resp.body)
	}
	mustStatus(t, "delete account", h.do(request{method: "DELETE", path: "/v1/account", token: u.session.Token, json: api.DeleteAccountRequest{AuthKey: u.authKey}}), http.StatusNoContent)
	if _, err := h.blobs.Get(context.Background(), u.session.AccountID+"/a/2-x"); !errors.Is(err, backupserver.ErrNotFound) {
		t.Fatalf("blob after account deletion: %v", err)
	}
	// Nothing of the account is left in the object store's folder either.
	if n := countFiles(t, filepath.Join(srv.Root, "hushscribe-blobs", u.session.AccountID)); n != 0 {
		t.Fatalf("%d objects of the deleted account are still stored", n)
	}
}
