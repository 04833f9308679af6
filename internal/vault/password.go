package vault

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
)

// SealWithPassword encrypts plaintext into a self-contained password envelope (salt, iteration count,
// check value and nonce in its header), bound to the associated data ad. It is meant for exports and
// backups that must be readable without the library's key file.
func SealWithPassword(password, plaintext, ad []byte, p Params) ([]byte, error) {
	return sealPassword(rand.Reader, magicPasswordEnvelope, password, plaintext, ad, p)
}

// OpenWithPassword decrypts a password envelope made by SealWithPassword with the same associated
// data.
func OpenWithPassword(password, envelope, ad []byte) ([]byte, error) {
	return openPassword(magicPasswordEnvelope, "password envelope", password, envelope, ad)
}

// sealPassword writes a key file or password envelope (they differ only in magic). It reads the salt
// (16 bytes), then the nonce (12 bytes) from rng.
func sealPassword(rng io.Reader, magic string, password, plaintext, ad []byte, p Params) ([]byte, error) {
	iter, err := p.iterations()
	if err != nil {
		return nil, err
	}
	if len(password) == 0 {
		return nil, fmt.Errorf("%w: empty password", ErrWeakParams)
	}
	out := make([]byte, passwordHeaderSize, passwordHeaderSize+len(plaintext)+tagSize)
	copy(out, magic)
	out[magicSize] = Version
	binary.BigEndian.PutUint32(out[magicSize+1:], uint32(iter))
	salt, check, nonce := headerFields(out)
	if _, err := io.ReadFull(rng, salt); err != nil {
		return nil, fmt.Errorf("vault: generate salt: %w", err)
	}
	if _, err := io.ReadFull(rng, nonce); err != nil {
		return nil, fmt.Errorf("vault: generate nonce: %w", err)
	}
	wantCheck, aead, err := deriveKeys(password, salt, iter)
	if err != nil {
		return nil, err
	}
	copy(check, wantCheck)
	return aead.Seal(out, nonce, plaintext, fullAD(out, ad)), nil
}

// openPassword reads a key file or password envelope.
func openPassword(magic, kind string, password, blob, ad []byte) ([]byte, error) {
	if err := checkPrefix(blob, magic, kind); err != nil {
		return nil, err
	}
	if len(blob) < passwordHeaderSize+tagSize {
		return nil, fmt.Errorf("%w: %s truncated to %d bytes", ErrTampered, kind, len(blob))
	}
	header := blob[:passwordHeaderSize]
	iter := binary.BigEndian.Uint32(header[magicSize+1:])
	if err := checkIterations(int(iter)); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	salt, check, nonce := headerFields(header)
	wantCheck, aead, err := deriveKeys(password, salt, int(iter))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(check, wantCheck) != 1 {
		return nil, ErrWrongPassword
	}
	pt, err := aead.Open(nil, nonce, blob[passwordHeaderSize:], fullAD(header, ad))
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not authenticate", ErrTampered, kind)
	}
	return pt, nil
}

// headerFields returns the salt, check and nonce fields of a password header (aliasing it).
func headerFields(header []byte) (salt, check, nonce []byte) {
	const saltAt = magicSize + 1 + 4
	const checkAt = saltAt + saltSize
	const nonceAt = checkAt + checkSize
	return header[saltAt:checkAt], header[checkAt:nonceAt], header[nonceAt:passwordHeaderSize]
}

// deriveKeys runs the password key schedule:
//
//	pk    = PBKDF2-HMAC-SHA256(password, salt, iter, 32)
//	check = HKDF-SHA256(ikm=pk, salt=none, info=infoCheck, 16)
//	kek   = HKDF-SHA256(ikm=pk, salt=none, info=infoPasswordKey, 32)
//
// and returns check and an AES-256-GCM AEAD under kek. pk and kek are cleared.
func deriveKeys(password, salt []byte, iter int) (check []byte, aead cipher.AEAD, err error) {
	pk, err := pbkdf2.Key(sha256.New, string(password), salt, iter, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: pbkdf2: %w", err)
	}
	defer clear(pk)
	check, err = hkdf.Key(sha256.New, pk, nil, infoCheck, checkSize)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: hkdf: %w", err)
	}
	kek, err := hkdf.Key(sha256.New, pk, nil, infoPasswordKey, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: hkdf: %w", err)
	}
	defer clear(kek)
	aead, err = newGCM(kek)
	if err != nil {
		return nil, nil, err
	}
	return check, aead, nil
}
