package store

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TranscriptHit is one transcript found by SearchTranscripts.
type TranscriptHit struct {
	ID string
	// Hits is the number of segments that contain at least one of the query's words.
	Hits int
	// First are the first matching segments (up to the snippets asked for), in segment order; the
	// first of them is where the editor should land.
	First []Hit

	rid int64
}

// SearchTranscripts finds transcripts that contain every word of query anywhere in their text (the
// words may be in different segments), the most recently added first. For each it counts the
// segments that match any of the words and returns the first `snippets` of them with their times
// and highlighted snippets. Query syntax and Private handling are as in Search. f.Limit bounds the
// number of transcripts (zero means 100).
func (l *Library) SearchTranscripts(ctx context.Context, query string, f Filter, snippets int) ([]TranscriptHit, error) {
	terms := parseQuery(query)
	out := []TranscriptHit{}
	if len(terms) == 0 {
		return out, nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	if f.Level != transcript.Private {
		std, err := l.searchTranscriptsFTS(ctx, terms, f, snippets)
		if err != nil {
			return nil, err
		}
		out = append(out, std...)
	}
	if f.Level != transcript.Standard {
		ix, err := l.privateIndex(ctx)
		if err != nil {
			return nil, err
		}
		if ix != nil {
			l.mu.Lock()
			if l.index == ix {
				out = append(out, ix.searchTranscripts(terms, f, snippets)...)
			}
			l.mu.Unlock()
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rid > out[j].rid })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (l *Library) searchTranscriptsFTS(ctx context.Context, terms []term, f Filter, snippets int) ([]TranscriptHit, error) {
	where, args := f.where()
	// Transcripts that have every term somewhere: one query per term, intersected.
	var cand map[int64]bool
	for _, t := range terms {
		rows, err := l.db.QueryContext(ctx, `SELECT DISTINCT s.rid
			FROM segments_fts JOIN segments s ON s.sid = segments_fts.rowid JOIN transcripts t ON t.rid = s.rid
			WHERE segments_fts MATCH ? AND t.level = 'standard' AND `+where, append([]any{ftsExpr([]term{t})}, args...)...)
		if err != nil {
			return nil, dbErr("search", err)
		}
		got := map[int64]bool{}
		for rows.Next() {
			var rid int64
			if err := rows.Scan(&rid); err != nil {
				rows.Close()
				return nil, dbErr("search", err)
			}
			if cand == nil || cand[rid] {
				got[rid] = true
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbErr("search", err)
		}
		cand = got
		if len(cand) == 0 {
			return nil, nil
		}
	}
	// Their segments that match any term, in segment order.
	ids := make([]string, 0, len(cand))
	for rid := range cand {
		ids = append(ids, strconv.FormatInt(rid, 10))
	}
	anyTerm := make([]string, len(terms))
	for i, t := range terms {
		anyTerm[i] = "(" + ftsExpr([]term{t}) + ")"
	}
	rows, err := l.db.QueryContext(ctx, `SELECT t.rid, t.id, t.title, t.created_ns, s.idx, s.start_ns, s.end_ns, s.text
		FROM segments_fts JOIN segments s ON s.sid = segments_fts.rowid JOIN transcripts t ON t.rid = s.rid
		WHERE segments_fts MATCH ? AND s.rid IN (`+strings.Join(ids, ",")+`)
		ORDER BY s.rid DESC, s.idx`, strings.Join(anyTerm, " OR "))
	if err != nil {
		return nil, dbErr("search", err)
	}
	defer rows.Close()
	m := newMatcher(terms)
	var out []TranscriptHit
	for rows.Next() {
		h, text, err := scanHit(rows)
		if err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].rid != h.rid {
			out = append(out, TranscriptHit{ID: h.ID, rid: h.rid})
		}
		th := &out[len(out)-1]
		th.Hits++
		if len(th.First) < snippets {
			h.Snippet = snippet(text, m, snippetTokens)
			th.First = append(th.First, h)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("search", err)
	}
	return out, nil
}

// searchTranscripts is SearchTranscripts over the Private index.
func (ix *privateIndex) searchTranscripts(terms []term, f Filter, snippets int) []TranscriptHit {
	if ix.dirty {
		ix.rebuild()
	}
	// For each term, the segments that contain it (phrases checked).
	matching := make([]map[uint32]bool, len(terms))
	var cand map[*privDoc]bool
	for i, t := range terms {
		var list []uint32
		for k, tok := range t.toks {
			p := ix.postings(tok, t.prefix && k == len(t.toks)-1)
			if k == 0 {
				list = p
			} else {
				list = intersect(list, p)
			}
		}
		matching[i] = map[uint32]bool{}
		docs := map[*privDoc]bool{}
		for _, ord := range list {
			s := ix.segs[ord]
			if len(t.toks) > 1 && !ix.hasPhrase(s, t) {
				continue
			}
			if !f.match(transcript.Private, s.doc.language, s.doc.created) {
				continue
			}
			matching[i][ord] = true
			if cand == nil || cand[s.doc] {
				docs[s.doc] = true
			}
		}
		cand = docs
		if len(cand) == 0 {
			return nil
		}
	}
	// Segments matching any term, in result order (transcript, then segment).
	seen := map[uint32]bool{}
	var ords []uint32
	for _, mset := range matching {
		for ord := range mset {
			if !seen[ord] && cand[ix.segs[ord].doc] {
				seen[ord] = true
				ords = append(ords, ord)
			}
		}
	}
	sort.Slice(ords, func(i, j int) bool { return ords[i] < ords[j] })
	m := newMatcher(terms)
	var out []TranscriptHit
	for _, ord := range ords {
		s := ix.segs[ord]
		d := s.doc
		if len(out) == 0 || out[len(out)-1].rid != d.rid {
			out = append(out, TranscriptHit{ID: d.id, rid: d.rid})
		}
		th := &out[len(out)-1]
		th.Hits++
		if len(th.First) < snippets {
			th.First = append(th.First, Hit{ID: d.id, Title: d.title, Level: transcript.Private, Created: d.created,
				Segment: s.idx, Start: s.start, End: s.end, Snippet: snippet(s.text, m, snippetTokens), rid: d.rid})
		}
	}
	return out
}
