package diarize

import (
	"math/rand/v2"
	"testing"
)

// synthetic returns n embeddings around each of k random unit centres (noise std sigma per dimension).
func synthetic(r *rand.Rand, k, n, dim int, sigma float64) ([][]float32, []int) {
	centres := make([][]float32, k)
	for c := range centres {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		centres[c] = normalize(v)
	}
	var embs [][]float32
	var truth []int
	for i := range n * k {
		c := r.IntN(k)
		v := make([]float32, dim)
		for d := range v {
			v[d] = centres[c][d] + float32(r.NormFloat64()*sigma)
		}
		embs = append(embs, normalize(v))
		truth = append(truth, c)
		_ = i
	}
	return embs, truth
}

// purity: every cluster holds one true speaker only, and (with exact) each speaker one cluster.
func purity(got, truth []int) (pure bool, clusters int) {
	owner := map[int]int{}
	seen := map[int]bool{}
	pure = true
	for i, g := range got {
		seen[g] = true
		if o, ok := owner[g]; ok && o != truth[i] {
			pure = false
		}
		owner[g] = truth[i]
	}
	return pure, len(seen)
}

func TestClusterKnownCount(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{2, 3, 5, 8} {
		embs, truth := synthetic(r, k, 12, 256, 0.04)
		got := Cluster(embs, k, 0)
		pure, n := purity(got, truth)
		if !pure || n != k {
			t.Errorf("%d speakers: pure=%v clusters=%d", k, pure, n)
		}
	}
}

func TestClusterAuto(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, k := range []int{1, 2, 4, 6} {
		embs, truth := synthetic(r, k, 10, 256, 0.04)
		got := Cluster(embs, 0, DefaultThreshold)
		pure, n := purity(got, truth)
		if !pure || n != k {
			t.Errorf("%d speakers, auto: pure=%v clusters=%d", k, pure, n)
		}
	}
}

func TestClusterEdges(t *testing.T) {
	if Cluster(nil, 2, 0) != nil {
		t.Error("no embeddings")
	}
	one := [][]float32{{1, 0}}
	if got := Cluster(one, 3, 0); len(got) != 1 || got[0] != 0 {
		t.Errorf("one embedding, 3 speakers asked: %v", got)
	}
	// labels are numbered in order of first appearance
	embs := [][]float32{{0, 1}, {1, 0}, {0, 1}}
	if got := Cluster(embs, 2, 0); got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Errorf("labels %v", got)
	}
}
