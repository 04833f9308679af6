package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// Names of the sealed fields of a Private transcript; each is the field argument of vault.AD.
const (
	fieldSegments   = "segments"
	fieldSpeakers   = "speakers"
	fieldTitle      = "title"
	fieldSourceName = "source_name"
)

// codecVersion is the version of the JSON documents below.
const codecVersion = 1

// wireWord is a Word as stored: in segments.words (Standard) and inside the sealed segments document.
type wireWord struct {
	Start int64   `json:"s"`
	End   int64   `json:"e"`
	Text  string  `json:"t"`
	Prob  float32 `json:"p"`
}

type wireSegment struct {
	Start   int64      `json:"s"`
	End     int64      `json:"e"`
	Text    string     `json:"t"`
	Speaker string     `json:"k,omitempty"`
	Words   []wireWord `json:"w,omitempty"`
}

type wireSpeaker struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// sealedSegments is the plaintext of a Private transcript's "segments" envelope.
type sealedSegments struct {
	V        int           `json:"v"`
	Segments []wireSegment `json:"segments"`
}

// sealedSpeakers is the plaintext of a Private transcript's "speakers" envelope.
type sealedSpeakers struct {
	V        int           `json:"v"`
	Speakers []wireSpeaker `json:"speakers"`
}

// maxIDLen bounds transcript ids.
const maxIDLen = 128

// validate reports why t cannot be stored, as an error wrapping ErrInvalid.
func validate(t *transcript.Transcript) error {
	if t.Level != "" && !t.Level.Valid() {
		return fmt.Errorf("%w: unknown privacy level %q", ErrInvalid, t.Level)
	}
	if t.ID != "" {
		if err := validateID(t.ID); err != nil {
			return err
		}
	}
	if t.SourceSize < 0 || t.Duration < 0 {
		return fmt.Errorf("%w: negative size or duration", ErrInvalid)
	}
	if len(t.Segments) > maxSegments {
		return fmt.Errorf("%w: %d segments, at most %d", ErrInvalid, len(t.Segments), maxSegments)
	}
	for i, s := range t.Segments {
		for j, w := range s.Words {
			if math.IsNaN(float64(w.Probability)) || math.IsInf(float64(w.Probability), 0) {
				return fmt.Errorf("%w: segment %d word %d: probability is not a number", ErrInvalid, i, j)
			}
		}
	}
	return nil
}

func validateID(id string) error {
	if id == "" || len(id) > maxIDLen || !utf8.ValidString(id) {
		return fmt.Errorf("%w: transcript id must be 1 to %d bytes of UTF-8", ErrInvalid, maxIDLen)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: transcript id contains a control character", ErrInvalid)
		}
	}
	return nil
}

func toWireWords(ws []transcript.Word) []wireWord {
	if len(ws) == 0 {
		return nil
	}
	out := make([]wireWord, len(ws))
	for i, w := range ws {
		out[i] = wireWord{Start: int64(w.Start), End: int64(w.End), Text: w.Text, Prob: w.Probability}
	}
	return out
}

func fromWireWords(ws []wireWord) []transcript.Word {
	if len(ws) == 0 {
		return nil
	}
	out := make([]transcript.Word, len(ws))
	for i, w := range ws {
		out[i] = transcript.Word{Start: time.Duration(w.Start), End: time.Duration(w.End), Text: w.Text, Probability: w.Prob}
	}
	return out
}

// encodeWords returns the segments.words column value: nil (NULL) for no words.
func encodeWords(ws []transcript.Word) ([]byte, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(toWireWords(ws))
	if err != nil {
		return nil, fmt.Errorf("%w: encode words: %v", ErrInvalid, err)
	}
	return b, nil
}

// decodeWords parses a segments.words column value.
func decodeWords(b []byte) ([]transcript.Word, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var ws []wireWord
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("%w: words: %v", ErrCorrupt, err)
	}
	return fromWireWords(ws), nil
}

func encodeSegments(segs []transcript.Segment) ([]byte, error) {
	doc := sealedSegments{V: codecVersion, Segments: make([]wireSegment, len(segs))}
	for i, s := range segs {
		doc.Segments[i] = wireSegment{Start: int64(s.Start), End: int64(s.End), Text: s.Text, Speaker: s.Speaker, Words: toWireWords(s.Words)}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: encode segments: %v", ErrInvalid, err)
	}
	return b, nil
}

