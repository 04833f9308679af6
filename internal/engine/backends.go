package engine

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// This file loads ggml's backends and lists its devices. whisper.cpp built with GGML_BACKEND_DL (what
// build/whisper.sh builds by default) has no backend at all until the program loads the modules
// (libggml-cpu-<variant>.so, libggml-vulkan.so, libggml-cuda.so); whisper_init on an empty registry
// ends the process in a GGML_ASSERT. So every path into whisper.cpp goes through loadBackends first,
// and Open checks that a CPU device exists before it initialises anything.

var (
	// ErrNoBackend reports that no ggml CPU backend could be loaded: the installation is incomplete
	// (the libggml-cpu-*.so modules are not next to the libraries or the program).
	ErrNoBackend = errors.New("engine: no ggml CPU backend found")
)

// DeviceType is the kind of a compute device.
type DeviceType string

// Device types, as ggml reports them.
const (
	DeviceCPU   DeviceType = "cpu"   // the CPU backend
	DeviceGPU   DeviceType = "gpu"   // a discrete GPU (or a device ggml treats as one, like lavapipe)
	DeviceIGPU  DeviceType = "igpu"  // an integrated GPU sharing host memory
	DeviceAccel DeviceType = "accel" // an accelerator used next to the CPU (BLAS, AMX), not selectable
)

// Device is one ggml compute device.
type Device struct {
	Name        string     // ggml's name, stable for one machine: "CPU", "Vulkan0", "CUDA0", "Metal"
	Description string     // the hardware, e.g. "NVIDIA GeForce RTX 4070" or "llvmpipe (LLVM 15.0.6, 256 bits)"
	Backend     string     // "CPU", "Vulkan", "CUDA", "Metal", ...
	Type        DeviceType // cpu, gpu, igpu or accel
	MemoryFree  uint64     // bytes; for the CPU the free host memory
	MemoryTotal uint64     // bytes
	// Usable says whether whisper.cpp can run a model on the device (the CPU, GPUs and integrated
	// GPUs; accelerators only help the CPU).
	Usable   bool
	index    int // position in ggml's device list
	gpuIndex int // whisper_context_params.gpu_device for GPUs, -1 otherwise
}

// IsGPU reports whether d is a GPU or an integrated GPU.
func (d Device) IsGPU() bool { return d.Type == DeviceGPU || d.Type == DeviceIGPU }

// Backends describes the ggml backends loaded into this process.
type Backends struct {
	// Dir is the folder the backend modules were loaded from; "" when ggml was linked with its
	// backends built in (a static build) or no folder had modules.
	Dir string
	// Modules are the backend module files found in Dir ("libggml-cpu-haswell.so", "libggml-vulkan.so").
	Modules []string
	// Searched lists the folders looked at, in order.
	Searched []string
}

// HasModule reports whether a module for backend (lower case: "vulkan", "cuda", "cpu") was in Dir.
func (b Backends) HasModule(backend string) bool {
	prefix := moduleFilePrefix + strings.ToLower(backend)
	for _, m := range b.Modules {
		if strings.HasPrefix(m, prefix+"-") || strings.HasPrefix(m, prefix+".") {
			return true
		}
	}
	return false
}

// loaded is ggml's backend registry, which is process-wide in ggml: modules are loaded once, by the
// first call, from the first folder that has a CPU backend module.
var loaded struct {
	sync.Mutex
	done bool
	b    Backends
}

// DefaultBackendDirs are the folders searched for backend modules, in order: the folder the ggml
// library itself was loaded from (the installed app's lib folder, or the whisper.cpp prefix of a
// development build, reached through the binary's rpath), the program's folder, and ../lib next to it.
func DefaultBackendDirs() []string {
	var dirs []string
	if p := C.hs_ggml_lib_path(); p != nil {
		lib := C.GoString(p)
		C.free(unsafe.Pointer(p))
		if real, err := filepath.EvalSymlinks(lib); err == nil {
			lib = real
		}
		dirs = append(dirs, filepath.Dir(lib))
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dirs = append(dirs, filepath.Dir(exe), filepath.Join(filepath.Dir(exe), "..", "lib"))
	}
	return dirs
}

