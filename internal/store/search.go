package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// Hit is one matching segment.
type Hit struct {
	ID      string // transcript id
	Title   string
	Level   transcript.Level
	Created time.Time
	Segment int // index into the transcript's Segments
	Start   time.Duration
	End     time.Duration
	// Snippet is the segment's text (shortened around the first match if long), split into spans;
	// Match marks the matching words. It is plain text, not markup.
	Snippet []Span

	rid int64 // tie-breaker for ordering
}

// Span is a piece of a snippet.
type Span struct {
	Text  string
	Match bool
}

// defaultSearchLimit is the number of hits Search returns when Filter.Limit is zero.
const defaultSearchLimit = 100

// maxQueryTerms bounds the work one query can ask for.
const maxQueryTerms = 32

// snippetTokens is the length of a snippet window, in tokens.
const snippetTokens = 24

// Search finds segments containing every word of query, the most recently added transcript first,
// then in segment order. Words are matched case- and accent-insensitively; "double quotes" match a phrase and a
// trailing * a prefix (confer*). No other syntax exists, so no query can be malformed. Standard
// transcripts are searched through the FTS index; Private ones, while unlocked, through the
// in-memory index (built at the first search after Unlock). f.Limit zero means 100.
func (l *Library) Search(ctx context.Context, query string, f Filter) ([]Hit, error) {
	terms := parseQuery(query)
	hits := []Hit{}
	if len(terms) == 0 {
		return hits, nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	offset := max(f.Offset, 0)
	need := offset + limit
	if f.Level != transcript.Private {
		std, err := l.searchFTS(ctx, terms, f, need)
		if err != nil {
			return nil, err
		}
		hits = append(hits, std...)
	}
	if f.Level != transcript.Standard {
		priv, err := l.searchPrivate(ctx, terms, f, need)
		if err != nil {
			return nil, err
		}
		hits = append(hits, priv...)
	}
	sort.SliceStable(hits, func(i, j int) bool { return hitLess(&hits[i], &hits[j]) })
	if offset >= len(hits) {
		return []Hit{}, nil
	}
	return hits[offset:min(len(hits), need)], nil
}

func hitLess(a, b *Hit) bool {
	if a.rid != b.rid {
		return a.rid > b.rid
	}
	return a.Segment < b.Segment
}

// searchFTS streams matches in descending FTS rowid order, which segmentID makes the result order,
// so that a query stops after need hits instead of sorting every match.
func (l *Library) searchFTS(ctx context.Context, terms []term, f Filter, need int) ([]Hit, error) {
	where, args := f.where()
	args = append([]any{ftsExpr(terms)}, args...)
	rows, err := l.db.QueryContext(ctx, `SELECT t.rid, t.id, t.title, t.created_ns, s.idx, s.start_ns, s.end_ns, s.text
		FROM segments_fts JOIN segments s ON s.sid = segments_fts.rowid JOIN transcripts t ON t.rid = s.rid
		WHERE segments_fts MATCH ? AND t.level = 'standard' AND `+where+`
		ORDER BY segments_fts.rowid DESC LIMIT ?`, append(args, need)...)
	if err != nil {
		return nil, dbErr("search", err)
	}
	defer rows.Close()
	m := newMatcher(terms)
	var hits []Hit
	for rows.Next() {
		h, text, err := scanHit(rows)
		if err != nil {
			return nil, err
		}
		h.Snippet = snippet(text, m, snippetTokens)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("search", err)
	}
	return hits, nil
}

// scanHit reads one row of the Standard segment searches (t.rid, t.id, t.title, t.created_ns, s.idx,
// s.start_ns, s.end_ns, s.text) into a Hit without its snippet, and the segment's text.
func scanHit(rows *sql.Rows) (Hit, string, error) {
	var (
		h              Hit
		cr, start, end int64
		text           string
	)
	if err := rows.Scan(&h.rid, &h.ID, &h.Title, &cr, &h.Segment, &start, &end, &text); err != nil {
		return Hit{}, "", dbErr("search", err)
	}
	h.Level, h.Created = transcript.Standard, time.Unix(0, cr).UTC()
	h.Start, h.End = time.Duration(start), time.Duration(end)
	return h, text, nil
}

// term is one element of a query: a word, or a quoted phrase, as normalised tokens. prefix applies to
// the last token.
type term struct {
	toks   []string
	prefix bool
}

// parseQuery splits a user query into terms. It accepts any input: unknown characters separate
// words, an unterminated quote runs to the end, and terms without any word characters are dropped.
func parseQuery(q string) []term {
	var terms []term
	for i := 0; i < len(q) && len(terms) < maxQueryTerms; {
		r, n := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '*' {
			i += n
			continue
		}
		var body string
		prefix := false
		if r == '"' {
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				body, i = q[i+1:], len(q)
			} else {
				body, i = q[i+1:i+1+end], i+1+end+1
			}
			for i < len(q) && q[i] == '*' {
				prefix, i = true, i+1
			}
		} else {
			j := i
			for j < len(q) {
				r, n := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' {
					break
				}
				j += n
			}
			body, i = q[i:j], j
			trimmed := strings.TrimRight(body, "*")
			prefix, body = len(trimmed) < len(body), trimmed
		}
		var toks []string
		tokenize(body, func(tok string, _, _ int) { toks = append(toks, tok) })
		if len(toks) > 0 {
			terms = append(terms, term{toks: toks, prefix: prefix})
		}
	}
	return terms
}

