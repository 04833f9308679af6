package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// QuickRecorder is the tray's record-and-transcribe flow (internal/quickrecord, adapted by app/wire):
// it records from the microphone into memory, transcribes with the default model, and copies and/or
// saves the result as the settings say.
type QuickRecorder interface {
	// Start begins a recording; it fails with ErrBusy while one runs or is being transcribed.
	Start() error
	// Stop ends the recording (the transcription follows in the background); ErrNotRecording when
	// nothing is being recorded.
	Stop() error
	State() QuickRecordState
	// ForgetLast drops the last result (and its text) from memory, e.g. when the vault locks.
	ForgetLast()
	// Devices lists the microphones.
	Devices(ctx context.Context) ([]InputDevice, error)
	// Listen adds f to the functions that receive every state change, in order, on one goroutine.
	Listen(f func(QuickRecordState))
}

// Quick recording errors.
var (
	ErrBusy         = errors.New("a quick recording is already in progress")
	ErrNotRecording = errors.New("not recording")
)

// Quick recording phases.
const (
	PhaseIdle         = "idle"
	PhaseRecording    = "recording"
	PhaseTranscribing = "transcribing"
)

// QuickRecordState is what the window shows of the quick recording.
type QuickRecordState struct {
	// Available is false where this build or machine has no microphone capture.
	Available bool          `json:"available"`
	Phase     string        `json:"phase"` // PhaseIdle, PhaseRecording or PhaseTranscribing
	Device    InputDevice   `json:"device"`
	Elapsed   time.Duration `json:"elapsed"`
	Level     InputLevel    `json:"level"`
	// Preview is the partial text while recording (when Settings.QuickPreview is on). It may be
	// Private: the page shows it and drops it, it is never stored.
	Preview string `json:"preview"`
	// Last is the result of the last finished quick recording, nil before the first.
	Last *QuickRecordResult `json:"last"`
}

// InputDevice is one microphone. ID "" is the system default input.
type InputDevice struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// InputLevel is the latest input level in dBFS (-120 for digital silence).
type InputLevel struct {
	RMS    float64 `json:"rms"`
	Peak   float64 `json:"peak"`
	Silent bool    `json:"silent"`
}

// QuickRecordResult is the outcome of one quick recording. It carries no transcript text: open the
// transcript by TranscriptID.
type QuickRecordResult struct {
	TranscriptID string        `json:"transcriptId"` // "" when it was not saved
	Title        string        `json:"title"`
	Duration     time.Duration `json:"duration"`
	Copied       bool          `json:"copied"`
	Saved        bool          `json:"saved"`
	Error        string        `json:"error"`
}

func (a *App) quickRecorder() (QuickRecorder, error) {
	if a.d.QuickRecord == nil {
		return nil, unavailable("quick recording")
	}
	return a.d.QuickRecord, nil
}

// quickRecordChanged forwards a state change to the page; a finished recording that was saved also
// announces the library change (which schedules a backup sync).
func (a *App) quickRecordChanged(s QuickRecordState) {
	s.Available = true
	a.mu.Lock()
	prev := a.qrPhase
	a.qrPhase = s.Phase
	a.mu.Unlock()
	a.emit(EventQuickRecord, s)
	if prev == PhaseTranscribing && s.Phase == PhaseIdle && s.Last != nil && s.Last.Saved {
		a.emit(EventLibrary, s.Last.TranscriptID)
	}
}

// QuickRecordStatus returns the quick recording's state; Available is false without a microphone
// backend.
func (a *App) QuickRecordStatus() (QuickRecordState, error) {
	q, err := a.quickRecorder()
	if err != nil {
		return QuickRecordState{Phase: PhaseIdle}, nil
	}
	s := q.State()
	s.Available = true
	return s, nil
}

// QuickRecordStart starts a quick recording from the remembered input device.
func (a *App) QuickRecordStart() (QuickRecordState, error) {
	q, err := a.quickRecorder()
	if err != nil {
		return QuickRecordState{}, err
	}
	if err := q.Start(); err != nil {
		return QuickRecordState{}, fmt.Errorf("start recording: %w", err)
	}
	return a.QuickRecordStatus()
}

// QuickRecordStop stops the quick recording; the transcription follows and its result arrives as an
// EventQuickRecord.
func (a *App) QuickRecordStop() (QuickRecordState, error) {
	q, err := a.quickRecorder()
	if err != nil {
		return QuickRecordState{}, err
	}
	if err := q.Stop(); err != nil {
		return QuickRecordState{}, fmt.Errorf("stop recording: %w", err)
	}
	return a.QuickRecordStatus()
}

// ListInputDevices lists the microphones for the settings.
func (a *App) ListInputDevices() ([]InputDevice, error) {
	q, err := a.quickRecorder()
	if err != nil {
		return nil, err
	}
	ds, err := q.Devices(a.background())
	if err != nil {
		return nil, fmt.Errorf("list microphones: %w", err)
	}
	if ds == nil {
		ds = []InputDevice{}
	}
	return ds, nil
}

// ShowTranscript asks the window to open the transcript with this id (the tray's "last transcript"
// item). It is a function, not a method, so that it is not bound to the page.
func ShowTranscript(a *App, id string) { a.emit(EventShowTranscript, id) }
