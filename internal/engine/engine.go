// Package engine transcribes 16 kHz mono audio with whisper.cpp.
//
// An Engine loads one ggml model file once (Open) and runs any number of transcriptions on it, also
// concurrently: every Transcribe call gets its own whisper_state (whisper_init_state), so calls share
// only the read-only weights.
//
// whisper.cpp is reached through its official Go bindings (github.com/ggerganov/whisper.cpp/bindings/go):
// freeing the model, the language table (whisper_lang_max_id, whisper_lang_str), model introspection
// (whisper_is_multilingual), token text (whisper_token_to_str, whisper_token_eot), the system info
// line (ModelInfo.System), default decoding parameters and the parameter setters the bindings have.
// The context the engine loads is handed to them as their *whisper.Context (the same C pointer).
//
// # Why a shim
//
// A small cgo shim (whisper.go, shim.c) calls whisper.h directly for what the bindings
// (v0.0.0-20260227185758-9453b4b9be9b) cannot do:
//   - Loading with context parameters: their Whisper_init always uses whisper_context_default_params
//     (GPU and flash attention on, ignoring Config.UseGPU and Config.NoFlashAttention) and allocates a
//     default whisper_state; the engine calls whisper_init_from_file_with_params_no_state.
//   - Per-call state: they have no whisper_init_state, whisper_free_state, whisper_full_with_state or
//     *_from_state getters; their Whisper_full and getters use the context's single default state,
//     so two concurrent transcriptions would overwrite each other's results.
//   - Cancellation: they expose no abort_callback, so a running ggml computation cannot be stopped.
//   - Callbacks: their encoder-begin, progress and new-segment callbacks live in global maps keyed by
//     the context, written and read without synchronisation (a data race with concurrent calls, and
//     one callback per context); the shim gives each call its own callback data (hs_job).
//   - Parameters without setters: suppress_blank, suppress_nst, no_speech_thold, greedy.best_of,
//     detect_language, and initial_prompt (their SetInitialPrompt never frees its C copy).
//   - whisper_model_type_readable (ModelInfo.Type), whisper_log_set (logging), loading ggml's backend
//     modules and the ggml device list (Devices, ModelInfo.Device), ggml_set_abort_callback.
//   - Their Whisper_lang_id leaks a C string per call, so language codes are looked up in a table
//     built from Whisper_lang_str instead. Only codes are accepted ("de", not "german").
//
// # Backends and devices
//
// whisper.cpp built with ggml's dynamic backends (GGML_BACKEND_DL, build/whisper.sh's default) has no
// compute backend until the program loads the modules (ggml-backend.h: ggml_backend_load_all_from_path);
// whisper_init on an empty registry ends the process in GGML_ASSERT(device). Open and Devices load the
// modules once per process from the folder the ggml library was loaded from (dladdr), else the
// program's folder or ../lib (Config.BackendDirs overrides), and Open refuses with ErrNoBackend when no
// CPU device exists. Open then picks the device (Config.Device: auto, cpu or a device name): before
// loading it checks that the device's backend starts (whisper.cpp would otherwise run on the CPU
// without a word) and that the estimated memory (EstimateMemory) fits; if either fails, or whisper.cpp
// cannot load the model there, the model is loaded on the CPU and ModelInfo.Fallback says why.
// What cannot be recovered: a GGML_ASSERT or GGML_ABORT inside a running computation (for example a
// driver that loses the device mid-job) calls abort(); the engine installs ggml's abort callback so
// the reason reaches stderr (and so the log) first. Flash attention stays on (whisper.cpp's default)
// on every backend; where a backend lacks the kernel, ggml's scheduler runs that operation on the CPU.
//
// Model files are checked structurally in Go before whisper.cpp sees them (magic, hyper-parameters,
// vocabulary and tensor table stay within the file and sane limits), so a corrupt or truncated file
// yields an error wrapping ErrModel instead of an abort inside ggml.
//
// Decoding follows whisper.cpp's defaults (as whisper-cli uses them) with these choices:
//   - greedy decoding when Options.BeamSize <= 1 (best_of 5 for temperature > 0), beam search otherwise;
//   - temperature 0, with whisper.cpp's fallback (+0.2 up to 1.0 when the entropy or average log
//     probability thresholds fail) only when Options.TemperatureFallback is set (temperature_inc 0
//     otherwise, like whisper-cli -nf);
//   - no_context (the previous window's text does not condition the next), which avoids most
//     repetition loops;
//   - token timestamps (whisper.cpp's timestamp-token heuristic, not DTW) when WordTimestamps or
//     MaxSegmentLength is set; MaxSegmentLength splits on word boundaries (split_on_word).
//
// Against hallucinated text on silence the engine does four things:
//  1. Energy gate: input whose loudest 20 ms frame has an RMS below 0.001 (-60 dBFS) is treated as
//     silence and returns a transcript with no segments without calling the model at all.
//  2. suppress_blank and suppress_nst: blank outputs at the start of a window and non-speech tokens
//     (music notes, bracketed sound descriptions and the like) are suppressed while decoding.
//  3. No-speech filter: whisper.cpp drops a window's segments when the probability of the
//     no-speech token exceeds Options.NoSpeechThreshold (default 0.6) and the window's average token
//     log probability is below -1 (OpenAI whisper's rule, logprob_thold).
//  4. Segments whose text is empty after trimming are dropped.
//
// Cancelling the context aborts the running ggml computation (abort_callback) and stops before the
// next 30 s window (encoder_begin_callback); Transcribe then returns an error that matches both
// ErrCancelled and ctx.Err() with errors.Is. whisper.cpp computes the log-mel spectrogram of the
// whole input before the first window; that step cannot be interrupted (a few seconds for an hour of
// audio).
//
// Language detection: with Language "" or "auto" whisper.cpp detects the language from the first
// 30 s and Transcript.Language holds the detected code; for input the energy gate skips it is empty.
//
// whisper.cpp's logging is process-wide; Open routes it to stderr at error level only.
package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// SampleRate is the sample rate Transcribe expects.
const SampleRate = 16000

