package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

type fixture struct {
	app     *app.App
	rt      *apptest.Runtime
	lib     *apptest.Library
	models  *apptest.Models
	engines *apptest.Engines
	dir     string
}

func newFixture(t *testing.T, mod func(*app.Deps)) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{
		rt:      apptest.NewRuntime(),
		lib:     apptest.NewLibrary(),
		models:  apptest.NewModels(map[string]string{"tiny": "/models/ggml-tiny.bin"}),
		engines: &apptest.Engines{},
		dir:     dir,
	}
	d := app.Deps{
		Library:  f.lib,
		Vault:    f.lib,
		Models:   f.models,
		Engines:  f.engines,
		Decoder:  apptest.Decoder{},
		Exporter: apptest.Exporter{},
		Wiper:    f.lib,
		Runtime:  f.rt,
		Settings: app.NewSettingsFile(filepath.Join(dir, "settings.json")),
		Sources:  app.NewSourceIndex(filepath.Join(dir, "sources.json")),
		Version:  "test",
		DataDir:  dir,
	}
	if mod != nil {
		mod(&d)
	}
	a, err := app.New(d)
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	f.app = a
	return f
}

func (f *fixture) audio(t *testing.T, name string, secs, chans int) string {
	t.Helper()
	p, err := apptest.WriteAudio(f.dir, name, secs, chans)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitJob waits for job id to reach a finished state.
func (f *fixture) waitJob(t *testing.T, id string) app.Job {
	t.Helper()
	return f.waitJobAfter(t, 0, id)
}

func (f *fixture) waitJobAfter(t *testing.T, mark int, id string) app.Job {
	t.Helper()
	data, ok := f.rt.WaitAfter(mark, app.EventJob, func(d any) bool {
		j := d.(app.Job)
		return j.ID == id && (j.State == app.JobDone || j.State == app.JobFailed || j.State == app.JobCancelled)
	}, 10*time.Second)
	if !ok {
		jobs, _ := f.app.Jobs()
		t.Fatalf("job %s did not finish: %+v", id, jobs)
	}
	return data.(app.Job)
}

func TestNewRequiresDeps(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    app.Deps
	}{
		{"no library", app.Deps{Runtime: apptest.NewRuntime(), Settings: app.NewSettingsFile("")}},
		{"no runtime", app.Deps{Library: apptest.NewLibrary(), Settings: app.NewSettingsFile("")}},
		{"no settings", app.Deps{Library: apptest.NewLibrary(), Runtime: apptest.NewRuntime()}},
	} {
		if _, err := app.New(tc.d); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
}

func TestTranscribeFile(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "meeting.wav", 5, 1)
	jobs, err := f.app.AddFiles([]string{p}, app.JobOptions{Language: "EN"})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("AddFiles = %v, %v", jobs, err)
	}
	if jobs[0].Options.Language != "en" || jobs[0].Options.Level != transcript.Standard {
		t.Errorf("options not normalised: %+v", jobs[0].Options)
	}
	j := f.waitJob(t, jobs[0].ID)
	if j.State != app.JobDone || j.Percent != 100 || j.TranscriptID == "" {
		t.Fatalf("job = %+v", j)
	}
	// Progress was reported on the way, monotonic.
	last := -1
	for _, e := range f.rt.Events() {
		if jj, ok := e.Data.(app.Job); ok && jj.ID == j.ID {
			if jj.Percent < last {
				t.Errorf("progress went back: %d after %d", jj.Percent, last)
			}
			last = jj.Percent
		}
	}
	tr, err := f.app.GetTranscript(j.TranscriptID)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Title != "meeting" || tr.SourceName != "meeting.wav" || len(tr.Segments) != 5 || tr.Duration != 5*time.Second {
		t.Errorf("transcript = %+v", tr)
	}
	if tr.Model != "ggml-tiny.bin" {
		t.Errorf("model = %q", tr.Model)
	}
	if _, ok := f.rt.WaitFor(app.EventLibrary, nil, time.Second); !ok {
		t.Error("no library event")
	}
}

