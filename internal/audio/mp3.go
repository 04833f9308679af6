package audio

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/hushscribe/hushscribe/internal/audio/drmp3"
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

// native says whether dr_mp3 decodes this stream here: MPEG-1, 2 and 2.5
// Layer III at a fixed bitrate index. Layer I/II and free-format streams
// go to ffmpeg.
func (h mp3Header) native() bool {
	return h.valid() && h.layer() == 3 && h.brIndex() != 0
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

// decodeMP3 decodes MPEG-1/2/2.5 Layer III with dr_mp3, frame by frame as
// the input streams in. r starts at the first frame. A Xing/Info frame is
// skipped and, with a LAME tag, so are the encoder delay and padding,
// exactly as ffmpeg does, so that sample 0 is the first sample the encoder
// was given.
//
// The frames are found here, by their headers, and handed to the decoder
// one at a time: a frame that matches the stream's layout (version, layer,
// sample rate, mono or not) is decoded; anything else between frames (junk,
// a trailing ID3v1 or APE tag, a frame of another layout) is skipped up to
// the next run of two matching frames. A frame the decoder cannot restore
// (its bit reservoir points before the data it saw) becomes silence of a
// frame's length, so that the timeline never shifts.
func decodeMP3(ctx context.Context, r io.Reader, info mp3Info, size int64, opt Options) (*Audio, error) {
	h := info.header
	if info.tagFrame > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(info.tagFrame)); err != nil {
			return nil, fmt.Errorf("%w: truncated first frame", ErrCorrupt)
		}
		size -= int64(info.tagFrame)
	}
	rate, channels := h.sampleRate(), h.channels()
	s, err := newSink(ctx, rate, channels, opt)
	if err != nil {
		return nil, err
	}

	spf := int64(h.samplesPerFrame())
	skip, total, limit := info.trim()
	switch {
	case info.frames > 0:
		// Trust the tag if the input is big enough to hold that many
		// frames of the smallest size.
		s.presize(info.frames*spf, size >= 0 && info.frames*24 <= size)
	case size > 0 && h.bitrate() > 0:
		s.presize(size*8*int64(rate)/int64(h.bitrate()), true)
	}

	res, err := mp3Decode(ctx, r, h, skip, limit, s.interleaved)
	if err != nil && !res.decoded {
		return nil, err
	}
	a := s.finish()
	if err != nil {
		return a, err
	}
	if total >= 0 && res.frames < total-spf {
		return a, fmt.Errorf("%w: truncated: %d of %d samples", ErrCorrupt, res.frames, total)
	}
	return a, nil
}

// trim returns how many sample frames to drop at the start (skip), the
// stream's length per its tag (total, -1: unknown), and where output stops
// (limit, -1: at the end of the stream).
func (m mp3Info) trim() (skip, total, limit int64) {
	spf := int64(m.header.samplesPerFrame())
	total, limit = -1, -1
	if m.frames > 0 {
		total = m.frames * spf
	}
	if m.delay >= 0 {
		skip = int64(m.delay + mp3DecoderDelay)
		if total >= 0 {
			total = max(total-int64(m.delay)-int64(m.padding), 0)
			limit = total
		}
	}
	return skip, total, limit
}

// mp3Result sums up what mp3Decode did.
type mp3Result struct {
	frames  int64 // sample frames handed on
	decoded bool  // at least one MPEG frame decoded
}

