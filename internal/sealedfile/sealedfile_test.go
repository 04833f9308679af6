package sealedfile

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/hushscribe/hushscribe/internal/vault"
)

func TestRoundTrip(t *testing.T) {
	plain := []byte("1\n00:00:00,000 --> 00:00:02,000\nThe zanzibarquokka diagnosis.\n")
	sealed, err := Seal([]byte("correct horse"), plain, vault.TestingParams())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("zanzibarquokka")) {
		t.Fatal("plaintext in the sealed file")
	}
	got, err := Open([]byte("correct horse"), sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The file is a plain vault password envelope with the documented associated data.
	if got, err := vault.OpenWithPassword([]byte("correct horse"), sealed, vault.AD("", "export-v1")); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("not a vault envelope: %v", err)
	}
}

// TestADBytes pins the associated data docs/FORMAT.md spells out byte by byte.
func TestADBytes(t *testing.T) {
	want, _ := hex.DecodeString("00000000000000000000000000000009" + hex.EncodeToString([]byte("export-v1")))
	if !bytes.Equal(AD, want) {
		t.Fatalf("AD = %x, FORMAT.md says %x", AD, want)
	}
}

func TestErrors(t *testing.T) {
	sealed, err := Seal([]byte("correct horse"), []byte("x"), vault.TestingParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"short password", func() error { _, err := Seal([]byte("short"), []byte("x"), vault.TestingParams()); return err }(), ErrWeakPassword},
		{"wrong password", func() error { _, err := Open([]byte("wrong horse"), sealed); return err }(), ErrWrongPassword},
		{"not sealed", func() error { _, err := Open([]byte("correct horse"), []byte("plain text export")); return err }(), ErrNotSealed},
		{"damaged", func() error {
			d := bytes.Clone(sealed)
			d[len(d)-1] ^= 1
			_, err := Open([]byte("correct horse"), d)
			return err
		}(), ErrNotSealed},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	sealed, _ := Seal([]byte("correct horse"), []byte("hello"), vault.TestingParams())
	f.Add(sealed)
	f.Add([]byte("HSX"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if pt, err := Open([]byte("correct horse"), b); err == nil && !bytes.Equal(b, sealed) && pt == nil {
			t.Fatal("opened without plaintext")
		}
	})
}
