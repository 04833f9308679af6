package server

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuthEveryRoute walks every route registered on the server's mux (so a route added later is
// covered without being listed here) and requires 401 without a key, with a wrong key and with a
// key in the wrong scheme; only GET /healthz (and GET /metrics when PublicMetrics is set) are public.
// With the right key the same request must get past authentication. Each request carries a valid
// upload, so a route that forgot auth would answer 2xx and fail the test.
func TestAuthEveryRoute(t *testing.T) {
	for _, publicMetrics := range []bool{false, true} {
		cfg := testConfig(t)
		cfg.PublicMetrics = publicMetrics
		ts := start(t, cfg, fakeDeps(newFake()))
		public := map[string]bool{"GET /healthz": true, "GET /metrics": publicMetrics}
		withMethod := 0
		registered := map[string]bool{} // "METHOD /path" of every route with a method
		for _, p := range ts.patterns {
			registered[p] = true
		}
		for _, pattern := range ts.patterns {
			method, path, ok := strings.Cut(pattern, " ")
			methods := []string{method}
			if !ok {
				// A pattern without a method (the 405 and 404 fallbacks) answers any method.
				path, methods = pattern, []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
			} else {
				withMethod++
			}
			raw := path
			path = strings.NewReplacer("{id}", "job_0123456789abcdef", "{model}", "micro", "{$}", "").Replace(path)
			for _, m := range methods {
				if !ok && registered[m+" "+raw] {
					continue // that method is the route's own, probed under its own pattern
				}
				for _, hdr := range []struct{ name, value string }{
					{"no key", ""},
					{"wrong key", "Bearer hs_wrongwrongwrongwrongwrong"},
					{"hash as key", "Bearer " + testKeyHash},
					{"right key, wrong scheme", "Basic " + testKey},
				} {
					r := authProbe(t, ts, m, path, hdr.value)
					switch {
					case !ok:
						if r.status < 400 {
							t.Errorf("%s %s (%s, pattern %q): %v, want an error", m, path, hdr.name, pattern, r)
						}
					case public[pattern]:
						if r.status == http.StatusUnauthorized {
							t.Errorf("public %s %s (%s): %v", m, path, hdr.name, r)
						}
					case r.status != http.StatusUnauthorized:
						t.Errorf("%s %s with %s: %v, want 401", m, path, hdr.name, r)
					}
				}
				if ok {
					if r := authProbe(t, ts, m, path, "Bearer "+testKey); r.status == http.StatusUnauthorized {
						t.Errorf("%s %s with the right key: %v", m, path, r)
					}
				}
			}
		}
		if withMethod < 11 {
			t.Fatalf("only %d routes with a method found in %q: the walk is broken", withMethod, ts.patterns)
		}
	}
}

func authProbe(t *testing.T, ts *testServer, method, path, authz string) reply {
	t.Helper()
	var body io.Reader
	ct := ""
	if method == "POST" || method == "PUT" || method == "PATCH" {
		b, c := form{file: fakeAudio(time.Second)}.encode()
		body, ct = bytes.NewReader(b), c
	}
	req, err := http.NewRequest(method, ts.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}
