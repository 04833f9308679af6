package engine

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testcorpus"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func corpusDir(t testing.TB) string { return testcorpus.Dir(t) }

// decodeWAV converts a corpus file to a 16 kHz mono 16-bit WAV in a temp dir with ffmpeg (test only)
// and returns its path and samples read exactly as whisper-cli reads them (int16/32768).
func decodeWAV(t testing.TB, name string) (string, []float32) {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		testgate.Missing(t, "ffmpeg not installed")
	}
	out := filepath.Join(t.TempDir(), name+".wav")
	cmd := exec.Command(ff, "-nostdin", "-loglevel", "error", "-i", filepath.Join(corpusDir(t), name),
		"-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", name, err, b)
	}
	s, err := readWAV16(out)
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}

// readWAV16 reads the data chunk of a 16-bit PCM mono WAV file.
func readWAV16(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		if id == "data" {
			n = min(n, len(b)-p)
			out := make([]float32, n/2)
			for i := range out {
				out[i] = float32(int16(binary.LittleEndian.Uint16(b[p+2*i:]))) / 32768
			}
			return out, nil
		}
		p += n + n&1
	}
	return nil, errors.New("no data chunk")
}

var engines sync.Map // model path -> *Engine, shared by the tests of this binary

// testEngine opens (once per test binary) an engine on the synthetic model of shape s.
func testEngine(t testing.TB, s testmodel.Shape) *Engine {
	t.Helper()
	path := testmodel.ForTest(t, s)
	if e, ok := engines.Load(path); ok {
		return e.(*Engine)
	}
	// One thread: with oversubscribed CPUs (CI, parallel test binaries) OpenMP spin barriers make
	// several threads orders of magnitude slower.
	e, err := Open(path, Config{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if prev, loaded := engines.LoadOrStore(path, e); loaded {
		e.Close()
		return prev.(*Engine)
	}
	return e
}

func TestMain(m *testing.M) {
	// Make Mesa's lavapipe (Vulkan on the CPU) a ggml device for the Vulkan tests (vulkan_test.go);
	// the other tests load their models on the CPU.
	if os.Getenv("GGML_VK_VISIBLE_DEVICES") == "" {
		os.Setenv("GGML_VK_VISIBLE_DEVICES", "0")
	}
	if os.Getenv(childEnv) != "" {
		child()
		os.Exit(0)
	}
	code := m.Run()
	engines.Range(func(_, v any) bool { v.(*Engine).Close(); return true })
	os.Exit(code)
}

// loop repeats s until it is at least n samples long.
func loop(s []float32, n int) []float32 {
	out := make([]float32, 0, n+len(s))
	for len(out) < n {
		out = append(out, s...)
	}
	return out
}
