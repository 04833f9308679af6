package export

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// This file turns segments into subtitle cues: it breaks text into lines of at most MaxLineLength
// runes and cues of at most MaxLines lines, and times every cue by where its characters fall in the
// segment. Text is never dropped: a word longer than a line is split by rune count (which is also
// how text without spaces, such as Chinese or Japanese, gets broken), without separating combining
// marks from their base.

// piece is an unbreakable run of text on a subtitle line: a word, a glued word run, or part of a word
// too long for a line.
type piece struct {
	text   string
	n      int     // runes in text
	space  bool    // a space separates it from the previous piece on the same line
	word   bool    // it starts a word (counts towards WordsPerCue, gets a karaoke timestamp)
	p0, p1 float64 // position in the segment's character timeline; p1-p0 == n
	t      time.Duration
}

// cue is a laid-out subtitle cue.
type cue struct {
	start, end time.Duration
	speaker    string
	lines      [][]piece
}

// knot is a point of a segment's timeline: the time at which character position pos is spoken.
type knot struct {
	pos float64
	t   time.Duration
}

// timeline maps character positions to times by linear interpolation between knots, which are sorted
// by position and by time. Several knots may share a position (a pause between two words); at reads
// the earliest of them for the end of a span and the latest for the start of one.
type timeline []knot

func (tl timeline) at(x float64, start bool) time.Duration {
	if len(tl) == 0 {
		return 0
	}
	var i int
	if start {
		i = sort.Search(len(tl), func(i int) bool { return tl[i].pos > x })
		if i == 0 {
			return tl[0].t
		}
		if i == len(tl) || tl[i-1].pos == x {
			return tl[i-1].t
		}
	} else {
		i = sort.Search(len(tl), func(i int) bool { return tl[i].pos >= x })
		if i == len(tl) {
			return tl[len(tl)-1].t
		}
		if i == 0 || tl[i].pos == x {
			return tl[i].t
		}
	}
	a, b := tl[i-1], tl[i]
	return a.t + time.Duration(float64(b.t-a.t)*(x-a.pos)/(b.pos-a.pos))
}

// buildCues lays out every segment of t and returns the cues in order, with times rounded to
// milliseconds, clamped to be non-negative, and pushed so that no cue starts before the previous one
// ends. speakerPrefix is true for SRT, where the "Name: " prefix takes room on the first line.
func buildCues(t *transcript.Transcript, opt Options, speakerPrefix bool) []cue {
	wordsPerCue := 0
	if opt.WordCues {
		wordsPerCue = max(1, opt.WordsPerCue)
	}
	var out []cue
	var prevEnd time.Duration
	for i := range t.Segments {
		seg := &t.Segments[i]
		var pieces []piece
		var tl timeline
		if opt.WordCues {
			pieces, tl = wordPieces(seg)
		}
		if len(pieces) == 0 {
			pieces, tl = textPieces(seg)
		}
		if len(pieces) == 0 {
			continue
		}
		var name string
		if opt.Speakers {
			name = speakerLabel(t, seg)
		}
		prefix := 0
		if speakerPrefix && name != "" {
			prefix = utf8.RuneCountInString(name) + 2
		}
		for _, lines := range layout(pieces, opt.MaxLineLength, opt.MaxLines, prefix, wordsPerCue) {
			first := lines[0][0]
			last := lines[len(lines)-1]
			c := cue{
				start:   roundMS(tl.at(first.p0, true)),
				end:     roundMS(tl.at(last[len(last)-1].p1, false)),
				speaker: name,
				lines:   lines,
			}
			c.start = max(c.start, prevEnd)
			c.end = max(c.end, c.start)
			prevEnd = c.end
			for _, l := range lines {
				for j := range l {
					if l[j].word {
						l[j].t = roundMS(tl.at(l[j].p0, true))
					}
				}
			}
			out = append(out, c)
		}
	}
	return out
}

func roundMS(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Millisecond)
}

// segmentSpan returns the segment's times with a negative start clamped to zero and an end before
// the start clamped to the start.
func segmentSpan(seg *transcript.Segment) (start, end time.Duration) {
	start = max(seg.Start, 0)
	end = max(seg.End, start)
	return start, end
}