func TestSpeakerPerChannel(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "call.wav", 3, 2)
	jobs, _ := f.app.AddFiles([]string{p}, app.JobOptions{SpeakerPerChannel: true})
	j := f.waitJob(t, jobs[0].ID)
	tr, err := f.app.GetTranscript(j.TranscriptID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Speakers) != 2 || len(tr.Segments) != 6 {
		t.Fatalf("speakers %v, %d segments", tr.Speakers, len(tr.Segments))
	}
	for i, s := range tr.Segments {
		if i > 0 && s.Start < tr.Segments[i-1].Start {
			t.Errorf("segments not in time order at %d", i)
		}
		want := "S1"
		if i%2 == 1 {
			want = "S2"
		}
		if s.Speaker != want {
			t.Errorf("segment %d speaker %q, want %q", i, s.Speaker, want)
		}
	}
}

func TestDualMonoIsTranscribedOnce(t *testing.T) {
	f := newFixture(t, nil)
	p, err := apptest.WriteDualMono(f.dir, "mono-as-stereo.wav", 3)
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := f.app.AddFiles([]string{p}, app.JobOptions{SpeakerPerChannel: true})
	j := f.waitJob(t, jobs[0].ID)
	tr, err := f.app.GetTranscript(j.TranscriptID)
	if err != nil {
		t.Fatal(err)
	}
	// Transcribed once: the fake engine gives one segment a second, without speakers.
	if len(tr.Speakers) != 0 || len(tr.Segments) != 3 {
		t.Fatalf("speakers %v, %d segments; want the text once", tr.Speakers, len(tr.Segments))
	}
	if !strings.Contains(j.Notice, "transcribed once") {
		t.Errorf("notice = %q", j.Notice)
	}
	if j.Duration != 3*time.Second {
		t.Errorf("duration = %v", j.Duration)
	}
}

func TestSpeakerPerChannelPerFile(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "call.wav", 3, 2)
	jobs, _ := f.app.AddFiles([]string{p}, app.JobOptions{}) // the default: off
	j := f.waitJob(t, jobs[0].ID)
	first := j.TranscriptID
	mark := f.rt.Len()
	// This one file again, with a speaker per channel: queued again, a second transcript.
	if _, err := f.app.SetJobSpeakerPerChannel(j.ID, true); err != nil {
		t.Fatal(err)
	}
	j = f.waitJobAfter(t, mark, j.ID)
	if j.State != app.JobDone || !j.Options.SpeakerPerChannel || j.TranscriptID == first {
		t.Fatalf("job = %+v", j)
	}
	tr, _ := f.app.GetTranscript(j.TranscriptID)
	if len(tr.Speakers) != 2 {
		t.Errorf("speakers = %v", tr.Speakers)
	}
	if _, err := f.app.GetTranscript(first); err != nil {
		t.Errorf("the first transcript is gone: %v", err)
	}
	if _, err := f.app.SetJobSpeakerPerChannel("job-404", true); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown job = %v", err)
	}
}

func TestBadFilesFailClearly(t *testing.T) {
	f := newFixture(t, nil)
	corrupt := filepath.Join(f.dir, "broken.mp3")
	os.WriteFile(corrupt, []byte("not audio at all"), 0o644)
	unsupported := filepath.Join(f.dir, "notes.docx")
	os.WriteFile(unsupported, []byte("PK..."), 0o644)
	empty := f.audio(t, "silence.wav", 0, 1)
	missing := filepath.Join(f.dir, "gone.wav")
	tests := []struct {
		path string
		kind app.ErrorKind
	}{
		{corrupt, app.KindCorrupt},
		{unsupported, app.KindUnsupported},
		{empty, app.KindEmpty},
		{missing, app.KindNotFound},
		{f.dir, app.KindUnsupported},
	}
	for _, tc := range tests {
		jobs, err := f.app.AddFiles([]string{tc.path}, app.JobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		j := jobs[0]
		if j.State != app.JobFailed {
			j = f.waitJob(t, j.ID)
		}
		if j.State != app.JobFailed || j.ErrorKind != tc.kind || j.Error == "" {
			t.Errorf("%s: state %s kind %q error %q, want failed %q", filepath.Base(tc.path), j.State, j.ErrorKind, j.Error, tc.kind)
		}
	}
}

func TestNoModel(t *testing.T) {
	f := newFixture(t, func(d *app.Deps) { d.Models = apptest.NewModels(nil) })
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "a.wav", 1, 1)}, app.JobOptions{})
	j := f.waitJob(t, jobs[0].ID)
	if j.ErrorKind != app.KindNoModel || !strings.Contains(j.Error, "Download or import") {
		t.Errorf("job = %+v", j)
	}
}