// ftsExpr renders terms as an FTS5 query. Tokens contain only letters, digits and private-use
// characters, so quoting them cannot produce a syntax error.
func ftsExpr(terms []term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.Join(t.toks, " "))
		b.WriteByte('"')
		if t.prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// isTokenRune mirrors FTS5's unicode61 tokenizer: letters, numbers and private-use characters are
// token characters (marks too, so that decomposed accents stay inside their word; normalisation
// drops them).
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

// tokenize calls fn for each token of text with its normalised form (lower case, diacritics
// removed, like unicode61 remove_diacritics 2) and its byte offsets.
func tokenize(text string, fn func(tok string, start, end int)) {
	var buf []byte
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		buf = buf[:0]
		for _, r := range text[start:end] {
			buf = appendFolded(buf, r)
		}
		if len(buf) > 0 {
			fn(string(buf), start, end)
		}
		start = -1
	}
	for i, r := range text {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
}

func appendFolded(buf []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(buf, byte(r))
	}
	if r == utf8.RuneError {
		return buf
	}
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(d))
	}
	return buf
}

// matcher tells which tokens of a text a query matches, for highlighting.
type matcher struct {
	exact    map[string]bool
	prefixes []string
}

func newMatcher(terms []term) *matcher {
	m := &matcher{exact: make(map[string]bool)}
	for _, t := range terms {
		for i, tok := range t.toks {
			if t.prefix && i == len(t.toks)-1 {
				m.prefixes = append(m.prefixes, tok)
			} else {
				m.exact[tok] = true
			}
		}
	}
	return m
}

func (m *matcher) match(tok string) bool {
	if m.exact[tok] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(tok, p) {
			return true
		}
	}
	return false
}

// snippet returns text split into spans with the matching tokens marked. Texts longer than window
// tokens are cut to a window around the first match, with "…" where text was left out.
func snippet(text string, m *matcher, window int) []Span {
	type tok struct {
		start, end int
		match      bool
	}
	var toks []tok
	first := -1
	tokenize(text, func(s string, start, end int) {
		hit := m.match(s)
		if hit && first < 0 {
			first = len(toks)
		}
		toks = append(toks, tok{start, end, hit})
	})
	from, to := 0, len(text)
	lo, hi := 0, len(toks)
	if len(toks) > window {
		lo = max(0, first-window/4)
		hi = min(len(toks), lo+window)
		lo = max(0, hi-window)
		if lo > 0 {
			from = toks[lo].start
		}
		if hi < len(toks) {
			to = toks[hi-1].end
		}
	}
	var spans []Span
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(spans); n > 0 && spans[n-1].Match == match {
			spans[n-1].Text += s
			return
		}
		spans = append(spans, Span{Text: s, Match: match})
	}
	if from > 0 {
		add("…", false)
	}
	pos := from
	for _, t := range toks[lo:hi] {
		if !t.match {
			continue
		}
		add(text[pos:t.start], false)
		add(text[t.start:t.end], true)
		pos = t.end
	}
	add(text[pos:to], false)
	if to < len(text) {
		add("…", false)
	}
	if spans == nil {
		spans = []Span{}
	}
	return spans
}

// SnippetText renders spans as plain text with matches wrapped in open and close, for logs, tests
// and terminals.
func SnippetText(spans []Span, open, close string) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Match {
			fmt.Fprintf(&b, "%s%s%s", open, s.Text, close)
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}
