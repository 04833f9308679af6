package diarize

import (
	"math"
	"math/cmplx"
)

// FbankOptions are the Kaldi filter-bank settings. The zero value means WeSpeaker's recipe (its
// compute_fbank with torchaudio.compliance.kaldi.fbank): 80 mel bins, 25 ms frames every 10 ms,
// Hamming window, dither 0, pre-emphasis 0.97, DC removal, 512-point FFT, mel bins from 20 Hz to the
// Nyquist frequency, log energies floored at FLT_EPSILON, samples scaled to the 16-bit range, frames
// only where they fit whole (snip_edges), then the mean of each bin over the utterance subtracted (CMN).
type FbankOptions struct {
	Bins     int    // 80
	Window   string // "hamming" (default) or "povey"
	NoCMN    bool   // keep the per-utterance mean
	LowFreq  float64
	HighFreq float64 // <= 0: Nyquist + HighFreq (Kaldi's convention)
	// NoSnipEdges centres frames on multiples of 10 ms and mirrors the signal at the edges (Kaldi's
	// snip_edges=false) instead of using only whole frames.
	NoSnipEdges bool
}

// EmbeddingFbank are the features the embedding models get: what sherpa-onnx computes for them (its
// FeatureExtractorConfig: Povey window, mel bins from 20 to 7600 Hz, snip_edges false, no dither), with
// the per-utterance mean subtracted only when the model's metadata asks for it (feature_normalize_type
// "global-mean", 3D-Speaker's models). Checked against sherpa-onnx-node (reference_test.go).
var EmbeddingFbank = FbankOptions{Window: "povey", HighFreq: -400, NoSnipEdges: true, NoCMN: true}

const (
	frameLen   = 400 // 25 ms at 16 kHz
	frameShift = 160 // 10 ms
	fftSize    = 512
)

// Fbank computes log mel filter-bank features of 16 kHz samples in [-1, 1]: one row of Bins numbers per
// 10 ms frame (flattened, row-major). It returns the number of frames.
func Fbank(samples []float32, o FbankOptions) ([]float32, int) {
	if o.Bins <= 0 {
		o.Bins = 80
	}
	if o.LowFreq <= 0 {
		o.LowFreq = 20
	}
	nyquist := 8000.0
	high := o.HighFreq
	if high <= 0 {
		high = nyquist + high
	}
	frames := 0
	switch {
	case o.NoSnipEdges:
		frames = (len(samples) + frameShift/2) / frameShift
	case len(samples) >= frameLen:
		frames = 1 + (len(samples)-frameLen)/frameShift
	}
	if frames == 0 {
		return nil, 0
	}
	win := window(o.Window)
	banks := melBanks(o.Bins, o.LowFreq, high)
	out := make([]float32, frames*o.Bins)
	buf := make([]float64, frameLen)
	spec := make([]complex128, fftSize)
	power := make([]float64, fftSize/2+1)
	for f := range frames {
		start := f * frameShift
		if o.NoSnipEdges {
			start += frameShift/2 - frameLen/2
		}
		mean := 0.0
		for i := range buf {
			buf[i] = float64(sampleAt(samples, start+i)) * 32768
			mean += buf[i]
		}
		mean /= frameLen
		for i := range buf {
			buf[i] -= mean
		}
		for i := frameLen - 1; i > 0; i-- {
			buf[i] -= 0.97 * buf[i-1]
		}
		buf[0] -= 0.97 * buf[0]
		for i := range spec {
			spec[i] = 0
		}
		for i, v := range buf {
			spec[i] = complex(v*win[i], 0)
		}
		fft(spec)
		for k := range power {
			a := cmplx.Abs(spec[k])
			power[k] = a * a
		}
		row := out[f*o.Bins : (f+1)*o.Bins]
		for m, b := range banks {
			e := 0.0
			for k, w := range b.weights {
				e += w * power[b.first+k]
			}
			row[m] = float32(math.Log(math.Max(e, 1.1920928955078125e-07)))
		}
	}
	if !o.NoCMN {
		for m := 0; m < o.Bins; m++ {
			s := 0.0
			for f := range frames {
				s += float64(out[f*o.Bins+m])
			}
			mean := float32(s / float64(frames))
			for f := range frames {
				out[f*o.Bins+m] -= mean
			}
		}
	}
	return out, frames
}

// sampleAt mirrors indexes outside samples back into it (Kaldi's edge handling).
func sampleAt(x []float32, i int) float32 {
	n := len(x)
	for i < 0 || i >= n {
		if i < 0 {
			i = -i - 1
		} else {
			i = 2*n - 1 - i
		}
	}
	return x[i]
}

func window(kind string) []float64 {
	w := make([]float64, frameLen)
	a := 2 * math.Pi / float64(frameLen-1)
	for i := range w {
		if kind == "povey" {
			w[i] = math.Pow(0.5-0.5*math.Cos(a*float64(i)), 0.85)
		} else {
			w[i] = 0.54 - 0.46*math.Cos(a*float64(i))
		}
	}
	return w
}

type melBank struct {
	first   int
	weights []float64
}

func mel(f float64) float64 { return 1127 * math.Log(1+f/700) }

// melBanks are Kaldi's triangular filters on the mel scale over the FFT bins below Nyquist.
func melBanks(n int, low, high float64) []melBank {
	ml, mh := mel(low), mel(high)
	delta := (mh - ml) / float64(n+1)
	banks := make([]melBank, n)
	for m := range n {
		left, center, right := ml+float64(m)*delta, ml+float64(m+1)*delta, ml+float64(m+2)*delta
		b := melBank{first: -1}
		for k := 0; k < fftSize/2; k++ {
			v := mel(float64(k) * 16000 / fftSize)
			if v <= left || v >= right {
				continue
			}
			w := (v - left) / (center - left)
			if v > center {
				w = (right - v) / (right - center)
			}
			if b.first < 0 {
				b.first = k
			}
			for len(b.weights) < k-b.first {
				b.weights = append(b.weights, 0)
			}
			b.weights = append(b.weights, w)
		}
		if b.first < 0 {
			b.first = 0
		}
		banks[m] = b
	}
	return banks
}

// fft is an in-place iterative radix-2 FFT (len(x) a power of two).
func fft(x []complex128) {
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
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			t := complex(1, 0)
			for k := 0; k < size/2; k++ {
				u, v := x[start+k], x[start+k+size/2]*t
				x[start+k], x[start+k+size/2] = u+v, u-v
				t *= w
			}
		}
	}
}
