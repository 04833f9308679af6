package audio

import (
	"context"
	"fmt"
	"time"
)

// TargetRate is the sample rate of every decoded Audio.
const TargetRate = 16000

const (
	// maxTrustedPresize caps how many output samples per channel a header
	// may make us allocate up front when its claim cannot be checked
	// against the size of the input (about 65 s). Longer audio still
	// decodes; the output just grows as it arrives.
	maxTrustedPresize = 1 << 20
	// maxPresize caps pre-sizing even for plausible claims (4 hours).
	maxPresize = 4 * 3600 * TargetRate

	// maxChannels is the most channels a source may have.
	maxChannels = 64

	// chunkFrames is how many frames the native decoders hand on at once.
	chunkFrames = 4096
)

// sink receives decoded audio chunk by chunk at the source rate, mixes it
// down to the output channel count, resamples it to TargetRate and appends
// it to the output. Nothing is kept but the output and small per-chunk
// scratch buffers.
type sink struct {
	ctx    context.Context
	rate   int
	inCh   int
	outCh  int // 1, or 2 with Options.KeepChannels and a two-channel source
	rs     []*resampler
	out    [][]float32
	mix    []float32   // scratch for the mono downmix
	deint  [][]float32 // scratch for de-interleaving two channels
	frames int64       // input frames received
	stream *streamer   // with Stream: where the output goes instead of out
	tmp    []float32   // scratch for resampled output on its way to stream

	maxFrames int64         // most input frames accepted (Options.MaxDuration at rate); <= 0: no cap
	maxDur    time.Duration // for the error message
}

func newSink(ctx context.Context, rate, channels int, opt Options) (*sink, error) {
	keep := opt.KeepChannels
	if rate < minSampleRate || rate > maxSampleRate {
		return nil, fmt.Errorf("%w: sample rate %d Hz outside %d..%d Hz", ErrUnsupported, rate, minSampleRate, maxSampleRate)
	}
	if channels < 1 || channels > maxChannels {
		return nil, fmt.Errorf("%w: %d channels", ErrUnsupported, channels)
	}
	s := &sink{ctx: ctx, rate: rate, inCh: channels, outCh: 1}
	if st, ok := ctx.Value(streamKey{}).(*streamer); ok {
		s.stream, keep = st, false
	}
	if d := opt.maxDuration(); d > 0 {
		s.maxDur = d
		s.maxFrames = int64(d / time.Millisecond * time.Duration(rate) / 1000)
	}
	if keep && channels == 2 {
		s.outCh = 2
	}
	s.out = make([][]float32, s.outCh)
	if rate != TargetRate {
		for range s.outCh {
			r, err := newResampler(rate, TargetRate)
			if err != nil {
				return nil, err
			}
			s.rs = append(s.rs, r)
		}
	}
	return s, nil
}

// presize reserves room for frames input frames. trusted says whether the
// claim has been checked against the real size of the input.
func (s *sink) presize(frames int64, trusted bool) {
	if frames <= 0 || s.stream != nil {
		return
	}
	n := frames*TargetRate/int64(s.rate) + 1
	limit := int64(maxTrustedPresize)
	if trusted {
		limit = maxPresize
	}
	n = min(n, limit)
	for c := range s.out {
		if int64(cap(s.out[c])) < n {
			s.out[c] = growFloat32(s.out[c], int(n))
		}
	}
}

// admit checks that n more input frames stay within the duration cap. It
// is called before the frames are counted or stored, so a decompression
// bomb stops as soon as it passes the cap.
func (s *sink) admit(n int) error {
	if s.maxFrames > 0 && s.frames+int64(n) > s.maxFrames {
		return fmt.Errorf("%w: more than %v", ErrTooLong, s.maxDur)
	}
	return nil
}

// planar takes one slice per source channel, all of the same length.
func (s *sink) planar(ch [][]float32) error {
	if len(ch) == 0 || len(ch[0]) == 0 {
		return s.ctx.Err()
	}
	n := len(ch[0])
	if err := s.admit(n); err != nil {
		return err
	}
	s.frames += int64(n)
	switch {
	case s.outCh == 2:
		s.emit(0, ch[0])
		s.emit(1, ch[1])
	case len(ch) == 1:
		s.emit(0, ch[0])
	default:
		mix := s.scratch(n)
		copy(mix, ch[0])
		for _, c := range ch[1:] {
			c = c[:n]
			for i, v := range c {
				mix[i] += v
			}
		}
		scale := 1 / float32(len(ch))
		for i := range mix {
			mix[i] *= scale
		}
		s.emit(0, mix)
	}
	return s.ctx.Err()
}

// interleaved takes frames of s.inCh interleaved samples.
func (s *sink) interleaved(x []float32) error {
	ch := s.inCh
	n := len(x) / ch
	if n == 0 {
		return s.ctx.Err()
	}
	x = x[:n*ch]
	if err := s.admit(n); err != nil {
		return err
	}
	switch {
	case ch == 1:
		s.frames += int64(n)
		s.emit(0, x)
		return s.ctx.Err()
	case s.outCh == 2:
		if len(s.deint) == 0 {
			s.deint = make([][]float32, 2)
		}
		for c := range s.deint {
			if cap(s.deint[c]) < n {
				s.deint[c] = make([]float32, n)
			}
			s.deint[c] = s.deint[c][:n]
		}
		l, r := s.deint[0], s.deint[1]
		for i := range n {
			l[i], r[i] = x[2*i], x[2*i+1]
		}
		return s.planar(s.deint)
	}
	s.frames += int64(n)
	mix := s.scratch(n)
	scale := 1 / float32(ch)
	if ch == 2 {
		for i := range mix {
			mix[i] = (x[2*i] + x[2*i+1]) * scale
		}
	} else {
		for i := range mix {
			var sum float32
			for _, v := range x[i*ch : i*ch+ch] {
				sum += v
			}
			mix[i] = sum * scale
		}
	}
	s.emit(0, mix)
	return s.ctx.Err()
}

func (s *sink) scratch(n int) []float32 {
	if cap(s.mix) < n {
		s.mix = make([]float32, n)
	}
	s.mix = s.mix[:n]
	return s.mix
}

func (s *sink) emit(c int, x []float32) {
	if s.stream != nil {
		if s.rs != nil {
			s.tmp = s.rs[c].process(x, s.tmp[:0])
			x = s.tmp
		}
		s.stream.push(x)
		return
	}
	if s.rs == nil {
		s.out[c] = append(growFloat32(s.out[c], len(x)), x...)
		return
	}
	s.out[c] = s.rs[c].process(x, s.out[c])
}

// finish flushes the resamplers and returns what was decoded, or nil if
// nothing was.
func (s *sink) finish() *Audio {
	if s.frames == 0 {
		return nil
	}
	if s.stream != nil {
		for _, r := range s.rs {
			s.stream.push(r.flush(s.tmp[:0]))
		}
		s.rs = nil
		return &Audio{SampleRate: TargetRate, Channels: [][]float32{{}}}
	}
	for c, r := range s.rs {
		s.out[c] = r.flush(s.out[c])
	}
	s.rs = nil
	if len(s.out) == 2 && equalFloat32(s.out[0], s.out[1]) {
		// Dual mono (an MP3 decoder's output for a mono stream, a mono
		// recording stored as stereo): one channel says it all.
		s.out = s.out[:1]
	}
	return &Audio{SampleRate: TargetRate, Channels: s.out}
}

func equalFloat32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
