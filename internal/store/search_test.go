package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

func search(t testing.TB, l *Library, q string, f Filter) []Hit {
	t.Helper()
	hits, err := l.Search(ctx, q, f)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want string // ftsExpr
	}{
		{"", ""},
		{"   ", ""},
		{"Budget", `"budget"`},
		{"café ÜBER", `"cafe" "uber"`},
		{`"river project"`, `"river project"`},
		{`"river project"*`, `"river project"*`},
		{"plan*", `"plan"*`},
		{"plan**", `"plan"*`},
		{"*", ""},
		{`"unterminated phrase`, `"unterminated phrase"`},
		{`a AND b OR NOT c`, `"a" "and" "b" "or" "not" "c"`},
		{`NEAR(a b) col:x ^y -z +w`, `"near a" "b" "col x" "y" "z" "w"`},
		{`e-mail`, `"e mail"`},
		{`""`, ""},
		{`"" x`, `"x"`},
		{"a\x00b", `"a" "b"`},
		{"!!! ??? ...", ""},
		{`'quoted'`, `"quoted"`},
		{"\xff\xfe", ""},
	} {
		if got := ftsExpr(parseQuery(tc.q)); got != tc.want {
			t.Errorf("parseQuery(%q) → %s, want %s", tc.q, got, tc.want)
		}
	}
	if n := len(parseQuery(strings.Repeat("a ", 100))); n != maxQueryTerms {
		t.Errorf("%d terms, want the cap %d", n, maxQueryTerms)
	}
}

func TestSnippet(t *testing.T) {
	m := newMatcher(parseQuery("budget ti*"))
	for _, tc := range []struct {
		text, want string
	}{
		{"The café budget is über tight this year.", "The café [budget] is über [tight] this year."},
		{"", ""},
		{"nothing here", "nothing here"},
		{"Budget!", "[Budget]!"},
		{strings.Repeat("w ", 40) + "budget" + strings.Repeat(" x", 40),
			"…w w w w w w [budget] x x x x x x x x x x x x x x x x x…"},
	} {
		if got := SnippetText(snippet(tc.text, m, snippetTokens), "[", "]"); got != tc.want {
			t.Errorf("snippet(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSearch(t *testing.T) {
	for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
		t.Run(string(level), func(t *testing.T) {
			l := openUnlocked(t, testOptions())
			if err := l.Save(ctx, sample("t", level)); err != nil {
				t.Fatal(err)
			}
			other := sample("u", level)
			other.Language = "de"
			other.Created = other.Created.Add(time.Hour)
			other.Segments = []transcript.Segment{{Start: time.Second, End: 2 * time.Second, Text: "Das Budget für den Garten."}}
			if err := l.Save(ctx, other); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				q    string
				f    Filter
				want string // id:segment:snippet, joined with " | "
			}{
				{"budget", Filter{}, "u:0:Das [Budget] für den Garten. | t:1:The café [budget] is über tight this year."},
				{"BUDGET", Filter{Language: "en"}, "t:1:The café [budget] is über tight this year."},
				{"cafe uber", Filter{}, "t:1:The [café] budget is [über] tight this year."},
				{"plan*", Filter{}, "t:0:Welcome to the [planning] meeting."},
				{`"river project"`, Filter{}, "t:2:Let's talk about the [river] [project]."},
				{`"project river"`, Filter{}, ""},
				{"budget river", Filter{}, ""}, // all words must be in one segment
				{"budget", Filter{Limit: 1, Offset: 1}, "t:1:The café [budget] is über tight this year."},
				{"budget", Filter{Since: other.Created}, "u:0:Das [Budget] für den Garten."},
				{`budget"`, Filter{Until: other.Created}, "t:1:The café [budget] is über tight this year."},
				{"NEAR(budget", Filter{}, ""},
				{"", Filter{}, ""},
			} {
				hits := search(t, l, tc.q, tc.f)
				var got []string
				for _, h := range hits {
					got = append(got, fmt.Sprintf("%s:%d:%s", h.ID, h.Segment, SnippetText(h.Snippet, "[", "]")))
					if h.Level != level {
						t.Errorf("hit level %q", h.Level)
					}
				}
				if g := strings.Join(got, " | "); g != tc.want {
					t.Errorf("Search(%q, %+v) =\n  %s\nwant\n  %s", tc.q, tc.f, g, tc.want)
				}
			}
			hits := search(t, l, "river", Filter{})
			if len(hits) != 1 || hits[0].Start != 9*time.Second || hits[0].End != 12*time.Second || hits[0].Title != "Quarterly planning" {
				t.Fatalf("hit = %+v", hits)
			}
		})
	}
}

func TestSearchPrivateNeedsUnlock(t *testing.T) {
	l := openUnlocked(t, testOptions())
	if err := l.Save(ctx, sample("p", transcript.Private)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, sample("s", transcript.Standard)); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, l, "budget", Filter{}); len(hits) != 2 {
		t.Fatalf("unlocked: %d hits, want 2", len(hits))
	}
	if l.index == nil {
		t.Fatal("no private index after a search")
	}
	l.Lock()
	if l.index != nil {
		t.Fatal("Lock kept the private index")
	}
	hits := search(t, l, "budget", Filter{})
	if len(hits) != 1 || hits[0].ID != "s" {
		t.Fatalf("locked: %+v", hits)
	}
	if err := l.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}
	// The index follows changes made after it was built.
	if hits := search(t, l, "budget", Filter{Level: transcript.Private}); len(hits) != 1 {
		t.Fatalf("after Unlock: %+v", hits)
	}
	p := sample("p", transcript.Private)
	p.Segments[1].Text = "The allowance is tight."
	if err := l.Save(ctx, p); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, l, "budget", Filter{Level: transcript.Private}); len(hits) != 0 {
		t.Fatalf("edited text still found: %+v", hits)
	}
	if hits := search(t, l, "allowance", Filter{}); len(hits) != 1 || hits[0].ID != "p" {
		t.Fatalf("new text not found: %+v", hits)
	}
	if err := l.SetLevel(ctx, "s", transcript.Private); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, l, "budget", Filter{Level: transcript.Private}); len(hits) != 1 || hits[0].ID != "s" {
		t.Fatalf("after SetLevel: %+v", hits)
	}
	if err := l.Delete(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if hits := search(t, l, "budget", Filter{}); len(hits) != 0 {
		t.Fatalf("after Delete: %+v", hits)
	}
}

