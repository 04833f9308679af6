// Command longbench measures peak memory and wall time on long recordings, Hushscribe (the CLI's
// production path: internal/longform windows) against whisper.cpp's whisper-cli on the same file,
// side by side in one run. The recording is corpus speech repeated with pauses of 1-3 s between
// utterances, written as a 16 kHz mono 16-bit WAV (the format whisper-cli reads; a benchmark-only
// temporary file). The model is the generated micro model unless -model is given.
//
// -lengths runs both programs on the whole recording of each length. -cli-peak runs whisper-cli
// alone on longer recordings with -d 30000 (transcribe the first 30 s): it still reads the whole
// file and computes the whole spectrogram before decoding, which is where its memory goes, so
// its peak is that of a full run at a fraction of the time (on machines too slow for hours of
// decoding). Usage:
//
//	go build -tags sqlite_fts5 -o bin/hushscribe-headless . && \
//	go run -tags sqlite_fts5 ./internal/longform/longbench -bin bin/hushscribe-headless \
//	    -whisper-cli "$WHISPER_CLI" -corpus ../shared/corpus -lengths 1h,3h
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func main() {
	bin := flag.String("bin", "bin/hushscribe-headless", "the hushscribe binary")
	cli := flag.String("whisper-cli", os.Getenv("WHISPER_CLI"), "whisper.cpp's whisper-cli")
	corpus := flag.String("corpus", "../shared/corpus", "folder with the speech corpus")
	lengths := flag.String("lengths", "1h,3h", "recording lengths for full runs of both, comma-separated")
	cliPeak := flag.String("cli-peak", "", "recording lengths for whisper-cli's peak memory alone (-d 30000)")
	oursOnly := flag.Bool("ours-only", false, "with -lengths: run only hushscribe (pair with -cli-peak for whisper-cli's memory)")
	speech := flag.Duration("speech", 0, "if set: speech only for this long at the start and at the end of each recording, digital silence between")
	model := flag.String("model", "", "model file (default: the generated micro model)")
	threads := flag.Int("threads", 2, "threads for both")
	flag.Parse()
	if err := run(*bin, *cli, *corpus, *lengths, *cliPeak, *model, *threads, *speech, *oursOnly); err != nil {
		fmt.Fprintln(os.Stderr, "longbench:", err)
		os.Exit(1)
	}
}

