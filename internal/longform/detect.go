package longform

import "math"

// Region is a stretch of samples, [Start, End), at 16 kHz.
type Region struct{ Start, End int }

// SpeechDetector finds the speech in 16 kHz mono samples: it returns the
// speech regions, sorted and not overlapping; everything else is a pause.
// The windows of a long file are cut in the middle of pauses. Energy is
// the default; a voice-activity model plugs in here.
type SpeechDetector interface {
	Speech(samples []float32) []Region
}

// Energy is a SpeechDetector by loudness: a 30 ms frame is speech when its
// RMS is above both MinRMS and Ratio times the noise floor (the 10th
// percentile of the frames' RMS); runs of speech frames are joined across
// gaps shorter than MinPause.
type Energy struct {
	MinRMS   float64 // 0: 0.003 (-50 dBFS)
	Ratio    float64 // 0: 3 (about 10 dB above the floor)
	MinPause int     // samples; 0: 4800 (300 ms)
}

const energyFrame = 480 // 30 ms

// Speech implements SpeechDetector.
func (e Energy) Speech(x []float32) []Region {
	minRMS, ratio, minPause := e.MinRMS, e.Ratio, e.MinPause
	if minRMS <= 0 {
		minRMS = 0.003
	}
	if ratio <= 0 {
		ratio = 3
	}
	if minPause <= 0 {
		minPause = 4800
	}
	rms := frameRMS(x, energyFrame)
	if len(rms) == 0 {
		return nil
	}
	floor := percentile(rms, 0.1)
	thr := math.Max(minRMS, floor*ratio)
	var out []Region
	for i, v := range rms {
		if v < thr {
			continue
		}
		s, t := i*energyFrame, min((i+1)*energyFrame, len(x))
		if n := len(out); n > 0 && s-out[n-1].End < minPause {
			out[n-1].End = t
			continue
		}
		out = append(out, Region{s, t})
	}
	return out
}

func frameRMS(x []float32, frame int) []float64 {
	out := make([]float64, 0, len(x)/frame+1)
	for i := 0; i < len(x); i += frame {
		var sum float64
		f := x[i:min(i+frame, len(x))]
		for _, v := range f {
			sum += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(sum/float64(len(f))))
	}
	return out
}

// percentile returns the p-quantile of v (not changing v), by a histogram
// on a log scale: good enough for a noise floor and linear in time.
func percentile(v []float64, p float64) float64 {
	const bins = 200 // 0.5 dB each from -100 dBFS
	var h [bins]int
	for _, x := range v {
		h[dbBin(x)]++
	}
	want := int(p * float64(len(v)))
	for i, n := range h {
		if want -= n; want < 0 {
			return math.Pow(10, (float64(i)*0.5-100)/20)
		}
	}
	return 1
}

func dbBin(x float64) int {
	if x <= 1e-5 {
		return 0
	}
	return min(max(int((20*math.Log10(x)+100)*2), 0), 199)
}

// pauses returns the gaps between speech regions within [0, n).
func pauses(speech []Region, n int) []Region {
	var out []Region
	at := 0
	for _, r := range speech {
		if r.Start > at {
			out = append(out, Region{at, r.Start})
		}
		at = max(at, r.End)
	}
	if at < n {
		out = append(out, Region{at, n})
	}
	return out
}

// quietest returns the centre of the quietest 100 ms in x.
func quietest(x []float32) int {
	const frame = 1600
	rms := frameRMS(x, frame)
	best := 0
	for i, v := range rms {
		if v < rms[best] {
			best = i
		}
	}
	return min(best*frame+frame/2, len(x))
}
