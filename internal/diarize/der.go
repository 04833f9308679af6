package diarize

import "time"

// DER is the diarization error rate of hyp against ref, scored on 10 ms frames without a collar:
// (missed speech + false alarm + speaker confusion) / reference speech, with hypothesis speakers
// mapped to reference speakers to minimise the error (exhaustively over the mappings; meant for the
// handful of speakers in a benchmark recording). Overlapping speech counts once per speaker.
func DER(ref, hyp []Turn, total time.Duration) (der float64, missed, falseAlarm, confusion time.Duration) {
	const frame = 10 * time.Millisecond
	n := int(total / frame)
	grid := func(ts []Turn) ([][]bool, int) {
		k := 0
		for _, t := range ts {
			k = max(k, t.Speaker+1)
		}
		g := make([][]bool, k)
		for i := range g {
			g[i] = make([]bool, n)
		}
		for _, t := range ts {
			for f := max(int(t.Start/frame), 0); f < min(int(t.End/frame), n); f++ {
				g[t.Speaker][f] = true
			}
		}
		return g, k
	}
	r, nr := grid(ref)
	h, nh := grid(hyp)
	best := -1
	var bm, bf, bc int
	var speech int
	for f := range n {
		for s := range nr {
			if r[s][f] {
				speech++
			}
		}
	}
	// mapping[h] = reference speaker or -1
	mapping := make([]int, nh)
	var try func(i int, used []bool)
	try = func(i int, used []bool) {
		if i == nh {
			m, fa, c := 0, 0, 0
			for f := range n {
				nRef, nHyp, correct := 0, 0, 0
				for s := range nr {
					if r[s][f] {
						nRef++
					}
				}
				for j := range nh {
					if h[j][f] {
						nHyp++
						if mapping[j] >= 0 && r[mapping[j]][f] {
							correct++
						}
					}
				}
				m += max(nRef-nHyp, 0)
				fa += max(nHyp-nRef, 0)
				c += min(nRef, nHyp) - correct
			}
			if e := m + fa + c; best < 0 || e < best {
				best, bm, bf, bc = e, m, fa, c
			}
			return
		}
		mapping[i] = -1
		try(i+1, used)
		for s := range nr {
			if !used[s] {
				used[s] = true
				mapping[i] = s
				try(i+1, used)
				used[s] = false
			}
		}
	}
	try(0, make([]bool, nr))
	if speech == 0 {
		return 0, 0, time.Duration(bf) * frame, 0
	}
	return float64(best) / float64(speech), time.Duration(bm) * frame, time.Duration(bf) * frame, time.Duration(bc) * frame
}
