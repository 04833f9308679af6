// Command benchcmp measures Hushscribe against whisper.cpp's own whisper-cli, side by side in one run,
// because machines are noisy and only ratios measured together mean anything.
//
// For every input it converts the file to a 16 kHz mono 16-bit WAV (the format whisper-cli reads; a
// benchmark-only temporary file), then runs, in alternation and for -rounds rounds,
//
//	hushscribe transcribe -model M -threads T -beam-size 1 -no-fallback -language en -f json FILE.wav
//	whisper-cli -m M -t T -bs 1 -bo 1 -nf -sns -l en -np -f FILE.wav
//
// and reports the median wall time and peak resident memory (getrusage of each child) of both, and
// their ratios. It also reports how fast internal/audio decodes the original files, in multiples of real
// time. Usage:
//
//	go run -tags sqlite_fts5 ./internal/benchcmp -bin bin/hushscribe-headless -model /path/model.bin \
//	    -whisper-cli "$WHISPER_CLI" ../shared/corpus/*.flac
//
// -device DEV runs both on a compute device: hushscribe with -device DEV, whisper-cli with -ng for
// "cpu" or -dev N (-cli-gpu N, default 0) for a GPU, e.g. the engine against whisper-cli on Vulkan.
// -baseline BIN compares -bin against another hushscribe binary instead of whisper-cli, e.g. the
// dynamic build (CPU variant chosen at run time) against the old fixed x86-64-v3 build
// (build/gpu-bench.sh builds both).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

type config struct {
	bin, cli, model  string
	baseline, device string
	shape            string
	cliGPU           int
	threads, rounds  int
	files            []string
}