func TestCancelAndRetry(t *testing.T) {
	gate := make(chan struct{})
	f := newFixture(t, nil)
	f.engines.Gate = gate
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "long.wav", 3, 1), f.audio(t, "next.wav", 1, 1)}, app.JobOptions{})
	run, queued := jobs[0], jobs[1]
	if _, ok := f.rt.WaitFor(app.EventJob, func(d any) bool {
		j := d.(app.Job)
		return j.ID == run.ID && j.Stage == "transcribing"
	}, 5*time.Second); !ok {
		t.Fatal("job did not start")
	}
	if err := f.app.CancelJob(queued.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.app.CancelJob(run.ID); err != nil {
		t.Fatal(err)
	}
	if j := f.waitJob(t, run.ID); j.State != app.JobCancelled {
		t.Fatalf("running job: %+v", j)
	}
	if err := f.app.CancelJob("nope"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("CancelJob(nope) = %v", err)
	}
	if err := f.app.RemoveJob(run.ID); err != nil {
		t.Errorf("RemoveJob: %v", err)
	}
	// Retry the queued-then-cancelled one; let it through the gate.
	close(gate)
	mark := f.rt.Len()
	j, err := f.app.RetryJob(queued.ID)
	if err != nil || j.State != app.JobQueued {
		t.Fatalf("RetryJob = %+v, %v", j, err)
	}
	if j := f.waitJobAfter(t, mark, queued.ID); j.State != app.JobDone {
		t.Fatalf("retried job: %+v", j)
	}
	if _, err := f.app.RetryJob(queued.ID); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("retry of a done job = %v", err)
	}
	n, err := f.app.ClearFinished()
	if err != nil || n != 1 {
		t.Errorf("ClearFinished = %d, %v", n, err)
	}
	if left, _ := f.app.Jobs(); len(left) != 0 {
		t.Errorf("jobs left: %+v", left)
	}
}

func TestRemoveRunningJobRefused(t *testing.T) {
	gate := make(chan struct{})
	f := newFixture(t, nil)
	f.engines.Gate = gate
	defer close(gate)
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "a.wav", 2, 1)}, app.JobOptions{})
	if err := f.app.RemoveJob(jobs[0].ID); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("RemoveJob(running) = %v", err)
	}
	f.app.CancelJob(jobs[0].ID)
}

func TestAddFilesRejectsBadLevel(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.app.AddFiles([]string{"x"}, app.JobOptions{Level: "secret"}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("err = %v", err)
	}
	if jobs, err := f.app.AddFiles(nil, app.JobOptions{}); err != nil || len(jobs) != 0 {
		t.Errorf("AddFiles(nil) = %v, %v", jobs, err)
	}
}

func TestChooseFiles(t *testing.T) {
	f := newFixture(t, nil)
	f.rt.AnswerOpen("/a.wav", "/b.mp3")
	got, err := f.app.ChooseFiles()
	if err != nil || len(got) != 2 {
		t.Errorf("ChooseFiles = %v, %v", got, err)
	}
	got, err = f.app.ChooseFiles() // cancelled
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("cancelled ChooseFiles = %#v, %v", got, err)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	f := newFixture(t, nil)
	s, err := f.app.GetSettings()
	if err != nil {
		t.Fatal(err)
	}
	if s != app.DefaultSettings() {
		t.Errorf("fresh settings = %+v", s)
	}
	if s.CloudBackup {
		t.Error("cloud backup on by default")
	}
	s.Language, s.Level, s.SpeakerPerChannel, s.Threads, s.UILanguage = "de", transcript.Private, true, 3, "fr"
	if _, err := f.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	// Unknown keys written by someone else survive.
	path := filepath.Join(f.dir, "settings.json")
	var raw map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &raw)
	raw["futureKey"] = "kept"
	b, _ = json.Marshal(raw)
	os.WriteFile(path, b, 0o600)
	if _, err := f.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), "futureKey") {
		t.Error("unknown key lost")
	}
	got, _ := app.NewSettingsFile(path).Load()
	if got != s {
		t.Errorf("reloaded %+v, want %+v", got, s)
	}
	for _, bad := range []app.Settings{
		{Language: "auto", Level: "top-secret"},
		{Language: "auto", Level: transcript.Standard, Threads: -1},
		{Language: "", Level: transcript.Standard},
		{Language: "auto", Level: transcript.Standard, UILanguage: "klingon"},
	} {
		if _, err := f.app.SaveSettings(bad); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("SaveSettings(%+v) = %v", bad, err)
		}
	}
}

func TestSettingsDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	s, err := app.NewSettingsFile(path).Load()
	if !errors.Is(err, app.ErrInvalid) || s != app.DefaultSettings() {
		t.Errorf("Load = %+v, %v", s, err)
	}
	f := newFixture(t, func(d *app.Deps) { d.Settings = app.NewSettingsFile(path) })
	if s, err := f.app.GetSettings(); err != nil || s != app.DefaultSettings() {
		t.Errorf("GetSettings = %+v, %v", s, err)
	}
}

func TestLibraryAndEditing(t *testing.T) {
	f := newFixture(t, nil)
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "one.wav", 2, 1)}, app.JobOptions{Language: "en"})
	j := f.waitJob(t, jobs[0].ID)
	id := j.TranscriptID

	es, err := f.app.ListTranscripts(app.Query{})
	if err != nil || len(es) != 1 || es[0].ID != id {
		t.Fatalf("List = %+v, %v", es, err)
	}
	if es, _ := f.app.ListTranscripts(app.Query{Text: "word 2"}); len(es) != 1 {
		t.Errorf("search found %d", len(es))
	}
	if es, _ := f.app.ListTranscripts(app.Query{Text: "absent"}); len(es) != 0 {
		t.Errorf("search for absent found %d", len(es))
	}
	if _, err := f.app.ListTranscripts(app.Query{Level: "x"}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("bad level filter = %v", err)
	}
	langs, _ := f.app.Languages()
	if len(langs) != 1 || langs[0] != "en" {
		t.Errorf("Languages = %v", langs)
	}

	tr, _ := f.app.GetTranscript(id)
	tr.Speakers = []transcript.Speaker{{ID: "S1", Name: "Ada"}}
	tr.Segments[0].Speaker = "S1"
	tr.Segments[0].Text = "edited"
	tr.Level = transcript.Private // must be ignored
	if _, err := f.app.SaveTranscript(*tr); err != nil {
		t.Fatal(err)
	}
	got, _ := f.app.GetTranscript(id)
	if got.Segments[0].Text != "edited" || got.SpeakerName("S1") != "Ada" || got.Level != transcript.Standard {
		t.Errorf("after save: %+v", got)
	}
	bad := *got
	bad.Segments = append([]transcript.Segment(nil), got.Segments...)
	bad.Segments[1].Speaker = "ghost"
	if _, err := f.app.SaveTranscript(bad); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("unknown speaker save = %v", err)
	}
	bad.Segments[1].Speaker = ""
	bad.Segments[1].End = -1
	if _, err := f.app.SaveTranscript(bad); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("bad times save = %v", err)
	}
	if _, err := f.app.SaveTranscript(transcript.Transcript{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("no id save = %v", err)
	}
	if err := f.app.RenameTranscript(id, "  Board meeting "); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.GetTranscript(id); got.Title != "Board meeting" {
		t.Errorf("title %q", got.Title)
	}
	if err := f.app.RenameTranscript(id, " "); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("empty rename = %v", err)
	}
	if err := f.app.DeleteTranscript(id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.GetTranscript(id); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("Get after delete = %v", err)
	}
	if err := f.app.DeleteTranscript(id); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("second delete = %v", err)
	}
}

