package backupserver_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// TestCrossAccountIsolation tries every object and account route with another account's ids.
func TestCrossAccountIsolation(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.signUp("alice@example.org"), h.signUp("bob@example.org")
	secret := []byte("alice's ciphertext")
	h.mustPut(alice.session.Token, "aliceobj", 0, secret)
	h.mustPut(alice.session.Token, "aliceobj", 1, secret)
	bt := bob.session.Token

	mustStatus(t, "bob reads alice's object", h.do(request{method: "GET", path: "/v1/objects/aliceobj", token: bt}), http.StatusNotFound)
	for _, v := range []string{"0", "1", "2", "3"} {
		r := h.do(request{method: "DELETE", path: "/v1/objects/aliceobj", token: bt, header: map[string]string{api.HeaderIfMatch: v}})
		if r.status != http.StatusNotFound {
			t.Fatalf("bob deletes alice's object with If-Match %s: %d %s", v, r.status, r.body)
		}
		if v != "0" {
			mustStatus(t, "bob overwrites alice's object at version "+v, h.put(bt, "aliceobj", mustInt(v), []byte("bob was here")), http.StatusConflict)
		}
	}
	if c := h.changes(bt, ""); len(c.Changes) != 0 {
		t.Fatalf("bob lists alice's changes: %+v", c)
	}
	// Bob can use the same id in his own namespace; Alice's object is unaffected.
	h.mustPut(bt, "aliceobj", 0, []byte("bob's own"))
	r := h.do(request{method: "GET", path: "/v1/objects/aliceobj", token: alice.session.Token})
	if r.status != http.StatusOK || !bytes.Equal(r.body, secret) || r.header.Get(api.HeaderVersion) != "2" {
		t.Fatalf("alice's object after bob's attempts: %d %q v%s", r.status, r.body, r.header.Get(api.HeaderVersion))
	}
	if c := h.changes(alice.session.Token, ""); len(c.Changes) != 1 || c.Changes[0].Version != 2 {
		t.Fatalf("alice's changes: %+v", c)
	}
	// Devices and account routes act on the caller's own account only.
	var ds api.Devices
	json.Unmarshal(h.do(request{method: "GET", path: "/v1/devices", token: bt}).body, &ds)
	for _, d := range ds.Devices {
		if d.ID == alice.session.DeviceID {
			t.Fatalf("bob sees alice's device: %+v", ds)
		}
	}
	mustStatus(t, "bob deletes with alice's key", h.do(request{method: "DELETE", path: "/v1/account", token: bt, json: api.DeleteAccountRequest{AuthKey: alice.authKey}}), http.StatusUnauthorized)
	mustStatus(t, "bob changes password with alice's key", h.do(request{method: "POST", path: "/v1/account/password", token: bt,
		json: api.PasswordRequest{AuthKey: alice.authKey, NewAuthKey: randomKey(), KeyFile: []byte("x")}}), http.StatusUnauthorized)
	// Bob signing in with his key and alice's device id gets a new device, not hers.
	r = h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: bob.email, AuthKey: bob.authKey, DeviceID: alice.session.DeviceID}})
	var s api.Session
	json.Unmarshal(r.body, &s)
	if r.status != http.StatusOK || s.DeviceID == alice.session.DeviceID || s.AccountID != bob.session.AccountID {
		t.Fatalf("bob signs in with alice's device id: %d %+v", r.status, s)
	}
	mustStatus(t, "alice still signs in", h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: alice.email, AuthKey: alice.authKey}}), http.StatusOK)
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

var authedRoutes = []struct{ method, path string }{
	{"POST", "/v1/signout"},
	{"POST", "/v1/account/password"},
	{"DELETE", "/v1/account"},
	{"GET", "/v1/devices"},
	{"GET", "/v1/changes"},
	{"PUT", "/v1/objects/x"},
	{"GET", "/v1/objects/x"},
	{"DELETE", "/v1/objects/x"},
}