// loadBackends loads ggml's backend modules from the first of dirs (DefaultBackendDirs when empty)
// that holds a CPU backend module, unless ggml already has devices (backends built in, or loaded by
// an earlier call: the registry is process-wide, so the first call's folders win). It returns
// ErrNoBackend when no CPU device exists afterwards: whisper.cpp must not be initialised then.
func loadBackends(dirs []string) (Backends, error) {
	loaded.Lock()
	defer loaded.Unlock()
	if !loaded.done {
		C.hs_quiet_logs() // before loading: ggml reports every module it loads at info level
		C.hs_log_ggml_aborts()
		if len(dirs) == 0 {
			dirs = DefaultBackendDirs()
		}
		loaded.b.Searched = dirs
		if C.hs_dev_count() == 0 {
			for _, dir := range dirs {
				mods := modulesIn(dir)
				if !hasCPUModule(mods) {
					continue
				}
				loaded.b.Dir, loaded.b.Modules = dir, mods
				cdir := C.CString(dir)
				C.hs_load_backends(cdir)
				C.free(unsafe.Pointer(cdir))
				break
			}
		}
		loaded.done = true
	}
	b := loaded.b
	for _, d := range listDevices() {
		if d.Type == DeviceCPU {
			return b, nil
		}
	}
	return b, fmt.Errorf("%w (looked in %s)", ErrNoBackend, strings.Join(b.Searched, ", "))
}

const moduleFilePrefix = "libggml-"

func moduleFileSuffix() string {
	switch {
	case isWindows:
		return ".dll"
	default:
		return ".so"
	}
}

// modulesIn lists the ggml backend module files in dir (not libggml-base and the core library).
func modulesIn(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	prefix, suffix := moduleFilePrefix, moduleFileSuffix()
	if isWindows {
		prefix = "ggml-"
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, suffix) || strings.HasPrefix(n, prefix+"base") {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func hasCPUModule(mods []string) bool {
	for _, m := range mods {
		if strings.Contains(m, "ggml-cpu") {
			return true
		}
	}
	return false
}

// Devices loads the backends (see Config.BackendDirs) and lists ggml's devices in ggml's order.
func Devices(backendDirs []string) ([]Device, Backends, error) {
	b, err := loadBackends(backendDirs)
	return listDevices(), b, err
}

func listDevices() []Device {
	n := int(C.hs_dev_count())
	out := make([]Device, 0, n)
	for i := range n {
		var d C.hs_dev
		if C.hs_dev_info(C.size_t(i), &d) == 0 {
			continue
		}
		dev := Device{
			Name:        C.GoString(d.name),
			Description: strings.TrimSpace(C.GoString(d.description)),
			Backend:     C.GoString(d.backend),
			MemoryFree:  uint64(d.mem_free),
			MemoryTotal: uint64(d.mem_total),
			index:       i,
			gpuIndex:    int(d.gpu_index),
		}
		switch d._type {
		case C.GGML_BACKEND_DEVICE_TYPE_CPU:
			dev.Type = DeviceCPU
		case C.GGML_BACKEND_DEVICE_TYPE_GPU:
			dev.Type = DeviceGPU
		case C.GGML_BACKEND_DEVICE_TYPE_IGPU:
			dev.Type = DeviceIGPU
		default:
			dev.Type = DeviceAccel
		}
		dev.Usable = dev.Type != DeviceAccel
		out = append(out, dev)
	}
	return out
}

// tryInit starts and stops a backend on d.
func tryInit(d Device) bool { return C.hs_dev_try_init(C.size_t(d.index)) == 1 }

// hasBackend reports whether a backend of that registry name ("Vulkan") registered.
func hasBackend(name string) bool {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	return C.hs_has_backend(c) == 1
}
