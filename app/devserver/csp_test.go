package devserver_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestContentSecurityPolicy checks the page's Content-Security-Policy (frontend/index.html, which
// the desktop build embeds and the e2e server serves): the page may load scripts and make requests
// only to its own origin, with no inline script, eval or remote host, and everything else is denied
// by default. The e2e tests run the built page under this policy and fail on any violation.
func TestContentSecurityPolicy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "frontend", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("frontend/index.html has no Content-Security-Policy meta tag")
	}
	policy := map[string][]string{}
	for _, d := range strings.Split(string(m[1]), ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			policy[f[0]] = f[1:]
		}
	}
	want := map[string]string{
		"default-src": "'none'", "script-src": "'self'", "connect-src": "'self'", "base-uri": "'none'",
		"form-action": "'none'", "object-src": "'none'", "frame-src": "'none'",
	}
	for d, v := range want {
		if got := strings.Join(policy[d], " "); got != v {
			t.Errorf("%s is %q, want %q", d, got, v)
		}
	}
	for d, vs := range policy {
		for _, v := range vs {
			switch {
			case strings.Contains(v, "unsafe-eval"), strings.Contains(v, "unsafe-inline") && d != "style-src",
				v == "*", strings.Contains(v, "://"), v == "http:", v == "https:", v == "ws:", v == "wss:":
				t.Errorf("%s allows %s", d, v)
			}
		}
	}
}
