package textinput

import (
	"fmt"
	"unicode/utf8"
)

// X keysyms (X11 keysymdef.h).
const (
	keysymReturn  = 0xff0d
	keysymTab     = 0xff09
	keysymShiftL  = 0xffe1
	keysymUnicode = 0x01000000 // + code point, for code points above U+00FF
)

// KeysymFor is the X keysym that types r: Latin-1 keysyms equal their code point, newline and tab
// are Return and Tab, everything else is 0x01000000 + the code point.
func KeysymFor(r rune) uint32 {
	switch {
	case r == '\n':
		return keysymReturn
	case r == '\t':
		return keysymTab
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xff:
		return uint32(r)
	}
	return keysymUnicode + uint32(r)
}

// runeFor is the inverse of KeysymFor for the keysyms it produces (and Unicode keysyms of
// Latin-1 code points, which some keymaps use).
func runeFor(ks uint32) (rune, bool) {
	switch {
	case ks == keysymReturn:
		return '\n', true
	case ks == keysymTab:
		return '\t', true
	case ks >= 0x20 && ks <= 0x7e, ks >= 0xa0 && ks <= 0xff:
		return rune(ks), true
	case ks >= keysymUnicode+0x20 && ks <= keysymUnicode+0x10ffff:
		return rune(ks - keysymUnicode), true
	}
	return 0, false
}

// Keymap is the core keyboard map: Keysyms[(code-First)*PerCode+level].
type Keymap struct {
	First   int
	PerCode int
	Keysyms []uint32
}

func (k Keymap) count() int {
	if k.PerCode == 0 {
		return 0
	}
	return len(k.Keysyms) / k.PerCode
}

// Stroke is one key to press: Code, with Shift held when Shift is set.
type Stroke struct {
	Code  int
	Shift bool
}

// Batch is a keyboard remap followed by the strokes that use it. Remap gives the keysym each spare
// keycode gets for this batch (at both levels, so Shift does not matter).
type Batch struct {
	Remap   map[int]uint32
	Strokes []Stroke
}

// Spare returns the keycodes that have no keysym at all, the ones a typist may borrow.
func (k Keymap) Spare() []int {
	var out []int
	for i := 0; i < k.count(); i++ {
		empty := true
		for _, ks := range k.Keysyms[i*k.PerCode : (i+1)*k.PerCode] {
			if ks != 0 {
				empty = false
				break
			}
		}
		if empty {
			out = append(out, k.First+i)
		}
	}
	return out
}

// Plan turns text into batches of strokes. Characters on the keyboard's first two levels (of the
// first group) are typed with their keys, with Shift for the second level; the others borrow the
// spare keycodes, as many distinct characters per batch as there are spares. shiftCode is the
// keycode of Shift_L (0 = none: second-level characters borrow spares too). Control characters other than newline and tab are dropped. Invalid UTF-8 is an
// error, as is needing a spare when there is none.
func (k Keymap) Plan(text string, spare []int, shiftCode int) ([]Batch, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("textinput: text is not valid UTF-8")
	}
	direct := map[rune]Stroke{}
	for i := k.count() - 1; i >= 0; i-- { // lowest keycode wins
		for level := 0; level < 2 && level < k.PerCode; level++ {
			ks := k.Keysyms[i*k.PerCode+level]
			// A key with one keysym for a letter has both cases (X11 protocol, "Keyboards").
			r, ok := runeFor(ks)
			if !ok {
				continue
			}
			if level == 1 && shiftCode == 0 {
				continue
			}
			if prev, seen := direct[r]; !seen || prev.Shift || level == 0 {
				direct[r] = Stroke{Code: k.First + i, Shift: level == 1}
			}
		}
	}
	var batches []Batch
	cur := Batch{}
	used := map[rune]int{} // rune -> borrowed keycode in cur
	flush := func() {
		if len(cur.Strokes) > 0 {
			batches = append(batches, cur)
		}
		cur, used = Batch{}, map[rune]int{}
	}
	for _, r := range text {
		if !Typeable(r) {
			continue
		}
		if s, ok := direct[r]; ok {
			cur.Strokes = append(cur.Strokes, s)
			continue
		}
		code, ok := used[r]
		if !ok {
			if len(spare) == 0 {
				return nil, fmt.Errorf("%w: %q is not on the keyboard and no keycode is free to type it", ErrUnsupported, r)
			}
			if len(used) == len(spare) {
				flush()
			}
			code = spare[len(used)]
			used[r] = code
			if cur.Remap == nil {
				cur.Remap = map[int]uint32{}
			}
			cur.Remap[code] = KeysymFor(r)
		}
		cur.Strokes = append(cur.Strokes, Stroke{Code: code})
	}
	flush()
	return batches, nil
}

// Typeable reports whether Plan types r: control characters other than newline and tab are
// dropped (a transcript has none; a keysym for them would type nothing or something else).
func Typeable(r rune) bool {
	return r == '\n' || r == '\t' || (r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f))
}

// Find returns the first keycode whose first level is ks, or 0.
func (k Keymap) Find(ks uint32) int {
	for i := 0; i < k.count(); i++ {
		if k.Keysyms[i*k.PerCode] == ks {
			return k.First + i
		}
	}
	return 0
}
