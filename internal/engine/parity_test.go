package engine

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// parityThreads is the thread count both whisper-cli and the engine use.
const parityThreads = 1

// cliFlags are the whisper-cli flags matching Options{Language: lang, Threads: parityThreads,
// WordTimestamps: true} on an engine opened with the default Config (flash attention on, as in whisper-cli): greedy (-bs 1), no
// temperature fallback (-nf), non-speech tokens suppressed (-sns), CPU (-ng), full JSON with
// per-token data (-ojf, which also turns on token timestamps). Flash attention is on by default.
func cliFlags(model, wav, lang, outBase string) []string {
	return []string{"-m", model, "-f", wav, "-l", lang, "-t", strconv.Itoa(parityThreads),
		"-bs", "1", "-nf", "-sns", "-ng", "-ojf", "-of", outBase, "-np"}
}

type cliOutput struct {
	Result struct {
		Language string `json:"language"`
	} `json:"result"`
	Transcription []struct {
		Offsets struct{ From, To int64 } `json:"offsets"`
		Text    string                   `json:"text"`
		Tokens  []struct {
			Text    string                    `json:"text"`
			Offsets *struct{ From, To int64 } `json:"offsets"`
			ID      int                       `json:"id"`
			P       float64                   `json:"p"`
		} `json:"tokens"`
	} `json:"transcription"`
}

func runCLI(t *testing.T, model, wav, lang string, extra ...string) *cliOutput {
	t.Helper()
	cli := os.Getenv("WHISPER_CLI")
	if cli == "" {
		testgate.Missing(t, `WHISPER_CLI not set (eval "$(build/whisper.sh --env)")`)
	}
	base := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(cli, append(cliFlags(model, wav, lang, base), extra...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, b)
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var out cliOutput
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("whisper-cli JSON: %v", err)
	}
	return &out
}

// TestParity runs whisper.cpp's own whisper-cli and the engine on the same samples with the same
// settings and requires identical output: language, segment texts and times, and every token's id,
// probability and time.
func TestParity(t *testing.T) {
	if os.Getenv("WHISPER_CLI") == "" {
		testgate.Missing(t, `WHISPER_CLI not set (eval "$(build/whisper.sh --env)")`)
	}
	type tc struct {
		file  string
		shape testmodel.Shape
		lang  string
	}
	var cases []tc
	for _, f := range []string{"jfk.flac", "librispeech_a.flac", "librispeech_b.flac", "platforms_en.wav",
		"stereo_two_speakers.wav", "hotwords.mp3"} {
		cases = append(cases, tc{f, testmodel.Micro, "en"})
	}
	// english_german.mp3 (60 s, two languages) only with detection; Tiny on one short file.
	cases = append(cases, tc{"english_german.mp3", testmodel.Micro, "auto"}, tc{"librispeech_b.flac", testmodel.Tiny, "en"})
	for _, c := range cases {
		t.Run(c.shape.Name+"/"+c.lang+"/"+c.file, func(t *testing.T) {
			if testing.Short() && c.shape.Name == "tiny" {
				t.Skip("short")
			}
			wav, samples := decodeWAV(t, c.file)
			e := testEngine(t, c.shape)
			want := runCLI(t, e.Info().Path, wav, c.lang)
			got, err := e.run(context.Background(), samples, Options{Language: c.lang, Threads: parityThreads, WordTimestamps: true})
			if err != nil {
				t.Fatal(err)
			}
			compareParity(t, got, want)
		})
	}
}