func decodeSegments(b []byte) ([]transcript.Segment, error) {
	var doc sealedSegments
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: segments: %v", ErrCorrupt, err)
	}
	if doc.V != codecVersion {
		return nil, fmt.Errorf("%w: segments document version %d", ErrCorrupt, doc.V)
	}
	out := make([]transcript.Segment, len(doc.Segments))
	for i, s := range doc.Segments {
		out[i] = transcript.Segment{Start: time.Duration(s.Start), End: time.Duration(s.End), Text: s.Text, Speaker: s.Speaker, Words: fromWireWords(s.Words)}
	}
	return out, nil
}

func encodeSpeakers(sp []transcript.Speaker) ([]byte, error) {
	doc := sealedSpeakers{V: codecVersion, Speakers: make([]wireSpeaker, len(sp))}
	for i, s := range sp {
		doc.Speakers[i] = wireSpeaker{ID: s.ID, Name: s.Name}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: encode speakers: %v", ErrInvalid, err)
	}
	return b, nil
}

func decodeSpeakers(b []byte) ([]transcript.Speaker, error) {
	var doc sealedSpeakers
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: speakers: %v", ErrCorrupt, err)
	}
	if doc.V != codecVersion {
		return nil, fmt.Errorf("%w: speakers document version %d", ErrCorrupt, doc.V)
	}
	if len(doc.Speakers) == 0 {
		return nil, nil
	}
	out := make([]transcript.Speaker, len(doc.Speakers))
	for i, s := range doc.Speakers {
		out[i] = transcript.Speaker{ID: s.ID, Name: s.Name}
	}
	return out, nil
}

// sealFields encrypts the private fields of t (which must have its ID set) into one envelope per
// field. With names, the title and source name are sealed too.
func sealFields(s Sealer, t *transcript.Transcript, names bool) (map[string][]byte, error) {
	segs, err := encodeSegments(t.Segments)
	if err != nil {
		return nil, err
	}
	defer clear(segs)
	sp, err := encodeSpeakers(t.Speakers)
	if err != nil {
		return nil, err
	}
	defer clear(sp)
	plain := map[string][]byte{fieldSegments: segs, fieldSpeakers: sp}
	if names {
		plain[fieldTitle] = []byte(t.Title)
		plain[fieldSourceName] = []byte(t.SourceName)
	}
	out := make(map[string][]byte, len(plain))
	for f, pt := range plain {
		env, err := s.Seal(pt, vault.AD(t.ID, f))
		if err != nil {
			return nil, lockedOr(fmt.Errorf("store: seal %s: %w", f, err))
		}
		out[f] = env
	}
	return out, nil
}

// openField decrypts one sealed field of transcript id.
func openField(s Sealer, id, field string, env []byte) ([]byte, error) {
	pt, err := s.Open(env, vault.AD(id, field))
	if err != nil {
		return nil, lockedOr(fmt.Errorf("store: transcript %s: open %s: %w", id, field, err))
	}
	return pt, nil
}

// openFields fills t's private fields from its sealed envelopes. Missing segments or speakers
// envelopes are corruption (a Private transcript always has both).
func openFields(s Sealer, t *transcript.Transcript, envs map[string][]byte, names bool) error {
	for _, f := range []string{fieldSegments, fieldSpeakers} {
		if envs[f] == nil {
			return fmt.Errorf("%w: transcript %s has no sealed %s", ErrCorrupt, t.ID, f)
		}
	}
	pt, err := openField(s, t.ID, fieldSegments, envs[fieldSegments])
	if err != nil {
		return err
	}
	t.Segments, err = decodeSegments(pt)
	clear(pt)
	if err != nil {
		return fmt.Errorf("transcript %s: %w", t.ID, err)
	}
	pt, err = openField(s, t.ID, fieldSpeakers, envs[fieldSpeakers])
	if err != nil {
		return err
	}
	t.Speakers, err = decodeSpeakers(pt)
	clear(pt)
	if err != nil {
		return fmt.Errorf("transcript %s: %w", t.ID, err)
	}
	if names {
		for _, f := range []string{fieldTitle, fieldSourceName} {
			if envs[f] == nil {
				return fmt.Errorf("%w: transcript %s has no sealed %s", ErrCorrupt, t.ID, f)
			}
			pt, err := openField(s, t.ID, f, envs[f])
			if err != nil {
				return err
			}
			if f == fieldTitle {
				t.Title = string(pt)
			} else {
				t.SourceName = string(pt)
			}
		}
	}
	return nil
}
