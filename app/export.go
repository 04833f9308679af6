package app

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
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
// returns the path written, or "" when the user cancelled the dialog.
func (a *App) ExportToFile(id, format string, opt ExportOptions) (string, error) {
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
	path, err := a.d.Runtime.SaveFile(DialogOptions{
		Title:       "Export " + f.Name,
		DefaultName: name + "." + f.Ext,
		Filters:     []FileFilter{{Name: f.Name, Pattern: "*." + f.Ext}},
	})
	if err != nil {
		return "", fmt.Errorf("save dialog: %w", err)
	}
	if path == "" {
		return "", nil
	}
	if filepath.Ext(path) == "" {
		path += "." + f.Ext
	}
	var b bytes.Buffer
	if err := a.d.Exporter.Write(&b, t, f.ID, opt); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if err := writeFileAtomic(path, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
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
