package longform

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// MemoryCheckpoint keeps windows in memory (tests, and jobs that need no resume across restarts).
type MemoryCheckpoint struct {
	mu      sync.Mutex
	windows []Window
}

// Load implements Checkpoint.
func (m *MemoryCheckpoint) Load() ([]Window, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Window(nil), m.windows...), nil
}

// Save implements Checkpoint.
func (m *MemoryCheckpoint) Save(w Window) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.windows = append(m.windows, w)
	return nil
}

// FileCheckpoint keeps windows in a file, one record per line, appended as windows finish and
// synced, so that a crash loses at most the window in progress. Each record is the window's JSON
// passed through Seal (for Private jobs: encryption under the vault key), base64-encoded; Open
// reverses Seal. With nil Seal and Open the JSON is stored as it is. A damaged last line (a crash
// while writing) is ignored; the file holds text and times only, never audio.
type FileCheckpoint struct {
	Path string
	Seal func(plain []byte) ([]byte, error)
	Open func(sealed []byte) ([]byte, error)
}

// Load implements Checkpoint. A missing file is an empty checkpoint.
func (f FileCheckpoint) Load() ([]Window, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Window
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(string(line))
		if err == nil && f.Open != nil {
			raw, err = f.Open(raw)
		}
		var w Window
		if err == nil {
			err = json.Unmarshal(raw, &w)
		}
		if err != nil {
			if i == len(lines)-1 {
				break // the last record, cut short by a crash
			}
			return nil, fmt.Errorf("%w: record %d: %v", ErrCheckpoint, i+1, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// Save implements Checkpoint.
func (f FileCheckpoint) Save(w Window) error {
	raw, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if f.Seal != nil {
		if raw, err = f.Seal(raw); err != nil {
			return err
		}
	}
	fh, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	line := base64.StdEncoding.EncodeToString(raw) + "\n"
	if _, err := fh.WriteString(line); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// Remove deletes the checkpoint (after the job finished or was abandoned).
func (f FileCheckpoint) Remove() error {
	err := os.Remove(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