// mp3Decode decodes the frames of first's layout in r and hands their
// samples on, interleaved at the source rate, in chunks: after dropping
// the first skip sample frames, and stopping after limit (-1: at the end).
func mp3Decode(ctx context.Context, r io.Reader, first mp3Header, skip, limit int64, emit func([]float32) error) (mp3Result, error) {
	var res mp3Result
	dec, err := drmp3.New()
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	defer dec.Close()
	channels := first.channels()
	in := mp3Reader{r: r, buf: make([]byte, 0, mp3ReadAhead*2)}
	buf := make([]float32, 0, 2*chunkFrames+2*drmp3.MaxFrameSamples)
	silence := make([]int16, first.samplesPerFrame()*channels)
	flush := func() error {
		err := emit(buf)
		buf = buf[:0]
		if err == nil {
			err = ctx.Err()
		}
		return err
	}
	for limit < 0 || res.frames < limit {
		frame, err := in.next(first)
		if err != nil {
			if ferr := flush(); ferr != nil {
				return res, ferr
			}
			return res, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if frame == nil {
			break
		}
		pcm, ch := dec.Frame(frame)
		if ch != channels || len(pcm) != len(silence) {
			pcm = silence
		} else {
			res.decoded = true
		}
		n := int64(len(pcm) / channels)
		if skip > 0 {
			k := min(n, skip)
			pcm, skip, n = pcm[k*int64(channels):], skip-k, n-k
		}
		if limit >= 0 {
			n = min(n, limit-res.frames)
			pcm = pcm[:n*int64(channels)]
		}
		for _, v := range pcm {
			// dr_mp3 rounds to 16 bits from floats scaled by 32768.
			buf = append(buf, float32(v)*(1.0/32768))
		}
		res.frames += n
		if len(buf) >= 2*chunkFrames {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if !res.decoded {
		return res, fmt.Errorf("%w: no complete frame", ErrCorrupt)
	}
	return res, nil
}

// mp3ReadAhead is how much input mp3Reader keeps ahead of the current
// frame (at least two of the largest frames, and enough to resync).
const mp3ReadAhead = 64 << 10

// mp3Reader cuts a stream into MPEG frames of one layout.
type mp3Reader struct {
	r   io.Reader
	buf []byte
	pos int
	eof bool
	err error
}

// fill makes sure at least mp3ReadAhead bytes follow pos, unless the input
// ends first.
func (m *mp3Reader) fill() {
	if m.eof || len(m.buf)-m.pos >= mp3ReadAhead {
		return
	}
	n := copy(m.buf, m.buf[m.pos:])
	m.buf, m.pos = m.buf[:n], 0
	for !m.eof && len(m.buf) < cap(m.buf) {
		k, err := m.r.Read(m.buf[len(m.buf):cap(m.buf)])
		m.buf = m.buf[:len(m.buf)+k]
		if err == io.EOF {
			m.eof = true
		} else if err != nil {
			m.eof, m.err = true, err
		}
	}
}

// next returns the next frame of first's layout, or nil at the end of the
// input. Bytes that are not such a frame are skipped.
func (m *mp3Reader) next(first mp3Header) ([]byte, error) {
	for {
		m.fill()
		rest := m.buf[m.pos:]
		if len(rest) < 4 {
			return nil, m.err
		}
		h := mp3Header(binary.BigEndian.Uint32(rest))
		if h.valid() && sameLayout(h, first) && h.frameLen() > 4 {
			n := h.frameLen()
			if n > len(rest) {
				if m.err == nil {
					return nil, fmt.Errorf("last frame cut short: %d of %d bytes", len(rest), n)
				}
				return nil, m.err
			}
			m.pos += n
			return rest[:n], nil
		}
		// Resynchronise: skip to the next two frames of the layout, or
		// to the last few bytes if there are none in the read-ahead.
		i, ok := findMP3SyncOf(rest[1:], first)
		if !ok {
			if m.eof {
				return nil, m.err
			}
			m.pos += max(len(rest)-4, 1)
			continue
		}
		m.pos += 1 + i
	}
}

func sameLayout(h, first mp3Header) bool {
	return h.layer() == first.layer() && h.version() == first.version() &&
		h.srIndex() == first.srIndex() && h.channels() == first.channels()
}

// findMP3SyncOf finds the first offset in b where two consecutive frames
// of first's layout start, or a last frame that ends exactly at the end.
func findMP3SyncOf(b []byte, first mp3Header) (int, bool) {
	for i := 0; i+4 <= len(b); i++ {
		if b[i] != 0xff {
			continue
		}
		h := mp3Header(binary.BigEndian.Uint32(b[i:]))
		if !h.valid() || !sameLayout(h, first) || h.frameLen() <= 4 {
			continue
		}
		n := h.frameLen()
		if i+n == len(b) {
			return i, true
		}
		if i+n+4 > len(b) {
			continue
		}
		if h2 := mp3Header(binary.BigEndian.Uint32(b[i+n:])); h2.valid() && sameLayout(h2, first) {
			return i, true
		}
	}
	return 0, false
}
