// Package storagetest is the shared test suite of the backup server's storage interfaces: every
// backupserver.Meta and backupserver.Blobs implementation must pass Meta and Blobs respectively.
package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
)

func id(t *testing.T) string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// now is a fixed, nanosecond-precise time in UTC, so round trips can be compared with Equal.
var now = time.Date(2025, 3, 4, 5, 6, 7, 890123456, time.UTC)

func newAccount(t *testing.T, m backupserver.Meta) backupserver.Account {
	t.Helper()
	a := backupserver.Account{ID: id(t), Email: id(t) + "@example.org", Verifier: "$argon2id$v", KeyFile: []byte("HSKY key file"), Created: now}
	if err := m.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

// Meta runs the shared suite against fresh stores returned by open (each call may return the same
// store; the tests use random ids).
func Meta(t *testing.T, open func(t *testing.T) backupserver.Meta) {
	ctx := context.Background()
	t.Run("accounts", func(t *testing.T) {
		m := open(t)
		a := newAccount(t, m)
		got, err := m.AccountByEmail(ctx, a.Email)
		if err != nil || got.ID != a.ID || got.Verifier != a.Verifier || !bytes.Equal(got.KeyFile, a.KeyFile) || !got.Created.Equal(a.Created) {
			t.Fatalf("AccountByEmail = %+v, %v; want %+v", got, err, a)
		}
		if got, err := m.Account(ctx, a.ID); err != nil || got.Email != a.Email {
			t.Fatalf("Account = %+v, %v", got, err)
		}
		dup := a
		dup.ID = id(t)
		if err := m.CreateAccount(ctx, dup); !errors.Is(err, backupserver.ErrExists) {
			t.Fatalf("duplicate email: %v, want ErrExists", err)
		}
		if _, err := m.AccountByEmail(ctx, "nobody@example.org"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("unknown email: %v, want ErrNotFound", err)
		}
		if _, err := m.Account(ctx, id(t)); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("unknown id: %v, want ErrNotFound", err)
		}
		if err := m.UpdateCredentials(ctx, a.ID, "new", []byte("new key")); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Account(ctx, a.ID); got.Verifier != "new" || string(got.KeyFile) != "new key" {
			t.Fatalf("after UpdateCredentials: %+v", got)
		}
		if err := m.UpdateCredentials(ctx, id(t), "x", []byte("x")); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("UpdateCredentials(unknown) = %v", err)
		}
	})

	t.Run("delete account", func(t *testing.T) {
		m := open(t)
		a, b := newAccount(t, m), newAccount(t, m)
		for _, acc := range []backupserver.Account{a, b} {
			if err := m.PutDevice(ctx, backupserver.Device{AccountID: acc.ID, ID: "d1", Name: "laptop", Created: now, LastSeen: now}); err != nil {
				t.Fatal(err)
			}
			if err := m.CreateSession(ctx, backupserver.Session{TokenHash: []byte(acc.ID), AccountID: acc.ID, DeviceID: "d1", Created: now, Expires: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := m.CommitObject(ctx, backupserver.Object{AccountID: acc.ID, ID: "o1", Size: 3, SHA256: make([]byte, 32), BlobKey: acc.ID + "/o1/1", Modified: now}, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.DeleteAccount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := m.DeleteAccount(ctx, a.ID); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("second DeleteAccount = %v, want ErrNotFound", err)
		}
		if _, err := m.Account(ctx, a.ID); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("deleted account still there: %v", err)
		}
		if _, err := m.AccountByEmail(ctx, a.Email); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("deleted account still found by email: %v", err)
		}
		if _, err := m.Session(ctx, []byte(a.ID)); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("session of deleted account: %v", err)
		}
		if ds, _ := m.Devices(ctx, a.ID); len(ds) != 0 {
			t.Fatalf("devices of deleted account: %v", ds)
		}
		if objs, _ := m.Changes(ctx, a.ID, 0, 10); len(objs) != 0 {
			t.Fatalf("objects of deleted account: %v", objs)
		}
		// b is untouched.
		if objs, _ := m.Changes(ctx, b.ID, 0, 10); len(objs) != 1 {
			t.Fatalf("other account lost objects: %v", objs)
		}
		if _, err := m.Session(ctx, []byte(b.ID)); err != nil {
			t.Fatalf("other account lost its session: %v", err)
		}
		purges, err := m.PendingPurges(ctx)
		if err != nil || !contains(purges, a.ID) || contains(purges, b.ID) {
			t.Fatalf("PendingPurges = %v, %v; want %s listed", purges, err, a.ID)
		}
		if err := m.FinishPurge(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if purges, _ := m.PendingPurges(ctx); contains(purges, a.ID) {
			t.Fatalf("purge not finished: %v", purges)
		}
		// The email can be used again.
		again := a
		again.ID = id(t)
		if err := m.CreateAccount(ctx, again); err != nil {
			t.Fatalf("re-create after delete: %v", err)
		}
	})

	t.Run("devices", func(t *testing.T) {
		m := open(t)
		a := newAccount(t, m)
		d := backupserver.Device{AccountID: a.ID, ID: "dev1", Name: "Laptop", Created: now, LastSeen: now}
		if err := m.PutDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		d2 := backupserver.Device{AccountID: a.ID, ID: "dev2", Name: "Desktop", Created: now.Add(time.Second), LastSeen: now.Add(time.Second)}
		if err := m.PutDevice(ctx, d2); err != nil {
			t.Fatal(err)
		}
		d.Name, d.LastSeen = "Work laptop", now.Add(time.Hour)
		if err := m.PutDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := m.Device(ctx, a.ID, "dev1")
		if err != nil || got.Name != "Work laptop" || !got.LastSeen.Equal(now.Add(time.Hour)) || !got.Created.Equal(now) {
			t.Fatalf("Device = %+v, %v", got, err)
		}
		ds, err := m.Devices(ctx, a.ID)
		if err != nil || len(ds) != 2 || ds[0].ID != "dev1" || ds[1].ID != "dev2" {
			t.Fatalf("Devices = %+v, %v", ds, err)
		}
		if _, err := m.Device(ctx, a.ID, "nope"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("unknown device: %v", err)
		}
		other := newAccount(t, m)
		if _, err := m.Device(ctx, other.ID, "dev1"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("device visible to another account: %v", err)
		}
		if err := m.PutDevice(ctx, backupserver.Device{AccountID: id(t), ID: "x", Created: now, LastSeen: now}); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("PutDevice for unknown account = %v, want ErrNotFound", err)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		m := open(t)
		a := newAccount(t, m)
		s1 := backupserver.Session{TokenHash: []byte(id(t)), AccountID: a.ID, DeviceID: "d", Created: now, Expires: now.Add(time.Hour)}
		s2 := backupserver.Session{TokenHash: []byte(id(t)), AccountID: a.ID, DeviceID: "d", Created: now, Expires: now.Add(2 * time.Hour)}
		s3 := backupserver.Session{TokenHash: []byte(id(t)), AccountID: a.ID, DeviceID: "d", Created: now, Expires: now.Add(-time.Minute)}
		for _, s := range []backupserver.Session{s1, s2, s3} {
			if err := m.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := m.Session(ctx, s1.TokenHash)
		if err != nil || got.AccountID != a.ID || !got.Expires.Equal(s1.Expires) {
			t.Fatalf("Session = %+v, %v", got, err)
		}
		if err := m.ExtendSession(ctx, s1.TokenHash, now.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Session(ctx, s1.TokenHash); !got.Expires.Equal(now.Add(3 * time.Hour)) {
			t.Fatalf("ExtendSession: expires %v", got.Expires)
		}
		if n, err := m.DeleteExpiredSessions(ctx, now); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		if _, err := m.Session(ctx, s3.TokenHash); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("expired session kept: %v", err)
		}
		if err := m.DeleteOtherSessions(ctx, a.ID, s1.TokenHash); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Session(ctx, s2.TokenHash); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("other session kept: %v", err)
		}
		if err := m.DeleteSession(ctx, s1.TokenHash); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Session(ctx, s1.TokenHash); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("deleted session kept: %v", err)
		}
		if err := m.DeleteSession(ctx, s1.TokenHash); err != nil {
			t.Fatalf("deleting a missing session: %v", err)
		}
		if err := m.CreateSession(ctx, backupserver.Session{TokenHash: []byte("x"), AccountID: id(t), Created: now, Expires: now}); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("CreateSession for unknown account = %v, want ErrNotFound", err)
		}
	})

	t.Run("login failures", func(t *testing.T) {
		m := open(t)
		key := id(t)
		b := backupserver.Backoff{Free: 2, First: time.Minute, Max: 4 * time.Minute}
		for i := 1; i <= 2; i++ {
			locked, err := m.LoginFailure(ctx, key, now, b)
			if err != nil || !locked.IsZero() {
				t.Fatalf("failure %d: locked %v, %v", i, locked, err)
			}
		}
		// Then the lock doubles with each failure, up to Max; the count is not reset.
		var locked time.Time
		for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
			var err error
			locked, err = m.LoginFailure(ctx, key, now, b)
			if err != nil || !locked.Equal(now.Add(want)) {
				t.Fatalf("failure %d: locked until %v, %v; want %v", i+3, locked, err, now.Add(want))
			}
		}
		if got, err := m.LockedUntil(ctx, key); err != nil || !got.Equal(locked) {
			t.Fatalf("LockedUntil = %v, %v", got, err)
		}
		if got, err := m.LockedUntil(ctx, id(t)); err != nil || !got.IsZero() {
			t.Fatalf("LockedUntil(unknown) = %v, %v", got, err)
		}
		if err := m.ClearLoginFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.LockedUntil(ctx, key); !got.IsZero() {
			t.Fatalf("after clear: locked until %v", got)
		}
	})

	t.Run("objects", func(t *testing.T) {
		m := open(t)
		a, other := newAccount(t, m), newAccount(t, m)
		sum := bytes.Repeat([]byte{7}, 32)
		o := backupserver.Object{AccountID: a.ID, ID: "obj", Size: 10, SHA256: sum, BlobKey: "k1", DeviceID: "d", Modified: now}
		stored, prev, err := m.CommitObject(ctx, o, 0)
		if err != nil || stored.Version != 1 || prev.Version != 0 || stored.Seq == 0 {
			t.Fatalf("create: %+v prev %+v, %v", stored, prev, err)
		}
		if _, prev, err := m.CommitObject(ctx, o, 0); !errors.Is(err, backupserver.ErrConflict) || prev.Version != 1 {
			t.Fatalf("second create = prev %+v, %v; want ErrConflict with version 1", prev, err)
		}
		if _, _, err := m.CommitObject(ctx, o, 5); !errors.Is(err, backupserver.ErrConflict) {
			t.Fatalf("future base = %v, want ErrConflict", err)
		}
		o.BlobKey, o.Size = "k2", 20
		stored2, prev, err := m.CommitObject(ctx, o, 1)
		if err != nil || stored2.Version != 2 || prev.BlobKey != "k1" || stored2.Seq <= stored.Seq {
			t.Fatalf("update: %+v prev %+v, %v", stored2, prev, err)
		}
		got, err := m.Object(ctx, a.ID, "obj")
		if err != nil || got.Version != 2 || got.Size != 20 || got.BlobKey != "k2" || !bytes.Equal(got.SHA256, sum) || !got.Modified.Equal(now) || got.DeviceID != "d" {
			t.Fatalf("Object = %+v, %v", got, err)
		}
		if _, err := m.Object(ctx, other.ID, "obj"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("object visible to another account: %v", err)
		}
		if objs, _ := m.Changes(ctx, other.ID, 0, 10); len(objs) != 0 {
			t.Fatalf("other account's changes: %v", objs)
		}
		// Same object id in another account is a separate object.
		if s, _, err := m.CommitObject(ctx, backupserver.Object{AccountID: other.ID, ID: "obj", BlobKey: "o1", SHA256: sum, Modified: now}, 0); err != nil || s.Version != 1 {
			t.Fatalf("other account's object: %+v, %v", s, err)
		}
		o2 := backupserver.Object{AccountID: a.ID, ID: "second", Size: 1, SHA256: sum, BlobKey: "k3", Modified: now}
		if _, _, err := m.CommitObject(ctx, o2, 0); err != nil {
			t.Fatal(err)
		}
		if n, size, err := m.Usage(ctx, a.ID); err != nil || n != 2 || size != 21 {
			t.Fatalf("Usage = %d, %d, %v; want 2, 21", n, size, err)
		}
		tomb, prev, err := m.CommitObject(ctx, backupserver.Object{AccountID: a.ID, ID: "obj", Deleted: true, Modified: now}, 2)
		if err != nil || !tomb.Deleted || tomb.Version != 3 || prev.BlobKey != "k2" {
			t.Fatalf("tombstone: %+v prev %+v, %v", tomb, prev, err)
		}
		if n, size, _ := m.Usage(ctx, a.ID); n != 1 || size != 1 {
			t.Fatalf("Usage after delete = %d, %d; want 1, 1", n, size)
		}
		changes, err := m.Changes(ctx, a.ID, 0, 10)
		if err != nil || len(changes) != 2 || changes[0].ID != "second" || changes[1].ID != "obj" || !changes[1].Deleted {
			t.Fatalf("Changes = %+v, %v", changes, err)
		}
		if c, _ := m.Changes(ctx, a.ID, changes[0].Seq, 10); len(c) != 1 || c[0].ID != "obj" {
			t.Fatalf("Changes since first = %+v", c)
		}
		if c, _ := m.Changes(ctx, a.ID, 0, 1); len(c) != 1 || c[0].ID != "second" {
			t.Fatalf("Changes limit 1 = %+v", c)
		}
		// A tombstone can be revived by a new version.
		if s, _, err := m.CommitObject(ctx, o, 3); err != nil || s.Version != 4 || s.Deleted {
			t.Fatalf("revive: %+v, %v", s, err)
		}
		if _, _, err := m.CommitObject(ctx, backupserver.Object{AccountID: id(t), ID: "x", Modified: now}, 0); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("CommitObject for unknown account = %v, want ErrNotFound", err)
		}
	})

	t.Run("concurrent commits", func(t *testing.T) {
		m := open(t)
		a := newAccount(t, m)
		const workers = 8
		var wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := m.CommitObject(ctx, backupserver.Object{AccountID: a.ID, ID: "race", BlobKey: fmt.Sprint(i), Modified: now}, 0)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, backupserver.ErrConflict):
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent commit: %v", err)
		}
		if wins.Load() != 1 {
			t.Fatalf("%d concurrent creates succeeded, want 1", wins.Load())
		}
		// Sequence numbers stay unique and ordered under concurrent commits of different objects.
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := m.CommitObject(ctx, backupserver.Object{AccountID: a.ID, ID: fmt.Sprint("o", i), Modified: now}, 0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		changes, _ := m.Changes(ctx, a.ID, 0, 100)
		seen := map[int64]bool{}
		for i, c := range changes {
			if seen[c.Seq] || (i > 0 && c.Seq <= changes[i-1].Seq) {
				t.Fatalf("sequence numbers not unique and increasing: %+v", changes)
			}
			seen[c.Seq] = true
		}
		if len(changes) != workers+1 {
			t.Fatalf("%d changes, want %d", len(changes), workers+1)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shortReader yields fewer bytes than announced.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// Blobs runs the shared suite against a fresh blob store returned by open. Empty blobs are not
// tested: the server refuses empty objects (the smallest encrypted object has 33 bytes).
func Blobs(t *testing.T, open func(t *testing.T) backupserver.Blobs) {
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		b := open(t)
		data := bytes.Repeat([]byte("encrypted "), 1000)
		if err := b.Put(ctx, "acct/obj/1-abc", bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		got := read(t, b, "acct/obj/1-abc")
		if !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, want %d", len(got), len(data))
		}
		if err := b.Delete(ctx, "acct/obj/1-abc"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Get(ctx, "acct/obj/1-abc"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
		}
		if err := b.Delete(ctx, "acct/obj/1-abc"); err != nil {
			t.Fatalf("Delete of a missing blob: %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		b := open(t)
		if _, err := b.Get(ctx, "nobody/none/1"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
		}
	})
	t.Run("wrong size leaves nothing", func(t *testing.T) {
		b := open(t)
		if err := b.Put(ctx, "acct/short/1", strings.NewReader("abc"), 10); err == nil {
			t.Fatal("Put of a short reader succeeded")
		}
		if _, err := b.Get(ctx, "acct/short/1"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("short blob left behind: %v", err)
		}
		if err := b.Put(ctx, "acct/long/1", strings.NewReader("abcdefghij"), 3); err == nil {
			t.Fatal("Put of a long reader succeeded")
		}
		if _, err := b.Get(ctx, "acct/long/1"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("long blob left behind: %v", err)
		}
		if err := b.Put(ctx, "acct/fail/1", io.MultiReader(strings.NewReader("ab"), failingReader{errors.New("client hung up")}), 10); err == nil {
			t.Fatal("Put of a failing reader succeeded")
		}
		if _, err := b.Get(ctx, "acct/fail/1"); !errors.Is(err, backupserver.ErrNotFound) {
			t.Fatalf("failed blob left behind: %v", err)
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		b := open(t)
		for _, key := range []string{"", "../etc/passwd", "a/../../b", "/abs", "a//b", "a b", "a/.."} {
			if err := b.Put(ctx, key, strings.NewReader("x"), 1); !errors.Is(err, backupserver.ErrBadKey) {
				t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
			}
			if _, err := b.Get(ctx, key); !errors.Is(err, backupserver.ErrBadKey) {
				t.Errorf("Get(%q) = %v, want ErrBadKey", key, err)
			}
		}
	})
	t.Run("delete prefix", func(t *testing.T) {
		b := open(t)
		for _, key := range []string{"gone/a/1", "gone/b/2", "gone/b/3", "kept/a/1", "gonex/a/1"} {
			if err := b.Put(ctx, key, strings.NewReader(key), int64(len(key))); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.DeletePrefix(ctx, "gone/"); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"gone/a/1", "gone/b/2", "gone/b/3"} {
			if _, err := b.Get(ctx, key); !errors.Is(err, backupserver.ErrNotFound) {
				t.Errorf("%s survived DeletePrefix: %v", key, err)
			}
		}
		for _, key := range []string{"kept/a/1", "gonex/a/1"} {
			if got := read(t, b, key); string(got) != key {
				t.Errorf("%s damaged by DeletePrefix: %q", key, got)
			}
		}
		if err := b.DeletePrefix(ctx, "never/"); err != nil {
			t.Fatalf("DeletePrefix of nothing: %v", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		b := open(t)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("acct/c%d/1", i)
				data := bytes.Repeat([]byte{byte(i)}, 4096+i)
				if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
					t.Error(err)
					return
				}
				if got := read(t, b, key); !bytes.Equal(got, data) {
					t.Errorf("%s: read back wrong data", key)
				}
			}()
		}
		wg.Wait()
	})
}

func read(t *testing.T, b backupserver.Blobs, key string) []byte {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}
