package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// MediaPrefix is the URL path under which Media serves original recordings: MediaPrefix + id.
const MediaPrefix = "/media/"

// SourceIndex remembers which original file each transcript came from, so the editor can play it
// from a segment's time while the file is still on disk. The app never copies audio: playback streams
// the user's own file. Paths of Standard transcripts are kept in a JSON file; paths of Private ones
// only in memory, so that nothing on disk links a private transcript to a file name.
type SourceIndex struct {
	path string
	mu   sync.Mutex
	mem  map[string]string // id -> path, all levels
	disk map[string]string // id -> path, the persisted subset
}

// NewSourceIndex loads the index kept at path ("" keeps it in memory only). A missing or damaged
// file starts an empty index.
func NewSourceIndex(path string) *SourceIndex {
	x := &SourceIndex{path: path, mem: map[string]string{}, disk: map[string]string{}}
	if path != "" {
		if b, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(b, &x.disk)
		}
		for k, v := range x.disk {
			x.mem[k] = v
		}
	}
	return x
}

// Set records that transcript id came from file; persist says whether it may be written to disk.
func (x *SourceIndex) Set(id, file string, persist bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.mem[id] = file
	_, had := x.disk[id]
	if persist {
		x.disk[id] = file
	} else {
		delete(x.disk, id)
	}
	if persist || had {
		return x.flush()
	}
	return nil
}

// Get returns the recorded file for id, or "".
func (x *SourceIndex) Get(id string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.mem[id]
}

// Delete forgets id.
func (x *SourceIndex) Delete(id string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.mem, id)
	if _, ok := x.disk[id]; !ok {
		return nil
	}
	delete(x.disk, id)
	return x.flush()
}

// Reset forgets everything (after a wipe, whose job it is to remove the file).
func (x *SourceIndex) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.mem = map[string]string{}
	x.disk = map[string]string{}
}

func (x *SourceIndex) flush() error {
	if x.path == "" {
		return nil
	}
	b, err := json.Marshal(x.disk)
	if err != nil {
		return fmt.Errorf("save source index: %w", err)
	}
	return writeFileAtomic(x.path, b, 0o600)
}

// mediaHandler streams a transcript's original file (with Range support, for seeking).
type mediaHandler struct {
	sources *SourceIndex
}

func (h *mediaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, MediaPrefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		http.NotFound(w, r)
		return
	}
	file := h.sources.Get(id)
	if file == "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "cannot open the original file", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	if ct := mediaType(file); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

func mediaType(file string) string {
	ext := strings.ToLower(filepath.Ext(file))
	switch ext {
	case ".mp3":
		return "audio/mpeg"
	case ".wav":
		return "audio/wav"
	case ".flac":
		return "audio/flac"
	case ".ogg", ".oga", ".opus":
		return "audio/ogg"
	case ".m4a", ".aac":
		return "audio/mp4"
	case ".mp4", ".m4v", ".mov":
		return "video/mp4"
	case ".webm":
		return "video/webm"
	case ".mkv":
		return "video/x-matroska"
	}
	return mime.TypeByExtension(ext)
}

// MediaURL returns the URL the page can play transcript id's original file from, or "" when the
// file is unknown or no longer on disk.
func (a *App) MediaURL(id string) (string, error) {
	file := a.d.Sources.Get(id)
	if file == "" {
		return "", nil
	}
	if st, err := os.Stat(file); err != nil || st.IsDir() {
		return "", nil
	}
	return MediaPrefix + id, nil
}
