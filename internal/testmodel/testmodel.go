// Package testmodel writes synthetic whisper.cpp model files for tests and benchmarks.
//
// The files use the legacy ggml format that whisper.cpp loads (magic 0x67676d6c, hyper-parameters,
// mel filter bank, vocabulary, named tensors), the same layout models/convert-pt-to-ggml.py writes:
// weight matrices and convolution kernels are F16, biases, norms and positional embeddings F32.
// The weights are deterministic pseudo-random numbers derived from a seed, so a given Shape and seed
// always produce the same bytes and whisper.cpp produces the same (nonsense) text for the same audio.
//
// The vocabulary has the multilingual layout (50257 text tokens in the file; whisper.cpp appends the
// special, language and timestamp tokens up to n_vocab), so special token ids, language detection
// and timestamp handling behave as with a real multilingual model. Text tokens 0..255 are the single
// bytes in GPT-2 order; the rest are synthetic printable ASCII words.
//
// The output layer is shaped so that decoding behaves like a (very bad) real model: byte tokens are
// never picked, timestamp tokens win every few tokens with a preference for nearby times, and the
// end-of-text token appears now and then, so every 30 s window terminates after a few segments.
package testmodel

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// FormatVersion changes whenever Write produces different bytes for the same Shape and seed; caches
// key on it.
const FormatVersion = 1

// Shape is a model's hyper-parameters.
type Shape struct {
	Name       string // used in cache file names
	Vocab      int    // 51865 for multilingual models
	AudioCtx   int    // 1500 for 30 s windows
	State      int    // width of both encoder and decoder
	AudioHeads int
	AudioLayer int
	TextCtx    int // 448
	TextHeads  int
	TextLayers int
	Mels       int // 80
}

var (
	// Tiny has exactly the hyper-parameters of whisper's multilingual tiny model (file ≈ 75 MB).
	Tiny = Shape{Name: "tiny", Vocab: 51865, AudioCtx: 1500, State: 384, AudioHeads: 6, AudioLayer: 4,
		TextCtx: 448, TextHeads: 6, TextLayers: 4, Mels: 80}
	// Base and Small have the hyper-parameters of whisper's multilingual base and small models (files
	// ≈ 145 MB and ≈ 490 MB), for benchmarks of the real-time factor (build/gpu-check.sh).
	Base = Shape{Name: "base", Vocab: 51865, AudioCtx: 1500, State: 512, AudioHeads: 8, AudioLayer: 6,
		TextCtx: 448, TextHeads: 8, TextLayers: 6, Mels: 80}
	Small = Shape{Name: "small", Vocab: 51865, AudioCtx: 1500, State: 768, AudioHeads: 12, AudioLayer: 12,
		TextCtx: 448, TextHeads: 12, TextLayers: 12, Mels: 80}
	// Micro is a multilingual model small enough for fast tests (file ≈ 7 MB).
	Micro = Shape{Name: "micro", Vocab: 51865, AudioCtx: 1500, State: 64, AudioHeads: 2, AudioLayer: 1,
		TextCtx: 448, TextHeads: 2, TextLayers: 1, Mels: 80}
)

const (
	fileMagic   = 0x67676d6c
	nFileVocab  = 50257 // text tokens stored in the file; whisper.cpp adds the specials
	nFFT        = 201   // 1 + 400/2 frequency bins
	sampleRate  = 16000
	typeF32     = 0
	typeF16     = 1
	nTimestamps = 1501
)

func (s Shape) validate() error {
	switch {
	case s.Vocab < nFileVocab+100:
		return fmt.Errorf("testmodel: vocab %d too small", s.Vocab)
	case s.State <= 0 || s.AudioHeads <= 0 || s.TextHeads <= 0 || s.State%s.AudioHeads != 0 || s.State%s.TextHeads != 0:
		return fmt.Errorf("testmodel: bad state %d / heads %d,%d", s.State, s.AudioHeads, s.TextHeads)
	case s.AudioLayer <= 0 || s.TextLayers <= 0 || s.AudioCtx <= 0 || s.TextCtx <= 0 || s.Mels <= 0:
		return fmt.Errorf("testmodel: bad shape %+v", s)
	}
	return nil
}

// WriteFile writes the model to path atomically (a temporary file in the same directory, renamed).
func WriteFile(path string, s Shape, seed int64) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".testmodel-*")
	if err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(f, s, seed); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	return nil
}