func TestPrivateAndVault(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.app.VaultStatus()
	if err != nil || st.HasPassword || st.Remember {
		t.Fatalf("fresh vault = %+v, %v", st, err)
	}
	if _, err := f.app.SetPassword("short"); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("short password = %v", err)
	}
	// Private work is refused by the backend until a password exists; nothing is queued.
	if jobs, err := f.app.AddFiles([]string{f.audio(t, "early.wav", 1, 1)}, app.JobOptions{Level: transcript.Private}); !errors.Is(err, app.ErrNoVaultPassword) || len(jobs) != 0 {
		t.Errorf("private AddFiles without a password = %v, %v", jobs, err)
	}
	if js, _ := f.app.Jobs(); len(js) != 0 {
		t.Errorf("queue after the refusal = %+v", js)
	}
	if st, err = f.app.SetPassword("correct horse"); err != nil || !st.HasPassword || st.Locked {
		t.Fatalf("SetPassword = %+v, %v", st, err)
	}
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "secret.wav", 2, 1)}, app.JobOptions{Level: transcript.Private})
	j := f.waitJob(t, jobs[0].ID)
	if j.State != app.JobDone {
		t.Fatalf("private job: %+v", j)
	}
	if es, _ := f.app.ListTranscripts(app.Query{Text: "word"}); len(es) != 1 {
		t.Errorf("unlocked search found %d", len(es))
	}
	if st, err = f.app.Lock(); err != nil || !st.Locked {
		t.Fatalf("Lock = %+v, %v", st, err)
	}
	if _, ok := f.rt.WaitFor(app.EventVault, func(d any) bool { return d.(app.VaultStatus).Locked }, time.Second); !ok {
		t.Error("no vault event")
	}
	es, _ := f.app.ListTranscripts(app.Query{})
	if len(es) != 1 || !es[0].Locked || es[0].Title != "" {
		t.Errorf("locked list = %+v", es)
	}
	if es, _ := f.app.ListTranscripts(app.Query{Text: "word"}); len(es) != 0 {
		t.Errorf("locked search found %d", len(es))
	}
	if _, err := f.app.GetTranscript(j.TranscriptID); !errors.Is(err, app.ErrLocked) {
		t.Errorf("locked Get = %v", err)
	}
	if _, err := f.app.ExportText(j.TranscriptID, "txt", app.ExportOptions{}); !errors.Is(err, app.ErrLocked) {
		t.Errorf("locked export = %v", err)
	}
	// The original path of a private transcript is not written to disk.
	if b, _ := os.ReadFile(filepath.Join(f.dir, "sources.json")); strings.Contains(string(b), "secret.wav") {
		t.Error("private source path persisted")
	}
	if _, err := f.app.Unlock("wrong"); !errors.Is(err, app.ErrWrongPass) {
		t.Errorf("wrong unlock = %v", err)
	}
	if st, err = f.app.Unlock("correct horse"); err != nil || st.Locked {
		t.Fatalf("Unlock = %+v, %v", st, err)
	}
	if _, err := f.app.ChangePassword("wrong", "another password"); !errors.Is(err, app.ErrWrongPass) {
		t.Errorf("ChangePassword(wrong) = %v", err)
	}
	if _, err := f.app.ChangePassword("correct horse", "x"); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("ChangePassword(short) = %v", err)
	}
	if _, err := f.app.ChangePassword("correct horse", "battery staple"); err != nil {
		t.Fatal(err)
	}
	if st, err = f.app.SetIdleTimeout(15); err != nil || st.IdleMinutes != 15 {
		t.Errorf("SetIdleTimeout = %+v, %v", st, err)
	}
	if _, err := f.app.SetIdleTimeout(-1); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("negative idle = %v", err)
	}
	if st, err = f.app.SetRemember(true); err != nil || !st.Remember {
		t.Errorf("SetRemember = %+v, %v", st, err)
	}
	// Move to Standard and back.
	if err := f.app.SetLevel(j.TranscriptID, transcript.Standard); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(f.dir, "sources.json")); !strings.Contains(string(b), "secret.wav") {
		t.Error("standard source path not persisted")
	}
	if err := f.app.SetLevel(j.TranscriptID, "bogus"); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("SetLevel(bogus) = %v", err)
	}
}

func TestVaultUnavailable(t *testing.T) {
	f := newFixture(t, func(d *app.Deps) { d.Vault = nil; d.Models = nil; d.Exporter = nil; d.Wiper = nil })
	if _, err := f.app.VaultStatus(); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("VaultStatus = %v", err)
	}
	if _, err := f.app.ListModels(); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("ListModels = %v", err)
	}
	if _, err := f.app.ExportFormats(); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("ExportFormats = %v", err)
	}
	if err := f.app.DeleteAllData("DELETE"); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("DeleteAllData = %v", err)
	}
}

