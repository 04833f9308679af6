// Package diarize finds who spoke when in 16 kHz mono audio, fully on the device, from three stages:
//
//  1. Segmentation: pyannote segmentation-3.0 (ONNX, the interface sherpa-onnx exports; see package
//     standin) runs over 10 s windows every Config.Step and says, for every 17 ms frame (270 samples),
//     which of up to three local speakers talk (its 7-class powerset: nobody, one of three, or two
//     at once).
//  2. Embeddings: for each window and local speaker, the frames where that speaker talks alone are cut
//     out and turned into a voice fingerprint by a speaker embedding model (WeSpeaker ResNet34 or CAM++,
//     or 3D-Speaker's; ONNX "feats" [B, T, 80] -> "embs" [B, dim]) from Kaldi filter-bank features
//     (fbank.go, checked against sherpa-onnx's own features).
//  3. Clustering: agglomerative, average linkage on cosine distance (Cluster), either to the number
//     of speakers the user gives or, automatically, until the closest speakers are further apart than
//     Config.Threshold. Each window's local speakers are then mapped to global speakers and the
//     per-frame votes of the overlapping windows decide who talks where (Turns).
//
// Assign gives a transcript's words and segments the speaker they overlap most and splits segments
// where the speaker changes. Profiles (package voiceprint) match the speakers' centroid embeddings
// against saved voices.
//
// The real models cannot be downloaded in CI; package standin writes stand-ins with the same
// interfaces and random weights, so every stage runs in the tests, and reference_test.go checks the
// features and embeddings against sherpa-onnx-node (the same stand-in model through sherpa-onnx's own
// implementation). The cost of clustering grows with the cube of the number of embeddings (about two
// per 5 s step of speech): seconds for an hour.
package diarize

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// SampleRate is the sample rate Diarize expects.
const SampleRate = 16000

// DefaultThreshold is the cosine distance below which automatic clustering merges two speakers.
const DefaultThreshold = 0.5

// Config tunes diarization. Zero fields take the defaults in parentheses.
type Config struct {
	Speakers     int           // the number of speakers if known; 0 = find it (Threshold)
	Threshold    float64       // automatic clustering's merge distance (DefaultThreshold)
	Step         time.Duration // segmentation window step (5 s)
	MinEmbedding time.Duration // least solo speech of a local speaker to take its fingerprint (0.4 s)
	MinTurn      time.Duration // shorter turns are dropped (0.25 s)
	MaxGap       time.Duration // pauses shorter than this inside one speaker's turn are bridged (0.5 s)
}

func (c Config) withDefaults() Config {
	if c.Threshold <= 0 {
		c.Threshold = DefaultThreshold
	}
	if c.Step <= 0 {
		c.Step = 5 * time.Second
	}
	if c.MinEmbedding <= 0 {
		c.MinEmbedding = 400 * time.Millisecond
	}
	if c.MinTurn <= 0 {
		c.MinTurn = 250 * time.Millisecond
	}
	if c.MaxGap <= 0 {
		c.MaxGap = 500 * time.Millisecond
	}
	return c
}

// Turn is a stretch of time one speaker talks. Turns of different speakers may overlap.
type Turn struct {
	Start, End time.Duration
	Speaker    int // 0..Result.Speakers-1
}

// Result is who spoke when.
type Result struct {
	Turns    []Turn
	Speakers int
	// Centroids holds each speaker's mean (L2-normalised) embedding: what a voice profile saves.
	Centroids [][]float32
}

// Diarizer runs the pipeline. It is safe for concurrent use.
type Diarizer struct {
	seg *Segmenter
	emb *Embedder
}

// New returns a Diarizer on loaded models; closing them stays with the caller.
func New(seg *Segmenter, emb *Embedder) *Diarizer { return &Diarizer{seg: seg, emb: emb} }

// chunk is one local speaker of one window and its fingerprint.
type chunk struct {
	window, local int
	emb           []float32
}

