//go:build !unix

package audio

import "time"

// cpuTime is not measured here: benchmarks report wall-clock speed only.
func cpuTime() time.Duration { return 0 }
