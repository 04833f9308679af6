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

// hs_gpu_backend returns the name of the backend of the first GPU device, or NULL when there is none.
const char *hs_gpu_backend(void) {
	for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
		ggml_backend_dev_t dev = ggml_backend_dev_get(i);
		enum ggml_backend_dev_type t = ggml_backend_dev_type(dev);
		if (t == GGML_BACKEND_DEVICE_TYPE_GPU || t == GGML_BACKEND_DEVICE_TYPE_IGPU) {
			return ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev));
		}
	}
	return NULL;
}
