//go:build unix

package main

import (
	"os"
	"syscall"
)

// peakRSS is a finished process's peak resident memory in bytes (0 when unknown).
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		return int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return 0
}
