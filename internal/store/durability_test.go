package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestPrivateNotInFile is the "grep the database file" test: nothing of a Private transcript's text,
// speaker names, title or source file name reaches the database, WAL or shared-memory files.
// (app/wire's TestPrivateNamesNotOnDisk repeats it through the app's own wiring.)
func TestPrivateNotInFile(t *testing.T) {
	l := openUnlocked(t, testOptions())
	secrets := []string{"zanzibarquokka", "xylophonemarmot", "Wilhelmina Vexillology", "Bartholomew Quixotic", "Snorkelfjord"}
	tr := sample("p", transcript.Private)
	tr.Title = "Meeting about Snorkelfjord"
	tr.Model = "ggml-visible-model"
	tr.SourceName = "snorkelfjord-call.m4a"
	tr.Segments[1].Text = "The zanzibarquokka budget and the xylophonemarmot plan."
	tr.Segments[1].Words = []transcript.Word{{Text: "zanzibarquokka", Probability: 0.5}}
	tr.Speakers = []transcript.Speaker{{ID: "A", Name: "Wilhelmina Vexillology"}, {ID: "B", Name: "Bartholomew Quixotic"}}
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Search builds the in-memory index and must not write anything either.
	if hits := search(t, l, "zanzibarquokka", Filter{}); len(hits) != 1 {
		t.Fatalf("search: %+v", hits)
	}
	assertAbsent(t, fileBytes(t, l), secrets...) // in the WAL, before the checkpoint
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, fileBytes(t, l), secrets...)
	// The visible metadata is stored in the clear.
	if !bytes.Contains(fileBytes(t, l), []byte("ggml-visible-model")) {
		t.Fatal("test is broken: visible metadata not found in the file")
	}
	l.Close()
	assertAbsent(t, fileBytes(t, l), secrets...)
}

// TestStandardToPrivateScrubs checks that turning a Standard transcript Private leaves no plaintext
// behind in the files.
func TestStandardToPrivateScrubs(t *testing.T) {
	l := openUnlocked(t, testOptions())
	tr := sample("t", transcript.Standard)
	tr.Segments[0].Text = "The zanzibarquokka and the xylophonemarmot."
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	tr.Level = transcript.Private
	if err := l.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, fileBytes(t, l), "zanzibarquokka", "xylophonemarmot")
}

