package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// streamKey marks, in the context handed to the decoders, that their sink
// sends its output to a *streamer instead of keeping it.
type streamKey struct{}

// streamer hands decoded 16 kHz mono samples on to a consumer.
type streamer struct {
	fn     func(samples []float32, read float64) error
	file   *os.File // the input, for progress; nil if unknown
	size   int64
	cancel context.CancelCauseFunc
	n      int64 // samples handed on
	err    error // the consumer's first error
}

func (st *streamer) push(x []float32) {
	if st.err != nil || len(x) == 0 {
		return
	}
	read := -1.0
	if st.file != nil && st.size > 0 {
		// Not for ffmpeg: it opens /dev/fd/3 afresh, with its own offset.
		if off, err := st.file.Seek(0, io.SeekCurrent); err == nil {
			read = min(float64(off)/float64(st.size), 1)
		}
	}
	if err := st.fn(x, read); err != nil {
		st.err = err
		st.cancel(err)
		return
	}
	st.n += int64(len(x))
}

// StreamFile decodes the audio file at path like DecodeFile, always to
// mono, but instead of keeping the samples it hands them to fn in chunks
// (a few thousand samples each, 16 kHz) as they are decoded, so that memory
// stays bounded whatever the length of the file. fn must not keep the
// slice it is given; read is the fraction of the file read so far (for
// progress; -1 if unknown, and it stays where it is while ffmpeg decodes). An error from fn stops decoding and is
// returned as it is. StreamFile returns how many samples fn was given;
// with an error that wraps ErrCorrupt those are the audio decoded before
// the damage.
func StreamFile(ctx context.Context, path string, opt Options, fn func(samples []float32, read float64) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("decode audio: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("decode audio: %w", err)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	st := &streamer{fn: fn, cancel: cancel}
	in := input{r: f, name: path, size: -1}
	if fi.Mode().IsRegular() {
		in.size, st.file, st.size = fi.Size(), f, fi.Size()
		if runtime.GOOS != "windows" {
			in.file = f
		}
	}
	opt.KeepChannels = false
	_, err = decode(context.WithValue(sctx, streamKey{}, st), in, opt)
	if st.err != nil {
		return st.n, st.err
	}
	if err != nil && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		err = context.Cause(sctx)
	}
	return st.n, err
}
