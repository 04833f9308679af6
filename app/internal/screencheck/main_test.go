package main

import (
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, img image.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	blank := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if err := check(write(t, blank)); err == nil {
		t.Error("blank screen passed")
	}
	busy := image.NewRGBA(image.Rect(0, 0, 64, 64))
	r := rand.New(rand.NewSource(1))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			busy.Set(x, y, color.RGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), 255})
		}
	}
	if err := check(write(t, busy)); err != nil {
		t.Errorf("busy screen: %v", err)
	}
	if err := check(filepath.Join(t.TempDir(), "missing.png")); err == nil {
		t.Error("missing file passed")
	}
}
