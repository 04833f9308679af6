// Package onnxrt loads ONNX Runtime's shared library (libonnxruntime.so.1, onnxruntime.dll,
// libonnxruntime.dylib) at run time and opens ONNX models on it, for voice activity detection
// (internal/vad) and speaker diarization (internal/diarize).
//
// # Why github.com/yalue/onnxruntime_go and not sherpa-onnx's C API
//
// Hushscribe builds its own stages (Silero VAD state handling, fbank features, segmentation and
// embedding models, clustering) and only needs "run this ONNX graph on these tensors". onnxruntime_go
// is a thin cgo binding of exactly that (ONNX Runtime's C API), dlopen()s the library at run time so
// the binary links and starts without it (VAD and diarization are then reported unavailable rather than
// the app failing to start), and works with the libonnxruntime.so that npm's onnxruntime-node ships.
// sherpa-onnx's C API bundles its own pipelines (VAD, diarization) behind opaque configs: we could
// not map timestamps, keep voice profiles, use our stand-in models' metadata or test each stage, and
// it would add a second native library (libsherpa-onnx-c-api) to build, ship and keep in step with
// ONNX Runtime.
//
// # Process-wide state
//
// onnxruntime_go keeps one ONNX Runtime environment per process (its SetSharedLibraryPath and
// InitializeEnvironment are package globals). This package confines that to Load: the library path is
// passed in (never read from the environment here), Load initialises the environment on first use and
// counts references, Runtime.Close releases it when the last Runtime is closed, and loading a second,
// different library path while one is in use fails with ErrOtherLibrary. Nothing else is global.
package onnxrt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	// ErrNoLibrary reports that no ONNX Runtime library was given or the file does not exist.
	ErrNoLibrary = errors.New("onnxrt: ONNX Runtime library not found")
	// ErrOtherLibrary reports a Load of a different library path while another one is loaded.
	ErrOtherLibrary = errors.New("onnxrt: a different ONNX Runtime library is already loaded in this process")
	// ErrModel reports a model file ONNX Runtime cannot load or whose inputs/outputs are not the expected ones.
	ErrModel = errors.New("onnxrt: bad model")
	// ErrClosed reports use of a closed Runtime or Session.
	ErrClosed = errors.New("onnxrt: closed")
)

// process is the state onnxruntime_go forces to be process-wide.
var process struct {
	mu   sync.Mutex
	path string
	refs int
}

// Runtime is a handle on the loaded ONNX Runtime library.
type Runtime struct {
	once sync.Once
	path string
}

// LibraryName is the library's file name on this platform.
func LibraryName() string {
	switch runtime.GOOS {
	case "windows":
		return "onnxruntime.dll"
	case "darwin":
		return "libonnxruntime.dylib"
	default:
		return "libonnxruntime.so.1"
	}
}

// Find returns the first existing file among the candidates (empty strings are skipped), or "".
// Callers pass, in order of preference, an explicit setting and the folders a build ships the library
// in (beside the executable).
func Find(candidates ...string) string {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return ""
}

// Load loads the ONNX Runtime library at libPath (once per process) and returns a handle; Close it
// when done.
func Load(libPath string) (*Runtime, error) {
	if libPath == "" {
		return nil, ErrNoLibrary
	}
	abs, err := filepath.Abs(libPath)
	if err != nil {
		return nil, fmt.Errorf("onnxrt: library path: %w", err)
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNoLibrary, abs)
	}
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.refs > 0 {
		if process.path != abs {
			return nil, fmt.Errorf("%w: %s (loaded: %s)", ErrOtherLibrary, abs, process.path)
		}
		process.refs++
		return &Runtime{path: abs}, nil
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("onnxrt: load %s: %w", abs, err)
	}
	process.path, process.refs = abs, 1
	return &Runtime{path: abs}, nil
}

// Path is the library's absolute path.
func (r *Runtime) Path() string { return r.path }

// Version is ONNX Runtime's version string, e.g. "1.30.0".
func (r *Runtime) Version() string { return ort.GetVersion() }

// Close releases this handle; the last Close unloads the environment. Safe to call twice.
func (r *Runtime) Close() error {
	var err error
	r.once.Do(func() {
		process.mu.Lock()
		defer process.mu.Unlock()
		process.refs--
		if process.refs == 0 {
			err = ort.DestroyEnvironment()
			process.path = ""
		}
	})
	return err
}

// LibraryEnv is the environment variable that names the ONNX Runtime library explicitly.
const LibraryEnv = "HUSHSCRIBE_ONNXRUNTIME"

// Locate finds the ONNX Runtime library where Hushscribe ships or is told to look: the file named by
// $HUSHSCRIBE_ONNXRUNTIME (read through getenv), else beside the executable (build/setup.sh copies it
// into bin/), else in ../lib next to it. "" when there is none.
func Locate(getenv func(string) string) string {
	var c []string
	if getenv != nil {
		c = append(c, getenv(LibraryEnv))
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		c = append(c, filepath.Join(dir, LibraryName()), filepath.Join(dir, "..", "lib", LibraryName()),
			filepath.Join(dir, "..", "lib", "hushscribe", LibraryName())) // the installed package's private folder
	}
	return Find(c...)
}
