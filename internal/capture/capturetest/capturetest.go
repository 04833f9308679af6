// Package capturetest provides a scripted capture.Backend for tests: a test feeds known samples
// into an open stream, makes the device disappear, or lets it stall.
package capturetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/hushscribe/hushscribe/internal/capture"
)

// Backend is a fake capture.Backend with fixed devices. Open streams are reached through Streams.
type Backend struct {
	// List is what Devices returns. Open accepts "" (the entry with Default, or the first) and the
	// IDs in List.
	List []capture.Device
	// OpenErr, when set, is returned by Open.
	OpenErr error

	mu      sync.Mutex
	streams []*Stream
	opened  chan *Stream
}

// New returns a Backend with one default device named "Fake microphone".
func New() *Backend {
	return &Backend{List: []capture.Device{{ID: "fake0", Name: "Fake microphone", Default: true}}}
}

// Devices implements capture.Backend.
func (b *Backend) Devices(ctx context.Context) ([]capture.Device, error) {
	return append([]capture.Device(nil), b.List...), nil
}

// Open implements capture.Backend.
func (b *Backend) Open(ctx context.Context, id string, sink capture.Sink) (capture.Stream, capture.Device, error) {
	if b.OpenErr != nil {
		return nil, capture.Device{}, b.OpenErr
	}
	var dev capture.Device
	found := false
	for i, d := range b.List {
		if d.ID == id || (id == "" && (d.Default || i == 0)) {
			dev, found = d, true
			if id != "" || d.Default {
				break
			}
		}
	}
	if !found {
		return nil, capture.Device{}, fmt.Errorf("%w: %q", capture.ErrNoDevice, id)
	}
	s := &Stream{Device: dev, sink: sink, started: make(chan struct{})}
	b.mu.Lock()
	b.streams = append(b.streams, s)
	ch := b.opened
	b.mu.Unlock()
	if ch != nil {
		ch <- s
	}
	return s, dev, nil
}

// Opened returns a channel that receives every stream opened from now on. Call it before the
// code under test opens a stream; the channel is buffered for 16 streams.
func (b *Backend) Opened() <-chan *Stream {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opened == nil {
		b.opened = make(chan *Stream, 16)
	}
	return b.opened
}

// Streams returns the streams opened so far.
func (b *Backend) Streams() []*Stream {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*Stream(nil), b.streams...)
}

// Stream is a fake capture.Stream. Feed delivers samples as the device would.
type Stream struct {
	Device capture.Device

	sink    capture.Sink
	mu      sync.Mutex
	state   int // 0 new, 1 started, 2 closed, 3 lost
	started chan struct{}
}

// ErrClosed is returned by Feed on a closed or lost stream.
var ErrClosed = errors.New("capturetest: stream closed")

// Start implements capture.Stream.
func (s *Stream) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 0 {
		return errors.New("capturetest: stream started twice or closed")
	}
	s.state = 1
	close(s.started)
	return nil
}

// Started is closed once Start was called.
func (s *Stream) Started() <-chan struct{} { return s.started }

// Close implements capture.Stream.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == 1 || s.state == 0 {
		s.state = 2
	}
	return nil
}

// Closed reports whether Close was called (or the device was lost).
func (s *Stream) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state >= 2
}

// Feed delivers samples in blocks of block samples (all at once when block <= 0), like an audio
// callback would. It returns ErrClosed once the stream no longer delivers.
func (s *Stream) Feed(samples []float32, block int) error {
	if block <= 0 {
		block = len(samples)
	}
	for len(samples) > 0 {
		k := min(block, len(samples))
		s.mu.Lock() // held during the callback, as a real backend's Close waits for its callback
		if s.state != 1 {
			s.mu.Unlock()
			return ErrClosed
		}
		s.sink.Data(samples[:k])
		s.mu.Unlock()
		samples = samples[k:]
	}
	return nil
}

// Lose makes the device disappear: the stream stops delivering and reports err through the sink.
func (s *Stream) Lose(err error) {
	s.mu.Lock()
	if s.state != 1 {
		s.mu.Unlock()
		return
	}
	s.state = 3
	s.mu.Unlock()
	if s.sink.Stopped != nil {
		s.sink.Stopped(err)
	}
}

// Sine returns d seconds of a sine wave at freq Hz with the given peak amplitude, at 16 kHz.
func Sine(seconds float64, freq, amplitude float64) []float32 {
	n := int(seconds * capture.SampleRate)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(amplitude * math.Sin(2*math.Pi*freq*float64(i)/capture.SampleRate))
	}
	return out
}

// Silence returns seconds of zeros at 16 kHz.
func Silence(seconds float64) []float32 {
	return make([]float32, int(seconds*capture.SampleRate))
}
