package engine

import (
	"bytes"
	"os"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func TestCheckModelValid(t *testing.T) {
	for _, s := range []testmodel.Shape{testmodel.Micro, testmodel.Tiny} {
		if err := checkModelFile(testmodel.ForTest(t, s)); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

func FuzzCheckModel(f *testing.F) {
	good, err := os.ReadFile(testmodel.ForTest(f, testmodel.Micro))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good[:48])
	f.Add(good[:200])
	f.Add(good[:70000])
	f.Add([]byte{})
	f.Add([]byte("lmgg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkModel(bytes.NewReader(data), int64(len(data)))
	})
}
