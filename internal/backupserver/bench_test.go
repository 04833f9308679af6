package backupserver_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkPutObject measures one durable upload (TLS, fsync of blob and metadata) of 16 KiB.
func BenchmarkPutObject(b *testing.B) {
	h := newHarness(b)
	u := h.signUp("bench@example.org")
	data := make([]byte, 16<<10)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		if r := h.put(u.session.Token, fmt.Sprint("o", i), 0, data); r.status != http.StatusOK {
			b.Fatalf("status %d", r.status)
		}
		i++
	}
}
