package wire

import (
	"context"
	"fmt"
	"sync"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// sharedEngines wraps an app.Engines so that every user of a model (the app's file jobs and the
// quick recording) shares one loaded copy: Open returns a handle to the model already loaded for the
// same path and GPU choice, and the model is closed when the last handle is.
type sharedEngines struct {
	eng app.Engines

	mu   sync.Mutex
	open map[engineKey]*sharedModel
}

type engineKey struct {
	path   string
	device string // "auto", "cpu" or a device ID
}

// sharedModel is one loaded model and the number of open handles to it.
type sharedModel struct {
	t    app.Transcriber
	refs int
}

func newSharedEngines(e app.Engines) *sharedEngines {
	return &sharedEngines{eng: e, open: map[engineKey]*sharedModel{}}
}

// Open implements app.Engines: useGPU means the device "auto", else "cpu".
func (s *sharedEngines) Open(path string, useGPU bool) (app.Transcriber, error) {
	if useGPU {
		return s.OpenOn(path, app.DeviceAuto)
	}
	return s.OpenOn(path, app.DeviceCPU)
}

// OpenOn implements app.DeviceEngines. Loading holds up other Opens and Closes until the model is
// ready, so two callers never load the same model side by side.
func (s *sharedEngines) OpenOn(path, device string) (app.Transcriber, error) {
	k := engineKey{path, device}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.open[k]
	if !ok {
		t, err := openOn(s.eng, path, device)
		if err != nil {
			return nil, err
		}
		m = &sharedModel{t: t}
		s.open[k] = m
	}
	m.refs++
	return &sharedHandle{s: s, k: k, m: m}, nil
}

// openOn opens on a device when e can, else on the GPU or the CPU.
func openOn(e app.Engines, path, device string) (app.Transcriber, error) {
	if de, ok := e.(app.DeviceEngines); ok {
		return de.OpenOn(path, device)
	}
	return e.Open(path, device != app.DeviceCPU)
}

// release drops one reference to m and closes the model with the last one. It closes under the lock
// so that an Open of the same model cannot load a second copy before the first is gone.
func (s *sharedEngines) release(k engineKey, m *sharedModel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.refs--
	if m.refs > 0 {
		return nil
	}
	delete(s.open, k)
	if err := m.t.Close(); err != nil {
		return fmt.Errorf("close the model: %w", err)
	}
	return nil
}

// sharedHandle is one user's reference to a shared model.
type sharedHandle struct {
	s *sharedEngines
	k engineKey
	m *sharedModel

	mu     sync.Mutex
	closed bool
}

// Transcribe implements app.Transcriber.
func (h *sharedHandle) Transcribe(ctx context.Context, samples []float32, opt app.TranscribeOptions) (*transcript.Transcript, error) {
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("speech engine: closed: %w", app.ErrUnavailable)
	}
	return h.m.t.Transcribe(ctx, samples, opt)
}

// RunDevice implements app.DeviceReporter for models that report their device.
func (h *sharedHandle) RunDevice() app.RunDevice {
	if r, ok := h.m.t.(app.DeviceReporter); ok {
		return r.RunDevice()
	}
	return app.RunDevice{}
}

// Close implements app.Transcriber: it drops this handle's reference (once; later calls do nothing)
// and closes the model when no handle is left.
func (h *sharedHandle) Close() error {
	h.mu.Lock()
	closed := h.closed
	h.closed = true
	h.mu.Unlock()
	if closed {
		return nil
	}
	return h.s.release(h.k, h.m)
}
