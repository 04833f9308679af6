// Package modelmgr manages the whisper.cpp model files in a local
// directory: it lists, downloads (resumably, with checksum verification),
// imports (for air-gapped machines), deletes and picks a default model.
//
// Nothing here touches the network unless Download is called, and Download
// uses only the *http.Client passed in Config; with a nil client every
// download fails with ErrNoNetwork.
//
// Layout of the models directory:
//
//	<dir>/<file>.bin              installed, verified (or imported) models
//	<dir>/.partial/<file>.part    unfinished downloads, never listed or used
//	<dir>/.partial/<file>.meta    validators (ETag, Last-Modified) for resuming
//	<dir>/.partial/<file>.lock    lock serialising work on one model file
//	<dir>/.modelmgr.json          the default model, written atomically
package modelmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hushscribe/hushscribe/models"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrChecksum reports a file whose size or digest does not match the
	// catalogue. A failed download's partial file is deleted.
	ErrChecksum = errors.New("model checksum mismatch")
	// ErrInterrupted reports a download that stopped before the end (dropped
	// connection, network error, cancellation). The partial file is kept and
	// calling Download again resumes it.
	ErrInterrupted = errors.New("download interrupted")
	// ErrNotModel reports a file that is not a ggml/GGUF model.
	ErrNotModel = errors.New("not a whisper model file")
	// ErrUnknownModel reports a name that is neither in the catalogue nor an
	// installed file.
	ErrUnknownModel = errors.New("unknown model")
	// ErrNotInstalled reports a catalogue model that is not installed.
	ErrNotInstalled = errors.New("model not installed")
	// ErrNoDefault reports that no default model has been chosen.
	ErrNoDefault = errors.New("no default model set")
	// ErrExists reports an import that would overwrite a different,
	// unverified file.
	ErrExists = errors.New("a different model file with that name already exists")
	// ErrNoNetwork reports a download attempt on a Manager configured
	// without an HTTP client.
	ErrNoNetwork = errors.New("downloads are disabled (no HTTP client configured)")
	// ErrNotFound reports an HTTP 404 from the model server; the error is a
	// *StatusError.
	ErrNotFound = errors.New("model not found on server")
	// ErrInvalidName reports a model name that cannot be used as a file name.
	ErrInvalidName = errors.New("invalid model name")
)

