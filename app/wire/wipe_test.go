package wire_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestDeleteEverything proves "you can delete all your data at any time" through the app's own
// path: the desktop wiring (wire.Open, the wiper it builds) behind app.DeleteAllData, with the
// library open and live (its -wal file holding the latest writes), a remembered vault key in the
// keychain, a log file and settings. Afterwards the keychain is empty, the logs folder is empty,
// the data folder holds only the fresh empty library, and no file in it contains any word that was
// saved. (Without the keychain in the wiper, or with a wiper that only closed the database, this
// fails.)
func TestDeleteEverything(t *testing.T) {
	ctx := context.Background()
	dirs := paths.At(t.TempDir())
	kc := &keychain.Memory{}
	b, err := wire.Open(wire.Config{Dirs: dirs, Runtime: apptest.NewRuntime(), Keychain: kc, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a, err := app.New(b.Deps)
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(ctx)
	defer a.Shutdown(ctx)

	const stdWord, privWord = "zebrafinchstandard", "okapiprivatediagnosis"
	if _, err := a.SetPassword("correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetRemember(true); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*transcript.Transcript{
		{Title: "Standup " + stdWord, Language: "en", Segments: []transcript.Segment{{End: time.Second, Text: stdWord + " budget"}}},
		{Title: "Doctor", Level: transcript.Private, Segments: []transcript.Segment{{End: time.Second, Text: privWord}}},
	} {
		if err := b.Deps.Library.Save(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	s, err := a.GetSettings()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dirs.Logs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirs.Logs, "hushscribe.log"), []byte("job done: "+stdWord+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The state before: a live database with its write-ahead log, and a key in the keychain.
	if st, err := os.Stat(filepath.Join(dirs.Root, "library.db-wal")); err != nil || st.Size() == 0 {
		t.Fatalf("library.db-wal before the wipe: %v, %v (the test needs a live WAL)", st, err)
	}
	if kc.Len() == 0 {
		t.Fatal("no key in the keychain before the wipe: the test proves nothing")
	}
	if !contains(t, dirs.Root, stdWord) {
		t.Fatal("the standard word is in no file before the wipe: the test proves nothing")
	}

	if err := a.DeleteAllData("DELETE"); err != nil {
		t.Fatal(err)
	}

	if n := kc.Len(); n != 0 {
		t.Errorf("%d keychain entries left after delete everything", n)
	}
	if es, _ := os.ReadDir(dirs.Logs); len(es) != 0 {
		t.Errorf("logs left: %v", es)
	}
	for _, w := range []string{stdWord, privWord} {
		if contains(t, dirs.Root, w) {
			t.Errorf("%q is still in a file under the data folder", w)
		}
	}
	filepath.WalkDir(dirs.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dirs.Root, p)
		switch rel {
		case "library.db", "library.db-wal", "library.db-shm": // the fresh, empty library
		default:
			t.Errorf("left after delete everything: %s", rel)
		}
		return nil
	})
	if es, err := a.ListTranscripts(app.Query{}); err != nil || len(es) != 0 {
		t.Errorf("library after the wipe: %v, %v", es, err)
	}
	if st, _ := a.VaultStatus(); st.HasPassword || st.Remember {
		t.Errorf("vault after the wipe: %+v", st)
	}
}

// contains reports whether any file under dir holds word.
func contains(t *testing.T, dir, word string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(bytes.ToLower(b), []byte(word)) {
			t.Logf("%s contains %q", p, word)
			found = true
		}
		return nil
	})
	return found
}
