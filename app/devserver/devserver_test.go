package devserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/devserver"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	rt := devserver.NewRuntime()
	lib := apptest.NewLibrary()
	a, err := app.New(app.Deps{Library: lib, Vault: lib, Runtime: rt, Settings: app.NewSettingsFile("")})
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	dist := fstest.MapFS{
		"index.html":    {Data: []byte("<html><head><title>x</title></head><body></body></html>")},
		"assets/app.js": {Data: []byte("console.log(1)")},
	}
	srv := httptest.NewServer(devserver.Handler(a, rt, dist))
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/api/call/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestCall(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		method, body string
		code         int
		key, want    string
	}{
		{"GetSettings", `[]`, 200, "result", "auto"},
		{"SetPassword", `["short"]`, 200, "error", "at least 8"},
		{"SetPassword", `[]`, 400, "error", "want 1 arguments"},
		{"SetPassword", `[42]`, 400, "error", "argument 1"},
		{"SetPassword", `not json`, 400, "error", "arguments"},
		{"Startup", `[]`, 404, "error", "no such method"},
		{"Nope", `[]`, 404, "error", "no such method"},
	}
	for _, tc := range tests {
		code, out := call(t, srv, tc.method, tc.body)
		b, _ := json.Marshal(out[tc.key])
		if code != tc.code || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s = %d %v, want %d %s containing %q", tc.method, tc.body, code, out, tc.code, tc.key, tc.want)
		}
	}
}

func TestEventsAndDrop(t *testing.T) {
	srv := newServer(t)
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- l
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // let the subscription register
	if r, err := http.Post(srv.URL+"/api/test/drop", "application/json", strings.NewReader(`["/a.wav"]`)); err != nil {
		t.Fatal(err)
	} else {
		r.Body.Close()
	}
	call(t, srv, "SaveSettings", `[{"language":"de","level":"standard"}]`)
	want := []string{`"data":[0,0,["/a.wav"]]`, `"name":"settings"`}
	for _, w := range want {
		select {
		case l := <-lines:
			if !strings.Contains(l, w) {
				t.Errorf("event %s, want %s", l, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for %s", w)
		}
	}
}

func TestDialogAnswers(t *testing.T) {
	srv := newServer(t)
	r, _ := http.Post(srv.URL+"/api/test/dialog/open", "application/json", strings.NewReader(`["/x.mp3"]`))
	r.Body.Close()
	_, out := call(t, srv, "ChooseFiles", `[]`)
	if b, _ := json.Marshal(out["result"]); string(b) != `["/x.mp3"]` {
		t.Errorf("ChooseFiles = %s", b)
	}
}

func TestStatic(t *testing.T) {
	srv := newServer(t)
	get := func(p string) (int, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, p := range []string{"/", "/index.html", "/some/route"} {
		if code, body := get(p); code != 200 || !strings.Contains(body, `<head><script src="/devshim.js"></script>`) {
			t.Errorf("GET %s = %d %q", p, code, body)
		}
	}
	if code, body := get("/assets/app.js"); code != 200 || body != "console.log(1)" {
		t.Errorf("asset = %d %q", code, body)
	}
	if code, body := get("/devshim.js"); code != 200 || !strings.Contains(body, "window.go") {
		t.Errorf("shim = %d", code)
	}
	if code, _ := get("/media/unknown"); code != 404 {
		t.Errorf("media = %d", code)
	}
}

func TestDesktopAndShow(t *testing.T) {
	rt := devserver.NewRuntime()
	lib := apptest.NewLibrary()
	a, err := app.New(app.Deps{Library: lib, Vault: lib, Runtime: rt, Settings: app.NewSettingsFile("")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(devserver.Handler(a, rt, fstest.MapFS{}))
	defer srv.Close()

	rt.SetClipboard("hello there")
	rt.Notify(context.Background(), "Transcribed", "4 s, copied")
	resp, err := http.Get(srv.URL + "/api/test/desktop")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"clipboard":"hello there","notifications":[{"title":"Transcribed","body":"4 s, copied"}]}`; strings.TrimSpace(string(b)) != want {
		t.Errorf("desktop = %s, want %s", b, want)
	}

	r, err := http.Post(srv.URL+"/api/test/show", "application/json", strings.NewReader(`"t1"`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if got, ok := rt.WaitFor(app.EventShowTranscript, nil, time.Second); !ok || got != "t1" {
		t.Errorf("show event = %v, %v", got, ok)
	}
	if r, _ := http.Post(srv.URL+"/api/test/show", "application/json", strings.NewReader(`nope`)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad body: %d", r.StatusCode)
	}
}