var (
	// ErrModel reports a missing, unreadable or invalid model file.
	ErrModel = errors.New("engine: bad model")
	// ErrCancelled reports a transcription stopped because its context was done.
	ErrCancelled = errors.New("engine: cancelled")
	// ErrLanguage reports a language code whisper does not know.
	ErrLanguage = errors.New("engine: unknown language")
	// ErrClosed reports use of a closed Engine.
	ErrClosed = errors.New("engine: closed")
)

// Config configures how a model is loaded.
type Config struct {
	Threads int  // default threads per transcription; 0 = runtime.NumCPU()
	UseGPU  bool // with Device "": true means DeviceAuto, false the CPU
	// Device is the compute device: DeviceAuto (the best GPU that works, else the CPU), "cpu", a
	// device name from Devices ("Vulkan0", "CUDA0") or a backend name ("vulkan": its first GPU).
	// "" follows UseGPU. When the device cannot be used the model is loaded on the CPU and
	// ModelInfo.Fallback says why.
	Device string
	// BackendDirs are the folders searched for ggml's backend modules (default DefaultBackendDirs).
	// ggml's registry is process-wide: only the first Open or Devices call of a process loads them.
	BackendDirs []string
	// NoFlashAttention turns off flash attention, which whisper.cpp (and whisper-cli) use by default
	// since 1.8: with it off a transcription needs about twice the memory and is slower.
	NoFlashAttention bool
}

// ModelInfo describes a loaded model.
type ModelInfo struct {
	Path         string
	Name         string // file base name
	Multilingual bool
	Type         string // "tiny", "base", "small", "medium", "large" or "unknown"
	Backend      string // "cpu", or the GPU backend in lower case ("cuda", "metal", "vulkan", ...)
	Device       Device // the device the model was loaded on
	// Fallback is empty when the model runs where Config.Device asked; otherwise it says in words
	// why it runs on the CPU instead (missing module, broken driver, out of memory, init error).
	Fallback string
	System   string // whisper.cpp's system info line (backends and CPU features), for diagnostics
}

// Options configures one transcription.
type Options struct {
	Language            string // "" or "auto" = detect; the code used goes into Transcript.Language
	Translate           bool   // translate to English
	Prompt              string // initial prompt / custom vocabulary
	Threads             int    // 0 = Config.Threads or runtime.NumCPU()
	BeamSize            int    // <= 1: greedy
	TemperatureFallback bool
	// Temperature is the first decode's sampling temperature (0: greedy, as whisper-cli); a
	// re-decode of a repetition loop starts higher.
	Temperature       float32
	WordTimestamps    bool    // fill Segment.Words
	MaxSegmentLength  int     // characters, 0 = unlimited
	NoSpeechThreshold float32 // 0 = 0.6
	// Progress receives 0..100, monotonically; 100 exactly once when the transcription succeeds.
	// It is called on the transcribing goroutine and must not block for long.
	Progress func(percent int)
	// Segment, when set, receives each non-empty segment (times and text, no words) as soon as
	// whisper.cpp has decoded it, in order, before Transcribe returns: streaming clients show text
	// while a long file runs. It is called on the transcribing goroutine and must not block for long.
	Segment func(transcript.Segment)
}

