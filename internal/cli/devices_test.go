package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/devices"
)

func runWith(t *testing.T, d DeviceLister, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	home := t.TempDir()
	code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Devices: d,
		Getenv: func(k string) string {
			if k == "HUSHSCRIBE_HOME" {
				return home
			}
			return ""
		}})
	return result{code, out.String(), errb.String()}
}

var fakeInv = devices.Inventory{Devices: []devices.Device{
	{ID: "CPU", Description: "Test CPU", Backend: "CPU", Type: "cpu", MemoryTotal: 8 << 30, MemoryFree: 4 << 30, Usable: true},
	{ID: "Vulkan0", Description: "llvmpipe (LLVM 15.0.6, 256 bits)", Backend: "Vulkan", Type: "gpu", MemoryTotal: 2 << 30, MemoryFree: 2 << 30, Usable: true},
}}

func TestDevicesCommand(t *testing.T) {
	r := runWith(t, &devices.Fake{Inventory: fakeInv}, "devices")
	if r.code != ExitOK || !strings.Contains(r.stdout, "llvmpipe") || !strings.Contains(r.stdout, "auto = Vulkan0") {
		t.Fatalf("devices: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runWith(t, &devices.Fake{Inventory: fakeInv}, "devices", "--json")
	var got struct {
		Devices []devices.Device `json:"devices"`
		Auto    string           `json:"auto"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != ExitOK {
		t.Fatalf("devices --json: %d %v\n%s", r.code, err, r.stdout)
	}
	if got.Auto != "Vulkan0" || len(got.Devices) != 2 || got.Devices[1].MemoryTotal != 2<<30 {
		t.Fatalf("devices --json = %+v", got)
	}
	if r := runWith(t, &devices.Fake{Inventory: fakeInv}, "devices", "extra"); r.code != ExitUsage {
		t.Fatalf("devices extra: exit %d", r.code)
	}
	if r := runWith(t, &devices.Fake{Err: errors.New("ggml exploded")}, "devices"); r.code != ExitInternal || !strings.Contains(r.stderr, "ggml exploded") {
		t.Fatalf("failing list: exit %d %q", r.code, r.stderr)
	}
}

// TestDevicesReal lists this machine's devices through ggml (the CPU at least).
func TestDevicesReal(t *testing.T) {
	r := run(t, "devices", "--json")
	if r.code != ExitOK || !strings.Contains(r.stdout, `"id": "CPU"`) {
		t.Fatalf("devices --json: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestDeviceFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"transcribe", "-model", "x", "-device", "Vulkan 0", "a.wav"},
		{"transcribe", "-model", "x", "-device", "", "a.wav"},
		{"serve", "-allow-unauthenticated", "-device", "../gpu"},
	} {
		if r := run(t, args...); r.code != ExitUsage || !strings.Contains(r.stderr, "-device") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestTranscribeDeviceFallbackIsNotSilent: a GPU that is not there (a driver gone, a card
// unplugged) still gives the transcript, made on the CPU, and stderr says why.
func TestTranscribeDeviceFallbackIsNotSilent(t *testing.T) {
	jfk := filepath.Join(corpus(t), "librispeech_a.flac")
	r := run(t, "transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-device", "Vulkan7", jfk)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning: Vulkan7 is not available") || !strings.Contains(r.stderr, "transcribing on the CPU instead") {
		t.Fatalf("stderr does not explain the fallback: %q", r.stderr)
	}
	if r.stdout == "" {
		t.Fatal("no transcript")
	}
}
