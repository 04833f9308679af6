package capture

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Recording is a capture in progress. Its methods are safe for concurrent use.
type Recording struct {
	cfg    Config
	stream Stream
	device Device

	frameSamples   int // samples per Level
	silenceSamples int // SilenceTimeout in samples, 0 = off
	maxSamples     int

	mu        sync.Mutex
	buf       buffer
	frame     meter
	framed    int // samples covered by emitted Levels
	silentRun int // samples of continuous silence, at Level granularity
	lastData  time.Time
	full      bool // a stop condition was met in the audio: take no more samples
	ended     bool

	stopCh chan stopEvent // first request wins
	levels chan Level
	done   chan struct{}
	result Result
}

// closeTimeout bounds how long finish waits for Stream.Close.
const closeTimeout = 5 * time.Second

type stopEvent struct {
	reason StopReason
	err    error
}

// Start opens the configured device on b and starts recording. The recording runs until Stop, until
// ctx is cancelled, or until it stops on its own (see Config); Done is closed then.
func Start(ctx context.Context, b Backend, cfg Config) (*Recording, error) {
	cfg = cfg.withDefaults()
	r := &Recording{
		cfg:            cfg,
		frameSamples:   max(durationSamples(cfg.LevelInterval), 1),
		silenceSamples: durationSamples(cfg.SilenceTimeout),
		maxSamples:     max(durationSamples(cfg.MaxDuration), 1),
		stopCh:         make(chan stopEvent, 1),
		levels:         make(chan Level, 32),
		done:           make(chan struct{}),
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stream, dev, err := b.Open(ctx, cfg.DeviceID, Sink{
		Data:    r.write,
		Stopped: func(err error) { r.request(StoppedDeviceLost, err) },
	})
	if err != nil {
		return nil, fmt.Errorf("open input device: %w", err)
	}
	r.stream, r.device = stream, dev
	r.mu.Lock()
	r.lastData = time.Now()
	r.mu.Unlock()
	if err := stream.Start(); err != nil {
		r.mu.Lock()
		r.ended = true
		r.buf.wipe()
		r.mu.Unlock()
		stream.Close()
		return nil, fmt.Errorf("start input device %q: %w", dev.Name, err)
	}
	go r.run(ctx)
	go r.deliverLevels()
	return r, nil
}

// Device describes the device being recorded.
func (r *Recording) Device() Device { return r.device }

// Done is closed when the recording has ended, for whatever reason.
func (r *Recording) Done() <-chan struct{} { return r.done }

// Stop ends the recording (if it has not ended already) and returns its result. Calling it again
// returns the same result.
func (r *Recording) Stop() Result {
	r.request(StoppedByUser, nil)
	return r.Wait()
}

// Wait blocks until the recording has ended and returns its result.
func (r *Recording) Wait() Result {
	<-r.done
	return r.result
}

// Elapsed is the length of the audio recorded so far.
func (r *Recording) Elapsed() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return samplesDuration(r.buf.len())
}

// Tail returns a copy of the last d of recorded audio (less at the start), or nil once the
// recording has ended. The caller should clear the copy when done with it.
func (r *Recording) Tail(d time.Duration) []float32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	return r.buf.tail(durationSamples(d))
}

func (r *Recording) request(reason StopReason, err error) {
	select {
	case r.stopCh <- stopEvent{reason, err}:
	default:
	}
}

// write is the Sink's Data callback, on the audio thread.
func (r *Recording) write(samples []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastData = time.Now()
	if r.ended || r.full {
		return
	}
	limit := false
	if room := r.maxSamples - r.buf.len(); len(samples) >= room {
		samples, limit = samples[:room], true
	}
	for len(samples) > 0 && !r.full {
		k := min(r.frameSamples-r.frame.n, len(samples))
		r.buf.append(samples[:k])
		r.frame.add(samples[:k])
		samples = samples[k:]
		if r.frame.n == r.frameSamples {
			r.emitLevel()
		}
	}
	if limit && !r.full {
		r.full = true
		r.request(StoppedLimit, nil)
	}
}

// emitLevel closes the current level frame. r.mu is held.
func (r *Recording) emitLevel() {
	rms, peak := r.frame.levels()
	r.framed += r.frame.n
	r.frame.reset()
	silent := rms < r.cfg.SilenceThreshold
	if silent {
		r.silentRun += r.frameSamples
	} else {
		r.silentRun = 0
	}
	if r.cfg.OnLevel != nil {
		select {
		case r.levels <- Level{RMS: rms, Peak: peak, Silent: silent, Elapsed: samplesDuration(r.framed)}:
		default: // the consumer is behind: drop this level rather than block the audio thread
		}
	}
	if r.silenceSamples > 0 && r.silentRun >= r.silenceSamples {
		r.full = true
		r.request(StoppedSilence, nil)
	}
}

func (r *Recording) deliverLevels() {
	for l := range r.levels {
		r.cfg.OnLevel(l)
	}
}

func (r *Recording) run(ctx context.Context) {
	var tick <-chan time.Time
	if r.cfg.StallTimeout > 0 {
		t := time.NewTicker(max(r.cfg.StallTimeout/4, 10*time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case ev := <-r.stopCh:
			r.finish(ev)
			return
		case <-ctx.Done():
			r.finish(stopEvent{StoppedCancelled, ctx.Err()})
			return
		case now := <-tick:
			r.mu.Lock()
			idle := now.Sub(r.lastData)
			r.mu.Unlock()
			if idle >= r.cfg.StallTimeout {
				r.finish(stopEvent{StoppedDeviceLost, fmt.Errorf("no audio for %s", idle.Round(time.Millisecond))})
				return
			}
		}
	}
}

func (r *Recording) finish(ev stopEvent) {
	r.mu.Lock()
	r.ended = true
	close(r.levels) // no send can follow: sends happen under mu while !ended
	r.mu.Unlock()

	// Close outside the lock: it waits for the audio thread, which may be blocked in write. A
	// backend that never returns is left behind rather than hanging the caller.
	closed := make(chan error, 1)
	go func() { closed <- r.stream.Close() }()
	var closeErr error
	select {
	case closeErr = <-closed:
	case <-time.After(closeTimeout):
		closeErr = fmt.Errorf("%w: the audio system did not release the device within %s", ErrBackend, closeTimeout)
	}

	r.mu.Lock()
	samples := r.buf.take()
	r.mu.Unlock()

	res := Result{Samples: samples, Reason: ev.reason, Err: ev.err, Device: r.device}
	if ev.reason == StoppedDeviceLost {
		name := r.device.Name
		if name == "" {
			name = "default input"
		}
		res.Err = &DeviceLostError{Device: name, Recorded: res.Duration(), Cause: ev.err}
	} else if res.Err == nil && closeErr != nil {
		res.Err = fmt.Errorf("close input device: %w", closeErr)
	}
	r.result = res
	close(r.done)
}