// StatusError is returned when the model server answers with an
// unexpected HTTP status.
type StatusError struct {
	URL        string // redacted of any credentials
	StatusCode int
	Status     string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %s", e.URL, e.Status)
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// Config configures a Manager.
type Config struct {
	// Dir is the models directory; it is created (mode 0700) if missing.
	Dir string
	// BaseURL is where model files are downloaded from; "" means
	// models.DefaultBaseURL. A mirror URL replaces it entirely.
	BaseURL string
	// HTTPClient performs downloads. nil disables downloads (ErrNoNetwork).
	// Its Timeout, if any, bounds a whole transfer, so leave it zero for
	// large models and prefer transport timeouts (dial, TLS, response
	// header); cancellation uses the ctx given to Download.
	HTTPClient *http.Client
	// Catalog lists the known models; nil means the embedded
	// models.Catalog().
	Catalog []models.Entry
}

// Manager manages one models directory. It is safe for concurrent use, and
// several Managers (or processes) may share a directory.
type Manager struct {
	dir     string
	partial string
	base    *url.URL
	mirror  bool // BaseURL was set: download every file, ONNX models too, from it
	client  *http.Client
	catalog []models.Entry

	mu    sync.Mutex
	locks map[string]chan struct{}
}

const (
	partialDir = ".partial"
	stateFile  = ".modelmgr.json"
)

// New returns a Manager for cfg.Dir. It does no network I/O.
func New(cfg Config) (*Manager, error) {
	if cfg.Dir == "" {
		return nil, errors.New("modelmgr: Config.Dir is empty")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("modelmgr: models dir: %w", err)
	}
	catalog := cfg.Catalog
	if catalog == nil {
		if catalog, err = models.Catalog(); err != nil {
			return nil, fmt.Errorf("modelmgr: %w", err)
		}
	} else if err := models.ValidateAll(catalog); err != nil {
		return nil, fmt.Errorf("modelmgr: %w", err)
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = models.DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("modelmgr: base URL %q: must be an http(s) URL", raw)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("modelmgr: create models dir: %w", err)
	}
	return &Manager{
		dir:     dir,
		partial: filepath.Join(dir, partialDir),
		base:    base,
		mirror:  cfg.BaseURL != "" && cfg.BaseURL != models.DefaultBaseURL,
		client:  cfg.HTTPClient,
		catalog: append([]models.Entry(nil), catalog...),
		locks:   make(map[string]chan struct{}),
	}, nil
}

// Dir returns the absolute models directory.
func (m *Manager) Dir() string { return m.dir }

// Catalog returns a copy of the catalogue the Manager uses.
func (m *Manager) Catalog() []models.Entry {
	return append([]models.Entry(nil), m.catalog...)
}

// Model is an installed model file.
type Model struct {
	// Name is the catalogue name, or the file name for files not in the
	// catalogue (imported models).
	Name string
	File string // base name inside the models directory
	Path string // absolute path
	Size int64
	// Known is true when File is a catalogue file; Entry is then its entry.
	Known bool
	Entry models.Entry
	// SizeMismatch is true for a Known file whose size differs from the
	// catalogue: it is damaged or not the published file.
	SizeMismatch bool
	// Default is true for the default model.
	Default bool
}

// List returns the installed models, catalogue models first in catalogue
// order, then other model files by name. Partial downloads and hidden files
// are never listed.
func (m *Manager) List() ([]Model, error) {
	des, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	def, _ := m.defaultFile()
	var out []Model
	for _, de := range des {
		name := de.Name()
		if !models.ValidFileName(name) {
			continue // hidden, temporary, or not a model extension
		}
		p := filepath.Join(m.dir, name)
		fi, err := os.Stat(p) // follows symlinks on purpose
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		md := Model{Name: name, File: name, Path: p, Size: fi.Size(), Default: name == def}
		if e, ok := m.lookupFile(name); ok {
			md.Name, md.Known, md.Entry = e.Name, true, e
			md.SizeMismatch = fi.Size() != e.Size
		}
		out = append(out, md)
	}
	order := make(map[string]int, len(m.catalog))
	for i, e := range m.catalog {
		order[e.File] = i
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Known != b.Known {
			return a.Known
		}
		if a.Known {
			return order[a.File] < order[b.File]
		}
		return a.File < b.File
	})
	return out, nil
}

// lookupFile finds the catalogue entry whose file name is file.
func (m *Manager) lookupFile(file string) (models.Entry, bool) {
	for _, e := range m.catalog {
		if e.File == file {
			return e, true
		}
	}
	return models.Entry{}, false
}

// fileFor maps a catalogue name, a catalogue file name or an installed
// file name (with or without ".bin") to a file name in the directory.
func (m *Manager) fileFor(name string) (file string, e models.Entry, known bool, err error) {
	if e, ok := models.Lookup(m.catalog, name); ok {
		return e.File, e, true, nil
	}
	switch {
	case models.ValidFileName(name):
		return name, models.Entry{}, false, nil
	case models.ValidFileName(name + ".bin"):
		return name + ".bin", models.Entry{}, false, nil
	}
	return "", models.Entry{}, false, fmt.Errorf("%w: %q", ErrInvalidName, name)
}

// Path returns the absolute path of an installed model, given a catalogue
// name ("base.en"), a catalogue file name ("ggml-base.en.bin") or the file
// name of an imported model.
func (m *Manager) Path(name string) (string, error) {
	file, _, known, err := m.fileFor(name)
	if err != nil {
		return "", fmt.Errorf("model %q: %w", name, ErrUnknownModel)
	}
	p := filepath.Join(m.dir, file)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return p, nil
	}
	if known {
		return "", fmt.Errorf("model %s: %w", name, ErrNotInstalled)
	}
	return "", fmt.Errorf("model %q: %w", name, ErrUnknownModel)
}

