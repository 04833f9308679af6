package wire

import (
	"context"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

func (x *library) Save(ctx context.Context, t *transcript.Transcript) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.Save(ctx, t))
}

func (x *library) Get(ctx context.Context, id string) (*transcript.Transcript, error) {
	l, err := x.use()
	if err != nil {
		return nil, err
	}
	t, err := l.Get(ctx, id)
	return t, libErr(err)
}

func (x *library) Delete(ctx context.Context, id string) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.Delete(ctx, id))
}

func (x *library) SetLevel(ctx context.Context, id string, level transcript.Level) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.SetLevel(ctx, id, level))
}

func entry(s store.Summary) app.Entry {
	return app.Entry{
		ID: s.ID, Title: s.Title, SourceName: s.SourceName, Language: s.Language, Model: s.Model,
		Level: s.Level, Duration: s.Duration, Created: s.Created, Locked: s.Locked, Preview: s.Preview,
	}
}

// searchHits bounds the transcripts one library search returns.
const searchHits = 2000

// searchSnippets is how many matching segments each search result shows.
const searchSnippets = 3

// List lists, or with f.Text searches: transcripts that contain every word of the query anywhere in
// their text (store.SearchTranscripts: Standard ones always, Private ones while unlocked), with the
// hit count and the first matching segments, or whose title matches; newest first.
func (x *library) List(ctx context.Context, f app.Filter) ([]app.Entry, error) {
	l, err := x.store()
	if err != nil {
		return nil, err
	}
	if f.Text != "" {
		x.touch() // a search is the user's; a plain listing is also what the page does after a sync
	}
	sf := store.Filter{Language: f.Language, Level: f.Level, Since: f.From, Until: f.To}
	sums, err := l.List(ctx, sf)
	if err != nil {
		return nil, libErr(err)
	}
	out := make([]app.Entry, 0, len(sums))
	if f.Text == "" {
		for _, s := range sums {
			out = append(out, entry(s))
		}
		return limit(out, f.Limit), nil
	}
	sf.Limit = searchHits
	found, err := l.SearchTranscripts(ctx, f.Text, sf, searchSnippets)
	if err != nil {
		return nil, libErr(err)
	}
	byID := map[string]store.TranscriptHit{}
	for _, r := range found {
		byID[r.ID] = r
	}
	snippet := map[string]string{}
	for _, r := range found {
		if len(r.First) > 0 {
			snippet[r.ID] = store.SnippetText(r.First[0].Snippet, "", "")
		}
	}
	q := strings.ToLower(f.Text)
	for _, s := range sums {
		sn, hit := snippet[s.ID]
		if !hit && (s.Locked || !strings.Contains(strings.ToLower(s.Title), q)) {
			continue
		}
		e := entry(s)
		e.Snippet = sn
		if r, ok := byID[s.ID]; ok {
			e.Hits = r.Hits
			for _, h := range r.First {
				m := app.EntryMatch{Segment: h.Segment, Start: h.Start}
				for _, sp := range h.Snippet {
					m.Spans = append(m.Spans, app.MatchSpan{Text: sp.Text, Match: sp.Match})
				}
				e.Matches = append(e.Matches, m)
			}
		}
		out = append(out, e)
	}
	return limit(out, f.Limit), nil
}

func limit(es []app.Entry, n int) []app.Entry {
	if n > 0 && len(es) > n {
		return es[:n]
	}
	return es
}

func (x *library) Status(ctx context.Context) (app.VaultStatus, error) {
	l, err := x.store()
	if err != nil {
		return app.VaultStatus{}, err
	}
	has, err := l.HasPassword(ctx)
	if err != nil {
		return app.VaultStatus{}, libErr(err)
	}
	p := x.currentPrefs()
	return app.VaultStatus{HasPassword: has, Locked: !has || l.Locked(), Remember: p.Remember, IdleMinutes: p.IdleMinutes}, nil
}

func (x *library) SetPassword(ctx context.Context, password string) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.SetPassword(ctx, []byte(password)))
}

func (x *library) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.ChangePassword(ctx, []byte(oldPassword), []byte(newPassword)))
}

func (x *library) Unlock(ctx context.Context, password string) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	return libErr(l.Unlock(ctx, []byte(password)))
}

func (x *library) Lock(context.Context) error {
	l, err := x.store()
	if err != nil {
		return err
	}
	l.Lock()
	return nil
}

func (x *library) SetIdleTimeout(_ context.Context, d time.Duration) error {
	p := x.currentPrefs()
	p.IdleMinutes = int(d / time.Minute)
	return x.savePrefs(p)
}

func (x *library) SetRemember(ctx context.Context, on bool) error {
	l, err := x.use()
	if err != nil {
		return err
	}
	if on {
		err = l.Remember(ctx)
	} else {
		err = l.Forget(ctx)
	}
	if err != nil {
		return libErr(err)
	}
	p := x.currentPrefs()
	p.Remember = on
	return x.savePrefs(p)
}
