package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestFullDisk fills a real (tiny tmpfs) file system. It needs root to mount, and skips otherwise.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	l, err := Open(filepath.Join(dir, "library.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := rand.New(rand.NewPCG(5, 6))
	first := genTranscript(r, "first", transcript.Standard, 20, 10)
	if err := l.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	var saveErr error
	for i := 0; i < 100 && saveErr == nil; i++ {
		saveErr = l.Save(ctx, genTranscript(r, fmt.Sprintf("fill%d", i), transcript.Standard, 300, 10))
	}
	if !errors.Is(saveErr, ErrFull) {
		t.Fatalf("filling the disk: %v", saveErr)
	}
	got, err := l.Get(ctx, "first")
	if err != nil || fmt.Sprint(got) != fmt.Sprint(first) {
		t.Fatalf("first transcript damaged by the full disk: %v", err)
	}
	if err := l.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
