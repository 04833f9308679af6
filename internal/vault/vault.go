// Package vault encrypts Hushscribe's private data on the device. It implements version 1 of the
// vault format, specified byte by byte in docs/FORMAT.md; this comment is a summary.
//
// A library has one random 32-byte data key (DEK). The DEK is stored only wrapped (or, through Export,
// in the OS keychain): NewKey returns it together with its wrapped form (the key file), in which it is
// encrypted with AES-256-GCM under a key-encryption key derived from the user's password with
// PBKDF2-HMAC-SHA256 (random 16-byte salt, iteration count stored in the header, 600,000 by default, at
// least 100,000). Changing the password (Rewrap) re-wraps the same DEK, so data sealed before stays
// readable and nothing else is re-encrypted.
//
// Three kinds of blob exist, each starting with a 4-byte magic and a 1-byte version:
//
//	key file            "HSKY" 01 | iterations u32 BE | salt 16 | check 16 | nonce 12 | AES-GCM(DEK) 48
//	password envelope   "HSPE" 01 | iterations u32 BE | salt 16 | check 16 | nonce 12 | AES-GCM(plaintext)
//	data envelope       "HSDE" 01 | nonce 12 | AES-GCM(plaintext)
//
// Every header is authenticated: it is the first part of the AES-GCM associated data, followed by the
// caller's associated data (for data envelopes normally AD(transcriptID, field), which binds a
// ciphertext to its record and field so that ciphertexts cannot be swapped between them). The 16-byte
// check value, derived from the password-derived key with HKDF, lets the password blobs tell a wrong
// password (ErrWrongPassword) from a modified blob (ErrTampered). Every encryption uses a fresh random
// 96-bit nonce; a Key refuses to seal more than MaxSealsPerKey messages.
//
// The same blobs are read and written in the browser by webcrypto/vault.js, which uses only Web Crypto.
//
// Key material is zeroed where Go allows it: derived keys are cleared once the AES key schedule has
// been built, and Destroy clears the DEK. The AES key schedules inside crypto/aes, the HMAC state inside
// crypto/pbkdf2 and the copy of the password that crypto/pbkdf2 takes as a string cannot be cleared;
// they are released to the garbage collector.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrWrongPassword means the password does not open this key file or password envelope. A blob
	// whose salt, iteration count or check value was modified also reports it, since such a change
	// cannot be told apart from a wrong password.
	ErrWrongPassword = errors.New("vault: wrong password")
	// ErrTampered means a blob was modified, truncated, is not a vault blob of the expected kind, or was
	// opened with the wrong key or the wrong associated data (for example, a ciphertext moved to
	// another record or field).
	ErrTampered = errors.New("vault: data was modified or is corrupt")
	// ErrUnsupportedVersion means the blob was written by a newer format version (or with parameters
	// beyond this version's limits, such as more than MaxIterations).
	ErrUnsupportedVersion = errors.New("vault: unsupported format version")
	// ErrWeakParams means the key derivation parameters are below the minimum (MinIterations), or the
	// password is empty.
	ErrWeakParams = errors.New("vault: key derivation parameters too weak")
	// ErrDestroyed means the Key was used after Destroy.
	ErrDestroyed = errors.New("vault: key was destroyed")
	// ErrKeyExhausted means a Key has sealed MaxSealsPerKey messages; random nonces are no longer
	// safe enough under it.
	ErrKeyExhausted = errors.New("vault: key sealed too many messages")
)

// Format version 1 constants. See docs/FORMAT.md.
const (
	// Version is the format version this package writes, and the only one it reads.
	Version = 1

	// DefaultIterations is the PBKDF2-HMAC-SHA256 iteration count used by DefaultParams (OWASP 2023).
	DefaultIterations = 600_000
	// MinIterations is the lowest iteration count NewKey accepts and Unwrap/OpenWithPassword read.
	MinIterations = 100_000
	// MaxIterations is the highest iteration count this version reads or writes; higher counts are
	// reported as ErrUnsupportedVersion. It bounds the work a corrupted header can demand.
	MaxIterations = 10_000_000

	// MaxSealsPerKey bounds the number of messages one Key value seals (2^30). With random 96-bit
	// nonces the chance that any two of n messages share a nonce is about n²/2^97, under 2^-37 here,
	// and n stays far below the 2^32 invocation limit of NIST SP 800-38D §8.3.
	MaxSealsPerKey = 1 << 30

	// KeySize is the length of the data key, as returned by Export and accepted by ImportKey.
	KeySize = 32
	// KeyFileSize is the length of a version 1 key file (the wrapped key).
	KeyFileSize = passwordHeaderSize + KeySize + tagSize
	// Overhead is how many bytes Seal adds to a plaintext.
	Overhead = dataHeaderSize + tagSize
	// PasswordOverhead is how many bytes SealWithPassword adds to a plaintext.
	PasswordOverhead = passwordHeaderSize + tagSize

	magicSize          = 4
	saltSize           = 16
	checkSize          = 16
	nonceSize          = 12
	tagSize            = 16
	passwordHeaderSize = magicSize + 1 + 4 + saltSize + checkSize + nonceSize // 53
	dataHeaderSize     = magicSize + 1 + nonceSize                            // 17

	// testingIterations is the one iteration count below MinIterations that is accepted, and only in
	// test binaries (see TestingParams).
	testingIterations = 1_000
)

