// Command vadbench measures what voice activity detection buys end to end: it lays corpus speech out
// with as much silence again after each utterance (a file that is half silence), then transcribes it
// in one process, alternating, with and without Silero VAD (vad.TranscribeSpeech: detection included in
// the time), for -rounds rounds, and prints the median wall times and their ratio. Run it with the
// environment `source build/env.sh` sets (ONNX Runtime and the Silero model from build/onnx.sh):
//
//	go run -tags sqlite_fts5 ./internal/vad/cmd/vadbench -model /path/ggml-base.en.bin -corpus ../shared/corpus
//
// Without -model it generates a tiny-shaped model with random weights (internal/testmodel): whisper's
// cost per 30 s window is then real, its text is not.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
)

func main() {
	model := flag.String("model", "", "ggml whisper model (default: a generated tiny-shaped model with random weights)")
	corpus := flag.String("corpus", "../shared/corpus", "the speech corpus folder")
	rounds := flag.Int("rounds", 3, "alternating rounds")
	threads := flag.Int("threads", 2, "whisper.cpp threads")
	flag.Parse()
	if err := run(*model, *corpus, *rounds, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "vadbench:", err)
		os.Exit(1)
	}
}

func run(model, corpus string, rounds, threads int) error {
	ctx := context.Background()
	var samples []float32
	for _, name := range []string{"jfk.flac", "librispeech_a.flac", "librispeech_b.flac", "platforms_en.wav", "jfk.flac"} {
		a, err := audio.DecodeFile(ctx, filepath.Join(corpus, name), audio.Options{})
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		x := a.Mono()
		samples = append(samples, x...)
		samples = append(samples, make([]float32, len(x))...) // as much silence again
	}
	if model == "" {
		model = filepath.Join(os.TempDir(), "hushscribe-vadbench-tiny.bin")
		if _, err := os.Stat(model); err != nil {
			if err := testmodel.WriteFile(model, testmodel.Tiny, testmodel.DefaultSeed); err != nil {
				return err
			}
		}
	}
	eng, err := engine.Open(model, engine.Config{Threads: threads})
	if err != nil {
		return err
	}
	defer eng.Close()
	rt, err := onnxrt.Load(onnxrt.Locate(os.Getenv))
	if err != nil {
		return err
	}
	defer rt.Close()
	det, err := vad.Open(rt, os.Getenv("HUSHSCRIBE_SILERO_VAD"), vad.Config{})
	if err != nil {
		return err
	}
	defer det.Close()
	opt := engine.Options{Language: "en", Threads: threads, BeamSize: 1}
	plain := func() (*transcript.Transcript, error) { return eng.Transcribe(ctx, samples, opt) }
	withVAD := func() (*transcript.Transcript, error) {
		return vad.TranscribeSpeech(ctx, det, samples, vad.JoinOptions{}, func(ctx context.Context, x []float32) (*transcript.Transcript, error) {
			return eng.Transcribe(ctx, x, opt)
		})
	}
	regions, err := det.Detect(samples)
	if err != nil {
		return err
	}
	var speech time.Duration
	for _, r := range regions {
		speech += r.End - r.Start
	}
	total := time.Duration(len(samples)) * time.Second / vad.SampleRate
	fmt.Printf("file: %v, speech found by VAD: %v in %d regions; model %s, %d threads\n", total.Round(time.Millisecond), speech.Round(time.Millisecond), len(regions), filepath.Base(model), threads)
	var tPlain, tVAD []time.Duration
	var segPlain, segVAD int
	for range rounds {
		for _, c := range []struct {
			f   func() (*transcript.Transcript, error)
			out *[]time.Duration
			seg *int
		}{{plain, &tPlain, &segPlain}, {withVAD, &tVAD, &segVAD}} {
			start := time.Now()
			t, err := c.f()
			if err != nil {
				return err
			}
			*c.out = append(*c.out, time.Since(start))
			*c.seg = len(t.Segments)
		}
	}
	mp, mv := median(tPlain), median(tVAD)
	fmt.Printf("without VAD: median %v (%d segments)\nwith VAD:    median %v (%d segments, detection included)\nspeed-up:    %.2fx\n",
		mp.Round(time.Millisecond), segPlain, mv.Round(time.Millisecond), segVAD, float64(mp)/float64(mv))
	return nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
