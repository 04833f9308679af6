package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

var ctx = context.Background()

func TestOpenSettings(t *testing.T) {
	l := openTest(t, testOptions())
	for pragma, want := range map[string]string{
		"journal_mode":  "wal",
		"foreign_keys":  "1",
		"synchronous":   "2", // FULL
		"secure_delete": "1",
		"user_version":  "4",
	} {
		var got string
		if err := l.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if err := l.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSaveGet(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level transcript.Level
		names bool // title and file name sealed
	}{
		{"standard", transcript.Standard, false},
		{"private", transcript.Private, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := openUnlocked(t, testOptions())
			want := sample("t1", tc.level)
			if err := l.Save(ctx, want); err != nil {
				t.Fatal(err)
			}
			got, err := l.Get(ctx, "t1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Get = %+v\nwant %+v", got, want)
			}
			var title string
			if err := l.db.QueryRow("SELECT title FROM transcripts WHERE id = 't1'").Scan(&title); err != nil {
				t.Fatal(err)
			}
			if hidden := title == ""; hidden != tc.names {
				t.Errorf("stored title %q, names encrypted = %v", title, tc.names)
			}
		})
	}
}

func TestSaveDefaults(t *testing.T) {
	clock := newFakeClock()
	opts := testOptions()
	opts.Clock = clock.Now
	l := openTest(t, opts)
	tr := &transcript.Transcript{Title: "x", Segments: []transcript.Segment{{Text: "hello"}}}
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.ID) != 32 || tr.Level != transcript.Standard || !tr.Created.Equal(clock.Now()) {
		t.Fatalf("defaults not filled in: id %q level %q created %v", tr.ID, tr.Level, tr.Created)
	}
	got, err := l.Get(ctx, tr.ID)
	if err != nil || got.Title != "x" || len(got.Segments) != 1 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	empty := &transcript.Transcript{ID: "empty"}
	if err := l.Save(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Get(ctx, "empty"); err != nil || got.Segments == nil || len(got.Segments) != 0 {
		t.Fatalf("empty transcript: %+v, %v", got, err)
	}
}

func TestSaveInvalid(t *testing.T) {
	l := openUnlocked(t, testOptions())
	nan := sample("nan", transcript.Standard)
	nan.Segments[0].Words[0].Probability = float32(math.NaN())
	for _, tc := range []struct {
		name string
		t    *transcript.Transcript
	}{
		{"nil", nil},
		{"level", &transcript.Transcript{ID: "a", Level: "secret"}},
		{"id too long", &transcript.Transcript{ID: strings.Repeat("x", 200)}},
		{"id control", &transcript.Transcript{ID: "a\nb"}},
		{"id invalid utf8", &transcript.Transcript{ID: "a\xffb"}},
		{"negative duration", &transcript.Transcript{ID: "a", Duration: -1}},
		{"nan probability", nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := l.Save(ctx, tc.t); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Save err = %v, want ErrInvalid", err)
			}
		})
	}
	if list, _ := l.List(ctx, Filter{}); len(list) != 0 {
		t.Fatalf("invalid saves stored something: %+v", list)
	}
}

func TestGetNotFound(t *testing.T) {
	l := openTest(t, testOptions())
	if _, err := l.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get err = %v", err)
	}
	if err := l.Delete(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete err = %v", err)
	}
	if err := l.SetLevel(ctx, "nope", transcript.Private); !errors.Is(err, ErrLocked) {
		t.Fatalf("SetLevel while locked err = %v", err)
	}
}

func TestSaveReplaces(t *testing.T) {
	l := openTest(t, testOptions())
	tr := sample("t1", transcript.Standard)
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	tr.Segments = []transcript.Segment{{Text: "Only the harbour remains."}}
	tr.Title = "Edited"
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	got, err := l.Get(ctx, "t1")
	if err != nil || got.Title != "Edited" || len(got.Segments) != 1 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if hits := search(t, l, "river", Filter{}); len(hits) != 0 {
		t.Fatalf("old text still found: %+v", hits)
	}
	if hits := search(t, l, "harbour", Filter{}); len(hits) != 1 {
		t.Fatalf("new text not found: %+v", hits)
	}
	var n int
	l.db.QueryRow("SELECT count(*) FROM segments").Scan(&n)
	if n != 1 {
		t.Fatalf("%d segment rows, want 1", n)
	}
}