// Magic values, the first four bytes of each kind of blob.
const (
	magicKeyFile          = "HSKY"
	magicPasswordEnvelope = "HSPE"
	magicDataEnvelope     = "HSDE"
)

// HKDF-SHA256 info strings (domain separation of the derived keys).
const (
	infoCheck       = "hushscribe/vault/v1 password check"
	infoPasswordKey = "hushscribe/vault/v1 password key"
	infoDataKey     = "hushscribe/vault/v1 data key"
)

// Params are the key derivation parameters written into new key files and password envelopes.
type Params struct {
	// Iterations is the PBKDF2-HMAC-SHA256 iteration count. Zero means DefaultIterations; otherwise it
	// must be between MinIterations and MaxIterations.
	Iterations int
}

// DefaultParams returns the parameters for new key files and password envelopes.
func DefaultParams() Params { return Params{Iterations: DefaultIterations} }

func (p Params) iterations() (int, error) {
	n := p.Iterations
	if n == 0 {
		n = DefaultIterations
	}
	if err := checkIterations(n); err != nil {
		return 0, err
	}
	return n, nil
}

// checkIterations validates an iteration count read from a header or given in Params.
func checkIterations(n int) error {
	return checkIterationsMode(n, inTest())
}

func checkIterationsMode(n int, testing bool) error {
	switch {
	case n == testingIterations && testing:
		return nil
	case n < MinIterations:
		return fmt.Errorf("%w: %d PBKDF2 iterations, need at least %d", ErrWeakParams, n, MinIterations)
	case n > MaxIterations:
		return fmt.Errorf("%w: %d PBKDF2 iterations, this version reads at most %d", ErrUnsupportedVersion, n, MaxIterations)
	}
	return nil
}

// Key is an unwrapped data key. It is safe for concurrent use. Call Destroy when it is no longer
// needed.
type Key struct {
	mu     sync.RWMutex
	dek    []byte      // nil once destroyed
	aead   cipher.AEAD // AES-256-GCM under the data subkey; nil once destroyed
	sealed atomic.Uint64
}

// newKeyFromDEK takes ownership of dek, and clears it on error.
func newKeyFromDEK(dek []byte) (*Key, error) {
	sub, err := hkdf.Key(sha256.New, dek, nil, infoDataKey, 32)
	if err != nil {
		clear(dek)
		return nil, fmt.Errorf("vault: derive data key: %w", err)
	}
	defer clear(sub)
	aead, err := newGCM(sub)
	if err != nil {
		clear(dek)
		return nil, err
	}
	return &Key{dek: dek, aead: aead}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: gcm: %w", err)
	}
	return aead, nil
}

// NewKey creates a random data key and returns it with its wrapped form (the key file bytes), which
// is encrypted under password with parameters p.
func NewKey(password []byte, p Params) (k *Key, wrapped []byte, err error) {
	return newKey(rand.Reader, password, p)
}

// newKey reads the DEK (32 bytes), then the salt (16) and the nonce (12) from rng.
func newKey(rng io.Reader, password []byte, p Params) (*Key, []byte, error) {
	if _, err := p.iterations(); err != nil {
		return nil, nil, err
	}
	dek := make([]byte, KeySize)
	if _, err := io.ReadFull(rng, dek); err != nil {
		return nil, nil, fmt.Errorf("vault: generate key: %w", err)
	}
	wrapped, err := sealPassword(rng, magicKeyFile, password, dek, nil, p)
	if err != nil {
		clear(dek)
		return nil, nil, err
	}
	k, err := newKeyFromDEK(dek)
	if err != nil {
		return nil, nil, err
	}
	return k, wrapped, nil
}

// Unwrap decrypts a key file with password.
func Unwrap(wrapped, password []byte) (*Key, error) {
	if err := checkPrefix(wrapped, magicKeyFile, "key file"); err != nil {
		return nil, err
	}
	if len(wrapped) != KeyFileSize {
		return nil, fmt.Errorf("%w: key file is %d bytes, want %d", ErrTampered, len(wrapped), KeyFileSize)
	}
	dek, err := openPassword(magicKeyFile, "key file", password, wrapped, nil)
	if err != nil {
		return nil, err
	}
	return newKeyFromDEK(dek)
}

