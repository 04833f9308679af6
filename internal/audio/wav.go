package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// wavEncoding is how one sample is stored.
type wavEncoding int

const (
	wavU8 wavEncoding = iota + 1
	wavS16
	wavS24
	wavS32
	wavF32
	wavF64
	wavALaw
	wavMuLaw
)

// WAVE format tags.
const (
	wavTagPCM        = 0x0001
	wavTagFloat      = 0x0003
	wavTagALaw       = 0x0006
	wavTagMuLaw      = 0x0007
	wavTagExtensible = 0xfffe
)

// wavUnknownSize marks a data chunk whose size was not known when the
// header was written (streamed WAV, as ffmpeg writes to a pipe): the
// samples run to the end of the input.
const wavUnknownSize = -1

// wavHeader is what readWAVHeader learns before the samples start.
type wavHeader struct {
	order      binary.ByteOrder
	channels   int
	rate       int
	enc        wavEncoding
	blockAlign int   // bytes per frame
	dataSize   int64 // bytes of sample data, or wavUnknownSize
}

// readWAVHeader parses a RIFF/RIFX/RF64 WAVE header up to the start of
// the data chunk's samples, reading no further. It allocates nothing that
// depends on sizes in the input: unknown chunks are skipped by reading
// through them.
func readWAVHeader(r io.Reader) (wavHeader, error) {
	var h wavHeader
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return h, wavTruncated("RIFF header", err)
	}
	id := string(b[:4])
	switch id {
	case "RIFF", "RF64", "BW64":
		h.order = binary.LittleEndian
	case "RIFX":
		h.order = binary.BigEndian
	default:
		return h, fmt.Errorf("%w: not a RIFF file", ErrCorrupt)
	}
	if string(b[8:12]) != "WAVE" {
		return h, fmt.Errorf("%w: RIFF form %q is not WAVE", ErrUnsupported, b[8:12])
	}
	riffSize := h.order.Uint32(b[4:8])
	rf64 := id != "RIFF" && id != "RIFX"
	var ds64Data int64 = -1
	fmtSeen := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if err == io.EOF {
				if !fmtSeen {
					return h, fmt.Errorf("%w: no fmt chunk", ErrCorrupt)
				}
				return h, fmt.Errorf("%w: no data chunk", ErrEmpty)
			}
			return h, wavTruncated("chunk header", err)
		}
		cid := string(ch[:4])
		size := int64(h.order.Uint32(ch[4:8]))
		pad := size & 1 // chunks are padded to an even size
		switch cid {
		case "ds64":
			if !rf64 {
				break
			}
			var d [24]byte
			n := min(size, int64(len(d)))
			if _, err := io.ReadFull(r, d[:n]); err != nil {
				return h, wavTruncated("ds64 chunk", err)
			}
			if n >= 16 {
				ds64Data = int64(min(binary.LittleEndian.Uint64(d[8:16]), math.MaxInt64))
			}
			size -= n
		case "fmt ":
			if fmtSeen {
				return h, fmt.Errorf("%w: two fmt chunks", ErrCorrupt)
			}
			if size < 16 {
				return h, fmt.Errorf("%w: fmt chunk of %d bytes", ErrCorrupt, size)
			}
			var f [40]byte
			n := min(size, int64(len(f)))
			if _, err := io.ReadFull(r, f[:n]); err != nil {
				return h, wavTruncated("fmt chunk", err)
			}
			if err := h.parseFmt(f[:n]); err != nil {
				return h, err
			}
			fmtSeen = true
			size -= n
		case "data":
			if !fmtSeen {
				return h, fmt.Errorf("%w: data chunk before fmt chunk", ErrCorrupt)
			}
			switch {
			case rf64 && size == 0xffffffff && ds64Data >= 0:
				h.dataSize = ds64Data
			case size >= 0x7ffff000, size == 0 && (riffSize == 0 || riffSize == 0xffffffff):
				// Placeholders of writers that did not know the length
				// (0xffffffff from ffmpeg on a pipe, 0x7fffffff, 0).
				h.dataSize = wavUnknownSize
			default:
				h.dataSize = size
			}
			return h, nil
		}
		if size += pad; size > 0 {
			if _, err := io.CopyN(io.Discard, r, size); err != nil {
				return h, wavTruncated(fmt.Sprintf("%q chunk", cid), err)
			}
		}
	}
}

