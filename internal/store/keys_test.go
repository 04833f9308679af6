package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

func TestRemember(t *testing.T) {
	kc := &keychain.Memory{}
	opts := testOptions()
	opts.Keychain = kc
	path := filepath.Join(t.TempDir(), "library.db")
	l, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	if kc.Len() != 0 {
		t.Fatal("the key was remembered without being asked")
	}
	if err := l.UnlockRemembered(ctx); !errors.Is(err, ErrNotRemembered) {
		t.Fatalf("UnlockRemembered before Remember: %v", err)
	}
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	if err := l.Remember(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(KeychainAccount(l.Path())); err != nil {
		t.Fatalf("no keychain entry under the library's account: %v", err)
	}
	l.Close()

	l, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Locked() {
		t.Fatal("a reopened library starts unlocked")
	}
	if err := l.UnlockRemembered(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	// Password changes keep the remembered key valid: the data key is the same.
	if err := l.ChangePassword(ctx, password, []byte("changed")); err != nil {
		t.Fatal(err)
	}
	l.Lock()
	if err := l.UnlockRemembered(ctx); err != nil {
		t.Fatalf("after ChangePassword: %v", err)
	}
	if err := l.Forget(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Forget(ctx); err != nil {
		t.Fatalf("second Forget: %v", err)
	}
	l.Lock()
	if err := l.UnlockRemembered(ctx); !errors.Is(err, ErrNotRemembered) {
		t.Fatalf("after Forget: %v", err)
	}
	if err := l.Remember(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("Remember while locked: %v", err)
	}
}

func TestRememberStaleKey(t *testing.T) {
	kc := &keychain.Memory{}
	opts := testOptions()
	opts.Keychain = kc
	l := openUnlocked(t, opts)
	// A key left behind by another library at the same path.
	if err := kc.Set(KeychainAccount(l.Path()), make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	l.Lock()
	if err := l.UnlockRemembered(ctx); !errors.Is(err, ErrNotRemembered) {
		t.Fatalf("stale key: %v", err)
	}
	if kc.Len() != 0 {
		t.Fatal("stale key not removed")
	}
	if err := kc.Set(KeychainAccount(l.Path()), []byte("short")); err != nil {
		t.Fatal(err)
	}
	if err := l.UnlockRemembered(ctx); !errors.Is(err, ErrNotRemembered) {
		t.Fatalf("malformed key: %v", err)
	}
	if !l.Locked() {
		t.Fatal("unlocked by a bad key")
	}
}

func TestNoKeychain(t *testing.T) {
	l := openUnlocked(t, testOptions())
	if err := l.Remember(ctx); !errors.Is(err, ErrNoKeychain) {
		t.Fatalf("Remember: %v", err)
	}
	if err := l.UnlockRemembered(ctx); !errors.Is(err, ErrNoKeychain) {
		t.Fatalf("UnlockRemembered: %v", err)
	}
	if err := l.Forget(ctx); err != nil {
		t.Fatalf("Forget: %v", err)
	}
}

func TestKeychainAccount(t *testing.T) {
	a, b := KeychainAccount("/home/u/a/library.db"), KeychainAccount("/home/u/b/library.db")
	if a == b || len(a) != len("library-")+32 || a != KeychainAccount("/home/u/a/library.db") {
		t.Fatalf("accounts %q %q", a, b)
	}
}
