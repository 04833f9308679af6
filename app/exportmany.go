package app

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// ExportManyToFile exports several transcripts in one format into one ZIP archive (one file per
// transcript, named after its title; clashing names get " (2)", " (3)" …). It asks where to save with
// the native save dialog and returns the path written, or "" when the user cancelled. The archive is
// written atomically, readable only by the user when any of the transcripts is Private. Nothing is
// written when any transcript cannot be read (for example a Private one while the vault is locked).
func (a *App) ExportManyToFile(ids []string, format string, opt ExportOptions) (string, error) {
	if len(ids) == 0 {
		return "", fmt.Errorf("export: %w: no transcripts chosen", ErrInvalid)
	}
	f, err := a.format(format)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	used := map[string]bool{}
	private := false
	for _, id := range ids {
		t, err := a.d.Library.Get(a.background(), id)
		if err != nil {
			return "", fmt.Errorf("export %s: %w", id, err)
		}
		private = private || t.Level == transcript.Private
		name := safeFileName(t.Title)
		if name == "" {
			name = "transcript"
		}
		file := name + "." + f.Ext
		for n := 2; used[strings.ToLower(file)]; n++ {
			file = name + " (" + strconv.Itoa(n) + ")." + f.Ext
		}
		used[strings.ToLower(file)] = true
		w, err := zw.Create(file)
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		if err := a.d.Exporter.Write(w, t, f.ID, opt); err != nil {
			return "", fmt.Errorf("export %q: %w", t.Title, err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	path, err := a.d.Runtime.SaveFile(DialogOptions{
		Title:       fmt.Sprintf("Export %d transcripts (%s)", len(ids), f.Name),
		DefaultName: "transcripts-" + f.Ext + ".zip",
		Filters:     []FileFilter{{Name: "ZIP archive", Pattern: "*.zip"}},
	})
	if err != nil {
		return "", fmt.Errorf("save dialog: %w", err)
	}
	if path == "" {
		return "", nil
	}
	if filepath.Ext(path) == "" {
		path += ".zip"
	}
	perm := os.FileMode(0o644)
	if private {
		perm = 0o600
	}
	if err := writeFileAtomic(path, buf.Bytes(), perm); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return path, nil
}
