// Command hs-testmodel writes a generated whisper model (random weights, real shapes; see package
// testmodel) for scripts that test built binaries: build/packagetest.sh, the Windows run under Wine.
//
//	go run ./internal/testmodel/cmd/hs-testmodel -shape micro -o model.bin
//
// It prints the file's path.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func main() {
	shape := flag.String("shape", "micro", "model shape: micro or tiny")
	out := flag.String("o", "ggml-micro.bin", "output file")
	seed := flag.Int64("seed", testmodel.DefaultSeed, "random seed")
	flag.Parse()
	shapes := map[string]testmodel.Shape{"micro": testmodel.Micro, "tiny": testmodel.Tiny}
	s, ok := shapes[*shape]
	if !ok {
		fmt.Fprintf(os.Stderr, "hs-testmodel: unknown shape %q (micro or tiny)\n", *shape)
		os.Exit(2)
	}
	if err := testmodel.WriteFile(*out, s, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "hs-testmodel: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(*out)
}
