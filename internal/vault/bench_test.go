package vault_test

import (
	"testing"

	"github.com/hushscribe/hushscribe/internal/vault"
)

var benchSizes = []struct {
	name string
	n    int
}{{"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

func BenchmarkSeal(b *testing.B) {
	k, _ := newKey(b)
	ad := vault.AD("01J9Z3QX", "text")
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			pt := make([]byte, s.n)
			b.SetBytes(int64(s.n))
			for b.Loop() {
				if _, err := k.Seal(pt, ad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	k, _ := newKey(b)
	ad := vault.AD("01J9Z3QX", "text")
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			env, err := k.Seal(make([]byte, s.n), ad)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(s.n))
			for b.Loop() {
				if _, err := k.Open(env, ad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnwrap600k measures unlocking a library with the default parameters (PBKDF2 dominates).
func BenchmarkUnwrap600k(b *testing.B) {
	k, wrapped, err := vault.NewKey(password, vault.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	k.Destroy()
	for b.Loop() {
		k, err := vault.Unwrap(wrapped, password)
		if err != nil {
			b.Fatal(err)
		}
		k.Destroy()
	}
}
