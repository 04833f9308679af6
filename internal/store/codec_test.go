package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// xorSealer is a fake Sealer: it "encrypts" by XOR and binds the associated data by prefixing it.
type xorSealer struct{}

func (xorSealer) Seal(pt, ad []byte) ([]byte, error) {
	out := append(append([]byte{byte(len(ad))}, ad...), pt...)
	for i := 1 + len(ad); i < len(out); i++ {
		out[i] ^= 0x5a
	}
	return out, nil
}

func (xorSealer) Open(env, ad []byte) ([]byte, error) {
	if len(env) < 1+len(ad) || int(env[0]) != len(ad) || !bytes.Equal(env[1:1+len(ad)], ad) {
		return nil, ErrTampered
	}
	out := append([]byte(nil), env[1+len(ad):]...)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, nil
}

func TestSealFieldsRoundTrip(t *testing.T) {
	for _, names := range []bool{false, true} {
		want := sample("t", transcript.Private)
		envs, err := sealFields(xorSealer{}, want, names)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := envs[fieldTitle]; ok != names {
			t.Fatalf("names=%v: title sealed=%v", names, ok)
		}
		got := &transcript.Transcript{ID: want.ID, Level: want.Level, Created: want.Created, Title: want.Title,
			SourceName: want.SourceName, SourceSize: want.SourceSize, Duration: want.Duration, Language: want.Language, Model: want.Model}
		if names {
			got.Title, got.SourceName = "", ""
		}
		if err := openFields(xorSealer{}, got, envs, names); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
		}
		// Envelopes are bound to their transcript.
		other := &transcript.Transcript{ID: "other"}
		if err := openFields(xorSealer{}, other, envs, names); !errors.Is(err, ErrTampered) {
			t.Fatalf("envelopes opened for another transcript: %v", err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, b := range []string{`{`, `{"v":2,"segments":[]}`, `{"v":1,"segments":{}}`, `[]`} {
		if _, err := decodeSegments([]byte(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeSegments(%s): %v", b, err)
		}
	}
	for _, b := range []string{`{`, `{"v":0}`, `{"v":1,"speakers":3}`} {
		if _, err := decodeSpeakers([]byte(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeSpeakers(%s): %v", b, err)
		}
	}
	for _, b := range []string{`{`, `{"s":1}`, `[{"p":"x"}]`} {
		if _, err := decodeWords([]byte(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeWords(%s): %v", b, err)
		}
	}
}

func FuzzDecodeWords(f *testing.F) {
	f.Add([]byte(`[{"s":0,"e":5,"t":"An","p":0.5}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"s":-1,"e":9223372036854775807,"t":"\u0000","p":1e40}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, err := decodeWords(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := encodeWords(ws); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

func FuzzDecodeSegments(f *testing.F) {
	b, _ := encodeSegments(sample("x", transcript.Private).Segments)
	f.Add(b)
	f.Add([]byte(`{"v":1,"segments":null}`))
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		segs, err := decodeSegments(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := encodeSegments(segs); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := decodeSpeakers(b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("speakers: untyped error %v", err)
		}
	})
}

// FuzzSearchQuery checks that no query, however hostile, makes FTS5 fail, and that snippets
// reproduce the text.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{"budget", `"river project"*`, `NEAR(a b, 3)`, `a OR b AND NOT c`, `col:x`, `^x`, `-x`,
		`"`, `*`, `""*`, "\x00", `a"b"c`, "ﬁ ǅ ẞ İ", "日本語のテキスト", "\u0301e", "x\u200by", `{a b}`, `(a)`} {
		f.Add(q)
	}
	l := openUnlocked(f, testOptions())
	for _, level := range []transcript.Level{transcript.Standard, transcript.Private} {
		tr := sample(string(level), level)
		tr.Segments = append(tr.Segments, transcript.Segment{Text: "ﬁnance Straße İstanbul 日本語のテキスト e\u0301te x\u200by"})
		if err := l.Save(context.Background(), tr); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := l.Search(context.Background(), q, Filter{})
		if err != nil {
			t.Fatalf("Search(%q): %v (fts %s)", q, err, ftsExpr(parseQuery(q)))
		}
		m := newMatcher(parseQuery(q))
		for _, text := range []string{q, "The café budget is über tight this year."} {
			var b strings.Builder
			for _, s := range snippet(text, m, 4) {
				b.WriteString(s.Text)
			}
			got := strings.ReplaceAll(b.String(), "…", "")
			if utf8.ValidString(text) && !strings.Contains(text, "…") && !strings.Contains(text, got) {
				t.Fatalf("snippet %q is not part of %q", got, text)
			}
		}
		_ = hits
	})
}

// TestConcurrentUse runs saves, searches, gets and locks at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	l := openUnlocked(t, testOptions())
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				level := transcript.Standard
				if (w+i)%2 == 0 {
					level = transcript.Private
				}
				id := fmt.Sprintf("w%d-%d", w, i%3)
				if err := l.Save(ctx, sample(id, level)); err != nil && !errors.Is(err, ErrLocked) {
					errs <- err
				}
				if _, err := l.Search(ctx, "budget", Filter{}); err != nil {
					errs <- err
				}
				if _, err := l.Get(ctx, id); err != nil && !errors.Is(err, ErrLocked) && !errors.Is(err, ErrNotFound) {
					errs <- err
				}
				if w == 0 && i%3 == 0 {
					l.Lock()
					if err := l.Unlock(ctx, password); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
