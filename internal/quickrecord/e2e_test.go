package quickrecord_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/pulsetest"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// corpus finds the shared test recordings: $HUSHSCRIBE_CORPUS, or a shared/corpus folder next to
// one of the folders above this package.
func corpus(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("HUSHSCRIBE_CORPUS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			testgate.Missing(t, "test corpus not found: set HUSHSCRIBE_CORPUS or put shared/corpus next to the repository")
			return ""
		}
		dir = parent
	}
}

// library opens a real store when the SQLite driver has FTS5 (go test -tags sqlite_fts5), else a
// fake Saver stands in.
func library(t *testing.T) (quickrecord.Saver, func(id string) (*transcript.Transcript, error)) {
	t.Helper()
	lib, err := store.Open(filepath.Join(t.TempDir(), "library.db"), store.Options{})
	if errors.Is(err, store.ErrNoFTS5) {
		t.Log("SQLite without FTS5 (build tag sqlite_fts5 not set): saving to a fake library")
		s := &fakeSaver{}
		return s, func(id string) (*transcript.Transcript, error) {
			for _, tr := range s.got {
				if tr.ID == id {
					return tr, nil
				}
			}
			return nil, store.ErrNotFound
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib, func(id string) (*transcript.Transcript, error) { return lib.Get(context.Background(), id) }
}

// TestEndToEnd plays jfk.flac into a PulseAudio null sink, records its monitor through miniaudio
// as if it were the microphone, stops, transcribes with the generated test model and checks the
// transcript in the library, the clipboard and the notification.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 11 s of audio in real time")
	}
	jfk := filepath.Join(corpus(t), "jfk.flac")
	if _, err := os.Stat(jfk); err != nil {
		testgate.Missing(t, "corpus file missing: %v", err)
	}
	srv := pulsetest.Start(t)
	backend, err := capture.NewMalgo(capture.MalgoConfig{Backends: []string{"pulseaudio"}})
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	eng, err := engine.Open(testmodel.ForTest(t, testmodel.Micro), engine.Config{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	saver, get := library(t)

	clip := make(chan string, 1)
	notes := &fakeNotifier{}
	states := make(chan quickrecord.State, 1000)
	var levels, previews int
	q, err := quickrecord.New(quickrecord.Config{
		Preview: quickrecord.Preview{Interval: 3 * time.Second, Window: 5 * time.Second},
		Backend: backend,
		Engine:  func(context.Context) (quickrecord.Transcriber, error) { return eng, nil },
		Options: engine.Options{Threads: 1, Language: "en"},
		Prefs: func() quickrecord.Prefs {
			p := quickrecord.DefaultPrefs()
			p.DeviceID = srv.MonitorID()
			return p
		},
		Saver:     saver,
		Clipboard: func(ctx context.Context, text string) error { clip <- text; return nil },
		Notifier:  notes,
		OnState: func(s quickrecord.State) {
			if s.Phase == quickrecord.Recording && s.Level.Elapsed > 0 {
				levels++
			}
			if s.Phase == quickrecord.Recording && s.Preview != "" {
				previews++
			}
			states <- s
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()

	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.PlayFile(ctx, jfk); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}

	var out *quickrecord.Outcome
	var loudest float64 = capture.MinDBFS
	for out == nil {
		select {
		case s := <-states:
			if s.Phase == quickrecord.Recording {
				loudest = max(loudest, s.Level.Peak)
			}
			if s.Phase == quickrecord.Idle {
				out = s.Last
			}
		case <-ctx.Done():
			t.Fatal("no outcome within a minute")
		}
	}
	t.Logf("outcome: %.1f s, stopped %v, copied %v, saved %v, err %v; loudest level %.1f dBFS over %d level reports; %d states with a preview",
		out.Duration.Seconds(), out.Stopped, out.Copied, out.Saved, out.Err, loudest, levels, previews)
	if previews == 0 {
		t.Error("no streaming preview while recording")
	}
	if out.Err != nil || out.Transcript == nil || !out.Saved || !out.Copied {
		t.Fatalf("outcome %+v", out)
	}
	if out.Duration < 11*time.Second || out.Duration > 16*time.Second {
		t.Errorf("recorded %v of the 11 s file", out.Duration)
	}
	if loudest < -20 {
		t.Errorf("the level meter never showed the speech: loudest %.1f dBFS", loudest)
	}
	got, err := get(out.Transcript.ID)
	if err != nil {
		t.Fatalf("transcript not in the library: %v", err)
	}
	if got.Text() == "" || got.Text() != out.Transcript.Text() || got.Level != transcript.Standard || got.Model == "" {
		t.Errorf("library has %+v", got)
	}
	if c := <-clip; c != got.Text() {
		t.Errorf("clipboard %q, library %q", c, got.Text())
	}
	if len(notes.msgs) != 1 {
		t.Errorf("notifications %q", notes.msgs)
	}
	t.Logf("transcript (nonsense from the synthetic model): %.80q", got.Text())
}
