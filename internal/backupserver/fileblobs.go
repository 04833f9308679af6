package backupserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrBadKey means a blob key is not of the form this server writes.
var ErrBadKey = errors.New("backupserver: invalid blob key")

// ErrSize means a blob's reader gave fewer or more bytes than announced.
var ErrSize = errors.New("backupserver: blob size mismatch")

var blobKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*/?$`)

func checkKey(key string) error {
	if !blobKeyPattern.MatchString(key) || strings.Contains(key, "..") {
		return fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	return nil
}

// FileBlobs stores blobs as files under a directory, one file per key (the key's slashes are
// directories). A blob is written to a temporary file, synced, renamed into place and its directory
// synced, so an acknowledged Put survives a crash or power loss.
type FileBlobs struct {
	root string
}

var _ Blobs = (*FileBlobs)(nil)

// NewFileBlobs opens (creating if needed) a blob directory and removes temporary files left by a
// crash.
func NewFileBlobs(root string) (*FileBlobs, error) {
	if err := os.MkdirAll(filepath.Join(root, ".tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("open blob directory: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(root, ".tmp"))
	if err != nil {
		return nil, fmt.Errorf("open blob directory: %w", err)
	}
	for _, e := range entries {
		os.Remove(filepath.Join(root, ".tmp", e.Name()))
	}
	return &FileBlobs{root: root}, nil
}

func (b *FileBlobs) path(key string) string {
	return filepath.Join(b.root, filepath.FromSlash(key))
}

// Put implements Blobs.
func (b *FileBlobs) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := checkKey(key); err != nil || strings.HasSuffix(key, "/") {
		return fmt.Errorf("put blob: %w", ErrBadKey)
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(b.root, ".tmp", hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: io.LimitReader(r, size+1)})
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if n != size {
		return fmt.Errorf("put blob: got %d bytes, want %d: %w", n, size, ErrSize)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("put blob: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	final := b.path(key)
	if err := b.mkdirs(filepath.Dir(final)); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fmt.Errorf("put blob: sync directory: %w", err)
	}
	return nil
}

// mkdirs creates dir and its missing parents below the root, syncing each parent so that the new
// directory entries are durable too.
func (b *FileBlobs) mkdirs(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != b.root && parent != dir {
		if err := b.mkdirs(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Get implements Blobs.
func (b *FileBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get blob: %w", err)
	}
	f, err := os.Open(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("get blob: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get blob: %w", err)
	}
	return f, nil
}

// Delete implements Blobs.
func (b *FileBlobs) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	if err := os.Remove(b.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// DeletePrefix implements Blobs.
func (b *FileBlobs) DeletePrefix(ctx context.Context, prefix string) error {
	if err := checkKey(prefix); err != nil || !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("delete blobs: %w: prefix %q", ErrBadKey, prefix)
	}
	if err := os.RemoveAll(b.path(strings.TrimSuffix(prefix, "/"))); err != nil {
		return fmt.Errorf("delete blobs: %w", err)
	}
	return nil
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
