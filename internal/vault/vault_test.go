package vault_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/internal/vault"
)

var (
	password = []byte("correct horse battery staple")
	fast     = vault.TestingParams()
)

func newKey(t testing.TB) (*vault.Key, []byte) {
	t.Helper()
	k, wrapped, err := vault.NewKey(password, fast)
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	t.Cleanup(k.Destroy)
	return k, wrapped
}

func TestTestingParams(t *testing.T) {
	if got := vault.TestingParams().Iterations; got != vault.TestingIterations {
		t.Fatalf("TestingParams().Iterations = %d in a test binary, want %d", got, vault.TestingIterations)
	}
	if got := vault.DefaultParams().Iterations; got != 600_000 {
		t.Fatalf("DefaultParams().Iterations = %d, want 600000", got)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k, _ := newKey(t)
	for _, tc := range []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", nil, nil},
		{"empty with ad", []byte{}, vault.AD("t1", "text")},
		{"one byte", []byte{0}, vault.AD("t1", "title")},
		{"text", []byte("And so, my fellow Americans: ask not what your country can do for you."), vault.AD("01J0", "segments")},
		{"64 KiB", bytes.Repeat([]byte{0xa5}, 64<<10), []byte("raw ad")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := k.Seal(tc.plaintext, tc.ad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(env) != len(tc.plaintext)+vault.Overhead {
				t.Errorf("envelope is %d bytes, want %d", len(env), len(tc.plaintext)+vault.Overhead)
			}
			got, err := k.Open(env, tc.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tc.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tc.plaintext)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	k, _ := newKey(t)
	seen := map[string]bool{}
	for range 100 {
		env, err := k.Seal([]byte("same"), nil)
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(env[5:vault.DataHeaderSize])
		if seen[nonce] {
			t.Fatalf("nonce %x reused", nonce)
		}
		seen[nonce] = true
	}
}

func TestPasswordEnvelopeRoundTrip(t *testing.T) {
	pt := []byte(`{"transcripts":[]}`)
	ad := []byte("hushscribe export")
	env, err := vault.SealWithPassword(password, pt, ad, fast)
	if err != nil {
		t.Fatalf("SealWithPassword: %v", err)
	}
	if len(env) != len(pt)+vault.PasswordOverhead {
		t.Errorf("envelope is %d bytes, want %d", len(env), len(pt)+vault.PasswordOverhead)
	}
	got, err := vault.OpenWithPassword(password, env, ad)
	if err != nil {
		t.Fatalf("OpenWithPassword: %v", err)
	}
	if !bytes.Equal(got, pt) {
		t.Fatalf("OpenWithPassword = %q, want %q", got, pt)
	}
	if _, err := vault.OpenWithPassword([]byte("wrong"), env, ad); !errors.Is(err, vault.ErrWrongPassword) {
		t.Errorf("wrong password: err = %v, want ErrWrongPassword", err)
	}
	if _, err := vault.OpenWithPassword(password, env, []byte("other ad")); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("wrong ad: err = %v, want ErrTampered", err)
	}
}

func TestUnwrap(t *testing.T) {
	k, wrapped := newKey(t)
	if len(wrapped) != vault.KeyFileSize {
		t.Fatalf("key file is %d bytes, want %d", len(wrapped), vault.KeyFileSize)
	}
	env, err := k.Seal([]byte("secret"), vault.AD("t", "f"))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := vault.Unwrap(wrapped, password)
	if err != nil {
		t.Fatalf("Unwrap: %v", err)
	}
	defer k2.Destroy()
	if !bytes.Equal(k.Export(), k2.Export()) {
		t.Fatal("unwrapped key differs from the new key")
	}
	if got, err := k2.Open(env, vault.AD("t", "f")); err != nil || string(got) != "secret" {
		t.Fatalf("Open with unwrapped key = %q, %v", got, err)
	}
	for _, pw := range [][]byte{[]byte("correct horse battery stapl"), []byte("Correct horse battery staple"), nil} {
		if _, err := vault.Unwrap(wrapped, pw); !errors.Is(err, vault.ErrWrongPassword) {
			t.Errorf("Unwrap(%q) err = %v, want ErrWrongPassword", pw, err)
		}
	}
}

func TestNewKeysDiffer(t *testing.T) {
	k1, w1 := newKey(t)
	k2, w2 := newKey(t)
	if bytes.Equal(k1.Export(), k2.Export()) || bytes.Equal(w1, w2) {
		t.Fatal("two NewKey calls gave the same key or key file")
	}
}

// flip returns a copy of b with byte i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// Offsets of the fields of a password header (docs/FORMAT.md).
const (
	offVersion = 4
	offIter    = 5
	offSalt    = 9
	offCheck   = 25
	offNonce   = 41
)

// wantPasswordBlobError is the error expected when byte i of a key file or password envelope is
// modified and the right password is given.
func wantPasswordBlobError(i int) []error {
	switch {
	case i < offVersion:
		return []error{vault.ErrTampered}
	case i == offVersion:
		return []error{vault.ErrUnsupportedVersion}
	case i < offSalt: // iterations: too low, too high, or a different (wrong) key
		return []error{vault.ErrWeakParams, vault.ErrUnsupportedVersion, vault.ErrWrongPassword}
	case i < offNonce: // salt and check: indistinguishable from a wrong password
		return []error{vault.ErrWrongPassword}
	default:
		return []error{vault.ErrTampered}
	}
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func TestUnwrapTamperEveryByte(t *testing.T) {
	_, wrapped := newKey(t)
	for i := range wrapped {
		k, err := vault.Unwrap(flip(wrapped, i), password)
		if err == nil {
			k.Destroy()
			t.Errorf("byte %d flipped: Unwrap succeeded", i)
			continue
		}
		if want := wantPasswordBlobError(i); !isAny(err, want) {
			t.Errorf("byte %d flipped: err = %v, want one of %v", i, err, want)
		}
	}
}

func TestOpenWithPasswordTamperEveryByte(t *testing.T) {
	ad := []byte("backup")
	env, err := vault.SealWithPassword(password, []byte("hi"), ad, fast)
	if err != nil {
		t.Fatal(err)
	}
	for i := range env {
		_, err := vault.OpenWithPassword(password, flip(env, i), ad)
		if err == nil {
			t.Errorf("byte %d flipped: OpenWithPassword succeeded", i)
			continue
		}
		if want := wantPasswordBlobError(i); !isAny(err, want) {
			t.Errorf("byte %d flipped: err = %v, want one of %v", i, err, want)
		}
	}
}

func TestOpenTamperEveryByte(t *testing.T) {
	k, _ := newKey(t)
	ad := vault.AD("t1", "text")
	env, err := k.Seal([]byte("hello"), ad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range env {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(env)
			c[i] ^= mask
			_, err := k.Open(c, ad)
			want := vault.ErrTampered
			if i == offVersion {
				want = vault.ErrUnsupportedVersion
			}
			if !errors.Is(err, want) {
				t.Errorf("byte %d ^ %#x: err = %v, want %v", i, mask, err, want)
			}
		}
	}
}

func TestSwappedCiphertexts(t *testing.T) {
	k, _ := newKey(t)
	ads := [][]byte{
		vault.AD("t1", "text"),
		vault.AD("t1", "title"),
		vault.AD("t2", "text"),
		vault.AD("t", "1text"), // would collide with ("t1", "text") without length prefixes
		vault.AD("", ""),
		nil,
	}
	envs := make([][]byte, len(ads))
	for i, ad := range ads {
		var err error
		if envs[i], err = k.Seal([]byte("same plaintext"), ad); err != nil {
			t.Fatal(err)
		}
	}
	for i, env := range envs {
		for j, ad := range ads {
			_, err := k.Open(env, ad)
			if i == j && err != nil {
				t.Errorf("envelope %d with its own ad: %v", i, err)
			}
			if i != j && !errors.Is(err, vault.ErrTampered) {
				t.Errorf("envelope %d opened with ad %d: err = %v, want ErrTampered", i, j, err)
			}
		}
	}
}

func TestAD(t *testing.T) {
	got := vault.AD("ab", "c")
	want := []byte{0, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 1, 'c'}
	if !bytes.Equal(got, want) {
		t.Fatalf("AD(ab, c) = %x, want %x", got, want)
	}
	if bytes.Equal(vault.AD("ab", "c"), vault.AD("a", "bc")) {
		t.Fatal("AD is ambiguous")
	}
}

func TestOtherKeyFails(t *testing.T) {
	k1, _ := newKey(t)
	k2, _ := newKey(t)
	env, err := k1.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k2.Open(env, nil); !errors.Is(err, vault.ErrTampered) {
		t.Fatalf("Open under another key: err = %v, want ErrTampered", err)
	}
}

func TestTruncated(t *testing.T) {
	k, wrapped := newKey(t)
	env, err := k.Seal([]byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	penv, err := vault.SealWithPassword(password, []byte("hello"), nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(env) {
		if _, err := k.Open(env[:n], nil); !errors.Is(err, vault.ErrTampered) {
			t.Errorf("data envelope truncated to %d: err = %v, want ErrTampered", n, err)
		}
	}
	for n := range len(wrapped) {
		if _, err := vault.Unwrap(wrapped[:n], password); !errors.Is(err, vault.ErrTampered) {
			t.Errorf("key file truncated to %d: err = %v, want ErrTampered", n, err)
		}
	}
	if _, err := vault.Unwrap(append(bytes.Clone(wrapped), 0), password); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("key file with a trailing byte: err = %v, want ErrTampered", err)
	}
	for n := range len(penv) {
		if _, err := vault.OpenWithPassword(password, penv[:n], nil); !errors.Is(err, vault.ErrTampered) {
			t.Errorf("password envelope truncated to %d: err = %v, want ErrTampered", n, err)
		}
	}
}

func TestWrongKind(t *testing.T) {
	k, wrapped := newKey(t)
	env, err := k.Seal(bytes.Repeat([]byte{1}, 64), nil)
	if err != nil {
		t.Fatal(err)
	}
	penv, err := vault.SealWithPassword(password, bytes.Repeat([]byte{1}, 32), nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vault.Unwrap(penv, password); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("Unwrap(password envelope): err = %v, want ErrTampered", err)
	}
	if _, err := vault.OpenWithPassword(password, wrapped, nil); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("OpenWithPassword(key file): err = %v, want ErrTampered", err)
	}
	if _, err := vault.OpenWithPassword(password, env, nil); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("OpenWithPassword(data envelope): err = %v, want ErrTampered", err)
	}
	if _, err := k.Open(penv, nil); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("Open(password envelope): err = %v, want ErrTampered", err)
	}
	// The same header with the other magic must not authenticate: the magic is associated data.
	c := bytes.Clone(penv)
	copy(c, "HSKY")
	if _, err := vault.Unwrap(c, password); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("password envelope relabelled as a key file: err = %v, want ErrTampered", err)
	}
}

