package engine

/*
#cgo LDFLAGS: -lwhisper -lggml -lggml-base
#include <stdlib.h>
#include <whisper.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"strings"
	"sync"
	"unsafe"

	whisper "github.com/ggerganov/whisper.cpp/bindings/go"
)

// This file is the only place that talks to whisper.cpp. It uses the upstream Go bindings (package
// whisper above) for everything they offer and calls whisper.h directly, through cgo and shim.c,
// only for what they lack; the package documentation lists those gaps. Both views share one C
// object: w is the bindings' *whisper.Context for the same whisper_context as c.

// model is a loaded whisper_context (weights only; states are per call).
type model struct {
	c       *C.struct_whisper_context
	w       *whisper.Context
	langs   map[string]int // language code -> whisper language id
	backend string
}

// systemInfoMu serialises whisper_print_system_info, which builds its answer in a static
// std::string inside libwhisper: concurrent calls (two Opens) would race on it.
var systemInfoMu sync.Mutex

func systemInfo() string {
	systemInfoMu.Lock()
	defer systemInfoMu.Unlock()
	return strings.TrimSpace(whisper.Whisper_print_system_info())
}

// loadModel loads the model on dev, which must be in ggml's device list (loadBackends ran).
func loadModel(path string, cfg Config, dev Device) (*model, error) {
	C.hs_quiet_logs()
	// The bindings' Whisper_init always uses whisper_context_default_params (GPU and flash attention
	// on) and allocates a default whisper_state nobody here would use, so the model is loaded here.
	params := C.whisper_context_default_params()
	params.use_gpu = C.bool(dev.IsGPU())
	if dev.IsGPU() {
		params.gpu_device = C.int(dev.gpuIndex)
	}
	params.flash_attn = C.bool(!cfg.NoFlashAttention)
	params.dtw_token_timestamps = false
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	c := C.whisper_init_from_file_with_params_no_state(cpath, params)
	if c == nil {
		return nil, fmt.Errorf("%w: whisper.cpp could not load %s", ErrModel, path)
	}
	m := &model{c: c, w: (*whisper.Context)(unsafe.Pointer(c)), backend: "cpu"}
	// The language table through the bindings: Whisper_lang_id would leak its C copy of the code on
	// every call, the id -> code direction copies nothing.
	n := whisper.Whisper_lang_max_id() + 1
	m.langs = make(map[string]int, n)
	for id := range n {
		m.langs[whisper.Whisper_lang_str(id)] = id
	}
	if dev.IsGPU() {
		m.backend = strings.ToLower(dev.Backend)
	}
	return m, nil
}

func (m *model) free() { m.w.Whisper_free() }

func (m *model) info() ModelInfo {
	return ModelInfo{
		Multilingual: m.w.Whisper_is_multilingual() != 0,
		Type:         C.GoString(C.whisper_model_type_readable(m.c)), // not in the bindings
		Backend:      m.backend,
		System:       systemInfo(),
	}
}

// languageID returns whisper's id for a language code, or false when whisper does not know it.
func (m *model) languageID(code string) (int, bool) {
	id, ok := m.langs[code]
	return id, ok
}

type fullParams struct {
	language       string // a code or "auto"
	translate      bool
	prompt         string
	threads        int
	beamSize       int
	fallback       bool
	temperature    float32
	tokenTimes     bool
	maxLen         int
	noSpeechThresh float32
	// segment, when set, receives each segment as whisper.cpp finishes it (on the transcribing
	// goroutine, before full returns).
	segment func(rawSegment)
}

//export hsProgress
func hsProgress(h C.uintptr_t, p C.int) {
	cgo.Handle(h).Value().(func(int))(int(p))
}

//export hsSegment
func hsSegment(h C.uintptr_t, st *C.struct_whisper_state, n C.int) {
	cgo.Handle(h).Value().(func(*C.struct_whisper_state, int))(st, int(n))
}

// full runs whisper_full_with_state on a fresh state.
func (m *model) full(ctx context.Context, samples []float32, fp fullParams, progress func(int)) (*result, error) {
	strategy := whisper.SAMPLING_GREEDY
	if fp.beamSize > 1 {
		strategy = whisper.SAMPLING_BEAM_SEARCH
	}
	// Defaults and the settings the bindings have setters for go through the bindings' Params; the
	// rest are set on the same struct seen as C.struct_whisper_full_params.
	bp := m.w.Whisper_full_default_params(strategy)
	bp.SetThreads(fp.threads)
	bp.SetTranslate(fp.translate)
	bp.SetPrintProgress(false)
	bp.SetPrintRealtime(false)
	bp.SetPrintTimestamps(false)
	bp.SetPrintSpecial(false)
	bp.SetTokenTimestamps(fp.tokenTimes)
	bp.SetMaxSegmentLength(fp.maxLen)
	bp.SetSplitOnWord(fp.maxLen > 0)
	bp.SetTemperature(min(max(fp.temperature, 0), 1))
	if fp.fallback {
		bp.SetTemperatureFallback(0.2)
	} else {
		bp.SetTemperatureFallback(0)
	}
	if fp.beamSize > 1 {
		bp.SetBeamSize(fp.beamSize)
	}
	lang := -1 // detect
	if fp.language != "auto" {
		id, ok := m.languageID(fp.language)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrLanguage, fp.language)
		}
		lang = id
	}
	if err := bp.SetLanguage(lang); err != nil { // points at whisper's static code string
		return nil, fmt.Errorf("%w: %q: %w", ErrLanguage, fp.language, err)
	}

	p := (*C.struct_whisper_full_params)(unsafe.Pointer(&bp))
	p.suppress_blank = true
	p.suppress_nst = true
	p.detect_language = false
	p.greedy.best_of = 5
	if fp.noSpeechThresh > 0 {
		p.no_speech_thold = C.float(fp.noSpeechThresh)
	}
	if fp.prompt != "" {
		// Not bp.SetInitialPrompt: it never frees its C copy of the prompt.
		cprompt := C.CString(fp.prompt)
		defer C.free(unsafe.Pointer(cprompt))
		p.initial_prompt = cprompt
	}

	h := cgo.NewHandle(progress)
	defer h.Delete()
	job := C.hs_job_new(C.uintptr_t(h))
	if job == nil {
		return nil, fmt.Errorf("engine: out of memory")
	}
	defer C.hs_job_free(job)
	if fp.segment != nil {
		sh := cgo.NewHandle(func(st *C.struct_whisper_state, n int) {
			total := int(C.whisper_full_n_segments_from_state(st))
			for i := max(total-n, 0); i < total; i++ {
				ci := C.int(i)
				fp.segment(rawSegment{
					t0:   int64(C.whisper_full_get_segment_t0_from_state(st, ci)),
					t1:   int64(C.whisper_full_get_segment_t1_from_state(st, ci)),
					text: C.GoString(C.whisper_full_get_segment_text_from_state(st, ci)),
				})
			}
		})
		defer sh.Delete()
		C.hs_job_set_segment(job, C.uintptr_t(sh))
	}
	// Replaces all callbacks the bindings' default params installed (they would look up their
	// unsynchronised global maps keyed by the context, shared by all concurrent calls).
	C.hs_set_callbacks(p, job)

	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		C.hs_job_cancel(job)
		close(cancelled)
	})
	defer func() {
		if !stop() {
			<-cancelled // the AfterFunc ran or is running: let it finish before job is freed
		}
	}()

	state := C.whisper_init_state(m.c)
	if state == nil {
		return nil, fmt.Errorf("engine: whisper_init_state failed")
	}
	defer C.whisper_free_state(state)

	rc := C.whisper_full_with_state(m.c, state, *p, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	if rc != 0 {
		return nil, fmt.Errorf("engine: whisper_full failed (code %d)", int(rc))
	}

	res := &result{language: fp.language}
	if fp.language == "auto" {
		res.language = whisper.Whisper_lang_str(int(C.whisper_full_lang_id_from_state(state)))
	}
	eot := int(m.w.Whisper_token_eot())
	n := int(C.whisper_full_n_segments_from_state(state))
	res.segments = make([]rawSegment, 0, n)
	for i := range n {
		ci := C.int(i)
		s := rawSegment{
			t0:   int64(C.whisper_full_get_segment_t0_from_state(state, ci)),
			t1:   int64(C.whisper_full_get_segment_t1_from_state(state, ci)),
			text: C.GoString(C.whisper_full_get_segment_text_from_state(state, ci)),
		}
		nt := int(C.whisper_full_n_tokens_from_state(state, ci))
		s.tokens = make([]rawToken, nt)
		for j := range nt {
			d := C.whisper_full_get_token_data_from_state(state, ci, C.int(j))
			id := int(d.id)
			s.tokens[j] = rawToken{
				id:     id,
				text:   m.w.Whisper_token_to_str(whisper.Token(id)),
				p:      float32(d.p),
				t0:     int64(d.t0),
				t1:     int64(d.t1),
				isText: id < eot,
			}
		}
		res.segments = append(res.segments, s)
	}
	return res, nil
}
