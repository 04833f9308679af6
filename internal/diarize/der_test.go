package diarize

import (
	"math"
	"testing"
	"time"
)

func TestDER(t *testing.T) {
	ref := []Turn{{0, sec(10), 0}, {sec(10), sec(20), 1}}
	total := 20 * time.Second
	tests := []struct {
		name string
		hyp  []Turn
		der  float64
	}{
		{"perfect, labels swapped", []Turn{{0, sec(10), 1}, {sec(10), sec(20), 0}}, 0},
		{"all one speaker", []Turn{{0, sec(20), 0}}, 0.5},
		{"nothing", nil, 1},
		{"half missed", []Turn{{0, sec(10), 0}}, 0.5},
		{"confusion 2 s", []Turn{{0, sec(12), 0}, {sec(12), sec(20), 1}}, 0.1},
	}
	for _, tc := range tests {
		got, _, _, _ := DER(ref, tc.hyp, total)
		if math.Abs(got-tc.der) > 1e-9 {
			t.Errorf("%s: DER %.3f, want %.3f", tc.name, got, tc.der)
		}
	}
	// False alarm where nobody speaks.
	got, _, fa, _ := DER([]Turn{{0, sec(10), 0}}, []Turn{{0, sec(15), 0}}, total)
	if math.Abs(got-0.5) > 1e-9 || fa != 5*time.Second {
		t.Errorf("false alarm: DER %.3f, fa %v", got, fa)
	}
}
