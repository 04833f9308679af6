package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// These tests run the Vulkan backend on Mesa's lavapipe, Vulkan on the CPU (Debian's
// mesa-vulkan-drivers), which ggml-vulkan lists only when GGML_VK_VISIBLE_DEVICES names it (TestMain
// sets it to 0 for this test binary). Real GPUs need no such variable. lavapipe is about 90 times
// slower than ggml's CPU backend, so the clips are short and the model is the generated micro one.
//
// Falling back is tested in child processes (this test binary re-run with childEnv set), because
// ggml's backend registry is process-wide: a broken Vulkan driver or a missing module has to be there
// before the first model is loaded.

const childEnv = "HUSHSCRIBE_ENGINE_CHILD" // scenario for a child process (see runChild)

// lavapipe returns the Vulkan device of Mesa's lavapipe, or skips (fails under CI) without it.
func lavapipe(t *testing.T) Device {
	t.Helper()
	devs, b, err := Devices(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Backend == "Vulkan" && strings.Contains(d.Description, "llvmpipe") {
			return d
		}
	}
	testgate.Missing(t, "no lavapipe Vulkan device (devices %v, backend modules %v in %q): build whisper.cpp with build/whisper.sh (dynamic layout) and install mesa-vulkan-drivers", names(devs), b.Modules, b.Dir)
	return Device{}
}

func names(devs []Device) []string {
	var out []string
	for _, d := range devs {
		out = append(out, d.Name+"="+d.Description)
	}
	return out
}

// parityGPU is the device of the GPU parity test: $HUSHSCRIBE_TEST_GPU (a device name such as
// CUDA0, set by build/gpu-check.sh on an NVIDIA machine), else lavapipe.
func parityGPU(t *testing.T) Device {
	t.Helper()
	name := os.Getenv("HUSHSCRIBE_TEST_GPU")
	if name == "" {
		return lavapipe(t)
	}
	devs, _, err := Devices(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if strings.EqualFold(d.Name, name) && d.IsGPU() {
			return d
		}
	}
	t.Fatalf("HUSHSCRIBE_TEST_GPU=%s: no such GPU device (devices %v)", name, names(devs))
	return Device{}
}

