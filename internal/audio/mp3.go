package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// mp3Header is an MPEG audio frame header.
type mp3Header uint32

func (h mp3Header) version() int  { return int(h>>19) & 3 }   // 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
func (h mp3Header) layer() int    { return 4 - int(h>>17)&3 } // 1, 2, 3 (4: reserved)
func (h mp3Header) crc() bool     { return h>>16&1 == 0 }
func (h mp3Header) brIndex() int  { return int(h>>12) & 15 }
func (h mp3Header) srIndex() int  { return int(h>>10) & 3 }
func (h mp3Header) padding() int  { return int(h>>9) & 1 }
func (h mp3Header) mpeg1() bool   { return h.version() == 3 }
func (h mp3Header) emphasis() int { return int(h) & 3 }

func (h mp3Header) channels() int {
	if h>>6&3 == 3 {
		return 1
	}
	return 2
}

func (h mp3Header) sideInfo() int {
	switch {
	case h.mpeg1() && h.channels() == 1:
		return 17
	case h.mpeg1():
		return 32
	case h.channels() == 1:
		return 9
	}
	return 17
}

func (h mp3Header) valid() bool {
	return h>>21 == 0x7ff && h.version() != 1 && h.layer() != 4 &&
		h.brIndex() != 15 && h.srIndex() != 3 && h.emphasis() != 2
}

// native says whether go-mp3 decodes this stream: MPEG-1 and MPEG-2
// Layer III at a fixed bitrate index. Layer I/II, MPEG-2.5 and free-format
// streams go to ffmpeg.
func (h mp3Header) native() bool {
	return h.valid() && h.layer() == 3 && h.version() != 0 && h.brIndex() != 0
}

func (h mp3Header) sampleRate() int {
	base := [3]int{44100, 48000, 32000}[h.srIndex()]
	switch h.version() {
	case 2:
		return base / 2
	case 0:
		return base / 4
	}
	return base
}

// bitrate in bits per second; 0 for free format.
func (h mp3Header) bitrate() int {
	v1 := [3][15]int{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	}
	v2 := [3][15]int{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	}
	if h.brIndex() == 15 || h.layer() == 4 {
		return 0
	}
	if h.mpeg1() {
		return v1[h.layer()-1][h.brIndex()] * 1000
	}
	return v2[h.layer()-1][h.brIndex()] * 1000
}

func (h mp3Header) samplesPerFrame() int {
	switch {
	case h.layer() == 1:
		return 384
	case h.layer() == 3 && !h.mpeg1():
		return 576
	}
	return 1152
}

// frameLen is the frame's length in bytes; 0 for free format.
func (h mp3Header) frameLen() int {
	br, sr := h.bitrate(), h.sampleRate()
	if br == 0 || sr == 0 {
		return 0
	}
	if h.layer() == 1 {
		return (12*br/sr + h.padding()) * 4
	}
	return h.samplesPerFrame()/8*br/sr + h.padding()
}

// mp3Info describes an MP3 stream from its first frame and, when that is
// a Xing/Info or VBRI frame, the encoder's gapless information in it.
type mp3Info struct {
	header   mp3Header
	tagFrame int   // length of the first frame if it is a Xing/Info/VBRI tag and no audio
	frames   int64 // audio frames, from the tag; 0 if unknown
	delay    int   // encoder delay from a LAME tag, in samples; -1 if none
	padding  int   // encoder padding from a LAME tag, in samples
}

func (m mp3Info) native() bool { return m.header.native() }

// parseMP3Info reads the frame at the start of b.
func parseMP3Info(b []byte) (mp3Info, bool) {
	m := mp3Info{delay: -1}
	if len(b) < 4 {
		return m, false
	}
	h := mp3Header(binary.BigEndian.Uint32(b))
	if !h.valid() {
		return m, false
	}
	m.header = h
	n := h.frameLen()
	if n <= 4 || n > len(b) || h.layer() != 3 {
		return m, true
	}
	frame := b[:n]
	off := 4 + h.sideInfo()
	if h.crc() {
		off += 2
	}
	u32 := func(i int) (uint32, bool) {
		if i < 0 || i+4 > len(frame) {
			return 0, false
		}
		return binary.BigEndian.Uint32(frame[i:]), true
	}
	if off+8 <= len(frame) && (string(frame[off:off+4]) == "Xing" || string(frame[off:off+4]) == "Info") {
		m.tagFrame = n
		flags, _ := u32(off + 4)
		p := off + 8
		if flags&1 != 0 {
			v, _ := u32(p)
			m.frames = int64(v)
			p += 4
		}
		if flags&2 != 0 {
			p += 4
		}
		if flags&4 != 0 {
			p += 100
		}
		if flags&8 != 0 {
			p += 4
		}
		// LAME extension: a 9-byte encoder string, then at +21 the 12-bit
		// encoder delay and padding that gapless decoders drop.
		if p+24 <= len(frame) {
			enc := string(frame[p : p+4])
			if enc == "LAME" || enc == "Lavf" || enc == "Lavc" || enc == "L3.9" {
				v := int(frame[p+21])<<16 | int(frame[p+22])<<8 | int(frame[p+23])
				m.delay, m.padding = v>>12, v&0xfff
			}
		}
		return m, true
	}
	if off := 4 + 32; off+18 <= len(frame) && string(frame[off:off+4]) == "VBRI" {
		m.tagFrame = n
		v, _ := u32(off + 14)
		m.frames = int64(v)
	}
	return m, true
}

