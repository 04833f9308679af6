package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/diarize/standin"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/onnxrt/onnxrttest"
)

// runDiarize runs the CLI with ONNX Runtime and the stand-in diarization models (real ones cannot be
// downloaded in CI) named by the environment, and no VAD model.
func runDiarize(t *testing.T, args ...string) result {
	t.Helper()
	home := t.TempDir()
	files, err := standin.WriteFiles(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	lib := onnxrttest.LibraryPath(t)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "HUSHSCRIBE_HOME":
				return home
			case "HUSHSCRIBE_ONNXRUNTIME":
				return lib
			case segmentationEnv:
				return files.Segmentation
			case embeddingEnv:
				return files.Embedding
			}
			return ""
		},
	})
	return result{code, out.String(), errb.String()}
}

// TestTranscribeDiarize: -diarize / -speakers label segments with speakers, in JSON (speakers list,
// segment speaker IDs) and as WebVTT voice tags; words are only kept with -word-timestamps.
func TestTranscribeDiarize(t *testing.T) {
	c := corpus(t)
	file := filepath.Join(c, "stereo_two_speakers.wav")
	base := []string{"transcribe", "-model", micro(t), "-language", "en", "-beam-size", "1", "-threads", "1", "-vad", "off"}
	r := runDiarize(t, append(base, "-speakers", "2", "-f", "json", file)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	tr, err := export.Import(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) > 0 && len(tr.Speakers) == 0 {
		t.Fatalf("no speakers: %s", r.stdout)
	}
	ids := map[string]bool{}
	for _, s := range tr.Speakers {
		ids[s.ID] = true
	}
	for _, s := range tr.Segments {
		if !ids[s.Speaker] {
			t.Errorf("segment %+v has no listed speaker", s)
		}
		if len(s.Words) != 0 {
			t.Errorf("words kept without -word-timestamps")
		}
	}
	r = runDiarize(t, append(base, "-diarize", "-f", "vtt", file)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	t.Logf("VTT:\n%.300s", r.stdout)
	if strings.Contains(r.stdout, "-->") && !strings.Contains(r.stdout, "<v Speaker ") {
		t.Errorf("VTT without voice tags:\n%s", r.stdout)
	}
}

// TestTranscribeDiarizeErrors: bad flags are usage errors; -diarize without its models is a clear
// "not installed" error (exit 4).
func TestTranscribeDiarizeErrors(t *testing.T) {
	c := corpus(t)
	file := filepath.Join(c, "jfk.flac")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-speakers", "-1"}, ExitUsage, "-speakers must not be negative"},
		{[]string{"-diarize", "-split-channels"}, ExitUsage, "choose one"},
		{[]string{"-diarize"}, ExitNoModel, "speaker diarization unavailable"},
	} {
		r := run(t, append(append([]string{"transcribe", "-model", micro(t)}, tc.args...), file)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d: %s", tc.args, r.code, r.stderr)
		}
	}
}

// TestServeDiarize: `serve` with the diarization models installed answers diarize=true with speakers
// in verbose_json (stand-in models; the real ones cannot be downloaded in CI).
func TestServeDiarize(t *testing.T) {
	files, err := standin.WriteFiles(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	lib := onnxrttest.LibraryPath(t)
	home := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb strings.Builder
		done <- Run(ctx, []string{"serve", "-addr", addr, "-allow-unauthenticated", "-vad", "off", "-model", "micro=" + micro(t)}, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			return map[string]string{"HUSHSCRIBE_HOME": home, "HUSHSCRIBE_ONNXRUNTIME": lib, segmentationEnv: files.Segmentation, embeddingEnv: files.Embedding}[k]
		}})
	}()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not become healthy")
		}
		time.Sleep(50 * time.Millisecond)
	}
	audioBytes, err := os.ReadFile(filepath.Join(corpus(t), "stereo_two_speakers.wav"))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "two.wav")
	fw.Write(audioBytes)
	mw.WriteField("response_format", "verbose_json")
	mw.WriteField("speakers", "2")
	mw.WriteField("language", "en")
	mw.Close()
	resp, err := http.Post("http://"+addr+"/v1/audio/transcriptions", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Segments []struct {
			Speaker string `json:"speaker"`
		} `json:"segments"`
		Speakers []struct{ ID, Name string } `json:"speakers"`
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if len(v.Segments) > 0 && (len(v.Speakers) == 0 || v.Segments[0].Speaker == "") {
		t.Errorf("no speakers in verbose_json: %+v", v)
	}
	t.Logf("%d segments, speakers %+v", len(v.Segments), v.Speakers)
}