// parseFmt reads a fmt chunk body (at least 16 bytes, at most 40 given).
func (h *wavHeader) parseFmt(f []byte) error {
	o := h.order
	tag := o.Uint16(f[0:2])
	h.channels = int(o.Uint16(f[2:4]))
	h.rate = int(o.Uint32(f[4:8]))
	h.blockAlign = int(o.Uint16(f[12:14]))
	bits := int(o.Uint16(f[14:16]))
	if tag == wavTagExtensible {
		if len(f) < 40 || o.Uint16(f[16:18]) < 22 {
			return fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE fmt chunk", ErrCorrupt)
		}
		// The sub-format GUID is the real tag followed by a fixed suffix.
		const suffix = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
		if string(f[26:40]) != suffix {
			return &nativeUnsupportedError{"wav (unknown sub-format GUID)"}
		}
		tag = o.Uint16(f[24:26])
	}
	switch {
	case h.channels == 0:
		return fmt.Errorf("%w: zero channels", ErrCorrupt)
	case h.channels > maxChannels:
		return fmt.Errorf("%w: %d channels", ErrUnsupported, h.channels)
	case h.rate == 0:
		return fmt.Errorf("%w: zero sample rate", ErrCorrupt)
	case h.rate < minSampleRate || h.rate > maxSampleRate:
		return fmt.Errorf("%w: sample rate %d Hz outside %d..%d Hz", ErrUnsupported, h.rate, minSampleRate, maxSampleRate)
	}
	// Bytes per sample: from the block alignment when that is consistent
	// (it is what the data really uses), else from the bit depth.
	width := 0
	if h.blockAlign > 0 && h.blockAlign%h.channels == 0 {
		width = h.blockAlign / h.channels
	}
	if fromBits := (bits + 7) / 8; width == 0 || (bits > 0 && width < fromBits) {
		width = fromBits
		h.blockAlign = width * h.channels
	}
	switch {
	case tag == wavTagPCM && width == 1:
		h.enc = wavU8
	case tag == wavTagPCM && width == 2:
		h.enc = wavS16
	case tag == wavTagPCM && width == 3:
		h.enc = wavS24
	case tag == wavTagPCM && width == 4:
		h.enc = wavS32
	case tag == wavTagFloat && width == 4:
		h.enc = wavF32
	case tag == wavTagFloat && width == 8:
		h.enc = wavF64
	case tag == wavTagALaw && width == 1:
		h.enc = wavALaw
	case tag == wavTagMuLaw && width == 1:
		h.enc = wavMuLaw
	case tag == wavTagPCM || tag == wavTagFloat || tag == wavTagALaw || tag == wavTagMuLaw:
		if width == 0 {
			return fmt.Errorf("%w: zero bits per sample", ErrCorrupt)
		}
		return fmt.Errorf("%w: wav format 0x%04x with %d-byte samples", ErrUnsupported, tag, width)
	default:
		return &nativeUnsupportedError{fmt.Sprintf("wav (format 0x%04x)", tag)}
	}
	return nil
}

func wavTruncated(what string, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated %s", ErrCorrupt, what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// decodeWAVData decodes the samples that follow h, streaming them through
// a fixed-size buffer. size is the number of input bytes left in r, or -1.
func decodeWAVData(ctx context.Context, r io.Reader, h wavHeader, size int64, opt Options) (*Audio, error) {
	s, err := newSink(ctx, h.rate, h.channels, opt)
	if err != nil {
		return nil, err
	}
	if h.dataSize > 0 {
		s.presize(h.dataSize/int64(h.blockAlign), size >= 0 && h.dataSize <= size)
	} else if h.dataSize == wavUnknownSize && size > 0 {
		s.presize(size/int64(h.blockAlign), true)
	}
	if h.dataSize != wavUnknownSize {
		r = io.LimitReader(r, h.dataSize)
	}

	frames := max(1, 64<<10/h.blockAlign)
	raw := make([]byte, frames*h.blockAlign)
	buf := make([]float32, frames*h.channels)
	conv := newWAVConverter(h)
	var got int64
	for {
		n, err := io.ReadFull(r, raw)
		got += int64(n)
		n -= n % h.blockAlign // a trailing partial frame is dropped
		if n > 0 {
			out := buf[:n/h.blockAlign*h.channels]
			conv(out, raw[:n])
			if serr := s.interleaved(out); serr != nil {
				return nil, serr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return s.finish(), fmt.Errorf("read samples: %w", err)
		}
	}
	a := s.finish()
	if h.dataSize != wavUnknownSize && got < h.dataSize {
		return a, fmt.Errorf("%w: data chunk holds %d of %d bytes", ErrCorrupt, got, h.dataSize)
	}
	return a, nil
}

// newWAVConverter returns a function converting raw samples to float32.
func newWAVConverter(h wavHeader) func(dst []float32, src []byte) {
	o := h.order
	big := o == binary.BigEndian
	switch h.enc {
	case wavU8:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = (float32(src[i]) - 128) / 128
			}
		}
	case wavS16:
		if !big {
			return func(dst []float32, src []byte) {
				src = src[:2*len(dst)]
				for i := range dst {
					dst[i] = float32(int16(uint16(src[2*i])|uint16(src[2*i+1])<<8)) / (1 << 15)
				}
			}
		}
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int16(o.Uint16(src[2*i:]))) / (1 << 15)
			}
		}
	case wavS24:
		return func(dst []float32, src []byte) {
			src = src[:3*len(dst)]
			for i := range dst {
				b := src[3*i : 3*i+3 : 3*i+3]
				var v int32
				if big {
					v = int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8) >> 8
				} else {
					v = int32(uint32(b[2])<<24|uint32(b[1])<<16|uint32(b[0])<<8) >> 8
				}
				dst[i] = float32(v) / (1 << 23)
			}
		}
	case wavS32:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int32(o.Uint32(src[4*i:]))) / (1 << 31)
			}
		}
	case wavF32:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(o.Uint32(src[4*i:]))
			}
			sanitize(dst)
		}
	case wavF64:
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(math.Float64frombits(o.Uint64(src[8*i:])))
			}
			sanitize(dst)
		}
	case wavALaw, wavMuLaw:
		var table [256]float32
		for i := range table {
			if h.enc == wavALaw {
				table[i] = float32(alaw(byte(i))) / (1 << 15)
			} else {
				table[i] = float32(mulaw(byte(i))) / (1 << 15)
			}
		}
		return func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = table[src[i]]
			}
		}
	}
	panic("audio: unreachable wav encoding")
}

// alaw expands a G.711 A-law byte to 16-bit linear PCM.
func alaw(b byte) int16 {
	b ^= 0x55
	t := int16(b&0x0f) << 4
	seg := (b & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if b&0x80 != 0 {
		return t
	}
	return -t
}

// mulaw expands a G.711 µ-law byte to 16-bit linear PCM.
func mulaw(b byte) int16 {
	b = ^b
	t := (int16(b&0x0f) << 3) + 0x84
	t <<= (b & 0x70) >> 4
	if b&0x80 != 0 {
		return 0x84 - t
	}
	return t - 0x84
}
