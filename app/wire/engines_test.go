package wire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// countingEngines is an app.Engines that counts Opens and Closes and remembers how many copies of
// each model were loaded at once.
type countingEngines struct {
	mu      sync.Mutex
	fail    error // returned by Open when set
	opens   int   // Open calls, failed ones included
	closes  int
	live    map[engineKey]int
	maxLive int
	doubles int // Closes of an already closed model
}

func (e *countingEngines) Open(path string, gpu bool) (app.Transcriber, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opens++
	if e.fail != nil {
		return nil, e.fail
	}
	k := engineKey{path, app.DeviceCPU}
	if gpu {
		k.device = app.DeviceAuto
	}
	if e.live == nil {
		e.live = map[engineKey]int{}
	}
	e.live[k]++
	e.maxLive = max(e.maxLive, e.live[k])
	return &countingModel{e: e, k: k}, nil
}

func (e *countingEngines) counts() (opens, closes int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opens, e.closes
}

type countingModel struct {
	e      *countingEngines
	k      engineKey
	closed bool
}

func (m *countingModel) Transcribe(context.Context, []float32, app.TranscribeOptions) (*transcript.Transcript, error) {
	return &transcript.Transcript{Model: fmt.Sprintf("%s/%v", m.k.path, m.k.device != app.DeviceCPU)}, nil
}

func (m *countingModel) Close() error {
	m.e.mu.Lock()
	defer m.e.mu.Unlock()
	if m.closed {
		m.e.doubles++
		return nil
	}
	m.closed = true
	m.e.closes++
	m.e.live[m.k]--
	return nil
}

// TestSharedEngines runs scripted Opens and Closes of named handles and checks how often the
// wrapped engines opened and closed a model after each step.
func TestSharedEngines(t *testing.T) {
	errLoad := errors.New("bad model")
	type step struct {
		op     string // "open", "close" or "fail" (the next Opens fail; "" path clears it)
		h      string // handle name
		path   string
		gpu    bool
		opens  int // wrapped Opens so far
		closes int // wrapped Closes so far
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"same key shares", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m1", opens: 1},
			{op: "open", h: "c", path: "m1", opens: 1},
			{op: "close", h: "a", opens: 1},
			{op: "close", h: "b", opens: 1},
			{op: "close", h: "c", opens: 1, closes: 1},
		}},
		{"different path does not share", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m2", opens: 2},
			{op: "close", h: "a", opens: 2, closes: 1},
			{op: "close", h: "b", opens: 2, closes: 2},
		}},
		{"different gpu does not share", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m1", gpu: true, opens: 2},
			{op: "open", h: "c", path: "m1", gpu: true, opens: 2},
			{op: "close", h: "b", opens: 2},
			{op: "close", h: "c", opens: 2, closes: 1},
			{op: "close", h: "a", opens: 2, closes: 2},
		}},
		{"the first opener may close first", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m1", opens: 1},
			{op: "close", h: "a", opens: 1},
			{op: "open", h: "c", path: "m1", opens: 1},
			{op: "close", h: "b", opens: 1},
			{op: "close", h: "c", opens: 1, closes: 1},
		}},
		{"reopen after the last close loads again", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "close", h: "a", opens: 1, closes: 1},
			{op: "open", h: "b", path: "m1", opens: 2, closes: 1},
			{op: "close", h: "b", opens: 2, closes: 2},
		}},
		{"double close drops one reference", []step{
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m1", opens: 1},
			{op: "close", h: "a", opens: 1},
			{op: "close", h: "a", opens: 1},
			{op: "close", h: "b", opens: 1, closes: 1},
			{op: "close", h: "b", opens: 1, closes: 1},
		}},
		{"an Open error is not cached", []step{
			{op: "fail", path: "x"},
			{op: "open", h: "a", path: "m1", opens: 1},
			{op: "open", h: "b", path: "m1", opens: 2},
			{op: "fail"},
			{op: "open", h: "c", path: "m1", opens: 3},
			{op: "open", h: "d", path: "m1", opens: 3},
			{op: "close", h: "c", opens: 3},
			{op: "close", h: "d", opens: 3, closes: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &countingEngines{}
			s := newSharedEngines(fake)
			hs := map[string]app.Transcriber{}
			for i, st := range tt.steps {
				switch st.op {
				case "fail":
					fake.mu.Lock()
					fake.fail = nil
					if st.path != "" {
						fake.fail = errLoad
					}
					fake.mu.Unlock()
					continue
				case "open":
					h, err := s.Open(st.path, st.gpu)
					fake.mu.Lock()
					failing := fake.fail != nil
					fake.mu.Unlock()
					switch {
					case failing && !errors.Is(err, errLoad):
						t.Fatalf("step %d: Open = %v, want the load error", i, err)
					case !failing && err != nil:
						t.Fatalf("step %d: Open: %v", i, err)
					case !failing:
						hs[st.h] = h
						tr, err := h.Transcribe(context.Background(), nil, app.TranscribeOptions{})
						if want := fmt.Sprintf("%s/%v", st.path, st.gpu); err != nil || tr.Model != want {
							t.Errorf("step %d: Transcribe = %v, %v; want model %s", i, tr, err, want)
						}
					}
				case "close":
					if err := hs[st.h].Close(); err != nil {
						t.Errorf("step %d: Close: %v", i, err)
					}
				}
				if o, c := fake.counts(); o != st.opens || c != st.closes {
					t.Errorf("step %d (%s %s): %d opens, %d closes; want %d, %d", i, st.op, st.h, o, c, st.opens, st.closes)
				}
			}
			if fake.doubles != 0 {
				t.Errorf("a model was closed %d times too often", fake.doubles)
			}
			if len(s.open) != 0 {
				t.Errorf("%d models still listed after every handle closed", len(s.open))
			}
		})
	}
}

// TestSharedEnginesClosedHandle checks that a closed handle no longer reaches the model, even while
// another handle keeps it loaded.
func TestSharedEnginesClosedHandle(t *testing.T) {
	s := newSharedEngines(&countingEngines{})
	a, err := s.Open("m1", false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Open("m1", false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Close()
	if _, err := a.Transcribe(context.Background(), nil, app.TranscribeOptions{}); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("Transcribe on a closed handle = %v, want app.ErrUnavailable", err)
	}
	if _, err := b.Transcribe(context.Background(), nil, app.TranscribeOptions{}); err != nil {
		t.Errorf("Transcribe on the open handle: %v", err)
	}
}

// TestSharedEnginesConcurrent opens and closes one model from many goroutines: never two copies at
// once, and every Open is matched by one Close.
func TestSharedEnginesConcurrent(t *testing.T) {
	fake := &countingEngines{}
	s := newSharedEngines(fake)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				h, err := s.Open("m1", false)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := h.Transcribe(context.Background(), nil, app.TranscribeOptions{}); err != nil {
					t.Error(err)
				}
				h.Close()
				h.Close()
			}
		}()
	}
	wg.Wait()
	o, c := fake.counts()
	if o != c || o == 0 {
		t.Errorf("%d opens, %d closes", o, c)
	}
	if fake.maxLive != 1 || fake.doubles != 0 {
		t.Errorf("%d copies at once, %d double closes", fake.maxLive, fake.doubles)
	}
}
