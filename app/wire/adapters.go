package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/devices"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/modelmgr"
	"github.com/hushscribe/hushscribe/internal/sealedfile"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
	"github.com/hushscribe/hushscribe/internal/vault"
	"github.com/hushscribe/hushscribe/internal/wipe"
	"github.com/hushscribe/hushscribe/models"
)

// modelManager adapts *modelmgr.Manager to app.Models.
type modelManager struct {
	m           *modelmgr.Manager
	canDownload bool
}

func (x *modelManager) List(context.Context) ([]app.Model, error) {
	installed, err := x.m.List()
	if err != nil {
		return nil, err
	}
	byFile := map[string]modelmgr.Model{}
	for _, m := range installed {
		byFile[m.File] = m
	}
	def := x.defaultName(installed)
	var out []app.Model
	seen := map[string]bool{}
	for _, e := range x.m.Catalog() {
		if !e.IsWhisper() {
			_, err := x.m.Path(e.Name)
			out = append(out, app.Model{Name: e.Name, Description: e.Description, Size: e.Size, Installed: err == nil,
				Downloadable: x.canDownload, Multilingual: e.Multilingual, Kind: e.Kind})
			continue
		}
		m, ok := byFile[e.File]
		out = append(out, app.Model{
			Name: e.Name, Description: describe(e), Size: e.Size, Installed: ok,
			Default: ok && e.Name == def, Downloadable: x.canDownload, Multilingual: e.Multilingual,
		})
		if ok {
			seen[m.File] = true
		}
	}
	for _, m := range installed {
		if seen[m.File] {
			continue
		}
		out = append(out, app.Model{Name: m.Name, Description: "Imported model file", Size: m.Size,
			Installed: true, Default: m.Name == def, Multilingual: true})
	}
	return out, nil
}

func describe(e models.Entry) string {
	d := e.Description
	if e.Quantization != "" && !strings.Contains(d, e.Quantization) {
		d += " (" + e.Quantization + ")"
	}
	return d
}

// defaultName is the default model, or the first installed one when none was chosen.
func (x *modelManager) defaultName(installed []modelmgr.Model) string {
	if d, err := x.m.Default(); err == nil {
		if _, err := x.m.Path(d); err == nil {
			return d
		}
	}
	if len(installed) > 0 {
		return installed[0].Name
	}
	return ""
}

func (x *modelManager) Download(ctx context.Context, name string, progress func(done, total int64)) error {
	if !x.canDownload {
		return fmt.Errorf("download %s: %w", name, modelmgr.ErrNoNetwork)
	}
	if _, err := x.m.Download(ctx, name, progress); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("download %s: %w", name, context.Canceled)
		}
		return err
	}
	if e, ok := models.Lookup(x.m.Catalog(), name); !ok || e.IsWhisper() {
		x.ensureDefault(name)
	}
	return nil
}

// ensureDefault makes name the default when none is set, so a first model just works.
func (x *modelManager) ensureDefault(name string) {
	if d, err := x.m.Default(); err == nil {
		if _, err := x.m.Path(d); err == nil {
			return
		}
	}
	_ = x.m.SetDefault(name)
}

func (x *modelManager) Import(ctx context.Context, path, name string) (app.Model, error) {
	r, err := x.m.Import(ctx, path, name)
	if err != nil {
		if errors.Is(err, modelmgr.ErrNotModel) {
			return app.Model{}, fmt.Errorf("%w: %w", app.ErrModel, err)
		}
		return app.Model{}, err
	}
	x.ensureDefault(r.Name)
	return app.Model{Name: r.Name, Installed: true, Description: r.Warning}, nil
}

func (x *modelManager) Delete(_ context.Context, name string) error {
	if err := x.m.Delete(name); err != nil {
		if errors.Is(err, modelmgr.ErrUnknownModel) || errors.Is(err, modelmgr.ErrNotInstalled) {
			return fmt.Errorf("%w: %w", app.ErrNotFound, err)
		}
		return err
	}
	return nil
}

func (x *modelManager) SetDefault(_ context.Context, name string) error {
	if err := x.m.SetDefault(name); err != nil {
		if errors.Is(err, modelmgr.ErrUnknownModel) || errors.Is(err, modelmgr.ErrNotInstalled) {
			return fmt.Errorf("%w: %w", app.ErrNotFound, err)
		}
		return err
	}
	return nil
}

func (x *modelManager) Path(_ context.Context, name string) (string, error) {
	if name == "" {
		installed, err := x.m.List()
		if err != nil {
			return "", err
		}
		name = x.defaultName(installed)
		if name == "" {
			return "", app.ErrNoModel
		}
	}
	p, err := x.m.Path(name)
	if err != nil {
		return "", fmt.Errorf("%w: %w", app.ErrNoModel, err)
	}
	return p, nil
}

