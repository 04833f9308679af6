package diarize

import (
	"fmt"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// SpeakerID is the transcript's speaker ID for diarized speaker g: "S1", "S2", ...
func SpeakerID(g int) string { return fmt.Sprintf("S%d", g+1) }

// speakerAt returns the speaker whose turns overlap [start, end) most, else the speaker of the nearest
// turn; -1 without turns.
func speakerAt(turns []Turn, speakers int, start, end time.Duration) int {
	if len(turns) == 0 {
		return -1
	}
	overlap := make([]time.Duration, speakers)
	best := -1
	for _, t := range turns {
		o := min(end, t.End) - max(start, t.Start)
		if o > 0 {
			overlap[t.Speaker] += o
			if best < 0 || overlap[t.Speaker] > overlap[best] {
				best = t.Speaker
			}
		}
	}
	if best >= 0 {
		return best
	}
	mid := (start + end) / 2
	var dist time.Duration = -1
	for _, t := range turns {
		d := max(t.Start-mid, mid-t.End, 0)
		if dist < 0 || d < dist {
			dist, best = d, t.Speaker
		}
	}
	return best
}

// Assign labels t's segments with res's speakers: each word takes the speaker it overlaps most (the
// nearest one if none), a segment is split where its words change speaker, and segments without words
// take the speaker they overlap most. t.Speakers lists the speakers that got text, named names[g] when
// given, else "Speaker N".
func Assign(t *transcript.Transcript, res *Result, names []string) {
	if res == nil || len(res.Turns) == 0 {
		return
	}
	var out []transcript.Segment
	used := map[int]bool{}
	for _, s := range t.Segments {
		if len(s.Words) == 0 {
			g := speakerAt(res.Turns, res.Speakers, s.Start, s.End)
			s.Speaker = SpeakerID(g)
			used[g] = true
			out = append(out, s)
			continue
		}
		cur := -2
		var part transcript.Segment
		flush := func() {
			if cur >= 0 && len(part.Words) > 0 {
				part.Text = strings.TrimRight(part.Text, " ")
				out = append(out, part)
			}
		}
		for _, w := range s.Words {
			g := speakerAt(res.Turns, res.Speakers, w.Start, w.End)
			if g != cur {
				flush()
				cur = g
				part = transcript.Segment{Start: w.Start, Speaker: SpeakerID(g)}
				used[g] = true
			}
			part.Words = append(part.Words, w)
			part.Text += w.Text
			part.End = w.End
		}
		flush()
	}
	t.Segments = out
	t.Speakers = nil
	for g := range res.Speakers {
		if !used[g] {
			continue
		}
		name := fmt.Sprintf("Speaker %d", g+1)
		if g < len(names) && names[g] != "" {
			name = names[g]
		}
		t.Speakers = append(t.Speakers, transcript.Speaker{ID: SpeakerID(g), Name: name})
	}
}
