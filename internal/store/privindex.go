package store

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// privateIndex is the in-memory search index over Private transcripts. It exists only while the
// library is unlocked: it is built at the first search after Unlock from the decrypted transcripts,
// kept current by Save, SetLevel and Delete, and dropped by Lock. It holds decrypted text; Go
// strings cannot be zeroed, so "dropped" means released to the garbage collector.
type privateIndex struct {
	docs  map[string]*privDoc
	vocab map[string]uint32 // token → id
	terms []string          // id → token

	// Derived from docs by rebuild when dirty.
	dirty   bool
	segs    []*privSeg // in result order: most recently added transcript first, then segment order
	post    [][]uint32 // token id → ordinals into segs, ascending
	sorted  []string   // vocabulary in order, for prefix lookups
	sortIDs []uint32   // token ids parallel to sorted
}

type privDoc struct {
	rid      int64
	id       string
	title    string
	language string
	created  time.Time
	segs     []privSeg
}

type privSeg struct {
	doc        *privDoc
	idx        int
	start, end time.Duration
	text       string
	toks       []uint32
}

func newPrivateIndex() *privateIndex {
	return &privateIndex{docs: make(map[string]*privDoc), vocab: make(map[string]uint32)}
}

func (ix *privateIndex) tokenID(tok string) uint32 {
	id, ok := ix.vocab[tok]
	if !ok {
		id = uint32(len(ix.terms))
		ix.vocab[tok] = id
		ix.terms = append(ix.terms, tok)
	}
	return id
}

// put adds or replaces a Private transcript.
func (ix *privateIndex) put(t *transcript.Transcript, rid int64) {
	d := &privDoc{rid: rid, id: t.ID, title: t.Title, language: t.Language, created: t.Created.UTC(),
		segs: make([]privSeg, len(t.Segments))}
	for i, s := range t.Segments {
		ps := privSeg{doc: d, idx: i, start: s.Start, end: s.End, text: s.Text}
		tokenize(s.Text, func(tok string, _, _ int) { ps.toks = append(ps.toks, ix.tokenID(tok)) })
		d.segs[i] = ps
	}
	ix.docs[t.ID] = d
	ix.dirty = true
}

func (ix *privateIndex) drop(id string) {
	if _, ok := ix.docs[id]; ok {
		delete(ix.docs, id)
		ix.dirty = true
	}
}

func (ix *privateIndex) rebuild() {
	docs := make([]*privDoc, 0, len(ix.docs))
	n := 0
	for _, d := range ix.docs {
		docs = append(docs, d)
		n += len(d.segs)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].rid > docs[j].rid })
	ix.segs = make([]*privSeg, 0, n)
	ix.post = make([][]uint32, len(ix.terms))
	for _, d := range docs {
		for i := range d.segs {
			ord := uint32(len(ix.segs))
			ix.segs = append(ix.segs, &d.segs[i])
			for _, id := range d.segs[i].toks {
				if p := ix.post[id]; len(p) == 0 || p[len(p)-1] != ord {
					ix.post[id] = append(p, ord)
				}
			}
		}
	}
	ix.sorted = ix.sorted[:0]
	ix.sortIDs = ix.sortIDs[:0]
	for id, tok := range ix.terms {
		if len(ix.post[id]) > 0 {
			ix.sorted = append(ix.sorted, tok)
			ix.sortIDs = append(ix.sortIDs, uint32(id))
		}
	}
	sort.Sort(byTerm{ix.sorted, ix.sortIDs})
	ix.dirty = false
}

type byTerm struct {
	terms []string
	ids   []uint32
}

func (b byTerm) Len() int           { return len(b.terms) }
func (b byTerm) Less(i, j int) bool { return b.terms[i] < b.terms[j] }
func (b byTerm) Swap(i, j int) {
	b.terms[i], b.terms[j] = b.terms[j], b.terms[i]
	b.ids[i], b.ids[j] = b.ids[j], b.ids[i]
}

