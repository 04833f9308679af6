package cli

import (
	"errors"
	"fmt"

	"github.com/hushscribe/hushscribe/internal/onnxrt"
	"github.com/hushscribe/hushscribe/internal/vad"
)

// vadModelEnv names a Silero VAD model file outside the models folder (build/onnx.sh's, in CI).
const vadModelEnv = "HUSHSCRIBE_SILERO_VAD"

// speechDetector opens Silero VAD for transcription. mode is "auto" (use it when ONNX Runtime and the
// silero-vad model are installed, else transcribe everything), "on" (required: an error when
// unavailable) or "off". It returns a nil detector when VAD is not used, and a close function always.
func speechDetector(env Env, modelsDir, mode string) (vad.Detector, func(), error) {
	nop := func() {}
	if mode == "off" {
		return nil, nop, nil
	}
	det, closeFn, err := openSilero(env, modelsDir)
	if err != nil {
		if mode == "on" {
			return nil, nop, withCode(ExitNoModel, err)
		}
		return nil, nop, nil
	}
	return det, closeFn, nil
}

func openSilero(env Env, modelsDir string) (*vad.Silero, func(), error) {
	lib := onnxrt.Locate(env.Getenv)
	if lib == "" {
		return nil, nil, fmt.Errorf("%w: ONNX Runtime (%s) is not installed beside hushscribe and $%s is not set", vad.ErrUnavailable, onnxrt.LibraryName(), onnxrt.LibraryEnv)
	}
	model := installedModel(env, modelsDir, "silero-vad")
	if model == "" {
		model = onnxrt.Find(env.Getenv(vadModelEnv))
	}
	if model == "" {
		return nil, nil, fmt.Errorf("%w: the silero-vad model is not installed: run `hushscribe models download silero-vad` (or `hushscribe models import silero_vad.onnx` offline)", vad.ErrUnavailable)
	}
	rt, err := onnxrt.Load(lib)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", vad.ErrUnavailable, err)
	}
	det, err := vad.Open(rt, model, vad.Config{})
	if err != nil {
		rt.Close()
		return nil, nil, fmt.Errorf("%w: %w", vad.ErrUnavailable, err)
	}
	return det, func() { det.Close(); rt.Close() }, nil
}

func parseVADMode(s string, off bool) (string, error) {
	if off {
		return "off", nil
	}
	switch s {
	case "auto", "on", "off":
		return s, nil
	}
	return "", errors.New("-vad must be auto, on or off")
}
