package engine

/*
#include <whisper.h>
*/
import "C"

// WhisperVersion is the version of the whisper.cpp library this process loaded (not the one it was
// compiled against), e.g. "1.9.1".
func WhisperVersion() string { return C.GoString(C.whisper_version()) }
