package textinput

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// testKeymap: keycodes 10.. with 2 levels: a/A, b/B, 1/!, space, Return, Shift_L, then 4 empty
// keycodes (16..19), then ü with no second level (20).
func testKeymap() Keymap {
	return Keymap{First: 10, PerCode: 2, Keysyms: []uint32{
		'a', 'A', 'b', 'B', '1', '!', ' ', 0, keysymReturn, 0, keysymShiftL, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0xfc, 0,
	}}
}

func TestKeysymFor(t *testing.T) {
	for r, want := range map[rune]uint32{'a': 'a', 'ü': 0xfc, '\n': keysymReturn, '\t': keysymTab,
		'€': 0x010020ac, '你': 0x01004f60, '😀': 0x0101f600, 'ÿ': 0xff} {
		if got := KeysymFor(r); got != want {
			t.Errorf("KeysymFor(%q) = %#x, want %#x", r, got, want)
		}
		if back, ok := runeFor(want); !ok || back != r {
			t.Errorf("runeFor(%#x) = %q, %v", want, back, ok)
		}
	}
	if _, ok := runeFor(0xffe1); ok {
		t.Error("Shift_L maps to a rune")
	}
}

func TestSpare(t *testing.T) {
	km := testKeymap()
	if got, want := km.Spare(), []int{16, 17, 18, 19}; !reflect.DeepEqual(got, want) {
		t.Errorf("Spare = %v, want %v", got, want)
	}
	if km.Find(keysymShiftL) != 15 || km.Find('z') != 0 {
		t.Error("Find")
	}
}

func TestPlan(t *testing.T) {
	km := testKeymap()
	spare := []int{16, 17}
	tests := []struct {
		text string
		want []Batch
	}{
		{"", nil},
		{"aB 1!\n", []Batch{{Strokes: []Stroke{{10, false}, {11, true}, {13, false}, {12, false}, {12, true}, {14, false}}}}},
		{"aü", []Batch{{Strokes: []Stroke{{10, false}, {20, false}}}}}, // ü is on the keyboard
		{"a\r\nb", []Batch{{Strokes: []Stroke{{10, false}, {14, false}, {11, false}}}}},
		// Missing characters borrow the spare keycodes, reused within a batch.
		{"€a€你", []Batch{{Remap: map[int]uint32{16: 0x010020ac, 17: 0x01004f60},
			Strokes: []Stroke{{16, false}, {10, false}, {16, false}, {17, false}}}}},
		// A third distinct missing character starts a new batch.
		{"你好世界", []Batch{
			{Remap: map[int]uint32{16: 0x01004f60, 17: 0x0100597d}, Strokes: []Stroke{{16, false}, {17, false}}},
			{Remap: map[int]uint32{16: 0x01004e16, 17: 0x0100754c}, Strokes: []Stroke{{16, false}, {17, false}}},
		}},
	}
	for _, tt := range tests {
		got, err := km.Plan(tt.text, spare, 15)
		if err != nil {
			t.Errorf("Plan(%q): %v", tt.text, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Plan(%q) =\n %+v\nwant\n %+v", tt.text, got, tt.want)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	km := testKeymap()
	if _, err := km.Plan("a€", nil, 15); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no spare: %v", err)
	}
	if _, err := km.Plan("a\xff", []int{16}, 15); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	// Without a Shift key, second-level characters borrow spares.
	got, err := km.Plan("A", []int{16}, 0)
	if err != nil || len(got) != 1 || got[0].Remap[16] != 'A' {
		t.Errorf("Plan without Shift = %+v, %v", got, err)
	}
}

// FuzzPlan: any valid text plans without error given spares, and typing the plan (applying each
// batch's remap) gives the text back (without carriage returns).
func FuzzPlan(f *testing.F) {
	for _, s := range []string{"", "Grüße aus Köln", "你好世界 😀", "a\r\nb\tc", "AAAA!!!"} {
		f.Add(s)
	}
	km := testKeymap()
	f.Fuzz(func(t *testing.T, text string) {
		batches, err := km.Plan(text, []int{16, 17, 18}, 15)
		if !utf8.ValidString(text) {
			if err == nil {
				t.Fatal("invalid UTF-8 accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		cur := append([]uint32(nil), km.Keysyms...)
		var out []rune
		for _, b := range batches {
			for code, ks := range b.Remap {
				i := (code - km.First) * km.PerCode
				cur[i], cur[i+1] = ks, ks
			}
			for _, s := range b.Strokes {
				i := (s.Code - km.First) * km.PerCode
				ks := cur[i]
				if s.Shift {
					ks = cur[i+1]
				}
				r, ok := runeFor(ks)
				if !ok {
					t.Fatalf("stroke %+v types keysym %#x", s, ks)
				}
				out = append(out, r)
			}
		}
		want := []rune{}
		for _, r := range text {
			if Typeable(r) {
				want = append(want, r)
			}
		}
		if string(out) != string(want) {
			t.Fatalf("typed %q, want %q", string(out), string(want))
		}
	})
}

func TestWMClassAndTerminal(t *testing.T) {
	inst, class := ParseWMClass([]byte("xterm\x00XTerm\x00"))
	if inst != "xterm" || class != "XTerm" || !IsTerminal(inst, class) {
		t.Errorf("xterm: %q %q", inst, class)
	}
	inst, class = ParseWMClass([]byte("gedit\x00Gedit\x00"))
	if IsTerminal(inst, class) {
		t.Error("gedit is a terminal")
	}
	if !IsTerminal("", "org.gnome.Console") || !IsTerminal("kitty", "") {
		t.Error("Console/kitty")
	}
	if inst, class := ParseWMClass(nil); inst != "" || class != "" {
		t.Error("empty")
	}
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]Method{"": Auto, "auto": Auto, "Type": Type, " paste ": Paste} {
		if got, err := ParseMethod(in); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMethod("telepathy"); !errors.Is(err, ErrBadMethod) {
		t.Errorf("bad method: %v", err)
	}
}
