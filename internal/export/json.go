package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

const (
	jsonFormatName = "hushscribe-transcript"
	jsonVersion    = 1
)

type jsonHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

type jsonDoc struct {
	Format     string        `json:"format"`
	Version    int           `json:"version"`
	ID         string        `json:"id,omitzero"`
	Title      string        `json:"title,omitzero"`
	SourceName string        `json:"source_name,omitzero"`
	SourceSize int64         `json:"source_size,omitzero"`
	DurationNS int64         `json:"duration_ns,omitzero"`
	Language   string        `json:"language,omitzero"`
	Model      string        `json:"model,omitzero"`
	Created    *time.Time    `json:"created,omitzero"`
	Level      string        `json:"level,omitzero"`
	Speakers   []jsonSpeaker `json:"speakers,omitzero"`
	Segments   []jsonSegment `json:"segments,omitzero"`
}

type jsonSpeaker struct {
	ID   string `json:"id"`
	Name string `json:"name,omitzero"`
}

type jsonSegment struct {
	StartNS int64      `json:"start_ns"`
	EndNS   int64      `json:"end_ns"`
	Text    string     `json:"text"`
	Speaker string     `json:"speaker,omitzero"`
	Words   []jsonWord `json:"words,omitzero"`
}

type jsonWord struct {
	StartNS     int64       `json:"start_ns"`
	EndNS       int64       `json:"end_ns"`
	Text        string      `json:"text"`
	Probability probability `json:"probability"`
}

// probability is a float32 that also carries NaN and the infinities, as strings.
type probability float32

func (p probability) MarshalJSON() ([]byte, error) {
	f := float64(p)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 32), nil
}

func (p *probability) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*p = probability(math.NaN())
		return nil
	case `"+Inf"`:
		*p = probability(math.Inf(1))
		return nil
	case `"-Inf"`:
		*p = probability(math.Inf(-1))
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		// The decoder hands over a valid JSON number, whose syntax ParseFloat accepts.
		f, err := strconv.ParseFloat(string(b), 32)
		if err != nil {
			return fmt.Errorf("probability %s: %w", b, err)
		}
		*p = probability(f)
		return nil
	}
	var f float32
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("probability: %w", err)
	}
	*p = probability(f)
	return nil
}

