package devices

import (
	"context"
	"errors"
	"strings"
	"testing"
)

var (
	cpu  = Device{ID: "CPU", Description: "AMD Ryzen 7", Backend: "CPU", Type: "cpu", MemoryTotal: 32 << 30, MemoryFree: 16 << 30, Usable: true}
	lvp  = Device{ID: "Vulkan0", Description: "llvmpipe (LLVM 15.0.6, 256 bits)", Backend: "Vulkan", Type: "gpu", MemoryTotal: 2 << 30, MemoryFree: 2 << 30, Usable: true}
	igpu = Device{ID: "Vulkan1", Description: "Intel UHD", Backend: "Vulkan", Type: "igpu", MemoryTotal: 8 << 30, Usable: true}
	big  = Device{ID: "CUDA0", Description: "RTX 4090", Backend: "CUDA", Type: "gpu", MemoryTotal: 24 << 30, Usable: true}
	blas = Device{ID: "BLAS", Backend: "BLAS", Type: "accel"}
)

func TestAuto(t *testing.T) {
	for _, tc := range []struct {
		name string
		devs []Device
		want string
	}{
		{"cpu only", []Device{cpu, blas}, "CPU"},
		{"gpu over cpu", []Device{cpu, lvp}, "Vulkan0"},
		{"discrete over integrated", []Device{cpu, igpu, lvp}, "Vulkan0"},
		{"more memory", []Device{cpu, lvp, big}, "CUDA0"},
		{"nothing", nil, ""},
	} {
		if got := (Inventory{Devices: tc.devs}).Auto().ID; got != tc.want {
			t.Errorf("%s: Auto = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFindAndValid(t *testing.T) {
	inv := Inventory{Devices: []Device{cpu, lvp}}
	if d, ok := inv.Find("vulkan0"); !ok || d.ID != "Vulkan0" {
		t.Fatalf("Find(vulkan0) = %v %v", d, ok)
	}
	if _, ok := inv.Find("CUDA0"); ok {
		t.Fatal("found a device that is not there")
	}
	for _, v := range []string{"auto", "cpu", "Vulkan0", "CUDA1", "SYCL0", "Metal"} {
		if !Valid(v) {
			t.Errorf("Valid(%q) = false", v)
		}
	}
	for _, v := range []string{"", "Vulkan 0", "../x", "a;b", strings.Repeat("x", 65), "CUDA0\n"} {
		if Valid(v) {
			t.Errorf("Valid(%q) = true", v)
		}
	}
}

func TestFormat(t *testing.T) {
	out := Format(Inventory{Devices: []Device{cpu, lvp, blas}, Notes: []string{"the cuda module is installed but found no usable GPU"}})
	for _, want := range []string{"Vulkan0", "llvmpipe", "2048 MiB", "auto = Vulkan0", "not selectable", "note: the cuda module"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format output lacks %q:\n%s", want, out)
		}
	}
}

func TestFake(t *testing.T) {
	f := &Fake{Inventory: Inventory{Devices: []Device{cpu}}}
	if inv, err := f.List(context.Background()); err != nil || len(inv.Devices) != 1 {
		t.Fatalf("List = %v, %v", inv, err)
	}
	boom := errors.New("boom")
	f.Err = boom
	if _, err := f.List(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (System{}).List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled List: %v", err)
	}
}

// TestSystemListsCPU lists this machine's devices through ggml: there is always a usable CPU.
func TestSystemListsCPU(t *testing.T) {
	inv, err := System{}.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d, ok := inv.Find("CPU")
	if !ok || !d.Usable || d.Type != "cpu" || d.MemoryTotal == 0 {
		t.Fatalf("no usable CPU device in %+v", inv)
	}
	t.Logf("\n%s", Format(inv))
}
