//go:build linux || darwin

package vault_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// findChromium returns a headless-capable Chromium: $HUSHSCRIBE_CHROMIUM, else the first of the
// usual names on $PATH (Debian installs /usr/bin/chromium).
func findChromium() string {
	if p := os.Getenv("HUSHSCRIBE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

type browserCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type browserResult struct {
	Error            string         `json:"error"`
	Checks           []browserCheck `json:"checks"`
	PasswordEnvelope string         `json:"password_envelope"`
	DataEnvelope     string         `json:"data_envelope"`
}

const interopPage = `<!doctype html>
<meta charset="utf-8">
<title>vault interop</title>
<script>
  const report = (msg) => fetch("/result", {method: "POST", body: JSON.stringify({error: msg})});
  addEventListener("error", (e) => report("page error: " + e.message));
  addEventListener("unhandledrejection", (e) => report("unhandled rejection: " + e.reason));
</script>
<script type="module" src="/interop.js" onerror="report('cannot load /interop.js')"></script>
`

// TestBrowserInterop shows that webcrypto/vault.js and this package read each other's blobs: Go
// seals a password envelope, a key file and data envelopes, headless Chromium opens them with Web
// Crypto (and checks testdata/vectors.json), then seals its own, which Go opens.
func TestBrowserInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the headless Chromium test in -short mode")
	}
	chromium := findChromium()
	if chromium == "" {
		testgate.Missing(t, "no Chromium found (install Debian's chromium or set HUSHSCRIBE_CHROMIUM); browser interop not tested")
	}

	// Web Crypto's PBKDF2 is slow at 600,000 iterations; the minimum keeps the test quick.
	p := vault.Params{Iterations: vault.MinIterations}
	const pw, id, field = "interop pässword", "01J-interop", "text"
	plaintext := []byte("Ich bin ein Berliner. — ask not what your country can do for you")
	ad := vault.AD(id, field)
	penv, err := vault.SealWithPassword([]byte(pw), plaintext, ad, p)
	if err != nil {
		t.Fatal(err)
	}
	key, wrapped, err := vault.NewKey([]byte(pw), p)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	denv, err := key.Seal(plaintext, ad)
	if err != nil {
		t.Fatal(err)
	}
	emptyEnv, err := key.Seal(nil, ad)
	if err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString
	fixtures, err := json.Marshal(map[string]any{
		"password":            pw,
		"iterations":          p.Iterations,
		"transcript_id":       id,
		"field":               field,
		"ad":                  h(ad),
		"plaintext":           h(plaintext),
		"password_envelope":   h(penv),
		"key_file":            h(wrapped),
		"data_envelope":       h(denv),
		"empty_data_envelope": h(emptyEnv),
		"vectors":             readVectors(t),
	})
	if err != nil {
		t.Fatal(err)
	}

	results := make(chan browserResult, 1)
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(interopPage))
	})
	mux.HandleFunc("GET /vault.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "webcrypto/vault.js")
	})
	mux.HandleFunc("GET /interop.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/interop.js")
	})
	mux.HandleFunc("GET /fixtures.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixtures)
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var res browserResult
		if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
			res.Error = "bad result JSON: " + err.Error()
		}
		once.Do(func() { results <- res })
	})
	mux.HandleFunc("GET /favicon.ico", http.NotFound)
	srv := httptest.NewServer(mux) // 127.0.0.1 is a secure context, so crypto.subtle is available
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.Command(chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), srv.URL+"/")
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so its helper processes can be stopped with it
	if err := cmd.Start(); err != nil {
		testgate.Missing(t, "cannot start %s: %v", chromium, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the process group this test created
		<-exited
	}()

	var res browserResult
	select {
	case res = <-results:
	case err := <-exited:
		exited <- err // for the deferred wait
		t.Fatalf("%s exited before reporting (%v):\n%s", chromium, err, stderr.String())
	case <-ctx.Done():
		t.Fatalf("no result from %s within 90s:\n%s", chromium, stderr.String())
	}

	if res.Error != "" {
		t.Errorf("browser: %s", res.Error)
	}
	if len(res.Checks) == 0 {
		t.Fatal("browser ran no checks")
	}
	for _, c := range res.Checks {
		if !c.OK {
			t.Errorf("browser check %q failed: %s", c.Name, c.Detail)
		} else {
			t.Logf("browser check %q ok %s", c.Name, c.Detail)
		}
	}

	// Go opens what the browser sealed.
	got, err := vault.OpenWithPassword([]byte(pw), mustHex(t, res.PasswordEnvelope), ad)
	if err != nil || string(got) != string(plaintext) {
		t.Errorf("Go OpenWithPassword(browser envelope) = %q, %v", got, err)
	}
	if _, err := vault.OpenWithPassword([]byte(pw), mustHex(t, res.PasswordEnvelope), vault.AD(id, "title")); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("Go OpenWithPassword(browser envelope, other ad): err = %v, want ErrTampered", err)
	}
	got, err = key.Open(mustHex(t, res.DataEnvelope), ad)
	if err != nil || string(got) != string(plaintext) {
		t.Errorf("Go Open(browser data envelope) = %q, %v", got, err)
	}
}
