package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/diarize"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/longform"
	"github.com/hushscribe/hushscribe/internal/sealedfile"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vad"
	"github.com/hushscribe/hushscribe/internal/vault"
)

type transcribeFlags struct {
	model, language, prompt, format, outDir, progress, modelsDir, device string
	vad, passwordFile                                                    string
	translate, wordTS, splitChannels, noFallback, timestamps             bool
	noVAD, diarize                                                       bool
	speakers                                                             int
	threads, beam, maxLen                                                int
}

func parseTranscribe(args []string, stderr io.Writer) (*transcribeFlags, []string, error) {
	f := &transcribeFlags{}
	var err error
	fs := flag.NewFlagSet("transcribe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: hushscribe transcribe [flags] FILE...\n\nTranscribes each FILE in memory (audio is never written to disk).\nWith one FILE and no -o, the result goes to stdout.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.model, "model", "", "model name from the catalogue (e.g. base.en), an installed file name, or a path to a ggml model file (default: the default model)")
	fs.StringVar(&f.language, "language", "auto", "spoken language as an ISO 639-1 code, or auto to detect it")
	fs.BoolVar(&f.translate, "translate", false, "translate the speech to English")
	fs.StringVar(&f.prompt, "prompt", "", "initial prompt: custom vocabulary, names, spelling hints")
	fs.IntVar(&f.threads, "threads", 0, "CPU threads (0 = all cores, at most 8)")
	fs.IntVar(&f.beam, "beam-size", 5, "beam search width (1 = greedy)")
	fs.BoolVar(&f.noFallback, "no-fallback", false, "disable temperature fallback on decoding failures")
	fs.BoolVar(&f.wordTS, "word-timestamps", false, "compute word-level timestamps (JSON words, word cues)")
	fs.IntVar(&f.maxLen, "max-len", 0, "maximum segment length in characters (0 = no limit)")
	fs.BoolVar(&f.splitChannels, "split-channels", false, "transcribe a stereo file's channels separately, one speaker per channel")
	fs.StringVar(&f.format, "format", "txt", "output format: txt, srt, vtt, json, csv, md, docx")
	fs.StringVar(&f.format, "f", "txt", "shorthand for -format")
	fs.BoolVar(&f.timestamps, "timestamps", false, "txt/md: prefix lines with timestamps")
	fs.StringVar(&f.outDir, "o", "", "write DIR/<name>.<ext> for each FILE instead of stdout")
	fs.StringVar(&f.passwordFile, "password-file", "", "encrypt each result under the password in this file (first line): a password envelope named <name>.<ext>"+sealedfile.Ext+", see docs/FORMAT.md")
	fs.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always, never")
	fs.StringVar(&f.modelsDir, "models-dir", "", "folder of installed models (default: <data>/models)")
	fs.StringVar(&f.device, "device", "auto", "compute device: auto (the best GPU, else the CPU), cpu, or a name from `hushscribe devices`")
	fs.StringVar(&f.vad, "vad", "auto", "voice activity detection (Silero VAD): transcribe only speech; auto (when the silero-vad model and ONNX Runtime are installed), on (required), off")
	fs.BoolVar(&f.noVAD, "no-vad", false, "transcribe everything, pauses included (same as -vad off)")
	fs.BoolVar(&f.diarize, "diarize", false, "identify speakers (who spoke when) with the diarization models; see `hushscribe models catalog`")
	fs.IntVar(&f.speakers, "speakers", 0, "with -diarize: the number of speakers, if known (0 = find out); implies -diarize")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, nil
		}
		return nil, nil, withCode(ExitUsage, err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, nil, usageErr("transcribe: no input file")
	}
	switch f.progress {
	case "auto", "always", "never":
	default:
		return nil, nil, usageErr("transcribe: -progress must be auto, always or never")
	}
	if f.vad, err = parseVADMode(f.vad, f.noVAD); err != nil {
		return nil, nil, withCode(ExitUsage, fmt.Errorf("transcribe: %w", err))
	}
	if f.speakers < 0 {
		return nil, nil, usageErr("transcribe: -speakers must not be negative")
	}
	if f.speakers > 0 {
		f.diarize = true
	}
	if f.diarize && f.splitChannels {
		return nil, nil, usageErr("transcribe: -diarize and -split-channels both name speakers; choose one")
	}
	if f.threads < 0 || f.beam < 0 || f.maxLen < 0 {
		return nil, nil, usageErr("transcribe: -threads, -beam-size and -max-len must not be negative")
	}
	return f, fs.Args(), nil
}

