package engine

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
)

const isWindows = runtime.GOOS == "windows"

// Device choices besides a device name (Config.Device).
const (
	DeviceAuto    = "auto" // the best GPU that works, else the CPU
	DeviceCPUName = "cpu"
)

// deviceEnv is what chooseDevice knows about the machine; the real one comes from ggml, tests fake it.
type deviceEnv struct {
	devs       []Device
	backends   Backends
	registered func(backend string) bool // a backend registry of that name exists ("Vulkan")
	canInit    func(Device) bool         // a backend starts on the device
}

// chooseDevice picks the device for want ("auto", "cpu", a device name like "Vulkan0" or a backend
// name like "vulkan", case-insensitive) for a model needing about need bytes. It returns the device and,
// when it is not what was asked for, the reason in words (for the user and the log). env.devs must
// hold a CPU device (loadBackends checks).
func chooseDevice(env deviceEnv, want string, need uint64) (Device, string) {
	var cpu Device
	for _, d := range env.devs {
		if d.Type == DeviceCPU {
			cpu = d
			break
		}
	}
	want = strings.TrimSpace(want)
	switch strings.ToLower(want) {
	case "", DeviceCPUName:
		return cpu, ""
	case DeviceAuto:
		var failed []string
		for _, d := range rankGPUs(env.devs) {
			if why := unfit(env, d, need); why != "" {
				failed = append(failed, why)
				continue
			}
			return d, ""
		}
		if len(failed) > 0 {
			return cpu, strings.Join(failed, "; ") + "; transcribing on the CPU instead"
		}
		return cpu, "" // no GPU on this machine: Auto means the CPU, nothing failed
	}
	var match []Device
	for _, d := range env.devs {
		if d.Usable && (strings.EqualFold(d.Name, want) || (strings.EqualFold(d.Backend, want) && d.IsGPU())) {
			match = append(match, d)
		}
	}
	for _, d := range match {
		if d.Type == DeviceCPU {
			return d, ""
		}
		if why := unfit(env, d, need); why != "" {
			return cpu, why + "; transcribing on the CPU instead"
		}
		return d, ""
	}
	return cpu, missingReason(env, want) + "; transcribing on the CPU instead"
}

// rankGPUs orders the usable GPUs best first: discrete before integrated, then more memory.
func rankGPUs(devs []Device) []Device {
	var gpus []Device
	for _, d := range devs {
		if d.IsGPU() && d.Usable {
			gpus = append(gpus, d)
		}
	}
	sort.SliceStable(gpus, func(i, j int) bool {
		if gpus[i].Type != gpus[j].Type {
			return gpus[i].Type == DeviceGPU
		}
		return gpus[i].MemoryTotal > gpus[j].MemoryTotal
	})
	return gpus
}

// unfit says why a model needing need bytes cannot run on d, or "".
func unfit(env deviceEnv, d Device, need uint64) string {
	if need > 0 && d.MemoryFree > 0 && need > d.MemoryFree {
		return fmt.Sprintf("%s (%s) has %s of memory free but the model needs about %s (out of memory)",
			d.Name, d.Description, MiB(d.MemoryFree), MiB(need))
	}
	if env.canInit != nil && !env.canInit(d) {
		return fmt.Sprintf("%s (%s) could not be started by its %s driver (init error)", d.Name, d.Description, d.Backend)
	}
	return ""
}

// missingReason explains why the device named want is not in the list.
func missingReason(env deviceEnv, want string) string {
	backend := strings.TrimRight(want, "0123456789")
	nice := backendTitle(backend)
	module := moduleFilePrefix + strings.ToLower(backend) + moduleFileSuffix()
	var names []string
	for _, d := range env.devs {
		if d.Usable {
			names = append(names, d.Name)
		}
	}
	have := strings.Join(names, ", ")
	switch {
	case !gpuBackends[strings.ToLower(backend)]:
		return fmt.Sprintf("there is no compute device %q (available: %s)", want, have)
	case env.backends.Dir == "" && env.registered != nil && !env.registered(nice):
		return fmt.Sprintf("%s is not available: this build of whisper.cpp has no %s backend", want, nice)
	case env.backends.Dir != "" && !env.backends.HasModule(backend):
		return fmt.Sprintf("%s is not available: the %s backend module (%s) is not installed in %s", want, nice, module, env.backends.Dir)
	case env.registered != nil && !env.registered(nice):
		return fmt.Sprintf("%s is not available: the %s driver could not be started (no %s driver installed, or it is broken)", want, nice, nice)
	default:
		return fmt.Sprintf("%s is not available: no such %s device (available: %s)", want, nice, have)
	}
}

// gpuBackends are ggml's GPU backends, by module name.
var gpuBackends = map[string]bool{"vulkan": true, "cuda": true, "metal": true, "sycl": true, "hip": true,
	"opencl": true, "musa": true, "cann": true, "webgpu": true}

// backendTitle spells a backend the way ggml's registry names it.
func backendTitle(b string) string {
	switch strings.ToLower(b) {
	case "vulkan":
		return "Vulkan"
	case "cuda":
		return "CUDA"
	case "metal":
		return "Metal"
	case "cpu":
		return "CPU"
	case "sycl":
		return "SYCL"
	case "hip", "rocm":
		return "ROCm"
	}
	return b
}

// MiB formats bytes as mebibytes for people.
func MiB(b uint64) string { return fmt.Sprintf("%d MiB", (b+(1<<20)-1)>>20) }

// EstimateMemory estimates the device memory a model file needs in bytes: the weights, plus the
// KV caches and compute buffers whisper.cpp allocates per transcription (with flash attention),
// which grow with the model's width. It is a planning figure for the "memory needed" hint and the
// out-of-memory check before loading, not a measurement.
func EstimateMemory(modelPath string) (uint64, error) {
	st, err := os.Stat(modelPath)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return estimateFromSize(uint64(st.Size())), nil
}

func estimateFromSize(size uint64) uint64 {
	// A rough rule, not a measurement per model: whisper.cpp's per-state buffers (KV caches, mel,
	// compute graphs with flash attention) come to tens of MiB for tiny and a few hundred MiB for
	// large; a fifth of the weights plus 24 MiB stays above them for every official model shape.
	return size + size/5 + 24<<20
}