func TestExport(t *testing.T) {
	f := newFixture(t, nil)
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "talk: part 1?.wav", 2, 1)}, app.JobOptions{})
	id := f.waitJob(t, jobs[0].ID).TranscriptID

	fs, err := f.app.ExportFormats()
	if err != nil || len(fs) != 3 {
		t.Fatalf("ExportFormats = %v, %v", fs, err)
	}
	txt, err := f.app.ExportText(id, "txt", app.ExportOptions{})
	if err != nil || txt != "word 1\nword 2\n" {
		t.Errorf("ExportText = %q, %v", txt, err)
	}
	if _, err := f.app.ExportText(id, "docx", app.ExportOptions{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("binary to clipboard = %v", err)
	}
	if _, err := f.app.ExportText(id, "nope", app.ExportOptions{}); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("unknown format = %v", err)
	}
	out := filepath.Join(f.dir, "out", "talk") // no extension: the format's is added
	f.rt.AnswerSave(out)
	path, err := f.app.ExportToFile(id, "srt", app.ExportOptions{})
	if err != nil || path != out+".srt" {
		t.Fatalf("ExportToFile = %q, %v", path, err)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "1\n00:00:00,000 --> 00:00:01,000\nword 1\n") {
		t.Errorf("srt = %q", b)
	}
	path, err = f.app.ExportToFile(id, "srt", app.ExportOptions{}) // dialog cancelled
	if err != nil || path != "" {
		t.Errorf("cancelled export = %q, %v", path, err)
	}
}