// Resolve turns the value of a --model flag into a model file path:
//   - "" selects the default model;
//   - a value containing a path separator must name an existing file and
//     is returned as-is;
//   - an installed catalogue model or model file name resolves to its path;
//   - otherwise an existing file at that (relative) path is used as-is.
func (m *Manager) Resolve(nameOrPath string) (string, error) {
	if nameOrPath == "" {
		name, err := m.Default()
		if err != nil {
			return "", err
		}
		return m.Path(name)
	}
	if strings.ContainsAny(nameOrPath, `/\`) || filepath.IsAbs(nameOrPath) {
		if err := regularFile(nameOrPath); err != nil {
			return "", fmt.Errorf("model file: %w", err)
		}
		return nameOrPath, nil
	}
	p, err := m.Path(nameOrPath)
	if err == nil {
		return p, nil
	}
	if regularFile(nameOrPath) == nil {
		return nameOrPath, nil
	}
	return "", err
}

func regularFile(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", p)
	}
	return nil
}

// Delete removes an installed model and any partial download of it. If it
// was the default model, the default is cleared.
func (m *Manager) Delete(name string) error {
	file, _, _, err := m.fileFor(name)
	if err != nil {
		return fmt.Errorf("delete %q: %w", name, ErrUnknownModel)
	}
	unlock, err := m.lock(context.Background(), file)
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	defer unlock()

	removed := false
	p := filepath.Join(m.dir, file)
	switch err := os.Remove(p); {
	case err == nil:
		removed = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("delete %s: %w", name, err)
	}
	for _, suffix := range []string{".part", ".meta"} {
		switch err := os.Remove(filepath.Join(m.partial, file+suffix)); {
		case err == nil:
			removed = true
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("delete %s: %w", name, err)
		}
	}
	if !removed {
		return fmt.Errorf("delete %s: %w", name, ErrNotInstalled)
	}
	if err := syncDir(m.dir); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if def, err := m.defaultFile(); err == nil && def == file {
		if err := m.writeState(state{}); err != nil {
			return fmt.Errorf("delete %s: clear default: %w", name, err)
		}
	}
	return nil
}

// state is the content of the state file.
type state struct {
	Default string `json:"default,omitempty"` // file name in the directory
}

// SetDefault makes an installed whisper model the default. ONNX models (voice activity detection,
// diarization) cannot be the default: ErrNotModel.
func (m *Manager) SetDefault(name string) error {
	if e, ok := models.Lookup(m.catalog, name); ok && !e.IsWhisper() {
		return fmt.Errorf("set default: %s is a %s model: %w", name, e.Kind, ErrNotModel)
	}
	p, err := m.Path(name)
	if err != nil {
		return fmt.Errorf("set default: %w", err)
	}
	if err := m.writeState(state{Default: filepath.Base(p)}); err != nil {
		return fmt.Errorf("set default: %w", err)
	}
	return nil
}

// Default returns the name of the default model (its catalogue name, or
// its file name when it is not in the catalogue), or ErrNoDefault. The
// model may have been removed since; Path reports that.
func (m *Manager) Default() (string, error) {
	file, err := m.defaultFile()
	if err != nil {
		return "", err
	}
	if e, ok := m.lookupFile(file); ok {
		return e.Name, nil
	}
	return file, nil
}

func (m *Manager) defaultFile() (string, error) {
	data, err := os.ReadFile(filepath.Join(m.dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoDefault
	}
	if err != nil {
		return "", fmt.Errorf("read default model: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return "", fmt.Errorf("read default model: %s: %w", stateFile, err)
	}
	if st.Default == "" {
		return "", ErrNoDefault
	}
	if !models.ValidFileName(st.Default) {
		return "", fmt.Errorf("read default model: %w: %q", ErrInvalidName, st.Default)
	}
	return st.Default, nil
}

func (m *Manager) writeState(st state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(m.dir, stateFile, append(data, '\n'))
}

// Verify re-hashes an installed catalogue model and returns ErrChecksum if
// it does not match the catalogue. Models not in the catalogue cannot be
// verified (ErrUnknownModel).
func (m *Manager) Verify(ctx context.Context, name string) error {
	p, err := m.Path(name)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	e, ok := m.lookupFile(filepath.Base(p))
	if !ok {
		return fmt.Errorf("verify %s: %w (not in the catalogue)", name, ErrUnknownModel)
	}
	if err := verifyFile(ctx, p, e); err != nil {
		return fmt.Errorf("verify %s: %w", e.Name, err)
	}
	return nil
}
