package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// BenchmarkSaveLoad saves and loads a 3-hour transcript: 3,000 segments, 30,000 words with
// timestamps and probabilities.
func BenchmarkSaveLoad(b *testing.B) {
	for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
		b.Run(string(level), func(b *testing.B) {
			l := openUnlocked(b, testOptions())
			tr := genTranscript(rand.New(rand.NewPCG(1, 1)), "big", level, 3000, 10)
			b.ResetTimer()
			for b.Loop() {
				if err := l.Save(ctx, tr); err != nil {
					b.Fatal(err)
				}
				got, err := l.Get(ctx, "big")
				if err != nil || len(got.Segments) != 3000 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLibrary builds a library of 10,000 generated transcripts (9,000 Standard, 1,000 Private,
// 20 segments of 10 words each) once, then measures search latency (p50 and p95 in ms) and the
// private index build after unlock (time, and heap held by the index).
func BenchmarkLibrary(b *testing.B) {
	const n, segs, words = 10_000, 20, 10
	l := openUnlocked(b, testOptions())
	l.db.Exec("PRAGMA synchronous = OFF") // setup only
	r := rand.New(rand.NewPCG(42, 42))
	start := time.Now()
	for i := range n {
		level := transcript.Standard
		if i%10 == 0 {
			level = transcript.Private
		}
		tr := genTranscript(r, fmt.Sprintf("t%05d", i), level, segs, words)
		for j := range tr.Segments {
			tr.Segments[j].Words = nil
		}
		if i%500 == 1 { // a rare word, in 20 Standard transcripts
			tr.Segments[0].Text += " zebrafinch"
		}
		if err := l.Save(ctx, tr); err != nil {
			b.Fatal(err)
		}
	}
	l.db.Exec("PRAGMA synchronous = FULL")
	b.Logf("built %d transcripts in %v", n, time.Since(start))

	queries := []string{"meeting", "river garden", "mu*", `"the world"`, "zebrafinch", "budget morning evening", "doctor*"}
	for _, tc := range []struct {
		name  string
		level transcript.Level
	}{{"search-standard", transcript.Standard}, {"search-all", ""}} {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := l.Search(ctx, "warm up", Filter{}); err != nil { // builds the private index
				b.Fatal(err)
			}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if _, err := l.Search(ctx, queries[i%len(queries)], Filter{Level: tc.level}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			reportPercentiles(b, lat)
		})
	}
	b.Run("private-index-build", func(b *testing.B) {
		var heap uint64
		for b.Loop() {
			l.Lock()
			if err := l.Unlock(ctx, password); err != nil {
				b.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := l.privateIndex(ctx); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
		}
		b.ReportMetric(float64(heap)/(1<<20), "index-MiB")
	})
	// Delete scrubs the file (FTS optimize, VACUUM, checkpoint), so its cost grows with the library.
	b.Run("delete", func(b *testing.B) {
		i := 1
		for b.Loop() {
			if err := l.Delete(ctx, fmt.Sprintf("t%05d", i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if fi, err := os.Stat(l.Path()); err == nil {
			b.ReportMetric(float64(fi.Size())/(1<<20), "db-MiB")
		}
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