// TestParityOptions compares the engine with whisper-cli for the options the default parity run
// leaves at their defaults: translation (-tr), the maximum segment length split on words
// (-ml N -sow) and the no-speech threshold (-nth). Each case also requires that the option changes
// whisper-cli's output on that file, so that an engine ignoring it cannot pass.
func TestParityOptions(t *testing.T) {
	if os.Getenv("WHISPER_CLI") == "" {
		testgate.Missing(t, `WHISPER_CLI not set (eval "$(build/whisper.sh --env)")`)
	}
	e := testEngine(t, testmodel.Micro)
	for _, tc := range []struct {
		name  string
		file  string
		flags []string
		opt   Options
		empty bool // the option drops every window: both must be empty
	}{
		{"translate", "librispeech_b.flac", []string{"-tr"}, Options{Translate: true}, false},
		{"max-len 20", "jfk.flac", []string{"-ml", "20", "-sow"}, Options{MaxSegmentLength: 20}, false},
		{"max-len 1", "jfk.flac", []string{"-ml", "1", "-sow"}, Options{MaxSegmentLength: 1}, false},
		{"no-speech threshold", "jfk.flac", []string{"-nth", "0.00001"}, Options{NoSpeechThreshold: 0.00001}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wav, samples := decodeWAV(t, tc.file)
			model := e.Info().Path
			plain := runCLI(t, model, wav, "en")
			want := runCLI(t, model, wav, "en", tc.flags...)
			if sameText(plain, want) {
				t.Fatalf("whisper-cli %v gives the same output as without: this case proves nothing", tc.flags)
			}
			opt := tc.opt
			opt.Language, opt.Threads, opt.WordTimestamps = "en", parityThreads, true
			got, err := e.run(context.Background(), samples, opt)
			if err != nil {
				t.Fatal(err)
			}
			if tc.empty {
				if len(want.Transcription) != 0 || len(got.segments) != 0 {
					t.Fatalf("whisper-cli %d segments, engine %d: want none from both", len(want.Transcription), len(got.segments))
				}
				return
			}
			compareParity(t, got, want)
		})
	}
}

func sameText(a, b *cliOutput) bool {
	if len(a.Transcription) != len(b.Transcription) {
		return false
	}
	for i := range a.Transcription {
		if a.Transcription[i].Text != b.Transcription[i].Text || a.Transcription[i].Offsets != b.Transcription[i].Offsets {
			return false
		}
	}
	return true
}

func compareParity(t *testing.T, got *result, want *cliOutput) {
	t.Helper()
	if got.language != want.Result.Language {
		t.Errorf("language = %q, whisper-cli %q", got.language, want.Result.Language)
	}
	if len(got.segments) != len(want.Transcription) {
		t.Fatalf("%d segments, whisper-cli %d", len(got.segments), len(want.Transcription))
	}
	if len(got.segments) == 0 {
		t.Fatal("no segments at all: the comparison proves nothing")
	}
	ntok := 0
	for i, g := range got.segments {
		w := want.Transcription[i]
		if g.text != w.Text || g.t0*10 != w.Offsets.From || g.t1*10 != w.Offsets.To {
			t.Fatalf("segment %d = [%d %d] %q, whisper-cli [%d %d] %q", i, g.t0*10, g.t1*10, g.text, w.Offsets.From, w.Offsets.To, w.Text)
		}
		if len(g.tokens) != len(w.Tokens) {
			t.Fatalf("segment %d: %d tokens, whisper-cli %d", i, len(g.tokens), len(w.Tokens))
		}
		for j, gt := range g.tokens {
			wt := w.Tokens[j]
			if gt.id != wt.ID || gt.text != wt.Text || math.Abs(float64(gt.p)-wt.P) > 1e-5 {
				t.Fatalf("segment %d token %d = %d %q p=%v, whisper-cli %d %q p=%v", i, j, gt.id, gt.text, gt.p, wt.ID, wt.Text, wt.P)
			}
			if wt.Offsets != nil && (gt.t0*10 != wt.Offsets.From || gt.t1*10 != wt.Offsets.To) {
				t.Fatalf("segment %d token %d at [%d %d], whisper-cli [%d %d]", i, j, gt.t0*10, gt.t1*10, wt.Offsets.From, wt.Offsets.To)
			}
			ntok++
		}
	}
	t.Logf("%d segments, %d tokens identical (language %s)", len(got.segments), ntok, got.language)
}
