package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// EventDeviceFallback is sent once each time a model is loaded on the CPU although another device
// was chosen in Settings; payload DeviceFallback.
const EventDeviceFallback = "device:fallback"

// Compute device choices besides a device name (Settings.Device).
const (
	DeviceAuto = "auto" // the best GPU that works, else the CPU
	DeviceCPU  = "cpu"
)

// ComputeDevice is one device whisper.cpp can run on, for the Settings picker.
type ComputeDevice struct {
	ID          string `json:"id"`          // what Settings.Device stores: "CPU", "Vulkan0", "CUDA0"
	Description string `json:"description"` // the hardware
	Backend     string `json:"backend"`     // "CPU", "Vulkan", "CUDA", "Metal"
	Type        string `json:"type"`        // "cpu", "gpu", "igpu", "accel"
	MemoryTotal uint64 `json:"memoryTotal"` // bytes
	MemoryFree  uint64 `json:"memoryFree"`  // bytes
	Usable      bool   `json:"usable"`      // whisper can run on it (accelerators only help the CPU)
}

// ComputeDevices is the device list with what Auto means here.
type ComputeDevices struct {
	Devices []ComputeDevice `json:"devices"`
	Auto    string          `json:"auto"`  // the device ID "auto" picks now
	Notes   []string        `json:"notes"` // why a GPU module found no GPU, in words
	// Selected is the remembered choice (Settings.Device): "auto", "cpu" or a device ID.
	Selected string `json:"selected"`
	// ModelMemory is the estimated memory in bytes the default model needs on a GPU (0 when no model is installed).
	ModelMemory uint64 `json:"modelMemory"`
}

// DeviceFallback says why a model runs on the CPU although another device was chosen.
type DeviceFallback struct {
	Wanted string `json:"wanted"` // the choice: "auto" or a device ID
	Device string `json:"device"` // where it runs: "CPU"
	Reason string `json:"reason"` // in words
}

// Devices lists compute devices (internal/devices through app/wire).
type Devices interface {
	List(ctx context.Context) (ComputeDevices, error)
	// MemoryNeeded estimates the memory in bytes a model file needs on a GPU.
	MemoryNeeded(modelPath string) (uint64, error)
}

// DeviceEngines is an Engines that can open a model on a chosen device ("auto", "cpu" or a device
// ID). Engines without it get Open(path, device != "cpu").
type DeviceEngines interface {
	OpenOn(modelPath, device string) (Transcriber, error)
}

// RunDevice is where a loaded model runs.
type RunDevice struct {
	Device      string // device ID: "CPU", "Vulkan0"
	Description string // the hardware
	Fallback    string // why it is not the chosen device ("" when it is)
}

// DeviceReporter is a Transcriber that says where it runs.
type DeviceReporter interface {
	RunDevice() RunDevice
}

// ComputeDevices lists the compute devices for the Settings picker, with the remembered choice and
// the memory the default model needs (shown before a large model is loaded on a GPU).
func (a *App) ComputeDevices() (ComputeDevices, error) {
	if a.d.Devices == nil {
		return ComputeDevices{}, unavailable("device list")
	}
	out, err := a.d.Devices.List(a.background())
	if err != nil {
		return ComputeDevices{}, fmt.Errorf("list compute devices: %w", err)
	}
	set, err := a.d.Settings.Load()
	if err != nil && !errors.Is(err, ErrInvalid) {
		return ComputeDevices{}, err
	}
	out.Selected = set.DeviceChoice()
	if out.Devices == nil {
		out.Devices = []ComputeDevice{}
	}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	if a.d.Models != nil {
		if p, err := a.d.Models.Path(a.background(), set.Model); err == nil {
			if n, err := a.d.Devices.MemoryNeeded(p); err == nil {
				out.ModelMemory = n
			}
		}
	}
	return out, nil
}

// DeviceChoice is the effective device choice: Device, or for settings from before it existed, UseGPU.
func (s Settings) DeviceChoice() string {
	if s.Device != "" {
		return s.Device
	}
	if s.UseGPU {
		return DeviceAuto
	}
	return DeviceCPU
}

// validDevice reports whether d may be stored in Settings.Device: "" (follow UseGPU), "auto",
// "cpu" or a device ID (letters, digits, '_', '-', '.'); an absent device is allowed (unplugged).
func validDevice(d string) bool {
	if len(d) > 64 {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// openOn opens a model on a device through e.
func openOn(e Engines, path, device string) (Transcriber, error) {
	if de, ok := e.(DeviceEngines); ok {
		return de.OpenOn(path, device)
	}
	return e.Open(path, !strings.EqualFold(device, DeviceCPU))
}

// runDevice says where t runs ("" device when it cannot tell).
func runDevice(t Transcriber) RunDevice {
	if r, ok := t.(DeviceReporter); ok {
		return r.RunDevice()
	}
	return RunDevice{}
}

// speed is how many seconds of audio were transcribed per second of work (× real time).
func speed(audio, took time.Duration) float64 {
	if took <= 0 || audio <= 0 {
		return 0
	}
	return float64(audio) / float64(took)
}

func (a *App) logger() *slog.Logger {
	if a.d.Logger != nil {
		return a.d.Logger
	}
	return slog.New(slog.DiscardHandler)
}