func TestUnsupportedVersion(t *testing.T) {
	k, wrapped := newKey(t)
	env, err := k.Seal([]byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	penv, err := vault.SealWithPassword(password, []byte("hello"), nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []byte{0, 2, 255} {
		set := func(b []byte) []byte { c := bytes.Clone(b); c[offVersion] = v; return c }
		if _, err := k.Open(set(env), nil); !errors.Is(err, vault.ErrUnsupportedVersion) {
			t.Errorf("Open version %d: err = %v", v, err)
		}
		if _, err := vault.Unwrap(set(wrapped), password); !errors.Is(err, vault.ErrUnsupportedVersion) {
			t.Errorf("Unwrap version %d: err = %v", v, err)
		}
		if _, err := vault.OpenWithPassword(password, set(penv), nil); !errors.Is(err, vault.ErrUnsupportedVersion) {
			t.Errorf("OpenWithPassword version %d: err = %v", v, err)
		}
	}
	// A header alone (no ciphertext) of a newer version still reports the version.
	if _, err := k.Open([]byte("HSDE\x02"), nil); !errors.Is(err, vault.ErrUnsupportedVersion) {
		t.Errorf("Open of a bare version 2 header: err = %v", err)
	}
}

func TestIterations(t *testing.T) {
	for _, tc := range []struct {
		iter    int
		testing bool
		want    error
	}{
		{vault.TestingIterations, true, nil},
		{vault.TestingIterations, false, vault.ErrWeakParams},
		{vault.TestingIterations + 1, true, vault.ErrWeakParams},
		{0, true, vault.ErrWeakParams},
		{-1, true, vault.ErrWeakParams},
		{99_999, true, vault.ErrWeakParams},
		{99_999, false, vault.ErrWeakParams},
		{100_000, false, nil},
		{600_000, false, nil},
		{vault.MaxIterations, false, nil},
		{vault.MaxIterations + 1, false, vault.ErrUnsupportedVersion},
		{math.MaxInt32, false, vault.ErrUnsupportedVersion},
	} {
		err := vault.CheckIterationsMode(tc.iter, tc.testing)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("iterations %d (testing %v): err = %v, want %v", tc.iter, tc.testing, err, tc.want)
		}
	}
}

func TestWeakParamsRefused(t *testing.T) {
	for _, iter := range []int{1, 99_999, -5} {
		p := vault.Params{Iterations: iter}
		if _, _, err := vault.NewKey(password, p); !errors.Is(err, vault.ErrWeakParams) {
			t.Errorf("NewKey with %d iterations: err = %v, want ErrWeakParams", iter, err)
		}
		if _, err := vault.SealWithPassword(password, nil, nil, p); !errors.Is(err, vault.ErrWeakParams) {
			t.Errorf("SealWithPassword with %d iterations: err = %v, want ErrWeakParams", iter, err)
		}
	}
	if _, _, err := vault.NewKey(nil, fast); !errors.Is(err, vault.ErrWeakParams) {
		t.Errorf("NewKey with an empty password: err = %v, want ErrWeakParams", err)
	}
	if _, _, err := vault.NewKey(password, vault.Params{Iterations: vault.MaxIterations + 1}); !errors.Is(err, vault.ErrUnsupportedVersion) {
		t.Errorf("NewKey above MaxIterations: err = %v, want ErrUnsupportedVersion", err)
	}

	// A key file whose header was rewritten to 99,999 iterations is refused before any KDF work.
	_, wrapped := newKey(t)
	binary.BigEndian.PutUint32(wrapped[offIter:], 99_999)
	if _, err := vault.Unwrap(wrapped, password); !errors.Is(err, vault.ErrWeakParams) {
		t.Errorf("Unwrap of a 99,999-iteration key file: err = %v, want ErrWeakParams", err)
	}
}

func TestMinimumIterationsAccepted(t *testing.T) {
	p := vault.Params{Iterations: vault.MinIterations}
	k, wrapped, err := vault.NewKey(password, p)
	if err != nil {
		t.Fatalf("NewKey with 100,000 iterations: %v", err)
	}
	defer k.Destroy()
	if got := binary.BigEndian.Uint32(wrapped[offIter:]); got != vault.MinIterations {
		t.Fatalf("header says %d iterations, want %d", got, vault.MinIterations)
	}
	k2, err := vault.Unwrap(wrapped, password)
	if err != nil {
		t.Fatalf("Unwrap of a 100,000-iteration key file: %v", err)
	}
	k2.Destroy()
}

func TestRewrap(t *testing.T) {
	k, wrapped := newKey(t)
	ad := vault.AD("t1", "text")
	env, err := k.Seal([]byte("sealed before the password change"), ad)
	if err != nil {
		t.Fatal(err)
	}
	newPassword := []byte("new password")
	rewrapped, err := vault.Rewrap(wrapped, password, newPassword, fast)
	if err != nil {
		t.Fatalf("Rewrap: %v", err)
	}
	if bytes.Equal(rewrapped[offSalt:offNonce], wrapped[offSalt:offNonce]) {
		t.Error("Rewrap reused the salt")
	}
	if _, err := vault.Unwrap(rewrapped, password); !errors.Is(err, vault.ErrWrongPassword) {
		t.Errorf("old password on the new key file: err = %v, want ErrWrongPassword", err)
	}
	k2, err := vault.Unwrap(rewrapped, newPassword)
	if err != nil {
		t.Fatalf("Unwrap with the new password: %v", err)
	}
	defer k2.Destroy()
	got, err := k2.Open(env, ad)
	if err != nil || string(got) != "sealed before the password change" {
		t.Fatalf("Open of data sealed before Rewrap = %q, %v", got, err)
	}
	if _, err := vault.Rewrap(wrapped, []byte("not it"), newPassword, fast); !errors.Is(err, vault.ErrWrongPassword) {
		t.Errorf("Rewrap with a wrong old password: err = %v, want ErrWrongPassword", err)
	}
	if _, err := vault.Rewrap(wrapped, password, newPassword, vault.Params{Iterations: 10}); !errors.Is(err, vault.ErrWeakParams) {
		t.Errorf("Rewrap with weak params: err = %v, want ErrWeakParams", err)
	}
}

func TestDestroy(t *testing.T) {
	k, _ := newKey(t)
	env, err := k.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dek := vault.DEKAlias(k)
	k.Destroy()
	if !bytes.Equal(dek, make([]byte, vault.KeySize)) {
		t.Errorf("Destroy left key bytes %x", dek)
	}
	if _, err := k.Seal([]byte("x"), nil); !errors.Is(err, vault.ErrDestroyed) {
		t.Errorf("Seal after Destroy: err = %v, want ErrDestroyed", err)
	}
	if _, err := k.Open(env, nil); !errors.Is(err, vault.ErrDestroyed) {
		t.Errorf("Open after Destroy: err = %v, want ErrDestroyed", err)
	}
	if got := k.Export(); got != nil {
		t.Errorf("Export after Destroy = %x, want nil", got)
	}
	k.Destroy() // idempotent
}

func TestExportImport(t *testing.T) {
	k, _ := newKey(t)
	ad := vault.AD("t", "text")
	env, err := k.Seal([]byte("remember me"), ad)
	if err != nil {
		t.Fatal(err)
	}
	raw := k.Export()
	if len(raw) != vault.KeySize {
		t.Fatalf("Export is %d bytes, want %d", len(raw), vault.KeySize)
	}
	k2, err := vault.ImportKey(raw)
	if err != nil {
		t.Fatalf("ImportKey: %v", err)
	}
	defer k2.Destroy()
	clear(raw) // the imported key must not alias the caller's slice
	if got, err := k2.Open(env, ad); err != nil || string(got) != "remember me" {
		t.Fatalf("Open with imported key = %q, %v", got, err)
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := vault.ImportKey(make([]byte, n)); !errors.Is(err, vault.ErrTampered) {
			t.Errorf("ImportKey of %d bytes: err = %v, want ErrTampered", n, err)
		}
	}
}

func TestKeyExhausted(t *testing.T) {
	k, _ := newKey(t)
	vault.SetSealed(k, vault.MaxSealsPerKey-1)
	if _, err := k.Seal([]byte("last"), nil); err != nil {
		t.Fatalf("seal number %d: %v", vault.MaxSealsPerKey, err)
	}
	if _, err := k.Seal([]byte("one too many"), nil); !errors.Is(err, vault.ErrKeyExhausted) {
		t.Fatalf("seal number %d: err = %v, want ErrKeyExhausted", vault.MaxSealsPerKey+1, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	k, _ := newKey(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				ad := vault.AD(fmt.Sprint(g), fmt.Sprint(i))
				env, err := k.Seal([]byte("x"), ad)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := k.Open(env, ad); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
