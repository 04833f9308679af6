package testmodel

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func sum(t *testing.T, s Shape, seed int64) [32]byte {
	t.Helper()
	h := sha256.New()
	if err := Write(h, s, seed); err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestDeterministic(t *testing.T) {
	a, b, c := sum(t, Micro, 1), sum(t, Micro, 1), sum(t, Micro, 2)
	if a != b {
		t.Error("same seed gave different files")
	}
	if a == c {
		t.Error("different seeds gave the same file")
	}
}

func TestHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Micro, 1); err != nil {
		t.Fatal(err)
	}
	var hdr [12]int32
	if err := binary.Read(bytes.NewReader(buf.Bytes()), binary.LittleEndian, &hdr); err != nil {
		t.Fatal(err)
	}
	want := [12]int32{fileMagic, 51865, 1500, 64, 2, 1, 448, 64, 2, 1, 80, 1}
	if hdr != want {
		t.Errorf("header = %v, want %v", hdr, want)
	}
}

func TestVocab(t *testing.T) {
	v := vocab()
	if len(v) != nFileVocab {
		t.Fatalf("len = %d", len(v))
	}
	seen := map[string]bool{}
	for i, tok := range v {
		if seen[tok] {
			t.Fatalf("duplicate token %q at %d", tok, i)
		}
		seen[tok] = true
		if i >= 256 && i < nFileVocab-1 && strings.ContainsAny(tok, "\"\\\n") {
			t.Fatalf("token %d %q needs escaping", i, tok)
		}
	}
	if v[0] != "!" || v[nFileVocab-1] != "" {
		t.Errorf("v[0]=%q v[last]=%q", v[0], v[nFileVocab-1])
	}
}

func TestF16(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff}, {1e6, 0x7c00},
		{float32(math.Inf(-1)), 0xfc00}, {5.960464477539063e-08, 0x0001}, {6.103515625e-05, 0x0400},
		{1.0009765625, 0x3c01}, {1.00048828125, 0x3c00}, // halfway: ties to even
		{0.333251953125, 0x3555},
	} {
		if got := f16(tc.in); got != tc.want {
			t.Errorf("f16(%v) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	if got := f16(float32(math.NaN())); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
		t.Errorf("f16(NaN) = %#04x", got)
	}
}

func TestMelFilters(t *testing.T) {
	f := melFilters(80)
	// Every filter is a non-empty triangle; slaney normalisation makes the peaks shrink with width.
	for m := 0; m < 80; m++ {
		var s float32
		for _, v := range f[m*nFFT : (m+1)*nFFT] {
			if v < 0 {
				t.Fatalf("negative weight in filter %d", m)
			}
			s += v
		}
		if s == 0 {
			t.Fatalf("filter %d is empty", m)
		}
	}
	// librosa reference value (whisper mel_filters.npz, mel_80[0][1]).
	if got := f[1]; math.Abs(float64(got)-0.02486259) > 1e-5 {
		t.Errorf("f[0][1] = %v", got)
	}
}

func TestBadShape(t *testing.T) {
	s := Micro
	s.AudioHeads = 3
	if err := Write(new(bytes.Buffer), s, 1); err == nil {
		t.Error("no error for heads not dividing state")
	}
}

func TestForTestCaches(t *testing.T) {
	p1 := ForTest(t, Micro)
	p2 := ForTest(t, Micro)
	if p1 != p2 {
		t.Fatalf("paths differ: %s %s", p1, p2)
	}
	if _, err := os.Stat(p1); err != nil {
		t.Fatal(err)
	}
}

// TestWhisperCLI loads both shapes in whisper.cpp's own whisper-cli and transcribes a generated tone.
func TestWhisperCLI(t *testing.T) {
	cli := os.Getenv("WHISPER_CLI")
	if cli == "" {
		testgate.Missing(t, "WHISPER_CLI not set (eval \"$(build/whisper.sh --env)\")")
	}
	wav := filepath.Join(t.TempDir(), "tone.wav")
	writeTone(t, wav, 5)
	for _, s := range []Shape{Micro, Tiny} {
		t.Run(s.Name, func(t *testing.T) {
			if testing.Short() && s.Name == "tiny" {
				t.Skip("short")
			}
			model := ForTest(t, s)
			out := filepath.Join(t.TempDir(), "out")
			cmd := exec.Command(cli, "-m", model, "-f", wav, "-l", "auto", "-bs", "1", "-nf", "-t", "1", "-oj", "-of", out, "-np")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("whisper-cli: %v\n%s", err, b)
			}
			b, err := os.ReadFile(out + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Model struct {
					Vocab int `json:"vocab"`
					Audio struct {
						State int `json:"state"`
					} `json:"audio"`
				} `json:"model"`
				Result struct {
					Language string `json:"language"`
				} `json:"result"`
				Transcription []struct {
					Text string `json:"text"`
				} `json:"transcription"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if res.Model.Vocab != s.Vocab || res.Model.Audio.State != s.State {
				t.Errorf("model = %+v", res.Model)
			}
			if res.Result.Language == "" {
				t.Error("no language detected")
			}
			t.Logf("language %s, %d segments", res.Result.Language, len(res.Transcription))
		})
	}
}

// writeTone writes a 16 kHz mono 16-bit WAV with a wobbling tone.
func writeTone(t *testing.T, path string, seconds int) {
	t.Helper()
	n := 16000 * seconds
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(1))
	le(uint32(16000))
	le(uint32(32000))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * n))
	for i := 0; i < n; i++ {
		x := float64(i) / 16000
		le(int16(8000 * math.Sin(2*math.Pi*(300+100*math.Sin(3*x))*x)))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
