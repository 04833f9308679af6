package backupserver_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// from returns a copy of h whose requests come from another loopback address (another source).
func (h *harness) from(t *testing.T, ip string) *harness {
	c := *h
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: h.pool, MinVersion: tls.VersionTLS13},
		DialContext:     (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext,
	}
	t.Cleanup(tr.CloseIdleConnections)
	c.client = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	return &c
}

// TestLockoutPerSourceWithBackoff: failed sign-ins lock out only the (email, source) pair they came
// from, with a lock that doubles per further failure instead of a fixed long lock; the owner signs
// in from elsewhere meanwhile, and a success resets the count.
func TestLockoutPerSourceWithBackoff(t *testing.T) {
	h := newHarness(t, func(c *backupserver.Config) {
		c.MaxLoginFailures = 3
		c.LockoutDuration = time.Minute
		c.MaxLockout = 4 * time.Minute
	})
	u := h.signUp("olga@example.org")
	attacker, owner := h, h.from(t, "127.0.0.2")
	signIn := func(from *harness, key []byte) response {
		return from.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: u.email, AuthKey: key}})
	}
	for range 4 {
		mustStatus(t, "guess", signIn(attacker, randomKey()), http.StatusUnauthorized)
	}
	r := signIn(attacker, u.authKey)
	if r.status != http.StatusTooManyRequests || r.apiError().Code != api.CodeLockedOut || r.header.Get("Retry-After") != "61" {
		t.Fatalf("attacker after 4 failures: %d %s Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	mustStatus(t, "the owner from another address", signIn(owner, u.authKey), http.StatusOK)

	// Each further failure doubles the lock: 1, 2, 4 minutes, then stays at the 4-minute cap.
	prev := time.Minute
	for _, lock := range []time.Duration{2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
		h.clock.Advance(prev - time.Second)
		mustStatus(t, "still locked", signIn(attacker, randomKey()), http.StatusTooManyRequests)
		h.clock.Advance(2 * time.Second)
		mustStatus(t, "guess after the lock", signIn(attacker, randomKey()), http.StatusUnauthorized)
		r := signIn(attacker, u.authKey)
		if got := r.header.Get("Retry-After"); r.status != http.StatusTooManyRequests || got != itoa(int(lock/time.Second)+1) {
			t.Fatalf("after a failure (lock %v): %d, Retry-After %s", lock, r.status, got)
		}
		mustStatus(t, "the owner meanwhile", signIn(owner, u.authKey), http.StatusOK)
		prev = lock
	}
	// After the lock, the right key works and resets the count.
	h.clock.Advance(4*time.Minute + time.Second)
	mustStatus(t, "right key after the lock", signIn(attacker, u.authKey), http.StatusOK)
	for range 3 {
		mustStatus(t, "free guesses again", signIn(attacker, randomKey()), http.StatusUnauthorized)
	}
	mustStatus(t, "not locked yet", signIn(attacker, u.authKey), http.StatusOK)
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// TestRegistrationPolicy: open, invite-only and closed registration. Every refusal, an address
// that has an account included, answers the same status and body, so sign-up does not say who
// has an account.
func TestRegistrationPolicy(t *testing.T) {
	signUp := func(h *harness, email, invite string) response {
		return h.do(request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: email, AuthKey: randomKey(), KeyFile: []byte("k"), Invite: invite}})
	}
	open := newHarness(t)
	open.signUp("pia@example.org")
	exists := signUp(open, "pia@example.org", "")
	if exists.status != http.StatusForbidden || exists.apiError().Code != api.CodeSignUpRefused {
		t.Fatalf("sign-up of a taken address: %d %s", exists.status, exists.body)
	}

	invite := newHarness(t, func(c *backupserver.Config) {
		c.Registration, c.InviteCodes = backupserver.RegistrationInvite, []string{"friends-of-pia"}
	})
	closed := newHarness(t, func(c *backupserver.Config) { c.Registration = backupserver.RegistrationClosed })
	for _, tc := range []struct {
		name   string
		h      *harness
		invite string
	}{
		{"invite server, no code", invite, ""},
		{"invite server, wrong code", invite, "friends-of-pi"},
		{"closed server", closed, ""},
		{"closed server, a code", closed, "friends-of-pia"},
	} {
		r := signUp(tc.h, "quinn@example.org", tc.invite)
		if r.status != exists.status || !bytes.Equal(r.body, exists.body) {
			t.Errorf("%s: %d %s; want the same answer as for a taken address (%d %s)", tc.name, r.status, r.body, exists.status, exists.body)
		}
	}
	mustStatus(t, "invite server, right code", signUp(invite, "quinn@example.org", "friends-of-pia"), http.StatusCreated)
	mustStatus(t, "invite server, taken address", signUp(invite, "quinn@example.org", "friends-of-pia"), http.StatusForbidden)

	if _, err := backupserver.ParseRegistration("sometimes"); err == nil {
		t.Error("ParseRegistration accepted a bad policy")
	}
	if _, err := backupserver.New(backupserver.Config{Meta: open.meta, Blobs: open.blobs, Registration: backupserver.RegistrationInvite}); err == nil {
		t.Error("invite registration without codes accepted")
	}
}

// TestAccountQuota: uploads past an account's object or byte quota are refused (413, quota_exceeded)
// before the body is stored; replacing an object counts its new size only; other accounts are not
// affected.
func TestAccountQuota(t *testing.T) {
	h := newHarness(t, func(c *backupserver.Config) {
		c.MaxAccountObjects, c.MaxAccountBytes = 2, 100
	})
	u, other := h.signUp("rita@example.org"), h.signUp("sam@example.org")
	ten := bytes.Repeat([]byte("x"), 10)
	h.mustPut(u.session.Token, "a", 0, ten)
	h.mustPut(u.session.Token, "b", 0, ten)
	quota := func(what string, r response) {
		t.Helper()
		if r.status != http.StatusRequestEntityTooLarge || r.apiError().Code != api.CodeQuota {
			t.Fatalf("%s: %d %s, want 413 %s", what, r.status, r.body, api.CodeQuota)
		}
	}
	quota("a third object", h.put(u.session.Token, "c", 0, ten))
	h.mustPut(u.session.Token, "a", 1, bytes.Repeat([]byte("y"), 90)) // replaces 10 bytes: 100 in all
	quota("growing past the bytes", h.put(u.session.Token, "b", 1, bytes.Repeat([]byte("z"), 11)))
	h.mustPut(other.session.Token, "c", 0, ten)
	if objects, size, err := h.meta.Usage(context.Background(), u.session.AccountID); err != nil || objects != 2 || size != 100 {
		t.Fatalf("usage %d objects, %d bytes, %v", objects, size, err)
	}
}
