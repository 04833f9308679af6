package backup

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// openStore opens a real library in dir, or skips the test if the SQLite driver lacks FTS5.
func openStore(t *testing.T, dir string) *store.Library {
	t.Helper()
	lib, err := store.Open(filepath.Join(dir, "library.db"), store.Options{KDF: vault.TestingParams()})
	if errors.Is(err, store.ErrNoFTS5) {
		testgate.Missing(t, "the library needs FTS5: run with -tags sqlite_fts5 (build/test.sh does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib
}

// TestEndToEnd: two devices with their own data folders and one server on loopback. A creates
// transcripts (one Private), edits, syncs; B restores from the email and password alone; a deletion
// on A reaches B; and the server's files (database, its WAL, blobs) hold none of the transcripts'
// words, titles, file names, timestamps, keys or the password, both while the Private transcript is
// stored there and after it was deleted.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := backuptest.Start(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	libA, libB := openStore(t, dirA), openStore(t, dirB)
	libPassword := []byte("library password")
	for _, lib := range []*store.Library{libA, libB} {
		if err := lib.SetPassword(ctx, libPassword); err != nil {
			t.Fatal(err)
		}
	}
	a, b := newDevice(t, srv, libA, dirA), newDevice(t, srv, libB, dirB)

	secretWords := []string{"Zanzibar", "quetzalcoatl", "marmalade", "xylophonist", "Bartholomew", "Quincey", "Kilimanjaro"}
	std := sample("", "Quarterly Kilimanjaro review", "Zanzibar shipments rose", "the xylophonist resigned")
	mustSave(t, libA, std)
	priv := sample("", "Confidential quetzalcoatl memo", "marmalade budget approved")
	priv.Level = transcript.Private
	mustSave(t, libA, priv)

	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if rep := a.sync(t); rep.Pushed != 2 {
		t.Fatalf("A first sync: %+v", rep)
	}
	// Edit, sync again.
	edited := mustGet(t, libA, std.ID)
	edited.Segments = append(edited.Segments, transcript.Segment{Start: 5 * time.Second, End: 6 * time.Second, Text: "Kilimanjaro expedition postponed", Speaker: "S1"})
	mustSave(t, libA, edited)
	if rep := a.sync(t); rep.Pushed != 1 {
		t.Fatalf("A sync after edit: %+v", rep)
	}

	// Restore on B from the email and password alone.
	if err := b.client.SignIn(ctx, "alice@example.org", testPassword); err != nil {
		t.Fatal(err)
	}
	if rep := b.sync(t); rep.Pulled != 2 {
		t.Fatalf("B restore: %+v", rep)
	}
	equalLibraries(t, libA, libB)
	// The library stores what it was given exactly: nothing to push back, on either side.
	for _, d := range []*device{b, a} {
		if rep := d.sync(t); rep != (Report{}) {
			t.Fatalf("sync after the restore did work: %+v", rep)
		}
	}
	if got := mustGet(t, libB, priv.ID); got.Level != transcript.Private || got.Segments[0].Text != "marmalade budget approved" {
		t.Fatalf("restored private transcript: %+v", got)
	}

	// What the server holds: none of the secrets, in any encoding a careless server might use.
	keys, err := DeriveKeys(testEmail, testPassword, testIterations)
	if err != nil {
		t.Fatal(err)
	}
	_, _, dekKey, err := a.client.session()
	if err != nil {
		t.Fatal(err)
	}
	dek := dekKey.Export()
	dekKey.Destroy()
	created := std.Created.UTC()
	needles := map[string][]byte{
		"password":          testPassword,
		"encryption key":    keys.Encryption,
		"auth key":          keys.Auth,
		"auth key base64":   []byte(base64.StdEncoding.EncodeToString(keys.Auth)),
		"data key":          dek,
		"data key hex":      []byte(hex.EncodeToString(dek)),
		"data key base64":   []byte(base64.StdEncoding.EncodeToString(dek)),
		"transcript id":     []byte(std.ID),
		"created time":      []byte(created.Format(time.RFC3339)),
		"created unix ns":   []byte(strconv.FormatInt(created.UnixNano(), 10)),
		"segment end time":  []byte(`"end_ns":1000000000`),
		"source name":       []byte(std.SourceName),
		"private title":     []byte(priv.Title),
		"private file name": []byte(priv.SourceName),
		"private id":        []byte(priv.ID),
	}
	for _, w := range secretWords {
		needles["word "+w] = []byte(w)
		needles["word "+w+" (lower case)"] = []byte(strings.ToLower(w))
	}
	serverHoldsNone := func(stage string) {
		t.Helper()
		files := 0
		filepath.WalkDir(srv.Dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files++
			lower := bytes.ToLower(data)
			for name, needle := range needles {
				if bytes.Contains(data, needle) || bytes.Contains(lower, bytes.ToLower(needle)) {
					t.Errorf("%s: server file %s contains the %s", stage, path, name)
				}
			}
			return nil
		})
		if files < 3 {
			t.Fatalf("%s: only %d server files inspected", stage, files)
		}
	}
	// While the Private transcript is on the server (its words, title and file name are needles
	// above), and again after its deletion.
	serverHoldsNone("before the deletion")
	// Delete on A propagates to B.
	if err := libA.Delete(ctx, priv.ID); err != nil {
		t.Fatal(err)
	}
	if rep := a.sync(t); rep.DeletedRemote != 1 {
		t.Fatalf("A sync after delete: %+v", rep)
	}
	if rep := b.sync(t); rep.DeletedLocal != 1 {
		t.Fatalf("B sync after delete: %+v", rep)
	}
	if _, err := libB.Get(ctx, priv.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted transcript still on B: %v", err)
	}
	equalLibraries(t, libA, libB)

	serverHoldsNone("after the deletion")
	// The check is meaningful: the words are in the clients' data folders (A's Standard transcript).
	if !dirContains(t, dirA, []byte("xylophonist")) {
		t.Fatal("test words not found in A's library: the negative check above proves nothing")
	}
}

func dirContains(t *testing.T, dir string, needle []byte) bool {
	found := false
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			found = found || bytes.Contains(data, needle)
		}
		return nil
	})
	return found
}

// The real implementations satisfy the interfaces this package consumes.
var (
	_ Library     = (*store.Library)(nil)
	_ SecretStore = keychain.Keyring{}
	_ SecretStore = (*keychain.Memory)(nil)
)
