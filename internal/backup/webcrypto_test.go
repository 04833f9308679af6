package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// TestWebCryptoRestore restores a backup with Node's Web Crypto and internal/vault's vault.js
// (testdata/restore.mjs) from the email address and password alone, proving that a browser can.
func TestWebCryptoRestore(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testgate.Missing(t, "node not installed")
	}
	srv := backuptest.Start(t)
	a := newMemDevice(t, srv)
	a.client.cfg.WrapParams = vault.Params{Iterations: vault.MinIterations} // vault.js reads no less
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	want := []*transcript.Transcript{sample("t1", "Browser restore", "hello", "world"), sample("t2", "Second", "again")}
	want[1].Level = transcript.Private
	for _, tr := range want {
		mustSave(t, a.lib, tr)
	}
	a.sync(t)
	edited := mustGet(t, a.lib, "t1")
	edited.Title = "Browser restore, edited"
	mustSave(t, a.lib, edited)
	a.sync(t)

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, srv.CertPEM, 0o600)
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, node, filepath.Join("testdata", "restore.mjs"), srv.URL, testEmail, string(testPassword), strconv.Itoa(testIterations))
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node restore: %v\n%s", err, stderr.Bytes())
	}
	var docs []json.RawMessage
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}
	var got []string
	for _, d := range docs {
		tr, err := export.Import(bytes.NewReader(d))
		if err != nil {
			t.Fatalf("browser-decrypted document: %v", err)
		}
		data, _ := canonicalExport(tr)
		got = append(got, string(data))
	}
	sort.Strings(got)
	var exp []string
	for _, doc := range contents(t, a.lib) {
		exp = append(exp, doc)
	}
	sort.Strings(exp)
	if len(got) != len(exp) {
		t.Fatalf("browser restored %d transcripts, want %d", len(got), len(exp))
	}
	for i := range got {
		if got[i] != exp[i] {
			t.Fatalf("browser restore differs:\n%s\nwant\n%s", got[i], exp[i])
		}
	}
}