func runTranscribe(ctx context.Context, args []string, env Env) error {
	f, files, err := parseTranscribe(args, env.Stderr)
	if err != nil || f == nil {
		return err
	}
	format, err := export.ParseFormat(f.format)
	if err != nil {
		return usageErr("transcribe: %v", err)
	}
	if len(files) > 1 && f.outDir == "" && (format == export.DOCX || format == export.JSON) {
		return usageErr("transcribe: %s output of several files needs -o DIR", format)
	}
	if format == export.DOCX && f.outDir == "" && isTerminal(env.Stdout) {
		return usageErr("transcribe: refusing to write DOCX to a terminal; use -o DIR or redirect stdout")
	}

	if err := checkDevice("transcribe", f.device); err != nil {
		return err
	}

	var password []byte
	if f.passwordFile != "" {
		if password, err = readPassword(f.passwordFile); err != nil {
			return err
		}
		defer clear(password)
	}

	modelPath, modelName, err := resolveModel(env, f.model, f.modelsDir)
	if err != nil {
		return err
	}
	threads := f.threads
	if threads == 0 {
		threads = min(runtime.NumCPU(), 8)
	}
	eng, err := engine.Open(modelPath, engine.Config{Threads: threads, Device: f.device})
	if err != nil {
		return withCode(ExitNoModel, fmt.Errorf("load model %s: %w", modelPath, err))
	}
	defer eng.Close()
	if fb := eng.Info().Fallback; fb != "" {
		fmt.Fprintf(env.Stderr, "hushscribe: warning: %s\n", fb) // never a silent CPU run
	}
	speech, closeVAD, err := speechDetector(env, f.modelsDir, f.vad)
	if err != nil {
		return err
	}
	defer closeVAD()
	var dz *diarizeStep
	if f.diarize {
		d, closeDz, err := openDiarizer(env, f.modelsDir)
		if err != nil {
			return err
		}
		defer closeDz()
		dz = &diarizeStep{d: d, cfg: diarize.Config{Speakers: f.speakers}, keepWords: f.wordTS}
	}

	showProgress := f.progress == "always" || f.progress == "auto" && isTerminal(env.Stderr)
	opt := engine.Options{
		Language:            f.language,
		Translate:           f.translate,
		Prompt:              f.prompt,
		Threads:             threads,
		BeamSize:            f.beam,
		TemperatureFallback: !f.noFallback,
		WordTimestamps:      f.wordTS || f.diarize, // with -diarize, words are split between speakers
		MaxSegmentLength:    f.maxLen,
	}
	xopt := export.Options{Timestamps: f.timestamps, Speakers: true}

	worst := ExitOK
	var firstErr error
	for _, file := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var bar *progressBar
		if showProgress {
			bar = newProgressBar(env.Stderr, filepath.Base(file))
		}
		t, err := transcribeFile(ctx, eng, speech, dz, file, opt, f.splitChannels, modelName, bar, env.observeAudio)
		if bar != nil {
			bar.done(err)
		}
		if err == nil {
			err = writeResult(env.Stdout, f.outDir, file, t, format, xopt, password)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			code := classify(err)
			fmt.Fprintf(env.Stderr, "hushscribe: %s: %v\n", file, err)
			if severity(code) > severity(worst) {
				worst, firstErr = code, err
			}
		}
	}
	if firstErr != nil {
		// Already reported per file; return the code without printing again.
		return withCode(worst, silent{firstErr})
	}
	return nil
}

