// Test-only stand-in for Windows' bcryptprimitives.dll, for running Go 1.26 programs under Wine 8.0
// (build/windows.sh). Go's runtime calls ProcessPrng at start; Wine 8.0 does not have it. This fills
// the buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine implements. Never shipped:
// Windows 10 and 11 have the real DLL.
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