// Engine is a loaded model. Its methods are safe for concurrent use.
type Engine struct {
	mu   sync.RWMutex // held for reading by Transcribe, for writing by Close
	ctx  *model       // nil after Close
	info ModelInfo
	cfg  Config
}

// Open loads the model at modelPath.
func Open(modelPath string, cfg Config) (*Engine, error) {
	if err := checkModelFile(modelPath); err != nil {
		return nil, err
	}
	devs, backends, err := Devices(cfg.BackendDirs)
	if err != nil {
		return nil, err // no CPU backend: whisper_init would abort the process
	}
	need, err := EstimateMemory(modelPath)
	if err != nil {
		return nil, err
	}
	want := cfg.Device
	if want == "" {
		want = DeviceCPUName
		if cfg.UseGPU {
			want = DeviceAuto
		}
	}
	dev, fallback := chooseDevice(deviceEnv{devs: devs, backends: backends, registered: hasBackend, canInit: tryInit}, want, need)
	m, err := loadModel(modelPath, cfg, dev)
	if err != nil && dev.IsGPU() {
		// whisper.cpp failed on the GPU (allocation or backend error): the CPU may still manage.
		cpu, _ := chooseDevice(deviceEnv{devs: devs}, DeviceCPUName, 0)
		fallback = fmt.Sprintf("%s (%s) could not load the model (out of memory or a driver error); transcribing on the CPU instead", dev.Name, dev.Description)
		dev = cpu
		m, err = loadModel(modelPath, cfg, dev)
	}
	if err != nil {
		return nil, err
	}
	info := m.info()
	info.Device = dev
	info.Fallback = fallback
	info.Path = modelPath
	info.Name = filepath.Base(modelPath)
	return &Engine{ctx: m, info: info, cfg: cfg}, nil
}

// Close frees the model after waiting for running transcriptions. It is safe to call twice.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ctx != nil {
		e.ctx.free()
		e.ctx = nil
	}
	return nil
}

// Info describes the loaded model.
func (e *Engine) Info() ModelInfo { return e.info }

// Transcribe transcribes samples (16 kHz mono, float32 in [-1, 1]).
func (e *Engine) Transcribe(ctx context.Context, samples []float32, opt Options) (*transcript.Transcript, error) {
	res, err := e.run(ctx, samples, opt)
	if err != nil {
		return nil, err
	}
	return toTranscript(res, time.Duration(len(samples))*time.Second/SampleRate, e.info.Name, opt.WordTimestamps), nil
}

// toTranscript turns whisper.cpp's raw output into a transcript, dropping segments whose text is
// empty after trimming.
func toTranscript(res *result, duration time.Duration, model string, wordTimes bool) *transcript.Transcript {
	t := &transcript.Transcript{
		Duration: duration,
		Language: res.language,
		Model:    model,
		Segments: []transcript.Segment{},
	}
	for _, s := range res.segments {
		text := segmentText(s)
		if text == "" {
			continue
		}
		seg := transcript.Segment{Start: centis(s.t0), End: centis(s.t1), Text: text}
		if wordTimes {
			seg.Words = words(s)
		}
		t.Segments = append(t.Segments, seg)
	}
	return t
}

// segmentText is a raw segment's text as the transcript keeps it; "" means the segment is dropped.
func segmentText(s rawSegment) string {
	text := strings.ToValidUTF8(s.text, "\uFFFD")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return text
}

// segmentFunc adapts Options.Segment to the raw segments whisper.cpp reports, with the same
// filtering Transcribe applies.
func segmentFunc(fn func(transcript.Segment)) func(rawSegment) {
	if fn == nil {
		return nil
	}
	return func(s rawSegment) {
		if text := segmentText(s); text != "" {
			fn(transcript.Segment{Start: centis(s.t0), End: centis(s.t1), Text: text})
		}
	}
}

