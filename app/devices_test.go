package app_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
)

// gpuEngines is an Engines that opens on a device like internal/engine does: "auto" and "Vulkan0"
// run on Vulkan0 unless broken is set, in which case they run on the CPU and say why.
type gpuEngines struct {
	apptest.Engines
	broken string
	mu     sync.Mutex
	asked  []string
}

type onDevice struct {
	app.Transcriber
	rd app.RunDevice
}

func (o onDevice) RunDevice() app.RunDevice { return o.rd }

func (g *gpuEngines) OpenOn(path, device string) (app.Transcriber, error) {
	g.mu.Lock()
	g.asked = append(g.asked, device)
	g.mu.Unlock()
	t, err := g.Engines.Open(path, device != app.DeviceCPU)
	if err != nil {
		return nil, err
	}
	rd := app.RunDevice{Device: "Vulkan0", Description: "llvmpipe"}
	switch {
	case device == app.DeviceCPU:
		rd = app.RunDevice{Device: "CPU"}
	case g.broken != "":
		rd = app.RunDevice{Device: "CPU", Fallback: g.broken}
	}
	return onDevice{t, rd}, nil
}

type fakeDevices struct{ err error }

func (d fakeDevices) List(context.Context) (app.ComputeDevices, error) {
	if d.err != nil {
		return app.ComputeDevices{}, d.err
	}
	return app.ComputeDevices{Auto: "Vulkan0", Devices: []app.ComputeDevice{
		{ID: "CPU", Type: "cpu", Backend: "CPU", Usable: true},
		{ID: "Vulkan0", Type: "gpu", Backend: "Vulkan", Description: "llvmpipe", MemoryTotal: 2 << 30, MemoryFree: 1 << 30, Usable: true},
	}}, nil
}

func (fakeDevices) MemoryNeeded(path string) (uint64, error) {
	if path == "" {
		return 0, errors.New("no path")
	}
	return 123 << 20, nil
}

// syncBuffer is a log sink safe for the workers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDeviceFallbackIsToldOnce: a chosen GPU that fails gives CPU jobs that record the device and
// the reason, one device:fallback event for the loaded model, and the same reason in the log.
func TestDeviceFallbackIsToldOnce(t *testing.T) {
	const reason = "Vulkan0 is not available: the Vulkan driver could not be started (no Vulkan driver installed, or it is broken); transcribing on the CPU instead"
	eng := &gpuEngines{broken: reason}
	var log syncBuffer
	f := newFixture(t, func(d *app.Deps) {
		d.Engines = eng
		d.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	s, _ := f.app.GetSettings()
	s.Device = "Vulkan0"
	if _, err := f.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.wav", "b.wav"} {
		jobs, err := f.app.AddFiles([]string{f.audio(t, name, 2, 1)}, app.JobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		j := f.waitJob(t, jobs[0].ID)
		if j.State != app.JobDone || j.Device != "CPU" || j.DeviceNote != reason || j.Speed <= 0 {
			t.Fatalf("job %s: state %s device %q note %q speed %v", name, j.State, j.Device, j.DeviceNote, j.Speed)
		}
	}
	var told []app.DeviceFallback
	for _, e := range f.rt.Events() {
		if e.Name == app.EventDeviceFallback {
			told = append(told, e.Data.(app.DeviceFallback))
		}
	}
	if len(told) != 1 || told[0].Reason != reason || told[0].Wanted != "Vulkan0" || told[0].Device != "CPU" {
		t.Fatalf("device:fallback events %+v, want one with the reason", told)
	}
	if !strings.Contains(log.String(), "driver could not be started") {
		t.Fatalf("the log does not say why: %q", log.String())
	}
	if strings.Join(eng.asked, ",") != "Vulkan0" {
		t.Fatalf("opened on %v, want Vulkan0 once (the model stays loaded)", eng.asked)
	}
}

// TestJobRecordsDevice: Auto runs on the GPU, CPU on the CPU, each recorded with no note.
func TestJobRecordsDevice(t *testing.T) {
	eng := &gpuEngines{}
	f := newFixture(t, func(d *app.Deps) { d.Engines = eng })
	for _, tc := range []struct{ choice, want string }{{"auto", "Vulkan0"}, {"cpu", "CPU"}} {
		s, _ := f.app.GetSettings()
		s.Device = tc.choice
		if _, err := f.app.SaveSettings(s); err != nil {
			t.Fatal(err)
		}
		jobs, err := f.app.AddFiles([]string{f.audio(t, tc.choice+".wav", 1, 1)}, app.JobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		j := f.waitJob(t, jobs[0].ID)
		if j.Device != tc.want || j.DeviceNote != "" || j.Speed <= 0 {
			t.Fatalf("%s: device %q note %q speed %v", tc.choice, j.Device, j.DeviceNote, j.Speed)
		}
	}
	for _, e := range f.rt.Events() {
		if e.Name == app.EventDeviceFallback {
			t.Fatalf("fallback event without a fallback: %+v", e.Data)
		}
	}
}

func TestComputeDevices(t *testing.T) {
	f := newFixture(t, func(d *app.Deps) { d.Devices = fakeDevices{} })
	got, err := f.app.ComputeDevices()
	if err != nil {
		t.Fatal(err)
	}
	if got.Auto != "Vulkan0" || len(got.Devices) != 2 || got.Selected != "auto" || got.ModelMemory != 123<<20 || got.Notes == nil {
		t.Fatalf("ComputeDevices = %+v", got)
	}
	f = newFixture(t, func(d *app.Deps) { d.Devices = fakeDevices{err: errors.New("ggml broke")} })
	if _, err := f.app.ComputeDevices(); err == nil || !strings.Contains(err.Error(), "ggml broke") {
		t.Fatalf("err = %v", err)
	}
	f = newFixture(t, nil)
	if _, err := f.app.ComputeDevices(); !errors.Is(err, app.ErrUnavailable) {
		t.Fatalf("no Devices: err = %v", err)
	}
}

func TestSettingsDevice(t *testing.T) {
	f := newFixture(t, nil)
	s, _ := f.app.GetSettings()
	if s.Device != app.DeviceAuto || s.DeviceChoice() != "auto" {
		t.Fatalf("default device %q", s.Device)
	}
	for _, bad := range []string{"Vulkan 0", "../x", strings.Repeat("a", 65)} {
		s.Device = bad
		if _, err := f.app.SaveSettings(s); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("SaveSettings(device %q) = %v, want ErrInvalid", bad, err)
		}
	}
	// A settings file from before the device choice: UseGPU decides.
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte(`{"useGpu": false, "language": "auto", "level": "standard"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := app.NewSettingsFile(p).Load()
	if err != nil || old.DeviceChoice() != "cpu" {
		t.Fatalf("old settings: device choice %q, err %v", old.DeviceChoice(), err)
	}
	if err := os.WriteFile(p, []byte(`{"useGpu": false, "device": "Vulkan0", "language": "auto", "level": "standard"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := app.NewSettingsFile(p).Load(); err != nil || s.DeviceChoice() != "Vulkan0" {
		t.Fatalf("device choice %q, err %v", s.DeviceChoice(), err)
	}
}
