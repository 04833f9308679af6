package testmodel

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// DefaultSeed is the seed ForTest uses.
const DefaultSeed = 1

// forTest makes concurrent ForTest calls in one test binary write each file once. It is the
// package's only global state and exists for tests only.
var forTest sync.Map // cache path -> *cached

type cached struct {
	once sync.Once
	path string
	err  error
}

// ForTest returns the path of a model file of shape s (seed DefaultSeed) for tests and benchmarks.
// The file is written once into os.UserCacheDir()/hushscribe/testmodels (or a temporary directory if
// there is no cache directory), keyed by shape, seed and FormatVersion, and reused across runs.
func ForTest(tb testing.TB, s Shape) string {
	tb.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "hushscribe", "testmodels")
	h := fnv.New32a()
	fmt.Fprintf(h, "%+v", s)
	name := fmt.Sprintf("ggml-%s-v%d-%08x-seed%d.bin", s.Name, FormatVersion, h.Sum32(), DefaultSeed)
	path := filepath.Join(dir, name)
	v, _ := forTest.LoadOrStore(path, &cached{})
	c := v.(*cached)
	c.once.Do(func() {
		c.path = path
		if _, err := os.Stat(path); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			c.err = err
			return
		}
		c.err = WriteFile(path, s, DefaultSeed)
	})
	if c.err != nil {
		tb.Fatalf("testmodel: %v", c.err)
	}
	return c.path
}