// Rewrap decrypts a key file with oldPassword and returns a new key file that wraps the same data key
// under newPassword, with a fresh salt and nonce and parameters p. Data sealed under the key is
// unaffected.
func Rewrap(wrapped, oldPassword, newPassword []byte, p Params) ([]byte, error) {
	return rewrap(rand.Reader, wrapped, oldPassword, newPassword, p)
}

func rewrap(rng io.Reader, wrapped, oldPassword, newPassword []byte, p Params) ([]byte, error) {
	if _, err := p.iterations(); err != nil {
		return nil, err
	}
	k, err := Unwrap(wrapped, oldPassword)
	if err != nil {
		return nil, err
	}
	defer k.Destroy()
	return sealPassword(rng, magicKeyFile, newPassword, k.dek, nil, p)
}

// Seal encrypts plaintext into a data envelope bound to the associated data ad (normally
// AD(transcriptID, field)); the same ad must be given to Open.
func (k *Key) Seal(plaintext, ad []byte) ([]byte, error) {
	return k.seal(rand.Reader, plaintext, ad)
}

// seal reads the nonce (12 bytes) from rng.
func (k *Key) seal(rng io.Reader, plaintext, ad []byte) ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.aead == nil {
		return nil, ErrDestroyed
	}
	if k.sealed.Add(1) > MaxSealsPerKey {
		return nil, ErrKeyExhausted
	}
	out := make([]byte, dataHeaderSize, dataHeaderSize+len(plaintext)+tagSize)
	copy(out, magicDataEnvelope)
	out[magicSize] = Version
	nonce := out[magicSize+1 : dataHeaderSize]
	if _, err := io.ReadFull(rng, nonce); err != nil {
		return nil, fmt.Errorf("vault: generate nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plaintext, fullAD(out, ad)), nil
}

// Open decrypts a data envelope made by Seal with the same key and associated data.
func (k *Key) Open(envelope, ad []byte) ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.aead == nil {
		return nil, ErrDestroyed
	}
	if err := checkPrefix(envelope, magicDataEnvelope, "data envelope"); err != nil {
		return nil, err
	}
	if len(envelope) < dataHeaderSize+tagSize {
		return nil, fmt.Errorf("%w: data envelope truncated to %d bytes", ErrTampered, len(envelope))
	}
	header := envelope[:dataHeaderSize]
	nonce := header[magicSize+1:]
	pt, err := k.aead.Open(nil, nonce, envelope[dataHeaderSize:], fullAD(header, ad))
	if err != nil {
		return nil, fmt.Errorf("%w: data envelope does not authenticate (wrong key or associated data?)", ErrTampered)
	}
	return pt, nil
}

// Destroy zeroes the data key. Later calls to the Key's methods return ErrDestroyed. Destroy is
// idempotent.
func (k *Key) Destroy() {
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.dek)
	k.dek = nil
	k.aead = nil
}

// Export returns a copy of the raw 32-byte data key, for storing in the OS keychain ("remember on
// this device"). Anyone holding it can read all data sealed under the key; the caller should clear
// the slice when done. It returns nil after Destroy.
func (k *Key) Export() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.dek == nil {
		return nil
	}
	return append([]byte(nil), k.dek...)
}

// ImportKey turns bytes from Export back into a Key. It copies b.
func ImportKey(b []byte) (*Key, error) {
	if len(b) != KeySize {
		return nil, fmt.Errorf("%w: imported key is %d bytes, want %d", ErrTampered, len(b), KeySize)
	}
	return newKeyFromDEK(append([]byte(nil), b...))
}

// AD returns the canonical associated data binding a data envelope to one field of one transcript:
//
//	uint64 BE len(transcriptID) || transcriptID || uint64 BE len(field) || field
//
// The length prefixes make it unambiguous: no two (transcriptID, field) pairs give the same bytes.
func AD(transcriptID, field string) []byte {
	b := make([]byte, 0, 16+len(transcriptID)+len(field))
	b = binary.BigEndian.AppendUint64(b, uint64(len(transcriptID)))
	b = append(b, transcriptID...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(field)))
	b = append(b, field...)
	return b
}

// fullAD is the AES-GCM associated data: the blob's header followed by the caller's ad. The header
// has a fixed length for its kind and version, so the concatenation is unambiguous.
func fullAD(header, ad []byte) []byte {
	b := make([]byte, 0, len(header)+len(ad))
	return append(append(b, header...), ad...)
}

// checkPrefix validates the magic and version of a blob.
func checkPrefix(b []byte, magic, kind string) error {
	if len(b) < magicSize+1 {
		return fmt.Errorf("%w: %s truncated to %d bytes", ErrTampered, kind, len(b))
	}
	if string(b[:magicSize]) != magic {
		return fmt.Errorf("%w: not a %s (magic %q)", ErrTampered, kind, b[:magicSize])
	}
	if v := b[magicSize]; v != Version {
		return fmt.Errorf("%w: %s version %d, this program reads version %d", ErrUnsupportedVersion, kind, v, Version)
	}
	return nil
}
