/* Forced into every C/C++ file of the Windows whisper.cpp build (build/windows.sh): Debian 12's
 * MinGW-w64 headers (v10) declare ThreadPowerThrottling but not the structure and constants that
 * go with it (Windows SDK 10.0.17763+), which ggml-cpu.c uses. Same layout as the Windows SDK. */
#ifndef HUSHSCRIBE_MINGW_COMPAT_H
#define HUSHSCRIBE_MINGW_COMPAT_H
#include <windows.h>
#ifndef THREAD_POWER_THROTTLING_CURRENT_VERSION
typedef struct _THREAD_POWER_THROTTLING_STATE {
	ULONG Version;
	ULONG ControlMask;
	ULONG StateMask;
} THREAD_POWER_THROTTLING_STATE;
#define THREAD_POWER_THROTTLING_CURRENT_VERSION 1
#define THREAD_POWER_THROTTLING_EXECUTION_SPEED 0x1
#endif
#endif
