package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	form       string // "RIFF" (default), "RIFX", "RF64"
	tag        uint16 // format tag; 0 = PCM
	extensible bool   // wrap tag in WAVE_FORMAT_EXTENSIBLE
	channels   int
	rate       int
	bits       int
	extra      bool  // add LIST and odd-sized chunks before data
	dataSize   int64 // override the data chunk size; 0 = exact
}

// makeWAV encodes interleaved samples in [-1, 1] as described by s.
func makeWAV(s wavSpec, samples []float64) []byte {
	var o binary.ByteOrder = binary.LittleEndian
	if s.form == "RIFX" {
		o = binary.BigEndian
	}
	if s.form == "" {
		s.form = "RIFF"
	}
	if s.tag == 0 {
		s.tag = wavTagPCM
	}
	width := s.bits / 8
	var data bytes.Buffer
	for _, v := range samples {
		b := make([]byte, width)
		switch {
		case s.tag == wavTagFloat && width == 4:
			o.PutUint32(b, math.Float32bits(float32(v)))
		case s.tag == wavTagFloat && width == 8:
			o.PutUint64(b, math.Float64bits(v))
		case s.tag == wavTagMuLaw || s.tag == wavTagALaw:
			b[0] = encodeG711(s.tag, v)
		case width == 1:
			b[0] = byte(clampInt(math.Round(v*128)+128, 0, 255))
		case width == 2:
			o.PutUint16(b, uint16(int16(clampInt(math.Round(v*32768), -32768, 32767))))
		case width == 3:
			x := uint32(int32(clampInt(math.Round(v*(1<<23)), -(1 << 23), 1<<23-1)))
			if o == binary.BigEndian {
				b[0], b[1], b[2] = byte(x>>16), byte(x>>8), byte(x)
			} else {
				b[0], b[1], b[2] = byte(x), byte(x>>8), byte(x>>16)
			}
		case width == 4:
			o.PutUint32(b, uint32(int32(clampInt(math.Round(v*(1<<31)), -(1<<31), 1<<31-1))))
		}
		data.Write(b)
	}
	var fmtc bytes.Buffer
	put16 := func(w *bytes.Buffer, v uint16) { b := make([]byte, 2); o.PutUint16(b, v); w.Write(b) }
	put32 := func(w *bytes.Buffer, v uint32) { b := make([]byte, 4); o.PutUint32(b, v); w.Write(b) }
	tag := s.tag
	if s.extensible {
		tag = wavTagExtensible
	}
	put16(&fmtc, tag)
	put16(&fmtc, uint16(s.channels))
	put32(&fmtc, uint32(s.rate))
	put32(&fmtc, uint32(s.rate*s.channels*width))
	put16(&fmtc, uint16(s.channels*width))
	put16(&fmtc, uint16(s.bits))
	if s.extensible {
		put16(&fmtc, 22)
		put16(&fmtc, uint16(s.bits))
		put32(&fmtc, 0)
		put16(&fmtc, s.tag)
		fmtc.WriteString("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
	}
	var body bytes.Buffer
	chunk := func(id string, p []byte, size uint32) {
		body.WriteString(id)
		put32(&body, size)
		body.Write(p)
		if len(p)%2 == 1 {
			body.WriteByte(0)
		}
	}
	body.WriteString("WAVE")
	if s.form == "RF64" {
		var ds bytes.Buffer
		binary.Write(&ds, binary.LittleEndian, uint64(0))
		binary.Write(&ds, binary.LittleEndian, uint64(data.Len()))
		binary.Write(&ds, binary.LittleEndian, uint64(0))
		put32(&ds, 0)
		chunk("ds64", ds.Bytes(), uint32(ds.Len()))
	}
	if s.extra {
		chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00"), 17)
	}
	chunk("fmt ", fmtc.Bytes(), uint32(fmtc.Len()))
	if s.extra {
		chunk("junk", []byte("odd"), 3)
	}
	size := uint32(data.Len())
	switch {
	case s.form == "RF64":
		size = 0xffffffff
	case s.dataSize != 0:
		size = uint32(s.dataSize)
	}
	chunk("data", data.Bytes(), size)
	var out bytes.Buffer
	out.WriteString(s.form)
	put32(&out, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

func clampInt(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func encodeG711(tag uint16, v float64) byte {
	// Brute force: the code whose expansion is nearest.
	best, bestD := byte(0), math.Inf(1)
	for c := range 256 {
		var x float64
		if tag == wavTagALaw {
			x = float64(alaw(byte(c))) / 32768
		} else {
			x = float64(mulaw(byte(c))) / 32768
		}
		if d := math.Abs(x - v); d < bestD {
			best, bestD = byte(c), d
		}
	}
	return best
}

func TestWAVFormats(t *testing.T) {
	const rate = TargetRate
	// A stereo test signal: different tones left and right.
	n := 1600
	in := make([]float64, 2*n)
	for i := range n {
		in[2*i] = 0.5 * math.Sin(2*math.Pi*440*float64(i)/rate)
		in[2*i+1] = 0.3 * math.Sin(2*math.Pi*1000*float64(i)/rate)
	}
	for _, c := range []struct {
		name string
		spec wavSpec
		tol  float64 // largest error allowed per sample
	}{
		{"u8", wavSpec{bits: 8}, 1.0 / 128},
		{"s16", wavSpec{bits: 16}, 1.0 / 32768},
		{"s24", wavSpec{bits: 24}, 1.0 / (1 << 23)},
		{"s32", wavSpec{bits: 32}, 1e-7},
		{"f32", wavSpec{tag: wavTagFloat, bits: 32}, 1e-7},
		{"f64", wavSpec{tag: wavTagFloat, bits: 64}, 1e-7},
		{"alaw", wavSpec{tag: wavTagALaw, bits: 8}, 0.02},
		{"mulaw", wavSpec{tag: wavTagMuLaw, bits: 8}, 0.02},
		{"extensible s24", wavSpec{bits: 24, extensible: true}, 1.0 / (1 << 23)},
		{"extensible f32", wavSpec{tag: wavTagFloat, bits: 32, extensible: true}, 1e-7},
		{"RIFX s16", wavSpec{form: "RIFX", bits: 16}, 1.0 / 32768},
		{"RIFX s24", wavSpec{form: "RIFX", bits: 24}, 1.0 / (1 << 23)},
		{"RF64 s16", wavSpec{form: "RF64", bits: 16}, 1.0 / 32768},
		{"extra chunks", wavSpec{bits: 16, extra: true}, 1.0 / 32768},
		{"streamed (size unknown)", wavSpec{bits: 16, dataSize: 0xffffffff}, 1.0 / 32768},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.spec.channels, c.spec.rate = 2, rate
			data := makeWAV(c.spec, in)
			a, err := Decode(context.Background(), bytes.NewReader(data), "x.wav", Options{KeepChannels: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Channels) != 2 || len(a.Channels[0]) != n {
				t.Fatalf("got %d channels of %d samples, want 2 of %d", len(a.Channels), len(a.Channels[0]), n)
			}
			for i := range n {
				for ch := range 2 {
					if d := math.Abs(float64(a.Channels[ch][i]) - in[2*i+ch]); d > c.tol+1e-7 {
						t.Fatalf("channel %d sample %d: got %v, want %v", ch, i, a.Channels[ch][i], in[2*i+ch])
					}
				}
			}
			// Mono is the average of the two.
			m, err := Decode(context.Background(), bytes.NewReader(data), "x.wav", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Channels) != 1 {
				t.Fatalf("mono decode gave %d channels", len(m.Channels))
			}
			for i, v := range m.Channels[0] {
				if want := (a.Channels[0][i] + a.Channels[1][i]) / 2; math.Abs(float64(v-want)) > 1e-7 {
					t.Fatalf("mono sample %d: got %v, want %v", i, v, want)
				}
			}
		})
	}
}

func TestWAVChannels(t *testing.T) {
	mk := func(ch int, f func(i, c int) float64) []byte {
		s := make([]float64, 1000*ch)
		for i := range 1000 {
			for c := range ch {
				s[i*ch+c] = f(i, c)
			}
		}
		return makeWAV(wavSpec{channels: ch, rate: 16000, bits: 16}, s)
	}
	dual := mk(2, func(i, c int) float64 { return math.Sin(float64(i)/10) / 2 })
	quad := mk(4, func(i, c int) float64 { return float64(c) / 8 })
	for _, c := range []struct {
		name string
		data []byte
		keep bool
		ch   int
		want float32 // value of sample 10 of channel 0, if non-zero
	}{
		{"dual mono kept collapses", dual, true, 1, 0},
		{"four channels kept are averaged", quad, true, 1, (0 + 1 + 2 + 3) / 8.0 / 4},
		{"four channels to mono", quad, false, 1, (0 + 1 + 2 + 3) / 8.0 / 4},
	} {
		a, err := Decode(context.Background(), bytes.NewReader(c.data), "", Options{KeepChannels: c.keep})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(a.Channels) != c.ch {
			t.Errorf("%s: %d channels, want %d", c.name, len(a.Channels), c.ch)
		}
		if c.want != 0 && math.Abs(float64(a.Channels[0][10]-c.want)) > 1e-4 {
			t.Errorf("%s: sample %v, want %v", c.name, a.Channels[0][10], c.want)
		}
	}
}

// A header claiming gigabytes must not make Decode allocate them.
func TestWAVHugeClaim(t *testing.T) {
	for _, c := range []struct {
		claim int64
		hide  bool  // hide the input size
		want  error // 0x7fff0000 is a real claim, the input is truncated; near 4 GB a placeholder
	}{
		{0x7fff0000, false, ErrCorrupt},
		{0x7fff0000, true, ErrCorrupt},
		{0xfffff000, false, nil},
		{0xfffff000, true, nil},
	} {
		data := makeWAV(wavSpec{channels: 1, rate: 16000, bits: 16, dataSize: c.claim}, make([]float64, 100))
		var r io.Reader = bytes.NewReader(data)
		if c.hide {
			r = io.MultiReader(r)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		a, err := Decode(context.Background(), r, "x.wav", Options{})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, c.want) {
			t.Errorf("claim %#x: error %v, want %v", c.claim, err, c.want)
		}
		if a == nil || len(a.Channels[0]) != 100 {
			t.Errorf("claim %#x: the 100 samples there are were not returned", c.claim)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("claim %#x: allocated %d MB for a 250-byte file", c.claim, alloc>>20)
		}
	}
}

func TestWAVHeaderErrors(t *testing.T) {
	good := makeWAV(wavSpec{channels: 1, rate: 16000, bits: 16}, make([]float64, 10))
	patch := func(off int, b ...byte) []byte {
		d := bytes.Clone(good)
		copy(d[off:], b)
		return d
	}
	// Offsets in good: 12 "fmt ", 20 tag, 22 channels, 24 rate, 32 block
	// align, 34 bits, 36 "data".
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"truncated RIFF header", good[:10], ErrCorrupt},
		{"truncated fmt", good[:30], ErrCorrupt},
		{"no data chunk", good[:36], ErrEmpty},
		{"zero channels", patch(22, 0, 0), ErrCorrupt},
		{"zero rate", patch(24, 0, 0, 0, 0), ErrCorrupt},
		{"rate too high", patch(24, 0, 0, 0, 1), ErrUnsupported},
		{"too many channels", patch(22, 0, 1), ErrUnsupported},
		{"zero bits and block align", patch(32, 0, 0, 0, 0), ErrCorrupt},
		{"64-bit int PCM", patch(32, 8, 0, 64, 0), ErrUnsupported},
		{"data before fmt", patch(12, 'd', 'a', 't', 'a'), ErrCorrupt},
		{"short fmt", patch(16, 8, 0, 0, 0), ErrCorrupt},
		{"not WAVE", patch(8, 'A', 'V', 'I', ' '), ErrUnsupported},
	} {
		_, err := readAndDecodeWAV(c.data)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

func readAndDecodeWAV(data []byte) (*Audio, error) {
	r := bytes.NewReader(data)
	h, err := readWAVHeader(r)
	if err != nil {
		return nil, err
	}
	return decodeWAVData(context.Background(), r, h, int64(r.Len()), Options{KeepChannels: true})
}

func FuzzWAV(f *testing.F) {
	sig := make([]float64, 64)
	for i := range sig {
		sig[i] = math.Sin(float64(i))
	}
	for _, s := range []wavSpec{
		{channels: 1, rate: 16000, bits: 16},
		{channels: 2, rate: 44100, bits: 24, extra: true},
		{channels: 2, rate: 8000, bits: 8},
		{channels: 1, rate: 48000, bits: 32, tag: wavTagFloat, extensible: true},
		{channels: 1, rate: 22050, bits: 64, tag: wavTagFloat},
		{channels: 1, rate: 8000, bits: 8, tag: wavTagMuLaw},
		{channels: 2, rate: 32000, bits: 16, form: "RIFX"},
		{channels: 1, rate: 16000, bits: 16, form: "RF64"},
		{channels: 1, rate: 16000, bits: 16, dataSize: 0xffffffff},
	} {
		f.Add(makeWAV(s, sig))
	}
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := readAndDecodeWAV(data)
		if err != nil && !isTyped(err) {
			t.Fatalf("untyped error: %v", err)
		}
		checkAudio(t, a)
	})
}

// isTyped says whether err wraps one of the package's sentinels.
func isTyped(err error) bool {
	var nf *nativeUnsupportedError
	return errors.Is(err, ErrEmpty) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported) ||
		errors.Is(err, ErrMissingTool) || errors.As(err, &nf)
}