func TestLocked(t *testing.T) {
	l := openTest(t, testOptions())
	if err := l.Save(ctx, sample("p", transcript.Private)); !errors.Is(err, ErrLocked) {
		t.Fatalf("Private save without a password: %v", err)
	}
	if err := l.Unlock(ctx, password); !errors.Is(err, ErrNoPassword) {
		t.Fatalf("Unlock without a password: %v", err)
	}
	if err := l.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	if l.Locked() {
		t.Fatal("SetPassword left the library locked")
	}
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, sample("s", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	l.Lock()
	if !l.Locked() {
		t.Fatal("Lock did not lock")
	}
	if _, err := l.Get(ctx, "p"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Get Private while locked: %v", err)
	}
	if _, err := l.Get(ctx, "s"); err != nil {
		t.Fatalf("Get Standard while locked: %v", err)
	}
	if err := l.Save(ctx, sample("p", transcript.Standard)); !errors.Is(err, ErrLocked) {
		t.Fatalf("overwriting a Private transcript while locked: %v", err)
	}
	for _, lvl := range []transcript.Level{transcript.Standard, transcript.Private} {
		if err := l.SetLevel(ctx, "s", lvl); !errors.Is(err, ErrLocked) {
			t.Fatalf("SetLevel while locked: %v", err)
		}
	}
	list, err := l.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		switch s.ID {
		case "p":
			if !s.Locked || s.Title != "" || s.SourceName != "" || s.Duration != 95*time.Second || s.Language != "en" {
				t.Errorf("locked Private summary = %+v", s)
			}
		case "s":
			if s.Locked || s.Title != "Quarterly planning" {
				t.Errorf("Standard summary = %+v", s)
			}
		}
	}
	if err := l.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}
	list, err = l.List(ctx, Filter{Level: transcript.Private})
	if err != nil || len(list) != 1 || list[0].Locked || list[0].Title != "Quarterly planning" || list[0].SourceName != "planning.m4a" {
		t.Fatalf("unlocked Private list = %+v, %v", list, err)
	}
}

