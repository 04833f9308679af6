package tray

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

type iconKind int

const (
	iconIdle iconKind = iota
	iconRecording
	iconBusy
)

// iconPNG draws the tray icon: a microphone capsule on a disc whose colour tells the state.
// Drawing it keeps binary files out of the repository and makes every size sharp.
func iconPNG(kind iconKind, size int) []byte {
	bg := map[iconKind]color.NRGBA{
		iconIdle:      {0x44, 0x4c, 0x56, 0xff},
		iconRecording: {0xd9, 0x2d, 0x20, 0xff},
		iconBusy:      {0xe0, 0x8e, 0x0b, 0xff},
	}[kind]
	fg := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	c := s / 2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			if math.Hypot(px-c, py-c) > s/2-0.5 {
				continue
			}
			col := bg
			// capsule: a vertical stadium in the upper middle
			w, top, bot := s*0.11, s*0.22, s*0.52
			dy := math.Max(top-py, math.Max(0, py-bot))
			if math.Hypot(px-c, dy) <= w {
				col = fg
			}
			// stand: an arc below the capsule and a short stem
			r := math.Hypot(px-c, py-bot)
			if py >= bot && r >= s*0.19 && r <= s*0.19+s*0.06 {
				col = fg
			}
			if math.Abs(px-c) <= s*0.03 && py >= bot+s*0.19 && py <= s*0.82 {
				col = fg
			}
			img.SetNRGBA(x, y, col)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