// Diarize finds who spoke when in samples (16 kHz mono).
func (d *Diarizer) Diarize(ctx context.Context, samples []float32, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if cfg.Speakers < 0 {
		return nil, fmt.Errorf("diarize: %d speakers", cfg.Speakers)
	}
	win, stride, field := d.seg.window, d.seg.stride, d.seg.field
	step := max(int(cfg.Step*SampleRate/time.Second), stride)
	var starts []int
	for s := 0; ; s += step {
		starts = append(starts, s)
		if s+win >= len(samples) {
			break
		}
	}
	classes := make([][]int, len(starts))
	var chunks []chunk
	buf := make([]float32, win)
	minEmb := int(cfg.MinEmbedding * SampleRate / time.Second)
	for w, s := range starts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("diarize: %w", err)
		}
		n := copy(buf, samples[min(s, len(samples)):min(s+win, len(samples))])
		clear(buf[n:])
		cls, err := d.seg.Frames(buf)
		if err != nil {
			return nil, err
		}
		classes[w] = cls
		for k := range 3 {
			var solo []float32
			for f, c := range cls {
				if c == k+1 { // alone
					a := s + f*stride + (field-stride)/2
					solo = append(solo, samples[min(a, len(samples)):min(a+stride, len(samples))]...)
				}
			}
			if len(solo) < minEmb {
				continue
			}
			e, err := d.emb.Embed(solo)
			if err != nil {
				return nil, err
			}
			chunks = append(chunks, chunk{window: w, local: k, emb: e})
		}
	}
	res := &Result{}
	if len(chunks) == 0 {
		return res, nil
	}
	embs := make([][]float32, len(chunks))
	for i, c := range chunks {
		embs[i] = c.emb
	}
	labels := Cluster(embs, cfg.Speakers, cfg.Threshold)
	speakers := 0
	global := map[[2]int]int{}
	for i, c := range chunks {
		global[[2]int{c.window, c.local}] = labels[i]
		speakers = max(speakers, labels[i]+1)
	}
	// Votes per frame-sized bin of the recording: how many windows cover it, and how many say that
	// each speaker talks there.
	bins := (len(samples) + stride - 1) / stride
	cover := make([]uint16, bins)
	votes := make([][]uint16, speakers)
	for i := range votes {
		votes[i] = make([]uint16, bins)
	}
	for w, s := range starts {
		for f, c := range classes[w] {
			b := (s + f*stride + field/2) / stride
			if b >= bins {
				break
			}
			cover[b]++
			for _, k := range powerset[c] {
				if g, ok := global[[2]int{w, k}]; ok {
					votes[g][b]++
				}
			}
		}
	}
	total := time.Duration(len(samples)) * time.Second / SampleRate
	binDur := func(b int) time.Duration { return time.Duration(b*stride) * time.Second / SampleRate }
	for g := range speakers {
		var turns []Turn
		for b := 0; b < bins; {
			if cover[b] == 0 || 2*votes[g][b] < cover[b] || votes[g][b] == 0 {
				b++
				continue
			}
			e := b
			for e < bins && cover[e] > 0 && 2*votes[g][e] >= cover[e] && votes[g][e] > 0 {
				e++
			}
			t := Turn{Start: binDur(b), End: min(binDur(e), total), Speaker: g}
			if k := len(turns); k > 0 && t.Start-turns[k-1].End < cfg.MaxGap {
				turns[k-1].End = t.End
			} else {
				turns = append(turns, t)
			}
			b = e
		}
		for _, t := range turns {
			if t.End-t.Start >= cfg.MinTurn {
				res.Turns = append(res.Turns, t)
			}
		}
	}
	sort.Slice(res.Turns, func(i, j int) bool {
		if res.Turns[i].Start != res.Turns[j].Start {
			return res.Turns[i].Start < res.Turns[j].Start
		}
		return res.Turns[i].Speaker < res.Turns[j].Speaker
	})
	res.Speakers = speakers
	for g := range speakers {
		var mine [][]float32
		for i, l := range labels {
			if l == g {
				mine = append(mine, embs[i])
			}
		}
		res.Centroids = append(res.Centroids, centroid(mine))
	}
	return res, nil
}
