// Package testgate decides what a test does when something it needs is missing (a tool such as
// strace, ffmpeg or Chromium, a service such as PostgreSQL or PulseAudio, the speech corpus).
// Outside CI the test is skipped with a message; under CI (the CI environment variable set to anything
// but "" or "false", as .ci/run and most CI systems do) it fails, so a green CI run never hides a test
// that did not run. build/test.sh additionally lists every skipped test and checks it against
// build/skip-allowlist.txt.
package testgate

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under CI, where a missing tool is a failure.
func CI() bool { return ciValue(os.Getenv("CI")) }

func ciValue(v string) bool { return v != "" && v != "false" && v != "0" }

// Missing skips the test, or fails it under CI, saying what is missing.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		tb.Fatalf("%s (CI is set: a missing prerequisite fails the test instead of skipping it)", msg)
		return
	}
	tb.Skip(msg)
}

// Tool returns the path of an executable on $PATH, or skips (fails under CI) the test without it.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "%s is not installed", name)
	}
	return p
}
