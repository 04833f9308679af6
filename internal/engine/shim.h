#ifndef HUSHSCRIBE_ENGINE_SHIM_H
#define HUSHSCRIBE_ENGINE_SHIM_H

#include <stdint.h>
#include <whisper.h>

// hs_job is the per-Transcribe state shared between Go and whisper.cpp's callbacks.
typedef struct hs_job {
	int cancelled;     // set atomically by Go when the context is done
	uintptr_t handle;  // cgo.Handle of the Go progress function, 0 if none
	uintptr_t segment; // cgo.Handle of the Go new-segment function, 0 if none
} hs_job;

hs_job *hs_job_new(uintptr_t handle);
void hs_job_free(hs_job *job);
void hs_job_cancel(hs_job *job);
void hs_job_set_segment(hs_job *job, uintptr_t handle);
void hs_set_callbacks(struct whisper_full_params *p, hs_job *job);
void hs_quiet_logs(void);
const char *hs_gpu_backend(void);

#endif
