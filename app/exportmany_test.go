package app_test

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hushscribe/hushscribe/app"
)

func TestExportManyToFile(t *testing.T) {
	f := newFixture(t, nil)
	var ids []string
	for _, name := range []string{"talk.wav", "talk.flac", "other.wav"} {
		jobs, err := f.app.AddFiles([]string{f.audio(t, name, 2, 1)}, app.JobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.waitJob(t, jobs[0].ID).TranscriptID)
	}
	out := filepath.Join(f.dir, "out", "all") // no extension: .zip is added
	f.rt.AnswerSave(out)
	path, err := f.app.ExportManyToFile(ids, "txt", app.ExportOptions{})
	if err != nil || path != out+".zip" {
		t.Fatalf("ExportManyToFile = %q, %v", path, err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		r, _ := zf.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "word 1\nword 2\n" {
			t.Errorf("%s = %q", zf.Name, b)
		}
	}
	sort.Strings(names)
	// Two transcripts titled "talk": the second gets a number, nothing is overwritten.
	if want := []string{"other.txt", "talk (2).txt", "talk.txt"}; len(names) != 3 || names[0] != want[0] || names[1] != want[1] || names[2] != want[2] {
		t.Errorf("files = %v, want %v", names, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v", st.Mode())
	}

	// Cancelled dialog.
	if p, err := f.app.ExportManyToFile(ids, "txt", app.ExportOptions{}); err != nil || p != "" {
		t.Errorf("cancelled = %q, %v", p, err)
	}
	// Errors: nothing chosen, an unknown format, an unknown transcript; nothing is written.
	if _, err := f.app.ExportManyToFile(nil, "txt", app.ExportOptions{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("no ids = %v", err)
	}
	if _, err := f.app.ExportManyToFile(ids, "nope", app.ExportOptions{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("unknown format = %v", err)
	}
	other := filepath.Join(f.dir, "out", "bad.zip")
	f.rt.AnswerSave(other)
	if _, err := f.app.ExportManyToFile([]string{ids[0], "no-such-id"}, "txt", app.ExportOptions{}); err == nil {
		t.Error("unknown transcript exported")
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("a failed export wrote %s", other)
	}
}
