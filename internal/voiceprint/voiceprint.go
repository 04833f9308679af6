// Package voiceprint keeps voice profiles: a speaker's name and voice fingerprint (the centroid
// embedding internal/diarize computes), so that later recordings label that voice by name.
//
// Voice profiles are biometric data. Each profile's name and embedding are sealed together with
// AES-256-GCM under the vault key (a Sealer; *vault.Key implements it), bound by the associated data
// "hushscribe/voiceprint/v1/<id>" to their profile ID so sealed blobs cannot be swapped between
// profiles. The profiles file (Config.Path, inside the data folder, so "delete everything" removes it)
// holds only IDs, the embedding model's name, creation times and the sealed blobs; listing or matching
// needs the unlocked vault. The file is written atomically (temporary file, fsync, rename) with mode
// 0600. Nothing here touches the network.
package voiceprint

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

var (
	// ErrNotFound reports an unknown profile ID.
	ErrNotFound = errors.New("voiceprint: no such profile")
	// ErrInvalid reports a bad name or embedding.
	ErrInvalid = errors.New("voiceprint: invalid profile")
	// ErrCorrupt reports a profiles file that cannot be read or a blob that does not open (wrong
	// key, tampering).
	ErrCorrupt = errors.New("voiceprint: profiles file damaged or sealed with another key")
)

// Sealer encrypts and authenticates; *vault.Key implements it.
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(envelope, ad []byte) ([]byte, error)
}

// Profile is one saved voice.
type Profile struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Model     string    `json:"model"` // the embedding model that made Embedding; profiles only match its embeddings
	Created   time.Time `json:"created"`
	Embedding []float32 `json:"-"`
}

// Store is the profiles file. It is safe for concurrent use.
type Store struct {
	path string
	mu   sync.Mutex
}

// Open returns the store at path (the file need not exist yet).
func Open(path string) *Store { return &Store{path: path} }

type record struct {
	ID      string    `json:"id"`
	Model   string    `json:"model"`
	Created time.Time `json:"created"`
	Sealed  []byte    `json:"sealed"` // Seal(secret)
}

type secret struct {
	Name      string `json:"name"`
	Embedding []byte `json:"embedding"` // little-endian float32s
}

type file struct {
	Version  int      `json:"version"`
	Profiles []record `json:"profiles"`
}

func ad(id string) []byte { return []byte("hushscribe/voiceprint/v1/" + id) }

func (s *Store) read() (file, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return file{Version: 1}, nil
	}
	if err != nil {
		return file{}, fmt.Errorf("voiceprint: read: %w", err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil || f.Version != 1 {
		return file{}, fmt.Errorf("%w: %s", ErrCorrupt, s.path)
	}
	return f, nil
}

func (s *Store) write(f file) error {
	data, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("voiceprint: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".voiceprints-*.tmp")
	if err != nil {
		return fmt.Errorf("voiceprint: write: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("voiceprint: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("voiceprint: write: %w", err)
	}
	return nil
}

// Save seals a new profile and returns it.
func (s *Store) Save(key Sealer, name, model string, embedding []float32) (Profile, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return Profile{}, fmt.Errorf("%w: name must be 1-200 characters", ErrInvalid)
	}
	if len(embedding) == 0 || len(embedding) > 8192 {
		return Profile{}, fmt.Errorf("%w: embedding of %d numbers", ErrInvalid, len(embedding))
	}
	for _, v := range embedding {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Profile{}, fmt.Errorf("%w: embedding is not finite", ErrInvalid)
		}
	}
	var idb [16]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return Profile{}, err
	}
	p := Profile{ID: hex.EncodeToString(idb[:]), Name: name, Model: model, Created: time.Now().UTC().Truncate(time.Second), Embedding: slices.Clone(embedding)}
	raw := make([]byte, 4*len(embedding))
	for i, v := range embedding {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	pt, _ := json.Marshal(secret{Name: name, Embedding: raw})
	sealed, err := key.Seal(pt, ad(p.ID))
	clear(pt)
	if err != nil {
		return Profile{}, fmt.Errorf("voiceprint: seal: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	if err != nil {
		return Profile{}, err
	}
	f.Profiles = append(f.Profiles, record{ID: p.ID, Model: model, Created: p.Created, Sealed: sealed})
	if err := s.write(f); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// List opens every profile.
func (s *Store) List(key Sealer) ([]Profile, error) {
	s.mu.Lock()
	f, err := s.read()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(f.Profiles))
	for _, r := range f.Profiles {
		pt, err := key.Open(r.Sealed, ad(r.ID))
		if err != nil {
			return nil, fmt.Errorf("%w: profile %s: %v", ErrCorrupt, r.ID, err)
		}
		var sec secret
		err = json.Unmarshal(pt, &sec)
		clear(pt)
		if err != nil || len(sec.Embedding)%4 != 0 {
			return nil, fmt.Errorf("%w: profile %s", ErrCorrupt, r.ID)
		}
		emb := make([]float32, len(sec.Embedding)/4)
		for i := range emb {
			emb[i] = math.Float32frombits(binary.LittleEndian.Uint32(sec.Embedding[4*i:]))
		}
		out = append(out, Profile{ID: r.ID, Name: sec.Name, Model: r.Model, Created: r.Created, Embedding: emb})
	}
	return out, nil
}

// Delete removes one profile.
func (s *Store) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(f.Profiles, func(r record) bool { return r.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	f.Profiles = slices.Delete(f.Profiles, i, i+1)
	return s.write(f)
}

// DeleteAll removes the profiles file.
func (s *Store) DeleteAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("voiceprint: %w", err)
	}
	return nil
}

// DefaultThreshold is the cosine similarity a speaker's embedding needs to a profile to take its name.
const DefaultThreshold = 0.6

// Match names speakers: for each embedding (a diarized speaker's centroid from model), the name of the
// most similar profile of the same model at or above threshold, else "". One profile names at most one
// speaker (the most similar).
func Match(profiles []Profile, model string, speakers [][]float32, threshold float64) []string {
	names := make([]string, len(speakers))
	type cand struct {
		speaker, profile int
		sim              float64
	}
	var cands []cand
	for si, e := range speakers {
		for pi, p := range profiles {
			if p.Model != model || len(p.Embedding) != len(e) {
				continue
			}
			if sim := cosine(e, p.Embedding); sim >= threshold {
				cands = append(cands, cand{si, pi, sim})
			}
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return 0
	})
	usedP := map[int]bool{}
	for _, c := range cands {
		if names[c.speaker] != "" || usedP[c.profile] {
			continue
		}
		names[c.speaker] = profiles[c.profile].Name
		usedP[c.profile] = true
	}
	return names
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
