package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func TestSearchTranscripts(t *testing.T) {
	for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
		t.Run(string(level), func(t *testing.T) {
			l := openUnlocked(t, testOptions())
			if err := l.Save(ctx, sample("t", level)); err != nil {
				t.Fatal(err)
			}
			other := sample("u", level)
			other.Language = "de"
			other.Created = other.Created.Add(time.Hour)
			other.Segments = []transcript.Segment{
				{Start: time.Second, End: 2 * time.Second, Text: "Das Budget für den Garten."},
				{Start: 3 * time.Second, End: 4 * time.Second, Text: "Noch einmal das Budget."},
			}
			if err := l.Save(ctx, other); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				q    string
				f    Filter
				want string // id:hits:firstSegment@start:snippet, joined with " | "
			}{
				// Words in different segments of one transcript: found (Search needs one segment).
				{"budget river", Filter{}, "t:2:1@4s:The café [budget] is über tight this year."},
				{"budget", Filter{}, "u:2:0@1s:Das [Budget] für den Garten. | t:1:1@4s:The café [budget] is über tight this year."},
				{"planning garten", Filter{}, ""}, // no transcript has both
				{`"river project" welcome`, Filter{}, "t:2:0@0s:[Welcome] to the planning meeting."},
				{"budget", Filter{Language: "de"}, "u:2:0@1s:Das [Budget] für den Garten."},
				{"budget", Filter{Limit: 1}, "u:2:0@1s:Das [Budget] für den Garten."},
				{"", Filter{}, ""},
				{"!!!", Filter{}, ""},
			} {
				res, err := l.SearchTranscripts(ctx, tc.q, tc.f, 2)
				if err != nil {
					t.Fatalf("SearchTranscripts(%q): %v", tc.q, err)
				}
				var got []string
				for _, r := range res {
					if len(r.First) == 0 || len(r.First) > 2 {
						t.Fatalf("%q: %d snippets", tc.q, len(r.First))
					}
					h := r.First[0]
					got = append(got, fmt.Sprintf("%s:%d:%d@%v:%s", r.ID, r.Hits, h.Segment, h.Start, SnippetText(h.Snippet, "[", "]")))
					if h.Level != level {
						t.Errorf("level %q", h.Level)
					}
				}
				if g := strings.Join(got, " | "); g != tc.want {
					t.Errorf("SearchTranscripts(%q, %+v) =\n  %s\nwant\n  %s", tc.q, tc.f, g, tc.want)
				}
			}
		})
	}
}

func TestSearchTranscriptsPrivateNeedsUnlock(t *testing.T) {
	l := openUnlocked(t, testOptions())
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	if r, err := l.SearchTranscripts(ctx, "budget river", Filter{}, 3); err != nil || len(r) != 1 {
		t.Fatalf("unlocked: %v, %v", r, err)
	}
	l.Lock()
	if r, err := l.SearchTranscripts(ctx, "budget river", Filter{}, 3); err != nil || len(r) != 0 {
		t.Fatalf("locked: %v, %v", r, err)
	}
}

func FuzzSearchTranscripts(f *testing.F) {
	l := openUnlocked(f, testOptions())
	if err := l.Save(ctx, sample("t", transcript.Standard)); err != nil {
		f.Fatal(err)
	}
	f.Add("budget river")
	f.Add(`"unterminated * NEAR(`)
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := l.SearchTranscripts(ctx, q, Filter{}, 3); err != nil {
			t.Fatalf("SearchTranscripts(%q): %v", q, err)
		}
	})
}
