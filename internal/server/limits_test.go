package server

import (
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/testgate"
)

// needFFmpeg returns ffmpeg's path, skipping the test without it (failing it under CI).
func needFFmpeg(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg not installed (CI must have it)")
		}
		testgate.Missing(t, "ffmpeg not installed")
	}
	return p
}

// flacSilence is seconds of 48 kHz silence as FLAC: a few KB per minute of audio.
func flacSilence(t testing.TB, seconds string) []byte {
	t.Helper()
	cmd := exec.Command(needFFmpeg(t), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
		"-t", seconds, "-c:a", "flac", "-f", "flac", "-")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecompressionBomb uploads a small FLAC that decodes to an hour of audio to a server whose
// cap is ten minutes, wired as `serve` wires it (AudioDecoder with Config.MaxAudioDuration): 413
// audio_too_long, without the engine ever running; audio under the cap still transcribes.
func TestDecompressionBomb(t *testing.T) {
	bomb := flacSilence(t, "3600")
	ok := flacSilence(t, "5")
	eng := newFake()
	cfg := testConfig(t)
	cfg.MaxAudioDuration = 10 * time.Minute
	ts := start(t, cfg, Deps{Open: func(string) (Transcriber, error) { return eng, nil }, Decode: AudioDecoder(audio.Options{MaxDuration: cfg.MaxAudioDuration})})
	for _, path := range []string{"/v1/audio/transcriptions", "/v1/jobs"} {
		r := ts.upload(t, path, testKey, form{file: bomb, fileName: "bomb.flac", fields: [][2]string{{"model", "fake"}}})
		if path == "/v1/jobs" && r.status == http.StatusAccepted {
			id := jsonField(t, r.body, "id")
			waitFor(t, "the job to end", func() bool {
				st := jsonField(t, ts.get(t, "/v1/jobs/"+id).body, "status")
				return st == "failed" || st == "completed"
			})
			r = ts.get(t, "/v1/jobs/"+id+"/result")
		}
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: bomb of %d bytes: %v; want 413", path, len(bomb), r)
		}
		if _, code, _ := r.apiErr(t); code != "audio_too_long" {
			t.Errorf("%s: code %q", path, code)
		}
	}
	if n := eng.callCount(); n != 0 {
		t.Errorf("the engine ran %d times on the bomb", n)
	}
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: ok, fileName: "ok.flac", fields: [][2]string{{"model", "fake"}}}); r.status != 200 {
		t.Fatalf("5 s under the cap: %v", r)
	}
}

// TestMaxAudioDurationAnyDecoder checks the server's own check after decoding, for a Decoder that
// does not stop at the cap itself.
func TestMaxAudioDurationAnyDecoder(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxAudioDuration = 2 * time.Second
	ts := start(t, cfg, fakeDeps(newFake()))
	r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(5 * time.Second), fields: [][2]string{{"model", "fake"}}})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("5 s over a 2 s cap: %v", r)
	}
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second), fields: [][2]string{{"model", "fake"}}}); r.status != 200 {
		t.Fatalf("1 s: %v", r)
	}
	var c Config
	c.setDefaults()
	if c.MaxAudioDuration != DefaultMaxAudioDuration {
		t.Error("no default cap")
	}
}
