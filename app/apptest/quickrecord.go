package apptest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
)

// QuickRecorder is a fake app.QuickRecorder. Start records; Stop "transcribes" at once into a
// result with Result's fields, telling the listeners each phase in order.
type QuickRecorder struct {
	// List is what Devices returns.
	List []app.InputDevice
	// Result is the outcome each Stop produces.
	Result app.QuickRecordResult

	mu        sync.Mutex
	state     app.QuickRecordState
	listeners []func(app.QuickRecordState)
	forgot    int
}

// NewQuickRecorder returns an idle fake with one default microphone.
func NewQuickRecorder() *QuickRecorder {
	return &QuickRecorder{
		List:   []app.InputDevice{{ID: "", Name: "Default input", Default: true}, {ID: "usb", Name: "USB microphone"}},
		Result: app.QuickRecordResult{TranscriptID: "qr1", Title: "Quick recording", Duration: 2 * time.Second, Copied: true, Saved: true},
		state:  app.QuickRecordState{Phase: app.PhaseIdle},
	}
}

func (q *QuickRecorder) set(f func(s *app.QuickRecordState)) {
	q.mu.Lock()
	f(&q.state)
	s, ls := q.state, q.listeners
	q.mu.Unlock()
	for _, l := range ls {
		l(s)
	}
}

// Start implements app.QuickRecorder.
func (q *QuickRecorder) Start() error {
	q.mu.Lock()
	busy := q.state.Phase != app.PhaseIdle
	q.mu.Unlock()
	if busy {
		return fmt.Errorf("fake: %w", app.ErrBusy)
	}
	q.set(func(s *app.QuickRecordState) {
		s.Phase, s.Device = app.PhaseRecording, q.List[0]
		s.Level = app.InputLevel{RMS: -30, Peak: -12}
	})
	return nil
}

// Stop implements app.QuickRecorder.
func (q *QuickRecorder) Stop() error {
	q.mu.Lock()
	rec := q.state.Phase == app.PhaseRecording
	q.mu.Unlock()
	if !rec {
		return fmt.Errorf("fake: %w", app.ErrNotRecording)
	}
	q.set(func(s *app.QuickRecordState) { s.Phase = app.PhaseTranscribing })
	q.set(func(s *app.QuickRecordState) {
		r := q.Result
		s.Phase, s.Last, s.Level, s.Elapsed = app.PhaseIdle, &r, app.InputLevel{}, 0
	})
	return nil
}

// State implements app.QuickRecorder.
func (q *QuickRecorder) State() app.QuickRecordState {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state
}

// ForgetLast implements app.QuickRecorder.
func (q *QuickRecorder) ForgetLast() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state.Last = nil
	q.forgot++
}

// Forgot counts ForgetLast calls.
func (q *QuickRecorder) Forgot() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.forgot
}

// Devices implements app.QuickRecorder.
func (q *QuickRecorder) Devices(context.Context) ([]app.InputDevice, error) { return q.List, nil }

// Listen implements app.QuickRecorder.
func (q *QuickRecorder) Listen(f func(app.QuickRecordState)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.listeners = append(q.listeners, f)
}
