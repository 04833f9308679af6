package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModelsInDir maps every whisper.cpp model file in dir (*.bin) to a model name for Config.Models:
// the file name without "ggml-" and ".bin", so ggml-base.en.bin serves as "base.en". Other files
// are ignored; a directory without models is an error.
func ModelsInDir(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("models directory: %w", err)
	}
	models := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".bin") || strings.HasPrefix(name, ".") {
			continue
		}
		id := strings.TrimPrefix(strings.TrimSuffix(name, ".bin"), "ggml-")
		if id == "" {
			continue
		}
		models[id] = filepath.Join(dir, name)
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("models directory %s: no *.bin model files", dir)
	}
	return models, nil
}
