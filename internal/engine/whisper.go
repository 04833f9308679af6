package engine

/*
#cgo LDFLAGS: -lwhisper -lggml -lggml-base -lggml-cpu
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
	"unsafe"
)

// model is a loaded whisper_context (weights only; states are per call).
type model struct {
	c       *C.struct_whisper_context
	backend string
}

func loadModel(path string, cfg Config) (*model, error) {
	C.hs_quiet_logs()
	params := C.whisper_context_default_params()
	params.use_gpu = C.bool(cfg.UseGPU)
	params.flash_attn = C.bool(cfg.FlashAttention)
	params.dtw_token_timestamps = false
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	c := C.whisper_init_from_file_with_params_no_state(cpath, params)
	if c == nil {
		return nil, fmt.Errorf("%w: whisper.cpp could not load %s", ErrModel, path)
	}
	backend := "cpu"
	if cfg.UseGPU {
		if name := C.hs_gpu_backend(); name != nil {
			backend = strings.ToLower(C.GoString(name))
		}
	}
	return &model{c: c, backend: backend}, nil
}

func (m *model) free() { C.whisper_free(m.c) }

func (m *model) info() ModelInfo {
	return ModelInfo{
		Multilingual: C.whisper_is_multilingual(m.c) != 0,
		Type:         C.GoString(C.whisper_model_type_readable(m.c)),
		Backend:      m.backend,
	}
}

func (m *model) knowsLanguage(code string) bool {
	c := C.CString(code)
	defer C.free(unsafe.Pointer(c))
	return C.whisper_lang_id(c) >= 0
}

type fullParams struct {
	language       string // a code or "auto"
	translate      bool
	prompt         string
	threads        int
	beamSize       int
	fallback       bool
	tokenTimes     bool
	maxLen         int
	noSpeechThresh float32
}

//export hsProgress
func hsProgress(h C.uintptr_t, p C.int) {
	cgo.Handle(h).Value().(func(int))(int(p))
}

// full runs whisper_full_with_state on a fresh state.
func (m *model) full(ctx context.Context, samples []float32, fp fullParams, progress func(int)) (*result, error) {
	strategy := uint32(C.WHISPER_SAMPLING_GREEDY)
	if fp.beamSize > 1 {
		strategy = C.WHISPER_SAMPLING_BEAM_SEARCH
	}
	p := C.whisper_full_default_params(C.enum_whisper_sampling_strategy(strategy))
	p.n_threads = C.int(fp.threads)
	p.translate = C.bool(fp.translate)
	p.print_progress = false
	p.print_realtime = false
	p.print_timestamps = false
	p.print_special = false
	p.token_timestamps = C.bool(fp.tokenTimes)
	p.max_len = C.int(fp.maxLen)
	p.split_on_word = C.bool(fp.maxLen > 0)
	p.suppress_blank = true
	p.suppress_nst = true
	p.temperature = 0
	if fp.fallback {
		p.temperature_inc = 0.2
	} else {
		p.temperature_inc = 0
	}
	if fp.noSpeechThresh > 0 {
		p.no_speech_thold = C.float(fp.noSpeechThresh)
	}
	if fp.beamSize > 1 {
		p.beam_search.beam_size = C.int(fp.beamSize)
	}
	p.greedy.best_of = 5
	clang := C.CString(fp.language)
	defer C.free(unsafe.Pointer(clang))
	p.language = clang
	p.detect_language = false
	if fp.prompt != "" {
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
	C.hs_set_callbacks(&p, job)

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

	rc := C.whisper_full_with_state(m.c, state, p, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	if rc != 0 {
		return nil, fmt.Errorf("engine: whisper_full failed (code %d)", int(rc))
	}

	res := &result{language: fp.language}
	if fp.language == "auto" {
		res.language = C.GoString(C.whisper_lang_str(C.whisper_full_lang_id_from_state(state)))
	}
	eot := int(C.whisper_token_eot(m.c))
	n := int(C.whisper_full_n_segments_from_state(state))
	res.segments = make([]rawSegment, 0, n)
	for i := 0; i < n; i++ {
		ci := C.int(i)
		s := rawSegment{
			t0:   int64(C.whisper_full_get_segment_t0_from_state(state, ci)),
			t1:   int64(C.whisper_full_get_segment_t1_from_state(state, ci)),
			text: C.GoString(C.whisper_full_get_segment_text_from_state(state, ci)),
		}
		nt := int(C.whisper_full_n_tokens_from_state(state, ci))
		s.tokens = make([]rawToken, nt)
		for j := 0; j < nt; j++ {
			d := C.whisper_full_get_token_data_from_state(state, ci, C.int(j))
			s.tokens[j] = rawToken{
				id:     int(d.id),
				text:   C.GoString(C.whisper_full_get_token_text_from_state(m.c, state, ci, C.int(j))),
				p:      float32(d.p),
				t0:     int64(d.t0),
				t1:     int64(d.t1),
				isText: int(d.id) < eot,
			}
		}
		res.segments = append(res.segments, s)
	}
	return res, nil
}
