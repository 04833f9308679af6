package audio

import "math"

// DualMonoCorrelation is the normalised correlation above which two channels count as the same
// signal (a mono recording stored as stereo, possibly at different levels).
const DualMonoCorrelation = 0.98

// NearlyIdentical reports whether two channels carry the same signal: their normalised
// cross-correlation at lag 0 is at least DualMonoCorrelation (so a level difference between the
// channels does not matter, while two people on two channels correlate near 0). Two silent channels
// are identical; one silent channel next to a sounding one is not. Only the common length is compared.
func NearlyIdentical(a, b []float32) bool {
	n := min(len(a), len(b))
	if n == 0 {
		return true
	}
	var ab, aa, bb float64
	for i := 0; i < n; i++ {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	const silent = 1e-10 // mean square below -100 dBFS
	qa, qb := aa/float64(n) < silent, bb/float64(n) < silent
	if qa || qb {
		return qa && qb
	}
	return ab/math.Sqrt(aa*bb) >= DualMonoCorrelation
}
