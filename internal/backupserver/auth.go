package backupserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id parameters of the server's hash of the clients' authentication
// keys. They are stored with every hash, so they can be raised later without breaking old accounts.
type Argon2Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 follows OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane). The input is
// already a slow PBKDF2 derivation of the password, so this hash protects a leaked database
// against replay of the authentication keys, not against password guessing alone.
func DefaultArgon2() Argon2Params { return Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1} }

// TestingArgon2 are cheap parameters for tests and load tests. Never use them in production.
func TestingArgon2() Argon2Params { return Argon2Params{Time: 1, Memory: 64, Threads: 1} }

const (
	verifierSaltSize = 16
	verifierHashSize = 32
)

var errBadVerifier = errors.New("backupserver: malformed verifier")

// newVerifier hashes key with a fresh salt into a PHC string:
// $argon2id$v=19$m=MEMORY,t=TIME,p=THREADS$SALT$HASH (unpadded standard base64).
func newVerifier(key []byte, p Argon2Params) (string, error) {
	salt := make([]byte, verifierSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("verifier salt: %w", err)
	}
	h := argon2.IDKey(key, salt, p.Time, p.Memory, p.Threads, verifierHashSize)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(h)), nil
}

// checkVerifier reports, in constant time with respect to the hashes, whether key matches v.
func checkVerifier(v string, key []byte) (bool, error) {
	parts := strings.Split(v, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, errBadVerifier
	}
	var p Argon2Params
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil ||
		threads == 0 || threads > 255 || p.Time == 0 || p.Time > 100 || p.Memory > 4<<20 || p.Memory < 8*threads {
		return false, errBadVerifier
	}
	p.Threads = uint8(threads)
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false, errBadVerifier
	}
	got := argon2.IDKey(key, salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Session tokens are "hs1_" followed by 32 random bytes in unpadded base64url. The server keeps only
// their SHA-256, so a leaked database holds no usable token.
const (
	tokenPrefix = "hs1_"
	tokenBytes  = 32
	tokenLength = len(tokenPrefix) + (tokenBytes*8+5)/6
)

func newToken() (token string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("session token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:], nil
}

// tokenHash checks a token's shape and returns its SHA-256, or nil if it cannot be a token.
func tokenHash(token string) []byte {
	if len(token) != tokenLength || !strings.HasPrefix(token, tokenPrefix) {
		return nil
	}
	if _, err := base64.RawURLEncoding.DecodeString(token[len(tokenPrefix):]); err != nil {
		return nil
	}
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// lockoutKey is the key of the sign-in failure counter of an email address from one source. It is
// kept for unknown addresses too, so a lock-out does not tell whether an account exists.
func lockoutKey(email, source string) string {
	h := sha256.Sum256([]byte("hushscribe-backup-lockout-v2\x00" + email + "\x00" + source))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// lockoutSource is the source a failure is counted for: an IPv4 address, or an IPv6 /64 (one
// host usually holds a whole /64).
func lockoutSource(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Backoff is the sign-in lock-out schedule: Free failures cost nothing; the next one locks for
// First, and each further one doubles the lock, up to Max.
type Backoff struct {
	Free       int
	First, Max time.Duration
}

// Lock returns how long the failures-th consecutive failure locks out (0: not at all).
func (b Backoff) Lock(failures int64) time.Duration {
	if failures <= int64(b.Free) {
		return 0
	}
	d := b.First
	for i := int64(b.Free) + 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// rateLimiter is a token bucket per client address.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

const maxBuckets = 100_000

func newRateLimiter(perMinute, burst int) *rateLimiter {
	return &rateLimiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: make(map[string]*bucket)}
}

// allow takes a token from addr's bucket and reports whether one was there, and if not, how long
// until one will be.
func (l *rateLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[addr] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// prune drops buckets that have refilled (they behave like new ones); if that is not enough, all.
func (l *rateLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
