package wire_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testcorpus"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

func open(t *testing.T) (*wire.Backend, paths.Dirs) {
	t.Helper()
	dirs := paths.At(t.TempDir())
	b, err := wire.Open(wire.Config{Dirs: dirs, Runtime: apptest.NewRuntime(), Keychain: &keychain.Memory{}, Version: "test"})
	if errors.Is(err, store.ErrNoFTS5) {
		testgate.Missing(t, "SQLite without FTS5: run with -tags sqlite_fts5")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dirs
}

func corpus(t *testing.T, name string) string { return testcorpus.File(t, name) }

func TestLibraryAndVault(t *testing.T) {
	b, dirs := open(t)
	ctx := context.Background()
	lib, v := b.Deps.Library, b.Deps.Vault
	std := &transcript.Transcript{Title: "Standup", Language: "en", Segments: []transcript.Segment{{End: time.Second, Text: "budget review tomorrow"}}}
	if err := lib.Save(ctx, std); err != nil {
		t.Fatal(err)
	}
	priv := &transcript.Transcript{Title: "Doctor", Level: transcript.Private, Segments: []transcript.Segment{{End: time.Second, Text: "confidential diagnosis"}}}
	if err := lib.Save(ctx, priv); !errors.Is(err, app.ErrLocked) {
		t.Fatalf("private save without a password = %v", err)
	}
	if err := v.SetPassword(ctx, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := lib.Save(ctx, priv); err != nil {
		t.Fatal(err)
	}
	find := func(q string) []string {
		es, err := lib.List(ctx, app.Filter{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		return ids
	}
	if got := find("budget"); len(got) != 1 || got[0] != std.ID {
		t.Errorf("search budget = %v", got)
	}
	if got := find("standup"); len(got) != 1 {
		t.Errorf("title search = %v", got)
	}
	if got := find("diagnosis"); len(got) != 1 || got[0] != priv.ID {
		t.Errorf("unlocked private search = %v", got)
	}
	if err := v.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find("diagnosis"); len(got) != 0 {
		t.Errorf("locked private search = %v", got)
	}
	if _, err := lib.Get(ctx, priv.ID); !errors.Is(err, app.ErrLocked) {
		t.Errorf("locked Get = %v", err)
	}
	es, _ := lib.List(ctx, app.Filter{})
	if len(es) != 2 || !es[0].Locked || es[0].ID != priv.ID {
		t.Errorf("list = %+v", es)
	}
	if len(es) == 2 && (es[0].Preview != "" || es[1].Preview != "budget review tomorrow") {
		t.Errorf("locked list previews %q, %q; want none for the Private one", es[0].Preview, es[1].Preview)
	}
	if err := v.Unlock(ctx, "wrong"); !errors.Is(err, app.ErrWrongPass) {
		t.Errorf("wrong unlock = %v", err)
	}
	if err := v.Unlock(ctx, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if es, _ := lib.List(ctx, app.Filter{}); len(es) != 2 || es[0].Preview != "confidential diagnosis" {
		t.Errorf("unlocked list = %+v", es)
	}
	// A new vault locks after 15 minutes without use until the user chooses otherwise.
	if st, _ := v.Status(ctx); st.IdleMinutes != 15 {
		t.Errorf("default idle lock = %d min, want 15", st.IdleMinutes)
	}
	if err := v.SetIdleTimeout(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRemember(ctx, true); err != nil {
		t.Fatal(err)
	}
	st, _ := v.Status(ctx)
	if !st.HasPassword || st.Locked || !st.Remember || st.IdleMinutes != 5 {
		t.Errorf("status = %+v", st)
	}
	if _, err := lib.Get(ctx, "nope"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("Get(nope) = %v", err)
	}
	if err := lib.Delete(ctx, std.ID); err != nil {
		t.Fatal(err)
	}
	// Wipe removes everything and leaves a working, empty library.
	if err := b.Deps.Wiper.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	if es, err := lib.List(ctx, app.Filter{}); err != nil || len(es) != 0 {
		t.Errorf("after wipe: %v, %v", es, err)
	}
	if st, _ := v.Status(ctx); st.HasPassword || st.Remember {
		t.Errorf("after wipe: %+v", st)
	}
	if _, err := os.Stat(dirs.Models); err != nil {
		t.Errorf("models dir after wipe: %v", err)
	}
}

func TestExporter(t *testing.T) {
	b, _ := open(t)
	x := b.Deps.Exporter
	var ids []string
	for _, f := range x.Formats() {
		ids = append(ids, f.ID)
		if f.Name == "" || f.Ext == "" || f.Options == nil {
			t.Errorf("format %+v incomplete", f)
		}
	}
	if strings.Join(ids, " ") != "txt srt vtt json csv md docx" {
		t.Errorf("formats %v", ids)
	}
	tr := &transcript.Transcript{Speakers: []transcript.Speaker{{ID: "S1", Name: "Ada"}},
		Segments: []transcript.Segment{{End: time.Second, Text: "hello", Speaker: "S1"}}}
	var buf bytes.Buffer
	if err := x.Write(&buf, tr, "srt", app.ExportOptions{Speakers: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Ada: hello") {
		t.Errorf("srt = %q", buf.String())
	}
	if err := x.Write(&buf, tr, "pdf", app.ExportOptions{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("unknown format = %v", err)
	}
}

func TestModelsAndTranscription(t *testing.T) {
	b, _ := open(t)
	ctx := context.Background()
	m := b.Deps.Models
	if _, err := m.Path(ctx, ""); !errors.Is(err, app.ErrNoModel) {
		t.Errorf("Path with no model = %v", err)
	}
	if err := m.Download(ctx, "tiny", nil); err == nil {
		t.Error("download without a client succeeded")
	}
	bogus := filepath.Join(t.TempDir(), "bogus.bin")
	os.WriteFile(bogus, []byte("not a model"), 0o644)
	if _, err := m.Import(ctx, bogus, ""); !errors.Is(err, app.ErrModel) {
		t.Errorf("import of a non-model = %v", err)
	}
	md, err := m.Import(ctx, testmodel.ForTest(t, testmodel.Micro), "micro")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := m.List(ctx)
	var def string
	for _, x := range ms {
		if x.Default {
			def = x.Name
		}
	}
	if def != md.Name {
		t.Errorf("default %q, want the first model %q", def, md.Name)
	}
	path, err := m.Path(ctx, "")
	if err != nil {
		t.Fatal(err)
	}

	chans, err := b.Deps.Decoder.DecodeFile(ctx, corpus(t, "jfk.flac"), false)
	if err != nil || len(chans) != 1 || len(chans[0]) < 16000*10 {
		t.Fatalf("decode: %d channels, %v", len(chans), err)
	}
	if _, err := b.Deps.Decoder.DecodeFile(ctx, bogus, false); !errors.Is(err, app.ErrUnsupported) && !errors.Is(err, app.ErrCorrupt) {
		t.Errorf("decode of a non-audio file = %v", err)
	}
	if _, err := b.Deps.Decoder.DecodeFile(ctx, filepath.Join(t.TempDir(), "gone.wav"), false); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("decode of a missing file = %v", err)
	}
	eng, err := b.Deps.Engines.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	last := -1
	tr, err := eng.Transcribe(ctx, chans[0][:16000*3], app.TranscribeOptions{Language: "en", Progress: func(p int) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if last != 100 || tr == nil {
		t.Errorf("progress %d, transcript %v", last, tr)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := eng.Transcribe(cctx, chans[0], app.TranscribeOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled transcribe = %v", err)
	}
	if _, err := b.Deps.Engines.Open(bogus, false); !errors.Is(err, app.ErrModel) {
		t.Errorf("open of a non-model = %v", err)
	}
}

func TestLibrarySearchFindsTranscripts(t *testing.T) {
	b, _ := open(t)
	ctx := context.Background()
	lib := b.Deps.Library
	tr := &transcript.Transcript{Title: "Interview", Language: "en", Segments: []transcript.Segment{
		{Start: 0, End: time.Second, Text: "We talked about the budget."},
		{Start: 61 * time.Second, End: 62 * time.Second, Text: "Then the river came up."},
		{Start: 90 * time.Second, End: 91 * time.Second, Text: "The budget again."},
	}}
	if err := lib.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Both words, in different segments: found, with every segment that has either counted.
	es, err := lib.List(ctx, app.Filter{Text: "river budget"})
	if err != nil || len(es) != 1 {
		t.Fatalf("List = %+v, %v", es, err)
	}
	e := es[0]
	if e.Hits != 3 || len(e.Matches) != 3 || e.Matches[0].Segment != 0 || e.Matches[1].Start != 61*time.Second {
		t.Fatalf("hits %d, matches %+v", e.Hits, e.Matches)
	}
	var marked []string
	for _, sp := range e.Matches[1].Spans {
		if sp.Match {
			marked = append(marked, sp.Text)
		}
	}
	if len(marked) != 1 || marked[0] != "river" {
		t.Errorf("marked %v", marked)
	}
	if es, _ := lib.List(ctx, app.Filter{Text: "river garden"}); len(es) != 0 {
		t.Errorf("a missing word still matched: %+v", es)
	}
}