func TestModels(t *testing.T) {
	f := newFixture(t, func(d *app.Deps) { d.Models = apptest.NewModels(nil) })
	ms, err := f.app.ListModels()
	if err != nil || len(ms) != 2 || ms[0].Installed {
		t.Fatalf("ListModels = %+v, %v", ms, err)
	}
	if err := f.app.DownloadModel("tiny"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.rt.WaitFor(app.EventModel, func(d any) bool { return d.(app.ModelProgress).State == "done" }, 5*time.Second); !ok {
		t.Fatalf("download did not finish: %+v", f.rt.Events())
	}
	var pcts []int
	for _, e := range f.rt.Events() {
		if p, ok := e.Data.(app.ModelProgress); ok && p.State == "downloading" && p.Total > 0 {
			pcts = append(pcts, p.Percent)
		}
	}
	if len(pcts) == 0 || pcts[len(pcts)-1] != 100 {
		t.Errorf("progress events %v", pcts)
	}
	ms, _ = f.app.ListModels()
	if !ms[0].Installed || !ms[0].Default {
		t.Errorf("after download %+v", ms[0])
	}
	if err := f.app.DownloadModel("nonexistent"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.rt.WaitFor(app.EventModel, func(d any) bool { return d.(app.ModelProgress).State == "failed" }, 5*time.Second); !ok {
		t.Error("failed download not reported")
	}
	if err := f.app.DownloadModel(" "); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("empty name = %v", err)
	}
	if err := f.app.CancelDownload("tiny"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("cancel idle = %v", err)
	}

	file := filepath.Join(f.dir, "ggml-custom.bin")
	os.WriteFile(file, []byte("model"), 0o644)
	f.rt.AnswerOpen(file)
	m, err := f.app.ImportModel()
	if err != nil || m.Name != "custom" {
		t.Fatalf("ImportModel = %+v, %v", m, err)
	}
	if m, err := f.app.ImportModel(); err != nil || m.Name != "" { // cancelled dialog
		t.Errorf("cancelled import = %+v, %v", m, err)
	}
	if err := f.app.SetDefaultModel("custom"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.SetDefaultModel("missing"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("SetDefault(missing) = %v", err)
	}
	if err := f.app.DeleteModel("custom"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.DeleteModel("custom"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("second delete = %v", err)
	}
}

func TestCancelDownload(t *testing.T) {
	models := apptest.NewModels(nil)
	models.Steps, models.StepDelay = 1000, 10*time.Millisecond
	f := newFixture(t, func(d *app.Deps) { d.Models = models })
	if err := f.app.DownloadModel("base"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.DownloadModel("base"); err != nil { // already running: no-op
		t.Fatal(err)
	}
	f.rt.WaitFor(app.EventModel, func(d any) bool { return d.(app.ModelProgress).Done > 0 }, 5*time.Second)
	if err := f.app.CancelDownload("base"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.rt.WaitFor(app.EventModel, func(d any) bool { return d.(app.ModelProgress).State == "cancelled" }, 5*time.Second); !ok {
		t.Error("cancel not reported")
	}
}

func TestMedia(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "play.mp3", 1, 1)
	jobs, _ := f.app.AddFiles([]string{p}, app.JobOptions{})
	id := f.waitJob(t, jobs[0].ID).TranscriptID
	u, err := f.app.MediaURL(id)
	if err != nil || u != app.MediaPrefix+id {
		t.Fatalf("MediaURL = %q, %v", u, err)
	}
	srv := httptest.NewServer(app.MediaHandler(f.app))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+u, nil)
	req.Header.Set("Range", "bytes=0-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "FAKEAUDIO" || resp.Header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("range GET = %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{app.MediaPrefix + "unknown", app.MediaPrefix + "../etc/passwd", "/other"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
	resp, _ = http.Post(srv.URL+u, "text/plain", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d", resp.StatusCode)
	}
	// Survives a restart through the index file.
	if got := app.NewSourceIndex(filepath.Join(f.dir, "sources.json")).Get(id); got != p {
		t.Errorf("persisted source = %q", got)
	}
	os.Remove(p)
	if u, err := f.app.MediaURL(id); err != nil || u != "" {
		t.Errorf("MediaURL after removal = %q, %v", u, err)
	}
	if u, err := f.app.MediaURL("unknown"); err != nil || u != "" {
		t.Errorf("MediaURL(unknown) = %q, %v", u, err)
	}
}

func TestDeleteAllData(t *testing.T) {
	f := newFixture(t, nil)
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "a.wav", 1, 1)}, app.JobOptions{})
	f.waitJob(t, jobs[0].ID)
	if err := f.app.DeleteAllData("delete"); !errors.Is(err, app.ErrConfirmation) {
		t.Errorf("wrong confirmation = %v", err)
	}
	if err := f.app.DeleteAllData("DELETE"); err != nil {
		t.Fatal(err)
	}
	if es, _ := f.app.ListTranscripts(app.Query{}); len(es) != 0 {
		t.Errorf("library not empty: %v", es)
	}
	if jobs, _ := f.app.Jobs(); len(jobs) != 0 {
		t.Errorf("jobs left: %v", jobs)
	}
	if _, ok := f.rt.WaitFor(app.EventDataDeleted, nil, time.Second); !ok {
		t.Error("no data:deleted event")
	}
}

func TestSystemInfo(t *testing.T) {
	f := newFixture(t, func(d *app.Deps) { d.Backend = "cuda" })
	si, err := f.app.SystemInfo()
	if err != nil || si.Backend != "cuda" || si.MaxCPU < 1 || si.Version != "test" || !si.HasVault {
		t.Errorf("SystemInfo = %+v, %v", si, err)
	}
}

func TestEngineReusedAcrossJobs(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < 3; i++ {
		jobs, _ := f.app.AddFiles([]string{f.audio(t, "x.wav", 1, 1)}, app.JobOptions{})
		f.waitJob(t, jobs[0].ID)
	}
	if len(f.engines.Opened) != 1 {
		t.Errorf("model opened %d times", len(f.engines.Opened))
	}
}

func TestEngineOpenFailure(t *testing.T) {
	f := newFixture(t, nil)
	f.engines.Fail = app.ErrModel
	jobs, _ := f.app.AddFiles([]string{f.audio(t, "x.wav", 1, 1)}, app.JobOptions{})
	if j := f.waitJob(t, jobs[0].ID); j.ErrorKind != app.KindModel {
		t.Errorf("job = %+v", j)
	}
}

func TestQueueFiles(t *testing.T) {
	f := newFixture(t, nil)
	p := f.audio(t, "talk.wav", 1, 1)
	s, _ := f.app.GetSettings()
	s.Language, s.Translate = "de", true
	if _, err := f.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	mark := f.rt.Len()
	jobs, err := app.QueueFiles(f.app, filepath.Dir(p), []string{filepath.Base(p)})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("QueueFiles = %v, %v", jobs, err)
	}
	if j := jobs[0]; j.Path != p || j.Options.Language != "de" || !j.Options.Translate {
		t.Errorf("job = %+v; want %s with the remembered options", j, p)
	}
	if got, ok := f.rt.WaitAfter(mark, app.EventFilesRequested, nil, time.Second); !ok || len(got.([]string)) != 1 {
		t.Errorf("files event = %v, %v", got, ok)
	}
	if j := f.waitJob(t, jobs[0].ID); j.State != app.JobDone {
		t.Errorf("job ended %+v", j)
	}

	// Private by default before a password exists: refused, nothing queued.
	s.Level = transcript.Private
	f.app.SaveSettings(s)
	if _, err := app.QueueFiles(f.app, "", []string{p}); !errors.Is(err, app.ErrNoVaultPassword) {
		t.Errorf("private QueueFiles = %v", err)
	}
	if jobs, _ := app.QueueFiles(f.app, "", nil); jobs == nil || len(jobs) != 0 {
		t.Errorf("no files = %#v", jobs)
	}
}
