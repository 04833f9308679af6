package wavfile_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/wavfile"
)

func TestRoundTrip(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 1, -1, 2, -2}
	var b bytes.Buffer
	if err := wavfile.Write(&b, in, 16000); err != nil {
		t.Fatal(err)
	}
	a, err := audio.Decode(context.Background(), &b, "x.wav", audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := a.Mono()
	want := []float32{0, 0.5, -0.5, 1, -1, 1, -1}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
			t.Errorf("sample %d = %v, want %v", i, got[i], want[i])
		}
	}
	if err := wavfile.Write(&b, in, 0); err == nil {
		t.Error("rate 0 accepted")
	}
}
