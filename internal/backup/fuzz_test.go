package backup

import (
	"errors"
	"github.com/hushscribe/hushscribe/internal/vault"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadState feeds arbitrary bytes as the state file: loadState must return a state or an
// error, never panic.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"format":"hushscribe-backup-state-v1","entries":{"t1":{"object":"o","version":3,"local_hash":"ab"}}}`))
	f.Add([]byte(`{"format":"hushscribe-backup-state-v1","entries":null}`))
	f.Add([]byte(`{"format":"hushscribe-backup-state-v1","entries":{"t1":null},"pending":{"t2":null},"seen":{"o":-1}}`))
	f.Add([]byte(`{"format":"other"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(path)
		if err == nil && (st.Entries == nil || st.Format != stateFormat) {
			t.Fatalf("loadState accepted %q as %+v", data, st)
		}
	})
}

// FuzzKeyFileIterations feeds arbitrary bytes as the server's key file: the iteration count is
// read only from a well-formed version 1 key file, never with a panic.
func FuzzKeyFileIterations(f *testing.F) {
	good := append([]byte("HSKY\x01\x00\x01\x86\xa0"), make([]byte, vault.KeyFileSize-9)...)
	f.Add(good)
	f.Add([]byte("HSKY"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, kf []byte) {
		n, err := keyFileIterations(kf)
		if err == nil && (len(kf) != vault.KeyFileSize || string(kf[:4]) != "HSKY" || n < 0) {
			t.Fatalf("accepted %x as %d iterations", kf, n)
		}
		if err != nil && !errors.Is(err, ErrTampered) {
			t.Fatalf("error %v is not ErrTampered", err)
		}
	})
}

// FuzzOpenObject feeds arbitrary bytes as a downloaded object (any kind, any version): it opens
// only if the data key sealed it for that place, else ErrTampered; never a panic.
func FuzzOpenObject(f *testing.F) {
	dek, _, err := vault.NewKey([]byte("k"), vault.TestingParams())
	if err != nil {
		f.Fatal(err)
	}
	idKey, _ := objectIDKey(dek)
	s := &syncer{st: newState(), dek: dek, idKey: idKey, manID: manifestObjectID(idKey)}
	s.st.AccountID = "acct"
	obj := objectID(idKey, "t1")
	good, _ := dek.Seal([]byte(`{"format":"hushscribe-backup-tombstone-v1","id":"t1"}`), objectAD2(kindTombstone, "acct", obj, 2))
	man, _ := dek.Seal([]byte(`{"format":"hushscribe-backup-manifest-v1","objects":{"x":1}}`), objectAD2(kindManifest, "acct", s.manID, 1))
	f.Add(good, int64(2), false)
	f.Add(man, int64(1), true)
	f.Add([]byte("HSDE\x01"), int64(1), false)
	f.Fuzz(func(t *testing.T, env []byte, version int64, manifest bool) {
		id := obj
		if manifest {
			id = s.manID
		}
		o, err := s.open(id, version, env)
		if err != nil && !errors.Is(err, ErrTampered) {
			t.Fatalf("error %v is not ErrTampered", err)
		}
		if err == nil && (o.version != version || o.object != id) {
			t.Fatalf("opened %+v", o)
		}
	})
}
