package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/hajimehoshi/go-mp3"
)

// Parallel MP3 decoding. go-mp3 is a simple decoder (20-60x real time on
// one core), so a long MP3 held in memory is cut at frame boundaries into
// chunks that are decoded on all cores and put back together in order.
//
// An MP3 frame depends on the frames before it: its main data may begin up
// to 511 bytes back (the bit reservoir), the IMDCT overlaps each granule
// with the previous one, and the synthesis filterbank keeps the last 1024
// values per channel. A chunk is therefore decoded from mp3WarmUpFrames
// frames before its start, and the output of those frames is dropped: 511
// bytes are at most 5 frames even at 32 kbit/s, and the overlap and the
// filterbank are refilled by the first granule after that. What comes out
// is the same, sample for sample, as one go-mp3 decoder running over the
// whole stream (TestMP3ParallelIsExact checks it). Any surprise (a chunk
// that fails or yields a different number of samples than its frames
// imply) falls back to that one serial decoder, which skips what was
// already delivered, so the result never depends on the shortcut.

const (
	mp3WarmUpFrames    = 10
	mp3MinChunkFrames  = 200     // about 5 s at 44.1 kHz
	mp3MinParallelSize = 1 << 20 // smaller inputs decode serially
)

// mp3Frames returns the offsets of the frames at the start of data that
// share first's layout (layer, sample rate, channels), and where that run
// of frames ends; whatever follows (a truncated frame, tags, junk) is left
// to the decoder of the last chunk.
func mp3Frames(data []byte, first mp3Header) (offsets []int, end int) {
	pos := 0
	for pos+4 <= len(data) {
		h := mp3Header(binary.BigEndian.Uint32(data[pos:]))
		if !h.valid() || h.layer() != 3 || h.version() != first.version() || h.srIndex() != first.srIndex() || h.channels() != first.channels() {
			break
		}
		n := h.frameLen()
		if n <= 4 || pos+n > len(data) {
			break
		}
		offsets = append(offsets, pos)
		pos += n
	}
	return offsets, pos
}

// noSeek hides a reader's Seek method: given an io.Seeker, go-mp3 scans the
// whole stream up front to index its frames, which is wasted work here.
type noSeek struct{ io.Reader }

// mp3Chunk is one piece of the stream for a worker.
type mp3Chunk struct {
	data   []byte // the chunk's frames, its warm-up frames first
	warmUp int    // frames to drop from the output
	frames int    // frames to keep; -1 for the last chunk (to the end)
	out    chan mp3Result
}

type mp3Result struct {
	pcm []byte
	err error
}

// parallelMP3 is an io.Reader of go-mp3's output (16-bit little-endian
// stereo) for data, decoded in chunks on several goroutines.
type parallelMP3 struct {
	parent  context.Context // the caller's
	ctx     context.Context // the workers', cancelled by Close and fallBack
	data    []byte
	spf     int // samples per frame
	results chan chan mp3Result
	cancel  context.CancelFunc

	cur       []byte
	received  int       // chunks received
	forceFail int       // tests: treat the chunk with this number (from 1) as failed
	delivered int64     // bytes handed out so far
	serial    io.Reader // the fallback decoder, once needed
	err       error
}

// newParallelMP3 returns a reader of data's PCM decoded by workers
// goroutines in chunks of at least minChunk frames, or nil when data has
// too few regular frames to be worth splitting (decode it serially then).
func newParallelMP3(ctx context.Context, data []byte, first mp3Header, workers, minChunk int) *parallelMP3 {
	if workers < 2 {
		return nil
	}
	offsets, _ := mp3Frames(data, first)
	per := max(minChunk, len(offsets)/(workers*4))
	if len(offsets) < 2*per {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	p := &parallelMP3{parent: ctx, ctx: wctx, data: data, spf: first.samplesPerFrame(), results: make(chan chan mp3Result, workers), cancel: cancel}
	go p.dispatch(offsets, per, workers)
	return p
}

// dispatch hands the chunks to at most workers goroutines and queues their
// results in order; the queue's capacity bounds the memory held.
func (p *parallelMP3) dispatch(offsets []int, per, workers int) {
	defer close(p.results)
	sem := make(chan struct{}, workers)
	for start := 0; start < len(offsets); start += per {
		c := mp3Chunk{frames: per, out: make(chan mp3Result, 1)}
		from := max(0, start-mp3WarmUpFrames)
		c.warmUp = start - from
		end := len(p.data)
		if start+per < len(offsets) && len(offsets)-(start+per) >= per/2 {
			end = offsets[start+per]
		} else {
			c.frames = -1 // the last chunk takes the rest, whatever it holds
			start = len(offsets)
		}
		c.data = p.data[offsets[from]:end]
		select {
		case sem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		select {
		case p.results <- c.out:
		case <-p.ctx.Done():
			return
		}
		go func() {
			defer func() { <-sem }()
			c.out <- p.decodeChunk(c)
		}()
	}
}

func (p *parallelMP3) decodeChunk(c mp3Chunk) (res mp3Result) {
	defer func() {
		if r := recover(); r != nil { // go-mp3 on hostile input
			res = mp3Result{err: fmt.Errorf("%w: %v", ErrCorrupt, r)}
		}
	}()
	d, err := mp3.NewDecoder(noSeek{bytes.NewReader(c.data)})
	if err != nil {
		return mp3Result{err: err}
	}
	frameBytes := p.spf * 4
	want := -1
	if c.frames >= 0 {
		want = (c.warmUp + c.frames) * frameBytes
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(want, 0)))
	for {
		if err := p.ctx.Err(); err != nil {
			return mp3Result{err: err}
		}
		_, err := io.CopyN(buf, d, 64<<10)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return mp3Result{err: err}
		}
	}
	pcm := buf.Bytes()
	if want >= 0 && len(pcm) != want {
		return mp3Result{err: fmt.Errorf("chunk decoded to %d bytes, want %d", len(pcm), want)}
	}
	skip := c.warmUp * frameBytes
	if skip > len(pcm) {
		return mp3Result{err: fmt.Errorf("chunk shorter than its warm-up")}
	}
	return mp3Result{pcm: pcm[skip:]}
}

// Read implements io.Reader.
func (p *parallelMP3) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.serial != nil {
			n, err := p.serial.Read(b)
			p.delivered += int64(n)
			return n, err
		}
		out, ok := <-p.results
		if !ok {
			p.err = io.EOF
			if err := p.parent.Err(); err != nil {
				p.err = err
			}
			continue
		}
		r := <-out
		if p.received++; p.received == p.forceFail {
			r.err = errors.New("failure forced by a test")
		}
		if r.err != nil {
			p.fallBack()
			continue
		}
		p.cur = r.pcm
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	p.delivered += int64(n)
	return n, nil
}

// fallBack stops the workers and continues with one decoder over the whole
// stream, past what was already delivered.
func (p *parallelMP3) fallBack() {
	p.cancel()
	for range p.results { // let dispatch finish
	}
	if err := p.parent.Err(); err != nil {
		p.err = err
		return
	}
	d, err := mp3.NewDecoder(noSeek{bytes.NewReader(p.data)})
	if err != nil {
		p.err = err
		return
	}
	if _, err := io.CopyN(io.Discard, d, p.delivered); err != nil {
		p.err = err
		return
	}
	p.serial = d
}

// Close stops the workers.
func (p *parallelMP3) Close() {
	p.cancel()
	for range p.results {
	}
}

// mp3Workers is how many goroutines decode a long MP3.
func mp3Workers() int { return runtime.GOMAXPROCS(0) }