func TestTokens(t *testing.T) {
	h := newHarness(t, func(c *backupserver.Config) {
		c.SessionTTL = time.Hour
		c.SessionMaxAge = 3 * time.Hour
	})
	u := h.signUp("frank@example.org")
	tok := u.session.Token
	forged := "hs1_" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	flipped := tok[:len(tok)-1] + string("AB"[boolToInt(tok[len(tok)-1] == 'A')])
	for _, bad := range []string{"", "garbage", forged, flipped, tok + "x", strings.ToUpper(tok)} {
		for _, rt := range authedRoutes {
			r := h.do(request{method: rt.method, path: rt.path, token: bad, header: map[string]string{api.HeaderIfMatch: "0"}, body: []byte("{}")})
			if r.status != http.StatusUnauthorized {
				t.Fatalf("%s %s with token %q: %d, want 401", rt.method, rt.path, bad, r.status)
			}
		}
	}
	r := h.do(request{method: "GET", path: "/v1/devices", header: map[string]string{"Authorization": "Basic " + tok}})
	mustStatus(t, "Basic scheme", r, http.StatusUnauthorized)

	// Use slides the expiry, up to the maximum age.
	h.clock.Advance(50 * time.Minute)
	mustStatus(t, "used after 50 min", h.do(request{method: "GET", path: "/v1/devices", token: tok}), http.StatusOK)
	h.clock.Advance(50 * time.Minute)
	mustStatus(t, "used after 100 min (extended)", h.do(request{method: "GET", path: "/v1/devices", token: tok}), http.StatusOK)
	h.clock.Advance(61 * time.Minute)
	mustStatus(t, "idle for 61 min", h.do(request{method: "GET", path: "/v1/devices", token: tok}), http.StatusUnauthorized)

	// Max age: used every 50 minutes, the token still dies 3 h after sign-in.
	u2 := h.signUp("grace@example.org")
	for i := 1; i <= 3; i++ {
		h.clock.Advance(50 * time.Minute)
		mustStatus(t, fmt.Sprintf("use %d", i), h.do(request{method: "GET", path: "/v1/devices", token: u2.session.Token}), http.StatusOK)
	}
	h.clock.Advance(40 * time.Minute)
	mustStatus(t, "past max age", h.do(request{method: "GET", path: "/v1/devices", token: u2.session.Token}), http.StatusUnauthorized)
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestTLS12Refused(t *testing.T) {
	h := newHarness(t)
	addr := strings.TrimPrefix(h.url, "https://")
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: h.pool, MinVersion: tls.VersionTLS10, MaxVersion: v, ServerName: "127.0.0.1"})
		if err == nil {
			conn.Close()
			t.Fatalf("TLS handshake with max version %x succeeded", v)
		}
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: h.pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS 1.3 handshake: %v", err)
	}
	if v := conn.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("negotiated %x, want TLS 1.3", v)
	}
	conn.Close()

	// Plain HTTP on the port gets no service.
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fmt.Fprintf(raw, "GET /v1/devices HTTP/1.1\r\nHost: x\r\n\r\n")
	raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(raw), nil)
	if err == nil {
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP answered %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
}

func TestHSTSOnEveryResponse(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("heidi@example.org")
	for _, r := range []response{
		h.do(request{method: "GET", path: "/v1/devices", token: u.session.Token}),
		h.do(request{method: "GET", path: "/v1/devices"}),
		h.do(request{method: "GET", path: "/nowhere"}),
		h.do(request{method: "POST", path: "/v1/signin", body: []byte("{")}),
		h.do(request{method: "PATCH", path: "/v1/devices"}),
	} {
		if got := r.header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains; preload" {
			t.Fatalf("status %d: HSTS header %q", r.status, got)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("status %d: headers %v", r.status, r.header)
		}
	}
}

