package voiceprint_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/diarize"
	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	"github.com/hushscribe/hushscribe/internal/testcorpus"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/voiceprint"
)

// TestNamedVoiceLabelsNextRecording: diarize a recording, name a speaker and save the profile; the
// next recording (the same file, with the stand-in models) labels that voice by name.
func TestNamedVoiceLabelsNextRecording(t *testing.T) {
	rt := onnxrttest.Runtime(t)
	seg, err := diarize.OpenSegmenter(rt, standin.Segmentation(1))
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	emb, err := diarize.OpenEmbedder(rt, standin.Embedding(1, 256))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	d := diarize.New(seg, emb)
	var x []float32
	for _, name := range []string{"librispeech_a.flac", "librispeech_b.flac", "librispeech_a.flac"} {
		a, err := audio.DecodeFile(context.Background(), testcorpus.File(t, name), audio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		x = append(append(x, make([]float32, 8000)...), a.Mono()...)
	}
	first, err := d.Diarize(context.Background(), x, diarize.Config{Speakers: 2})
	if err != nil || len(first.Turns) == 0 {
		t.Fatalf("diarize: %+v, %v", first, err)
	}
	named := first.Turns[0].Speaker
	store := voiceprint.Open(filepath.Join(t.TempDir(), "voiceprints.json"))
	k := key(t)
	if _, err := store.Save(k, "Alice", "standin", first.Centroids[named]); err != nil {
		t.Fatal(err)
	}

	second, err := d.Diarize(context.Background(), x, diarize.Config{Speakers: 2})
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := store.List(k)
	if err != nil {
		t.Fatal(err)
	}
	names := voiceprint.Match(profiles, "standin", second.Centroids, voiceprint.DefaultThreshold)
	tr := &transcript.Transcript{Segments: []transcript.Segment{{Start: second.Turns[0].Start, End: second.Turns[0].End, Text: "hello"}}}
	diarize.Assign(tr, second, names)
	if got := tr.SpeakerName(tr.Segments[0].Speaker); got != "Alice" {
		t.Errorf("first turn's speaker is %q, want the saved profile's name Alice (names %q)", got, names)
	}
	// Another model's embeddings never match.
	if n := voiceprint.Match(profiles, "wespeaker-resnet34", second.Centroids, 0); n[0] != "" || len(n) > 1 && n[1] != "" {
		t.Errorf("matched across models: %q", n)
	}
}
