package audio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testcorpus"
	"github.com/hushscribe/hushscribe/internal/testgate"
)

func corpusDir(t testing.TB) string { return testcorpus.Dir(t) }

func needFFmpeg(t testing.TB) string {
	t.Helper()
	return testgate.Tool(t, "ffmpeg")
}

// ffmpegRun runs ffmpeg with args, feeding stdin, and returns its stdout.
// Everything stays in memory.
func ffmpegRun(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(needFFmpeg(t), append([]string{"-hide_banner", "-loglevel", "error"}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, stderr.String())
	}
	return out
}

// ffmpegRef decodes with ffmpeg's own decoders and its soxr resampler
// (set to the same 0.9 passband as ours) to 16 kHz float32: mono as the
// average of the channels, or with keep the source's channels apart.
// src is a path, or "pipe:0" with data on stdin.
func ffmpegRef(t testing.TB, src string, data []byte, keep bool) [][]float32 {
	t.Helper()
	channels := ffprobeChannels(t, src, data)
	af := "aresample=resampler=soxr:precision=28:cutoff=0.9"
	out := 1
	switch {
	case keep:
		out = channels
	case channels > 1:
		mix := make([]string, channels)
		for i := range mix {
			mix[i] = fmt.Sprintf("%.17g*c%d", 1/float64(channels), i)
		}
		af = "pan=mono|c0=" + strings.Join(mix, "+") + "," + af
	}
	b := ffmpegRun(t, data, "-i", src, "-map", "0:a:0", "-af", af, "-ar", "16000", "-f", "f32le", "-")
	return deinterleave(floats(b), out)
}

func ffprobeChannels(t testing.TB, src string, data []byte) int {
	t.Helper()
	p := testgate.Tool(t, "ffprobe")
	cmd := exec.Command(p, "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels", "-of", "csv=p=0", "-i", src)
	if data != nil {
		cmd.Stdin = bytes.NewReader(data)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("ffprobe: %q", out)
	}
	return n
}

func floats(b []byte) []float32 {
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

func deinterleave(x []float32, channels int) [][]float32 {
	out := make([][]float32, channels)
	n := len(x) / channels
	for c := range out {
		out[c] = make([]float32, n)
		for i := range n {
			out[c][i] = x[i*channels+c]
		}
	}
	return out
}

// bestLag finds the shift d in [-maxLag, maxLag] maximising the
// correlation of got[i+d] with want[i] (by FFT).
func bestLag(got, want []float32, maxLag int) int {
	n := 1
	for n < len(got)+len(want) {
		n <<= 1
	}
	a, b := toComplex(got, n), toComplex(want, n)
	fft(a, false)
	fft(b, false)
	for i := range a {
		a[i] *= cmplx.Conj(b[i])
	}
	fft(a, true)
	best, bestV := 0, math.Inf(-1)
	for d := -maxLag; d <= maxLag; d++ {
		if v := real(a[(d+n)%n]); v > bestV {
			best, bestV = d, v
		}
	}
	return best
}

// snr compares got to want, leaving out edge samples at both ends, and
// returns the signal-to-noise ratio in dB, counting only frequencies below
// band Hz (0: all).
func snr(got, want []float32, edge int, band float64) float64 {
	n := min(len(got), len(want))
	if band == 0 {
		var sig, noise float64
		for i := edge; i < n-edge; i++ {
			d := float64(got[i]) - float64(want[i])
			sig += float64(want[i]) * float64(want[i])
			noise += d * d
		}
		return ratioDB(sig, noise)
	}
	m := 1
	for m < n {
		m <<= 1
	}
	w, d := make([]complex128, m), make([]complex128, m)
	for i := edge; i < n-edge; i++ {
		w[i] = complex(float64(want[i]), 0)
		d[i] = complex(float64(got[i])-float64(want[i]), 0)
	}
	fft(w, false)
	fft(d, false)
	var sig, noise float64
	top := int(band / TargetRate * float64(m))
	for k := 0; k <= top; k++ {
		for _, j := range []int{k, (m - k) % m} {
			sig += real(w[j] * cmplx.Conj(w[j]))
			noise += real(d[j] * cmplx.Conj(d[j]))
		}
	}
	return ratioDB(sig, noise)
}

func ratioDB(sig, noise float64) float64 {
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

func toComplex(x []float32, n int) []complex128 {
	c := make([]complex128, n)
	for i, v := range x {
		c[i] = complex(float64(v), 0)
	}
	return c
}

// fft is an in-place radix-2 FFT; len(x) must be a power of two. The
// inverse is unscaled.
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, sign*2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				u, v := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = u+v, u-v
				w *= step
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// noise returns n frames of deterministic white noise in [-0.5, 0.5).
func noise(n, channels int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*channels)
	for i := range x {
		x[i] = r.Float32() - 0.5
	}
	return x
}