// storedState summarises what the server holds, to check that rejected requests stored nothing.
func (h *harness) storedState() string {
	h.t.Helper()
	var files []string
	filepath.WalkDir(filepath.Join(h.dir, "blobs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	var accounts, objects int
	db := h.meta.(*backupserver.SQLMeta).DB()
	db.QueryRow("SELECT COUNT(*) FROM accounts").Scan(&accounts)
	db.QueryRow("SELECT COUNT(*) FROM objects").Scan(&objects)
	return fmt.Sprintf("accounts=%d objects=%d files=%v", accounts, objects, files)
}

func TestMalformedAndOversizedRequestsStoreNothing(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("ivan@example.org")
	tok := u.session.Token
	before := h.storedState()
	good := []byte("ciphertext")
	big := bytes.Repeat([]byte("x"), (1<<20)+1)
	hugeJSON := `{"email":"a@b.c","auth_key":"` + strings.Repeat("A", 70000) + `"}`
	cases := []struct {
		name string
		req  request
		want int
	}{
		{"oversized object", request{method: "PUT", path: "/v1/objects/o", token: tok, body: big, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: sum(big)}}, 413},
		{"empty object", request{method: "PUT", path: "/v1/objects/o", token: tok, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: sum(nil)}}, 400},
		{"wrong hash", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: sum([]byte("other"))}}, 400},
		{"no hash", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "0"}}, 400},
		{"short hash", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: "abcd"}}, 400},
		{"no If-Match", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderContentSHA256: sum(good)}}, 400},
		{"bad If-Match", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "-1", api.HeaderContentSHA256: sum(good)}}, 400},
		{"bad If-Match text", request{method: "PUT", path: "/v1/objects/o", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "*", api.HeaderContentSHA256: sum(good)}}, 400},
		{"bad object id", request{method: "PUT", path: "/v1/objects/a.b", token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: sum(good)}}, 400},
		{"long object id", request{method: "PUT", path: "/v1/objects/" + strings.Repeat("a", 129), token: tok, body: good, header: map[string]string{api.HeaderIfMatch: "0", api.HeaderContentSHA256: sum(good)}}, 400},
		{"traversal id", request{method: "GET", path: "/v1/objects/..%2f..%2fmeta.db", token: tok}, 400},
		{"delete bad id", request{method: "DELETE", path: "/v1/objects/%00", token: tok, header: map[string]string{api.HeaderIfMatch: "1"}}, 400},
		{"signup bad JSON", request{method: "POST", path: "/v1/signup", body: []byte(`{"email":`)}, 400},
		{"signup unknown field", request{method: "POST", path: "/v1/signup", body: []byte(`{"email":"x@y.z","password":"hunter2"}`)}, 400},
		{"signup trailing data", request{method: "POST", path: "/v1/signup", json: nil, body: []byte(`{"email":"x@y.z"} {}`)}, 400},
		{"signup huge body", request{method: "POST", path: "/v1/signup", body: []byte(hugeJSON)}, 413},
		{"signup bad email", request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "not-an-email", AuthKey: randomKey(), KeyFile: []byte("k")}}, 400},
		{"signup short key", request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "j@example.org", AuthKey: []byte("short"), KeyFile: []byte("k")}}, 400},
		{"signup no key file", request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "j@example.org", AuthKey: randomKey()}}, 400},
		{"signup huge key file", request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "j@example.org", AuthKey: randomKey(), KeyFile: make([]byte, 2000)}}, 400},
		{"signup control char in device", request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "j@example.org", AuthKey: randomKey(), KeyFile: []byte("k"), DeviceName: "a\x00b"}}, 400},
		{"signin bad device id", request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: u.email, AuthKey: u.authKey, DeviceID: "../x"}}, 400},
		{"changes bad cursor", request{method: "GET", path: "/v1/changes?since=abc", token: tok}, 400},
		{"changes negative cursor", request{method: "GET", path: "/v1/changes?since=-5", token: tok}, 400},
		{"changes huge limit", request{method: "GET", path: "/v1/changes?limit=100000", token: tok}, 400},
		{"password bad JSON", request{method: "POST", path: "/v1/account/password", token: tok, body: []byte("[]")}, 400},
		{"delete account bad JSON", request{method: "DELETE", path: "/v1/account", token: tok, body: []byte("nope")}, 400},
	}
	for _, c := range cases {
		r := h.do(c.req)
		if r.status != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, r.status, r.body, c.want)
		}
		if r.status >= 400 && r.status < 500 {
			var e api.Error
			if err := json.Unmarshal(r.body, &e); err != nil || e.Code == "" {
				t.Errorf("%s: error body %q is not an api.Error", c.name, r.body)
			}
		}
	}
	if after := h.storedState(); after != before {
		t.Fatalf("rejected requests changed the store:\nbefore %s\nafter  %s", before, after)
	}

	// A body that ends before its Content-Length (the client hangs up) stores nothing either.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(h.url, "https://"), &tls.Config{RootCAs: h.pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /v1/objects/cut HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nIf-Match: 0\r\n%s: %s\r\nContent-Length: 1000\r\n\r\n%s",
		tok, api.HeaderContentSHA256, sum(bytes.Repeat([]byte("y"), 1000)), strings.Repeat("y", 400))
	conn.CloseWrite()
	io.Copy(io.Discard, conn)
	conn.Close()
	time.Sleep(100 * time.Millisecond) // let the handler finish its clean-up
	if after := h.storedState(); after != before {
		t.Fatalf("a truncated upload changed the store:\nbefore %s\nafter  %s", before, after)
	}
	if tmp, _ := os.ReadDir(filepath.Join(h.dir, "blobs", ".tmp")); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestLockoutDoesNotRevealAccounts(t *testing.T) {
	h := newHarness(t, func(c *backupserver.Config) {
		c.MaxLoginFailures = 3
		c.LockoutDuration = 10 * time.Minute
	})
	u := h.signUp("judy@example.org")
	signIn := func(email string, key []byte) response {
		return h.do(request{method: "POST", path: "/v1/signin", json: api.SignInRequest{Email: email, AuthKey: key}})
	}
	unknown := signIn("nobody@example.org", randomKey())
	wrong := signIn(u.email, randomKey())
	if unknown.status != http.StatusUnauthorized || wrong.status != unknown.status || string(wrong.body) != string(unknown.body) {
		t.Fatalf("unknown email and wrong password differ: %d %s / %d %s", unknown.status, unknown.body, wrong.status, wrong.body)
	}
	for _, email := range []string{u.email, "nobody@example.org"} {
		for signIn(email, randomKey()).status == http.StatusUnauthorized {
		}
		r := signIn(email, randomKey())
		if r.status != http.StatusTooManyRequests || r.apiError().Code != api.CodeLockedOut || r.header.Get("Retry-After") == "" {
			t.Fatalf("%s after 3 failures: %d %s", email, r.status, r.body)
		}
	}
	// Even the right key is refused while locked; after the lock-out it works and resets the count.
	mustStatus(t, "right key while locked", signIn(u.email, u.authKey), http.StatusTooManyRequests)
	h.clock.Advance(11 * time.Minute)
	mustStatus(t, "right key after lock-out", signIn(u.email, u.authKey), http.StatusOK)
	mustStatus(t, "one failure after success", signIn(u.email, randomKey()), http.StatusUnauthorized)
	mustStatus(t, "not locked again yet", signIn(u.email, u.authKey), http.StatusOK)
}

