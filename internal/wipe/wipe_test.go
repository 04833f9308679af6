package wipe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// layout creates files under root and returns root.
func layout(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("data of "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// contents lists every path below root, relative to it.
func contents(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestEverything(t *testing.T) {
	for _, tc := range []struct {
		name          string
		includeModels bool
		want          []string // what is left under the test root
	}{
		{"with models", true, nil},
		{"without models", false, []string{"data", "data/models", "data/models/ggml-base.bin", "data/models/sub", "data/models/sub/x.bin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			data := filepath.Join(root, "data")
			logs := filepath.Join(root, "logs")
			layout(t, data, "library.db", "library.db-wal", "library.db-shm", "library.db-journal", "settings.json",
				"models/ggml-base.bin", "models/sub/x.bin", "logs/app.log", "cache/a/b/c.tmp")
			layout(t, logs, "old.log")
			kc := &keychain.Memory{}
			kc.Set("library-1", []byte("key"))
			kc.Set("library-2", []byte("key"))
			r, err := Everything(context.Background(), Targets{
				DataDir: data, ModelsDir: filepath.Join(data, "models"), LogDir: logs,
				IncludeModels: tc.includeModels, Keychain: kc, HomeDir: "/nonexistent-home",
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := contents(t, root); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("left behind: %v, want %v", got, tc.want)
			}
			if kc.Len() != 0 || !r.KeychainCleared {
				t.Fatalf("keychain has %d entries (report %+v)", kc.Len(), r)
			}
			wantFiles := 10
			if !tc.includeModels {
				wantFiles = 8
				if len(r.Kept) != 1 || r.Kept[0] != filepath.Join(data, "models") {
					t.Fatalf("Kept = %v", r.Kept)
				}
			}
			if r.Files != wantFiles || r.Bytes == 0 {
				t.Fatalf("report: %d files, %d bytes; want %d files", r.Files, r.Bytes, wantFiles)
			}
		})
	}
}

func TestEverythingMissingDirs(t *testing.T) {
	root := t.TempDir()
	r, err := Everything(context.Background(), Targets{DataDir: filepath.Join(root, "none"), LogDir: filepath.Join(root, "nolog"),
		ModelsDir: filepath.Join(root, "nomodels"), IncludeModels: true, HomeDir: "/nonexistent-home"})
	if err != nil || len(r.Removed) != 0 {
		t.Fatalf("Everything on missing dirs: %+v, %v", r, err)
	}
}

func TestEverythingSymlinkedDataDir(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	layout(t, real, "library.db", "settings.json")
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		testgate.Missing(t, "%v", err)
	}
	if _, err := Everything(context.Background(), Targets{DataDir: link, HomeDir: "/nonexistent-home"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(real); !os.IsNotExist(err) {
		t.Fatalf("the linked folder survived: %v", err)
	}
}

func TestEverythingRefusesUnsafe(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct {
		name string
		t    Targets
	}{
		{"relative", Targets{DataDir: "data"}},
		{"root", Targets{DataDir: "/"}},
		{"home", Targets{DataDir: home, HomeDir: home}},
		{"parent of home", Targets{DataDir: filepath.Dir(home), HomeDir: home}},
		{"relative models", Targets{DataDir: filepath.Join(home, "x"), ModelsDir: "models", HomeDir: "/nonexistent-home"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.t.HomeDir == "" {
				tc.t.HomeDir = "/nonexistent-home"
			}
			if _, err := Everything(context.Background(), tc.t); !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("err = %v, want ErrUnsafePath", err)
			}
		})
	}
	if _, err := os.Stat(home); err != nil {
		t.Fatal("home was touched")
	}
}

type failingKeychain struct{}

func (failingKeychain) DeleteAll() error { return errors.New("keychain locked") }

func TestEverythingCarriesOn(t *testing.T) {
	root := t.TempDir()
	layout(t, root, "data/library.db")
	r, err := Everything(context.Background(), Targets{DataDir: filepath.Join(root, "data"), Keychain: failingKeychain{}, HomeDir: "/nonexistent-home"})
	if err == nil || r.KeychainCleared {
		t.Fatalf("keychain failure not reported: %+v, %v", r, err)
	}
	if _, serr := os.Stat(filepath.Join(root, "data")); !os.IsNotExist(serr) {
		t.Fatal("data not removed when the keychain failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	layout(t, root, "data/library.db")
	if _, err := Everything(ctx, Targets{DataDir: filepath.Join(root, "data"), HomeDir: "/nonexistent-home"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestEverythingRealLibrary wipes a real library with a remembered key: afterwards the folders hold
// nothing and the keychain no entries.
func TestEverythingRealLibrary(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "hushscribe")
	kc := &keychain.Memory{}
	l, err := store.Open(filepath.Join(data, "library.db"), store.Options{Keychain: kc, KDF: vault.TestingParams()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.SetPassword(ctx, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	for _, lvl := range []transcript.Level{transcript.Standard, transcript.Private} {
		if err := l.Save(ctx, &transcript.Transcript{Level: lvl, Title: "t", Segments: []transcript.Segment{{Text: "hello"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Remember(ctx); err != nil {
		t.Fatal(err)
	}
	layout(t, data, "settings.json", "logs/app.log", "models/ggml-tiny.bin")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if kc.Len() != 1 {
		t.Fatal("key not remembered")
	}
	if _, err := Everything(ctx, Targets{DataDir: data, ModelsDir: filepath.Join(data, "models"), LogDir: filepath.Join(data, "logs"),
		IncludeModels: true, Keychain: kc, HomeDir: "/nonexistent-home"}); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, root); len(got) != 0 {
		t.Fatalf("left behind: %v", got)
	}
	if kc.Len() != 0 {
		t.Fatal("keychain entries left")
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		path, dir string
		want      bool
	}{
		{"/a/b", "/a", true},
		{"/a", "/a", false},
		{"/ab", "/a", false},
		{"/a/..b", "/a", true},
		{"/", "/a", false},
	} {
		if got := within(tc.path, tc.dir); got != tc.want {
			t.Errorf("within(%q, %q) = %v", tc.path, tc.dir, got)
		}
	}
}
