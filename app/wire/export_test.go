package wire_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/sealedfile"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestPrivateExports runs the app's export through the production wiring: a Private transcript's
// export is written 0600 (a Standard one 0644), and the password-protected export is a sealed file
// (0600, ".srt.hsenc") that holds none of the text and opens with the password alone.
func TestPrivateExports(t *testing.T) {
	rt := apptest.NewRuntime()
	dirs := paths.At(t.TempDir())
	b, err := wire.Open(wire.Config{Dirs: dirs, Runtime: rt, Keychain: &keychain.Memory{}, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	a, err := app.New(b.Deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Deps.Vault.SetPassword(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	seg := []transcript.Segment{{End: time.Second, Text: "The zanzibarquokka diagnosis."}}
	priv := &transcript.Transcript{Title: "Clinic", Level: transcript.Private, Segments: seg}
	std := &transcript.Transcript{Title: "Standup", Segments: seg}
	for _, tr := range []*transcript.Transcript{priv, std} {
		if err := b.Deps.Library.Save(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	rt.AnswerSave(filepath.Join(out, "private.srt"))
	if p, err := a.ExportToFile(priv.ID, "srt", app.ExportOptions{}); err != nil || mode(p) != 0o600 {
		t.Fatalf("Private export %q: %v, mode %v; want 0600", p, err, mode(p))
	}
	rt.AnswerSave(filepath.Join(out, "standard.srt"))
	if p, err := a.ExportToFile(std.ID, "srt", app.ExportOptions{}); err != nil || mode(p) != 0o644 {
		t.Fatalf("Standard export %q: %v", p, err)
	}

	rt.AnswerSave(filepath.Join(out, "protected"))
	p, err := a.ExportToFileProtected(priv.ID, "srt", app.ExportOptions{}, "export password 1")
	if err != nil || !strings.HasSuffix(p, ".srt.hsenc") || mode(p) != 0o600 {
		t.Fatalf("protected export = %q, %v", p, err)
	}
	sealed, _ := os.ReadFile(p)
	if bytes.Contains(bytes.ToLower(sealed), []byte("zanzibarquokka")) {
		t.Fatal("the protected export holds the text")
	}
	plain, err := sealedfile.Open([]byte("export password 1"), sealed)
	if err != nil || !strings.Contains(string(plain), "The zanzibarquokka diagnosis.") {
		t.Fatalf("open the protected export: %q, %v", plain, err)
	}
	for _, pw := range []string{"", "short"} {
		rt.AnswerSave(filepath.Join(out, "weak"))
		if _, err := a.ExportToFileProtected(priv.ID, "srt", app.ExportOptions{}, pw); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("password %q: %v, want ErrInvalid", pw, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "weak.srt.hsenc")); !os.IsNotExist(err) {
		t.Error("a refused export left a file")
	}
}