// Write writes the model for shape s with weights derived from seed.
func Write(w io.Writer, s Shape, seed int64) error {
	if err := s.validate(); err != nil {
		return err
	}
	mw := &writer{w: bufio.NewWriterSize(w, 1<<20)}
	mw.i32(fileMagic)
	for _, v := range []int{s.Vocab, s.AudioCtx, s.State, s.AudioHeads, s.AudioLayer,
		s.TextCtx, s.State, s.TextHeads, s.TextLayers, s.Mels, typeF16} {
		mw.i32(int32(v))
	}
	mw.i32(int32(s.Mels))
	mw.i32(nFFT)
	for _, v := range melFilters(s.Mels) {
		mw.f32(v)
	}
	mw.i32(nFileVocab)
	for _, t := range vocab() {
		mw.i32(int32(len(t)))
		mw.bytes([]byte(t))
	}
	g := &gen{w: mw, s: s, rng: rng{state: uint64(seed)*0x9E3779B97F4A7C15 + 1}}
	g.model()
	if mw.err != nil {
		return fmt.Errorf("testmodel: write: %w", mw.err)
	}
	if err := mw.w.Flush(); err != nil {
		return fmt.Errorf("testmodel: write: %w", err)
	}
	return nil
}

type gen struct {
	w   *writer
	s   Shape
	rng rng
}

func (g *gen) model() {
	s := g.s
	d := s.State
	invSqrt := func(n int) float32 { return float32(1 / math.Sqrt(float64(n))) }

	// Encoder.
	g.tensor("encoder.positional_embedding", typeF32, sinusoids(s.AudioCtx, d, 1), d, s.AudioCtx)
	g.random("encoder.conv1.weight", typeF16, invSqrt(3*s.Mels), 3, s.Mels, d)
	g.random("encoder.conv1.bias", typeF32, 0.02, 1, d)
	g.random("encoder.conv2.weight", typeF16, invSqrt(3*d), 3, d, d)
	g.random("encoder.conv2.bias", typeF32, 0.02, 1, d)
	for i := 0; i < s.AudioLayer; i++ {
		g.block(fmt.Sprintf("encoder.blocks.%d.", i), "attn", 1)
		g.mlp(fmt.Sprintf("encoder.blocks.%d.", i))
	}
	g.constant("encoder.ln_post.weight", 1, d)
	g.constant("encoder.ln_post.bias", 0, d)

	// Decoder.
	g.tensor("decoder.positional_embedding", typeF32, sinusoids(s.TextCtx, d, decPosScale), d, s.TextCtx)
	g.tensor("decoder.token_embedding.weight", typeF16, g.tokenEmbedding(), d, s.Vocab)
	for i := 0; i < s.TextLayers; i++ {
		p := fmt.Sprintf("decoder.blocks.%d.", i)
		g.block(p, "attn", 1)
		g.block(p, "cross_attn", crossScale)
		g.mlp(p)
	}
	// Final norm: component 0 carries a bias that the output embedding uses to steer
	// timestamps, end-of-text and byte tokens (see tokenEmbedding).
	g.constant("decoder.ln.weight", 1, d)
	lnb := make([]float32, d)
	lnb[0] = lnBias
	g.tensor("decoder.ln.bias", typeF32, lnb, d)
}

// Output-layer steering. Logit of token i = Σ_{j≥1} h_j·E_ij + h_0·c_i with h_0 ≈ lnBias ± 1.
const (
	decPosScale  = 1 // decoder positions dominate the token embedding: no endless self-repetition
	crossScale   = 3 // sharper cross attention keeps the text dependent on the audio
	crossOut     = 3
	lnBias       = 4
	logitStd     = 1.2    // std of the random part of a text token's logit
	cByte        = -3     // byte tokens: never the argmax
	cEOT         = 0.55   // end of text
	cTimestamp   = 0.35   // timestamp tokens, minus cTSSlope per 20 ms step
	cTSSlope     = 0.0012 // prefer nearby timestamps: segments of a few seconds
	firstSpecial = nFileVocab
)

func (g *gen) tokenEmbedding() []float32 {
	s := g.s
	d := s.State
	sigma := float32(logitStd / math.Sqrt(float64(d-1)))
	e := make([]float32, d*s.Vocab)
	eot := nFileVocab
	tsBegin := s.Vocab - nTimestamps
	for i := 0; i < s.Vocab; i++ {
		row := e[i*d : (i+1)*d]
		for j := 1; j < d; j++ {
			row[j] = g.rng.normal() * sigma
		}
		switch {
		case i < 256:
			row[0] = cByte
		case i == eot:
			row[0] = cEOT
		case i >= tsBegin:
			row[0] = cTimestamp - cTSSlope*float32(i-tsBegin)
		}
	}
	return e
}

