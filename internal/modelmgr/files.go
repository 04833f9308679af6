package modelmgr

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hushscribe/hushscribe/models"
)

// Model file magics: ggml files start with the uint32 0x67676d6c written
// little-endian; GGUF files start with the ASCII bytes "GGUF".
var (
	magicGGML = []byte("lmgg")
	magicGGUF = []byte("GGUF")
)

// isModelMagic reports whether head starts with a ggml or GGUF magic.
func isModelMagic(head []byte) bool {
	return bytes.HasPrefix(head, magicGGML) || bytes.HasPrefix(head, magicGGUF)
}

// newHash returns a hash for a models digest algorithm name.
func newHash(algo string) hash.Hash {
	if algo == models.SHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// ctxReader makes long copies and hashes cancellable.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// verifyFile checks the size and preferred digest of the file at p against
// e, returning an error wrapping ErrChecksum on mismatch.
func verifyFile(ctx context.Context, p string, e models.Entry) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != e.Size {
		return fmt.Errorf("%w: %s is %d bytes, catalogue says %d", ErrChecksum, e.File, fi.Size(), e.Size)
	}
	algo, want := e.Digest()
	h := newHash(algo)
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("hash %s: %w", e.File, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: %s has %s %s, catalogue says %s", ErrChecksum, e.File, algo, got, want)
	}
	return nil
}

// writeFileAtomic writes data to dir/name via a synced temporary file and
// a rename, then syncs the directory, so readers see the old or the new
// content, never a mix.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable. Windows cannot sync
// directories; there it is a no-op.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// lockPoll is how often a lock held by another process is retried.
const lockPoll = 50 * time.Millisecond

// lock serialises work on one model file: within this process through a
// channel (so waiting honours ctx) and across processes through a lock
// file in the partial directory.
func (m *Manager) lock(ctx context.Context, file string) (unlock func(), err error) {
	m.mu.Lock()
	ch, ok := m.locks[file]
	if !ok {
		ch = make(chan struct{}, 1)
		m.locks[file] = ch
	}
	m.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := os.MkdirAll(m.partial, 0o700); err != nil {
		<-ch
		return nil, fmt.Errorf("create partial dir: %w", err)
	}
	release, err := lockFile(ctx, filepath.Join(m.partial, file+".lock"))
	if err != nil {
		<-ch
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	return func() {
		release()
		<-ch
	}, nil
}