func checkAudio(t *testing.T, a *Audio) {
	t.Helper()
	if a == nil {
		return
	}
	if a.SampleRate != TargetRate || len(a.Channels) < 1 || len(a.Channels) > 2 {
		t.Fatalf("bad audio: %d Hz, %d channels", a.SampleRate, len(a.Channels))
	}
	for _, c := range a.Channels {
		if len(c) != len(a.Channels[0]) {
			t.Fatalf("channels of different lengths")
		}
		for _, v := range c {
			if v != v {
				t.Fatalf("NaN sample")
			}
		}
	}
}

// Odd-sized chunks are followed by a pad byte, whatever part of them the
// parser reads.
func TestWAVOddChunks(t *testing.T) {
	fmtBody := []byte("\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00\x00") // 17 bytes: PCM s16 plus one stray byte
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	b.WriteString("fmt \x11\x00\x00\x00")
	b.Write(fmtBody)
	b.WriteByte(0) // pad
	b.WriteString("odd!\x01\x00\x00\x00x\x00")
	b.WriteString("data\x04\x00\x00\x00\x00\x40\x00\xc0")
	a, err := readAndDecodeWAV(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Channels[0]; len(got) != 2 || got[0] != 0.5 || got[1] != -0.5 {
		t.Errorf("got %v, want [0.5 -0.5]", got)
	}
}
