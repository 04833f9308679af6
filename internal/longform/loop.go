package longform

import (
	"bytes"
	"compress/zlib"
	"strings"
	"unicode"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// CompressionRatioThreshold is whisper's: text whose UTF-8 bytes are more
// than 2.4 times the size of their zlib compression repeats itself.
const CompressionRatioThreshold = 2.4

// minLoopWords is the least number of words a repeated run must span to
// count as a loop (so that "no, no, no" is speech, not a loop).
const minLoopWords = 12

// compressionRatio is len(text) / len(zlib(text)), as whisper computes it.
func compressionRatio(text string) float64 {
	if text == "" {
		return 0
	}
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(text))
	w.Close()
	return float64(len(text)) / float64(b.Len())
}

// Looping reports whether a window's text repeats itself: the same
// sentence (segment) three or more times in a row over at least eight
// words, a run of the same word
// n-gram repeated over at least minLoopWords words, or a compression ratio
// above CompressionRatioThreshold.
func Looping(segs []transcript.Segment) bool {
	if k, w := sameRun(segs); k >= 3 && k*w >= minLoopWords*2/3 {
		return true
	}
	var all []string
	for _, s := range segs {
		all = append(all, words(s.Text)...)
	}
	if _, k, n := ngramRun(all); k >= 3 && k*n >= minLoopWords {
		return true
	}
	var text strings.Builder
	for _, s := range segs {
		text.WriteString(strings.TrimSpace(s.Text))
		text.WriteByte(' ')
	}
	return compressionRatio(text.String()) > CompressionRatioThreshold
}

// sameRun is the longest run of consecutive segments with the same text: how many, and the
// words in each.
func sameRun(segs []transcript.Segment) (k, words int) {
	run := 0
	for i := range segs {
		if i > 0 && norm(segs[i].Text) == norm(segs[i-1].Text) {
			run++
		} else {
			run = 1
		}
		if w := len(strings.Fields(norm(segs[i].Text))); run*w > k*words || run > k && w == words {
			k, words = run, w
		}
	}
	return k, words
}

func norm(s string) string {
	return strings.Join(words(s), " ")
}

// words splits s into lower-case words without punctuation.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\''
	})
}

// ngramRun finds the longest run of one n-gram repeated back to back in w
// (n from 1 to 10): it starts at word i, and the n-gram is repeated k
// times.
func ngramRun(w []string) (i, k, n int) {
	bestCover := 0
	for size := 1; size <= 10; size++ {
		for s := 0; s+2*size <= len(w); s++ {
			reps := 1
			for s+(reps+1)*size <= len(w) && equalWords(w[s:s+size], w[s+reps*size:s+(reps+1)*size]) {
				reps++
			}
			if reps >= 2 && reps*size > bestCover {
				bestCover, i, k, n = reps*size, s, reps, size
			}
			if reps > 1 {
				s += (reps - 1) * size
			}
		}
	}
	return i, k, n
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// collapse keeps one copy of what repeats: a run of segments with the same
// text becomes its first segment, stretched to the end of the last, and a
// segment whose words repeat one n-gram over and over keeps the n-gram
// once. Every segment it changes, and with changed false every segment,
// is marked Uncertain, so that the span can be seen and re-run. No time
// is lost: the kept segments cover the spans of the ones dropped.
func collapse(segs []transcript.Segment) []transcript.Segment {
	var out []transcript.Segment
	changed := false
	for _, s := range segs {
		if n := len(out); n > 0 && norm(out[n-1].Text) == norm(s.Text) && norm(s.Text) != "" {
			out[n-1].End = max(out[n-1].End, s.End)
			out[n-1].Words = nil
			out[n-1].Uncertain = true
			changed = true
			continue
		}
		if t, ok := collapseText(s.Text); ok {
			s.Text, s.Words, s.Uncertain = t, nil, true
			changed = true
		}
		out = append(out, s)
	}
	if !changed {
		for i := range out {
			out[i].Uncertain = true
		}
	}
	return out
}

// collapseText removes the repetitions of a looping n-gram run from s,
// keeping one copy; ok is false if there is none.
func collapseText(s string) (string, bool) {
	fields := strings.Fields(s)
	lw := make([]string, len(fields))
	for i, f := range fields {
		lw[i] = norm(f)
	}
	i, k, n := ngramRun(lw)
	if k < 3 || k*n < minLoopWords {
		return s, false
	}
	kept := append(append([]string{}, fields[:i+n]...), fields[i+k*n:]...)
	return " " + strings.Join(kept, " "), true
}
