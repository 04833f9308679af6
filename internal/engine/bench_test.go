package engine

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// BenchmarkTranscribe measures one transcription of jfk.flac (11 s) per iteration.
func BenchmarkTranscribe(b *testing.B) {
	_, samples := decodeWAV(b, "jfk.flac")
	for _, s := range []testmodel.Shape{testmodel.Micro, testmodel.Tiny} {
		for _, threads := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("%s/threads=%d", s.Name, threads), func(b *testing.B) {
				e := testEngine(b, s)
				b.SetBytes(int64(len(samples) * 4))
				for b.Loop() {
					if _, err := e.Transcribe(context.Background(), samples, Options{Language: "en", Threads: threads}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
