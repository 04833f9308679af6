// Package drmp3 decodes MPEG audio frames (MPEG-1/2/2.5 Layers I-III, ISO/IEC
// 11172-3 and 13818-3) with dr_mp3, the frame decoder of miniaudio that
// github.com/gen2brain/malgo compiles into the binary. It is a package of
// its own because a Go package with cgo cannot also hold Go assembly (the
// resampler's dot product in package audio). Framing, tags and gapless
// trimming are the caller's job: this package decodes one frame at a time.
package drmp3

/*
#include <stdint.h>
#include <stdlib.h>

// The frame decoder of dr_mp3 (public domain or MIT-0, by David Reid, after
// minimp3 by lieff, CC0), as compiled into the binary by
// github.com/gen2brain/malgo, which builds miniaudio with its decoders for
// the microphone capture. Only its two frame-level functions are used; they
// are declared here with the layout of dr_mp3 0.7.1 (miniaudio 0.11.x) and
// weak, so that this package's own cgo link step does not need malgo's
// object file; drmp3Available reports whether the final binary has them.
typedef struct {
	int frame_bytes, channels, sample_rate, layer, bitrate_kbps;
} hs_mp3_info;

void ma_dr_mp3dec_init(void *dec) __attribute__((weak));
int ma_dr_mp3dec_decode_frame(void *dec, const uint8_t *mp3, int mp3_bytes, void *pcm, hs_mp3_info *info) __attribute__((weak));

// ma_dr_mp3dec is 6668 bytes (two float arrays, two ints, 515 bytes);
// twice that leaves room for any padding.
#define HS_MP3DEC_SIZE 16384

static int hs_mp3_available(void) {
	return ma_dr_mp3dec_init != NULL && ma_dr_mp3dec_decode_frame != NULL;
}

static void *hs_mp3_new(void) {
	void *d = calloc(1, HS_MP3DEC_SIZE);
	if (d != NULL) ma_dr_mp3dec_init(d);
	return d;
}

// hs_mp3_frame decodes the one frame in mp3[0:n] into pcm (room for 1152
// stereo frames of int16) and returns the samples per channel written.
static int hs_mp3_frame(void *dec, const uint8_t *mp3, int n, int16_t *pcm, int *channels) {
	hs_mp3_info info = {0};
	int got = ma_dr_mp3dec_decode_frame(dec, mp3, n, pcm, &info);
	*channels = info.channels;
	return got;
}
*/
import "C"

import (
	"errors"
	"unsafe"

	// The decoder's code lives in malgo's miniaudio build (see above).
	_ "github.com/gen2brain/malgo"
)

// ErrUnavailable means the binary was linked without dr_mp3.
var ErrUnavailable = errors.New("the MP3 decoder (dr_mp3 via malgo) is not linked in")

// Available says whether dr_mp3 is linked in.
func Available() bool { return C.hs_mp3_available() != 0 }

// MaxFrameSamples is the most samples per channel in one MPEG frame.
const MaxFrameSamples = 1152

// Decoder decodes MPEG audio frames one at a time. It keeps the bit
// reservoir, the IMDCT overlap and the synthesis filterbank state between
// frames, so frames must be given in stream order. It holds C memory:
// Close it.
type Decoder struct {
	dec unsafe.Pointer
	pcm []int16 // interleaved output of the last frame
}

// New returns a decoder, or ErrUnavailable.
func New() (*Decoder, error) {
	if !Available() {
		return nil, ErrUnavailable
	}
	d := C.hs_mp3_new()
	if d == nil {
		return nil, errors.New("mp3 decoder: out of memory")
	}
	return &Decoder{dec: d, pcm: make([]int16, 2*MaxFrameSamples)}, nil
}

// Frame decodes exactly one frame (its header first, len(b) its length)
// and returns its samples, interleaved and valid until the next call, and
// its channel count. A frame whose bit reservoir refers to data the
// decoder never saw, or that is not a frame, yields no samples.
func (d *Decoder) Frame(b []byte) ([]int16, int) {
	if len(b) == 0 {
		return nil, 0
	}
	var ch C.int
	n := C.hs_mp3_frame(d.dec, (*C.uint8_t)(unsafe.Pointer(&b[0])), C.int(len(b)), (*C.int16_t)(unsafe.Pointer(&d.pcm[0])), &ch)
	if n <= 0 || ch < 1 || ch > 2 || int(n) > MaxFrameSamples {
		return nil, 0
	}
	return d.pcm[:int(n)*int(ch)], int(ch)
}

// Close frees the decoder.
func (d *Decoder) Close() {
	if d.dec != nil {
		C.free(d.dec)
		d.dec = nil
	}
}
