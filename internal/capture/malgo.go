package capture

// #include <stdlib.h>
import "C"

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// MalgoConfig configures the miniaudio backend.
type MalgoConfig struct {
	// Backends lists the audio systems to try, in order, by name: "pulseaudio", "alsa", "jack",
	// "wasapi", "dsound", "winmm", "coreaudio", "sndio", "audio4", "oss", "null". Empty means
	// miniaudio's default order for the platform (PulseAudio, then ALSA, then JACK on Linux).
	Backends []string
	// PeriodMillis is how much audio each callback carries (0 = 50 ms). Longer periods wake the CPU
	// less often.
	PeriodMillis int
	// Logf, when set, receives miniaudio's log messages.
	Logf func(format string, args ...any)
}

var backendNames = map[string]malgo.Backend{
	"wasapi": malgo.BackendWasapi, "dsound": malgo.BackendDsound, "winmm": malgo.BackendWinmm,
	"coreaudio": malgo.BackendCoreaudio, "sndio": malgo.BackendSndio, "audio4": malgo.BackendAudio4,
	"oss": malgo.BackendOss, "pulseaudio": malgo.BackendPulseaudio, "alsa": malgo.BackendAlsa,
	"jack": malgo.BackendJack, "null": malgo.BackendNull,
}

// Malgo is the real Backend: miniaudio through github.com/gen2brain/malgo. It converts whatever the
// device delivers to 16 kHz mono float32. Close it when done.
type Malgo struct {
	cfg MalgoConfig
	ctx *malgo.AllocatedContext
}

// NewMalgo initialises miniaudio with the first backend in cfg.Backends that works.
func NewMalgo(cfg MalgoConfig) (*Malgo, error) {
	var backends []malgo.Backend
	for _, name := range cfg.Backends {
		b, ok := backendNames[strings.ToLower(name)]
		if !ok {
			return nil, fmt.Errorf("capture: unknown audio backend %q", name)
		}
		backends = append(backends, b)
	}
	var logProc malgo.LogProc
	if cfg.Logf != nil {
		logProc = func(msg string) { cfg.Logf("miniaudio: %s", strings.TrimSpace(msg)) }
	}
	ctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, logProc)
	if err != nil {
		return nil, fmt.Errorf("%w: init miniaudio: %v", ErrBackend, err)
	}
	return &Malgo{cfg: cfg, ctx: ctx}, nil
}

// Close releases miniaudio. Streams must be closed first.
func (m *Malgo) Close() error {
	err := m.ctx.Uninit()
	m.ctx.Free()
	if err != nil {
		return fmt.Errorf("%w: uninit miniaudio: %v", ErrBackend, err)
	}
	return nil
}

// Devices lists the capture devices.
func (m *Malgo) Devices(ctx context.Context) ([]Device, error) {
	infos, err := m.ctx.Devices(malgo.Capture)
	if err != nil {
		return nil, fmt.Errorf("%w: list capture devices: %v", ErrBackend, err)
	}
	devs := make([]Device, 0, len(infos))
	for _, in := range infos {
		devs = append(devs, Device{ID: in.ID.String(), Name: in.Name(), Default: in.IsDefault != 0})
	}
	return devs, nil
}

// Open opens a capture stream. id is a Device.ID from Devices, or "" for the default input.
func (m *Malgo) Open(ctx context.Context, id string, sink Sink) (Stream, Device, error) {
	dev := Device{ID: id, Name: "default input", Default: id == ""}
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatF32
	cfg.Capture.Channels = 1
	cfg.SampleRate = SampleRate
	cfg.PeriodSizeInMilliseconds = 50
	if m.cfg.PeriodMillis > 0 {
		cfg.PeriodSizeInMilliseconds = uint32(m.cfg.PeriodMillis)
	}
	cfg.PerformanceProfile = malgo.Conservative
	cfg.Pulse.StreamNameCapture = "Hushscribe recording"
	if id != "" {
		devs, err := m.Devices(ctx)
		if err != nil {
			return nil, dev, err
		}
		found := false
		for _, d := range devs {
			if d.ID == id {
				dev, found = d, true
				break
			}
		}
		if !found {
			return nil, dev, fmt.Errorf("%w: %q", ErrNoDevice, id)
		}
		raw, err := hex.DecodeString(id)
		var mid malgo.DeviceID
		if err != nil || len(raw) > len(mid) {
			return nil, dev, fmt.Errorf("%w: malformed device id %q", ErrNoDevice, id)
		}
		copy(mid[:], raw)
		p := mid.Pointer() // C copy; miniaudio copies it again during init
		defer C.free(p)
		cfg.Capture.DeviceID = p
	} else if devs, err := m.Devices(ctx); err == nil {
		for _, d := range devs {
			if d.Default {
				dev.Name = d.Name
			}
		}
	}

	s := &malgoStream{sink: sink}
	d, err := malgo.InitDevice(m.ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: s.data,
		Stop: s.stopped,
	})
	if err != nil {
		return nil, dev, fmt.Errorf("%w: open %q: %v", ErrBackend, dev.Name, err)
	}
	s.dev = d
	return s, dev, nil
}

type malgoStream struct {
	sink Sink
	dev  *malgo.Device

	mu      sync.Mutex
	closing bool
	closed  bool
}

func (s *malgoStream) data(_, in []byte, frames uint32) {
	if len(in) < int(frames)*4 || frames == 0 {
		return
	}
	s.sink.Data(unsafe.Slice((*float32)(unsafe.Pointer(&in[0])), frames))
}

// stopped is miniaudio's stop notification: after our own Stop, or when the device went away or
// was suspended by the sound server.
func (s *malgoStream) stopped() {
	s.mu.Lock()
	closing := s.closing
	s.closing = true // report at most once
	s.mu.Unlock()
	if !closing && s.sink.Stopped != nil {
		s.sink.Stopped(errors.New("the audio system stopped the input stream"))
	}
}

func (s *malgoStream) Start() error {
	if err := s.dev.Start(); err != nil {
		return fmt.Errorf("%w: start: %v", ErrBackend, err)
	}
	return nil
}

func (s *malgoStream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closing, s.closed = true, true
	s.mu.Unlock()
	// Stop first: it wakes the device thread through the backend (miniaudio's Uninit alone does
	// not, and hangs on a PulseAudio stream the server has killed, e.g. after its source was
	// removed). Uninit then waits for the thread, so no callback runs after it returns.
	var err error
	if s.dev.IsStarted() {
		if e := s.dev.Stop(); e != nil {
			err = fmt.Errorf("%w: stop: %v", ErrBackend, e)
		}
	}
	s.dev.Uninit()
	return err
}