func (g *gen) block(prefix, kind string, qScale float32) {
	outScale := float32(1)
	if kind == "cross_attn" {
		outScale = crossOut
	}
	d := g.s.State
	std := float32(1 / math.Sqrt(float64(d)))
	g.constant(prefix+kind+"_ln.weight", 1, d)
	g.random(prefix+kind+"_ln.bias", typeF32, 0.02, d)
	g.random(prefix+kind+".query.weight", typeF16, std*qScale, d, d)
	g.random(prefix+kind+".query.bias", typeF32, 0.02, d)
	g.random(prefix+kind+".key.weight", typeF16, std*qScale, d, d)
	g.random(prefix+kind+".value.weight", typeF16, std, d, d)
	g.random(prefix+kind+".value.bias", typeF32, 0.02, d)
	g.random(prefix+kind+".out.weight", typeF16, std*outScale, d, d)
	g.random(prefix+kind+".out.bias", typeF32, 0.02, d)
}

func (g *gen) mlp(prefix string) {
	d := g.s.State
	g.constant(prefix+"mlp_ln.weight", 1, d)
	g.random(prefix+"mlp_ln.bias", typeF32, 0.02, d)
	g.random(prefix+"mlp.0.weight", typeF16, float32(1/math.Sqrt(float64(d))), d, 4*d)
	g.random(prefix+"mlp.0.bias", typeF32, 0.02, 4*d)
	g.random(prefix+"mlp.2.weight", typeF16, float32(1/math.Sqrt(float64(4*d))), 4*d, d)
	g.random(prefix+"mlp.2.bias", typeF32, 0.02, d)
}

func (g *gen) constant(name string, v float32, ne ...int) {
	data := make([]float32, product(ne))
	for i := range data {
		data[i] = v
	}
	g.tensor(name, typeF32, data, ne...)
}

func (g *gen) random(name string, typ int32, std float32, ne ...int) {
	data := make([]float32, product(ne))
	for i := range data {
		data[i] = g.rng.normal() * std
	}
	g.tensor(name, typ, data, ne...)
}

// tensor writes one tensor; ne lists the dimensions innermost first, as ggml does.
func (g *gen) tensor(name string, typ int32, data []float32, ne ...int) {
	w := g.w
	w.i32(int32(len(ne)))
	w.i32(int32(len(name)))
	w.i32(typ)
	for _, n := range ne {
		w.i32(int32(n))
	}
	w.bytes([]byte(name))
	for _, v := range data {
		if typ == typeF16 {
			w.u16(f16(v))
		} else {
			w.f32(v)
		}
	}
}

func product(ne []int) int {
	n := 1
	for _, v := range ne {
		n *= v
	}
	return n
}

// sinusoids is whisper's positional embedding, scaled; row t holds position t.
func sinusoids(length, channels int, scale float64) []float32 {
	out := make([]float32, length*channels)
	half := channels / 2
	inc := math.Log(10000) / float64(half-1)
	for t := 0; t < length; t++ {
		for i := 0; i < half; i++ {
			a := float64(t) * math.Exp(-inc*float64(i))
			out[t*channels+i] = float32(scale * math.Sin(a))
			out[t*channels+half+i] = float32(scale * math.Cos(a))
		}
	}
	return out
}

// melFilters is librosa.filters.mel(sr=16000, n_fft=400, n_mels=n, htk=False, norm="slaney"), the
// filter bank whisper's mel_filters.npz holds, row-major [n][201].
func melFilters(n int) []float32 {
	hzToMel := func(f float64) float64 {
		const fSp = 200.0 / 3
		minLogHz, minLogMel, logStep := 1000.0, 1000.0/fSp, math.Log(6.4)/27
		if f >= minLogHz {
			return minLogMel + math.Log(f/minLogHz)/logStep
		}
		return f / fSp
	}
	melToHz := func(m float64) float64 {
		const fSp = 200.0 / 3
		minLogHz, minLogMel, logStep := 1000.0, 1000.0/fSp, math.Log(6.4)/27
		if m >= minLogMel {
			return minLogHz * math.Exp(logStep*(m-minLogMel))
		}
		return fSp * m
	}
	fftFreqs := make([]float64, nFFT)
	for i := range fftFreqs {
		fftFreqs[i] = float64(i) * sampleRate / 400
	}
	lo, hi := hzToMel(0), hzToMel(sampleRate/2)
	melF := make([]float64, n+2)
	for i := range melF {
		melF[i] = melToHz(lo + (hi-lo)*float64(i)/float64(n+1))
	}
	out := make([]float32, n*nFFT)
	for m := 0; m < n; m++ {
		enorm := 2 / (melF[m+2] - melF[m])
		for k, f := range fftFreqs {
			lower := (f - melF[m]) / (melF[m+1] - melF[m])
			upper := (melF[m+2] - f) / (melF[m+2] - melF[m+1])
			v := math.Max(0, math.Min(lower, upper))
			out[m*nFFT+k] = float32(v * enorm)
		}
	}
	return out
}

