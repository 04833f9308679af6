package keychain

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/zalando/go-keyring"
)

// store is what the shared suite exercises; both Keyring and *Memory satisfy it.
type store interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
	DeleteAll() error
}

// testStore is the suite every implementation must pass. It leaves the store empty.
func testStore(t *testing.T, s store) {
	t.Helper()
	secretA := []byte{0, 1, 2, 0xfe, 0xff, 'a'}
	secretB := bytes.Repeat([]byte{0x5a}, 32)

	t.Run("missing", func(t *testing.T) {
		_, err := s.Get("library-missing")
		if !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Get(missing) err = %v, want ErrNotFound matching fs.ErrNotExist", err)
		}
		if err := s.Delete("library-missing"); err != nil {
			t.Fatalf("Delete(missing) = %v, want nil", err)
		}
	})
	t.Run("roundtrip", func(t *testing.T) {
		if err := s.Set("library-a", secretA); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("library-b", secretB); err != nil {
			t.Fatal(err)
		}
		for acct, want := range map[string][]byte{"library-a": secretA, "library-b": secretB} {
			got, err := s.Get(acct)
			if err != nil {
				t.Fatalf("Get(%s): %v", acct, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Get(%s) = %x, want %x", acct, got, want)
			}
		}
	})
	t.Run("returned slice is a copy", func(t *testing.T) {
		got, err := s.Get("library-a")
		if err != nil {
			t.Fatal(err)
		}
		clear(got)
		again, err := s.Get("library-a")
		if err != nil || !bytes.Equal(again, secretA) {
			t.Fatalf("after clearing the returned slice, Get = %x, %v", again, err)
		}
	})
	t.Run("overwrite", func(t *testing.T) {
		if err := s.Set("library-a", []byte("new")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get("library-a")
		if err != nil || string(got) != "new" {
			t.Fatalf("Get after overwrite = %q, %v", got, err)
		}
	})
	t.Run("delete one", func(t *testing.T) {
		if err := s.Delete("library-a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get("library-a"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete err = %v", err)
		}
		if got, err := s.Get("library-b"); err != nil || !bytes.Equal(got, secretB) {
			t.Fatalf("Delete removed another account: %x, %v", got, err)
		}
	})
	t.Run("delete all", func(t *testing.T) {
		if err := s.Set("library-c", secretA); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAll(); err != nil {
			t.Fatal(err)
		}
		for _, acct := range []string{"library-a", "library-b", "library-c"} {
			if _, err := s.Get(acct); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get(%s) after DeleteAll err = %v", acct, err)
			}
		}
		if err := s.DeleteAll(); err != nil {
			t.Fatalf("DeleteAll on empty store = %v", err)
		}
	})
}

func TestMemory(t *testing.T) {
	m := &Memory{}
	testStore(t, m)
	if m.Len() != 0 {
		t.Fatalf("Len = %d after suite", m.Len())
	}
}

// TestKeyringMock runs the suite against go-keyring's in-memory mock provider. go-keyring's provider is
// process-global and MockInit cannot be undone, so this test stays out of the way of TestKeyringReal.
func TestKeyringMock(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_REAL_KEYRING") == "1" {
		t.Skip("HUSHSCRIBE_REAL_KEYRING=1: not replacing the real keyring with the mock")
	}
	keyring.MockInit()
	testStore(t, Keyring{})
	testStore(t, Keyring{Service: "hushscribe-other"})
}

// TestKeyringServicesAreSeparate checks that DeleteAll of one service leaves another alone.
func TestKeyringServicesAreSeparate(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_REAL_KEYRING") == "1" {
		t.Skip("HUSHSCRIBE_REAL_KEYRING=1: not replacing the real keyring with the mock")
	}
	keyring.MockInit()
	a, b := Keyring{Service: "hushscribe-a"}, Keyring{Service: "hushscribe-b"}
	if err := a.Set("x", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := b.Set("x", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteAll(); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get("x"); err != nil || string(got) != "2" {
		t.Fatalf("other service after DeleteAll: %q, %v", got, err)
	}
	if err := b.DeleteAll(); err != nil {
		t.Fatal(err)
	}
}

// TestKeyringReal runs the suite against the real OS credential store. It runs only when
// HUSHSCRIBE_REAL_KEYRING=1; on Linux testdata/run-real.sh starts a private D-Bus session with an
// unlocked gnome-keyring-daemon and runs it. It uses a random service name so that it cannot touch
// real Hushscribe entries.
func TestKeyringReal(t *testing.T) {
	if os.Getenv("HUSHSCRIBE_REAL_KEYRING") != "1" {
		t.Skip("set HUSHSCRIBE_REAL_KEYRING=1 (see testdata/run-real.sh) to test the OS keychain")
	}
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	k := Keyring{Service: "hushscribe-test-" + hex.EncodeToString(r[:])}
	t.Cleanup(func() { _ = k.DeleteAll() })
	testStore(t, k)
}
