// Package wipe implements "delete all my data": it removes the transcript library (database, WAL,
// shared-memory and journal files), settings, logs, optionally the downloaded models, and every
// secret Hushscribe stored in the OS keychain.
//
// It overwrites nothing: on SSDs and copy-on-write file systems overwriting a file does not reach the
// old blocks, so the protection of deleted data rests on the library keeping its file free of deleted
// text (secure_delete, VACUUM) and on Private transcripts being encrypted in the first place.
//
// The caller must close the library (and anything else holding these files) before calling
// Everything.
package wipe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnsafePath means a target directory is not one Everything is willing to delete: empty,
// relative, a file system root or the user's home directory.
var ErrUnsafePath = errors.New("wipe: refusing to delete this directory")

// SecretStore removes every secret the application stored in the OS keychain; keychain.Keyring
// implements it.
type SecretStore interface {
	DeleteAll() error
}

// Targets are what Everything deletes. Empty directories are skipped.
type Targets struct {
	// DataDir is the application's data folder, deleted with everything in it (except ModelsDir
	// when IncludeModels is false).
	DataDir string
	// ModelsDir holds the model files; it may lie inside DataDir.
	ModelsDir string
	// LogDir holds the logs; it may lie inside DataDir.
	LogDir string
	// IncludeModels also deletes ModelsDir.
	IncludeModels bool
	// Keychain, when set, has all its secrets deleted.
	Keychain SecretStore
	// HomeDir is never deleted; empty means os.UserHomeDir.
	HomeDir string
}

// Report says what Everything did.
type Report struct {
	Removed         []string // paths removed (top-level files and folders)
	Kept            []string // paths left in place on purpose (ModelsDir without IncludeModels)
	Files           int      // number of files removed
	Bytes           int64    // their total size
	KeychainCleared bool
}

// Everything deletes the targets. It carries on past failures, and returns them joined together
// with a Report of what was done.
func Everything(ctx context.Context, t Targets) (Report, error) {
	var (
		r    Report
		errs []error
	)
	home := t.HomeDir
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	keep := ""
	if !t.IncludeModels && t.ModelsDir != "" {
		k, err := resolve(t.ModelsDir, home)
		if err != nil {
			return r, err
		}
		keep = k
	}
	var dirs []string
	for _, d := range []string{t.DataDir, t.LogDir, t.ModelsDir} {
		if d == "" || (d == t.ModelsDir && !t.IncludeModels) {
			continue
		}
		abs, err := resolve(d, home)
		if err != nil {
			return r, err
		}
		dirs = append(dirs, abs)
	}

	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		// The library first, so that it is gone even if something else cannot be removed.
		if err := removeLibraryFiles(d, &r); err != nil {
			errs = append(errs, err)
		}
		if err := removeTree(d, keep, &r); err != nil {
			errs = append(errs, err)
		}
	}

	if t.Keychain != nil {
		if err := ctx.Err(); err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		if err := t.Keychain.DeleteAll(); err != nil {
			errs = append(errs, fmt.Errorf("wipe: keychain: %w", err))
		} else {
			r.KeychainCleared = true
		}
	}
	return r, errors.Join(errs...)
}

// resolve makes dir absolute, follows symbolic links (so that a linked data folder's contents are
// deleted, not just the link) and checks that it is safe to delete.
func resolve(dir, home string) (string, error) {
	if dir == "" || !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%w: %q is not an absolute path", ErrUnsafePath, dir)
	}
	abs := filepath.Clean(dir)
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if filepath.Dir(abs) == abs {
		return "", fmt.Errorf("%w: %s is a file system root", ErrUnsafePath, abs)
	}
	if home != "" {
		h := filepath.Clean(home)
		if real, err := filepath.EvalSymlinks(h); err == nil {
			h = real
		}
		if abs == h || within(h, abs) {
			return "", fmt.Errorf("%w: %s is or contains the home directory", ErrUnsafePath, abs)
		}
	}
	return abs, nil
}

// within reports whether path lies strictly inside dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// isLibraryFile reports whether name is an SQLite database or one of its side files.
func isLibraryFile(name string) bool {
	for _, suf := range []string{".db", "-wal", "-shm", "-journal"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return false
}

func removeLibraryFiles(dir string, r *Report) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !isLibraryFile(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := removeCounted(p, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeTree deletes dir and everything in it, except keep and the folders leading to it.
func removeTree(dir, keep string, r *Report) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if dir == keep {
		r.Kept = append(r.Kept, dir)
		return nil
	}
	if keep == "" || !within(keep, dir) {
		return removeCounted(dir, r)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if err := removeTree(filepath.Join(dir, e.Name()), keep, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeCounted removes path (a file or a whole tree) and adds what it held to r.
func removeCounted(path string, r *Report) error {
	files, bytes := 0, int64(0)
	_ = filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			bytes += info.Size()
		}
		return nil
	})
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	r.Removed = append(r.Removed, path)
	r.Files += files
	r.Bytes += bytes
	return nil
}