// vocab returns the 50257 text tokens stored in the file: the 256 single bytes in GPT-2 order, then
// distinct synthetic words, then the empty token the multilingual files carry at id 50256.
func vocab() []string {
	toks := make([]string, 0, nFileVocab)
	var bs []int
	for b := '!'; b <= '~'; b++ {
		bs = append(bs, int(b))
	}
	for b := 0xA1; b <= 0xAC; b++ {
		bs = append(bs, b)
	}
	for b := 0xAE; b <= 0xFF; b++ {
		bs = append(bs, b)
	}
	seen := make(map[int]bool, 256)
	for _, b := range bs {
		seen[b] = true
	}
	for b := 0; b < 256; b++ {
		if !seen[b] {
			bs = append(bs, b)
		}
	}
	for _, b := range bs {
		toks = append(toks, string([]byte{byte(b)}))
	}
	// Synthetic words: consonant-vowel syllables, with and without a leading space, so that
	// whisper.cpp's word splitting and the tokenizer see realistic pieces.
	const cons, vows = "bcdfghjklmnprstvwz", "aeiou"
	var syl []string
	for _, c := range cons {
		for _, v := range vows {
			syl = append(syl, string(c)+string(v))
		}
	}
	used := make(map[string]bool)
	for _, t := range toks {
		used[t] = true
	}
	add := func(t string) {
		if len(toks) < nFileVocab-1 && !used[t] {
			used[t] = true
			toks = append(toks, t)
		}
	}
	for _, a := range syl {
		add(" " + a)
		add(a)
	}
	for _, a := range syl {
		for _, b := range syl {
			add(" " + a + b)
			add(a + b)
		}
	}
	// Three-syllable words in a scrambled order (7919 is coprime to 90³).
	n := len(syl)
	for i := 0; i < n*n*n && len(toks) < nFileVocab-1; i++ {
		k := i * 7919 % (n * n * n)
		add(" " + syl[k/(n*n)] + syl[k/n%n] + syl[k%n])
	}
	toks = append(toks, "")
	if len(toks) != nFileVocab {
		panic(fmt.Sprintf("testmodel: vocab has %d tokens", len(toks)))
	}
	return toks
}

type writer struct {
	w   *bufio.Writer
	err error
	buf [4]byte
}

func (w *writer) bytes(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *writer) i32(v int32) {
	binary.LittleEndian.PutUint32(w.buf[:], uint32(v))
	w.bytes(w.buf[:4])
}

func (w *writer) u16(v uint16) {
	binary.LittleEndian.PutUint16(w.buf[:], v)
	w.bytes(w.buf[:2])
}

func (w *writer) f32(v float32) {
	binary.LittleEndian.PutUint32(w.buf[:], math.Float32bits(v))
	w.bytes(w.buf[:4])
}

// f16 converts to IEEE half precision, rounding to nearest even.
func f16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b >> 23) & 0xff)
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf, NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15:
		return sign | 0x7c00
	case exp-127 >= -14: // normal
		e := uint32(exp - 127 + 15)
		m := man >> 13
		rest := man & 0x1fff
		h := e<<10 | m
		if rest > 0x1000 || (rest == 0x1000 && m&1 == 1) {
			h++ // may carry into the exponent, which is correct
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal
		man |= 0x800000
		shift := uint(-14-(exp-127)) + 13
		m := man >> shift
		rest := man & (1<<shift - 1)
		halfway := uint32(1) << (shift - 1)
		if rest > halfway || (rest == halfway && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	return sign
}

// rng is splitmix64: fast, and stable across Go releases (the file bytes must not change).
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// normal returns an approximately standard normal number (Irwin–Hall sum of 4 uniforms, scaled).
func (r *rng) normal() float32 {
	var s float64
	for i := 0; i < 4; i++ {
		s += float64(r.next()>>11) / (1 << 53)
	}
	return float32((s - 2) * math.Sqrt(3))
}
