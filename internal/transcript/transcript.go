// Package transcript holds the domain types shared by the engine, the library, the exporters and the
// app: a Transcript is a list of timed Segments, each optionally split into Words and attributed to a
// Speaker. The types carry no behaviour beyond small helpers and know nothing of storage or encryption.
package transcript

import (
	"strings"
	"time"
)

// Level is a transcript's privacy level.
type Level string

const (
	// Standard transcripts are stored as plaintext in the local library and are searchable at once.
	Standard Level = "standard"
	// Private transcripts have their text, speakers and timestamps encrypted on the device.
	Private Level = "private"
)

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l == Standard || l == Private }

// Word is one recognised word (or sub-word token run) with its time span and probability in [0,1].
type Word struct {
	Start       time.Duration `json:"start"`
	End         time.Duration `json:"end"`
	Text        string        `json:"text"`
	Probability float32       `json:"probability"`
}

// Segment is one timed stretch of text.
type Segment struct {
	Start   time.Duration `json:"start"`
	End     time.Duration `json:"end"`
	Text    string        `json:"text"`
	Speaker string        `json:"speaker,omitempty"` // a Speaker.ID, or empty
	Words   []Word        `json:"words,omitempty"`
	// Uncertain marks text the recogniser could not be trusted on: a repetition loop that remained
	// after re-decoding, kept once. The editor shows it and offers to re-run the span.
	Uncertain bool `json:"uncertain,omitempty"`
}

// Speaker is a person in the recording. ID is stable; Name is what the user sees and may edit.
type Speaker struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Transcript is the result of transcribing one recording, plus the metadata the library keeps.
type Transcript struct {
	ID         string        `json:"id,omitempty"`
	Title      string        `json:"title"`
	SourceName string        `json:"source_name,omitempty"` // the file's base name, never its contents
	SourceSize int64         `json:"source_size,omitempty"`
	Duration   time.Duration `json:"duration"`
	Language   string        `json:"language,omitempty"` // ISO 639-1 code, detected or chosen
	Model      string        `json:"model,omitempty"`
	Created    time.Time     `json:"created"`
	Level      Level         `json:"level,omitempty"`
	Segments   []Segment     `json:"segments"`
	Speakers   []Speaker     `json:"speakers,omitempty"`
}

// Text returns the segment texts joined by single spaces, trimmed.
func (t *Transcript) Text() string {
	var b strings.Builder
	for _, s := range t.Segments {
		txt := strings.TrimSpace(s.Text)
		if txt == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(txt)
	}
	return b.String()
}

// SpeakerName returns the display name of the speaker with the given id, or the id itself when the
// transcript does not name it.
func (t *Transcript) SpeakerName(id string) string {
	for _, s := range t.Speakers {
		if s.ID == id {
			if s.Name != "" {
				return s.Name
			}
			break
		}
	}
	return id
}
