package audio

import (
	"fmt"
	"math"
)

// Resampler design. All numbers are relative to the lower of the two rates
// (for the usual case of downsampling to 16 kHz that is the 8 kHz output
// Nyquist frequency):
//
//   - passband edge: 0.90 of the lower Nyquist frequency (7.2 kHz for 16 kHz
//     output), flat to within ±0.0003 dB,
//   - stopband edge: exactly the lower Nyquist frequency, so nothing that
//     would alias back below 8 kHz gets through,
//   - stopband attenuation: 90 dB, passband ripple of the same order.
//
// The prototype is a Kaiser-windowed sinc whose length follows from
// Kaiser's formula for that transition band and attenuation (about 316
// input taps per output sample at 44.1 kHz, 344 at 48 kHz, 114 at 8 kHz).
const (
	rsPassband    = 0.90 // fraction of the lower Nyquist frequency kept flat
	rsStopband    = 1.00 // fraction of the lower Nyquist frequency where the stopband starts
	rsAttenuation = 90.0 // stopband attenuation in dB

	// rsMaxExactPhases bounds the table of exact polyphase filters. Rate
	// pairs that need more phases (an input rate sharing few factors with
	// 16000, such as 44056 Hz) use rsInterpPhases tabulated phases with
	// linear interpolation between neighbours instead, whose error is far
	// below the stopband attenuation.
	rsMaxExactPhases = 1024
	rsInterpPhases   = 512

	minSampleRate = 1000
	maxSampleRate = 384000
)

// resampler converts a stream of samples at one rate to another rate with a
// polyphase windowed-sinc filter. Output sample k lies at input time
// k*m/l exactly (zero delay): the filter is centred on it, so resampled audio
// stays aligned with the original and timestamps carry over.
//
// The zero value is not usable; use newResampler.
type resampler struct {
	l, m   int // outRate/inRate == l/m in lowest terms
	half   int // taps on each side of the output instant
	taps   int // 2*half
	phases int // filters in coef (plus one extra row when interpolating)
	exact  bool
	coef   []float32 // row p holds the taps for fractional position p/phases

	buf              []float32 // input history followed by pending input
	pos              int       // index in buf of floor(t) for the next output sample
	rem              int       // fractional part of t, in units of 1/l
	stepInt, stepRem int

	in, out int64 // input samples consumed, output samples produced
}

func newResampler(inRate, outRate int) (*resampler, error) {
	if inRate < minSampleRate || inRate > maxSampleRate || outRate < minSampleRate || outRate > maxSampleRate {
		return nil, fmt.Errorf("%w: sample rate %d Hz outside %d..%d Hz", ErrUnsupported, inRate, minSampleRate, maxSampleRate)
	}
	g := gcd(inRate, outRate)
	r := &resampler{l: outRate / g, m: inRate / g}
	r.stepInt, r.stepRem = r.m/r.l, r.m%r.l

	low := float64(min(inRate, outRate))
	fp := rsPassband * low / 2
	fs := rsStopband * low / 2
	// Kaiser's estimate of the filter length, in input samples.
	n := (rsAttenuation - 7.95) / (2.285 * 2 * math.Pi * (fs - fp) / float64(inRate))
	// Round up to a multiple of 4 so that the tap count is a multiple of 8,
	// the width of the vectorised inner product.
	r.half = (int(math.Ceil(n/2)) + 3) &^ 3
	r.taps = 2 * r.half
	fc := (fp + fs) / 2 / float64(inRate) // cutoff in cycles per input sample
	beta := 0.1102 * (rsAttenuation - 8.7)

	r.exact = r.l <= rsMaxExactPhases
	rows := r.l
	if !r.exact {
		r.phases = rsInterpPhases
		rows = rsInterpPhases + 1
	} else {
		r.phases = r.l
	}
	r.coef = make([]float32, rows*r.taps)
	i0b := besselI0(beta)
	row := make([]float64, r.taps)
	for p := range rows {
		frac := float64(p) / float64(r.phases)
		sum := 0.0
		for j := range row {
			x := frac + float64(r.half-1-j) // distance from the output instant, in input samples
			v := 0.0
			if u := x / float64(r.half); u > -1 && u < 1 {
				v = 2 * fc * sinc(2*fc*x) * besselI0(beta*math.Sqrt(1-u*u)) / i0b
			}
			row[j] = v
			sum += v
		}
		// Unity gain at DC for every phase: no phase-dependent ripple.
		for j, v := range row {
			r.coef[p*r.taps+j] = float32(v / sum)
		}
	}
	r.buf = make([]float32, r.half-1, r.half-1+8192)
	r.pos = r.half - 1
	return r, nil
}

// process resamples in and appends the output to out.
func (r *resampler) process(in, out []float32) []float32 {
	r.in += int64(len(in))
	r.buf = append(r.buf, in...)
	out = r.run(out, len(r.buf)-r.half-1, -1)
	r.compact()
	return out
}

// flush pads the input with silence so that every output sample whose
// instant lies inside the input gets produced, and appends those to out.
// The resampler must not be used afterwards.
func (r *resampler) flush(out []float32) []float32 {
	r.buf = append(r.buf, make([]float32, r.half+1)...)
	// Outputs k with k*m/l < in, that is ceil(in*l/m) in total.
	want := (r.in*int64(r.l) + int64(r.m) - 1) / int64(r.m)
	return r.run(out, len(r.buf)-r.half-1, want)
}

// run produces output samples while the window around r.pos lies inside
// r.buf (r.pos <= last) and, if limit >= 0, fewer than limit in total.
func (r *resampler) run(out []float32, last int, limit int64) []float32 {
	if n := r.available(last, limit); n > 0 {
		out = growFloat32(out, n)
	}
	taps := r.taps
	for r.pos <= last && (limit < 0 || r.out < limit) {
		x := r.buf[r.pos-r.half+1 : r.pos-r.half+1+taps]
		var y float32
		if r.exact {
			y = dot(x, r.coef[r.rem*taps:(r.rem+1)*taps])
		} else {
			q := r.rem * r.phases
			p, f := q/r.l, float32(q%r.l)/float32(r.l)
			a := dot(x, r.coef[p*taps:(p+1)*taps])
			b := dot(x, r.coef[(p+1)*taps:(p+2)*taps])
			y = a + f*(b-a)
		}
		out = append(out, y)
		r.out++
		r.pos += r.stepInt
		r.rem += r.stepRem
		if r.rem >= r.l {
			r.rem -= r.l
			r.pos++
		}
	}
	return out
}

// available estimates how many samples run will produce, for pre-sizing.
func (r *resampler) available(last int, limit int64) int {
	if r.pos > last {
		return 0
	}
	n := int64(last-r.pos+1)*int64(r.l)/int64(r.m) + 1
	if limit >= 0 {
		n = min(n, limit-r.out)
	}
	return int(max(n, 0))
}

// compact drops input that no future output sample needs.
func (r *resampler) compact() {
	start := r.pos - r.half + 1
	if start <= 0 {
		return
	}
	if start > len(r.buf) { // only possible when decimating heavily
		start = len(r.buf)
	}
	n := copy(r.buf, r.buf[start:])
	r.buf = r.buf[:n]
	r.pos -= start
}

// growFloat32 makes room for at least n more elements in s without the
// repeated small reallocations append would do for a long stream.
func growFloat32(s []float32, n int) []float32 {
	if cap(s)-len(s) >= n {
		return s
	}
	c := max(len(s)+n, cap(s)+cap(s)/4)
	t := make([]float32, len(s), c)
	copy(t, s)
	return t
}

// dotGeneric returns the inner product of a and b[:len(a)].
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
