package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws one line on a terminal: name, bar, percent, elapsed and estimated time left.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	name  string
	start time.Time
	last  int
}

func newProgressBar(w io.Writer, name string) *progressBar {
	if len(name) > 28 {
		name = name[:25] + "..."
	}
	b := &progressBar{w: w, name: name, start: time.Now(), last: -1}
	b.set(0)
	return b
}

// sub returns a progress callback for part i of n equal parts; nil bars give nil callbacks.
func (b *progressBar) sub(i, n int) func(int) {
	if b == nil {
		return nil
	}
	return func(p int) { b.set((i*100 + p) / n) }
}

func (b *progressBar) set(p int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p = max(0, min(100, p))
	if p == b.last {
		return
	}
	b.last = p
	const width = 30
	fill := p * width / 100
	el := time.Since(b.start)
	left := "--:--"
	if p > 0 && p < 100 {
		left = clock(time.Duration(float64(el) * float64(100-p) / float64(p)))
	} else if p == 100 {
		left = "00:00"
	}
	fmt.Fprintf(b.w, "\r%-28s [%s%s] %3d%%  %s elapsed, %s left ", b.name, strings.Repeat("#", fill), strings.Repeat("-", width-fill), p, clock(el), left)
}

func (b *progressBar) done(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		fmt.Fprintf(b.w, "\r%-28s failed%s\n", b.name, strings.Repeat(" ", 60))
		return
	}
	fmt.Fprintln(b.w)
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
