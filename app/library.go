package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Query is the library view's search and filters. Empty fields do not filter.
type Query struct {
	Text     string           `json:"text"`
	Language string           `json:"language"`
	Level    transcript.Level `json:"level"`
	From     string           `json:"from"` // YYYY-MM-DD, local time, inclusive
	To       string           `json:"to"`   // YYYY-MM-DD, local time, inclusive
	Limit    int              `json:"limit"`
}

func (q Query) filter() (Filter, error) {
	f := Filter{Text: strings.TrimSpace(q.Text), Language: q.Language, Level: q.Level, Limit: q.Limit}
	if q.Level != "" && !q.Level.Valid() {
		return f, fmt.Errorf("%w: level %q", ErrInvalid, q.Level)
	}
	var err error
	if q.From != "" {
		if f.From, err = time.ParseInLocation(time.DateOnly, q.From, time.Local); err != nil {
			return f, fmt.Errorf("%w: from date %q", ErrInvalid, q.From)
		}
	}
	if q.To != "" {
		if f.To, err = time.ParseInLocation(time.DateOnly, q.To, time.Local); err != nil {
			return f, fmt.Errorf("%w: to date %q", ErrInvalid, q.To)
		}
		f.To = f.To.AddDate(0, 0, 1)
	}
	return f, nil
}

// ListTranscripts returns library entries, newest first. A non-empty q.Text searches the text:
// Standard transcripts at once, Private ones only while the vault is unlocked.
func (a *App) ListTranscripts(q Query) ([]Entry, error) {
	f, err := q.filter()
	if err != nil {
		return nil, fmt.Errorf("list transcripts: %w", err)
	}
	es, err := a.d.Library.List(a.background(), f)
	if err != nil {
		return nil, fmt.Errorf("list transcripts: %w", err)
	}
	if es == nil {
		es = []Entry{}
	}
	return es, nil
}

// GetTranscript returns one transcript; for a Private one while locked the error wraps ErrLocked.
func (a *App) GetTranscript(id string) (*transcript.Transcript, error) {
	t, err := a.d.Library.Get(a.background(), id)
	if err != nil {
		return nil, fmt.Errorf("open transcript: %w", err)
	}
	normalize(t)
	return t, nil
}

// SaveTranscript stores an edited transcript (the editor's autosave) and returns when it was saved.
// The ID must exist; the level and creation time are kept from the stored copy, so an edit cannot
// move a transcript out of the vault by accident (use SetLevel for that).
func (a *App) SaveTranscript(t transcript.Transcript) (time.Time, error) {
	if t.ID == "" {
		return time.Time{}, fmt.Errorf("save transcript: %w: no id", ErrInvalid)
	}
	ctx := a.background()
	old, err := a.d.Library.Get(ctx, t.ID)
	if err != nil {
		return time.Time{}, fmt.Errorf("save transcript: %w", err)
	}
	if err := validateEdit(&t); err != nil {
		return time.Time{}, fmt.Errorf("save transcript: %w", err)
	}
	t.Level = old.Level
	t.Created = old.Created
	t.SourceName, t.SourceSize = old.SourceName, old.SourceSize
	if err := a.d.Library.Save(ctx, &t); err != nil {
		return time.Time{}, fmt.Errorf("save transcript: %w", err)
	}
	a.emit(EventLibrary, t.ID)
	return a.d.Now(), nil
}

// validateEdit checks what the editor can break: times, and speakers that segments refer to.
func validateEdit(t *transcript.Transcript) error {
	if strings.TrimSpace(t.Title) == "" {
		t.Title = "Untitled"
	}
	known := map[string]bool{}
	for _, s := range t.Speakers {
		if s.ID == "" {
			return fmt.Errorf("%w: a speaker without id", ErrInvalid)
		}
		known[s.ID] = true
	}
	for i, s := range t.Segments {
		if s.Start < 0 || s.End < s.Start {
			return fmt.Errorf("%w: segment %d ends before it starts", ErrInvalid, i+1)
		}
		if s.Speaker != "" && !known[s.Speaker] {
			return fmt.Errorf("%w: segment %d has unknown speaker %q", ErrInvalid, i+1, s.Speaker)
		}
	}
	if t.Segments == nil {
		t.Segments = []transcript.Segment{}
	}
	return nil
}

func normalize(t *transcript.Transcript) {
	if t.Segments == nil {
		t.Segments = []transcript.Segment{}
	}
	if t.Speakers == nil {
		t.Speakers = []transcript.Speaker{}
	}
}

// RenameTranscript changes a transcript's title.
func (a *App) RenameTranscript(id, title string) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return fmt.Errorf("rename transcript: %w: empty title", ErrInvalid)
	}
	ctx := a.background()
	t, err := a.d.Library.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("rename transcript: %w", err)
	}
	t.Title = title
	if err := a.d.Library.Save(ctx, t); err != nil {
		return fmt.Errorf("rename transcript: %w", err)
	}
	a.emit(EventLibrary, id)
	return nil
}

// DeleteTranscript removes a transcript from the library (the original file is never touched).
func (a *App) DeleteTranscript(id string) error {
	if err := a.d.Library.Delete(a.background(), id); err != nil {
		return fmt.Errorf("delete transcript: %w", err)
	}
	_ = a.d.Sources.Delete(id)
	a.emit(EventLibrary, id)
	return nil
}

// SetLevel moves a transcript between Standard and Private. Making it Private needs a vault password
// and an unlocked vault.
func (a *App) SetLevel(id string, level transcript.Level) error {
	if !level.Valid() {
		return fmt.Errorf("set level: %w: %q", ErrInvalid, level)
	}
	ctx := a.background()
	if err := a.d.Library.SetLevel(ctx, id, level); err != nil {
		return fmt.Errorf("set level: %w", err)
	}
	if src := a.d.Sources.Get(id); src != "" {
		_ = a.d.Sources.Set(id, src, level == transcript.Standard)
	}
	a.emit(EventLibrary, id)
	return nil
}

// Languages lists the languages the library's entries have, for the filter menu.
func (a *App) Languages() ([]string, error) {
	es, err := a.d.Library.List(a.background(), Filter{})
	if err != nil {
		return nil, fmt.Errorf("list languages: %w", err)
	}
	seen := map[string]bool{}
	out := []string{}
	for _, e := range es {
		if e.Language != "" && !seen[e.Language] {
			seen[e.Language] = true
			out = append(out, e.Language)
		}
	}
	slices.Sort(out)
	return out, nil
}
