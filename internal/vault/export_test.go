package vault

import "io"

// Deterministic hooks for known-answer tests: they read their "random" bytes from rng.

func NewKeyWithRand(rng io.Reader, password []byte, p Params) (*Key, []byte, error) {
	return newKey(rng, password, p)
}

func SealWithRand(k *Key, rng io.Reader, plaintext, ad []byte) ([]byte, error) {
	return k.seal(rng, plaintext, ad)
}

func SealWithPasswordRand(rng io.Reader, password, plaintext, ad []byte, p Params) ([]byte, error) {
	return sealPassword(rng, magicPasswordEnvelope, password, plaintext, ad, p)
}

// DEKAlias returns the Key's internal DEK slice (not a copy), to check that Destroy zeroes it.
func DEKAlias(k *Key) []byte { return k.dek }

// SetSealed sets the Key's seal counter, to test MaxSealsPerKey.
func SetSealed(k *Key, n uint64) { k.sealed.Store(n) }

func CheckIterationsMode(n int, testing bool) error { return checkIterationsMode(n, testing) }

const (
	TestingIterations  = testingIterations
	PasswordHeaderSize = passwordHeaderSize
	DataHeaderSize     = dataHeaderSize
)
