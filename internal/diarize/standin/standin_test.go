package standin_test

import (
	"testing"

	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
	ort "github.com/yalue/onnxruntime_go"
)

// TestStandinsLoad: ONNX Runtime accepts the hand-encoded models, with the real models' inputs,
// outputs, shapes and metadata.
func TestStandinsLoad(t *testing.T) {
	rt := onnxrttest.Runtime(t)
	seg, err := rt.OpenBytes(standin.Segmentation(1), []string{"x"}, []string{"y"}, onnxrt.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	if md := seg.Metadata(); md["model_type"] != "pyannote-segmentation-3.0" || md["receptive_field_shift"] != "270" || md["num_speakers"] != "3" {
		t.Errorf("segmentation metadata %v", md)
	}
	x, _ := ort.NewTensor(ort.NewShape(1, 1, standin.SegWindow), make([]float32, standin.SegWindow))
	defer x.Destroy()
	outs, err := seg.Run([]ort.Value{x})
	if err != nil {
		t.Fatal(err)
	}
	_, shape, _ := onnxrt.Float32(outs[0])
	onnxrt.Destroy(outs...)
	if len(shape) != 3 || shape[0] != 1 || shape[1] != 589 || shape[2] != 7 {
		t.Errorf("segmentation output shape %v, want [1 589 7] like pyannote's", shape)
	}

	emb, err := rt.OpenBytes(standin.Embedding(1, 256), []string{"feats"}, []string{"embs"}, onnxrt.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	if md := emb.Metadata(); md["framework"] != "wespeaker" || md["output_dim"] != "256" {
		t.Errorf("embedding metadata %v", md)
	}
	f, _ := ort.NewTensor(ort.NewShape(2, 100, 80), make([]float32, 2*100*80))
	defer f.Destroy()
	outs, err = emb.Run([]ort.Value{f})
	if err != nil {
		t.Fatal(err)
	}
	_, shape, _ = onnxrt.Float32(outs[0])
	onnxrt.Destroy(outs...)
	if len(shape) != 2 || shape[0] != 2 || shape[1] != 256 {
		t.Errorf("embedding output shape %v", shape)
	}
}
