// Command derbench measures diarization accuracy (DER) on a stereo recording with one speaker per
// channel: the channels, each run through Silero VAD, are the reference (who speaks when); the
// channels mixed to mono are diarized. With no model flags it uses the stand-in models (package
// standin: random weights, so the number only shows the pipeline runs end to end); with the real
// models it measures real accuracy:
//
//	source build/env.sh   # ONNX Runtime and Silero VAD (build/onnx.sh)
//	go run ./internal/diarize/cmd/derbench -file ../shared/corpus/stereo_two_speakers.wav \
//	    [-segmentation pyannote-segmentation-3.0.onnx -embedding wespeaker-voxceleb-resnet34.onnx] [-speakers 2]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/diarize"
	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/vad"
)

func main() {
	file := flag.String("file", "../shared/corpus/stereo_two_speakers.wav", "stereo recording, one speaker per channel")
	segPath := flag.String("segmentation", "", "pyannote segmentation-3.0 ONNX model (default: stand-in)")
	embPath := flag.String("embedding", "", "speaker embedding ONNX model (default: stand-in)")
	speakers := flag.Int("speakers", 0, "number of speakers (0 = automatic)")
	flag.Parse()
	if err := run(*file, *segPath, *embPath, *speakers); err != nil {
		fmt.Fprintln(os.Stderr, "derbench:", err)
		os.Exit(1)
	}
}

func load(path string, standIn []byte) ([]byte, string, error) {
	if path == "" {
		return standIn, "stand-in (random weights)", nil
	}
	b, err := os.ReadFile(path)
	return b, path, err
}

func run(file, segPath, embPath string, speakers int) error {
	ctx := context.Background()
	a, err := audio.DecodeFile(ctx, file, audio.Options{KeepChannels: true})
	if err != nil {
		return err
	}
	if len(a.Channels) < 2 {
		return fmt.Errorf("%s has %d channel(s); want one speaker per channel", file, len(a.Channels))
	}
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
	var ref []diarize.Turn
	for ch, x := range a.Channels[:2] {
		regions, err := det.Detect(x)
		if err != nil {
			return err
		}
		for _, r := range regions {
			ref = append(ref, diarize.Turn{Start: r.Start, End: r.End, Speaker: ch})
		}
	}
	segModel, segName, err := load(segPath, standin.Segmentation(1))
	if err != nil {
		return err
	}
	embModel, embName, err := load(embPath, standin.Embedding(1, 256))
	if err != nil {
		return err
	}
	seg, err := diarize.OpenSegmenter(rt, segModel)
	if err != nil {
		return err
	}
	defer seg.Close()
	emb, err := diarize.OpenEmbedder(rt, embModel)
	if err != nil {
		return err
	}
	defer emb.Close()
	start := time.Now()
	res, err := diarize.New(seg, emb).Diarize(ctx, a.Mono(), diarize.Config{Speakers: speakers})
	if err != nil {
		return err
	}
	took := time.Since(start)
	der, missed, fa, conf := diarize.DER(ref, res.Turns, a.Duration())
	fmt.Printf("file %s (%v), reference: %d turns from the channels (Silero VAD)\n", file, a.Duration().Round(time.Millisecond), len(ref))
	fmt.Printf("segmentation: %s\nembedding:    %s\n", segName, embName)
	fmt.Printf("found %d speakers, %d turns in %v\n", res.Speakers, len(res.Turns), took.Round(time.Millisecond))
	fmt.Printf("DER %.1f %% (missed %v, false alarm %v, confusion %v)\n", 100*der, missed, fa, conf)
	return nil
}
