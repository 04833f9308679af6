package audio

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDecode decodes corpus files from memory and reports the speed
// as a multiple of real time ("x_realtime", goal >= 200).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"jfk.flac", "librispeech_a.flac", "platforms_en.wav", "stereo_two_speakers.wav", "english_german.mp3", "hotwords.mp3"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join(corpusDir(b), name))
			if err != nil {
				b.Fatal(err)
			}
			benchDecode(b, data, name)
		})
	}
}

// BenchmarkResample measures the resampler alone on 10 s of noise.
func BenchmarkResample(b *testing.B) {
	for _, rate := range []int{8000, 22050, 24000, 44100, 48000, 44056} {
		b.Run(itoa(rate), func(b *testing.B) {
			in := noise(rate*10, 1)
			b.SetBytes(int64(len(in) * 4))
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				r, err := newResampler(rate, TargetRate)
				if err != nil {
					b.Fatal(err)
				}
				var out []float32
				for c := 0; c < len(in); c += chunkFrames {
					out = r.process(in[c:min(c+chunkFrames, len(in))], out)
				}
				r.flush(out)
			}
			b.ReportMetric(10*float64(b.N)/time.Since(start).Seconds(), "x_realtime")
		})
	}
}

func benchDecode(b *testing.B, data []byte, name string) {
	a, err := Decode(context.Background(), bytes.NewReader(data), name, Options{})
	if err != nil {
		b.Fatal(err)
	}
	secs := a.Duration().Seconds()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range b.N {
		if _, err := Decode(context.Background(), bytes.NewReader(data), name, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(secs*float64(b.N)/time.Since(start).Seconds(), "x_realtime")
	// On a shared machine wall time includes waiting for a core; the
	// process's CPU time does not (with -cpu 1 it is one core's work).
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(secs*float64(b.N)/cpu.Seconds(), "x_realtime_cpu")
	}
}

// BenchmarkDecode10Min decodes ten minutes of 44.1 kHz stereo speech (the
// JFK recording looped, encoded by ffmpeg in memory) in each native
// format: the "10 minutes in well under 3 s on one core" check. Run with
// -cpu 1 -benchtime 1x.
func BenchmarkDecode10Min(b *testing.B) {
	src := filepath.Join(corpusDir(b), "jfk.flac")
	needFFmpeg(b)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"x.flac", []string{"-c:a", "flac", "-sample_fmt", "s16", "-f", "flac"}},
		{"x.wav", []string{"-c:a", "pcm_s16le", "-f", "wav"}},
		{"x.mp3", []string{"-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := append([]string{"-stream_loop", "60", "-i", src, "-t", "600"}, c.args...)
			data := ffmpegRun(b, nil, append(args, "-")...)
			benchDecode(b, data, c.name)
		})
	}
}