// postings returns the ordinals of segments containing tok (or, with prefix, any token starting
// with tok), ascending.
func (ix *privateIndex) postings(tok string, prefix bool) []uint32 {
	if !prefix {
		if id, ok := ix.vocab[tok]; ok {
			return ix.post[id]
		}
		return nil
	}
	lo := sort.SearchStrings(ix.sorted, tok)
	var lists [][]uint32
	for i := lo; i < len(ix.sorted) && strings.HasPrefix(ix.sorted[i], tok); i++ {
		lists = append(lists, ix.post[ix.sortIDs[i]])
	}
	if len(lists) == 1 {
		return lists[0]
	}
	var all []uint32
	for _, l := range lists {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	out := all[:0]
	for i, v := range all {
		if i == 0 || v != all[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func intersect(a, b []uint32) []uint32 {
	out := make([]uint32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// hasPhrase reports whether the segment holds t's tokens consecutively.
func (ix *privateIndex) hasPhrase(s *privSeg, t term) bool {
	n := len(t.toks)
	for i := 0; i+n <= len(s.toks); i++ {
		ok := true
		for k, want := range t.toks {
			got := ix.terms[s.toks[i+k]]
			if t.prefix && k == n-1 {
				ok = strings.HasPrefix(got, want)
			} else {
				ok = got == want
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// search returns up to need hits in result order.
func (ix *privateIndex) search(terms []term, f Filter, need int) []Hit {
	if ix.dirty {
		ix.rebuild()
	}
	var cand []uint32
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
		if i == 0 {
			cand = list
		} else {
			cand = intersect(cand, list)
		}
		if len(cand) == 0 {
			return nil
		}
	}
	m := newMatcher(terms)
	var hits []Hit
	for _, ord := range cand {
		if len(hits) >= need {
			break
		}
		s := ix.segs[ord]
		d := s.doc
		if !f.match(transcript.Private, d.language, d.created) {
			continue
		}
		phrases := true
		for _, t := range terms {
			if len(t.toks) > 1 && !ix.hasPhrase(s, t) {
				phrases = false
				break
			}
		}
		if !phrases {
			continue
		}
		hits = append(hits, Hit{ID: d.id, Title: d.title, Level: transcript.Private, Created: d.created,
			Segment: s.idx, Start: s.start, End: s.end, Snippet: snippet(s.text, m, snippetTokens), rid: d.rid})
	}
	return hits
}

// searchPrivate searches the Private transcripts if the library is unlocked, building the index
// first if needed.
func (l *Library) searchPrivate(ctx context.Context, terms []term, f Filter, need int) ([]Hit, error) {
	ix, err := l.privateIndex(ctx)
	if err != nil || ix == nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.index != ix { // locked (or rebuilt) meanwhile
		return nil, nil
	}
	return ix.search(terms, f, need), nil
}

// privateIndex returns the current index, building it if the library is unlocked and has none. It
// returns nil while locked. The build decrypts outside l.mu; if the key or the Private data changed
// meanwhile, it starts over.
func (l *Library) privateIndex(ctx context.Context) (*privateIndex, error) {
	for attempt := 0; ; attempt++ {
		l.mu.Lock()
		if l.expireLocked() || l.key == nil {
			l.mu.Unlock()
			return nil, nil
		}
		if l.index != nil {
			ix := l.index
			l.lastUse = l.opts.Clock()
			l.mu.Unlock()
			return ix, nil
		}
		key, gen := l.key, l.indexGen
		l.lastUse = l.opts.Clock()
		l.mu.Unlock()

		ix, err := l.buildIndex(ctx, key)
		if errors.Is(err, ErrLocked) { // locked while building
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.key == key && l.indexGen == gen && l.index == nil {
			l.index = ix
		}
		cur := l.index
		l.mu.Unlock()
		if cur != nil || attempt >= 3 {
			return cur, nil
		}
	}
}

// buildIndex decrypts every Private transcript's segments (and sealed title) into a new index.
// Transcripts that do not decrypt or decode are left out.
func (l *Library) buildIndex(ctx context.Context, key Sealer) (*privateIndex, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT t.rid, t.id, t.title, t.language, t.created_ns, t.names_sealed, s.field, s.envelope
		FROM transcripts t JOIN sealed s ON s.rid = t.rid
		WHERE t.level = 'private' AND (s.field = 'segments' OR (t.names_sealed = 1 AND s.field = 'title'))
		ORDER BY t.rid`)
	if err != nil {
		return nil, dbErr("build private index", err)
	}
	defer rows.Close()
	ix := newPrivateIndex()
	var cur struct {
		t       transcript.Transcript
		rid     int64
		ok, bad bool
	}
	flush := func() {
		if cur.ok && !cur.bad {
			ix.put(&cur.t, cur.rid)
		}
		cur.ok, cur.bad = false, false
	}
	for rows.Next() {
		var (
			rid, cr     int64
			id, title   string
			lang, field string
			namesSealed bool
			env         []byte
		)
		if err := rows.Scan(&rid, &id, &title, &lang, &cr, &namesSealed, &field, &env); err != nil {
			return nil, dbErr("build private index", err)
		}
		if rid != cur.rid || !cur.ok {
			flush()
			cur.rid, cur.ok = rid, true
			cur.t = transcript.Transcript{ID: id, Title: title, Language: lang, Created: time.Unix(0, cr).UTC(), Level: transcript.Private}
		}
		if cur.bad {
			continue
		}
		pt, err := openField(key, id, field, env)
		if errors.Is(err, ErrLocked) {
			return nil, err
		}
		if err == nil && field == fieldSegments {
			cur.t.Segments, err = decodeSegments(pt)
			clear(pt)
		} else if err == nil {
			cur.t.Title = string(pt)
		}
		if err != nil {
			// A damaged transcript is left out of the index; Get reports the damage.
			cur.bad = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("build private index", err)
	}
	flush()
	ix.rebuild()
	return ix, nil
}

// indexPut keeps the private index current after t was written.
func (l *Library) indexPut(t *transcript.Transcript, rid int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.indexGen++
	if l.index == nil {
		return
	}
	if t.Level == transcript.Private {
		l.index.put(t, rid)
	} else {
		l.index.drop(t.ID)
	}
}

// indexDrop removes a deleted transcript from the private index.
func (l *Library) indexDrop(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.indexGen++
	if l.index != nil {
		l.index.drop(id)
	}
}
