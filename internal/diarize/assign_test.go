package diarize

import (
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestAssign(t *testing.T) {
	res := &Result{Speakers: 2, Turns: []Turn{
		{Start: 0, End: sec(5), Speaker: 0},
		{Start: sec(5), End: sec(9), Speaker: 1},
		{Start: sec(12), End: sec(15), Speaker: 0},
	}}
	tr := &transcript.Transcript{Segments: []transcript.Segment{
		{Start: sec(1), End: sec(8), Text: " Hello there. Hi, how are you?", Words: []transcript.Word{
			{Start: sec(1), End: sec(2), Text: " Hello"}, {Start: sec(2), End: sec(3), Text: " there."},
			{Start: sec(5.2), End: sec(6), Text: " Hi,"}, {Start: sec(6), End: sec(7), Text: " how"},
			{Start: sec(7), End: sec(7.5), Text: " are"}, {Start: sec(7.5), End: sec(8), Text: " you?"},
		}},
		{Start: sec(12.5), End: sec(14), Text: " Fine."},           // no words: by overlap
		{Start: sec(10), End: sec(10.5), Text: " (nobody's turn)"}, // no overlap: nearest turn (speaker 1 ends at 9)
	}}
	Assign(tr, res, []string{"", "Bob"})
	want := []struct {
		start, end time.Duration
		speaker    string
		text       string
	}{
		{sec(1), sec(3), "S1", " Hello there."},
		{sec(5.2), sec(8), "S2", " Hi, how are you?"},
		{sec(12.5), sec(14), "S1", " Fine."},
		{sec(10), sec(10.5), "S2", " (nobody's turn)"},
	}
	if len(tr.Segments) != len(want) {
		t.Fatalf("segments %+v", tr.Segments)
	}
	for i, w := range want {
		s := tr.Segments[i]
		if s.Start != w.start || s.End != w.end || s.Speaker != w.speaker || s.Text != w.text {
			t.Errorf("segment %d = %v-%v %s %q, want %v-%v %s %q", i, s.Start, s.End, s.Speaker, s.Text, w.start, w.end, w.speaker, w.text)
		}
	}
	if len(tr.Speakers) != 2 || tr.Speakers[0].Name != "Speaker 1" || tr.Speakers[1].Name != "Bob" {
		t.Errorf("speakers %+v", tr.Speakers)
	}
	// No turns: the transcript is left alone.
	tr2 := &transcript.Transcript{Segments: []transcript.Segment{{Text: "x"}}}
	Assign(tr2, &Result{}, nil)
	if tr2.Segments[0].Speaker != "" || tr2.Speakers != nil {
		t.Errorf("changed without turns: %+v", tr2)
	}
}
