package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

const ggmlMagic = 0x67676d6c

// ggml tensor types whisper model files use: elements per block and bytes per block.
var ggmlTypes = map[int32][2]int64{
	0: {1, 4}, 1: {1, 2}, // F32, F16
	2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24}, 8: {32, 34}, 9: {32, 36}, // Q4_0..Q8_1
	10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176}, 14: {256, 210}, 15: {256, 292}, // K quants
	30: {1, 2}, // BF16
}

// checkModelFile opens path and checks its structure; errors wrap ErrModel.
func checkModelFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrModel, path)
	}
	if err := checkModel(f, st.Size()); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrModel, path, err)
	}
	return nil
}

// checkModel walks a legacy ggml whisper file (header, mel filters, vocabulary, tensor table) without
// reading tensor data, so that whisper.cpp never sees sizes that make it allocate wildly or assert.
func checkModel(r io.ReadSeeker, size int64) error {
	br := &countReader{src: r, r: bufio.NewReaderSize(r, 64<<10), limit: size}
	var hp [12]int32
	if err := br.read(&hp); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if uint32(hp[0]) != ggmlMagic {
		return errors.New("not a ggml whisper model (bad magic)")
	}
	nVocab, audioCtx, state, audioHead, audioLayer := hp[1], hp[2], hp[3], hp[4], hp[5]
	textCtx, textState, textHead, textLayer, mels, ftype := hp[6], hp[7], hp[8], hp[9], hp[10], hp[11]
	switch {
	case nVocab < 51864 || nVocab > 1<<20:
		return fmt.Errorf("bad vocabulary size %d", nVocab)
	case audioCtx < 1 || audioCtx > 1<<16 || textCtx < 1 || textCtx > 1<<16:
		return fmt.Errorf("bad context sizes %d, %d", audioCtx, textCtx)
	case state < 1 || state > 1<<14 || textState != state:
		return fmt.Errorf("bad state sizes %d, %d", state, textState)
	case audioHead < 1 || textHead < 1 || state%audioHead != 0 || state%textHead != 0:
		return fmt.Errorf("bad head counts %d, %d", audioHead, textHead)
	case audioLayer < 1 || audioLayer > 256 || textLayer < 1 || textLayer > 256:
		return fmt.Errorf("bad layer counts %d, %d", audioLayer, textLayer)
	case mels < 1 || mels > 512:
		return fmt.Errorf("bad mel count %d", mels)
	}
	if _, ok := ggmlTypes[ftype%1000]; !ok || ftype < 0 {
		return fmt.Errorf("unsupported weight type %d", ftype)
	}
	var filt [2]int32
	if err := br.read(&filt); err != nil {
		return fmt.Errorf("mel filters: %w", err)
	}
	if filt[0] != mels || filt[1] != 201 {
		return fmt.Errorf("bad mel filter shape %dx%d", filt[0], filt[1])
	}
	if err := br.skip(int64(filt[0]) * int64(filt[1]) * 4); err != nil {
		return fmt.Errorf("mel filters: %w", err)
	}
	var n int32
	if err := br.read(&n); err != nil {
		return fmt.Errorf("vocabulary: %w", err)
	}
	if n < 0 || n > nVocab {
		return fmt.Errorf("bad vocabulary count %d", n)
	}
	for i := int32(0); i < n; i++ {
		var l uint32
		if err := br.read(&l); err != nil {
			return fmt.Errorf("vocabulary: %w", err)
		}
		if l > 1<<16 {
			return fmt.Errorf("vocabulary token %d has length %d", i, l)
		}
		if err := br.skip(int64(l)); err != nil {
			return fmt.Errorf("vocabulary: %w", err)
		}
	}
	for nt := 0; ; nt++ {
		if br.n == size {
			if nt == 0 {
				return errors.New("no tensors")
			}
			return nil
		}
		var th [3]int32
		if err := br.read(&th); err != nil {
			return fmt.Errorf("tensor %d: %w", nt, err)
		}
		dims, nameLen, typ := th[0], th[1], th[2]
		if dims < 1 || dims > 4 || nameLen < 1 || nameLen > 256 {
			return fmt.Errorf("tensor %d: bad header", nt)
		}
		bt, ok := ggmlTypes[typ]
		if !ok {
			return fmt.Errorf("tensor %d: unsupported type %d", nt, typ)
		}
		elems := int64(1)
		for d := int32(0); d < dims; d++ {
			var ne int32
			if err := br.read(&ne); err != nil {
				return fmt.Errorf("tensor %d: %w", nt, err)
			}
			if ne < 1 || ne > 1<<24 {
				return fmt.Errorf("tensor %d: bad dimension %d", nt, ne)
			}
			elems *= int64(ne)
			if elems > 1<<34 {
				return fmt.Errorf("tensor %d: too large", nt)
			}
		}
		if elems%bt[0] != 0 {
			return fmt.Errorf("tensor %d: %d elements do not fill blocks of %d", nt, elems, bt[0])
		}
		if err := br.skip(int64(nameLen) + elems/bt[0]*bt[1]); err != nil {
			return fmt.Errorf("tensor %d: %w", nt, err)
		}
	}
}

// countReader reads little-endian values and skips bytes, never past limit.
type countReader struct {
	src   io.ReadSeeker
	r     *bufio.Reader
	n     int64
	limit int64
}

func (c *countReader) read(v any) error {
	sz := int64(binary.Size(v))
	if c.n+sz > c.limit {
		return io.ErrUnexpectedEOF
	}
	if err := binary.Read(c.r, binary.LittleEndian, v); err != nil {
		return io.ErrUnexpectedEOF
	}
	c.n += sz
	return nil
}

func (c *countReader) skip(k int64) error {
	if k < 0 || c.n+k > c.limit {
		return io.ErrUnexpectedEOF
	}
	c.n += k
	if b := int64(c.r.Buffered()); k > b {
		// Seek over tensor data instead of reading it.
		if _, err := c.src.Seek(k-b, io.SeekCurrent); err != nil {
			return io.ErrUnexpectedEOF
		}
		c.r.Reset(c.src)
		return nil
	}
	if _, err := c.r.Discard(int(k)); err != nil {
		return io.ErrUnexpectedEOF
	}
	return nil
}
