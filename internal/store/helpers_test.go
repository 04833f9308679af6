package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

var password = []byte("correct horse battery staple")

// fakeClock is an adjustable clock for the idle timeout.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testOptions returns options with the fast, test-only key derivation.
func testOptions() Options {
	return Options{KDF: vault.TestingParams()}
}

// openTest opens a library in a fresh temporary folder and closes it at the end of the test.
func openTest(t testing.TB, opts Options) *Library {
	t.Helper()
	if opts.KDF == (vault.Params{}) {
		opts.KDF = vault.TestingParams()
	}
	l, err := Open(filepath.Join(t.TempDir(), "library.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// openUnlocked opens a library with a password set (and so unlocked).
func openUnlocked(t testing.TB, opts Options) *Library {
	t.Helper()
	l := openTest(t, opts)
	if err := l.SetPassword(context.Background(), password); err != nil {
		t.Fatal(err)
	}
	return l
}

var vocabulary = strings.Fields(`the of and to in a is that for it as was with be by on not he this are or
	his from at which but have an they you were her she there been one all we their has would when if so
	no will can more other its into some time only could new these two may first then do any like my now
	over such our man me even most made after also did many before must through back years where much your
	way well down should because each just those people how too little state good very make world still own
	see men work long get here between both life being under never day same another know while last might
	meeting budget river garden window morning project market evening music letter number travel doctor`)

// genText returns n pseudo-random vocabulary words.
func genText(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

// genTranscript builds a transcript with segs segments of wordsPer words each, with word timings.
func genTranscript(r *rand.Rand, id string, level transcript.Level, segs, wordsPer int) *transcript.Transcript {
	t := &transcript.Transcript{
		ID:         id,
		Title:      "Recording " + id,
		SourceName: id + ".wav",
		SourceSize: int64(segs) * 32000,
		Duration:   time.Duration(segs) * 3 * time.Second,
		Language:   "en",
		Model:      "base.en",
		Created:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(1_000_000)) * time.Second),
		Level:      level,
		Speakers:   []transcript.Speaker{{ID: "S1", Name: "Speaker one"}, {ID: "S2", Name: "Speaker two"}},
	}
	for i := range segs {
		start := time.Duration(i) * 3 * time.Second
		words := strings.Fields(genText(r, wordsPer))
		s := transcript.Segment{Start: start, End: start + 3*time.Second, Text: strings.Join(words, " "),
			Speaker: fmt.Sprintf("S%d", 1+i%2)}
		for j, w := range words {
			ws := start + time.Duration(j)*3*time.Second/time.Duration(len(words))
			s.Words = append(s.Words, transcript.Word{Start: ws, End: ws + 200*time.Millisecond, Text: w, Probability: float32(r.IntN(1000)) / 1000})
		}
		t.Segments = append(t.Segments, s)
	}
	return t
}

// sample is a small hand-written transcript.
func sample(id string, level transcript.Level) *transcript.Transcript {
	return &transcript.Transcript{
		ID:         id,
		Title:      "Quarterly planning",
		SourceName: "planning.m4a",
		SourceSize: 123456,
		Duration:   95 * time.Second,
		Language:   "en",
		Model:      "small",
		Created:    time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC),
		Level:      level,
		Segments: []transcript.Segment{
			{Start: 0, End: 4 * time.Second, Text: "Welcome to the planning meeting.", Speaker: "A",
				Words: []transcript.Word{
					{Start: 0, End: time.Second, Text: "Welcome", Probability: 0.91},
					{Start: time.Second, End: 2 * time.Second, Text: "to", Probability: 0.5},
					{Start: 2 * time.Second, End: 3 * time.Second, Text: "the", Probability: 0.75},
					{Start: 3 * time.Second, End: 4 * time.Second, Text: "planning meeting.", Probability: 0.125},
				}},
			{Start: 4 * time.Second, End: 9 * time.Second, Text: "The café budget is über tight this year.", Speaker: "B"},
			{Start: 9 * time.Second, End: 12 * time.Second, Text: "Let's talk about the river project.", Speaker: "A"},
		},
		Speakers: []transcript.Speaker{{ID: "A", Name: "Alice"}, {ID: "B", Name: "Bob"}},
	}
}

// fileBytes returns the concatenated contents of the database, WAL and shared-memory files.
func fileBytes(t testing.TB, l *Library) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(l.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}
