// Package capture records speech from a microphone into memory.
//
// A Recording pulls 16 kHz mono float32 samples from a Backend (the real one is
// Malgo, miniaudio through github.com/gen2brain/malgo; tests inject their own)
// and keeps them in memory only: nothing is ever written to a file. While it
// runs it reports the input level (RMS and peak in dBFS) through Config.OnLevel,
// and it stops when asked (Stop), when its context is cancelled, after
// Config.SilenceTimeout of continuous silence, at Config.MaxDuration, or when the
// device goes away. A lost device ends the recording with an error matching
// ErrDeviceLost, and the samples recorded up to then are kept in the Result.
//
// Samples live in fixed-size chunks that are never reallocated, so no stale
// copy of the audio is left behind by a growing slice; Result.Wipe overwrites
// the final buffer with zeros once the caller is done with it.
package capture

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SampleRate is the rate of every sample a Backend delivers and a Recording keeps.
const SampleRate = 16000

// Defaults for the zero values of Config.
const (
	DefaultSilenceThreshold = -45.0 // dBFS
	DefaultLevelInterval    = 100 * time.Millisecond
	DefaultMaxDuration      = 30 * time.Minute
	DefaultStallTimeout     = 3 * time.Second
)

// Sentinel errors.
var (
	// ErrDeviceLost means the capture device disappeared or stopped delivering audio while recording.
	ErrDeviceLost = errors.New("capture: input device lost")
	// ErrNoDevice means the requested device does not exist.
	ErrNoDevice = errors.New("capture: no such input device")
	// ErrBackend wraps failures of the audio system itself (no sound server, device busy, ...).
	ErrBackend = errors.New("capture: audio backend error")
)

// DeviceLostError reports a device that went away mid-recording. It matches ErrDeviceLost with
// errors.Is; the samples recorded before the loss are in the Result.
type DeviceLostError struct {
	Device   string        // the device's name, or "default input"
	Recorded time.Duration // how much audio was kept
	Cause    error         // what the backend said, if anything
}

func (e *DeviceLostError) Error() string {
	msg := fmt.Sprintf("capture: lost the microphone %q after %s of recording; the audio recorded until then was kept",
		e.Device, e.Recorded.Round(100*time.Millisecond))
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrDeviceLost) true.
func (e *DeviceLostError) Is(target error) bool { return target == ErrDeviceLost }

// Unwrap returns the backend's cause.
func (e *DeviceLostError) Unwrap() error { return e.Cause }

// Device is one input device.
type Device struct {
	// ID identifies the device to its Backend and stays the same across runs for the same device
	// (for Malgo: the hex form of the backend's device id, e.g. a PulseAudio source name). Keep it to
	// remember the user's choice; "" always means the system default input.
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// Sink receives what a Stream produces.
type Sink struct {
	// Data gets 16 kHz mono samples, on the backend's audio thread. The slice is only valid during
	// the call.
	Data func(samples []float32)
	// Stopped is called (at most once, on any goroutine) when the stream ends on its own: the device
	// disappeared, was suspended or failed. It is not called for a stream that Close stopped.
	Stopped func(err error)
}

// Stream is an open capture stream.
type Stream interface {
	// Start begins delivering samples to the Sink.
	Start() error
	// Close stops the stream and releases it. No Sink call starts after Close returns.
	Close() error
}

// Backend is an audio system that can list and open input devices.
type Backend interface {
	// Devices lists the input devices.
	Devices(ctx context.Context) ([]Device, error)
	// Open prepares a stream from the device with the given ID ("" = the default input) that
	// delivers 16 kHz mono float32 samples to sink. It returns an error matching ErrNoDevice for an
	// unknown ID. The returned Device describes what was opened.
	Open(ctx context.Context, id string, sink Sink) (Stream, Device, error)
}

// Level is the input level over one Config.LevelInterval.
type Level struct {
	RMS     float64       `json:"rms"`     // dBFS, MinDBFS for digital silence
	Peak    float64       `json:"peak"`    // dBFS
	Silent  bool          `json:"silent"`  // RMS below Config.SilenceThreshold
	Elapsed time.Duration `json:"elapsed"` // audio recorded so far
}

// Config configures a Recording. The zero value records from the default input with the defaults
// above and no silence timeout.
type Config struct {
	// DeviceID selects the input ("" = default). See Device.ID.
	DeviceID string
	// SilenceTimeout stops the recording after this much continuous silence (counted from the
	// start too). Zero disables it.
	SilenceTimeout time.Duration
	// SilenceThreshold is the RMS level in dBFS below which an interval counts as silent
	// (0 = DefaultSilenceThreshold).
	SilenceThreshold float64
	// MaxDuration stops the recording when this much audio is held (0 = DefaultMaxDuration). It
	// bounds memory use: 4 bytes per sample, 230 MB per hour.
	MaxDuration time.Duration
	// LevelInterval is the length of audio each Level covers (0 = DefaultLevelInterval).
	LevelInterval time.Duration
	// OnLevel, when set, receives a Level for each interval on its own goroutine, in order. A slow
	// OnLevel misses levels instead of slowing the recording.
	OnLevel func(Level)
	// StallTimeout ends the recording with ErrDeviceLost when the device delivers nothing for this
	// long (0 = DefaultStallTimeout, negative = never). Some audio systems keep a stream open but
	// silent when its device is removed.
	StallTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.SilenceThreshold == 0 {
		c.SilenceThreshold = DefaultSilenceThreshold
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.LevelInterval <= 0 {
		c.LevelInterval = DefaultLevelInterval
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	return c
}

// StopReason says why a recording ended.
type StopReason int

const (
	StoppedByUser     StopReason = iota // Stop was called
	StoppedSilence                      // Config.SilenceTimeout of silence
	StoppedLimit                        // Config.MaxDuration reached
	StoppedDeviceLost                   // the device went away; Result.Err matches ErrDeviceLost
	StoppedCancelled                    // the context passed to Start was cancelled
)

var reasonNames = [...]string{"stopped", "silence", "limit", "device lost", "cancelled"}

func (r StopReason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Result is a finished recording.
type Result struct {
	// Samples is the recorded audio, 16 kHz mono. The caller owns it; call Wipe when done.
	Samples []float32
	Reason  StopReason
	// Err is set when the recording ended abnormally (a *DeviceLostError for StoppedDeviceLost).
	// Samples are valid either way.
	Err    error
	Device Device
}

// Duration is the length of the recorded audio.
func (r *Result) Duration() time.Duration { return samplesDuration(len(r.Samples)) }

// Wipe overwrites the samples with zeros and drops them.
func (r *Result) Wipe() {
	clear(r.Samples)
	r.Samples = nil
}

func samplesDuration(n int) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}

func durationSamples(d time.Duration) int {
	return int(d * SampleRate / time.Second)
}
