package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkServerLoad sends b.N uploads of 30 s of (fake) audio from many concurrent clients over
// loopback HTTP to a server with 2 workers and a queue of 8, the engine taking 1 ms per file. It
// reports the share answered 429 (queue full), completed transcriptions per second and the heap in
// use afterwards, and fails if any request goes unanswered. The real-engine load test is
// ./loadtest.
func BenchmarkServerLoad(b *testing.B) {
	for _, clients := range []int{4, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			eng := newFake()
			eng.delay = time.Millisecond
			cfg := testConfig(b)
			cfg.Workers, cfg.QueueSize = 2, 8
			ts := start(b, cfg, fakeDeps(eng))
			body, ct := form{file: fakeAudio(30 * time.Second)}.encode()
			var ok, full, lost atomic.Int64
			b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("POST", ts.url+"/v1/audio/transcriptions", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+testKey)
					req.Header.Set("Content-Type", ct)
					resp, err := ts.client.Do(req)
					if err != nil {
						lost.Add(1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case http.StatusOK:
						ok.Add(1)
					case http.StatusTooManyRequests:
						full.Add(1)
					default:
						lost.Add(1)
					}
				}
			})
			b.StopTimer()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(full.Load())/float64(b.N), "429s/op")
			b.ReportMetric(float64(ok.Load())/b.Elapsed().Seconds(), "transcriptions/s")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			if n := lost.Load(); n > 0 {
				b.Fatalf("%d of %d requests got no proper answer", n, b.N)
			}
		})
	}
}
