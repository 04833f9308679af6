// Package sealedfile writes and reads password-protected export files. A sealed file is exactly one
// vault password envelope (vault.SealWithPassword; the layout is in docs/FORMAT.md: magic, version,
// PBKDF2-HMAC-SHA256 iteration count and salt, key check, nonce, AES-256-GCM ciphertext and tag)
// whose plaintext is the exported file's bytes and whose associated data is AD, so that a browser or
// any AES-GCM implementation can open it from the spec alone. The file name gets Ext appended.
package sealedfile

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/vault"
)

// Ext is appended to a sealed export's file name ("meeting.srt" becomes "meeting.srt.hsenc").
const Ext = ".hsenc"

// MinPasswordLength is the shortest password Seal accepts (the vault's own rule).
const MinPasswordLength = 8

// AD is the associated data every sealed export is bound to.
var AD = vault.AD("", "export-v1")

// Errors; test with errors.Is.
var (
	// ErrWeakPassword means the password is shorter than MinPasswordLength characters.
	ErrWeakPassword = errors.New("sealedfile: the password needs at least 8 characters")
	// ErrWrongPassword means the password does not open the file.
	ErrWrongPassword = vault.ErrWrongPassword
	// ErrNotSealed means the data is not a sealed export (or is damaged).
	ErrNotSealed = errors.New("sealedfile: not a password-protected Hushscribe export")
)

// Seal encrypts plaintext under password with the key derivation parameters p (zero: the vault's
// defaults).
func Seal(password, plaintext []byte, p vault.Params) ([]byte, error) {
	if utf8.RuneCount(password) < MinPasswordLength {
		return nil, ErrWeakPassword
	}
	if p == (vault.Params{}) {
		p = vault.DefaultParams()
	}
	env, err := vault.SealWithPassword(password, plaintext, AD, p)
	if err != nil {
		return nil, fmt.Errorf("sealedfile: seal: %w", err)
	}
	return env, nil
}

// Open decrypts a sealed export.
func Open(password, sealed []byte) ([]byte, error) {
	pt, err := vault.OpenWithPassword(password, sealed, AD)
	switch {
	case errors.Is(err, vault.ErrWrongPassword):
		return nil, fmt.Errorf("sealedfile: open: %w", err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrNotSealed, err)
	}
	return pt, nil
}