// textPieces splits a segment's text into words timed by character position: by the word timestamps
// when the segment has words (scaled when their text differs from the segment's), otherwise in
// proportion to characters across the segment.
func textPieces(seg *transcript.Segment) ([]piece, timeline) {
	text := cleanText(seg.Text)
	if text == "" {
		return nil, nil
	}
	fields := strings.Split(text, " ")
	pieces := make([]piece, 0, len(fields))
	pos := 0.0
	for i, f := range fields {
		n := utf8.RuneCountInString(f)
		pieces = append(pieces, piece{text: f, n: n, space: i > 0, word: true, p0: pos, p1: pos + float64(n)})
		pos += float64(n)
	}
	total := pos
	s0, e0 := segmentSpan(seg)

	// Character weight of each word, so that word times can be placed on the text's positions.
	var wordTotal float64
	weights := make([]float64, len(seg.Words))
	for i, w := range seg.Words {
		weights[i] = float64(nonSpaceRunes(w.Text))
		wordTotal += weights[i]
	}
	if wordTotal == 0 {
		return pieces, timeline{{0, s0}, {total, e0}}
	}
	tl := make(timeline, 0, 2*len(seg.Words)+2)
	tl = append(tl, knot{0, s0})
	last, cum := s0, 0.0
	for i, w := range seg.Words {
		if weights[i] == 0 {
			continue
		}
		ws := min(max(w.Start, last), e0)
		we := min(max(w.End, ws), e0)
		tl = append(tl, knot{cum / wordTotal * total, ws})
		cum += weights[i]
		tl = append(tl, knot{cum / wordTotal * total, we})
		last = we
	}
	tl = append(tl, knot{total, e0})
	return pieces, tl
}