// engines opens whisper.cpp models.
type engines struct{ speech *speechDetector }

func (x engines) Open(path string, gpu bool) (app.Transcriber, error) {
	if gpu {
		return x.OpenOn(path, app.DeviceAuto)
	}
	return x.OpenOn(path, app.DeviceCPU)
}

// OpenOn implements app.DeviceEngines: the engine picks the device and falls back to the CPU with a
// reason (transcriber.RunDevice) when the chosen one cannot be used.
func (x engines) OpenOn(path, device string) (app.Transcriber, error) {
	e, err := engine.Open(path, engine.Config{Device: device})
	if err != nil {
		if errors.Is(err, engine.ErrModel) {
			return nil, fmt.Errorf("%w: %w", app.ErrModel, err)
		}
		return nil, err
	}
	return transcriber{e, x.speech}, nil
}

type transcriber struct {
	e      *engine.Engine
	speech *speechDetector
}

// RunDevice implements app.DeviceReporter.
func (t transcriber) RunDevice() app.RunDevice {
	in := t.e.Info()
	return app.RunDevice{Device: in.Device.Name, Description: in.Device.Description, Fallback: in.Fallback}
}

// computeDevices lists the devices for the app through internal/devices.
type computeDevices struct{ sys devices.System }

func (c computeDevices) List(ctx context.Context) (app.ComputeDevices, error) {
	inv, err := c.sys.List(ctx)
	if err != nil {
		return app.ComputeDevices{}, err
	}
	out := app.ComputeDevices{Auto: inv.Auto().ID, Notes: inv.Notes}
	for _, d := range inv.Devices {
		out.Devices = append(out.Devices, app.ComputeDevice{ID: d.ID, Description: d.Description, Backend: d.Backend,
			Type: d.Type, MemoryTotal: d.MemoryTotal, MemoryFree: d.MemoryFree, Usable: d.Usable})
	}
	return out, nil
}

func (computeDevices) MemoryNeeded(modelPath string) (uint64, error) {
	return engine.EstimateMemory(modelPath)
}

func (t transcriber) Close() error { return t.e.Close() }

func (t transcriber) Transcribe(ctx context.Context, samples []float32, opt app.TranscribeOptions) (*transcript.Transcript, error) {
	eo := engine.Options{Language: opt.Language, Translate: opt.Translate, Threads: opt.Threads, Progress: opt.Progress, WordTimestamps: opt.Words,
		Prompt: opt.Prompt, Temperature: opt.Temperature, TemperatureFallback: opt.TemperatureFallback}
	var out *transcript.Transcript
	var err error
	if det := t.speech.get(opt.SpeechOnly); det != nil {
		out, err = vad.TranscribeSpeech(ctx, det, samples, vad.JoinOptions{}, func(ctx context.Context, x []float32) (*transcript.Transcript, error) {
			return t.e.Transcribe(ctx, x, eo)
		})
	} else {
		out, err = t.e.Transcribe(ctx, samples, eo)
	}
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, engine.ErrCancelled) || ctx.Err() != nil:
		return nil, fmt.Errorf("%w: %w", context.Canceled, err)
	case errors.Is(err, engine.ErrLanguage):
		return nil, fmt.Errorf("%w: %w", app.ErrInvalid, err)
	}
	return nil, err
}

// decoder decodes media files in memory.
type decoder struct{ ffmpeg string }

// StreamFile implements app.StreamDecoder.
func (d decoder) StreamFile(ctx context.Context, path string, fn func([]float32, float64) error) (int64, error) {
	n, err := audio.StreamFile(ctx, path, audio.Options{FFmpegPath: d.ffmpeg}, fn)
	return n, decodeError(err)
}

func (d decoder) DecodeFile(ctx context.Context, path string, keep bool) ([][]float32, error) {
	a, err := audio.DecodeFile(ctx, path, audio.Options{KeepChannels: keep, FFmpegPath: d.ffmpeg})
	if err != nil {
		return nil, decodeError(err)
	}
	if a.SampleRate != engine.SampleRate {
		return nil, fmt.Errorf("decoder returned %d Hz, want %d", a.SampleRate, engine.SampleRate)
	}
	return a.Channels, nil
}

// decodeError maps internal/audio's errors to the app's.
func decodeError(err error) error {
	if err != nil {
		for _, m := range []struct{ from, to error }{
			{fs.ErrNotExist, app.ErrNotFound},
			{audio.ErrUnsupported, app.ErrUnsupported},
			{audio.ErrTooLong, app.ErrUnsupported}, // over audio.DefaultMaxDuration (12 h)
			{audio.ErrEmpty, app.ErrEmpty},
			{audio.ErrMissingTool, app.ErrMissingTool},
			{audio.ErrCorrupt, app.ErrCorrupt},
		} {
			if errors.Is(err, m.from) {
				return fmt.Errorf("%w: %w", m.to, err)
			}
		}
	}
	return err
}

