//go:build amd64 && !purego

package audio

import "golang.org/x/sys/cpu"

// hasAVX2FMA is a fact about the CPU, fixed at start-up.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 is dotGeneric with AVX2 and FMA instructions.
//
//go:noescape
func dotAVX2(a, b []float32) float32

// dot returns the inner product of a and b[:len(a)].
func dot(a, b []float32) float32 {
	if hasAVX2FMA && len(b) >= len(a) {
		return dotAVX2(a, b)
	}
	return dotGeneric(a, b)
}
