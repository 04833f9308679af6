package backup

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// Key derivation, version 1 (docs in the package comment):
//
//	salt      = SHA-256("hushscribe-backup-v1" || 0x00 || normalized email)
//	master    = PBKDF2-HMAC-SHA256(password, salt, iterations, 32)
//	encKey    = HKDF-SHA256(master, no salt, "hushscribe-backup-v1 encryption", 32)
//	authKey   = HKDF-SHA256(master, no salt, "hushscribe-backup-v1 authentication", 32)
//	key file  = vault key file wrapping the random backup data key (DEK) under encKey
//	objectKey = HKDF-SHA256(DEK, no salt, "hushscribe-backup-v1 object-id", 32)
//	object id = hex(HMAC-SHA256(objectKey, "transcript" || 0x00 || transcript id))[:32]
//	manifest  = hex(HMAC-SHA256(objectKey, "manifest" || 0x00))[:32]
//	object    = vault data envelope: DEK.Seal(plaintext, objectAD2(kind, account id, object id, version))
//	            (format 2, integrity.go; format 1 objects used vault.AD(object id, "v" || version))
const (
	kdfContext     = "hushscribe-backup-v1"
	infoEncryption = "hushscribe-backup-v1 encryption"
	infoAuth       = "hushscribe-backup-v1 authentication"
	infoObjectID   = "hushscribe-backup-v1 object-id"

	// DefaultIterations is the PBKDF2-HMAC-SHA256 iteration count of the master key.
	DefaultIterations = 600_000
	// MinIterations is the lowest count accepted outside test binaries.
	MinIterations = 100_000
)

// Salt returns the account's key-derivation salt, derived from the normalized email address so
// that a new device needs nothing but the address and the password (and the server is never asked
// for a salt, so it cannot tell whether an address has an account by answering that question).
func Salt(email string) ([]byte, error) {
	e, ok := api.NormalizeEmail(email)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrInvalidEmail, email)
	}
	h := sha256.New()
	h.Write([]byte(kdfContext))
	h.Write([]byte{0})
	h.Write([]byte(e))
	return h.Sum(nil), nil
}

// DerivedKeys are the two independent keys derived from the password.
type DerivedKeys struct {
	// Encryption wraps the backup data key; it never leaves the device.
	Encryption []byte
	// Auth is what the server sees (and hashes again with argon2id).
	Auth []byte
}

// Clear zeroes the keys.
func (k *DerivedKeys) Clear() {
	clear(k.Encryption)
	clear(k.Auth)
}

// DeriveKeys derives the encryption and authentication keys from an email address and password.
// iterations zero means DefaultIterations; below MinIterations is refused outside test binaries.
func DeriveKeys(email string, password []byte, iterations int) (*DerivedKeys, error) {
	if iterations == 0 {
		iterations = DefaultIterations
	}
	if len(password) == 0 || iterations < 1 || (iterations < MinIterations && !testing.Testing()) {
		return nil, ErrWeakParams
	}
	salt, err := Salt(email)
	if err != nil {
		return nil, err
	}
	master, err := pbkdf2.Key(sha256.New, string(password), salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("derive master key: %w", err)
	}
	defer clear(master)
	enc, err := hkdf.Key(sha256.New, master, nil, infoEncryption, 32)
	if err != nil {
		return nil, fmt.Errorf("derive encryption key: %w", err)
	}
	auth, err := hkdf.Key(sha256.New, master, nil, infoAuth, 32)
	if err != nil {
		return nil, fmt.Errorf("derive authentication key: %w", err)
	}
	return &DerivedKeys{Encryption: enc, Auth: auth}, nil
}

// objectIDKey derives the key that names objects from the data key.
func objectIDKey(dek *vault.Key) ([]byte, error) {
	raw := dek.Export()
	if raw == nil {
		return nil, vault.ErrDestroyed
	}
	defer clear(raw)
	return hkdf.Key(sha256.New, raw, nil, infoObjectID, 32)
}

// objectID names a transcript's object without revealing its id to the server.
func objectID(idKey []byte, transcriptID string) string {
	m := hmac.New(sha256.New, idKey)
	m.Write([]byte("transcript\x00"))
	m.Write([]byte(transcriptID))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// objectAD is the associated data of format 1 objects (read only): the object and version.
func objectAD(objectID string, version int64) []byte {
	return vault.AD(objectID, "v"+strconv.FormatInt(version, 10))
}
