package vault_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/hushscribe/hushscribe/internal/vault"
)

// FuzzOpen checks that Open never panics and never accepts an envelope other than the one sealed.
func FuzzOpen(f *testing.F) {
	k, err := vault.ImportKey(seq(0x40, 32))
	if err != nil {
		f.Fatal(err)
	}
	defer k.Destroy()
	ad := vault.AD("t1", "text")
	plaintext := []byte("ask not")
	// Deterministic, so that every fuzzing worker process computes the same orig.
	orig, err := vault.SealWithRand(k, bytes.NewReader(seq(0, 12)), plaintext, ad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add(orig[:len(orig)-1])
	f.Add(append(bytes.Clone(orig), 0))
	f.Add(flip(orig, len(orig)-1))
	f.Add([]byte("HSDE\x01"))
	f.Add([]byte("HSDE\x02"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, env []byte) {
		pt, err := k.Open(env, ad)
		if err == nil && (!bytes.Equal(env, orig) || !bytes.Equal(pt, plaintext)) {
			t.Fatalf("Open accepted a modified envelope %x", env)
		}
		if err != nil && !errors.Is(err, vault.ErrTampered) && !errors.Is(err, vault.ErrUnsupportedVersion) {
			t.Fatalf("Open: unexpected error %v", err)
		}
	})
}

// FuzzUnwrap checks that Unwrap never panics, never accepts a modified key file, and reports only
// the documented errors.
func FuzzUnwrap(f *testing.F) {
	password := []byte("fuzz")
	rng := bytes.NewReader(seq(0, 32+16+12)) // deterministic: the same orig in every worker process
	k, orig, err := vault.NewKeyWithRand(rng, password, vault.TestingParams())
	if err != nil {
		f.Fatal(err)
	}
	dek := k.Export()
	k.Destroy()
	f.Add(orig)
	f.Add(orig[:len(orig)-1])
	f.Add(append(bytes.Clone(orig), 0))
	for _, i := range []int{0, offVersion, offIter + 3, offSalt, offCheck, offNonce, len(orig) - 1} {
		f.Add(flip(orig, i))
	}
	f.Add([]byte("HSKY\x01"))
	f.Fuzz(func(t *testing.T, wrapped []byte) {
		// Keep each run fast: a mutated iteration count can ask for up to MaxIterations, which is
		// valid behaviour but too slow to fuzz.
		if len(wrapped) >= offSalt {
			if n := binary.BigEndian.Uint32(wrapped[offIter:]); n >= vault.MinIterations && n <= vault.MaxIterations {
				t.Skip("slow iteration count")
			}
		}
		k, err := vault.Unwrap(wrapped, password)
		if err == nil {
			got := k.Export()
			k.Destroy()
			if !bytes.Equal(wrapped, orig) || !bytes.Equal(got, dek) {
				t.Fatalf("Unwrap accepted a modified key file %x", wrapped)
			}
			return
		}
		if !isAny(err, []error{vault.ErrTampered, vault.ErrUnsupportedVersion, vault.ErrWeakParams, vault.ErrWrongPassword}) {
			t.Fatalf("Unwrap: unexpected error %v", err)
		}
	})
}

// FuzzOpenWithPassword is FuzzUnwrap for password envelopes.
func FuzzOpenWithPassword(f *testing.F) {
	password := []byte("fuzz")
	ad := []byte("export")
	plaintext := []byte("backup")
	rng := bytes.NewReader(seq(0, 16+12)) // deterministic: the same orig in every worker process
	orig, err := vault.SealWithPasswordRand(rng, password, plaintext, ad, vault.TestingParams())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add(orig[:len(orig)-1])
	for _, i := range []int{0, offVersion, offIter + 3, offSalt, offCheck, offNonce, len(orig) - 1} {
		f.Add(flip(orig, i))
	}
	f.Fuzz(func(t *testing.T, env []byte) {
		if len(env) >= offSalt {
			if n := binary.BigEndian.Uint32(env[offIter:]); n >= vault.MinIterations && n <= vault.MaxIterations {
				t.Skip("slow iteration count")
			}
		}
		pt, err := vault.OpenWithPassword(password, env, ad)
		if err == nil && (!bytes.Equal(env, orig) || !bytes.Equal(pt, plaintext)) {
			t.Fatalf("OpenWithPassword accepted a modified envelope %x", env)
		}
		if err != nil && !isAny(err, []error{vault.ErrTampered, vault.ErrUnsupportedVersion, vault.ErrWeakParams, vault.ErrWrongPassword}) {
			t.Fatalf("OpenWithPassword: unexpected error %v", err)
		}
	})
}
