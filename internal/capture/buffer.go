package capture

// chunkSamples is the size of one buffer chunk: 4 s of audio (256 KiB).
const chunkSamples = 4 * SampleRate

// buffer holds samples in fixed-size chunks. Appending never moves recorded audio, so no stale
// copy is left in memory by a reallocation.
type buffer struct {
	chunks [][]float32
	n      int
}

func (b *buffer) len() int { return b.n }

// append adds samples, allocating new chunks as needed.
func (b *buffer) append(samples []float32) {
	for len(samples) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == chunkSamples {
			b.chunks = append(b.chunks, make([]float32, 0, chunkSamples))
		}
		last := &b.chunks[len(b.chunks)-1]
		k := min(chunkSamples-len(*last), len(samples))
		*last = append(*last, samples[:k]...)
		samples = samples[k:]
		b.n += k
	}
}

// tail copies the last n samples (fewer if the buffer is shorter) into a new slice.
func (b *buffer) tail(n int) []float32 {
	n = min(n, b.n)
	out := make([]float32, n)
	pos := n
	for i := len(b.chunks) - 1; i >= 0 && pos > 0; i-- {
		c := b.chunks[i]
		k := min(len(c), pos)
		copy(out[pos-k:pos], c[len(c)-k:])
		pos -= k
	}
	return out
}

// take returns all samples as one slice and wipes the chunks. The buffer is empty afterwards.
func (b *buffer) take() []float32 {
	var out []float32
	if len(b.chunks) == 1 {
		out = b.chunks[0] // already contiguous: hand it over without a copy
	} else {
		out = make([]float32, 0, b.n)
		for _, c := range b.chunks {
			out = append(out, c...)
			clear(c[:cap(c)])
		}
	}
	b.chunks, b.n = nil, 0
	return out
}

// wipe zeroes and drops everything.
func (b *buffer) wipe() {
	for _, c := range b.chunks {
		clear(c[:cap(c)])
	}
	b.chunks, b.n = nil, 0
}
