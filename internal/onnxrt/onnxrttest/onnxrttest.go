// Package onnxrttest gives tests the ONNX Runtime library and the Silero VAD model that build/onnx.sh
// fetches ($HUSHSCRIBE_ONNXRUNTIME, $HUSHSCRIBE_SILERO_VAD; `source build/env.sh` sets both). Without
// them a test is skipped with a message, except under CI, where it fails (internal/testgate).
package onnxrttest

import (
	"os"
	"testing"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/testgate"
)

func need(tb testing.TB, env, what string) string {
	tb.Helper()
	p := os.Getenv(env)
	if p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testgate.Missing(tb, "%s not found: set %s (source build/env.sh, which runs build/onnx.sh)", what, env)
	return ""
}

// LibraryPath returns the ONNX Runtime library's path, or skips (fails under CI).
func LibraryPath(tb testing.TB) string {
	tb.Helper()
	return need(tb, "HUSHSCRIBE_ONNXRUNTIME", "ONNX Runtime library")
}

// SileroPath returns the real Silero VAD model's path, or skips (fails under CI).
func SileroPath(tb testing.TB) string {
	tb.Helper()
	return need(tb, "HUSHSCRIBE_SILERO_VAD", "Silero VAD model")
}

// Runtime loads ONNX Runtime for the test and closes it at cleanup.
func Runtime(tb testing.TB) *onnxrt.Runtime {
	tb.Helper()
	rt, err := onnxrt.Load(LibraryPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rt.Close() })
	return rt
}