func nonSpaceRunes(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// wordPieces turns a segment's words into pieces timed by the words themselves. Punctuation-only
// words, and sub-word tokens without a leading space when the segment's words otherwise carry one,
// are glued to the previous word. Word times are clamped to be non-negative and non-decreasing.
func wordPieces(seg *transcript.Segment) ([]piece, timeline) {
	leadingSpaces := false
	for i, w := range seg.Words {
		if i > 0 && startsWithSpace(w.Text) {
			leadingSpaces = true
			break
		}
	}
	var pieces []piece
	var tl timeline
	var last time.Duration
	pos := 0.0
	for _, w := range seg.Words {
		txt := cleanText(w.Text)
		if txt == "" {
			continue
		}
		ws := max(w.Start, last, 0)
		we := max(w.End, ws)
		last = we
		first, _ := utf8.DecodeRuneInString(txt)
		space := true
		if leadingSpaces {
			space = startsWithSpace(w.Text)
		}
		if len(pieces) > 0 && noSpaceScript(first) {
			prev, _ := utf8.DecodeLastRuneInString(pieces[len(pieces)-1].text)
			if noSpaceScript(prev) {
				space = false
			}
		}
		n := utf8.RuneCountInString(txt)
		glue := len(pieces) > 0 && (allPunct(txt) || (leadingSpaces && !space && !noSpaceScript(first)))
		if glue {
			p := &pieces[len(pieces)-1]
			if space {
				p.text += " "
				p.n++
				pos++
			}
			p.text += txt
			p.n += n
			pos += float64(n)
			p.p1 = pos
			tl[len(tl)-1] = knot{pos, we}
			continue
		}
		pieces = append(pieces, piece{text: txt, n: n, space: space && len(pieces) > 0, word: true, p0: pos, p1: pos + float64(n)})
		tl = append(tl, knot{pos, ws})
		pos += float64(n)
		tl = append(tl, knot{pos, we})
	}
	return pieces, tl
}

func startsWithSpace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

func allPunct(s string) bool {
	for _, r := range s {
		if !unicode.IsPunct(r) {
			return false
		}
	}
	return true
}

// noSpaceScript reports whether r belongs to a script written without spaces between words.
func noSpaceScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar) || r == 'ー' || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// layout fills lines of at most maxLen runes and cues of at most maxLines lines, and at most
// wordsPerCue words when that is positive. The first line of a cue also holds a prefix of prefixLen
// runes; when that leaves less than half a line, the line still gets half a line of text (or one
// whole word that fits a line), so a long speaker name makes it longer than maxLen, but never its
// text. It returns each cue as its non-empty lines.
func layout(pieces []piece, maxLen, maxLines, prefixLen, wordsPerCue int) [][][]piece {
	firstCap := maxLen - prefixLen
	if firstCap < maxLen/2 {
		firstCap = maxLen / 2
	}
	firstCap = max(firstCap, 1)

	var cues [][][]piece
	cur := [][]piece{nil}
	lineLen, words := 0, 0
	flush := func() {
		for len(cur) > 0 && len(cur[len(cur)-1]) == 0 {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			cues = append(cues, cur)
		}
		cur = [][]piece{nil}
		lineLen, words = 0, 0
	}
	for _, p := range pieces {
		for {
			li := len(cur) - 1
			limit := maxLen
			if li == 0 {
				limit = firstCap
			}
			if p.word && wordsPerCue > 0 && words >= wordsPerCue {
				flush()
				continue
			}
			sep := 0
			if len(cur[li]) > 0 && p.space {
				sep = 1
			}
			room := limit - lineLen - sep
			if p.n <= room {
				cur[li] = append(cur[li], p)
				lineLen += sep + p.n
				if p.word {
					words++
				}
				break
			}
			if len(cur[li]) == 0 && p.n <= maxLen {
				// Only a first line shortened by a long prefix can refuse a word that fits a line:
				// let the word make that line longer rather than break it.
				cur[li] = append(cur[li], p)
				lineLen += p.n
				if p.word {
					words++
				}
				break
			}
			if len(cur[li]) == 0 || (p.n > maxLen && room >= 2) {
				// Too long for any line: fill this one with its head.
				head, tail := splitPiece(p, room)
				cur[li] = append(cur[li], head)
				if head.word {
					words++
				}
				p = tail
			}
			if li+1 < maxLines {
				cur = append(cur, nil)
				lineLen = 0
			} else {
				flush()
			}
		}
	}
	flush()
	return cues
}

// splitPiece cuts p, which has more than k runes, after at most k runes (at least one), moving the cut
// back so that a combining mark, variation selector or zero-width joiner stays with the character
// before it; a cluster longer than k is cut after k runes all the same.
func splitPiece(p piece, k int) (head, tail piece) {
	k = max(k, 1)
	offsets := make([]int, 0, k+1) // byte offsets of the first k+1 runes
	for i := range p.text {
		if len(offsets) > k {
			break
		}
		offsets = append(offsets, i)
	}
	cut := k
	for c := k; c > 0; c-- {
		r, _ := utf8.DecodeRuneInString(p.text[offsets[c]:])
		prev, _ := utf8.DecodeLastRuneInString(p.text[:offsets[c]])
		if !joinsPrevious(r) && prev != '\u200d' {
			cut = c
			break
		}
	}
	b := offsets[cut]
	head, tail = p, p
	head.text, head.n, head.p1 = p.text[:b], cut, p.p0+float64(cut)
	tail.text, tail.n, tail.p0 = p.text[b:], p.n-cut, p.p0+float64(cut)
	tail.space, tail.word = false, false
	// A glued piece ("word ...") may be cut at its inner space, which the line break replaces.
	if t := strings.TrimRight(head.text, " "); t != head.text && t != "" {
		head.n -= len(head.text) - len(t)
		head.text = t
	}
	if t := strings.TrimLeft(tail.text, " "); t != tail.text {
		tail.n -= len(tail.text) - len(t)
		tail.text, tail.space = t, true
	}
	return head, tail
}

// joinsPrevious reports whether r must not start a line because it attaches to the rune before.
func joinsPrevious(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) || r == '\u200d' ||
		(r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) || (r >= 0x1F3FB && r <= 0x1F3FF)
}
