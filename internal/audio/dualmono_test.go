package audio

import (
	"math"
	"math/rand"
	"testing"
)

func TestNearlyIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	speech := func(seed int64) []float32 {
		r := rand.New(rand.NewSource(seed))
		out := make([]float32, 16000)
		for i := range out {
			out[i] = float32(0.3*math.Sin(float64(i)*0.05*(1+float64(seed))) + 0.1*r.NormFloat64())
		}
		return out
	}
	a := speech(1)
	noisy := make([]float32, len(a))
	quieter := make([]float32, len(a))
	for i, v := range a {
		noisy[i] = v + float32(0.005*rng.NormFloat64()) // a hiss of -46 dB
		quieter[i] = v * 0.5
	}
	silence := make([]float32, len(a))
	for _, tc := range []struct {
		name string
		a, b []float32
		want bool
	}{
		{"same samples", a, a, true},
		{"same with a little noise", a, noisy, true},
		{"same at half the level", a, quieter, true},
		{"two different voices", a, speech(2), false},
		{"speech and silence", a, silence, false},
		{"silence and speech", silence, a, false},
		{"both silent", silence, silence, true},
		{"inverted", a, neg(a), false},
		{"empty", nil, nil, true},
	} {
		if got := NearlyIdentical(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: NearlyIdentical = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func neg(a []float32) []float32 {
	out := make([]float32, len(a))
	for i, v := range a {
		out[i] = -v
	}
	return out
}

func FuzzNearlyIdentical(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		a := make([]float32, len(x))
		b := make([]float32, len(y))
		for i, v := range x {
			a[i] = float32(int8(v)) / 128
		}
		for i, v := range y {
			b[i] = float32(int8(v)) / 128
		}
		// Symmetric, and a channel is always identical to itself.
		if NearlyIdentical(a, b) != NearlyIdentical(b, a) {
			t.Fatal("not symmetric")
		}
		if !NearlyIdentical(a, a) {
			t.Fatal("a channel differs from itself")
		}
	})
}
