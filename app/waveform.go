package app

import (
	"fmt"
	"math"
	"os"
)

// MaxWaveformBuckets bounds the resolution the page may ask for.
const MaxWaveformBuckets = 4000

// Waveform returns the loudness outline of transcript id's original recording: buckets values in
// 0..1, each the peak absolute sample of an equal stretch of the audio (mixed to mono), for the
// editor to draw. The file is decoded in memory like a transcription and the samples are zeroed
// afterwards. It returns an empty slice when the original file is not available (never kept, moved
// or deleted), and ErrInvalid for a bucket count outside 1..MaxWaveformBuckets.
func (a *App) Waveform(id string, buckets int) ([]float32, error) {
	if buckets < 1 || buckets > MaxWaveformBuckets {
		return nil, fmt.Errorf("waveform: %w: %d buckets (1 to %d)", ErrInvalid, buckets, MaxWaveformBuckets)
	}
	if a.d.Decoder == nil {
		return nil, fmt.Errorf("waveform: %w", unavailable("decoder"))
	}
	path := a.d.Sources.Get(id)
	if path == "" {
		return []float32{}, nil
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return []float32{}, nil
	}
	ch, err := a.d.Decoder.DecodeFile(a.background(), path, false)
	if err != nil {
		return nil, fmt.Errorf("waveform: decode: %w", err)
	}
	if len(ch) == 0 {
		return []float32{}, nil
	}
	samples := mono(ch)
	defer func() {
		for _, c := range ch {
			clear(c)
		}
		clear(samples)
	}()
	return peaks(samples, buckets), nil
}

// peaks splits samples into n equal stretches and returns each one's peak absolute value, clamped
// to 1. With fewer samples than n, there are as many values as samples.
func peaks(samples []float32, n int) []float32 {
	if len(samples) < n {
		n = len(samples)
	}
	out := make([]float32, n)
	for i := range out {
		lo, hi := i*len(samples)/n, (i+1)*len(samples)/n
		var p float32
		for _, v := range samples[lo:hi] {
			if v < 0 {
				v = -v
			}
			if v > p {
				p = v
			}
		}
		out[i] = float32(math.Min(float64(p), 1))
	}
	return out
}
