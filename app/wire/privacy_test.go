package wire_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestPrivateNamesNotOnDisk is the database-grep privacy proof run through the wiring the desktop
// app uses (wire.Open, default store options): a Private transcript's title, source file name,
// text and speaker names are in none of library.db, library.db-wal and library.db-shm, neither
// while it is unlocked nor after locking and closing; the locked list shows it without names.
func TestPrivateNamesNotOnDisk(t *testing.T) {
	b, dirs := open(t)
	ctx := context.Background()
	lib, v := b.Deps.Library, b.Deps.Vault
	if err := v.SetPassword(ctx, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Oncologyfjord", "harpsichordwalrus", "quetzalbudget", "Pennyworth Zamboni"}
	priv := &transcript.Transcript{
		Title: "Oncologyfjord results.m4a", SourceName: "Oncologyfjord results.m4a", SourceSize: 4321,
		Level: transcript.Private, Language: "en", Model: "ggml-visible-model", Duration: 12 * time.Minute,
		Segments: []transcript.Segment{{End: time.Second, Text: "The harpsichordwalrus and the quetzalbudget.", Speaker: "A"}},
		Speakers: []transcript.Speaker{{ID: "A", Name: "Pennyworth Zamboni"}},
	}
	if err := lib.Save(ctx, priv); err != nil {
		t.Fatal(err)
	}
	if es, err := lib.List(ctx, app.Filter{Text: "harpsichordwalrus"}); err != nil || len(es) != 1 || es[0].Title != priv.Title {
		t.Fatalf("unlocked search = %+v, %v", es, err)
	}
	files := func() []byte {
		var all []byte
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(dirs.Library + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, bytes.ToLower(b)...)
		}
		if !bytes.Contains(all, []byte("ggml-visible-model")) {
			t.Fatal("test is broken: the visible metadata is not in the files read")
		}
		return all
	}
	absent := func(when string) {
		t.Helper()
		all := files()
		for _, s := range secrets {
			if bytes.Contains(all, []byte(strings.ToLower(s))) {
				t.Errorf("%s: %q found in the library files", when, s)
			}
		}
	}
	absent("unlocked")
	if err := v.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := lib.List(ctx, app.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || !es[0].Locked || es[0].Title != "" || es[0].SourceName != "" || es[0].Duration != 12*time.Minute {
		t.Fatalf("locked list = %+v; want one Locked entry with no title or file name", es)
	}
	if es, _ := lib.List(ctx, app.Filter{Text: "oncologyfjord"}); len(es) != 0 {
		t.Errorf("locked title search found %+v", es)
	}
	absent("locked")
	b.Close()
	absent("closed")
}