// TestVulkanParity runs whisper-cli and the engine from the same build on the same GPU device
// (lavapipe in CI; see parityGPU), model, audio and greedy settings, and requires identical
// segments, tokens and timestamps.
func TestVulkanParity(t *testing.T) {
	vk := parityGPU(t)
	if os.Getenv("WHISPER_CLI") == "" {
		t.Fatal(`WHISPER_CLI not set (eval "$(build/whisper.sh --env)")`)
	}
	model := testmodel.ForTest(t, testmodel.Micro)
	e, err := Open(model, Config{Threads: parityThreads, Device: vk.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if in := e.Info(); in.Device.Name != vk.Name || in.Fallback != "" || in.Backend != strings.ToLower(vk.Backend) {
		t.Fatalf("engine on %s, backend %s, fallback %q; want %s", in.Device.Name, in.Backend, in.Fallback, vk.Name)
	}
	wav, samples := decodeWAV(t, "librispeech_a.flac") // ~4 s
	base := filepath.Join(t.TempDir(), "out")
	args := cliFlags(model, wav, "en", base)
	var cliArgs []string
	for _, a := range args {
		switch a {
		case "-ng": // whisper-cli on the same GPU device instead of the CPU
			cliArgs = append(cliArgs, "-dev", strconv.Itoa(vk.gpuIndex))
		case "-np": // keep whisper.cpp's log, which names the device it used
		default:
			cliArgs = append(cliArgs, a)
		}
	}
	args = cliArgs
	cmd := exec.Command(os.Getenv("WHISPER_CLI"), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	if !strings.Contains(string(out), "using "+vk.Name+" backend") {
		t.Fatalf("whisper-cli did not run on %s:\n%s", vk.Name, out)
	}
	var want cliOutput
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got, err := e.run(context.Background(), samples, Options{Language: "en", Threads: parityThreads, WordTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	compareParity(t, got, &want)
}

// TestAutoPicksWorkingGPU: with a working Vulkan device, "auto" (and the old UseGPU) load on it.
func TestAutoPicksWorkingGPU(t *testing.T) {
	vk := lavapipe(t)
	model := testmodel.ForTest(t, testmodel.Micro)
	for _, cfg := range []Config{{Device: DeviceAuto, Threads: 1}, {UseGPU: true, Threads: 1}} {
		e, err := Open(model, cfg)
		if err != nil {
			t.Fatal(err)
		}
		in := e.Info()
		e.Close()
		if in.Device.Name != vk.Name || in.Fallback != "" {
			t.Fatalf("%+v: device %s, fallback %q; want %s", cfg, in.Device.Name, in.Fallback, vk.Name)
		}
	}
	e, err := Open(model, Config{Device: "cpu", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if in := e.Info(); in.Device.Name != "CPU" || in.Backend != "cpu" || in.Fallback != "" {
		t.Fatalf("cpu asked: device %s, backend %s, fallback %q", in.Device.Name, in.Backend, in.Fallback)
	}
}

// childResult is what a child process reports.
type childResult struct {
	Device   string `json:"device"`
	Fallback string `json:"fallback"`
	Segments int    `json:"segments"`
	Err      string `json:"err"`
	NoBack   bool   `json:"noBackend"`
}

// runChild re-runs this test binary in a scenario and returns its result.
func runChild(t *testing.T, env ...string) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	i := strings.LastIndex(string(out), "CHILD:")
	if i < 0 {
		t.Fatalf("child printed no result:\n%s", out)
	}
	var r childResult
	if err := json.Unmarshal([]byte(strings.SplitN(string(out[i+6:]), "\n", 2)[0]), &r); err != nil {
		t.Fatalf("child result: %v\n%s", err, out)
	}
	return r
}

// child runs in the child process: opens HUSHSCRIBE_CHILD_MODEL on HUSHSCRIBE_CHILD_DEVICE (backend
// modules from HUSHSCRIBE_CHILD_BACKENDS when set) and transcribes HUSHSCRIBE_CHILD_WAV.
func child() {
	var r childResult
	cfg := Config{Threads: 1, Device: os.Getenv("HUSHSCRIBE_CHILD_DEVICE")}
	if d := os.Getenv("HUSHSCRIBE_CHILD_BACKENDS"); d != "" {
		cfg.BackendDirs = []string{d}
	}
	e, err := Open(os.Getenv("HUSHSCRIBE_CHILD_MODEL"), cfg)
	if err != nil {
		r.Err, r.NoBack = err.Error(), errors.Is(err, ErrNoBackend)
	} else {
		in := e.Info()
		r.Device, r.Fallback = in.Device.Name, in.Fallback
		if wav := os.Getenv("HUSHSCRIBE_CHILD_WAV"); wav != "" {
			s, err := readWAV16(wav)
			if err == nil {
				var tr *result
				tr, err = e.run(context.Background(), s, Options{Language: "en", Threads: 1})
				if err == nil {
					r.Segments = len(tr.segments)
				}
			}
			if err != nil {
				r.Err = err.Error()
			}
		}
		e.Close()
	}
	b, _ := json.Marshal(r)
	fmt.Printf("CHILD:%s\n", b)
}

// vulkanBuild skips (fails under CI) unless this build has the Vulkan module.
func vulkanBuild(t *testing.T) Backends {
	t.Helper()
	_, b, err := Devices(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b.HasModule("vulkan") {
		testgate.Missing(t, "whisper.cpp has no Vulkan module (%q: %v): build it with build/whisper.sh (dynamic layout)", b.Dir, b.Modules)
	}
	return b
}

// TestBrokenVulkanDriverFallsBack: a Vulkan loader pointed at a driver file that does not exist
// (VK_ICD_FILENAMES) is a GPU whose driver cannot start: the job runs on the CPU and says why.
func TestBrokenVulkanDriverFallsBack(t *testing.T) {
	vulkanBuild(t)
	wav, _ := decodeWAV(t, "librispeech_a.flac")
	r := runChild(t, childEnv+"=1", "VK_ICD_FILENAMES=/nonexistent/icd.json", "VK_DRIVER_FILES=/nonexistent/icd.json",
		"HUSHSCRIBE_CHILD_MODEL="+testmodel.ForTest(t, testmodel.Micro), "HUSHSCRIBE_CHILD_DEVICE=Vulkan0", "HUSHSCRIBE_CHILD_WAV="+wav)
	if r.Err != "" || r.Device != "CPU" || r.Segments == 0 {
		t.Fatalf("child: %+v; want a transcript made on the CPU", r)
	}
	if !strings.Contains(r.Fallback, "Vulkan driver could not be started") || !strings.Contains(r.Fallback, "on the CPU") {
		t.Fatalf("fallback reason %q does not name the broken driver and the CPU", r.Fallback)
	}
	t.Logf("reason: %s", r.Fallback)
}

// TestMissingVulkanModuleFallsBack: an installation without libggml-vulkan.so (a folder with all
// the other modules) asked for Vulkan0 runs on the CPU and says the module is missing.
func TestMissingVulkanModuleFallsBack(t *testing.T) {
	b := vulkanBuild(t)
	dir := t.TempDir()
	for _, m := range b.Modules {
		if strings.Contains(m, "vulkan") {
			continue
		}
		if err := os.Symlink(filepath.Join(b.Dir, m), filepath.Join(dir, m)); err != nil {
			t.Fatal(err)
		}
	}
	wav, _ := decodeWAV(t, "librispeech_a.flac")
	r := runChild(t, childEnv+"=1", "HUSHSCRIBE_CHILD_BACKENDS="+dir,
		"HUSHSCRIBE_CHILD_MODEL="+testmodel.ForTest(t, testmodel.Micro), "HUSHSCRIBE_CHILD_DEVICE=Vulkan0", "HUSHSCRIBE_CHILD_WAV="+wav)
	if r.Err != "" || r.Device != "CPU" || r.Segments == 0 {
		t.Fatalf("child: %+v; want a transcript made on the CPU", r)
	}
	if !strings.Contains(r.Fallback, "libggml-vulkan.so) is not installed") {
		t.Fatalf("fallback reason %q does not name the missing module", r.Fallback)
	}
	t.Logf("reason: %s", r.Fallback)
}

// TestNoBackendIsAnError: with no CPU backend module anywhere, Open returns ErrNoBackend instead of
// letting whisper_init abort the process on GGML_ASSERT(device).
func TestNoBackendIsAnError(t *testing.T) {
	vulkanBuild(t) // the dynamic layout: backends are modules
	r := runChild(t, childEnv+"=1", "HUSHSCRIBE_CHILD_BACKENDS="+t.TempDir(),
		"HUSHSCRIBE_CHILD_MODEL="+testmodel.ForTest(t, testmodel.Micro), "HUSHSCRIBE_CHILD_DEVICE=auto")
	if !r.NoBack {
		t.Fatalf("child: %+v; want ErrNoBackend", r)
	}
}