// silent marks an error that was already shown to the user.
type silent struct{ error }

func (s silent) Unwrap() error { return s.error }

func severity(code int) int {
	switch code {
	case ExitOK:
		return 0
	case ExitBadInput:
		return 1
	case ExitNoModel:
		return 2
	default:
		return 3
	}
}

func classify(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, audio.ErrEmpty), errors.Is(err, audio.ErrCorrupt), errors.Is(err, audio.ErrUnsupported), errors.Is(err, audio.ErrTooLong),
		errors.Is(err, audio.ErrMissingTool), errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return ExitBadInput
	case errors.Is(err, engine.ErrModel):
		return ExitNoModel
	default:
		return ExitInternal
	}
}

// transcribeFile decodes one file into memory, transcribes it and drops the samples. The audio exists
// only in this function's memory: it is zeroed before returning so no copy outlives the job.
// observe, when not nil, is shown the decoded channels (tests check they are zeroed afterwards).
//
// With a speech detector only the speech is transcribed (vad.TranscribeSpeech): timestamps stay the
// recording's, pauses cost no decoding time, and silence or music yields no text.
func transcribeFile(ctx context.Context, eng *engine.Engine, speech vad.Detector, dz *diarizeStep, path string, opt engine.Options, split bool, modelName string, bar *progressBar, observe func([][]float32)) (*transcript.Transcript, error) {
	run := func(ctx context.Context, samples []float32, o engine.Options) (*transcript.Transcript, error) {
		if speech == nil {
			return eng.Transcribe(ctx, samples, o)
		}
		return vad.TranscribeSpeech(ctx, speech, samples, vad.JoinOptions{}, func(ctx context.Context, x []float32) (*transcript.Transcript, error) {
			return eng.Transcribe(ctx, x, o)
		})
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, withCode(ExitBadInput, err)
	}
	if st.IsDir() {
		return nil, withCode(ExitBadInput, fmt.Errorf("%s is a folder, not a file", path))
	}
	if !split && dz == nil {
		// Speaker identification needs the whole recording at once; everything else streams.
		return transcribeLong(ctx, engineFunc(run), path, st.Size(), opt, modelName, bar, observe)
	}
	a, err := audio.DecodeFile(ctx, path, audio.Options{KeepChannels: split})
	if err != nil {
		return nil, withCode(ExitBadInput, fmt.Errorf("decode: %w", err))
	}
	if observe != nil {
		observe(a.Channels)
	}
	defer a.Clear()

	base := filepath.Base(path)
	t := &transcript.Transcript{
		Title:      strings.TrimSuffix(base, filepath.Ext(base)),
		SourceName: base,
		SourceSize: st.Size(),
		Duration:   a.Duration(),
		Model:      modelName,
		Created:    time.Now().UTC().Truncate(time.Second),
		Level:      transcript.Standard,
	}
	if split && len(a.Channels) >= 2 {
		names := []string{"Left channel", "Right channel"}
		var segs []transcript.Segment
		for i, ch := range a.Channels[:2] {
			o := opt
			o.Progress = bar.sub(i, 2)
			r, err := run(ctx, ch, o)
			if err != nil {
				return nil, fmt.Errorf("transcribe channel %d: %w", i+1, err)
			}
			id := fmt.Sprintf("S%d", i+1)
			t.Speakers = append(t.Speakers, transcript.Speaker{ID: id, Name: names[i]})
			for _, s := range r.Segments {
				s.Speaker = id
				segs = append(segs, s)
			}
			if t.Language == "" {
				t.Language = r.Language
			}
		}
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].Start < segs[j].Start })
		t.Segments = segs
		return t, nil
	}
	opt.Progress = bar.sub(0, 1)
	mono := a.Mono()
	r, err := run(ctx, mono, opt)
	if err != nil {
		return nil, fmt.Errorf("transcribe: %w", err)
	}
	t.Segments, t.Language = r.Segments, r.Language
	if dz != nil {
		if err := dz.apply(ctx, t, mono); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// engineFunc is a transcription function seen as an engine (longform.EngineTranscriber takes one):
// transcribeFile's, which applies voice activity detection when it is on.
type engineFunc func(ctx context.Context, samples []float32, o engine.Options) (*transcript.Transcript, error)

func (f engineFunc) Transcribe(ctx context.Context, samples []float32, o engine.Options) (*transcript.Transcript, error) {
	return f(ctx, samples, o)
}

// transcribeLong streams the file through longform: in windows of at most a few minutes for long
// files (bounded memory, repetition-loop guard), in one engine call like before for short ones.
func transcribeLong(ctx context.Context, eng engineFunc, path string, size int64, opt engine.Options, modelName string, bar *progressBar, observe func([][]float32)) (*transcript.Transcript, error) {
	cfg := longform.Config{Prompt: opt.Prompt, Progress: bar.sub(0, 1)}
	if observe != nil {
		cfg.Observe = func(buf []float32) { observe([][]float32{buf}) }
	}
	res, err := longform.Run(ctx, longform.FileSource(ctx, path, audio.Options{}), longform.EngineTranscriber(eng, opt), cfg)
	if err != nil {
		if errors.Is(err, audio.ErrEmpty) || errors.Is(err, audio.ErrCorrupt) || errors.Is(err, audio.ErrUnsupported) || errors.Is(err, audio.ErrMissingTool) || errors.Is(err, audio.ErrTooLong) {
			return nil, withCode(ExitBadInput, err)
		}
		return nil, fmt.Errorf("transcribe: %w", err)
	}
	base := filepath.Base(path)
	return &transcript.Transcript{
		Title:      strings.TrimSuffix(base, filepath.Ext(base)),
		SourceName: base,
		SourceSize: size,
		Duration:   res.Duration,
		Language:   res.Language,
		Model:      modelName,
		Created:    time.Now().UTC().Truncate(time.Second),
		Level:      transcript.Standard,
		Segments:   append([]transcript.Segment{}, res.Segments...),
	}, nil
}

func writeResult(stdout io.Writer, outDir, file string, t *transcript.Transcript, format export.Format, opt export.Options, password []byte) error {
	var buf bytes.Buffer
	if err := export.Write(&buf, t, format, opt); err != nil {
		return fmt.Errorf("export %s: %w", format, err)
	}
	data, ext := buf.Bytes(), format.Extension()
	defer clear(data)
	if password != nil {
		sealed, err := sealedfile.Seal(password, data, vault.Params{})
		if err != nil {
			return fmt.Errorf("encrypt %s: %w", format, err)
		}
		data, ext = sealed, ext+sealedfile.Ext
	}
	if outDir == "" {
		_, err := stdout.Write(data)
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	base := filepath.Base(file)
	dst := filepath.Join(outDir, strings.TrimSuffix(base, filepath.Ext(base))+ext)
	return writeFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// readPassword reads an export password from the first line of path; it must have at least
// sealedfile.MinPasswordLength characters.
func readPassword(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("transcribe: -password-file: %v", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	pw := bytes.Clone(bytes.TrimRight(line, "\r"))
	clear(b)
	if utf8.RuneCount(pw) < sealedfile.MinPasswordLength {
		return nil, usageErr("transcribe: -password-file: the password needs at least %d characters", sealedfile.MinPasswordLength)
	}
	return pw, nil
}

// writeFileAtomic writes to a temporary file in the destination folder, syncs it and renames it into
// place, so a crash or a full disk never leaves a half-written result under the final name.
func writeFileAtomic(dst string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return nil
}
