package export

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// equalTranscripts compares exactly, except that Created is compared as an instant plus UTC offset
// and probabilities bit for bit (so NaN equals NaN).
func equalTranscripts(t testing.TB, got, want *transcript.Transcript) {
	t.Helper()
	g, w := *got, *want
	_, goff := g.Created.Zone()
	_, woff := w.Created.Zone()
	if !g.Created.Equal(w.Created) || goff != woff {
		t.Errorf("Created = %v, want %v", g.Created, w.Created)
	}
	g.Created, w.Created = time.Time{}, time.Time{}
	g.Segments, w.Segments = bitSegments(g.Segments), bitSegments(w.Segments)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("round trip changed the transcript:\n got %#v\nwant %#v", g, w)
	}
}

// bitSegments copies segs with each probability replaced by its bits, as a float32 that compares
// equal whenever the bits are equal.
func bitSegments(segs []transcript.Segment) []transcript.Segment {
	if segs == nil {
		return nil
	}
	out := make([]transcript.Segment, len(segs))
	for i, s := range segs {
		if s.Words != nil {
			words := make([]transcript.Word, len(s.Words))
			for j, w := range s.Words {
				w.Probability = float32(math.Float32bits(w.Probability))
				words[j] = w
			}
			s.Words = words
		}
		out[i] = s
	}
	return out
}

func roundTrip(t testing.TB, tr *transcript.Transcript) *transcript.Transcript {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tr, JSON, Options{}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Import(&buf)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return got
}

func TestJSONRoundTrip(t *testing.T) {
	loc := time.FixedZone("CEST", 2*3600)
	tests := map[string]*transcript.Transcript{
		"rich":        richTranscript(),
		"big":         bigTranscript(100),
		"empty":       {},
		"empty lists": {Segments: []transcript.Segment{{Words: []transcript.Word{}}}, Speakers: []transcript.Speaker{}},
		"extremes": {
			Title:    "\u2028<script>&\"'\u00a0",
			Duration: math.MaxInt64,
			Created:  time.Date(2024, 2, 29, 23, 59, 59, 999999999, loc),
			Level:    transcript.Standard,
			Segments: []transcript.Segment{
				{Start: math.MinInt64, End: math.MaxInt64, Text: "  raw\n\ttext kept as is  ", Speaker: "nobody",
					Words: []transcript.Word{
						{Start: -1, End: 1, Text: " x", Probability: float32(math.NaN())},
						{Probability: float32(math.Inf(1))},
						{Probability: float32(math.Inf(-1))},
						{Probability: float32(math.Copysign(0, -1))},
						{Probability: math.SmallestNonzeroFloat32},
						{Probability: math.MaxFloat32},
						{Probability: 0.1},
					}},
			},
			Speakers: []transcript.Speaker{{ID: "", Name: ""}, {ID: "x"}},
		},
	}
	for name, tr := range tests {
		t.Run(name, func(t *testing.T) {
			equalTranscripts(t, roundTrip(t, tr), tr)
		})
	}
	// Nil and empty lists stay apart.
	got := roundTrip(t, tests["empty lists"])
	if got.Speakers == nil || got.Segments[0].Words == nil {
		t.Error("empty lists came back nil")
	}
	if got := roundTrip(t, tests["empty"]); got.Segments != nil || got.Speakers != nil {
		t.Error("nil lists came back non-nil")
	}
}

func TestJSONDocument(t *testing.T) {
	var buf bytes.Buffer
	tr := &transcript.Transcript{Title: "x", Segments: []transcript.Segment{{Start: 1500 * time.Millisecond, End: 2 * time.Second, Text: "a<b"}}}
	if err := Write(&buf, tr, JSON, Options{}); err != nil {
		t.Fatal(err)
	}
	want := `{
  "format": "hushscribe-transcript",
  "version": 1,
  "title": "x",
  "segments": [
    {
      "start_ns": 1500000000,
      "end_ns": 2000000000,
      "text": "a<b"
    }
  ]
}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestImportErrors(t *testing.T) {
	const head = `{"format":"hushscribe-transcript","version":1`
	tests := []struct {
		name, in string
		err      error
	}{
		{"empty", ``, ErrMalformed},
		{"not json", `hello`, ErrMalformed},
		{"array", `[]`, ErrMalformed},
		{"truncated", head + `,"segments":[`, ErrMalformed},
		{"null", `null`, ErrUnsupportedVersion},
		{"other format", `{"format":"other","version":1}`, ErrUnsupportedVersion},
		{"no format", `{"version":1,"segments":[]}`, ErrUnsupportedVersion},
		{"newer version", `{"format":"hushscribe-transcript","version":2}`, ErrUnsupportedVersion},
		{"version as string", `{"format":"hushscribe-transcript","version":"1"}`, ErrMalformed},
		{"unknown field", head + `,"colour":"red"}`, ErrMalformed},
		{"unknown nested field", head + `,"segments":[{"start_ns":0,"end_ns":0,"text":"","start":1}]}`, ErrMalformed},
		{"trailing data", head + `} {}`, ErrMalformed},
		{"trailing garbage", head + `}x`, ErrMalformed},
		{"bad level", head + `,"level":"secret"}`, ErrMalformed},
		{"fractional time", head + `,"duration_ns":1.5}`, ErrMalformed},
		{"time overflow", head + `,"duration_ns":9223372036854775808}`, ErrMalformed},
		{"bad created", head + `,"created":"yesterday"}`, ErrMalformed},
		{"bad probability", head + `,"segments":[{"start_ns":0,"end_ns":0,"text":"","words":[{"start_ns":0,"end_ns":0,"text":"","probability":"high"}]}]}`, ErrMalformed},
		{"probability overflow", head + `,"segments":[{"start_ns":0,"end_ns":0,"text":"","words":[{"start_ns":0,"end_ns":0,"text":"","probability":1e300}]}]}`, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Import(strings.NewReader(tc.in))
			if !errors.Is(err, tc.err) {
				t.Fatalf("Import = %v, %v; want error %v", got, err, tc.err)
			}
		})
	}
	if _, err := Import(&failWriterReader{}); err == nil || !errors.Is(err, errWrite) {
		t.Errorf("read error not passed on: %v", err)
	}
}

type failWriterReader struct{}

func (failWriterReader) Read([]byte) (int, error) { return 0, errWrite }

func TestImportAcceptsMinimal(t *testing.T) {
	got, err := Import(strings.NewReader(` {"version":1,"format":"hushscribe-transcript"} `))
	if err != nil {
		t.Fatal(err)
	}
	equalTranscripts(t, got, &transcript.Transcript{})
}