func TestRateLimitPerAddress(t *testing.T) {
	h := newHarness(t, func(c *backupserver.Config) {
		c.AuthPerMinute = 1
		c.AuthBurst = 2
	})
	body := api.SignInRequest{Email: "kim@example.org", AuthKey: randomKey()}
	mustStatus(t, "first", h.do(request{method: "POST", path: "/v1/signin", json: body}), http.StatusUnauthorized)
	mustStatus(t, "second", h.do(request{method: "POST", path: "/v1/signin", json: body}), http.StatusUnauthorized)
	r := h.do(request{method: "POST", path: "/v1/signin", json: body})
	if r.status != http.StatusTooManyRequests || r.apiError().Code != api.CodeRateLimited || r.header.Get("Retry-After") == "" {
		t.Fatalf("third: %d %s %v", r.status, r.body, r.header)
	}
	mustStatus(t, "sign-up is limited too", h.do(request{method: "POST", path: "/v1/signup", json: api.SignUpRequest{Email: "kim@example.org", AuthKey: randomKey(), KeyFile: []byte("k")}}), http.StatusTooManyRequests)
	h.clock.Advance(time.Minute)
	mustStatus(t, "after a minute", h.do(request{method: "POST", path: "/v1/signin", json: body}), http.StatusUnauthorized)
}

func TestServerStoresOnlyAHashOfTheAuthKey(t *testing.T) {
	h := newHarness(t)
	u := h.signUp("leo@example.org")
	a, err := h.meta.AccountByEmail(context.Background(), u.email)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Verifier, "$argon2id$v=19$") {
		t.Fatalf("verifier %q is not argon2id", a.Verifier)
	}
	h.meta.Close()
	for _, enc := range [][]byte{u.authKey, []byte(base64.StdEncoding.EncodeToString(u.authKey)), []byte(fmt.Sprintf("%x", u.authKey)), []byte(u.session.Token)} {
		filepath.WalkDir(h.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(path)
			if bytes.Contains(data, enc) {
				t.Errorf("%s contains the authentication key or token (%q)", path, enc[:8])
			}
			return nil
		})
	}
}
