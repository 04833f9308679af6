package onnxrt

import (
	"fmt"
	"os"
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Info describes one model input or output.
type Info struct {
	Name  string
	Shape []int64 // -1 for dynamic dimensions
	Type  string  // ONNX element type, e.g. "float", "int64"
}

// Session is one loaded model. Run is safe for concurrent use (ONNX Runtime sessions are).
type Session struct {
	mu       sync.RWMutex
	s        *ort.DynamicAdvancedSession
	nOut     int
	inputs   []Info
	outputs  []Info
	metadata map[string]string
}

// SessionOptions configures a Session.
type SessionOptions struct {
	Threads int // intra-op threads; 0 = 1 (the models are small and run beside whisper.cpp)
}

// OpenFile reads the model at path and opens it with OpenBytes.
func (r *Runtime) OpenFile(path string, inputs, outputs []string, opt SessionOptions) (*Session, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnxrt: read model: %w", err)
	}
	return r.OpenBytes(data, inputs, outputs, opt)
}

// OpenBytes loads a model from memory. inputs and outputs are the names Run takes and returns, in
// order; a model lacking one of them is rejected with ErrModel.
func (r *Runtime) OpenBytes(data []byte, inputs, outputs []string, opt SessionOptions) (*Session, error) {
	process.mu.Lock()
	loaded := process.refs > 0
	process.mu.Unlock()
	if !loaded {
		return nil, ErrClosed
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	s := &Session{inputs: convert(ins), outputs: convert(outs), metadata: map[string]string{}, nOut: len(outputs)}
	for _, n := range inputs {
		if !slices.ContainsFunc(s.inputs, func(i Info) bool { return i.Name == n }) {
			return nil, fmt.Errorf("%w: no input %q", ErrModel, n)
		}
	}
	for _, n := range outputs {
		if !slices.ContainsFunc(s.outputs, func(i Info) bool { return i.Name == n }) {
			return nil, fmt.Errorf("%w: no output %q", ErrModel, n)
		}
	}
	if md, err := ort.GetModelMetadataWithONNXData(data); err == nil {
		keys, _ := md.GetCustomMetadataMapKeys()
		for _, k := range keys {
			if v, ok, err := md.LookupCustomMetadataMap(k); err == nil && ok {
				s.metadata[k] = v
			}
		}
		md.Destroy()
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnxrt: session options: %w", err)
	}
	defer so.Destroy()
	threads := max(opt.Threads, 1)
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("onnxrt: threads: %w", err)
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("onnxrt: threads: %w", err)
	}
	s.s, err = ort.NewDynamicAdvancedSessionWithONNXData(data, inputs, outputs, so)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	return s, nil
}

func convert(in []ort.InputOutputInfo) []Info {
	out := make([]Info, len(in))
	for i, x := range in {
		out[i] = Info{Name: x.Name, Shape: slices.Clone([]int64(x.Dimensions)), Type: x.DataType.String()}
	}
	return out
}

// Inputs describes the model's inputs.
func (s *Session) Inputs() []Info { return s.inputs }

// Outputs describes the model's outputs.
func (s *Session) Outputs() []Info { return s.outputs }

// Metadata returns the model's custom metadata (ONNX metadata_props).
func (s *Session) Metadata() map[string]string { return s.metadata }

// Run runs the model. inputs are in the order given at open; outputs are allocated by ONNX Runtime
// and must be destroyed by the caller (Destroy).
func (s *Session) Run(inputs []ort.Value) ([]ort.Value, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.s == nil {
		return nil, ErrClosed
	}
	outs := make([]ort.Value, s.nOut)
	if err := s.s.Run(inputs, outs); err != nil {
		return nil, fmt.Errorf("onnxrt: run: %w", err)
	}
	return outs, nil
}

// Close frees the session. Safe to call twice.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.s == nil {
		return nil
	}
	err := s.s.Destroy()
	s.s = nil
	return err
}

// Float32 returns a copy of a float32 output's data and its shape.
func Float32(v ort.Value) ([]float32, []int64, error) {
	t, ok := v.(*ort.Tensor[float32])
	if !ok {
		return nil, nil, fmt.Errorf("%w: output is %T, want float32 tensor", ErrModel, v)
	}
	return slices.Clone(t.GetData()), slices.Clone([]int64(t.GetShape())), nil
}

// Destroy destroys values, ignoring nils.
func Destroy(vs ...ort.Value) {
	for _, v := range vs {
		if v != nil {
			v.Destroy()
		}
	}
}

// RunInto runs the model into caller-allocated outputs (in the order given at open), avoiding an
// allocation per call for models run many times (Silero VAD runs once per 32 ms).
func (s *Session) RunInto(inputs, outputs []ort.Value) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.s == nil {
		return ErrClosed
	}
	if err := s.s.Run(inputs, outputs); err != nil {
		return fmt.Errorf("onnxrt: run: %w", err)
	}
	return nil
}
