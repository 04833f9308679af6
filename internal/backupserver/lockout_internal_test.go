package backupserver

import (
	"testing"
	"time"
)

// TestLockoutSource: IPv4 addresses count one by one, IPv6 by /64 (one host holds a whole /64),
// IPv4-mapped IPv6 as IPv4; the key differs per (email, source).
func TestLockoutSource(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
	} {
		if got := lockoutSource(tc.ip); got != tc.want {
			t.Errorf("lockoutSource(%q) = %q, want %q", tc.ip, got, tc.want)
		}
	}
	if lockoutKey("a@example.org", "192.0.2.7") == lockoutKey("a@example.org", "192.0.2.8") ||
		lockoutKey("a@example.org", "192.0.2.7") == lockoutKey("b@example.org", "192.0.2.7") {
		t.Error("lockout keys collide across sources or addresses")
	}
}

// TestBackoff: free failures, then doubling from First up to Max.
func TestBackoff(t *testing.T) {
	b := Backoff{Free: 2, First: time.Minute, Max: 5 * time.Minute}
	for n, want := range map[int64]time.Duration{0: 0, 1: 0, 2: 0, 3: time.Minute, 4: 2 * time.Minute, 5: 4 * time.Minute, 6: 5 * time.Minute, 1000: 5 * time.Minute} {
		if got := b.Lock(n); got != want {
			t.Errorf("Lock(%d) = %v, want %v", n, got, want)
		}
	}
}
