package engine

import (
	"strings"
	"testing"
)

func TestChooseDevice(t *testing.T) {
	cpu := Device{Name: "CPU", Backend: "CPU", Type: DeviceCPU, Usable: true, gpuIndex: -1}
	vk := Device{Name: "Vulkan0", Description: "llvmpipe", Backend: "Vulkan", Type: DeviceGPU, Usable: true, MemoryFree: 4 << 30, MemoryTotal: 4 << 30}
	igpu := Device{Name: "Vulkan1", Description: "Intel UHD", Backend: "Vulkan", Type: DeviceIGPU, Usable: true, MemoryFree: 8 << 30, MemoryTotal: 8 << 30, gpuIndex: 1}
	small := Device{Name: "CUDA0", Description: "tiny card", Backend: "CUDA", Type: DeviceGPU, Usable: true, MemoryFree: 100 << 20, MemoryTotal: 1 << 30}
	blas := Device{Name: "BLAS", Backend: "BLAS", Type: DeviceAccel}
	withVulkan := Backends{Dir: "/opt/lib", Modules: []string{"libggml-cpu-haswell.so", "libggml-vulkan.so"}}
	noVulkan := Backends{Dir: "/opt/lib", Modules: []string{"libggml-cpu-haswell.so"}}
	yes := func(string) bool { return true }
	no := func(string) bool { return false }
	initOK := func(Device) bool { return true }
	initFails := func(Device) bool { return false }
	for _, tc := range []struct {
		name     string
		env      deviceEnv
		want     string
		need     uint64
		device   string
		fallback string // substring; "" means none
	}{
		{"cpu asked", deviceEnv{devs: []Device{cpu, vk}, backends: withVulkan, registered: yes, canInit: initOK}, "cpu", 0, "CPU", ""},
		{"empty is cpu", deviceEnv{devs: []Device{cpu, vk}}, "", 0, "CPU", ""},
		{"auto picks the GPU", deviceEnv{devs: []Device{cpu, vk}, backends: withVulkan, registered: yes, canInit: initOK}, "auto", 1 << 20, "Vulkan0", ""},
		{"auto prefers discrete", deviceEnv{devs: []Device{cpu, igpu, vk}, registered: yes, canInit: initOK}, "AUTO", 0, "Vulkan0", ""},
		{"auto without GPU is the CPU, silently", deviceEnv{devs: []Device{cpu, blas}, backends: noVulkan, registered: no}, "auto", 0, "CPU", ""},
		{"auto with a GPU that fails says so", deviceEnv{devs: []Device{cpu, vk}, registered: yes, canInit: initFails}, "auto", 0, "CPU", "could not be started"},
		{"auto skips a full GPU for the next", deviceEnv{devs: []Device{cpu, small, igpu}, registered: yes, canInit: initOK}, "auto", 1 << 30, "Vulkan1", ""},
		{"by name", deviceEnv{devs: []Device{cpu, vk, igpu}, registered: yes, canInit: initOK}, "vulkan1", 0, "Vulkan1", ""},
		{"by backend", deviceEnv{devs: []Device{cpu, vk}, registered: yes, canInit: initOK}, "vulkan", 0, "Vulkan0", ""},
		{"cpu by name", deviceEnv{devs: []Device{cpu, vk}}, "CPU", 0, "CPU", ""},
		{"missing module", deviceEnv{devs: []Device{cpu}, backends: noVulkan, registered: no}, "Vulkan0", 0, "CPU", "libggml-vulkan.so) is not installed in /opt/lib"},
		{"broken driver", deviceEnv{devs: []Device{cpu}, backends: withVulkan, registered: no}, "Vulkan0", 0, "CPU", "the Vulkan driver could not be started"},
		{"static build without Vulkan", deviceEnv{devs: []Device{cpu}, registered: no}, "Vulkan0", 0, "CPU", "this build of whisper.cpp has no Vulkan backend"},
		{"no such device", deviceEnv{devs: []Device{cpu, vk}, backends: withVulkan, registered: yes, canInit: initOK}, "Vulkan3", 0, "CPU", "no such Vulkan device (available: CPU, Vulkan0)"},
		{"unknown name", deviceEnv{devs: []Device{cpu}}, "toaster", 0, "CPU", `no compute device "toaster"`},
		{"out of memory", deviceEnv{devs: []Device{cpu, small}, registered: yes, canInit: initOK}, "CUDA0", 1 << 30, "CPU", "out of memory"},
		{"init error", deviceEnv{devs: []Device{cpu, vk}, registered: yes, canInit: initFails}, "Vulkan0", 0, "CPU", "init error"},
		{"accelerators are not devices", deviceEnv{devs: []Device{cpu, blas}}, "BLAS", 0, "CPU", "no compute device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, why := chooseDevice(tc.env, tc.want, tc.need)
			if d.Name != tc.device {
				t.Errorf("device %q, want %q (reason %q)", d.Name, tc.device, why)
			}
			switch {
			case tc.fallback == "" && why != "":
				t.Errorf("unexpected fallback reason %q", why)
			case tc.fallback != "" && !strings.Contains(why, tc.fallback):
				t.Errorf("reason %q does not contain %q", why, tc.fallback)
			case tc.fallback != "" && !strings.HasSuffix(why, "transcribing on the CPU instead"):
				t.Errorf("reason %q does not say the CPU is used", why)
			}
		})
	}
}

func TestEstimateMemory(t *testing.T) {
	if _, err := EstimateMemory(t.TempDir() + "/missing.bin"); err == nil {
		t.Fatal("no error for a missing model")
	}
	// ggml-small.bin is 466 MiB: the estimate must exceed the weights and stay well under double.
	got := estimateFromSize(466 << 20)
	if got <= 466<<20 || got >= 2*466<<20 {
		t.Fatalf("estimate %s for 466 MiB of weights", MiB(got))
	}
}

func TestBackendsHasModule(t *testing.T) {
	b := Backends{Modules: []string{"libggml-cpu-haswell.so", "libggml-vulkan.so"}}
	if !b.HasModule("vulkan") || !b.HasModule("cpu") || b.HasModule("cuda") {
		t.Fatalf("HasModule wrong for %v", b.Modules)
	}
}