func writeJSON(w *bufio.Writer, t *transcript.Transcript) error {
	if t.Level != "" && !t.Level.Valid() {
		return fmt.Errorf("%w: level %q", ErrInvalidTranscript, t.Level)
	}
	doc := jsonDoc{
		Format:     jsonFormatName,
		Version:    jsonVersion,
		ID:         t.ID,
		Title:      t.Title,
		SourceName: t.SourceName,
		SourceSize: t.SourceSize,
		DurationNS: int64(t.Duration),
		Language:   t.Language,
		Model:      t.Model,
		Level:      string(t.Level),
	}
	if !t.Created.IsZero() {
		c := t.Created
		doc.Created = &c
	}
	if t.Speakers != nil {
		doc.Speakers = make([]jsonSpeaker, len(t.Speakers))
		for i, s := range t.Speakers {
			doc.Speakers[i] = jsonSpeaker(s)
		}
	}
	if t.Segments != nil {
		doc.Segments = make([]jsonSegment, len(t.Segments))
		for i, s := range t.Segments {
			js := jsonSegment{StartNS: int64(s.Start), EndNS: int64(s.End), Text: s.Text, Speaker: s.Speaker}
			if s.Words != nil {
				js.Words = make([]jsonWord, len(s.Words))
				for j, w := range s.Words {
					js.Words[j] = jsonWord{int64(w.Start), int64(w.End), w.Text, probability(w.Probability)}
				}
			}
			doc.Segments[i] = js
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return nil
}

func checkHeader(h jsonHeader) error {
	if h.Format != jsonFormatName {
		return fmt.Errorf("import json: %w: format %q, want %q", ErrUnsupportedVersion, h.Format, jsonFormatName)
	}
	if h.Version != jsonVersion {
		return fmt.Errorf("import json: %w: version %d, this build reads %d", ErrUnsupportedVersion, h.Version, jsonVersion)
	}
	return nil
}

// Import reads a transcript written by Write in the JSON format and returns exactly what was
// written, with the two exceptions noted below. Syntax errors, unknown fields, trailing data and
// invalid levels give errors wrapping ErrMalformed; a document of another format or a newer version
// gives one wrapping ErrUnsupportedVersion.
//
// The JSON document is one object:
//
//	{
//	  "format": "hushscribe-transcript",
//	  "version": 1,
//	  "id": "...", "title": "...", "source_name": "...", "source_size": 123,
//	  "duration_ns": 5000000000,
//	  "language": "en", "model": "...", "created": "2024-05-01T09:30:00Z", "level": "standard",
//	  "speakers": [{"id": "S1", "name": "Alice"}],
//	  "segments": [{"start_ns": 0, "end_ns": 1500000000, "text": "...", "speaker": "S1",
//	                "words": [{"start_ns": 0, "end_ns": 400000000, "text": " Hello", "probability": 0.98}]}]
//	}
//
// All times and durations are integers in nanoseconds (the unit of time.Duration), so they round-trip
// without loss. Probabilities are float32 values in their shortest exact form; NaN and the
// infinities, which JSON lacks, are the strings "NaN", "+Inf" and "-Inf". Fields with zero values are
// left out, and lists only when nil, so that nil and empty lists come back as they were. Text is
// kept as is (no cleaning), HTML characters unescaped.
//
// The exceptions: "created" is RFC 3339 with nanoseconds and comes back as the same instant and UTC
// offset (time.Time.Equal holds) but not the zone's name; it is absent for the zero time. Strings that
// are not valid UTF-8 have the bad bytes replaced by U+FFFD, as encoding/json does.
func Import(r io.Reader) (*transcript.Transcript, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("import json: read: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc jsonDoc
	if err := dec.Decode(&doc); err != nil {
		// A document of another version may fail to decode as this one: say so if its header tells.
		var h jsonHeader
		if json.Unmarshal(data, &h) == nil {
			if err := checkHeader(h); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("import json: %w: %w", ErrMalformed, err)
	}
	if err := checkHeader(jsonHeader{doc.Format, doc.Version}); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("import json: %w: data after the document", ErrMalformed)
	}
	t := &transcript.Transcript{
		ID:         doc.ID,
		Title:      doc.Title,
		SourceName: doc.SourceName,
		SourceSize: doc.SourceSize,
		Duration:   time.Duration(doc.DurationNS),
		Language:   doc.Language,
		Model:      doc.Model,
		Level:      transcript.Level(doc.Level),
	}
	if t.Level != "" && !t.Level.Valid() {
		return nil, fmt.Errorf("import json: %w: unknown level %q", ErrMalformed, doc.Level)
	}
	if doc.Created != nil {
		t.Created = *doc.Created
	}
	if doc.Speakers != nil {
		t.Speakers = make([]transcript.Speaker, len(doc.Speakers))
		for i, s := range doc.Speakers {
			t.Speakers[i] = transcript.Speaker(s)
		}
	}
	if doc.Segments != nil {
		t.Segments = make([]transcript.Segment, len(doc.Segments))
		for i, s := range doc.Segments {
			seg := transcript.Segment{Start: time.Duration(s.StartNS), End: time.Duration(s.EndNS), Text: s.Text, Speaker: s.Speaker}
			if s.Words != nil {
				seg.Words = make([]transcript.Word, len(s.Words))
				for j, w := range s.Words {
					seg.Words[j] = transcript.Word{Start: time.Duration(w.StartNS), End: time.Duration(w.EndNS), Text: w.Text, Probability: float32(w.Probability)}
				}
			}
			t.Segments[i] = seg
		}
	}
	return t, nil
}
