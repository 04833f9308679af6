package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestFind keeps find's SQL in step with the library schema: it reads a library written by the store.
func TestFind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "library.db")
	lib, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	if _, err := find(path, "jfk"); !errors.Is(err, errNone) {
		t.Fatalf("empty library: got %v, want errNone", err)
	}
	tr := &transcript.Transcript{Title: "jfk", SourceName: "JFK.flac", Duration: 11 * time.Second,
		Segments: []transcript.Segment{{Start: 0, End: time.Second, Text: " And so"}, {Start: time.Second, End: 2 * time.Second, Text: "my fellow "}}}
	if err := lib.Save(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	e, err := find(path, "jfk")
	if err != nil {
		t.Fatal(err)
	}
	if e.source != "JFK.flac" || e.segments != 2 || e.text != "And so my fellow" || e.duration != 11*time.Second || e.level != "standard" {
		t.Fatalf("got %+v", e)
	}
	if _, err := wait(path, "nothing", 0, time.Second); err == nil {
		t.Fatal("wait for a missing transcript succeeded")
	}
	if _, err := wait(path, "jfk", 11*time.Second, time.Second); err != nil {
		t.Fatalf("wait for jfk, 11 s: %v", err)
	}
	if _, err := wait(path, "jfk", 5*time.Second, time.Second); err == nil {
		t.Fatal("wait accepted a transcript of the wrong length")
	}
	// A transcript with the right name but no text is not a transcription.
	empty := &transcript.Transcript{Title: "empty talk", SourceName: "empty talk.flac", Duration: 11 * time.Second,
		Segments: []transcript.Segment{{Start: 0, End: time.Second, Text: "  "}}}
	if err := lib.Save(context.Background(), empty); err != nil {
		t.Fatal(err)
	}
	if _, err := wait(path, "empty talk", 0, time.Second); err == nil {
		t.Fatal("wait accepted a transcript without text")
	}
}
