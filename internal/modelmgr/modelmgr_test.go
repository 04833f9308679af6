package modelmgr

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestImport(t *testing.T) {
	data := fakeModel(1, 50_000)
	other := fakeModel(2, 50_000)
	gguf := append([]byte("GGUF"), other[4:]...)
	mp3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), other[10:]...)
	tests := []struct {
		name     string
		srcName  string // base name of the source file
		content  []byte
		as       string // Import's name argument
		want     error
		wantName string
		wantFile string
		verified bool
	}{
		{"verified by name", "downloaded.bin", data, "fake", nil, "fake", "ggml-fake.bin", true},
		{"verified by file name", "whatever", data, "ggml-fake.bin", nil, "fake", "ggml-fake.bin", true},
		{"verified by digest", "renamed.bin", data, "", nil, "fake", "ggml-fake.bin", true},
		{"verified, src has catalogue name", "ggml-fake.bin", data, "", nil, "fake", "ggml-fake.bin", true},
		{"unknown with name", "x.bin", other, "custom", nil, "custom.bin", "custom.bin", false},
		{"unknown from file name", "my model (v2).gguf", gguf, "", nil, "my_model__v2_.gguf", "my_model__v2_.gguf", false},
		{"mismatch by name", "x.bin", other, "fake", ErrChecksum, "", "", false},
		{"mismatch by name without extension", "x.bin", other, "ggml-fake", ErrChecksum, "", "", false},
		{"mismatch by source file name", "ggml-fake.bin", other, "", ErrChecksum, "", "", false},
		{"mismatch by size", "x.bin", data[:40_000], "fake", ErrChecksum, "", "", false},
		{"mp3 renamed .bin", "song.bin", mp3, "", ErrNotModel, "", "", false},
		{"empty file", "empty.bin", nil, "custom", ErrNotModel, "", "", false},
		{"path in name", "x.bin", other, "../evil", ErrInvalidName, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, t.TempDir(), nil, testCatalog(data))
			src := writeFile(t, filepath.Join(t.TempDir(), tt.srcName), tt.content)
			res, err := m.Import(context.Background(), src, tt.as)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Import: %v, want %v", err, tt.want)
				}
				if files := visibleFiles(t, m.Dir()); len(files) != 0 {
					t.Errorf("refused import left files: %v", files)
				}
				if tmp := hiddenTemps(t, m.Dir()); len(tmp) != 0 {
					t.Errorf("refused import left temporaries: %v", tmp)
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if res.Name != tt.wantName || res.Verified != tt.verified || res.Path != filepath.Join(m.Dir(), tt.wantFile) {
				t.Errorf("Import = %+v", res)
			}
			if (res.Warning != "") == tt.verified {
				t.Errorf("Warning %q with Verified=%v", res.Warning, res.Verified)
			}
			got, err := os.ReadFile(res.Path)
			if err != nil || !bytes.Equal(got, tt.content) {
				t.Errorf("installed content differs: %v", err)
			}
			if files := visibleFiles(t, m.Dir()); !reflect.DeepEqual(files, []string{tt.wantFile}) {
				t.Errorf("files after import: %v", files)
			}
			if tmp := hiddenTemps(t, m.Dir()); len(tmp) != 0 {
				t.Errorf("import left temporaries: %v", tmp)
			}
			if p, err := m.Path(tt.wantName); err != nil || p != res.Path {
				t.Errorf("Path(%q) = %q, %v", tt.wantName, p, err)
			}
		})
	}
}

func TestImportExisting(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	src := writeFile(t, filepath.Join(t.TempDir(), "a.bin"), data)
	for i := 0; i < 2; i++ {
		if _, err := m.Import(context.Background(), src, "fake"); err != nil {
			t.Fatalf("verified import #%d: %v", i+1, err)
		}
	}
	custom := writeFile(t, filepath.Join(t.TempDir(), "b.bin"), fakeModel(2, 1000))
	if _, err := m.Import(context.Background(), custom, "custom"); err != nil {
		t.Fatal(err)
	}
	custom2 := writeFile(t, filepath.Join(t.TempDir(), "c.bin"), fakeModel(3, 1000))
	if _, err := m.Import(context.Background(), custom2, "custom"); !errors.Is(err, ErrExists) {
		t.Fatalf("unverified import over an existing file: %v, want ErrExists", err)
	}
	got, _ := os.ReadFile(filepath.Join(m.Dir(), "custom.bin"))
	if !bytes.Equal(got, fakeModel(2, 1000)) {
		t.Error("existing file was modified")
	}
}

func TestImportCancel(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	src := writeFile(t, filepath.Join(t.TempDir(), "a.bin"), data)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Import(ctx, src, "fake"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Import: %v, want context.Canceled", err)
	}
	if files := visibleFiles(t, m.Dir()); len(files) != 0 {
		t.Errorf("cancelled import left %v", files)
	}
}

