package server

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// API keys are 32 random bytes, base64url-encoded behind the prefix "hs_". The server stores only
// their SHA-256 hashes. A fast hash is the right tool here, unlike for passwords: a key carries 256
// bits of entropy, so there is nothing to brute-force, and every request can be checked in
// microseconds. Comparison is constant-time and always walks every stored hash.

const keyPrefix = "hs_"

// ErrBadKeyHash is returned for a keys-file line or configured hash that is not a SHA-256 hex digest.
var ErrBadKeyHash = errors.New("server: bad API key hash")

// GenerateKey returns a new random API key and the hash to put in the server's keys file.
func GenerateKey() (key, hash string) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program rather than return an error)
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashKey(key)
}

// HashKey returns the "sha256:<hex>" hash of an API key, as stored in a keys file.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ParseKeyHashes reads a keys file: one hash per line ("sha256:<64 hex digits>", the prefix being
// optional), optionally followed by whitespace and a free-form label; blank lines and lines
// starting with '#' are ignored.
func ParseKeyHashes(r io.Reader) ([]string, error) {
	var hashes []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		h, _, _ := strings.Cut(strings.Join(strings.Fields(line), " "), " ")
		if _, err := parseKeyHash(h); err != nil {
			return nil, fmt.Errorf("keys file line %d: %w", n, err)
		}
		hashes = append(hashes, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	return hashes, nil
}

// LoadKeyHashes reads the keys file at path (see ParseKeyHashes).
func LoadKeyHashes(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open keys file: %w", err)
	}
	defer f.Close()
	return ParseKeyHashes(f)
}

func parseKeyHash(h string) ([sha256.Size]byte, error) {
	var out [sha256.Size]byte
	hexPart := strings.TrimPrefix(strings.ToLower(h), "sha256:")
	if len(hexPart) != 2*sha256.Size {
		return out, fmt.Errorf("%w: %q is not a SHA-256 hex digest", ErrBadKeyHash, h)
	}
	if _, err := hex.Decode(out[:], []byte(hexPart)); err != nil {
		return out, fmt.Errorf("%w: %q is not a SHA-256 hex digest", ErrBadKeyHash, h)
	}
	return out, nil
}

// keySet holds the hashes of the accepted API keys.
type keySet struct {
	hashes [][sha256.Size]byte
}

func newKeySet(hashes []string) (keySet, error) {
	var ks keySet
	for _, h := range hashes {
		sum, err := parseKeyHash(strings.TrimSpace(h))
		if err != nil {
			return keySet{}, err
		}
		ks.hashes = append(ks.hashes, sum)
	}
	return ks, nil
}

// match returns the index of the stored hash that key hashes to, or -1. It takes the same time
// whichever hash matches, if any.
func (ks keySet) match(key string) int {
	sum := sha256.Sum256([]byte(key))
	found := -1
	for i := range ks.hashes {
		eq := subtle.ConstantTimeCompare(sum[:], ks.hashes[i][:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	return found
}