func TestList(t *testing.T) {
	l := openUnlocked(t, testOptions())
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, tc := range []struct {
		id    string
		lang  string
		level transcript.Level
	}{{"a", "en", transcript.Standard}, {"b", "de", transcript.Private}, {"c", "en", transcript.Private}, {"d", "de", transcript.Standard}} {
		tr := sample(tc.id, tc.level)
		tr.Language = tc.lang
		tr.Created = base.Add(time.Duration(i) * 24 * time.Hour)
		if err := l.Save(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want string
	}{
		{"all newest first", Filter{}, "dcba"},
		{"language", Filter{Language: "de"}, "db"},
		{"level", Filter{Level: transcript.Private}, "cb"},
		{"since", Filter{Since: base.Add(24 * time.Hour)}, "dcb"},
		{"until", Filter{Until: base.Add(24 * time.Hour)}, "a"},
		{"limit", Filter{Limit: 2}, "dc"},
		{"offset", Filter{Limit: 2, Offset: 1}, "cb"},
		{"offset only", Filter{Offset: 3}, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := l.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, s := range list {
				got += s.ID
			}
			if got != tc.want {
				t.Fatalf("List = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	l := openUnlocked(t, testOptions())
	for _, lvl := range []transcript.Level{transcript.Standard, transcript.Private} {
		if err := l.Save(ctx, sample(string(lvl), lvl)); err != nil {
			t.Fatal(err)
		}
		if err := l.Delete(ctx, string(lvl)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Get(ctx, string(lvl)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete: %v", err)
		}
	}
	for _, table := range []string{"transcripts", "segments", "speakers", "sealed"} {
		var n int
		if err := l.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s has %d rows after deleting everything (%v)", table, n, err)
		}
	}
	var n int
	if err := l.db.QueryRow("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'budget'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("FTS still matches deleted text: %d (%v)", n, err)
	}
	if hits := search(t, l, "budget", Filter{}); len(hits) != 0 {
		t.Fatalf("Search finds deleted text: %+v", hits)
	}
	if err := l.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDeletedTextNotInFile is the "grep the database file" test for deletion: after Delete, the
// deleted transcript's words are in neither the database nor the WAL.
func TestDeletedTextNotInFile(t *testing.T) {
	l := openTest(t, testOptions())
	secret := []string{"zanzibarquokka", "xylophonemarmot", "vexillologywombat"}
	keep := sample("keep", transcript.Standard)
	if err := l.Save(ctx, keep); err != nil {
		t.Fatal(err)
	}
	doomed := sample("doomed", transcript.Standard)
	doomed.Title = "Title " + secret[0]
	doomed.Segments = append(doomed.Segments, transcript.Segment{Text: strings.Join(secret, " ")})
	if err := l.Save(ctx, doomed); err != nil {
		t.Fatal(err)
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	all := fileBytes(t, l)
	if !bytes.Contains(all, []byte(secret[1])) {
		t.Fatal("test is broken: the word is not in the file before Delete")
	}
	if err := l.Delete(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, fileBytes(t, l), secret...)
	if _, err := l.Get(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
}

// assertAbsent fails if any word, or its second half (FTS5 stores terms prefix-compressed), occurs
// in b.
func assertAbsent(t *testing.T, b []byte, words ...string) {
	t.Helper()
	lower := bytes.ToLower(b)
	for _, w := range words {
		for _, s := range []string{w, w[len(w)/2:]} {
			if bytes.Contains(lower, []byte(strings.ToLower(s))) {
				t.Errorf("%q found in the database files", s)
			}
		}
	}
}

func TestSetLevel(t *testing.T) {
	{
		l := openUnlocked(t, testOptions())
		want := sample("t", transcript.Standard)
		want.Title, want.SourceName = "Mortgagefjord review", "mortgagefjord-call.m4a"
		want.Segments = append(want.Segments, transcript.Segment{Text: "quintessentialplatypus"})
		if err := l.Save(ctx, want); err != nil {
			t.Fatal(err)
		}
		if err := l.SetLevel(ctx, "t", transcript.Private); err != nil {
			t.Fatal(err)
		}
		want.Level = transcript.Private
		if got, err := l.Get(ctx, "t"); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after SetLevel Private: %+v, %v", got, err)
		}
		var nseg, nsealed int
		l.db.QueryRow("SELECT count(*) FROM segments").Scan(&nseg)
		l.db.QueryRow("SELECT count(*) FROM sealed").Scan(&nsealed)
		if nseg != 0 || nsealed < 2 {
			t.Fatalf("after SetLevel Private: %d segment rows, %d sealed rows", nseg, nsealed)
		}
		var n int
		l.db.QueryRow("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'budget'").Scan(&n)
		if n != 0 {
			t.Fatal("Private text still in the FTS index")
		}
		assertAbsent(t, fileBytes(t, l), "quintessentialplatypus", "mortgagefjord")
		if err := l.SetLevel(ctx, "t", transcript.Private); err != nil {
			t.Fatalf("SetLevel to the same level: %v", err)
		}

		if err := l.SetLevel(ctx, "t", transcript.Standard); err != nil {
			t.Fatal(err)
		}
		want.Level = transcript.Standard
		if got, err := l.Get(ctx, "t"); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after SetLevel Standard: %+v, %v", got, err)
		}
		l.db.QueryRow("SELECT count(*) FROM sealed").Scan(&nsealed)
		if nsealed != 0 {
			t.Fatalf("%d sealed rows left", nsealed)
		}
		if hits := search(t, l, "quintessentialplatypus", Filter{Level: transcript.Standard}); len(hits) != 1 {
			t.Fatalf("Standard again but not in FTS: %+v", hits)
		}
		if err := l.SetLevel(ctx, "t", "bogus"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bogus level: %v", err)
		}
	}
}

func TestPasswords(t *testing.T) {
	l := openTest(t, testOptions())
	if has, err := l.HasPassword(ctx); err != nil || has {
		t.Fatalf("HasPassword = %v, %v", has, err)
	}
	if err := l.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	if err := l.SetPassword(ctx, []byte("other")); !errors.Is(err, ErrPasswordSet) {
		t.Fatalf("second SetPassword: %v", err)
	}
	want := sample("p", transcript.Private)
	if err := l.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, sample("s", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	l.Lock()

	before := dumpRows(t, l, "transcripts", "segments", "speakers", "sealed")
	keysBefore := dumpRows(t, l, "vault_keys")

	if err := l.Unlock(ctx, []byte("wrong")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Unlock with a wrong password: %v", err)
	}
	if err := l.ChangePassword(ctx, []byte("wrong"), []byte("new")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("ChangePassword with a wrong password: %v", err)
	}
	if got := dumpRows(t, l, "vault_keys"); got != keysBefore {
		t.Fatal("a wrong password changed the key row")
	}
	newPassword := []byte("new password")
	if err := l.ChangePassword(ctx, password, newPassword); err != nil {
		t.Fatal(err)
	}
	if !l.Locked() {
		t.Fatal("ChangePassword unlocked the library")
	}
	if got := dumpRows(t, l, "transcripts", "segments", "speakers", "sealed"); got != before {
		t.Fatal("ChangePassword changed transcript rows")
	}
	if got := dumpRows(t, l, "vault_keys"); got == keysBefore {
		t.Fatal("ChangePassword did not change the key row")
	}
	if err := l.Unlock(ctx, password); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password after change: %v", err)
	}
	if err := l.Unlock(ctx, newPassword); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Get(ctx, "p"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Get after password change: %+v, %v", got, err)
	}
}

// dumpRows renders every row of the tables, bytes and all, for comparisons.
func dumpRows(t *testing.T, l *Library, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		rows, err := l.db.Query("SELECT * FROM " + table + " ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			b.WriteString(table)
			for _, v := range vals {
				fmt.Fprintf(&b, "|%#v", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestIdleTimeout(t *testing.T) {
	clock := newFakeClock()
	locked := make(chan struct{}, 1)
	opts := testOptions()
	opts.Clock = clock.Now
	opts.IdleTimeout = 10 * time.Minute
	opts.idlePoll = 5 * time.Millisecond
	opts.OnAutoLock = func() { locked <- struct{}{} }
	l := openUnlocked(t, opts)
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(9 * time.Minute)
	if _, err := l.Get(ctx, "p"); err != nil { // use restarts the timer
		t.Fatal(err)
	}
	clock.Advance(9 * time.Minute)
	l.Touch()
	clock.Advance(9 * time.Minute)
	if l.Locked() {
		t.Fatal("locked before the idle timeout")
	}
	clock.Advance(time.Minute)
	select { // the background loop notices without any call
	case <-locked:
	case <-time.After(10 * time.Second):
		t.Fatal("OnAutoLock not called")
	}
	if !l.Locked() {
		t.Fatal("not locked after the idle timeout")
	}
	if _, err := l.Get(ctx, "p"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Get after the idle timeout: %v", err)
	}
	if err := l.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, "p"); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedCiphertexts(t *testing.T) {
	l := openUnlocked(t, testOptions())
	for _, id := range []string{"one", "two"} {
		if err := l.Save(ctx, sample(id, transcript.Private)); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(t *testing.T, a, fa, b, fb string) {
		t.Helper()
		const where = "WHERE rid = (SELECT rid FROM transcripts WHERE id = ?) AND field = ?"
		var ea, eb []byte
		if err := l.db.QueryRow("SELECT envelope FROM sealed "+where, a, fa).Scan(&ea); err != nil {
			t.Fatal(err)
		}
		if err := l.db.QueryRow("SELECT envelope FROM sealed "+where, b, fb).Scan(&eb); err != nil {
			t.Fatal(err)
		}
		if _, err := l.db.Exec("UPDATE sealed SET envelope = ? "+where, eb, a, fa); err != nil {
			t.Fatal(err)
		}
		if _, err := l.db.Exec("UPDATE sealed SET envelope = ? "+where, ea, b, fb); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("between transcripts", func(t *testing.T) {
		swap(t, "one", "segments", "two", "segments")
		for _, id := range []string{"one", "two"} {
			if _, err := l.Get(ctx, id); !errors.Is(err, ErrTampered) {
				t.Fatalf("Get(%s) after swap: %v", id, err)
			}
		}
		swap(t, "one", "segments", "two", "segments")
		if _, err := l.Get(ctx, "one"); err != nil {
			t.Fatalf("swapping back: %v", err)
		}
	})
	t.Run("between fields", func(t *testing.T) {
		swap(t, "one", "title", "one", "source_name")
		if _, err := l.Get(ctx, "one"); !errors.Is(err, ErrTampered) {
			t.Fatalf("Get after swapping fields: %v", err)
		}
		list, err := l.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.ID == "one" && (!s.Damaged || s.Title != "") {
				t.Fatalf("List of a tampered title: %+v", s)
			}
		}
		swap(t, "one", "title", "one", "source_name")
	})
	t.Run("flipped bit", func(t *testing.T) {
		if _, err := l.db.Exec(`UPDATE sealed SET envelope = substr(envelope, 1, 30) || x'00' || substr(envelope, 32)
			WHERE field = 'speakers' AND rid = (SELECT rid FROM transcripts WHERE id = 'two')`); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Get(ctx, "two"); !errors.Is(err, ErrTampered) {
			t.Fatalf("Get after modification: %v", err)
		}
	})
	t.Run("missing field", func(t *testing.T) {
		if _, err := l.db.Exec(`DELETE FROM sealed WHERE field = 'speakers' AND rid = (SELECT rid FROM transcripts WHERE id = 'two')`); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Get(ctx, "two"); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Get with a missing field: %v", err)
		}
	})
}

func TestCorruptWords(t *testing.T) {
	l := openTest(t, testOptions())
	if err := l.Save(ctx, sample("s", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.Exec("UPDATE segments SET words = x'7b7b' WHERE idx = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, "s"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get with corrupt words: %v", err)
	}
}

func TestListPreviews(t *testing.T) {
	l := openUnlocked(t, testOptions())
	long := sample("long", transcript.Standard)
	long.Segments = nil
	for i := range 20 {
		long.Segments = append(long.Segments, transcript.Segment{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second,
			Text: fmt.Sprintf(" segment number %d says\nsomething ", i)})
	}
	for _, tr := range []*transcript.Transcript{sample("std", transcript.Standard), sample("priv", transcript.Private), long} {
		if err := l.Save(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	const want = "Welcome to the planning meeting. The café budget is über tight this year. Let's talk about the river project."
	previews := func() map[string]string {
		t.Helper()
		list, err := l.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, s := range list {
			m[s.ID] = s.Preview
		}
		return m
	}
	p := previews()
	if !strings.HasPrefix(p["std"], want) || !strings.HasPrefix(p["priv"], want) {
		t.Errorf("previews %q / %q, want them to start with %q", p["std"], p["priv"], want)
	}
	if got := p["long"]; !strings.HasPrefix(got, "segment number 0 says something segment number 1") || !strings.HasSuffix(got, "…") ||
		utf8.RuneCountInString(got) > PreviewRunes+1 || strings.Contains(got, "\n") || strings.Contains(got, "  ") {
		t.Errorf("long preview %q", got)
	}
	l.Lock()
	p = previews()
	if p["priv"] != "" || !strings.HasPrefix(p["std"], want) {
		t.Errorf("locked previews %q / %q: the Private one must be empty", p["std"], p["priv"])
	}
}
