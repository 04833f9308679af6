package capturetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
)

// Player is a capture.Backend whose devices hear fixed audio in real time, like a microphone next
// to a loudspeaker: each opened stream delivers its device's samples from the start, paced by the
// clock, and then silence until it is closed. The dev server uses it to give a browser test a
// microphone that says something known.
type Player struct {
	// List is what Devices returns; Open accepts "" (the entry with Default, or the first) and the
	// IDs in List.
	List []capture.Device
	// Audio holds, by device ID, what the device hears (16 kHz mono); a device without an entry
	// hears silence.
	Audio map[string][]float32
	// Lose holds, by device ID, how long after Start the device disappears (its stream stops
	// delivering and reports capture.ErrDeviceLost through the sink); a device without an entry
	// stays.
	Lose map[string]time.Duration
	// Block is the length of one delivery (0 = 20 ms).
	Block time.Duration
}

// Devices implements capture.Backend.
func (p *Player) Devices(context.Context) ([]capture.Device, error) {
	return append([]capture.Device(nil), p.List...), nil
}

// Open implements capture.Backend.
func (p *Player) Open(_ context.Context, id string, sink capture.Sink) (capture.Stream, capture.Device, error) {
	var dev capture.Device
	found := false
	for i, d := range p.List {
		if (id != "" && d.ID == id) || (id == "" && (d.Default || (i == 0 && !found))) {
			dev, found = d, true
			if id != "" || d.Default {
				break
			}
		}
	}
	if !found {
		return nil, capture.Device{}, fmt.Errorf("%w: %q", capture.ErrNoDevice, id)
	}
	block := p.Block
	if block <= 0 {
		block = 20 * time.Millisecond
	}
	return &playerStream{audio: p.Audio[dev.ID], lose: p.Lose[dev.ID], block: block, sink: sink, stop: make(chan struct{})}, dev, nil
}

type playerStream struct {
	audio []float32
	lose  time.Duration
	block time.Duration
	sink  capture.Sink

	once    sync.Once
	stop    chan struct{}
	wg      sync.WaitGroup
	started bool
}

// Start implements capture.Stream.
func (s *playerStream) Start() error {
	if s.started {
		return fmt.Errorf("capturetest: player stream started twice")
	}
	s.started = true
	s.wg.Add(1)
	go s.play()
	return nil
}

// play delivers what the clock says is due at every tick, so that a late tick catches up rather
// than slowing the recording down.
func (s *playerStream) play() {
	defer s.wg.Done()
	t := time.NewTicker(s.block)
	defer t.Stop()
	begin := time.Now()
	sent := 0
	silence := make([]float32, 0, int(s.block*capture.SampleRate/time.Second)*4)
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			if s.lose > 0 && now.Sub(begin) >= s.lose {
				if s.sink.Stopped != nil {
					s.sink.Stopped(fmt.Errorf("%w: the pretend device was unplugged", capture.ErrDeviceLost))
				}
				return
			}
			due := int(now.Sub(begin) * capture.SampleRate / time.Second)
			for sent < due {
				k := min(due-sent, cap(silence))
				if sent < len(s.audio) {
					k = min(k, len(s.audio)-sent)
					s.sink.Data(s.audio[sent : sent+k])
				} else {
					s.sink.Data(silence[:k])
				}
				sent += k
			}
		}
	}
}

// Close implements capture.Stream: no Data call starts after it returns.
func (s *playerStream) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	return nil
}