type sample struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/hushscribe-headless", "the hushscribe binary")
	flag.StringVar(&c.cli, "whisper-cli", os.Getenv("WHISPER_CLI"), "whisper.cpp's whisper-cli built from the same source")
	flag.StringVar(&c.model, "model", "", "ggml model file both programs load (default: a generated tiny-shaped model with random weights)")
	flag.IntVar(&c.threads, "threads", 2, "threads for both")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating rounds per file")
	flag.StringVar(&c.device, "device", "", "compute device for both (auto, cpu, Vulkan0, ...); default: each program's own default")
	flag.IntVar(&c.cliGPU, "cli-gpu", 0, "whisper-cli's GPU index (-dev) when -device is a GPU")
	flag.StringVar(&c.baseline, "baseline", "", "another hushscribe binary to compare -bin against, instead of whisper-cli")
	flag.StringVar(&c.shape, "shape", "tiny", "shape of the generated model when -model is not given: micro, tiny, base or small")
	flag.Parse()
	c.files = flag.Args()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if c.cli == "" && c.baseline == "" || len(c.files) == 0 {
		return fmt.Errorf("need -whisper-cli (or $WHISPER_CLI) or -baseline, and at least one file")
	}
	bName := "cli"
	if c.baseline != "" {
		bName = "base"
	}
	tmp, err := os.MkdirTemp("", "benchcmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.model == "" {
		shapes := map[string]testmodel.Shape{"micro": testmodel.Micro, "tiny": testmodel.Tiny, "base": testmodel.Base, "small": testmodel.Small}
		sh, ok := shapes[c.shape]
		if !ok {
			return fmt.Errorf("-shape %q: want micro, tiny, base or small", c.shape)
		}
		c.model = filepath.Join(tmp, sh.Name+"-random.bin")
		if err := testmodel.WriteFile(c.model, sh, testmodel.DefaultSeed); err != nil {
			return fmt.Errorf("generate model: %w", err)
		}
		fmt.Printf("model: generated %s-shaped model with random weights (timings are real, text is noise)\n", sh.Name)
	}

	fmt.Printf("%-26s %8s %10s %10s %7s %9s %9s %7s %8s\n", "file", "audio", "ours", bName, "time×", "ours MB", bName+" MB", "mem×", "ours RTF")
	var sumOurs, sumCLI time.Duration
	var maxOurs, maxCLI int64
	for _, f := range c.files {
		wav := filepath.Join(tmp, filepath.Base(f)+".wav")
		if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", f, "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", wav).CombinedOutput(); err != nil {
			return fmt.Errorf("convert %s: %v: %s", f, err, out)
		}
		a, err := audio.DecodeFile(context.Background(), wav, audio.Options{})
		if err != nil {
			return err
		}
		dur := a.Duration()
		var ours, cli []sample
		for r := 0; r < c.rounds; r++ {
			ourArgs := []string{"transcribe", "-model", c.model, "-threads", fmt.Sprint(c.threads), "-beam-size", "1", "-no-fallback", "-language", "en", "-f", "json", "-progress", "never"}
			if c.device != "" {
				ourArgs = append(ourArgs, "-device", c.device)
			}
			s, err := measure(c.bin, append(ourArgs, wav)...)
			if err != nil {
				return err
			}
			ours = append(ours, s)
			if c.baseline != "" {
				s, err = measure(c.baseline, append(ourArgs, wav)...)
			} else {
				cliArgs := []string{"-m", c.model, "-t", fmt.Sprint(c.threads), "-bs", "1", "-bo", "1", "-nf", "-sns", "-l", "en", "-np"}
				switch c.device {
				case "":
				case "cpu":
					cliArgs = append(cliArgs, "-ng")
				default:
					cliArgs = append(cliArgs, "-dev", fmt.Sprint(c.cliGPU))
				}
				s, err = measure(c.cli, append(cliArgs, "-f", wav)...)
			}
			if err != nil {
				return err
			}
			cli = append(cli, s)
		}
		o, w := median(ours), median(cli)
		sumOurs += o.wall
		sumCLI += w.wall
		maxOurs, maxCLI = max(maxOurs, o.maxRSS), max(maxCLI, w.maxRSS)
		fmt.Printf("%-26s %7.1fs %9.2fs %9.2fs %7.3f %9.1f %9.1f %7.3f %8.3f\n", filepath.Base(f), dur.Seconds(),
			o.wall.Seconds(), w.wall.Seconds(), o.wall.Seconds()/w.wall.Seconds(),
			mb(o.maxRSS), mb(w.maxRSS), float64(o.maxRSS)/float64(w.maxRSS), o.wall.Seconds()/dur.Seconds())
	}
	fmt.Printf("%-26s %8s %9.2fs %9.2fs %7.3f %9.1f %9.1f %7.3f\n", "TOTAL (time) / MAX (mem)", "",
		sumOurs.Seconds(), sumCLI.Seconds(), sumOurs.Seconds()/sumCLI.Seconds(), mb(maxOurs), mb(maxCLI), float64(maxOurs)/float64(maxCLI))

	// Decoding speed of the original (compressed) files, in memory.
	var audioSec, decodeSec float64
	for _, f := range c.files {
		const reps = 5
		t0 := time.Now()
		var d time.Duration
		for i := 0; i < reps; i++ {
			a, err := audio.DecodeFile(context.Background(), f, audio.Options{})
			if err != nil {
				return err
			}
			d = a.Duration()
		}
		decodeSec += time.Since(t0).Seconds()
		audioSec += reps * d.Seconds()
	}
	fmt.Printf("audio decoding (to 16 kHz mono float32, in memory): %.0f× real time\n", audioSec/decodeSec)
	return nil
}

func measure(bin string, args ...string) (sample, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout = nil
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t0)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s", filepath.Base(bin), err, tail(out))
	}
	return sample{wall: wall, maxRSS: maxRSS(cmd.ProcessState)}, nil
}

func median(s []sample) sample {
	ws := append([]sample(nil), s...)
	sort.Slice(ws, func(i, j int) bool { return ws[i].wall < ws[j].wall })
	m := ws[len(ws)/2]
	rs := append([]sample(nil), s...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].maxRSS < rs[j].maxRSS })
	m.maxRSS = rs[len(rs)/2].maxRSS
	return m
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}
