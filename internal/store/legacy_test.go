package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestLegacyPrivateNames opens a version 3 library whose Private transcript still has its title and
// file name in the clear (as every Private transcript saved before version 4 has): while locked the
// list hides them (the row says Locked, with no names), and the next Unlock seals them and scrubs
// the database and WAL files.
func TestLegacyPrivateNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "library.db")
	l, err := Open(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	tr := sample("old", transcript.Private)
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Turn the file back into what version 3 wrote.
	for _, q := range []string{
		"DROP TRIGGER transcripts_private_names_insert",
		"DROP TRIGGER transcripts_private_names_update",
		"DELETE FROM sealed WHERE field IN ('title', 'source_name')",
		"UPDATE transcripts SET title = 'Legacyfjord clinic visit', source_name = 'legacyfjord-visit.m4a', names_sealed = 0",
		"PRAGMA user_version = 3",
	} {
		if _, err := l.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	l.Close()

	l, err = Open(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sums, err := l.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || !sums[0].Locked || sums[0].Title != "" || sums[0].SourceName != "" || sums[0].Duration != tr.Duration {
		t.Fatalf("locked list of a legacy Private row = %+v; want Locked, no names, the duration", sums)
	}
	if err := l.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}
	var sealed int
	l.db.QueryRow("SELECT names_sealed FROM transcripts WHERE id = 'old'").Scan(&sealed)
	if sealed != 1 {
		t.Fatal("Unlock did not seal the legacy names")
	}
	assertAbsent(t, fileBytes(t, l), "legacyfjord")
	got, err := l.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Legacyfjord clinic visit" || got.SourceName != "legacyfjord-visit.m4a" {
		t.Fatalf("after migration: title %q, file %q", got.Title, got.SourceName)
	}
	sums, _ = l.List(ctx, Filter{})
	if len(sums) != 1 || sums[0].Title != "Legacyfjord clinic visit" {
		t.Fatalf("unlocked list after migration = %+v", sums)
	}
	l.Lock()
	if err := l.Unlock(ctx, password); err != nil { // nothing left to migrate
		t.Fatal(err)
	}
}

// TestPrivateNamesRefusedInClear checks the schema's own guard: the database refuses a Private row
// with a clear title or file name, whatever code writes it.
func TestPrivateNamesRefusedInClear(t *testing.T) {
	l := openUnlocked(t, testOptions())
	for _, q := range []string{
		"INSERT INTO transcripts (id, level, title, created_ns, updated_ns, names_sealed) VALUES ('a', 'private', 'Clear', 1, 1, 1)",
		"INSERT INTO transcripts (id, level, source_name, created_ns, updated_ns, names_sealed) VALUES ('b', 'private', 'clear.m4a', 1, 1, 1)",
		"INSERT INTO transcripts (id, level, created_ns, updated_ns, names_sealed) VALUES ('c', 'private', 1, 1, 0)",
	} {
		if _, err := l.db.Exec(q); err == nil {
			t.Errorf("accepted: %s", q)
		}
	}
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.Exec("UPDATE transcripts SET title = 'Clear' WHERE id = 'p'"); err == nil {
		t.Error("accepted a clear title on a Private row")
	}
	if err := l.Save(ctx, sample("s", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	if err := l.SetLevel(ctx, "s", transcript.Private); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}
