package modelmgr

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hushscribe/hushscribe/models"
)

// ImportResult describes an imported model.
type ImportResult struct {
	// Path is the installed file.
	Path string
	// Name is the catalogue name, or the file name for unknown models.
	Name string
	// Verified is true when the file matched a catalogue entry's digest.
	Verified bool
	// Warning is set for files accepted without verification.
	Warning string
}

// UnverifiedWarning is the ImportResult.Warning for files that are not in
// the catalogue.
const UnverifiedWarning = "this model is not in the catalogue, so its integrity could not be verified"

// Import copies a local model file into the models directory, for machines
// without network access. name may be a catalogue name ("base.en"), a file
// name for a model outside the catalogue ("my-finetune" or
// "my-finetune.bin"), or "" to derive it from the file.
//
// A file that claims a catalogue model (by name, or by carrying a
// catalogue file name) must match that entry's size and digest, or Import
// fails with ErrChecksum. Other files are recognised by their digest when
// they match a catalogue entry, and otherwise accepted with a Warning.
// Files without a ggml/GGUF magic fail with ErrNotModel.
func (m *Manager) Import(ctx context.Context, srcPath, name string) (ImportResult, error) {
	src, err := os.Open(srcPath)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return ImportResult{}, fmt.Errorf("import %s: %w (not a regular file)", srcPath, ErrNotModel)
	}
	// ONNX models (voice activity detection, diarization) are only accepted as the catalogue's files:
	// claimed by name, or recognised by their digest.
	onnx := strings.HasSuffix(strings.ToLower(srcPath), ".onnx")
	if e, ok := models.Lookup(m.catalog, name); ok && !e.IsWhisper() {
		onnx = true
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(src, head); !onnx && (err != nil || !isModelMagic(head)) {
		return ImportResult{}, fmt.Errorf("import %s: %w (no ggml/GGUF header)", srcPath, ErrNotModel)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}

	// Work out the target file and whether it claims a catalogue entry.
	var (
		file    string
		claim   models.Entry
		claimed bool
	)
	if name == "" && onnx {
		file = "" // recognised by digest below
	} else if name != "" {
		file, claim, claimed, err = m.fileFor(name)
		if err != nil {
			return ImportResult{}, fmt.Errorf("import: %w", err)
		}
		if !claimed {
			claim, claimed = m.lookupFile(file)
		}
	} else {
		file = sanitizeFileName(filepath.Base(srcPath))
		claim, claimed = m.lookupFile(file)
	}

	// Copy to a hidden temporary file in the models directory (same file
	// system, so the final rename is atomic), hashing on the way.
	tmp, err := os.CreateTemp(m.dir, ".import-*.tmp")
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // no-op once renamed
	s256, s1 := sha256.New(), sha1.New()
	n, err := io.CopyBuffer(io.MultiWriter(tmp, s256, s1), ctxReader{ctx, src}, make([]byte, 1<<20))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: copy: %w", srcPath, err)
	}
	sums := map[string]string{
		models.SHA256: hex.EncodeToString(s256.Sum(nil)),
		models.SHA1:   hex.EncodeToString(s1.Sum(nil)),
	}
	matches := func(e models.Entry) bool {
		algo, want := e.Digest()
		return n == e.Size && sums[algo] == want
	}

	res := ImportResult{}
	switch {
	case claimed:
		if !matches(claim) {
			algo, want := claim.Digest()
			return ImportResult{}, fmt.Errorf("import %s as %s: %w: %d bytes with %s %s, catalogue says %d bytes with %s",
				srcPath, claim.Name, ErrChecksum, n, algo, sums[algo], claim.Size, want)
		}
		file, res.Name, res.Verified = claim.File, claim.Name, true
	default:
		for _, e := range m.catalog {
			if matches(e) {
				file, res.Name, res.Verified = e.File, e.Name, true
				break
			}
		}
		if !res.Verified && onnx {
			return ImportResult{}, fmt.Errorf("import %s: %w: an ONNX file must be one of the catalogue's (see `hushscribe models catalog`)", srcPath, ErrChecksum)
		}
		if !res.Verified {
			if !models.ValidFileName(file) {
				return ImportResult{}, fmt.Errorf("import %s: %w: %q; pass a name", srcPath, ErrInvalidName, file)
			}
			res.Name, res.Warning = file, UnverifiedWarning
		}
	}

	unlock, err := m.lock(ctx, file)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", srcPath, err)
	}
	defer unlock()
	final := filepath.Join(m.dir, file)
	if !res.Verified {
		// Never replace an existing file with an unverified one.
		if _, err := os.Lstat(final); err == nil {
			return ImportResult{}, fmt.Errorf("import %s: %s: %w", srcPath, file, ErrExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return ImportResult{}, fmt.Errorf("import %s: %w", srcPath, err)
		}
	}
	if err := os.Rename(tmpPath, final); err != nil {
		return ImportResult{}, fmt.Errorf("import %s: install: %w", srcPath, err)
	}
	if err := syncDir(m.dir); err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", srcPath, err)
	}
	res.Path = final
	return res, nil
}

// sanitizeFileName turns an arbitrary base name into one that
// models.ValidFileName accepts when possible, replacing unusual characters
// with '_' and adding ".bin" when the extension is not a model one.
func sanitizeFileName(base string) string {
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".-")
	if !strings.HasSuffix(s, ".bin") && !strings.HasSuffix(s, ".gguf") {
		s += ".bin"
	}
	return s
}