// exporter describes and writes the export formats.
type exporter struct{}

var (
	optTimestamps = app.FormatOption{Key: "timestamps", Label: "Timestamps", Kind: "bool"}
	optSpeakers   = app.FormatOption{Key: "speakers", Label: "Speaker names", Kind: "bool"}
	optLineLen    = app.FormatOption{Key: "maxLineLength", Label: "Characters per line", Kind: "int", Min: 10, Max: 200}
	optLines      = app.FormatOption{Key: "maxLines", Label: "Lines per subtitle", Kind: "int", Min: 1, Max: 10}
	optWordCues   = app.FormatOption{Key: "wordCues", Label: "Follow word timings (karaoke style)", Kind: "bool"}
	optWordsCue   = app.FormatOption{Key: "wordsPerCue", Label: "Words per subtitle (with word timings)", Kind: "int", Min: 0, Max: 50}
	optEscape     = app.FormatOption{Key: "escapeFormulas", Label: "Protect against spreadsheet formulas", Kind: "bool",
		Hint: "Cells starting with = + - @ get a leading apostrophe."}
)

var formatInfo = map[export.Format]app.Format{
	export.TXT:      {Name: "Plain text", Options: []app.FormatOption{optTimestamps, optSpeakers}},
	export.SRT:      {Name: "SubRip subtitles", Options: []app.FormatOption{optSpeakers, optLineLen, optLines, optWordCues, optWordsCue}},
	export.VTT:      {Name: "WebVTT subtitles", Options: []app.FormatOption{optSpeakers, optLineLen, optLines, optWordCues, optWordsCue}},
	export.JSON:     {Name: "JSON (complete)"},
	export.CSV:      {Name: "CSV spreadsheet", Options: []app.FormatOption{optEscape}},
	export.Markdown: {Name: "Markdown", Options: []app.FormatOption{optTimestamps, optSpeakers}},
	export.DOCX:     {Name: "Word document", Binary: true, Options: []app.FormatOption{optTimestamps, optSpeakers}},
}

func (exporter) Formats() []app.Format {
	var out []app.Format
	for _, f := range export.Formats() {
		info, ok := formatInfo[f]
		if !ok {
			info = app.Format{Name: strings.ToUpper(string(f))}
		}
		info.ID = string(f)
		info.Ext = strings.TrimPrefix(f.Extension(), ".")
		if info.Options == nil {
			info.Options = []app.FormatOption{}
		}
		out = append(out, info)
	}
	return out
}

func (exporter) Write(w io.Writer, t *transcript.Transcript, format string, o app.ExportOptions) error {
	f, err := export.ParseFormat(format)
	if err != nil {
		return fmt.Errorf("%w: %w", app.ErrInvalid, err)
	}
	return export.Write(w, t, f, export.Options{
		Timestamps: o.Timestamps, Speakers: o.Speakers, MaxLineLength: o.MaxLineLength, MaxLines: o.MaxLines,
		WordCues: o.WordCues, WordsPerCue: o.WordsPerCue, EscapeFormulas: o.EscapeFormulas,
	})
}

// exportSealer password-protects exports with internal/sealedfile.
type exportSealer struct{ kdf vault.Params }

func (s exportSealer) Seal(password string, data []byte) ([]byte, error) {
	out, err := sealedfile.Seal([]byte(password), data, s.kdf)
	if errors.Is(err, sealedfile.ErrWeakPassword) {
		return nil, fmt.Errorf("%w: %w", app.ErrInvalid, err)
	}
	return out, err
}

func (exportSealer) Ext() string { return sealedfile.Ext }

// wiper deletes everything, then reopens an empty library so the app keeps working.
type wiper struct {
	cfg Config
	lib *library
}

func (w *wiper) Wipe(ctx context.Context) error {
	if err := w.lib.close(); err != nil {
		return fmt.Errorf("close library: %w", err)
	}
	_, err := wipe.Everything(ctx, wipe.Targets{
		DataDir: w.cfg.Dirs.Root, ModelsDir: w.cfg.Dirs.Models, LogDir: w.cfg.Dirs.Logs,
		IncludeModels: true, Keychain: w.cfg.Keychain,
	})
	w.lib.mu.Lock()
	w.lib.prefs = defaultVaultPrefs()
	w.lib.mu.Unlock()
	if merr := os.MkdirAll(w.cfg.Dirs.Models, 0o700); merr != nil {
		err = errors.Join(err, merr)
	}
	if oerr := w.lib.open(); oerr != nil {
		return errors.Join(err, oerr)
	}
	return err
}