func centis(t int64) time.Duration { return time.Duration(t) * 10 * time.Millisecond }

// result is whisper.cpp's raw output.
type result struct {
	language string
	segments []rawSegment
}

type rawSegment struct {
	t0, t1 int64 // centiseconds
	text   string
	tokens []rawToken
}

type rawToken struct {
	id     int
	text   string
	p      float32
	t0, t1 int64 // centiseconds, -1 if unknown
	isText bool  // false for special and timestamp tokens
}

func (e *Engine) run(ctx context.Context, samples []float32, opt Options) (*result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ctx == nil {
		return nil, ErrClosed
	}
	lang := strings.ToLower(strings.TrimSpace(opt.Language))
	if lang == "" {
		lang = "auto"
	}
	if _, ok := e.ctx.languageID(lang); lang != "auto" && !ok {
		return nil, fmt.Errorf("%w: %q", ErrLanguage, opt.Language)
	}
	progress := newProgress(opt.Progress)
	if silent(samples) {
		res := &result{language: lang}
		if lang == "auto" {
			res.language = ""
		}
		progress.done()
		return res, nil
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = e.cfg.Threads
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	res, err := e.ctx.full(ctx, samples, fullParams{
		language:       lang,
		translate:      opt.Translate,
		prompt:         opt.Prompt,
		threads:        threads,
		beamSize:       opt.BeamSize,
		fallback:       opt.TemperatureFallback,
		temperature:    opt.Temperature,
		tokenTimes:     opt.WordTimestamps || opt.MaxSegmentLength > 0,
		maxLen:         max(opt.MaxSegmentLength, 0),
		noSpeechThresh: opt.NoSpeechThreshold,
		segment:        segmentFunc(opt.Segment),
	}, progress.report)
	if err != nil {
		return nil, err
	}
	progress.done()
	return res, nil
}

// progress makes whisper.cpp's per-window reports monotonic and reserves 100 for the end.
type progress struct {
	fn   func(int)
	last int
}

func newProgress(fn func(int)) *progress { return &progress{fn: fn, last: -1} }

func (p *progress) report(v int) {
	v = min(max(v, 0), 99)
	if p.fn != nil && v > p.last {
		p.last = v
		p.fn(v)
	}
}

func (p *progress) done() {
	if p.fn != nil {
		p.last = 100
		p.fn(100)
	}
}

// silenceRMS is the energy gate: -60 dBFS.
const silenceRMS = 0.001

// silent reports whether no 20 ms frame of samples reaches silenceRMS.
func silent(samples []float32) bool {
	const frame = SampleRate / 50
	limit := float64(silenceRMS * silenceRMS * frame)
	for i := 0; i < len(samples); i += frame {
		var sum float64
		for _, v := range samples[i:min(i+frame, len(samples))] {
			sum += float64(v) * float64(v)
		}
		if sum >= limit {
			return false
		}
	}
	return true
}

// words groups a segment's text tokens into words: a token starting with a space starts a new word.
// Times are clamped so that words are ordered and lie within the segment.
func words(s rawSegment) []transcript.Word {
	var out []transcript.Word
	var n int // tokens in the current word
	var psum float32
	for _, tok := range s.tokens {
		if !tok.isText || tok.text == "" {
			continue
		}
		if len(out) == 0 || strings.HasPrefix(tok.text, " ") {
			if n > 0 {
				out[len(out)-1].Probability = psum / float32(n)
			}
			out = append(out, transcript.Word{Start: centis(tok.t0), End: centis(tok.t1)})
			n, psum = 0, 0
		}
		w := &out[len(out)-1]
		w.Text += tok.text
		if e := centis(tok.t1); e > w.End {
			w.End = e
		}
		n++
		psum += tok.p
	}
	if n > 0 {
		out[len(out)-1].Probability = psum / float32(n)
	}
	segStart, segEnd := centis(s.t0), centis(s.t1)
	prev := segStart
	kept := out[:0]
	for _, w := range out {
		w.Text = strings.TrimSpace(strings.ToValidUTF8(w.Text, "\uFFFD"))
		if w.Text == "" {
			continue
		}
		w.Start = min(max(w.Start, prev), segEnd)
		w.End = min(max(w.End, w.Start), segEnd)
		prev = w.End
		w.Probability = min(max(w.Probability, 0), 1)
		kept = append(kept, w)
	}
	return kept
}
