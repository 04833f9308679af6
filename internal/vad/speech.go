package vad

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Joined is the audio of the speech regions of a recording laid end to end, with the map from its
// timeline back to the recording's.
type Joined struct {
	Samples []float32
	pieces  []piece
}

type piece struct{ at, from, n int } // samples [at, at+n) of Joined come from [from, from+n) of the recording

// JoinOptions says how regions are widened and merged before joining.
type JoinOptions struct {
	Pad time.Duration // added on both sides of each region (default 200 ms): whisper needs the word edges
	Gap time.Duration // regions closer than this are joined with the pause between them kept (default 1 s)
}

// Join lays the regions of samples end to end.
func Join(samples []float32, regions []Region, o JoinOptions) Joined {
	if o.Pad <= 0 {
		o.Pad = 200 * time.Millisecond
	}
	if o.Gap <= 0 {
		o.Gap = time.Second
	}
	sorted := append([]Region(nil), regions...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var spans [][2]int
	gap := int(o.Gap * SampleRate / time.Second)
	for _, r := range sorted {
		r.Start -= o.Pad
		r.End += o.Pad
		s, e := r.Samples(len(samples))
		if e <= s {
			continue
		}
		if k := len(spans); k > 0 && s-spans[k-1][1] < gap {
			spans[k-1][1] = max(spans[k-1][1], e)
			continue
		}
		spans = append(spans, [2]int{s, e})
	}
	var j Joined
	total := 0
	for _, sp := range spans {
		total += sp[1] - sp[0]
	}
	j.Samples = make([]float32, 0, total)
	for _, sp := range spans {
		j.pieces = append(j.pieces, piece{at: len(j.Samples), from: sp[0], n: sp[1] - sp[0]})
		j.Samples = append(j.Samples, samples[sp[0]:sp[1]]...)
	}
	return j
}

// Map returns the recording time of time t in the joined audio. end says t ends a span (a segment's or
// word's end): at a seam it then belongs to the piece before, not the one after.
func (j Joined) Map(t time.Duration, end bool) time.Duration {
	if len(j.pieces) == 0 {
		return t
	}
	n := int(t * SampleRate / time.Second)
	i := sort.Search(len(j.pieces), func(i int) bool {
		p := j.pieces[i]
		if end {
			return p.at+p.n >= n
		}
		return p.at+p.n > n
	})
	if i == len(j.pieces) {
		i = len(j.pieces) - 1
	}
	p := j.pieces[i]
	off := min(max(n-p.at, 0), p.n)
	return samplesToDur(p.from + off)
}

// MapTranscript moves every segment and word of t from the joined timeline to the recording's.
func (j Joined) MapTranscript(t *transcript.Transcript) {
	for i := range t.Segments {
		s := &t.Segments[i]
		s.Start, s.End = j.Map(s.Start, false), j.Map(s.End, true)
		for k := range s.Words {
			w := &s.Words[k]
			w.Start, w.End = j.Map(w.Start, false), j.Map(w.End, true)
		}
	}
}

// TranscribeFunc transcribes 16 kHz mono samples; its timestamps are relative to their start.
type TranscribeFunc func(ctx context.Context, samples []float32) (*transcript.Transcript, error)

// TranscribeSpeech detects speech in samples and transcribes only that: the speech regions are joined
// (Join) and transcribed in one call, and the result's timestamps are mapped back to the recording, so
// long pauses cost no decoding time and whisper never sees stretches of silence or music to
// hallucinate on. A recording without speech yields a transcript without segments and transcribe is
// not called. The result's Duration is the whole recording's.
func TranscribeSpeech(ctx context.Context, d Detector, samples []float32, o JoinOptions, transcribe TranscribeFunc) (*transcript.Transcript, error) {
	return TranscribeSpeechJoined(ctx, d, samples, o, func(ctx context.Context, x []float32, _ Joined) (*transcript.Transcript, error) {
		return transcribe(ctx, x)
	})
}

// TranscribeSpeechJoined is TranscribeSpeech for transcribers that also need the map (to move
// segments they stream out before returning to the recording's timeline).
func TranscribeSpeechJoined(ctx context.Context, d Detector, samples []float32, o JoinOptions, transcribe func(ctx context.Context, x []float32, j Joined) (*transcript.Transcript, error)) (*transcript.Transcript, error) {
	regions, err := d.Detect(samples)
	if err != nil {
		return nil, fmt.Errorf("detect speech: %w", err)
	}
	dur := samplesToDur(len(samples))
	j := Join(samples, regions, o)
	if len(j.Samples) == 0 {
		return &transcript.Transcript{Duration: dur, Segments: []transcript.Segment{}}, nil
	}
	t, err := transcribe(ctx, j.Samples, j)
	clear(j.Samples)
	if err != nil {
		return nil, err
	}
	j.MapTranscript(t)
	t.Duration = dur
	return t, nil
}