func TestListDeleteDefault(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	dir := m.Dir()
	ctx := context.Background()

	if list, err := m.List(); err != nil || len(list) != 0 {
		t.Fatalf("empty List = %v, %v", list, err)
	}
	if _, err := m.Default(); !errors.Is(err, ErrNoDefault) {
		t.Fatalf("Default on empty dir: %v", err)
	}
	if _, err := m.Import(ctx, writeFile(t, filepath.Join(t.TempDir(), "z.bin"), fakeModel(2, 100)), "aaa-custom"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Import(ctx, writeFile(t, filepath.Join(t.TempDir(), "f.bin"), data), ""); err != nil {
		t.Fatal(err)
	}
	// Noise that must never be listed.
	if err := os.MkdirAll(filepath.Join(dir, partialDir), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, partialDir, "ggml-other.bin.part"), []byte("lmgg"))
	writeFile(t, filepath.Join(dir, ".hidden.bin"), []byte("lmgg"))
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("hi"))
	if err := os.Mkdir(filepath.Join(dir, "sub.bin"), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := m.SetDefault("fake"); err != nil {
		t.Fatalf("SetDefault: %v", err)
	}
	if d, err := m.Default(); err != nil || d != "fake" {
		t.Fatalf("Default = %q, %v", d, err)
	}
	list, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, md := range list {
		names = append(names, md.Name)
	}
	if !reflect.DeepEqual(names, []string{"fake", "aaa-custom.bin"}) {
		t.Fatalf("List names %v", names)
	}
	if !list[0].Known || !list[0].Default || list[0].Size != int64(len(data)) || list[1].Known || list[1].Default {
		t.Errorf("List = %+v", list)
	}

	// A second Manager sees the persisted default.
	m2 := newManager(t, dir, nil, testCatalog(data))
	if d, err := m2.Default(); err != nil || d != "fake" {
		t.Errorf("Default via second manager = %q, %v", d, err)
	}

	if err := m.Delete("fake"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := m.Default(); !errors.Is(err, ErrNoDefault) {
		t.Errorf("Default after deleting it: %v", err)
	}
	if err := m.Delete("fake"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("second Delete: %v", err)
	}
	if err := m.Delete("nope"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Delete unknown: %v", err)
	}
	if err := m.SetDefault("fake"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("SetDefault of a deleted model: %v", err)
	}
	if err := m.SetDefault("aaa-custom"); err != nil {
		t.Fatalf("SetDefault unknown model: %v", err)
	}
	if d, err := m.Default(); err != nil || d != "aaa-custom.bin" {
		t.Errorf("Default = %q, %v", d, err)
	}
	// Delete also clears partial downloads.
	if err := m.Delete("ggml-other.bin"); err != nil {
		t.Errorf("Delete of a partial download: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, partialDir, "ggml-other.bin.part")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial download not deleted: %v", err)
	}
	if tmp := hiddenTemps(t, dir); len(tmp) != 0 {
		t.Errorf("temporaries left: %v", tmp)
	}
}

func TestListSizeMismatch(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	writeFile(t, filepath.Join(m.Dir(), "ggml-fake.bin"), data[:100])
	list, err := m.List()
	if err != nil || len(list) != 1 || !list[0].SizeMismatch {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := m.Verify(context.Background(), "fake"); !errors.Is(err, ErrChecksum) {
		t.Errorf("Verify: %v, want ErrChecksum", err)
	}
}

func TestVerify(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	p := writeFile(t, filepath.Join(m.Dir(), "ggml-fake.bin"), data)
	if err := m.Verify(context.Background(), "fake"); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	writeFile(t, p, bad)
	if err := m.Verify(context.Background(), "fake"); !errors.Is(err, ErrChecksum) {
		t.Errorf("Verify corrupted: %v, want ErrChecksum", err)
	}
	writeFile(t, filepath.Join(m.Dir(), "mine.bin"), data)
	if err := m.Verify(context.Background(), "mine.bin"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Verify unknown: %v, want ErrUnknownModel", err)
	}
}

func TestCorruptState(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	writeFile(t, filepath.Join(m.Dir(), "ggml-fake.bin"), data)
	for _, content := range []string{"{not json", `{"default":"../../etc/passwd"}`} {
		writeFile(t, filepath.Join(m.Dir(), stateFile), []byte(content))
		if _, err := m.Default(); err == nil || errors.Is(err, ErrNoDefault) {
			t.Errorf("Default with state %q: %v", content, err)
		}
		if _, err := m.List(); err != nil {
			t.Errorf("List with state %q: %v", content, err)
		}
	}
	if err := m.SetDefault("fake"); err != nil {
		t.Fatalf("SetDefault over corrupt state: %v", err)
	}
	if d, err := m.Default(); err != nil || d != "fake" {
		t.Errorf("Default = %q, %v", d, err)
	}
}

func TestResolve(t *testing.T) {
	data := fakeModel(1, 50_000)
	m := newManager(t, t.TempDir(), nil, testCatalog(data))
	if _, err := m.Resolve(""); !errors.Is(err, ErrNoDefault) {
		t.Errorf("Resolve(\"\") without default: %v", err)
	}
	if _, err := m.Resolve("fake"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Resolve of a missing catalogue model: %v", err)
	}
	installed := writeFile(t, filepath.Join(m.Dir(), "ggml-fake.bin"), data)
	if err := m.SetDefault("fake"); err != nil {
		t.Fatal(err)
	}
	outside := writeFile(t, filepath.Join(t.TempDir(), "elsewhere.bin"), data)

	cwd := t.TempDir()
	t.Chdir(cwd)
	writeFile(t, filepath.Join(cwd, "local.bin"), data)

	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"", installed, nil},
		{"fake", installed, nil},
		{"ggml-fake.bin", installed, nil},
		{outside, outside, nil},
		{"local.bin", "local.bin", nil},
		{"./local.bin", "./local.bin", nil},
		{"./missing.bin", "", fs.ErrNotExist},
		{filepath.Join(cwd, "missing.bin"), "", fs.ErrNotExist},
		{"nosuch", "", ErrUnknownModel},
	}
	for _, tt := range tests {
		got, err := m.Resolve(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Resolve(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
