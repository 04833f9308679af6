package testgate

import (
	"testing"
)

func TestCIValue(t *testing.T) {
	for v, want := range map[string]bool{"": false, "false": false, "0": false, "true": true, "1": true, "yes": true} {
		if got := ciValue(v); got != want {
			t.Errorf("ciValue(%q) = %v, want %v", v, got, want)
		}
	}
}

// fakeTB records what Missing does without stopping the real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skip(...any)           { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestMissing(t *testing.T) {
	t.Setenv("CI", "")
	f := &fakeTB{}
	Missing(f, "x is missing")
	if !f.skipped || f.failed {
		t.Errorf("outside CI: skipped=%v failed=%v, want a skip", f.skipped, f.failed)
	}
	t.Setenv("CI", "true")
	f = &fakeTB{}
	Missing(f, "x is missing")
	if f.skipped || !f.failed {
		t.Errorf("under CI: skipped=%v failed=%v, want a failure", f.skipped, f.failed)
	}
	f = &fakeTB{}
	Tool(f, "surely-not-a-real-tool-hushscribe")
	if !f.failed {
		t.Error("Tool of a missing executable under CI did not fail")
	}
}