func TestMigrations(t *testing.T) {
	if SchemaVersion() != 4 || migrations[0].name != "migrations/0001_core.sql" {
		t.Fatalf("migrations: %d, first %s", SchemaVersion(), migrations[0].name)
	}
	t.Run("from version 1", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := sql.Open("sqlite3", dsn(path))
		if err != nil {
			t.Fatal(err)
		}
		if err := migrate(ctx, db, 1); err != nil {
			t.Fatal(err)
		}
		_, err = db.Exec(`INSERT INTO transcripts (rid, id, level, title, created_ns, updated_ns) VALUES (7, 'old', 'standard', 'Old one', 1, 1);
			INSERT INTO segments (rid, idx, start_ns, end_ns, text, words) VALUES (7, 0, 0, 1000, 'An old harbour story.', '[{"s":0,"e":5,"t":"An","p":0.5}]');
			INSERT INTO speakers (rid, idx, id, name) VALUES (7, 0, 'S', 'Sam');`)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()

		l, err := Open(path, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var v int
		l.db.QueryRow("PRAGMA user_version").Scan(&v)
		if v != SchemaVersion() {
			t.Fatalf("user_version = %d", v)
		}
		got, err := l.Get(ctx, "old")
		if err != nil {
			t.Fatal(err)
		}
		want := &transcript.Transcript{ID: "old", Title: "Old one", Level: transcript.Standard, Created: time.Unix(0, 1).UTC(),
			Segments: []transcript.Segment{{End: 1000, Text: "An old harbour story.", Words: []transcript.Word{{End: 5, Text: "An", Probability: 0.5}}}},
			Speakers: []transcript.Speaker{{ID: "S", Name: "Sam"}}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("migrated transcript\n got %+v\nwant %+v", got, want)
		}
		if hits := search(t, l, "harbour", Filter{}); len(hits) != 1 {
			t.Fatalf("old text not indexed by the migration: %+v", hits)
		}
		if err := l.SetPassword(ctx, password); err != nil {
			t.Fatal(err)
		}
		if err := l.SetLevel(ctx, "old", transcript.Private); err != nil {
			t.Fatal(err)
		}
		if err := l.IntegrityCheck(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.db")
		db, err := sql.Open("sqlite3", dsn(path))
		if err != nil {
			t.Fatal(err)
		}
		db.Exec("PRAGMA user_version = 99")
		db.Close()
		if _, err := Open(path, testOptions()); !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("reopen is a no-op", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		for range 2 {
			l, err := Open(path, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			l.Close()
		}
	})
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, bytes.Repeat([]byte("not a database "), 100), 0o600)
	if _, err := Open(notDB, testOptions()); err == nil {
		t.Fatal("opened a text file as a library")
	}
	if _, err := Open(filepath.Join(notDB, "sub", "library.db"), testOptions()); err == nil {
		t.Fatal("opened a library below a file")
	}
	// Odd characters in the path survive the DSN ('?' is not allowed in Windows file names).
	oddName := "we?ird #dir %20"
	if runtime.GOOS == "windows" {
		oddName = "we&ird #dir %20"
	}
	odd := filepath.Join(dir, oddName, "library.db")
	l, err := Open(odd, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := os.Stat(odd); err != nil {
		t.Fatalf("library not at %s: %v", odd, err)
	}
	// Windows has no Unix permission bits (files read back as 0666); its ACLs are the user's.
	if fi, _ := os.Stat(odd); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("library mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestFullDatabase makes the database "full" with max_page_count: Save fails with ErrFull and the
// previous version stays intact.
func TestFullDatabase(t *testing.T) {
	l := openUnlocked(t, testOptions())
	r := rand.New(rand.NewPCG(3, 4))
	small := genTranscript(r, "t", transcript.Standard, 5, 5)
	if err := l.Save(ctx, small); err != nil {
		t.Fatal(err)
	}
	var pages int
	l.db.QueryRow("PRAGMA page_count").Scan(&pages)
	if _, err := l.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
		big := genTranscript(r, "t", level, 400, 10)
		err := l.Save(ctx, big)
		if !errors.Is(err, ErrFull) {
			t.Fatalf("Save %s into a full database: %v", level, err)
		}
		var se sqlite3.Error
		if !errors.As(err, &se) || se.Code != sqlite3.ErrFull {
			t.Fatalf("error does not wrap sqlite3.ErrFull: %v", err)
		}
		got, err := l.Get(ctx, "t")
		if err != nil || fmt.Sprint(got) != fmt.Sprint(small) {
			t.Fatalf("previous version damaged: %v", err)
		}
	}
	if _, err := l.db.Exec("PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, genTranscript(r, "t", transcript.Standard, 400, 10)); err != nil {
		t.Fatalf("Save after space was freed: %v", err)
	}
	if err := l.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// Environment of the helper process of TestKilledMidWrite.
const (
	helperEnv = "HUSHSCRIBE_STORE_HELPER_DB"
)

// TestHelperProcess is not a test: TestKilledMidWrite runs the test binary again with only this
// test selected and helperEnv set, and it then saves versions of a large transcript in a loop,
// printing each committed version number, until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestKilledMidWrite")
	}
	l, err := Open(path, testOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := l.Unlock(context.Background(), password); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	start, _ := strconv.Atoi(os.Getenv(helperEnv + "_START"))
	r := rand.New(rand.NewPCG(uint64(start), 7))
	for v := start; ; v++ {
		for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
			if err := l.Save(context.Background(), versioned(r, level, v)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		if v%3 == 0 { // also exercise the scrubbing path (VACUUM) now and then
			level := transcript.Private
			if v%2 == 0 {
				level = transcript.Standard
			}
			if err := l.SetLevel(context.Background(), "flip", level); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		fmt.Println(v)
	}
}

// versioned is the transcript the helper saves: every segment and the title carry the version.
func versioned(r *rand.Rand, level transcript.Level, v int) *transcript.Transcript {
	t := genTranscript(r, "crash-"+string(level), level, 600, 10)
	t.Title = fmt.Sprintf("v%d", v)
	for i := range t.Segments {
		t.Segments[i].Text = fmt.Sprintf("v%d %s", v, t.Segments[i].Text)
	}
	return t
}

// checkVersioned verifies that the stored transcript is one whole version, and returns it.
func checkVersioned(t *testing.T, l *Library, level transcript.Level) int {
	t.Helper()
	got, err := l.Get(ctx, "crash-"+string(level))
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.Atoi(strings.TrimPrefix(got.Title, "v"))
	if err != nil || len(got.Segments) != 600 {
		t.Fatalf("%s: title %q, %d segments", level, got.Title, len(got.Segments))
	}
	for i, s := range got.Segments {
		if !strings.HasPrefix(s.Text, got.Title+" ") || len(s.Words) != 10 {
			t.Fatalf("%s: segment %d of version %d is %q: a torn write", level, i, v, s.Text)
		}
	}
	return v
}

// TestKilledMidWrite SIGKILLs a process that is saving, several times at random moments, and checks
// that the library opens, passes integrity_check, and holds the last committed version whole.
func TestKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "library.db")
	l, err := Open(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, sample("flip", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	l.Close()

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	next := 1
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+path, fmt.Sprintf("%s_START=%d", helperEnv, next))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		committed := make(chan int, 1000)
		go func() {
			defer close(committed)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if v, err := strconv.Atoi(sc.Text()); err == nil {
					committed <- v
				}
			}
		}()
		// Let it commit at least one version, then kill it at a random moment.
		last := 0
		select {
		case v, ok := <-committed:
			if !ok {
				cmd.Wait()
				t.Fatalf("helper exited early: %s", stderr.String())
			}
			last = v
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("helper made no progress: %s", stderr.String())
		}
		time.Sleep(time.Duration(r.IntN(400)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for v := range committed {
			last = v
		}
		cmd.Wait()

		l, err := Open(path, testOptions())
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if err := l.IntegrityCheck(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := l.Unlock(ctx, password); err != nil {
			t.Fatal(err)
		}
		for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
			// The helper prints after committing, so the stored version is the last printed one or,
			// if it was killed between commit and print, the one after.
			if v := checkVersioned(t, l, level); v != last && v != last+1 {
				t.Fatalf("round %d: %s holds version %d, last committed %d", round, level, v, last)
			}
		}
		if _, err := l.Get(ctx, "flip"); err != nil {
			t.Fatalf("round %d: flip: %v", round, err)
		}
		t.Logf("round %d: killed after version %d", round, last)
		next = last + 2
		l.Close()
	}
}
