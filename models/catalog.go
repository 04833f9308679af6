// Package models holds the catalogue of official whisper.cpp ggml models:
// their names, file names, sizes and digests. It never holds weights.
//
// The catalogue is embedded from catalog.json at build time so that the
// application can verify a model without any network access. Nothing in
// this package touches the network.
package models

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// DefaultBaseURL is where the official ggml models are published. A mirror
// configured by the user replaces it; file names are appended to it.
const DefaultBaseURL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/"

// Digest algorithm names as used by Entry.Digest.
const (
	SHA256 = "sha256"
	SHA1   = "sha1"
)

// ErrInvalid reports a malformed catalogue or entry.
var ErrInvalid = errors.New("invalid model catalogue")

//go:embed catalog.json
var catalogJSON []byte

// Entry describes one downloadable model file.
type Entry struct {
	// Name is the short model name used by the CLI and UI, e.g. "base.en".
	Name string `json:"name"`
	// File is the file name on the server and on disk, e.g. "ggml-base.en.bin".
	File string `json:"file"`
	// Size is the exact file size in bytes.
	Size int64 `json:"size"`
	// SHA256 is the lowercase hex SHA-256 of the whole file (may be empty).
	SHA256 string `json:"sha256,omitempty"`
	// SHA1 is the lowercase hex SHA-1 of the whole file (may be empty).
	SHA1 string `json:"sha1,omitempty"`
	// Multilingual is false for English-only (".en") models.
	Multilingual bool `json:"multilingual"`
	// Quantization is "" for 16-bit weights, else e.g. "q5_0", "q5_1", "q8_0".
	Quantization string `json:"quantization,omitempty"`
	// Description is a one-line human description.
	Description string `json:"description"`
	// Kind is "" for whisper.cpp models, else what the ONNX model is for: KindVAD, KindSegmentation
	// or KindEmbedding. Only whisper models are listed, chosen as default or transcribed with.
	Kind string `json:"kind,omitempty"`
	// URL is where an ONNX model is downloaded from (whisper models come from the base URL or mirror).
	URL string `json:"url,omitempty"`
	// Source says where the digest comes from and whether it was verified against the file.
	Source string `json:"source,omitempty"`
}

// Kinds of ONNX models (Entry.Kind).
const (
	KindVAD          = "vad"          // Silero VAD v4 (internal/vad)
	KindSegmentation = "segmentation" // pyannote segmentation-3.0 (internal/diarize)
	KindEmbedding    = "embedding"    // speaker embeddings (internal/diarize)
)

// IsWhisper reports whether the entry is a whisper.cpp model.
func (e Entry) IsWhisper() bool { return e.Kind == "" }

// Digest returns the preferred digest of the entry: SHA-256 when present,
// otherwise SHA-1. algo is SHA256 or SHA1.
func (e Entry) Digest() (algo, sum string) {
	if e.SHA256 != "" {
		return SHA256, e.SHA256
	}
	return SHA1, e.SHA1
}

// Validate checks that the entry is usable: a safe file name, a positive
// size and at least one well-formed digest.
func (e Entry) Validate() error {
	if e.Name == "" || !safeName(e.Name) {
		return fmt.Errorf("%w: bad model name %q", ErrInvalid, e.Name)
	}
	switch e.Kind {
	case "":
		if !ValidFileName(e.File) {
			return fmt.Errorf("%w: model %q: bad file name %q", ErrInvalid, e.Name, e.File)
		}
	case KindVAD, KindSegmentation, KindEmbedding:
		if !ValidONNXFileName(e.File) {
			return fmt.Errorf("%w: model %q: bad file name %q", ErrInvalid, e.Name, e.File)
		}
		if !strings.HasPrefix(e.URL, "https://") {
			return fmt.Errorf("%w: model %q: an ONNX model needs an https URL", ErrInvalid, e.Name)
		}
	default:
		return fmt.Errorf("%w: model %q: unknown kind %q", ErrInvalid, e.Name, e.Kind)
	}
	if e.Size <= 0 {
		return fmt.Errorf("%w: model %q: size %d", ErrInvalid, e.Name, e.Size)
	}
	if e.SHA256 == "" && e.SHA1 == "" {
		return fmt.Errorf("%w: model %q has no digest", ErrInvalid, e.Name)
	}
	if e.SHA256 != "" && !isHex(e.SHA256, 32) {
		return fmt.Errorf("%w: model %q: malformed sha256", ErrInvalid, e.Name)
	}
	if e.SHA1 != "" && !isHex(e.SHA1, 20) {
		return fmt.Errorf("%w: model %q: malformed sha1", ErrInvalid, e.Name)
	}
	return nil
}

// Catalog returns the embedded catalogue of official whisper.cpp models.
// Each call returns a fresh slice that the caller may modify.
func Catalog() ([]Entry, error) {
	return Parse(catalogJSON)
}

// document is the on-disk layout of catalog.json.
type document struct {
	Schema  int               `json:"schema"`
	BaseURL string            `json:"base_url"`
	Digests map[string]string `json:"digests"`
	Models  []Entry           `json:"models"`
}

// Parse decodes and validates a catalogue in the catalog.json format.
// Unknown fields are rejected so that a typo cannot silently drop a digest.
func Parse(data []byte) ([]Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after catalogue", ErrInvalid)
	}
	if doc.Schema != 1 {
		return nil, fmt.Errorf("%w: unsupported schema %d", ErrInvalid, doc.Schema)
	}
	if err := ValidateAll(doc.Models); err != nil {
		return nil, err
	}
	return doc.Models, nil
}

// ValidateAll validates every entry and checks that names and file names
// are unique (a name may not equal another entry's file name either, so
// that lookups by name or file are unambiguous).
func ValidateAll(entries []Entry) error {
	seen := make(map[string]string, 2*len(entries))
	for _, e := range entries {
		if err := e.Validate(); err != nil {
			return err
		}
		keys := []string{e.Name}
		if e.File != e.Name {
			keys = append(keys, e.File)
		}
		for _, k := range keys {
			if prev, ok := seen[k]; ok {
				return fmt.Errorf("%w: %q used by both %q and %q", ErrInvalid, k, prev, e.Name)
			}
			seen[k] = e.Name
		}
	}
	return nil
}

// Lookup finds an entry by model name or by file name.
func Lookup(entries []Entry, nameOrFile string) (Entry, bool) {
	for _, e := range entries {
		if e.Name == nameOrFile || e.File == nameOrFile {
			return e, true
		}
	}
	return Entry{}, false
}

// ValidFileName reports whether name is safe to use as a file name inside a
// models directory: one path element of letters, digits, '.', '-' or '_',
// not hidden, and ending in ".bin" or ".gguf".
func ValidFileName(name string) bool {
	if !safeName(name) {
		return false
	}
	return strings.HasSuffix(name, ".bin") || strings.HasSuffix(name, ".gguf")
}

// ValidONNXFileName reports whether name is a safe file name for an ONNX model (".onnx").
func ValidONNXFileName(name string) bool {
	return safeName(name) && strings.HasSuffix(name, ".onnx")
}

// safeName reports whether s is a single, non-hidden path element made of
// a conservative character set.
func safeName(s string) bool {
	if s == "" || len(s) > 200 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != 2*n || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
