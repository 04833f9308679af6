package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func (a *App) exporter() (Exporter, error) {
	if a.d.Exporter == nil {
		return nil, unavailable("export")
	}
	return a.d.Exporter, nil
}

// ExportFormats lists the export formats with their options.
func (a *App) ExportFormats() ([]Format, error) {
	x, err := a.exporter()
	if err != nil {
		return nil, err
	}
	fs := x.Formats()
	if fs == nil {
		fs = []Format{}
	}
	return fs, nil
}

func (a *App) format(id string) (Format, error) {
	x, err := a.exporter()
	if err != nil {
		return Format{}, err
	}
	for _, f := range x.Formats() {
		if f.ID == id {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("%w: unknown format %q", ErrInvalid, id)
}

// ExportText returns transcript id in a text format, for the clipboard.
func (a *App) ExportText(id, format string, opt ExportOptions) (string, error) {
	f, err := a.format(format)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if f.Binary {
		return "", fmt.Errorf("export: %w: %s cannot go to the clipboard", ErrInvalid, f.Name)
	}
	t, err := a.d.Library.Get(a.background(), id)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	var b bytes.Buffer
	if err := a.d.Exporter.Write(&b, t, f.ID, opt); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return b.String(), nil
}

// ExportToFile asks where to save (the native save dialog) and writes transcript id there. It
// returns the path written, or "" when the user cancelled the dialog. A Private transcript's export
// is written readable by the user only (0600; the page warns that the file itself is not
// encrypted); ExportToFileProtected encrypts it.
func (a *App) ExportToFile(id, format string, opt ExportOptions) (string, error) {
	return a.exportToFile(id, format, opt, "")
}

// ExportToFileProtected is ExportToFile with the file encrypted under password (at least
// MinPasswordLength characters): a vault password envelope (docs/FORMAT.md), named with the
// sealer's extension (".hsenc") after the format's, and written 0600.
func (a *App) ExportToFileProtected(id, format string, opt ExportOptions, password string) (string, error) {
	if a.d.ExportSealer == nil {
		return "", unavailable("password-protected export")
	}
	if password == "" {
		return "", fmt.Errorf("export: %w: a password is required", ErrInvalid)
	}
	return a.exportToFile(id, format, opt, password)
}

func (a *App) exportToFile(id, format string, opt ExportOptions, password string) (string, error) {
	f, err := a.format(format)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	t, err := a.d.Library.Get(a.background(), id)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	name := safeFileName(t.Title)
	if name == "" {
		name = "transcript"
	}
	ext := "." + f.Ext
	if password != "" {
		ext += a.d.ExportSealer.Ext()
	}
	path, err := a.d.Runtime.SaveFile(DialogOptions{
		Title:       "Export " + f.Name,
		DefaultName: name + ext,
		Filters:     []FileFilter{{Name: f.Name, Pattern: "*" + ext}},
	})
	if err != nil {
		return "", fmt.Errorf("save dialog: %w", err)
	}
	if path == "" {
		return "", nil
	}
	if filepath.Ext(path) == "" {
		path += ext
	}
	var b bytes.Buffer
	if err := a.d.Exporter.Write(&b, t, f.ID, opt); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	data, perm := b.Bytes(), os.FileMode(0o644)
	if t.Level == transcript.Private {
		perm = 0o600
	}
	if password != "" {
		sealed, err := a.d.ExportSealer.Seal(password, data)
		clear(data)
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		data, perm = sealed, 0o600
	}
	if err := writeFileAtomic(path, data, perm); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	clear(data)
	return path, nil
}

// safeFileName turns a title into a file name without path separators or control characters.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case strings.ContainsRune(`/\:*?"<>|`, r):
			return '-'
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), ".")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120])
	}
	return s
}
