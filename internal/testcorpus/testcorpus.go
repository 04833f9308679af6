// Package testcorpus finds the shared speech recordings the tests read (never copied into the
// repository): $HUSHSCRIBE_CORPUS, else a shared/corpus folder beside the repository or one of the
// folders above it. See shared/corpus/MANIFEST.tsv for what is there.
//
// Without a corpus, tests that need it are skipped with a message, except under CI (see internal/testgate), where a
// missing corpus fails the test: a green CI run must not hide untested code.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testgate"
)

// Find returns the corpus folder, or "" when there is none.
func Find() string {
	if d := os.Getenv("HUSHSCRIBE_CORPUS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		c := filepath.Join(d, "shared", "corpus")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Dir returns the corpus folder or skips (fails under CI) the test.
func Dir(tb testing.TB) string {
	tb.Helper()
	d := Find()
	if d == "" {
		const msg = "speech corpus not found: set HUSHSCRIBE_CORPUS or provide shared/corpus beside the repository"
		testgate.Missing(tb, "%s", msg)
	}
	return d
}

// File returns the path of one corpus file.
func File(tb testing.TB, name string) string {
	tb.Helper()
	return filepath.Join(Dir(tb), name)
}
