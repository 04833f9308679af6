package onnxrt_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
)

func TestLoadErrors(t *testing.T) {
	if _, err := onnxrt.Load(""); !errors.Is(err, onnxrt.ErrNoLibrary) {
		t.Errorf("empty path: got %v, want ErrNoLibrary", err)
	}
	if _, err := onnxrt.Load(filepath.Join(t.TempDir(), "libonnxruntime.so.1")); !errors.Is(err, onnxrt.ErrNoLibrary) {
		t.Errorf("missing file: got %v, want ErrNoLibrary", err)
	}
	rt := onnxrttest.Runtime(t)
	if rt.Version() == "" {
		t.Error("no version")
	}
	// A second handle on the same library shares the environment; a different one is refused.
	rt2, err := onnxrt.Load(onnxrttest.LibraryPath(t))
	if err != nil {
		t.Fatal(err)
	}
	rt2.Close()
	rt2.Close() // twice is fine
	other := filepath.Join(t.TempDir(), "libother.so")
	os.WriteFile(other, []byte("x"), 0o600)
	if _, err := onnxrt.Load(other); !errors.Is(err, onnxrt.ErrOtherLibrary) {
		t.Errorf("other library: got %v, want ErrOtherLibrary", err)
	}
	// The first handle still works after the second was closed.
	if _, err := rt.OpenFile(onnxrttest.SileroPath(t), []string{"input", "sr", "h", "c"}, []string{"output"}, onnxrt.SessionOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.OpenFile(onnxrttest.SileroPath(t), []string{"nope"}, nil, onnxrt.SessionOptions{}); !errors.Is(err, onnxrt.ErrModel) {
		t.Errorf("missing input: got %v, want ErrModel", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, onnxrt.LibraryName())
	os.WriteFile(f, nil, 0o600)
	if got := onnxrt.Find("", filepath.Join(dir, "nope"), dir, f); got != f {
		t.Errorf("Find = %q, want %q (folders and missing files skipped)", got, f)
	}
	if got := onnxrt.Find(filepath.Join(dir, "nope")); got != "" {
		t.Errorf("Find = %q, want none", got)
	}
}
