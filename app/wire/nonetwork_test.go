package wire_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/testtrace"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// outbound counts uses of the process-wide HTTP transport and DNS resolver.
var outbound atomic.Int64

// TestMain runs every test of the package with http.DefaultTransport and net.DefaultResolver
// replaced by ones that fail and count: the desktop backend must never reach out on its own. Tests
// that talk to a backup server use that server's own loopback client.
func TestMain(m *testing.M) {
	fail := roundTrip(func(r *http.Request) (*http.Response, error) {
		outbound.Add(1)
		return nil, fmt.Errorf("outbound HTTP request to %s attempted", r.URL.Host)
	})
	http.DefaultTransport = fail
	http.DefaultClient.Transport = fail
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		outbound.Add(1)
		return nil, fmt.Errorf("DNS lookup via %s attempted", address)
	}}
	code := m.Run()
	if n := outbound.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d outbound HTTP or DNS attempts during the tests\n", n)
		code = 1
	}
	os.Exit(code)
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHelperWorkflow is not a test: TestNoNetworkInAWorkflow re-executes the test binary under
// strace with HUSHSCRIBE_NONET_DIR set, and this function then runs a user's session through the
// desktop app's real wiring.
func TestHelperWorkflow(t *testing.T) {
	dir := os.Getenv("HUSHSCRIBE_NONET_DIR")
	if dir == "" {
		t.Skip("helper process")
	}
	if err := workflow(dir, os.Getenv("HUSHSCRIBE_NONET_MODEL"), os.Getenv("HUSHSCRIBE_NONET_AUDIO")); err != nil {
		t.Fatal(err)
	}
	if n := outbound.Load(); n > 0 {
		t.Fatalf("%d outbound HTTP or DNS attempts", n)
	}
	fmt.Println("workflow done")
}

// workflow is a session in the desktop app, wired as main_desktop.go wires it (a model download
// client configured, as in the shipped app): import a model, transcribe a file, search, read and
// export the transcript, set a vault password, make the transcript Private, lock, unlock, change
// settings, look at models, the backup page and the system info, delete the transcript.
func workflow(dir, model, audio string) error {
	ctx := context.Background()
	rt := apptest.NewRuntime()
	b, err := wire.Open(wire.Config{
		Dirs:    paths.At(dir),
		Runtime: rt,
		// The desktop app's download client: configured, so a stray download would really dial.
		HTTPClient: &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}},
		Keychain: &keychain.Memory{},
		Version:  "test",
	})
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := app.New(b.Deps)
	if err != nil {
		return err
	}
	a.Startup(ctx)
	defer a.Shutdown(ctx)
	step := func(name string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if _, err := a.ImportModelFile(model, "micro"); err != nil {
		return step("import model", err)
	}
	jobs, err := a.AddFiles([]string{audio}, app.JobOptions{Language: "en"})
	if err != nil {
		return step("add files", err)
	}
	d, ok := rt.WaitFor(app.EventJob, func(d any) bool {
		j := d.(app.Job)
		return j.ID == jobs[0].ID && (j.State == app.JobDone || j.State == app.JobFailed)
	}, 5*time.Minute)
	if !ok || d.(app.Job).State != app.JobDone {
		return fmt.Errorf("job did not finish: %+v", d)
	}
	id := d.(app.Job).TranscriptID
	for _, f := range []func() error{
		func() error { _, err := a.ListTranscripts(app.Query{}); return step("list", err) },
		func() error { _, err := a.ListTranscripts(app.Query{Text: "country"}); return step("search", err) },
		func() error { _, err := a.GetTranscript(id); return step("get", err) },
		func() error { _, err := a.ExportText(id, "srt", app.ExportOptions{}); return step("export", err) },
		func() error { _, err := a.SetPassword("correct horse battery"); return step("set password", err) },
		func() error { return step("private", a.SetLevel(id, transcript.Private)) },
		func() error { _, err := a.Lock(); return step("lock", err) },
		func() error { _, err := a.Unlock("correct horse battery"); return step("unlock", err) },
		func() error {
			s, err := a.GetSettings()
			if err == nil {
				_, err = a.SaveSettings(s)
			}
			return step("settings", err)
		},
		func() error { _, err := a.ListModels(); return step("models", err) },
		func() error { _, err := a.BackupStatus(); return step("backup status", err) },
		func() error { _, err := a.SystemInfo(); return step("system info", err) },
		func() error { _, err := a.Languages(); return step("languages", err) },
		func() error { return step("delete", a.DeleteTranscript(id)) },
	} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// TestNoNetworkInAWorkflow proves "nothing is sent anywhere unless you opt in" for the desktop app's
// Go side: it runs workflow in a child process under strace, which records every connect, bind and
// send in every thread (whisper.cpp, SQLite and ffmpeg included, which Go-level hooks would miss),
// and fails on any IPv4 or IPv6 address, loopback included. The child's own TestMain also fails on
// any use of the default HTTP transport or resolver.
func TestNoNetworkInAWorkflow(t *testing.T) {
	model := testmodel.ForTest(t, testmodel.Micro)
	audio := corpus(t, "jfk.flac")
	trace := filepath.Join(t.TempDir(), "strace.log")
	cmd := testtrace.CommandNet(t, trace, os.Args[0], "-test.run=^TestHelperWorkflow$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "HUSHSCRIBE_NONET_DIR="+t.TempDir(), "HUSHSCRIBE_NONET_MODEL="+model, "HUSHSCRIBE_NONET_AUDIO="+audio)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "workflow done") {
		t.Fatalf("workflow: %v\n%s", err, out)
	}
	testtrace.CheckNoNetwork(t, trace)
}
