// Command screencheck fails unless a PNG screenshot shows something: enough distinct colours and
// enough brightness variance that it cannot be a blank, single-colour or all-black screen.
//
//	go run ./app/internal/screencheck shot.png
package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: screencheck FILE.png")
		os.Exit(2)
	}
	if err := check(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "screencheck:", err)
		os.Exit(1)
	}
}

func check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	st := measure(img)
	fmt.Printf("screencheck: %dx%d, %d colours, luminance mean %.1f stddev %.1f\n",
		img.Bounds().Dx(), img.Bounds().Dy(), st.colours, st.mean, st.stddev)
	switch {
	case st.colours < 16:
		return fmt.Errorf("only %d distinct colours: the screen looks blank", st.colours)
	case st.stddev < 8:
		return fmt.Errorf("luminance stddev %.1f: the screen looks blank", st.stddev)
	}
	return nil
}

type stats struct {
	colours      int
	mean, stddev float64
}

func measure(img image.Image) stats {
	b := img.Bounds()
	seen := map[uint32]bool{}
	var sum, sum2, n float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if len(seen) < 100000 {
				seen[r<<16|g<<8|bl] = true
			}
			l := 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)
			sum += l
			sum2 += l * l
			n++
		}
	}
	if n == 0 {
		return stats{}
	}
	mean := sum / n
	return stats{colours: len(seen), mean: mean, stddev: math.Sqrt(math.Max(0, sum2/n-mean*mean))}
}