// findMP3Sync finds the first offset in b where two consecutive MPEG audio
// frames of the same kind start.
func findMP3Sync(b []byte) (int, bool) {
	for i := 0; i+4 <= len(b); i++ {
		if b[i] != 0xff {
			continue
		}
		h := mp3Header(binary.BigEndian.Uint32(b[i:]))
		if !h.valid() {
			continue
		}
		n := h.frameLen()
		if n < 4 || i+n+4 > len(b) {
			continue
		}
		h2 := mp3Header(binary.BigEndian.Uint32(b[i+n:]))
		if h2.valid() && h2.version() == h.version() && h2.layer() == h.layer() && h2.srIndex() == h.srIndex() {
			return i, true
		}
	}
	return 0, false
}

// mp3DecoderDelay is the delay of the standard MP3 synthesis filterbank,
// which gapless decoders drop together with the encoder delay.
const mp3DecoderDelay = 529

// mp3PCM returns go-mp3's output for the frames in r (16-bit little-endian
// stereo) and its sample rate. A long stream of known size is read into
// memory and decoded on several cores (see parallelMP3); anything else
// streams through one decoder.
func mp3PCM(ctx context.Context, r io.Reader, first mp3Header, size int64, workers int) (io.Reader, int, error) {
	if workers > 1 && size >= mp3MinParallelSize {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, 0, err
		}
		if p := newParallelMP3(ctx, data, first, workers, mp3MinChunkFrames); p != nil {
			return p, first.sampleRate(), nil
		}
		r = bytes.NewReader(data)
	}
	d, err := mp3.NewDecoder(noSeek{r})
	if err != nil {
		return nil, 0, err
	}
	return d, d.SampleRate(), nil
}

// decodeMP3 decodes MPEG-1/2 Layer III with go-mp3. r starts at the first
// frame. A Xing/Info frame is skipped and, with a LAME tag, so are the
// encoder delay and padding, exactly as ffmpeg does, so that sample 0 is
// the first sample the encoder was given.
func decodeMP3(ctx context.Context, r io.Reader, info mp3Info, size int64, opt Options) (*Audio, error) {
	h := info.header
	if info.tagFrame > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(info.tagFrame)); err != nil {
			return nil, fmt.Errorf("%w: truncated first frame", ErrCorrupt)
		}
		size -= int64(info.tagFrame)
	}
	d, rate, err := mp3PCM(ctx, r, h, size, mp3Workers())
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: no complete frame", ErrCorrupt)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if c, ok := d.(interface{ Close() }); ok {
		defer c.Close()
	}
	channels := h.channels()
	s, err := newSink(ctx, rate, channels, opt)
	if err != nil {
		return nil, err
	}

	// total is the stream's length per its tag (-1: unknown); limit is
	// where output stops (-1: at the end of the stream).
	spf := int64(h.samplesPerFrame())
	skip, total, limit := int64(0), int64(-1), int64(-1)
	if info.frames > 0 {
		total = info.frames * spf
	}
	if info.delay >= 0 {
		skip = int64(info.delay + mp3DecoderDelay)
		if total >= 0 {
			total = max(total-int64(info.delay)-int64(info.padding), 0)
			limit = total
		}
	}
	switch {
	case info.frames > 0:
		// Trust the tag if the input is big enough to hold that many
		// frames of the smallest size.
		s.presize(info.frames*spf, size >= 0 && info.frames*24 <= size)
	case size > 0 && h.bitrate() > 0:
		s.presize(size*8*int64(rate)/int64(h.bitrate()), true)
	}

	raw := make([]byte, 4*chunkFrames) // 16-bit stereo frames
	buf := make([]float32, 0, 2*chunkFrames)
	var done int64 // frames handed to the sink
	for limit < 0 || done < limit {
		n, err := io.ReadFull(d, raw)
		n -= n % 4
		frames := raw[:n]
		if skip > 0 {
			k := min(int64(len(frames)/4), skip)
			frames, skip = frames[k*4:], skip-k
		}
		if limit >= 0 {
			frames = frames[:min(int64(len(frames)/4), limit-done)*4]
		}
		buf = buf[:0]
		for i := 0; i+4 <= len(frames); i += 4 {
			// go-mp3 scales by 32767 (and truncates) when it converts
			// to 16 bits.
			l := float32(int16(binary.LittleEndian.Uint16(frames[i:]))) / 32767
			if channels == 1 {
				buf = append(buf, l)
				continue
			}
			buf = append(buf, l, float32(int16(binary.LittleEndian.Uint16(frames[i+2:])))/32767)
		}
		done += int64(len(frames) / 4)
		if serr := s.interleaved(buf); serr != nil {
			return nil, serr
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return s.finish(), fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	a := s.finish()
	if total >= 0 && done < total-spf {
		return a, fmt.Errorf("%w: truncated: %d of %d samples", ErrCorrupt, done, total)
	}
	return a, nil
}
