/* Stand-in for Apple's Cocoa.h, used only by build/crosscheck.sh to type-check the Go side of
   darwin cgo packages on Linux: the Go files' preambles need no Cocoa declarations. */