// TestSearchEquivalence checks that the FTS index and the in-memory private index find the same
// segments for the same text.
func TestSearchEquivalence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	l := openUnlocked(t, testOptions())
	for i := range 20 {
		std := genTranscript(r, fmt.Sprintf("s%02d", i), transcript.Standard, 15, 8)
		priv := *std
		priv.ID, priv.Level = fmt.Sprintf("p%02d", i), transcript.Private
		priv.Segments = append([]transcript.Segment(nil), std.Segments...)
		for _, tr := range []*transcript.Transcript{std, &priv} {
			if err := l.Save(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []string{"meeting", "the river", "budget*", `"good very"`, "mu*", `"of the"`, "world still own", "zzz"}
	for range 30 {
		queries = append(queries, genText(r, 1+r.IntN(2)))
	}
	for _, q := range queries {
		key := func(level transcript.Level) []string {
			var out []string
			for _, h := range search(t, l, q, Filter{Level: level, Limit: 10000}) {
				out = append(out, fmt.Sprintf("%s:%d:%s", h.ID[1:], h.Segment, SnippetText(h.Snippet, "[", "]")))
			}
			return out
		}
		std, priv := key(transcript.Standard), key(transcript.Private)
		if !reflect.DeepEqual(std, priv) {
			t.Errorf("query %q: Standard %d hits, Private %d hits\n%v\n%v", q, len(std), len(priv), std, priv)
		}
	}
}

func TestSearchSkipsDamaged(t *testing.T) {
	l := openUnlocked(t, testOptions())
	for _, id := range []string{"bad", "good"} {
		if err := l.Save(ctx, sample(id, transcript.Private)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.db.Exec(`UPDATE sealed SET envelope = substr(envelope, 1, 30) || x'00' || substr(envelope, 32)
		WHERE field = 'segments' AND rid = (SELECT rid FROM transcripts WHERE id = 'bad')`); err != nil {
		t.Fatal(err)
	}
	l.Lock()
	if err := l.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}
	hits := search(t, l, "budget", Filter{})
	if len(hits) != 1 || hits[0].ID != "good" {
		t.Fatalf("hits = %+v", hits)
	}
}
