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

// Backends and devices (backends.go).
typedef struct hs_dev {
	const char *name;        // ggml's device name ("CPU", "Vulkan0", "CUDA0"), owned by ggml
	const char *description; // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)", owned by ggml
	const char *backend;     // the backend registry's name ("CPU", "Vulkan", "CUDA"), owned by ggml
	int type;                // enum ggml_backend_dev_type
	size_t mem_free, mem_total;
	int gpu_index;           // whisper's gpu_device index for GPU and IGPU devices, else -1
} hs_dev;

char *hs_ggml_lib_path(void);
void hs_load_backends(const char *dir);
size_t hs_dev_count(void);
int hs_dev_info(size_t i, hs_dev *out);
int hs_dev_try_init(size_t i);
int hs_has_backend(const char *name);
void hs_log_ggml_aborts(void);

#endif
