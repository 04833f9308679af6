#define _GNU_SOURCE // dladdr
#include <stdio.h>
#include <stdlib.h>
#include <ggml.h>
#include <ggml-backend.h>
#include "shim.h"
#include "_cgo_export.h"

hs_job *hs_job_new(uintptr_t handle) {
	hs_job *job = calloc(1, sizeof(hs_job));
	if (job != NULL) {
		job->handle = handle;
	}
	return job;
}

void hs_job_free(hs_job *job) { free(job); }

void hs_job_set_segment(hs_job *job, uintptr_t handle) { job->segment = handle; }

void hs_job_cancel(hs_job *job) { __atomic_store_n(&job->cancelled, 1, __ATOMIC_SEQ_CST); }

static int hs_cancelled(hs_job *job) { return __atomic_load_n(&job->cancelled, __ATOMIC_SEQ_CST); }

// Called by ggml before each graph computation: true aborts it.
static bool hs_abort_cb(void *ud) { return hs_cancelled((hs_job *)ud) != 0; }

// Called before each 30 s window is encoded: false stops the transcription.
static bool hs_encoder_begin_cb(struct whisper_context *ctx, struct whisper_state *st, void *ud) {
	(void)ctx;
	(void)st;
	return hs_cancelled((hs_job *)ud) == 0;
}

static void hs_progress_cb(struct whisper_context *ctx, struct whisper_state *st, int progress, void *ud) {
	(void)ctx;
	(void)st;
	hs_job *job = (hs_job *)ud;
	if (job->handle != 0) {
		hsProgress(job->handle, progress);
	}
}

// Called after each decoded window with the number of segments it added at the end of the state.
static void hs_segment_cb(struct whisper_context *ctx, struct whisper_state *st, int n_new, void *ud) {
	(void)ctx;
	hs_job *job = (hs_job *)ud;
	if (job->segment != 0 && n_new > 0) {
		hsSegment(job->segment, st, n_new);
	}
}

void hs_set_callbacks(struct whisper_full_params *p, hs_job *job) {
	p->abort_callback = hs_abort_cb;
	p->abort_callback_user_data = job;
	p->encoder_begin_callback = hs_encoder_begin_cb;
	p->encoder_begin_callback_user_data = job;
	p->progress_callback = hs_progress_cb;
	p->progress_callback_user_data = job;
	p->new_segment_callback = hs_segment_cb;
	p->new_segment_callback_user_data = job;
}

// whisper.cpp and ggml log a lot at info level; keep errors only.
static void hs_log_cb(enum ggml_log_level level, const char *text, void *ud) {
	(void)ud;
	if (level == GGML_LOG_LEVEL_ERROR) {
		fputs(text, stderr);
	}
}

void hs_quiet_logs(void) { whisper_log_set(hs_log_cb, NULL); }

// ---- backends and devices ----

#ifndef _WIN32
#include <dlfcn.h>
#include <string.h>
#endif

// hs_ggml_lib_path returns the file ggml's backend registry was loaded from (a malloc'd string the
// caller frees), or NULL where that cannot be known (Windows, static links).
char *hs_ggml_lib_path(void) {
#ifdef _WIN32
	return NULL;
#else
	Dl_info info;
	if (dladdr((void *)ggml_backend_load_all_from_path, &info) == 0 || info.dli_fname == NULL) {
		return NULL;
	}
	return strdup(info.dli_fname);
#endif
}

void hs_load_backends(const char *dir) { ggml_backend_load_all_from_path(dir); }

size_t hs_dev_count(void) { return ggml_backend_dev_count(); }

int hs_dev_info(size_t i, hs_dev *out) {
	if (i >= ggml_backend_dev_count()) {
		return 0;
	}
	int gpus = 0;
	for (size_t j = 0; j <= i; j++) {
		ggml_backend_dev_t d = ggml_backend_dev_get(j);
		enum ggml_backend_dev_type t = ggml_backend_dev_type(d);
		if (j == i) {
			out->name = ggml_backend_dev_name(d);
			out->description = ggml_backend_dev_description(d);
			ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(d);
			out->backend = reg != NULL ? ggml_backend_reg_name(reg) : "";
			out->type = (int)t;
			out->mem_free = 0;
			out->mem_total = 0;
			ggml_backend_dev_memory(d, &out->mem_free, &out->mem_total);
			out->gpu_index = (t == GGML_BACKEND_DEVICE_TYPE_GPU || t == GGML_BACKEND_DEVICE_TYPE_IGPU) ? gpus : -1;
			return 1;
		}
		if (t == GGML_BACKEND_DEVICE_TYPE_GPU || t == GGML_BACKEND_DEVICE_TYPE_IGPU) {
			gpus++;
		}
	}
	return 0;
}

// hs_dev_try_init starts and stops a backend on device i: 1 when it starts. whisper.cpp would run on
// the CPU without a word when a GPU backend fails to start, so the engine asks first.
int hs_dev_try_init(size_t i) {
	if (i >= ggml_backend_dev_count()) {
		return 0;
	}
	ggml_backend_t b = ggml_backend_dev_init(ggml_backend_dev_get(i), NULL);
	if (b == NULL) {
		return 0;
	}
	ggml_backend_free(b);
	return 1;
}

int hs_has_backend(const char *name) { return ggml_backend_reg_by_name(name) != NULL; }

// A failed GGML_ASSERT or GGML_ABORT ends the process (ggml calls abort() after this callback); the
// callback only makes sure the reason reaches stderr, which the app's log captures, with a clear prefix.
static void hs_abort_logger(const char *msg) {
	fprintf(stderr, "hushscribe: whisper.cpp/ggml stopped the process: %s\n", msg != NULL ? msg : "(no message)");
	fflush(stderr);
}

void hs_log_ggml_aborts(void) { ggml_set_abort_callback(hs_abort_logger); }