func run(bin, cli, corpus, lengths, cliPeak, model string, threads int, speechOnly time.Duration, oursOnly bool) error {
	if cli == "" {
		return fmt.Errorf("need -whisper-cli (or $WHISPER_CLI)")
	}
	tmp, err := os.MkdirTemp("", "longbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if model == "" {
		model = filepath.Join(tmp, "micro.bin")
		if err := testmodel.WriteFile(model, testmodel.Micro, testmodel.DefaultSeed); err != nil {
			return fmt.Errorf("generate model: %w", err)
		}
	}
	st, err := os.Stat(model)
	if err != nil {
		return err
	}
	speech, err := loadSpeech(corpus)
	if err != nil {
		return err
	}
	fmt.Printf("model %s (%.1f MB), %d threads\n", filepath.Base(model), mb(st.Size()), threads)
	if speechOnly > 0 {
		fmt.Printf("speech only in the first and last %v of each recording, digital silence between\n", speechOnly)
	}
	fmt.Printf("%-6s %-22s %10s %10s %10s\n", "audio", "program", "wall", "peak RSS", "RSS-model")
	for _, l := range split(lengths) {
		d, err := time.ParseDuration(l)
		if err != nil {
			return fmt.Errorf("-lengths: %w", err)
		}
		wav := filepath.Join(tmp, l+".wav")
		if err := writeRecording(wav, speech, d, speechOnly); err != nil {
			return err
		}
		ours, err := measure(bin, "transcribe", "-model", model, "-threads", fmt.Sprint(threads), "-beam-size", "1", "-no-fallback", "-language", "en", "-f", "json", "-progress", "never", wav)
		if err != nil {
			return err
		}
		print(l, "hushscribe", ours, st.Size())
		if oursOnly {
			os.Remove(wav)
			continue
		}
		theirs, err := measure(cli, "-m", model, "-t", fmt.Sprint(threads), "-bs", "1", "-bo", "1", "-nf", "-sns", "-l", "en", "-np", "-f", wav)
		if err != nil {
			return err
		}
		print(l, "whisper-cli", theirs, st.Size())
		fmt.Printf("%-6s memory ratio %.3f, time ratio %.3f\n", l, float64(ours.rss)/float64(theirs.rss), ours.wall.Seconds()/theirs.wall.Seconds())
		os.Remove(wav)
	}
	for _, l := range split(cliPeak) {
		d, err := time.ParseDuration(l)
		if err != nil {
			return fmt.Errorf("-cli-peak: %w", err)
		}
		wav := filepath.Join(tmp, l+".wav")
		if err := writeRecording(wav, speech, d, speechOnly); err != nil {
			return err
		}
		theirs, err := measure(cli, "-m", model, "-t", fmt.Sprint(threads), "-bs", "1", "-bo", "1", "-nf", "-sns", "-l", "en", "-np", "-d", "30000", "-f", wav)
		if err != nil {
			return err
		}
		print(l, "whisper-cli -d 30000", theirs, st.Size())
		os.Remove(wav)
	}
	return nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

type sample struct {
	wall time.Duration
	rss  int64
}

func print(h, prog string, s sample, model int64) {
	fmt.Printf("%-6s %-22s %9.1fs %8.1f MB %7.1f MB\n", h, prog, s.wall.Seconds(), mb(s.rss), mb(s.rss-model))
}

func measure(bin string, args ...string) (sample, error) {
	cmd := exec.Command(bin, args...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t0)
	if err != nil {
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return sample{}, fmt.Errorf("%s: %v\n%s", filepath.Base(bin), err, out)
	}
	return sample{wall: wall, rss: peakRSS(cmd.ProcessState)}, nil
}

// loadSpeech decodes the corpus's speech files.
func loadSpeech(dir string) ([][]float32, error) {
	var out [][]float32
	for _, name := range []string{"jfk.flac", "librispeech_a.flac", "librispeech_b.flac", "platforms_en.wav", "hotwords.mp3"} {
		a, err := audio.DecodeFile(context.Background(), filepath.Join(dir, name), audio.Options{})
		if err != nil {
			return nil, err
		}
		out = append(out, a.Mono())
	}
	return out, nil
}

// writeRecording writes d of the speech clips in turn, with pauses of 1 to 3 s between them; with
// speechOnly > 0, only the first and the last speechOnly hold speech and the rest is silence.
func writeRecording(path string, speech [][]float32, d, speechOnly time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n := int64(d.Seconds() * audio.TargetRate)
	w := bufio.NewWriterSize(f, 1<<20)
	hdr := make([]byte, 44)
	copy(hdr, "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+2*n))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], 1)
	binary.LittleEndian.PutUint32(hdr[24:], audio.TargetRate)
	binary.LittleEndian.PutUint32(hdr[28:], 2*audio.TargetRate)
	binary.LittleEndian.PutUint16(hdr[32:], 2)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(2*n))
	w.Write(hdr)
	var written int64
	quiet := func() bool {
		edge := int64(speechOnly.Seconds() * audio.TargetRate)
		return speechOnly > 0 && written >= edge && written < n-edge
	}
	put := func(v float32) {
		if quiet() {
			v = 0
		}
		if written < n {
			s := uint16(int16(math.Round(float64(max(min(v, 1), -1)) * 32767)))
			w.WriteByte(byte(s))
			w.WriteByte(byte(s >> 8))
			written++
		}
	}
	for i := 0; written < n; i++ {
		for _, v := range speech[i%len(speech)] {
			put(v)
		}
		for range (1 + i%3) * audio.TargetRate {
			put(0)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
