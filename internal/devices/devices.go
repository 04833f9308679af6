// Package devices lists the compute devices whisper.cpp can run on: the CPU and every GPU that
// ggml's loaded backends found (Vulkan, CUDA, Metal), with name, backend, memory and whether whisper
// can use it. It has one job; choosing and falling back at load time is internal/engine's (which
// owns every call into ggml), and the commands and the app consume a List through their own small
// interfaces, with Fake for tests.
//
// Device names are ggml's (ggml-backend.h, ggml_backend_dev_name): "CPU", "Vulkan0", "CUDA0",
// "Metal". They are what Settings, `serve --device` and engine.Config.Device take, besides "auto"
// (the best GPU that works, else the CPU) and "cpu".
package devices

import (
	"context"
	"fmt"
	"strings"

	"github.com/hushscribe/hushscribe/internal/engine"
)

// Choices besides a device name.
const (
	Auto = engine.DeviceAuto    // the best GPU that works, else the CPU
	CPU  = engine.DeviceCPUName // always the CPU
)

// Device is one compute device.
type Device struct {
	ID          string `json:"id"`          // ggml's device name, what a setting stores: "CPU", "Vulkan0"
	Description string `json:"description"` // the hardware: "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 15.0.6, 256 bits)"
	Backend     string `json:"backend"`     // "CPU", "Vulkan", "CUDA", "Metal"
	Type        string `json:"type"`        // "cpu", "gpu", "igpu" or "accel"
	MemoryTotal uint64 `json:"memoryTotal"` // bytes (host memory for the CPU)
	MemoryFree  uint64 `json:"memoryFree"`  // bytes
	// Usable says whether whisper.cpp can run a model on it; accelerators (BLAS, AMX) only help
	// the CPU and cannot be chosen.
	Usable bool `json:"usable"`
}

// IsGPU reports whether d is a GPU or an integrated GPU.
func (d Device) IsGPU() bool { return d.Type == "gpu" || d.Type == "igpu" }

// Inventory is what List reports: the devices, and where the backend modules came from.
type Inventory struct {
	Devices []Device `json:"devices"`
	// BackendDir is the folder ggml's backend modules were loaded from ("" for a static build).
	BackendDir string `json:"backendDir,omitempty"`
	// Modules are the backend module files there.
	Modules []string `json:"modules,omitempty"`
	// Notes explain missing GPUs in words: a GPU module that is installed but found no device.
	Notes []string `json:"notes,omitempty"`
}

// Auto returns the device "auto" means on this machine (the best usable GPU, else the CPU), going
// by the list only; the engine also checks memory and that the device starts.
func (inv Inventory) Auto() Device {
	var best, cpu Device
	for _, d := range inv.Devices {
		switch {
		case d.Type == "cpu" && cpu.ID == "":
			cpu = d
		case d.IsGPU() && d.Usable && better(d, best):
			best = d
		}
	}
	if best.ID != "" {
		return best
	}
	return cpu
}

func better(d, than Device) bool {
	if than.ID == "" {
		return true
	}
	if d.Type != than.Type {
		return d.Type == "gpu"
	}
	return d.MemoryTotal > than.MemoryTotal
}

// Find returns the device whose ID is id (case-insensitive).
func (inv Inventory) Find(id string) (Device, bool) {
	for _, d := range inv.Devices {
		if strings.EqualFold(d.ID, id) {
			return d, true
		}
	}
	return Device{}, false
}

// Valid reports whether choice is something a setting may hold: "auto", "cpu", or a device name
// (which need not be present now: a GPU can be unplugged or its driver broken, and the engine then
// falls back with a reason).
func Valid(choice string) bool {
	if choice == Auto || choice == CPU {
		return true
	}
	if choice == "" || len(choice) > 64 {
		return false
	}
	for _, r := range choice {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// System lists the devices of this machine through ggml.
type System struct {
	// BackendDirs are where ggml's backend modules are looked for (default engine.DefaultBackendDirs).
	BackendDirs []string
}

// List loads ggml's backends (once per process) and lists the devices.
func (s System) List(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	devs, b, err := engine.Devices(s.BackendDirs)
	if err != nil {
		return Inventory{}, fmt.Errorf("list compute devices: %w", err)
	}
	inv := Inventory{BackendDir: b.Dir, Modules: b.Modules}
	gpus := map[string]bool{}
	for _, d := range devs {
		inv.Devices = append(inv.Devices, Device{
			ID: d.Name, Description: d.Description, Backend: d.Backend, Type: string(d.Type),
			MemoryTotal: d.MemoryTotal, MemoryFree: d.MemoryFree, Usable: d.Usable,
		})
		if d.IsGPU() {
			gpus[strings.ToLower(d.Backend)] = true
		}
	}
	for _, m := range []string{"vulkan", "cuda", "metal"} {
		if b.HasModule(m) && !gpus[m] {
			inv.Notes = append(inv.Notes, fmt.Sprintf("the %s module is installed but found no usable GPU (no driver for a GPU, or no GPU)", m))
		}
	}
	return inv, nil
}

// Fake is an in-memory device list for tests.
type Fake struct {
	Inventory Inventory
	Err       error
}

// List returns f.Inventory or f.Err.
func (f *Fake) List(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	if f.Err != nil {
		return Inventory{}, f.Err
	}
	return f.Inventory, nil
}

// Format writes the inventory as a table for people.
func Format(inv Inventory) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %-6s %-7s %10s %10s  %s\n", "DEVICE", "TYPE", "BACKEND", "MEMORY", "FREE", "DESCRIPTION")
	for _, d := range inv.Devices {
		desc := d.Description
		if !d.Usable {
			desc += " (helps the CPU; not selectable)"
		}
		fmt.Fprintf(&b, "%-10s %-6s %-7s %10s %10s  %s\n", d.ID, d.Type, d.Backend, engine.MiB(d.MemoryTotal), engine.MiB(d.MemoryFree), desc)
	}
	fmt.Fprintf(&b, "auto = %s\n", inv.Auto().ID)
	for _, n := range inv.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
