// Package wavfile writes 16-bit PCM WAV files (RIFF/WAVE, format tag 1) from float32 samples, for the
// test and benchmark programs that lay out audio (voice activity detection, diarization). Reading is
// internal/audio's job.
package wavfile

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Write writes mono samples in [-1, 1] (clipped) at rate Hz as a 16-bit PCM WAV file.
func Write(w io.Writer, samples []float32, rate int) error {
	if rate <= 0 {
		return fmt.Errorf("wavfile: sample rate %d", rate)
	}
	data := uint32(2 * len(samples))
	hdr := []any{
		[4]byte{'R', 'I', 'F', 'F'}, 36 + data, [4]byte{'W', 'A', 'V', 'E'},
		[4]byte{'f', 'm', 't', ' '}, uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16),
		[4]byte{'d', 'a', 't', 'a'}, data,
	}
	for _, v := range hdr {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("wavfile: %w", err)
		}
	}
	buf := make([]byte, 2*len(samples))
	for i, s := range samples {
		v := math.Round(float64(s) * 32767)
		v = math.Max(-32768, math.Min(32767, v))
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(int16(v)))
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("wavfile: %w", err)
	}
	return nil
}
