package diarize

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	"github.com/hushscribe/hushscribe/internal/testcorpus"
)

func standins(t *testing.T) *Diarizer {
	t.Helper()
	rt := onnxrttest.Runtime(t)
	seg, err := OpenSegmenter(rt, standin.Segmentation(1))
	if err != nil {
		t.Fatal(err)
	}
	emb, err := OpenEmbedder(rt, standin.Embedding(1, 256))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seg.Close(); emb.Close() })
	return New(seg, emb)
}

// conversation lays two corpus speakers out in turns with pauses: A B A B.
func conversation(t *testing.T) ([]float32, []Turn) {
	var x []float32
	var ref []Turn
	clips := map[int][]float32{}
	for s, name := range []string{"librispeech_a.flac", "librispeech_b.flac"} {
		a, err := audio.DecodeFile(context.Background(), testcorpus.File(t, name), audio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		clips[s] = a.Mono()
	}
	for _, s := range []int{0, 1, 0, 1} {
		x = append(x, make([]float32, SampleRate/2)...)
		start := len(x)
		x = append(x, clips[s]...)
		ref = append(ref, Turn{Start: dur(start), End: dur(len(x)), Speaker: s})
	}
	return append(x, make([]float32, SampleRate/2)...), ref
}

func dur(n int) time.Duration { return time.Duration(n) * time.Second / SampleRate }

// TestDiarizeWithStandins: the whole pipeline runs on the stand-in models, at a known speaker count
// and automatically; turns lie inside the recording, speaker numbers inside the count, and the
// centroids are unit vectors of the model's length. (With random weights the accuracy means nothing;
// cmd/derbench prints it.)
func TestDiarizeWithStandins(t *testing.T) {
	d := standins(t)
	x, ref := conversation(t)
	for _, speakers := range []int{2, 0} {
		res, err := d.Diarize(context.Background(), x, Config{Speakers: speakers})
		if err != nil {
			t.Fatal(err)
		}
		if res.Speakers == 0 || speakers > 0 && res.Speakers > speakers || len(res.Turns) == 0 {
			t.Fatalf("speakers=%d: got %d speakers, %d turns", speakers, res.Speakers, len(res.Turns))
		}
		for _, tr := range res.Turns {
			if tr.Start < 0 || tr.End > dur(len(x)) || tr.End <= tr.Start || tr.Speaker < 0 || tr.Speaker >= res.Speakers {
				t.Errorf("bad turn %+v", tr)
			}
		}
		for _, c := range res.Centroids {
			if len(c) != 256 || Similarity(c, c) < 0.999 {
				t.Errorf("centroid of length %d, self-similarity %.3f", len(c), Similarity(c, c))
			}
		}
		der, _, _, _ := DER(ref, res.Turns, dur(len(x)))
		t.Logf("speakers=%d: %d speakers, %d turns, DER %.1f %% (stand-in models)", speakers, res.Speakers, len(res.Turns), 100*der)
	}
}

func TestDiarizeErrors(t *testing.T) {
	d := standins(t)
	x, _ := conversation(t)
	if _, err := d.Diarize(context.Background(), x, Config{Speakers: -1}); err == nil {
		t.Error("negative speaker count accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Diarize(ctx, x, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	res, err := d.Diarize(context.Background(), make([]float32, 3*SampleRate), Config{})
	if err != nil || len(res.Turns) != 0 {
		t.Errorf("silence: %+v, %v", res, err)
	}
	// Models without the interfaces: clear errors.
	rt := onnxrttest.Runtime(t)
	if _, err := OpenSegmenter(rt, standin.Embedding(1, 8)); !errors.Is(err, onnxrt.ErrModel) {
		t.Errorf("embedding model as segmentation: %v", err)
	}
	if _, err := OpenEmbedder(rt, standin.Segmentation(1)); !errors.Is(err, onnxrt.ErrModel) {
		t.Errorf("segmentation model as embedding: %v", err)
	}
	if _, err := OpenSegmenter(rt, []byte("garbage")); !errors.Is(err, onnxrt.ErrModel) {
		t.Errorf("garbage: %v", err)
	}
}
