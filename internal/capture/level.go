package capture

import "math"

// MinDBFS is the level reported for digital silence.
const MinDBFS = -120.0

// DBFS converts a linear amplitude (1.0 = full scale) to dBFS, clamped at MinDBFS.
func DBFS(amplitude float64) float64 {
	if amplitude <= 0 || math.IsNaN(amplitude) {
		return MinDBFS
	}
	return max(20*math.Log10(amplitude), MinDBFS)
}

// Measure returns the RMS and peak level of samples in dBFS.
func Measure(samples []float32) (rms, peak float64) {
	var m meter
	m.add(samples)
	return m.levels()
}

// meter accumulates the energy and peak of a run of samples.
type meter struct {
	sumSq float64
	peak  float64
	n     int
}

func (m *meter) add(samples []float32) {
	for _, s := range samples {
		v := math.Abs(float64(s))
		if math.IsNaN(v) {
			continue
		}
		m.sumSq += v * v
		if v > m.peak {
			m.peak = v
		}
	}
	m.n += len(samples)
}

func (m *meter) levels() (rms, peak float64) {
	if m.n == 0 {
		return MinDBFS, MinDBFS
	}
	return DBFS(math.Sqrt(m.sumSq / float64(m.n))), DBFS(m.peak)
}

func (m *meter) reset() { *m = meter{} }
