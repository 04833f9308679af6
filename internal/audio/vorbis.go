package audio

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jfreymuth/oggvorbis"
)

// decodeVorbis decodes an Ogg Vorbis stream packet by packet.
func decodeVorbis(ctx context.Context, r io.Reader, opt Options) (*Audio, error) {
	// Hide any Seek method: oggvorbis would seek to the end to learn the
	// length, which a stream cannot do.
	d, err := oggvorbis.NewReader(struct{ io.Reader }{r})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	s, err := newSink(ctx, d.SampleRate(), d.Channels(), opt)
	if err != nil {
		return nil, err
	}
	buf := make([]float32, chunkFrames*d.Channels())
	for {
		n, err := d.Read(buf)
		if serr := s.interleaved(sanitize(buf[:n])); serr != nil {
			return nil, serr
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return s.finish(), fmt.Errorf("%w: truncated stream", ErrCorrupt)
			}
			return s.finish(), fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	return s.finish(), nil
}

// sanitize replaces NaN and infinite samples, which a corrupt float stream
// can hold and which would poison the resampler, with silence.
func sanitize(x []float32) []float32 {
	for i, v := range x {
		if v-v != 0 { // NaN or ±Inf
			x[i] = 0
		}
	}
	return x
}
