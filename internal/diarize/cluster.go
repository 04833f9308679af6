package diarize

import (
	"math"
)

// Cluster groups L2-normalised embeddings by agglomerative clustering with average linkage on cosine
// distance (1 - cosine similarity). With speakers > 0 it merges until exactly that many clusters are
// left (fewer only when there are fewer embeddings); otherwise it merges while the closest two clusters
// are nearer than threshold. It returns each embedding's cluster, numbered 0.. in order of first
// appearance.
func Cluster(embs [][]float32, speakers int, threshold float64) []int {
	n := len(embs)
	if n == 0 {
		return nil
	}
	// distance matrix between clusters (average linkage, kept up to date by Lance-Williams)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
		for j := range i {
			d[i][j] = 1 - cosine(embs[i], embs[j])
			d[j][i] = d[i][j]
		}
	}
	size := make([]int, n)
	of := make([]int, n) // embedding -> cluster representative
	alive := make([]bool, n)
	for i := range n {
		size[i], of[i], alive[i] = 1, i, true
	}
	count := n
	for count > 1 {
		bi, bj, best := -1, -1, math.Inf(1)
		for i := range n {
			if !alive[i] {
				continue
			}
			for j := i + 1; j < n; j++ {
				if alive[j] && d[i][j] < best {
					bi, bj, best = i, j, d[i][j]
				}
			}
		}
		if speakers > 0 && count <= speakers || speakers <= 0 && best >= threshold {
			break
		}
		// merge bj into bi
		for k := range n {
			if alive[k] && k != bi && k != bj {
				v := (float64(size[bi])*d[bi][k] + float64(size[bj])*d[bj][k]) / float64(size[bi]+size[bj])
				d[bi][k], d[k][bi] = v, v
			}
		}
		size[bi] += size[bj]
		alive[bj] = false
		for k := range of {
			if of[k] == bj {
				of[k] = bi
			}
		}
		count--
	}
	label := map[int]int{}
	out := make([]int, n)
	for i, r := range of {
		l, ok := label[r]
		if !ok {
			l = len(label)
			label[r] = l
		}
		out[i] = l
	}
	return out
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// Similarity is the cosine similarity of two embeddings, in [-1, 1].
func Similarity(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	return cosine(a, b)
}

// centroid is the normalised mean of embeddings.
func centroid(embs [][]float32) []float32 {
	if len(embs) == 0 {
		return nil
	}
	c := make([]float32, len(embs[0]))
	for _, e := range embs {
		for i, v := range e {
			c[i] += v
		}
	}
	return normalize(c)
}
